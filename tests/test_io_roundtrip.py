"""Export then import gives the same records, in every format; importing the registry's own
export changes nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from shapely.geometry import Point

from clusters.importer import IMPORT_KIND, commit, plan_file
from clusters.io.export import ALL_CLUSTERS, FORMATS, export_bytes, file_name
from clusters.io.values import FORMULA_TRIGGERS
from clusters.model import EDITABLE_FIELDS, Cluster
from clusters.roles import Actor
from clusters.snapshot import collect
from clusters.store import ClusterStore, open_store
from tests.builders import (
    CHECKED_TEXT_FIELDS,
    add_boundary_clusters,
    formula_cluster,
    full_cluster,
    text_fields,
)

ADMIN = Actor("quan-tri", "admin")
WHEN = datetime(2025, 6, 14, 2, 0, tzinfo=UTC)
# Exports round coordinates to 7 decimals (about 1 cm at Hanoi): the stated precision.
PRECISION_DEG = 1e-7
VARIANTS = [(fmt, False) for fmt in FORMATS] + [("gpkg", True)]


@pytest.fixture
def registry(seeded_copy: ClusterStore) -> ClusterStore:
    """The seed (points) plus three boundaries (ids 201–203)."""
    add_boundary_clusters(seeded_copy)
    return seeded_copy


def assert_same_records(expected: list[Cluster], actual: list[Cluster]) -> None:
    assert [c.id for c in actual] == [c.id for c in expected]
    for want, got in zip(expected, actual, strict=True):
        for field in EDITABLE_FIELDS:
            if field == "geometry":
                assert got.geometry.geom_type == want.geometry.geom_type, want.id
                assert got.geometry.hausdorff_distance(want.geometry) <= PRECISION_DEG, want.id
            else:
                assert getattr(got, field) == getattr(want, field), (want.id, field)


def exported(store: ClusterStore, fmt: str, vn2000: bool) -> tuple[bytes, str]:
    data = export_bytes(fmt, collect(store, ALL_CLUSTERS, when=WHEN), vn2000=vn2000)
    return data, file_name(fmt, WHEN, vn2000)


@pytest.mark.parametrize(("fmt", "vn2000"), VARIANTS)
def test_export_then_import_into_an_empty_registry_gives_the_same_records(
    registry, tmp_path, fmt, vn2000
):
    data, name = exported(registry, fmt, vn2000)
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    plan = plan_file(fresh, data, name, ADMIN)
    assert plan.counts() == {"new": 104, "update": 0, "unchanged": 0, "rejected": 0}
    commit(fresh, plan, ADMIN, accept_warnings=True)
    assert_same_records(registry.list_clusters(), fresh.list_clusters())
    events = fresh.history()
    assert len(events) == 104
    assert {(e.kind, e.source, e.actor) for e in events} == {(IMPORT_KIND, name, ADMIN.name)}
    fresh.close()


@pytest.mark.parametrize(("fmt", "vn2000"), VARIANTS)
def test_importing_the_registrys_own_export_changes_nothing(registry, fmt, vn2000):
    data, name = exported(registry, fmt, vn2000)
    before = [(c.id, c.version) for c in registry.list_clusters()]
    events = len(registry.history())
    plan = plan_file(registry, data, name, ADMIN)
    assert plan.counts() == {"new": 0, "update": 0, "unchanged": 104, "rejected": 0}
    assert not plan.issues()
    result = commit(registry, plan, ADMIN)
    assert (result.created, result.updated, result.unchanged) == ([], [], 104)
    assert [(c.id, c.version) for c in registry.list_clusters()] == before
    assert len(registry.history()) == events


def test_a_changed_export_updates_only_the_changed_fields(registry, tmp_path):
    import openpyxl

    data, name = exported(registry, "xlsx", False)
    path = tmp_path / name
    path.write_bytes(data)
    wb = openpyxl.load_workbook(path)
    ws = wb["Cụm công nghiệp"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == 201)
    cells = dict(zip(headers, row, strict=True))
    cells["Chủ đầu tư hạ tầng"].value = "Công ty TNHH Hạ tầng Phùng Xá"
    cells["Diện tích quyết định"].value = 17.1
    cells["Ghi chú"].value = None  # an emptied cell keeps the stored value
    wb.save(path)

    current = registry.get(201)
    plan = plan_file(registry, path.read_bytes(), name, ADMIN)
    assert plan.counts() == {"new": 0, "update": 1, "unchanged": 103, "rejected": 0}
    [row_plan] = plan.changed()
    assert row_plan.changes == {"investor": "Công ty TNHH Hạ tầng Phùng Xá", "area_ha": 17.1}
    assert row_plan.based_on == current.version
    commit(registry, plan, ADMIN)
    after = registry.get(201)
    assert after.version == current.version + 1
    assert after.notes == current.notes
    [event] = registry.history(201, limit=1)
    assert event.kind == "import" and event.source == name
    assert {ch.field for ch in event.changes} == {"investor", "area_ha"}
    assert Path(name).name in (event.reason or "")


@pytest.mark.postgis
def test_round_trip_into_postgis(registry, postgis_url):
    data, name = exported(registry, "gpkg", False)
    target = open_store(postgis_url)
    commit(target, plan_file(target, data, name, ADMIN), ADMIN, accept_warnings=True)
    assert_same_records(registry.list_clusters(), target.list_clusters())
    again = plan_file(target, data, name, ADMIN)
    assert again.counts()["unchanged"] == 104
    target.close()


def test_a_boundary_too_long_for_an_excel_cell_is_kept_on_reimport(seeded_copy):
    many = Point(105.62, 21.06).buffer(0.004, quad_segs=600)  # 2,400 vertices
    seeded_copy.create(full_cluster(id=301, geometry=many, area_ha=15.8), actor="seed")
    data, name = exported(seeded_copy, "xlsx", False)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Cụm công nghiệp"]
    headers = [c.value for c in ws[1]]
    row = dict(
        zip(headers, next(r for r in ws.iter_rows(min_row=2) if r[0].value == 301), strict=True)
    )
    assert row["Ranh giới (WKT)"].value is None and row["Kinh độ"].value is not None
    plan = plan_file(seeded_copy, data, name, ADMIN)
    assert plan.counts()["unchanged"] == 102  # the point inside keeps the stored boundary


FORMULA_STARTS = (*FORMULA_TRIGGERS, "'=", "''+")


def imported_text(value: object) -> object:
    """A text field as any import reads it: without outer spaces."""
    if isinstance(value, list):
        return [v.strip() for v in value]
    return value.strip() if isinstance(value, str) else value


@pytest.fixture
def formulas(seeded_copy: ClusterStore) -> ClusterStore:
    """The seed plus one cluster per formula start (ids 301…), each text field a formula
    but those whose format the rules check (a cell test covers those)."""
    for i, start in enumerate(FORMULA_STARTS):
        seeded_copy.create(formula_cluster(301 + i, start, CHECKED_TEXT_FIELDS), actor="seed")
    return seeded_copy


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_looking_text_comes_back_from_an_export_unchanged(formulas, tmp_path, fmt):
    data, name = exported(formulas, fmt, False)
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    commit(fresh, plan_file(fresh, data, name, ADMIN), ADMIN, accept_warnings=True)
    checked = [f for f in text_fields() if f not in CHECKED_TEXT_FIELDS]
    for i, start in enumerate(FORMULA_STARTS):
        want, got = formulas.get(301 + i), fresh.get(301 + i)
        for field in checked:
            expected = getattr(want, field)
            if start in ("\t", "\r"):
                expected = imported_text(expected)
            assert getattr(got, field) == expected, (start, field)
    fresh.close()

    # Back into the registry it came from, nothing changes. (A list item with outer spaces
    # is reported as a change whatever the quoting: the importer compares lists as stored.)
    changed = {
        r.cluster_id: set(r.changes) for r in plan_file(formulas, data, name, ADMIN).changed()
    }
    spaced = {301 + FORMULA_STARTS.index(s) for s in ("\t", "\r")}
    assert set(changed) <= spaced
    assert all(fields <= {"aliases", "sources"} for fields in changed.values())
