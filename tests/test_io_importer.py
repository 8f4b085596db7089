"""The importer's rules: admins only, dry run first, atomic commit, history naming the file,
updates by id of the changed fields only, duplicates, make_valid on request, warnings
accepted explicitly."""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest
from shapely.geometry import box

from clusters import registry
from clusters.errors import AccessDenied, ConflictError
from clusters.importer import ImportRefused, commit, plan_file
from clusters.io.errors import ImportFileError
from clusters.roles import Actor
from clusters.store import ClusterStore
from tests.builders import cluster, square

ADMIN = Actor("quan-tri", "admin")
EDITOR = Actor("bien-tap", "editor")
VIEWER = Actor("xem", "viewer")
LIST = "Tên CCN,Giai đoạn,Quận/huyện,Diện tích (ha),Kinh độ,Vĩ độ\n"


def csv(*rows: str) -> bytes:
    return (LIST + "".join(r + "\n" for r in rows)).encode()


def geojson(*features: dict) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def feature(geom, fid: int | None = None, **props: object) -> dict:
    out: dict = {"type": "Feature", "properties": props, "geometry": geom.__geo_interface__}
    if fid is not None:
        out["id"] = fid
    return out


def state(store: ClusterStore) -> tuple[list[tuple[int | None, int]], int]:
    return [(c.id, c.version) for c in store.list_clusters()], len(store.history())


def test_only_administrators_import(store):
    data = csv("CCN Tân Lập,Đã thành lập,Đan Phượng,18.5,105.67,21.08")
    with pytest.raises(AccessDenied):
        plan_file(store, data, "ds.csv", EDITOR)
    with pytest.raises(AccessDenied):
        plan_file(store, data, "ds.csv", None)
    plan = plan_file(store, data, "ds.csv", ADMIN)
    with pytest.raises(AccessDenied):
        commit(store, plan, EDITOR)  # a plan made by an admin does not let an editor write
    assert store.count() == 0


def test_new_clusters_are_created_with_a_history_event_naming_the_file(store):
    data = csv(
        'CCN Tân Lập,Đã thành lập,Đan Phượng,"18,5",105.67,21.08',
        "CCN làng nghề Liên Hà,Trong quy hoạch,Đan Phượng,12,105.68,21.12",
    )
    plan = plan_file(store, data, "danh_sach_dan_phuong.csv", ADMIN)
    assert plan.counts() == {"new": 2, "update": 0, "unchanged": 0, "rejected": 0}
    result = commit(store, plan, ADMIN)
    assert len(result.created) == 2
    first = store.get(result.created[0])
    assert (first.name, first.stage, first.area_ha, first.district_2019) == (
        "CCN Tân Lập",
        "established",
        18.5,
        "Đan Phượng",
    )
    assert first.location_precision == "commune"  # a point from a list is approximate
    assert store.get(result.created[1]).cluster_type == "craft_village"  # "làng nghề" in the name
    [event] = store.history(first.id)
    assert (event.kind, event.source, event.actor) == (
        "import",
        "danh_sach_dan_phuong.csv",
        "quan-tri",
    )
    assert "danh_sach_dan_phuong.csv" in (event.reason or "")


def test_the_commit_is_all_or_nothing(store):
    store.create(cluster(id=5, name="CCN Ngọc Hồi"), actor="seed")
    data = geojson(
        feature(square(105.70, 21.00), name="CCN Mới", stage="planned"),
        feature(
            cluster().geometry, 5, name="CCN Ngọc Hồi", stage="established", investor="Công ty A"
        ),
    )
    plan = plan_file(store, data, "dot1.geojson", ADMIN)
    assert plan.counts()["new"] == 1 and plan.counts()["update"] == 1
    current = store.get(5)
    store.update(5, {"notes": "sửa trong lúc chạy thử"}, based_on=current.version, actor="khac")
    before = state(store)
    with pytest.raises(ConflictError):
        commit(store, plan, ADMIN)
    assert state(store) == before  # the new cluster was not written either


