"""The registry as it stood at a past moment, rebuilt from history; the CLI's --as-of."""

import dataclasses
import json
import random
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pyogrio
import pytest
from shapely.geometry import Point, box

from clusters import clock, registry, seed, snapshot, stages
from clusters.codec import from_history, to_history
from clusters.errors import ClusterError, StorageError
from clusters.model import EDITABLE_FIELDS, ChangeEvent, Cluster, FieldChange, ReportedFigure
from clusters.roles import Actor
from clusters.store import open_store
from tests.builders import cluster, decision, full_cluster, move_stage, written_at

PLANNER = Actor("planner", "editor")
HISTORY_PRECISION = 1e-7  # history keeps geometry as WKT with 7 decimals (about 1 cm)
T0 = datetime(2025, 1, 6, 2, 30, 15, 123456, tzinfo=UTC)


def assert_same_registry(rebuilt: list[Cluster], stored: list[Cluster], tolerance=0.0) -> None:
    """Field by field, bookkeeping (version, created/updated at and by) included."""
    assert [c.id for c in rebuilt] == [c.id for c in stored]
    for r, s in zip(rebuilt, stored, strict=True):
        for f in dataclasses.fields(Cluster):
            mine, theirs = getattr(r, f.name), getattr(s, f.name)
            if f.name == "geometry":
                assert mine.geom_type == theirs.geom_type, r.id
                assert mine.equals_exact(theirs, tolerance), (r.id, mine.wkt, theirs.wkt)
            else:
                assert mine == theirs, (r.id, f.name, mine, theirs)
                assert type(mine) is type(theirs), (r.id, f.name)


# --- cut-off dates ---------------------------------------------------------------------------


def test_cutoff_moment_is_the_end_of_the_day_in_hanoi_in_utc():
    assert snapshot.cutoff_moment(date(2025, 6, 14)) == datetime(
        2025, 6, 14, 16, 59, 59, 999999, tzinfo=UTC
    )
    assert snapshot.cutoff_moment(date(2024, 12, 31)) == datetime(
        2024, 12, 31, 16, 59, 59, 999999, tzinfo=UTC
    )


def test_report_cutoffs_are_the_latest_14_june_and_14_december():
    assert snapshot.report_cutoffs(date(2026, 1, 2)) == [
        date(2025, 12, 14),
        date(2025, 6, 14),
        date(2024, 12, 14),
        date(2024, 6, 14),
    ]
    assert snapshot.report_cutoffs(date(2025, 6, 14), 2) == [date(2025, 6, 14), date(2024, 12, 14)]
    assert snapshot.report_cutoffs(date(2025, 6, 13), 2) == [date(2024, 12, 14), date(2024, 6, 14)]
    assert snapshot.is_half_year_cutoff(date(2025, 6, 14))
    assert not snapshot.is_half_year_cutoff(date(2025, 12, 14))


def test_parse_day_reads_iso_and_vietnamese_order_and_refuses_the_rest():
    assert snapshot.parse_day("2025-06-14") == date(2025, 6, 14)
    assert snapshot.parse_day(" 14/06/2025 ") == date(2025, 6, 14)
    with pytest.raises(ClusterError) as err:
        snapshot.parse_day("14.06.2025")
    assert "YYYY-MM-DD" in err.value.en and "không hợp lệ" in err.value.vi


# --- values back from history ----------------------------------------------------------------


def test_every_editable_field_comes_back_from_its_history_form():
    c = full_cluster(parent_id=7, stage_verified=True)
    for f in EDITABLE_FIELDS:
        value = getattr(c, f)
        back = from_history(f, json.loads(json.dumps(to_history(f, value))))
        if f == "geometry":
            # history keeps 7 decimals (about 1 cm); the builder's boundary has 10
            assert back.equals_exact(value, HISTORY_PRECISION) and not back.equals_exact(value, 0)
        else:
            assert back == value and type(back) is type(value), f


def test_an_unknown_field_in_history_is_refused():
    with pytest.raises(StorageError):
        from_history("colour", "red")


