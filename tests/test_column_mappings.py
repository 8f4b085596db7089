"""The import's confirmed column mappings live in the registry's database: every instance on
it finds them, a save bumps the revision, only editors and admins save one, and the mappings
file an earlier release kept is taken in once and never lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clusters import registry
from clusters.errors import AccessDenied
from clusters.importer import commit, plan_file
from clusters.io import columns
from clusters.roles import Actor
from clusters.store import open_store

HEADERS = ["Tên gọi", "Tình hình", "Lng", "Lat"]
CONFIRMED = {"name": "Tên gọi", "stage": "Tình hình", "lon": "Lng", "lat": "Lat"}
EDITOR = Actor("bien-tap", "editor")
ADMIN = Actor("quan-tri", "admin")
VIEWER = Actor("nguoi-xem", "viewer")


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def url(request, db_url: str) -> str:
    return db_url if request.param == "sqlite" else request.getfixturevalue("postgis_url")


def test_a_mapping_saved_through_one_store_is_found_through_another(url):
    one, two = open_store(url), open_store(url)  # two app instances on one database
    try:
        before = two.revision()
        assert registry.ColumnMappings(two, EDITOR).get(HEADERS) is None
        registry.ColumnMappings(one, EDITOR).save(HEADERS, CONFIRMED)
        assert two.revision() == before + 1
        # Whatever the order of the headers: the signature is the same.
        found = registry.ColumnMappings(two, VIEWER).get(list(reversed(HEADERS)))
        assert found == CONFIRMED
        assert columns.mapping_for(HEADERS, registry.ColumnMappings(two, VIEWER)) == CONFIRMED
        changed = {**CONFIRMED, "notes": "Tình hình"}
        registry.ColumnMappings(two, ADMIN).save(HEADERS, changed)  # saved again: replaced
        assert one.column_mapping(columns.signature(HEADERS)) == changed
        assert one.revision() == before + 2
    finally:
        one.close()
        two.close()


def test_a_viewer_cannot_save_a_mapping_and_nothing_changes(store):
    before = store.revision()
    with pytest.raises(AccessDenied):
        registry.ColumnMappings(store, VIEWER).save(HEADERS, CONFIRMED)
    with pytest.raises(AccessDenied):
        registry.save_column_mapping(store, HEADERS, CONFIRMED, None)  # nobody signed in
    assert store.column_mapping(columns.signature(HEADERS)) is None
    assert store.revision() == before


def test_only_known_targets_are_kept_and_a_stale_mapping_is_not_used(store):
    registry.save_column_mapping(store, HEADERS, {**CONFIRMED, "no_such_field": "Lat"}, EDITOR)
    assert store.column_mapping(columns.signature(HEADERS)) == CONFIRMED
    # The same headers but one column renamed: another signature, the automatic mapping.
    other = ["Tên gọi", "Tình hình", "Kinh độ", "Vĩ độ"]
    assert registry.ColumnMappings(store, EDITOR).get(other) is None


def test_an_import_commit_saves_its_mapping_in_the_registry(seeded_copy):
    data = "Tên gọi,Tình hình,Lng,Lat\nCCN Thử nghiệm,Đã thành lập,105.67,21.08\n".encode()
    book = registry.ColumnMappings(seeded_copy, ADMIN)
    plan = plan_file(seeded_copy, data, "a.csv", ADMIN, mapping=CONFIRMED, book=book)
    commit(seeded_copy, plan, ADMIN, book=book)
    again = plan_file(
        seeded_copy, data, "b.csv", ADMIN, book=registry.ColumnMappings(seeded_copy, ADMIN)
    )
    assert again.mapping == CONFIRMED


def _legacy_file(path: Path, kept: dict[str, dict[str, str]]) -> Path:
    path.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_legacy_mappings_file_is_taken_in_once_and_kept_aside(store, tmp_path):
    other = ["Tên cụm", "Kinh độ", "Vĩ độ"]
    old = {"name": "Tên cụm", "lon": "Kinh độ", "lat": "Vĩ độ"}
    legacy = _legacy_file(
        tmp_path / "import_mappings.json",
        {columns.signature(HEADERS): CONFIRMED, columns.signature(other): old, "x": "not one"},
    )
    registry.save_column_mapping(store, other, {"name": "Tên cụm"}, EDITOR)  # newer: kept
    before = store.revision()
    book = registry.column_mappings(store, EDITOR, legacy=legacy)
    assert book.get(HEADERS) == CONFIRMED
    assert book.get(other) == {"name": "Tên cụm"}
    assert store.revision() == before + 1  # one transaction for the whole file
    assert not legacy.exists()
    aside = tmp_path / "import_mappings.json.imported"
    assert json.loads(aside.read_text(encoding="utf-8"))[columns.signature(HEADERS)] == CONFIRMED
    # Again (another instance's first use): nothing left to take in, nothing written.
    registry.column_mappings(store, EDITOR, legacy=legacy)
    assert store.revision() == before + 1


def test_a_second_legacy_file_does_not_overwrite_the_first_one_kept(store, tmp_path):
    legacy = tmp_path / "import_mappings.json"
    for n in range(2):
        _legacy_file(legacy, {columns.signature(HEADERS): {"name": HEADERS[n]}})
        registry.take_in_legacy_mappings(store, legacy)
    assert (tmp_path / "import_mappings.json.imported").exists()
    assert (tmp_path / "import_mappings.json.imported-2").exists()
    assert store.column_mapping(columns.signature(HEADERS)) == {"name": HEADERS[0]}


def test_a_legacy_file_that_is_not_mappings_is_left_as_it_is(store, tmp_path):
    legacy = tmp_path / "import_mappings.json"
    legacy.write_text("{ broken", encoding="utf-8")
    before = store.revision()
    assert registry.take_in_legacy_mappings(store, legacy) == 0
    assert legacy.read_text(encoding="utf-8") == "{ broken" and store.revision() == before


def test_clusters_migrate_takes_in_the_legacy_file(db_url, tmp_path, run_cli, monkeypatch):
    open_store(db_url).close()
    legacy = _legacy_file(tmp_path / "m.json", {columns.signature(HEADERS): CONFIRMED})
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    monkeypatch.setenv("CLUSTERS_MAPPINGS_FILE", str(legacy))
    monkeypatch.setenv("CLUSTERS_LANG", "en")
    code, out, _ = run_cli("migrate")
    assert code == 0 and "Took 1 column mapping from" in out
    store = open_store(db_url)
    try:
        assert store.column_mapping(columns.signature(HEADERS)) == CONFIRMED
    finally:
        store.close()
    assert not legacy.exists() and (tmp_path / "m.json.imported").exists()