def test_rows_with_errors_block_the_whole_file(store):
    data = csv(
        "CCN Tân Lập,Đã thành lập,Đan Phượng,18.5,105.67,21.08",
        "CCN Sai,Đã thành lập,Đan Phượng,18.5,106.67,10.80",
    )
    plan = plan_file(store, data, "ds.csv", ADMIN)
    assert plan.counts() == {"new": 1, "update": 0, "unchanged": 0, "rejected": 1}
    with pytest.raises(ImportRefused) as caught:
        commit(store, plan, ADMIN)
    assert (
        caught.value.en == "Not imported: 1 row has errors (see the report). Nothing was written."
    )
    assert store.count() == 0


def test_invalid_boundary_is_repaired_only_when_asked(store):
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[105.80, 21.00], [105.81, 21.01], [105.81, 21.00], [105.80, 21.01], [105.80, 21.00]]
        ],
    }
    data = geojson(
        {
            "type": "Feature",
            "properties": {"name": "CCN Nơ", "stage": "planned"},
            "geometry": bowtie,
        }
    )
    plan = plan_file(store, data, "no.geojson", ADMIN)
    assert plan.repairable == 1 and plan.has_errors
    fixed = plan_file(store, data, "no.geojson", ADMIN, make_valid=True)
    assert not fixed.has_errors
    assert [p.code for p in fixed.rows[0].problems] == ["made_valid"]
    with pytest.raises(ImportRefused):
        commit(store, fixed, ADMIN)  # the repair is a warning: it must be accepted
    [cid] = commit(store, fixed, ADMIN, accept_warnings=True).created
    saved = store.get(cid).geometry
    assert saved.is_valid and saved.geom_type == "MultiPolygon" and len(saved.geoms) == 2


def test_duplicates_within_the_file_by_name_and_proximity(store):
    data = csv(
        "CCN Tân Lập,Đã thành lập,Đan Phượng,18.5,105.67,21.08",
        "Cụm công nghiệp Tân Lập,Đã thành lập,Đan Phượng,18.5,105.675,21.081",
        "CCN Tân Lập,Đã thành lập,Hoài Đức,18.5,105.75,21.02",  # same name, 9 km away: another
    )
    plan = plan_file(store, data, "ds.csv", ADMIN)
    assert [(r.action, [p.code for p in r.problems]) for r in plan.rows] == [
        ("new", []),
        ("rejected", ["duplicate"]),
        ("new", []),
    ]
    assert plan.rows[1].errors[0].en.startswith("Duplicate of row 2 (same name, 531 m away).")


def test_an_update_by_id_changes_only_the_fields_given(store):
    store.create(cluster(id=7, name="CCN Ngọc Hồi", investor="Cũ"), actor="seed")
    data = (
        "Mã,Tên cụm,Chủ đầu tư hạ tầng,Kinh độ,Vĩ độ\n7,CCN Ngọc Hồi,Công ty Mới,105.8433,20.9125\n"
    )
    plan = plan_file(store, data.encode(), "sua.csv", ADMIN)
    [row] = plan.rows
    assert (row.action, row.changes, row.based_on) == ("update", {"investor": "Công ty Mới"}, 1)
    commit(store, plan, ADMIN)
    after = store.get(7)
    assert (
        after.investor == "Công ty Mới"
        and after.district_2019 == "Thanh Trì"
        and after.version == 2
    )


def test_a_point_inside_a_stored_boundary_keeps_the_boundary(store):
    store.create(
        cluster(id=8, geometry=square(), location_precision="surveyed", area_ha=10.4), actor="s"
    )
    inside = square().representative_point()
    data = f"Mã,Tên cụm,Kinh độ,Vĩ độ\n8,CCN Ngọc Hồi,{inside.x},{inside.y}\n".encode()
    assert plan_file(store, data, "a.csv", ADMIN).counts()["unchanged"] == 1
    far = "Mã,Tên cụm,Kinh độ,Vĩ độ\n8,CCN Ngọc Hồi,105.9,21.1\n".encode()
    [row] = plan_file(store, far, "a.csv", ADMIN).rows
    assert row.action == "update" and "boundary_to_point" in [p.code for p in row.problems]