def test_replay_waits_for_a_missing_version_and_needs_version_one():
    def event(version, hour):
        at = T0 + timedelta(hours=hour)
        return ChangeEvent(1, version, "a", at, "update", [FieldChange("area_ha", None, version)])

    create = ChangeEvent(1, 1, "a", T0, "create", [FieldChange("name", None, "CCN A")])
    # version 3 stamped before version 2 (a clock that stepped back): it waits for version 2
    events = [create, event(2, 5), event(3, 2)]
    [c] = snapshot.replay(events, [], T0 + timedelta(hours=3)).clusters
    assert c.version == 1 and c.area_ha is None
    [c] = snapshot.replay(events, [], T0 + timedelta(hours=6)).clusters
    assert c.version == 3 and c.area_ha == 3.0
    with pytest.raises(StorageError):
        snapshot.replay([event(2, 1)], [], T0 + timedelta(hours=6))


# --- round trips -----------------------------------------------------------------------------


def _point(rng):
    return Point(round(rng.uniform(105.3, 106.0), 6), round(rng.uniform(20.6, 21.3), 6))


def _random_change(rng, current, ids):
    pick = rng.choice(
        [
            ("area_ha", lambda: round(rng.uniform(5, 75), 2)),
            ("industrial_land_ha", lambda: rng.choice([None, round(rng.uniform(3, 40), 2)])),
            ("investor", lambda: rng.choice([None, "Công ty CP Hạ tầng Phú Mỹ", "HTX Đa Sỹ"])),
            ("notes", lambda: rng.choice([None, "ghi chú «có dấu»\nhai dòng", "khác"])),
            (
                "aliases",
                lambda: rng.sample(["CCN A", "Cụm B", "CCN làng nghề C"], rng.randint(0, 3)),
            ),
            ("confidence", lambda: rng.choice([None, "high", "low"])),
            ("wwtp_status", lambda: rng.choice([None, "planned", "operating"])),
            ("as_of", lambda: rng.choice(["2024", "2025-03", "2025-04-30"])),
            ("parent_id", lambda: rng.choice([None, *sorted(ids - {current.id})])),
            ("batch", lambda: rng.choice([None, "2018_2020", "2021_2025"])),
            ("commune_2025_code", lambda: rng.choice([None, "09955", "10015"])),
        ]
    )
    return {pick[0]: pick[1]()}


def build_random_history(store, rng, steps):
    """Creates clusters and changes them (attributes, stages, locations) at known times;
    returns each write's time with the registry (and its decisions) right after it."""
    when = T0
    states = []
    ids = set()

    def write(action, *args, **kw):
        nonlocal when
        when += timedelta(hours=rng.randint(1, 96), seconds=rng.randint(0, 59))
        when = when.replace(microsecond=rng.randint(0, 999999))
        with written_at(when):
            result = action(*args, **kw)
        states.append((when, store.list_clusters(), store.decisions()))
        return result

    for step in range(steps):
        kind = (
            "create"
            if len(ids) < 2 or rng.random() < 0.15
            else rng.choice(["attributes", "attributes", "stage", "location"])
        )
        if kind == "create":
            draft = cluster(
                name=f"CCN thử {step}",
                geometry=_point(rng),
                stage=rng.choice(["planned", "established"]),
                area_ha=rng.choice([None, 12.5]),
                aliases=rng.choice([[], ["CCN cũ"]]),
            )
            ids.add(write(store.create, draft, actor="planner").id)
            continue
        current = store.get(rng.choice(sorted(ids)))
        if kind == "attributes":
            changes = _random_change(rng, current, ids)
            write(store.update, current.id, changes, based_on=current.version, actor="a")
        elif kind == "location":
            lon, lat = _point(rng).coords[0]
            shape = rng.choice([Point(lon, lat), box(lon, lat, lon + 0.004, lat + 0.003)])
            changes = {"geometry": shape, "location_precision": rng.choice(["surveyed", "commune"])}
            write(store.update, current.id, changes, based_on=current.version, actor="b")
        else:
            at = stages.order(current.stage)
            later = [s.code for s in stages.STAGES if stages.order(s.code) > at]
            if not later:
                continue
            effective = date(2024, 1, 1) + timedelta(days=rng.randint(0, 300))
            write(
                registry.change_stage,
                store,
                current.id,
                later[0],
                PLANNER,
                based_on=current.version,
                effective_date=effective,
                evidence=decision(date=effective, number=f"{rng.randint(1, 999)}/QĐ-UBND"),
                accept_warnings=True,
            )
    return states


@pytest.mark.parametrize("seed_no", range(4))
def test_registry_at_any_moment_equals_the_registry_captured_then(store, seed_no):
    rng = random.Random(seed_no)
    states = build_random_history(store, rng, steps=30)
    assert len(states) > 20
    assert snapshot.registry_at(store, T0) == []
    prev: list[Cluster] = []
    tol = HISTORY_PRECISION
    for (when, state, decisions), (after, *_) in zip(
        states, [*states[1:], (None, None, None)], strict=True
    ):
        then = snapshot.snapshot(store, when)
        assert_same_registry(then.clusters, state, tol)
        assert then.decisions == decisions
        if after is not None:
            between = when + (after - when) / 2
            assert_same_registry(snapshot.registry_at(store, between), state, tol)
        before = snapshot.registry_at(store, when - timedelta(microseconds=1))
        assert_same_registry(before, prev, tol)
        prev = state
    now = datetime.now(UTC)
    assert_same_registry(snapshot.registry_at(store, now), store.list_clusters(), tol)


def test_an_update_at_the_moment_counts_and_one_just_after_does_not(store):
    with written_at(T0):
        created = store.create(cluster(), actor="planner")
    with written_at(T0 + timedelta(hours=1)):
        store.update(created.id, {"area_ha": 30.0}, based_on=1, actor="planner")
    [before] = snapshot.registry_at(store, T0 + timedelta(hours=1) - timedelta(microseconds=1))
    [after] = snapshot.registry_at(store, T0 + timedelta(hours=1))
    assert (before.version, before.area_ha) == (1, 20.0)
    assert (after.version, after.area_ha) == (2, 30.0)


def test_a_boundary_with_more_decimals_comes_back_to_within_history_precision(store):
    created = store.create(full_cluster(), actor="planner")
    store.update(created.id, {"notes": None, "aliases": []}, based_on=1, actor="planner")
    [c] = snapshot.registry_at(store, datetime.now(UTC))
    assert_same_registry([c], store.list_clusters(), HISTORY_PRECISION)
    assert c.notes is None and c.aliases == [] and len(c.geometry.interiors) == 1


def test_decisions_and_history_as_of_a_moment(store):
    with written_at(T0):
        created = store.create(cluster(stage="established"), actor="planner")
    with written_at(T0 + timedelta(days=30)):
        registry.change_stage(
            store,
            created.id,
            "under_construction",
            PLANNER,
            based_on=1,
            effective_date=date(2025, 1, 20),
            evidence=decision(date=date(2025, 1, 20)),
        )
    past = snapshot.snapshot(store, T0 + timedelta(days=1))
    assert past.decisions == [] and [e.version for e in past.events] == [1]
    [c] = past.clusters
    assert c.stage == "established" and c.stage_evidence is None
    now = snapshot.snapshot(store, datetime.now(UTC))
    assert now.decisions == store.decisions() and len(now.decisions) == 1
    assert [e.version for e in now.events] == [2, 1]
    assert now.clusters[0].stage == "under_construction"


def test_a_naive_moment_is_taken_as_utc(store):
    with written_at(T0):
        store.create(cluster(), actor="planner")
    naive = T0.replace(tzinfo=None)
    assert len(snapshot.registry_at(store, naive)) == 1
    assert snapshot.registry_at(store, naive - timedelta(seconds=1)) == []


def test_the_seeded_registry_now_is_the_registry(seeded_copy):
    now = datetime.now(UTC)
    rebuilt = snapshot.registry_at(seeded_copy, now)
    assert len(rebuilt) == 101
    assert_same_registry(rebuilt, seeded_copy.list_clusters())
    assert snapshot.decisions_at(seeded_copy, now) == seeded_copy.decisions()


def test_figures_at_keeps_those_reported_by_the_end_of_the_day():
    figs = [
        ReportedFigure(date(2025, 1, 9), "operating", 70, "report"),
        ReportedFigure(date(2025, 6, 15), "operating", 72, "report"),
    ]
    kept = snapshot.figures_at(figs, snapshot.cutoff_moment(date(2025, 6, 14)))
    assert [f.count for f in kept] == [70]


# --- cut-off checks --------------------------------------------------------------------------