def test_moving_a_stage_back_with_a_reason_is_flagged_as_a_correction(store):
    store.create(cluster(id=9, stage="operating"), actor="s")
    data = (
        "Mã,Tên cụm,Giai đoạn,Ngày hiệu lực giai đoạn,Lý do,Kinh độ,Vĩ độ\n"
        "9,CCN Ngọc Hồi,Đã thành lập,02/05/2024,nhập nhầm,105.8433,20.9125\n"
    )
    plan = plan_file(store, data.encode(), "a.csv", ADMIN)
    [row] = plan.rows
    assert [(p.code, p.severity) for p in row.problems] == [("correction", "warning")]
    assert row.problems[0].en == (
        "The stage moves back from 'Operating' to 'Established': a correction."
    )
    commit(store, plan, ADMIN, accept_warnings=True)
    c = store.get(9)
    assert (c.stage, c.stage_effective_date, c.stage_evidence, c.stage_verified) == (
        "established",
        date(2024, 5, 2),
        None,  # a correction on a reason alone rests on no document
        False,
    )
    [event, _] = store.history(9)
    assert (event.kind, event.source) == ("correction", "a.csv")
    assert event.reason is not None and event.reason.startswith("nhập nhầm — ")


def test_moving_a_stage_back_without_a_reason_is_refused(store):
    store.create(cluster(id=9, stage="operating"), actor="s")
    data = (
        "Mã,Tên cụm,Giai đoạn,Ngày hiệu lực giai đoạn,Kinh độ,Vĩ độ\n"
        "9,CCN Ngọc Hồi,Đã thành lập,02/05/2024,105.8433,20.9125\n"
    )
    plan = plan_file(store, data.encode(), "a.csv", ADMIN)
    [issue] = plan.issues()
    assert (issue.row_en, issue.field, issue.severity) == ("Row 2", "reason", "error")
    assert "--reason" in issue.en and "«Lý do»" in issue.vi
    before = state(store)
    with pytest.raises(ImportRefused):
        commit(store, plan, ADMIN, accept_warnings=True)
    assert state(store) == before
    with_reason = plan_file(store, data.encode(), "a.csv", ADMIN, reason="đính chính theo rà soát")
    assert not with_reason.has_errors


MOVE = "Mã,Tên cụm,Giai đoạn,Kinh độ,Vĩ độ\n9,CCN Ngọc Hồi,Đang hoạt động,105.8433,20.9125\n"


def test_a_stage_move_without_evidence_is_refused_and_writes_nothing(store):
    store.create(cluster(id=9, stage="established"), actor="s")
    plan = plan_file(store, MOVE.encode(), "ds.csv", ADMIN)
    assert plan.counts()["rejected"] == 1
    assert {(i.row, i.field, i.severity) for i in plan.issues()} == {
        ("Dòng 2", "evidence", "error"),
        ("Dòng 2", "stage_effective_date", "error"),
    }
    evidence = next(i for i in plan.issues() if i.field == "evidence")
    assert "--evidence" in evidence.en
    before = state(store)
    with pytest.raises(ImportRefused):
        commit(store, plan, ADMIN, accept_warnings=True)
    assert state(store) == before
    assert store.get(9).stage == "established"