def test_as_of_moment_refuses_the_future_and_days_before_the_registry(store):
    with pytest.raises(ClusterError) as err:
        snapshot.as_of_moment(store, date(2025, 6, 14))
    assert "no history" in err.value.en
    with written_at(T0):
        store.create(cluster(), actor="planner")
    assert snapshot.as_of_moment(store, date(2025, 1, 6)) == snapshot.cutoff_moment(
        date(2025, 1, 6)
    )
    with pytest.raises(ClusterError) as err:
        snapshot.as_of_moment(store, date(2025, 1, 5))
    assert err.value.en == "2025-01-05 is before the registry existed (it starts on 2025-01-06)."
    assert err.value.vi == "Ngày 05/01/2025 trước khi sổ đăng ký có dữ liệu (từ 06/01/2025)."
    with clock.frozen(datetime(2025, 6, 14, 18, tzinfo=UTC)):  # already 15 June in Hanoi
        assert snapshot.as_of_moment(store, date(2025, 6, 15))
        with pytest.raises(ClusterError) as err:
            snapshot.as_of_moment(store, date(2025, 6, 16))
    assert err.value.en == "2025-06-16 is in the future (today is 2025-06-15)."


# --- the command line --------------------------------------------------------------------------

SEEDED = datetime(2025, 1, 10, 3, tzinfo=UTC)
BEFORE_CUTOFF = datetime(2025, 6, 14, 16, 30, tzinfo=UTC)  # 23:30 on 14 June in Hanoi
AFTER_CUTOFF = datetime(2025, 6, 14, 17, 5, tzinfo=UTC)  # 00:05 on 15 June in Hanoi


@pytest.fixture
def past_registry(db_url):
    """The seed written on 10 January 2025; one cluster completed before the 14 June 2025
    cut-off, three more clusters moved and one added just after it."""
    store = open_store(db_url)
    with written_at(SEEDED):
        seed.seed(store)
    move_stage(store, 6, "operating", BEFORE_CUTOFF)
    for cluster_id in (33, 34, 35):
        move_stage(store, cluster_id, "completing", AFTER_CUTOFF)
    with written_at(AFTER_CUTOFF):
        store.create(cluster(id=500, name="CCN Mới Sau Kỳ"), actor="planner")
    yield store
    store.close()


@pytest.fixture
def cli(db_url, monkeypatch, run_cli):
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    return run_cli


def stage_count(out: str, label: str) -> int:
    [row] = [r for r in out.splitlines() if r.strip().startswith(label)]
    return int(row.split()[-1])


def test_stats_as_of_a_cutoff_counts_the_registry_as_it_stood(cli, past_registry):
    code, now, _ = cli("stats")
    assert code == 0
    code, then, _ = cli("stats", "--as-of", "2025-06-14")
    assert code == 0
    assert then.splitlines()[0] == (
        "Sổ đăng ký tại cuối ngày 14/06/2025 (giờ Hà Nội) theo giai đoạn (101):"
    )
    assert now.splitlines()[0] == "Sổ đăng ký theo giai đoạn (102):"
    completing = stages.stage("completing").label_vi
    operating = stages.stage("operating").label_vi
    assert (stage_count(then, completing), stage_count(then, operating)) == (2, 34)
    assert (stage_count(now, completing), stage_count(now, operating)) == (5, 34)
    # the reported figures of 9 January 2025 were known on 14 June 2025
    [row] = [r for r in then.splitlines() if "Cụm đang hoạt động" in r]
    assert row.endswith("34   báo cáo: 70 (09/01/2025)")
    past = snapshot.registry_at(past_registry, snapshot.cutoff_moment(date(2025, 6, 14)))
    assert sum(c.stage == "completing" for c in past) == 2


def test_stats_as_of_in_english_and_in_dd_mm_yyyy(cli, past_registry, monkeypatch):
    monkeypatch.setenv("CLUSTERS_LANG", "en")
    code, out, _ = cli("stats", "--as-of", "14/06/2025")
    assert code == 0
    assert out.splitlines()[0] == (
        "Registry as of 2025-06-14 (end of day, Hanoi time) by stage (101):"
    )


def test_stats_as_of_a_day_before_the_report_leaves_the_reported_figures_out(cli, db_url):
    store = open_store(db_url)
    with written_at(datetime(2024, 12, 1, tzinfo=UTC)):
        store.create(cluster(id=900, stage="operating"), actor="planner")
    seed.seed(store)  # the figures reported on 9 January 2025, written today
    code, out, _ = cli("stats", "--as-of", "2024-12-14")
    assert code == 0 and "(1):" in out.splitlines()[0]
    reported = [r for r in out.splitlines() if "   báo cáo:" in r]
    assert len(reported) == 6 and all(r.endswith("báo cáo: —") for r in reported)
    code, out, _ = cli("stats", "--as-of", "2025-01-09")
    assert "(1):" in out.splitlines()[0] and "70 (09/01/2025)" in out


@pytest.mark.parametrize(
    ("day", "vi", "en"),
    [
        ("2025-01-09", "trước khi sổ đăng ký có dữ liệu", "before the registry existed"),
        ("2999-06-14", "chưa tới", "is in the future"),
        ("14-06-2025", "không hợp lệ", "not a valid date"),
    ],
)
@pytest.mark.parametrize("command", ["stats", "export"])
def test_as_of_errors_are_one_line_in_each_language(
    cli, past_registry, monkeypatch, tmp_path, command, day, vi, en
):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    extra = ["-o", str(out_dir)] if command == "export" else []
    code, out, err = cli(command, "--as-of", day, *extra)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("Lỗi: ") and vi in err
    monkeypatch.setenv("CLUSTERS_LANG", "en")
    code, _, err = cli(command, "--as-of", day, *extra)
    assert code == 1 and err.count("\n") == 1 and err.startswith("Error: ") and en in err
    assert list(out_dir.iterdir()) == []


def test_export_as_of_writes_the_registry_as_it_stood_and_says_so(cli, past_registry, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, _ = cli("export", "--as-of", "2025-06-14", "--all", "-o", str(out_dir))
    assert code == 0
    target = out_dir / "cum-cong-nghiep-ha-noi_as-of-2025-06-14.geojson"
    assert out.strip() == f"101 → {target}"
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert "as of 2025-06-14" in doc["description"]
    assert "số liệu tại cuối ngày 14/06/2025" in doc["description"]
    by_id = {f["id"]: f["properties"] for f in doc["features"]}
    assert 500 not in by_id
    assert by_id[6]["stage"] == "operating" and by_id[6]["version"] == 2
    assert [by_id[i]["stage"] for i in (33, 34, 35)] == ["under_construction"] * 3


def test_export_as_of_csv_records_it_in_the_filter_column(cli, past_registry, tmp_path):
    target = tmp_path / "then.csv"
    code, _, _ = cli(
        "export",
        "--format",
        "csv",
        "--as-of",
        "2025-06-14",
        "--stage",
        "completing",
        "-o",
        str(target),
    )
    assert code == 0
    text = target.read_text(encoding="utf-8-sig")
    rows = text.splitlines()[1:]
    assert len(rows) == 2  # clusters 7 and 8: 6 had become operating, 33–35 not yet completing
    assert all("as of 2025-06-14" in r for r in rows)


def test_export_without_as_of_is_unchanged(cli, past_registry, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, _ = cli("export", "--all", "-o", str(out_dir))
    assert code == 0 and out.startswith("102 → ")
    [written] = out_dir.iterdir()
    assert "as-of" not in written.name
    doc = json.loads(written.read_text(encoding="utf-8"))
    assert "as of" not in doc["description"]


def test_export_as_of_geopackage_holds_the_history_and_decisions_known_then(
    cli, past_registry, tmp_path
):
    target = tmp_path / "then.gpkg"
    code, _, _ = cli("export", "--format", "gpkg", "--as-of", "2025-06-14", "-o", str(target))
    assert code == 0
    history = pyogrio.read_dataframe(target, layer="history")
    assert set(history[history["version"] > 1]["cluster_id"]) == {6}
    decisions = pyogrio.read_dataframe(target, layer="decisions")
    assert len(decisions) == len(snapshot.decisions_at(past_registry, BEFORE_CUTOFF))
    info = pyogrio.read_dataframe(target, layer="export_info")
    values = dict(zip(info["key"], info["value"], strict=True))
    assert "as of 2025-06-14" in values["filter"] and values["clusters"] == "101"


def test_export_as_of_excel_counts_the_registry_as_it_stood(cli, past_registry, tmp_path):
    target = tmp_path / "then.xlsx"
    code, _, _ = cli("export", "--format", "xlsx", "--as-of", "2025-06-14", "-o", str(target))
    assert code == 0
    counts = openpyxl.load_workbook(target)["Thống kê"]
    assert counts["A2"].value == (
        "Số liệu sổ đăng ký tính đến cuối ngày 14/06/2025 (giờ Hà Nội, UTC+7)"
    )
    assert "as of 2025-06-14" in counts["A3"].value