def test_a_stage_move_with_evidence_for_the_file_records_it_in_one_event(store):
    store.create(cluster(id=9, stage="established"), actor="s")
    evidence = "Báo cáo 123/BC-SCT ngày 14/06/2025"
    plan = plan_file(store, MOVE.encode(), "ds.csv", ADMIN, evidence=evidence)
    assert not plan.issues()
    result = commit(store, plan, ADMIN)
    assert result.updated == [9]
    c = store.get(9)
    assert (c.stage, c.stage_evidence, c.stage_verified, c.stage_effective_date) == (
        "operating",
        evidence,
        True,
        date(2025, 6, 14),  # the evidence's own date, none being given
    )
    [event, _created] = store.history(9)
    assert (event.kind, event.source, event.actor) == ("stage", "ds.csv", "quan-tri")
    assert "ds.csv" in (event.reason or "")
    [document] = store.decisions(9)
    assert (document.number, document.date, document.event_id) == (
        "Báo cáo 123/BC-SCT",
        date(2025, 6, 14),
        event.id,
    )


def test_a_date_for_the_file_stands_for_rows_without_their_own(store):
    store.create(cluster(id=9, stage="established"), actor="s")
    store.create(cluster(id=10, name="CCN Phú Nghĩa", stage="established"), actor="s")
    data = (
        "Mã,Tên cụm,Giai đoạn,Ngày hiệu lực giai đoạn,Kinh độ,Vĩ độ\n"
        "9,CCN Ngọc Hồi,Đang hoạt động,,105.8433,20.9125\n"
        "10,CCN Phú Nghĩa,Đang hoạt động,01/03/2025,105.8433,20.9125\n"
    )
    plan = plan_file(
        store,
        data.encode(),
        "ds.csv",
        ADMIN,
        evidence="Báo cáo 123/BC-SCT",
        effective_date=date(2025, 6, 1),
    )
    commit(store, plan, ADMIN)
    assert store.get(9).stage_effective_date == date(2025, 6, 1)
    assert store.get(10).stage_effective_date == date(2025, 3, 1)  # the row's own comes first
    assert store.get(9).stage_evidence == "Báo cáo 123/BC-SCT"


def test_a_rows_own_document_or_inspection_backs_its_move(store):
    store.create(cluster(id=9, stage="established"), actor="s")
    store.create(cluster(id=10, name="CCN Phú Nghĩa", stage="established"), actor="s")
    data = (
        "Mã,Tên cụm,Giai đoạn,Số quyết định,Ngày quyết định,Ngày kiểm tra,Kinh độ,Vĩ độ\n"
        "9,CCN Ngọc Hồi,Khởi công,2803/QĐ-UBND,02/05/2024,,105.8433,20.9125\n"
        "10,CCN Phú Nghĩa,Đang hoạt động,,,10/03/2025,105.8433,20.9125\n"
    )
    plan = plan_file(store, data.encode(), "ds.csv", ADMIN, evidence="Báo cáo 1/BC-SCT")
    assert not plan.issues()
    commit(store, plan, ADMIN)
    ground, inspected = store.get(9), store.get(10)
    assert (ground.stage, ground.stage_evidence, ground.stage_effective_date) == (
        "under_construction",
        "2803/QĐ-UBND ngày 02/05/2024",
        date(2024, 5, 2),
    )
    assert (inspected.stage_evidence, inspected.stage_effective_date) == (
        "Kiểm tra thực địa ngày 10/03/2025",
        date(2025, 3, 10),
    )
    [document] = store.decisions(9)
    assert (document.doc_type, document.number) == ("groundbreaking", "2803/QĐ-UBND")
    assert store.decisions(10)[0].doc_type == "inspection"


@pytest.mark.parametrize(
    ("header", "cell", "field"),
    [
        ("Số quyết định", "2803/QĐ-UBND", "decision_date"),  # a number without a date
        ("Ngày quyết định", "02/05/2024", "decision_number"),  # a date without a number
        ("Ngày kiểm tra", "31/02/2025", "inspection_date"),  # no such day
    ],
)
def test_a_rows_incomplete_evidence_is_an_error_naming_the_field(store, header, cell, field):
    store.create(cluster(id=9, stage="established"), actor="s")
    data = (
        f"Mã,Tên cụm,Giai đoạn,{header},Kinh độ,Vĩ độ\n"
        f"9,CCN Ngọc Hồi,Đang hoạt động,{cell},105.8433,20.9125\n"
    )
    [row] = plan_file(store, data.encode(), "ds.csv", ADMIN).rows
    assert row.action == "rejected"
    assert field in {p.field for p in row.errors}


@pytest.mark.parametrize(
    ("header", "cell", "field"),
    [
        ("Căn cứ giai đoạn", "Biên bản 7/BB", "stage_evidence"),
        ("Đã xác minh giai đoạn", "có", "stage_verified"),
        ("Ngày hiệu lực giai đoạn", "01/01/2025", "stage_effective_date"),
    ],
)
def test_a_stage_field_changed_without_a_move_is_refused(store, header, cell, field):
    store.create(cluster(id=9, stage="established"), actor="s")
    data = f"Mã,Tên cụm,{header},Kinh độ,Vĩ độ\n9,CCN Ngọc Hồi,{cell},105.8433,20.9125\n"
    plan = plan_file(store, data.encode(), "ds.csv", ADMIN, evidence="Báo cáo 1/BC-SCT")
    [issue] = plan.issues()
    assert (issue.field, issue.severity) == (field, "error")
    assert "keeps the stage" in issue.en
    with pytest.raises(ImportRefused):
        commit(store, plan, ADMIN)
    assert store.get(9).version == 1


def test_a_moving_row_may_write_its_evidence_in_the_stage_evidence_column(store):
    store.create(cluster(id=9, stage="established"), actor="s")
    data = (
        "Mã,Tên cụm,Giai đoạn,Căn cứ giai đoạn,Kinh độ,Vĩ độ\n"
        "9,CCN Ngọc Hồi,Đang hoạt động,QĐ 55/QĐ-UBND ngày 01/04/2025,105.8433,20.9125\n"
    )
    plan = plan_file(store, data.encode(), "ds.csv", ADMIN)
    assert not plan.issues()
    commit(store, plan, ADMIN)
    c = store.get(9)
    assert (c.stage_evidence, c.stage_effective_date) == (
        "QĐ 55/QĐ-UBND ngày 01/04/2025",
        date(2025, 4, 1),
    )


def test_a_move_dated_after_today_is_refused(store):
    store.create(cluster(id=9, stage="established"), actor="s")
    plan = plan_file(
        store,
        MOVE.encode(),
        "ds.csv",
        ADMIN,
        evidence="Báo cáo 123/BC-SCT ngày 15/06/2025",
        today=date(2025, 6, 14),
    )
    assert {(p.code, p.field) for p in plan.rows[0].errors} == {
        ("future_date", "stage_effective_date"),
        ("future_date", "decision_date"),
    }


def test_a_row_moving_the_stage_and_changing_attributes_writes_both(store):
    store.create(cluster(id=9, stage="established"), actor="s")
    data = (
        "Mã,Tên cụm,Giai đoạn,Chủ đầu tư hạ tầng,Kinh độ,Vĩ độ\n"
        "9,CCN Ngọc Hồi,Đang hoạt động,Công ty Mới,105.8433,20.9125\n"
    )
    plan = plan_file(
        store, data.encode(), "ds.csv", ADMIN, evidence="Báo cáo 1/BC-SCT ngày 02/01/2025"
    )
    [row] = plan.rows
    assert set(row.changes) == {
        "investor",
        "stage",
        "stage_effective_date",
        "stage_evidence",
        "stage_verified",
    }
    commit(store, plan, ADMIN)
    c = store.get(9)
    assert (c.stage, c.investor, c.version) == ("operating", "Công ty Mới", 3)
    attributes, stage, _ = store.history(9)
    assert (stage.kind, attributes.kind) == ("stage", "import")
    assert stage.source == attributes.source == "ds.csv"
    assert {ch.field for ch in attributes.changes} == {"investor"}


def test_a_new_rows_document_joins_it(store):
    data = (
        "Tên CCN,Giai đoạn,Số QĐ,Ngày QĐ,Kinh độ,Vĩ độ\n"
        "CCN Tân Lập,Đã thành lập,4754/QĐ-UBND,20/07/2017,105.67,21.08\n"
    )
    plan = plan_file(store, data.encode(), "ds.csv", ADMIN)
    [cid] = commit(store, plan, ADMIN).created
    c = store.get(cid)
    assert (c.stage_evidence, c.stage_verified) == ("4754/QĐ-UBND ngày 20/07/2017", True)
    [document] = store.decisions(cid)
    assert (document.doc_type, document.number) == ("establishment", "4754/QĐ-UBND")
    assert store.history(cid)[0].kind == "import"


def test_a_viewers_import_is_refused_and_logged_as_a_refused_write(store, caplog):
    data = csv("CCN Tân Lập,Đã thành lập,Đan Phượng,18.5,105.67,21.08")
    with caplog.at_level(logging.WARNING, logger="clusters.registry"), pytest.raises(AccessDenied):
        plan_file(store, data, "ds.csv", VIEWER)
    assert [r.getMessage() for r in caplog.records] == ["refused write by xem (role viewer)"]
    plan = plan_file(store, data, "ds.csv", ADMIN)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="clusters.registry"), pytest.raises(AccessDenied):
        commit(store, plan, VIEWER)
    assert [r.getMessage() for r in caplog.records] == ["refused write by xem (role viewer)"]
    assert store.count() == 0


def test_a_row_naming_another_clusters_id_is_flagged(store):
    store.create(cluster(id=10, name="CCN Ngọc Hồi"), actor="s")
    data = "Mã,Tên cụm,Kinh độ,Vĩ độ\n10,CCN Phú Nghĩa,105.8433,20.9125\n"
    [row] = plan_file(store, data.encode(), "a.csv", ADMIN).rows
    assert [p.code for p in row.problems] == ["id_name_mismatch"]


def test_a_parent_later_in_the_file_is_written_first(store):
    data = geojson(
        feature(
            box(105.70, 21.0, 105.703, 21.003),
            31,
            name="CCN B giai đoạn 2",
            stage="planned",
            parent_id=30,
        ),
        feature(box(105.72, 21.0, 105.723, 21.003), 30, name="CCN B", stage="planned"),
    )
    plan = plan_file(store, data, "b.geojson", ADMIN)
    assert not plan.has_errors
    assert commit(store, plan, ADMIN, accept_warnings=True).created == [30, 31]
    assert store.get(31).parent_id == 30


def test_a_parent_missing_everywhere_is_an_error(store):
    data = geojson(
        feature(
            box(105.70, 21.0, 105.703, 21.003), 31, name="CCN B2", stage="planned", parent_id=99
        )
    )
    [row] = plan_file(store, data, "b.geojson", ADMIN).rows
    assert [p.code for p in row.errors] == ["parent_missing"]


def test_a_confirmed_mapping_is_saved_on_commit(store):
    book = registry.ColumnMappings(store, ADMIN)
    data = "Tên gọi,Tình hình,Lng,Lat\nCCN Tân Lập,Đã thành lập,105.67,21.08\n".encode()
    auto = plan_file(store, data, "a.csv", ADMIN, book=book)
    assert "stage" not in auto.mapping and auto.has_errors
    chosen = {**auto.mapping, "name": "Tên gọi", "stage": "Tình hình"}
    plan = plan_file(store, data, "a.csv", ADMIN, mapping=chosen, book=book)
    commit(store, plan, ADMIN, book=book)
    again = plan_file(store, data, "b.csv", ADMIN, book=book)
    assert again.mapping == chosen


def test_a_mapping_naming_a_missing_column_is_refused(store):
    with pytest.raises(ImportFileError) as caught:
        plan_file(
            store,
            csv("CCN A,Đã thành lập,,,105.7,21.0"),
            "a.csv",
            ADMIN,
            mapping={"name": "Không có"},
        )
    assert caught.value.en == "The file has no column 'Không có'."
