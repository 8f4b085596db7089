"""``clusters copy``: a registry moved SQLite → PostGIS → SQLite comes back identical."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import shapely
import sqlalchemy as sa

from clusters import accounts, registry, seed
from clusters.roles import Actor
from clusters.store import open_store
from clusters.store import schema as s
from clusters.store.accounts import account_store
from clusters.store.copy import SKIPPED, copied_tables, copy_registry, verify
from tests.builders import cluster, decision, square

pytestmark = pytest.mark.postgis

# Test data only: these accounts, clusters and mappings never enter the seed.
EDITOR = Actor("test-editor", "editor")
ADMIN = Actor("test-admin", "admin")
PASSWORD = "test password 1234"


def add(store, **overrides):
    """A planned test cluster, written through the registry."""
    draft = cluster(stage="planned", **overrides)
    return registry.create_cluster(store, draft, EDITOR, accept_warnings=True).cluster


def counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in s.metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.fixture
def original(seeded_file: Path, tmp_path: Path) -> str:
    """The seeded registry plus a row in every table: edits, a stage change with its decision,
    a cluster whose parent has a higher id, accounts and their events, a failed sign-in, a
    session (which must not travel) and a column mapping."""
    path = tmp_path / "original.sqlite"
    shutil.copyfile(seeded_file, path)
    url = f"sqlite:///{path}"
    store = open_store(url)
    parent = add(store, id=900, name="CCN thử nghiệm mẹ (dữ liệu thử)", geometry=square())
    add(store, id=850, name="CCN thử nghiệm mở rộng (dữ liệu thử)", parent_id=parent.id)
    first = store.list_clusters()[0]
    registry.update_cluster(
        store,
        first.id,
        {"notes": "ghi chú thử"},
        EDITOR,
        based_on=first.version,
        accept_warnings=True,
    )
    registry.change_stage(
        store,
        parent.id,
        "under_construction",
        EDITOR,
        based_on=parent.version,
        effective_date=date(2024, 5, 2),
        evidence=decision(),
        accept_warnings=True,
    )
    registry.save_column_mapping(store, ["Tên cụm", "Diện tích"], {"name": "Tên cụm"}, EDITOR)
    book = account_store(store)
    accounts.add_account(book, ADMIN, "test-planner", "editor", password=PASSWORD)
    accounts.set_role(book, ADMIN, "test-planner", "admin")
    actor = accounts.sign_in(book, "test-planner", PASSWORD, client="127.0.0.1")
    accounts.start_session(book, actor)
    with pytest.raises(accounts.SignInRefused):  # counted in signin_failures
        accounts.sign_in(book, "test-planner", "wrong password", client="127.0.0.2")
    store.close()
    return url


def test_every_table_of_the_schema_travels_but_sessions():
    names = {t.name for t in copied_tables()}
    assert names == {t.name for t in s.metadata.tables.values()} - set(SKIPPED)
    assert set(SKIPPED) == {"sessions"}


def test_sqlite_to_postgis_and_back_is_identical(original, postgis_url, tmp_path, run_cli):
    before = counts(original)
    filled = {
        "registry_meta",
        "clusters",
        "cluster_events",
        "cluster_event_changes",
        "decisions",
        "reported_figures",
        "column_mappings",
        "accounts",
        "account_events",
        "signin_failures",
        "sessions",
    }
    assert filled <= {name for name, n in before.items() if n > 0}, before

    code, out, err = run_cli("copy", "--from", original, "--to", postgis_url)
    assert (code, err) == (0, "")
    print(out)
    for table in copied_tables():
        assert any(
            line.startswith(table.name + " ") and line.endswith("ok") for line in out.splitlines()
        ), table.name
    assert "sessions" in out  # said not to be copied

    back = f"sqlite:///{tmp_path / 'back.sqlite'}"
    code, out, err = run_cli("copy", "--from", postgis_url, "--to", back)
    assert (code, err) == (0, "")
    print(out)

    checks = verify(original, back)
    assert [c.table for c in checks] == [t.name for t in copied_tables()]
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    after = counts(back)
    assert after == {**before, "sessions": 0}
    # Every cluster reads back the same through the store, on PostGIS and on SQLite.
    a, b, pg = open_store(original), open_store(back), open_store(postgis_url)
    try:
        assert a.list_clusters() == b.list_clusters() == pg.list_clusters()
        assert a.history() == b.history() == pg.history()
        bbox = (105.79, 20.94, 105.81, 20.96)
        assert [c.id for c in a.list_clusters(bbox)] == [c.id for c in pg.list_clusters(bbox)]
    finally:
        a.close()
        b.close()
        pg.close()


def test_postgis_geometry_ids_sequences_and_triggers_after_a_copy(original, postgis_url):
    copy_registry(original, postgis_url)
    source = open_store(original)
    engine = sa.create_engine(postgis_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT id, ST_AsBinary(geom), ST_SRID(geom) FROM clusters")
            )
            geoms = {r[0]: (shapely.from_wkb(bytes(r[1])), r[2]) for r in rows}
        for c in source.list_clusters():
            geom, srid = geoms[c.id]
            assert srid == 4326
            assert shapely.equals_exact(geom, c.geometry, tolerance=0), c.id
        with engine.begin() as conn, pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.execute(sa.text("UPDATE cluster_events SET actor = 'x'"))
        highest = max(geoms)
        last_event = conn_max = None
        with engine.connect() as conn:
            last_event = conn.execute(sa.text("SELECT max(id) FROM cluster_events")).scalar()
            conn_max = conn.execute(sa.text("SELECT max(id) FROM decisions")).scalar()
    finally:
        engine.dispose()
        source.close()
    # New rows take ids past the copied ones: no sequence hands out a copied id again.
    target = open_store(postgis_url)
    try:
        made = add(target, name="CCN thử nghiệm sau khi chép (dữ liệu thử)")
        assert made.id == highest + 1
        assert [e.id for e in target.history(made.id)] == [last_event + 1]
        assert conn_max is not None
    finally:
        target.close()


def test_a_non_empty_target_is_refused_unless_replaced(original, postgis_url, run_cli, tmp_path):
    copy_registry(original, postgis_url)
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    store = open_store(other)
    add(store, name="CCN khác (dữ liệu thử)")
    store.close()

    code, out, err = run_cli("copy", "--from", other, "--to", postgis_url)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "--replace" in err, err
    assert all(c.ok for c in verify(original, postgis_url))  # unchanged

    code, out, err = run_cli("copy", "--from", other, "--to", postgis_url, "--replace")
    assert (code, err) == (0, ""), err
    assert all(c.ok for c in verify(other, postgis_url))
    # The history triggers are back after the replacement emptied them.
    engine = sa.create_engine(postgis_url)
    try:
        with engine.begin() as conn, pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.execute(sa.text("DELETE FROM cluster_events"))
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["postgis", "sqlite"])
def test_a_failure_mid_copy_leaves_the_target_empty(original, postgis_url, tmp_path, backend):
    target = postgis_url if backend == "postgis" else f"sqlite:///{tmp_path / 't.sqlite'}"
    written = []

    def fail_after_history(table: str) -> None:
        written.append(table)
        if table == s.event_changes.name:
            raise RuntimeError("the network went away (test)")

    with pytest.raises(RuntimeError, match="went away"):
        copy_registry(original, target, after_table=fail_after_history)
    assert s.clusters.name in written and len(written) < len(copied_tables())
    assert all(n == 0 for name, n in counts(target).items() if name != "registry_meta")
    # And the target is still a usable, empty registry.
    store = open_store(target)
    assert store.count() == 0
    store.close()


def test_a_failure_during_a_replacement_leaves_the_target_as_it_was(
    original, postgis_url, tmp_path
):
    copy_registry(original, postgis_url)
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    store = open_store(other)
    add(store, name="CCN khác (dữ liệu thử)")
    store.close()

    def fail(table: str) -> None:
        if table == s.decisions.name:
            raise RuntimeError("disk full (test)")

    with pytest.raises(RuntimeError):
        copy_registry(other, postgis_url, replace=True, after_table=fail)
    assert all(c.ok for c in verify(original, postgis_url))


def test_an_out_of_date_target_or_source_is_refused_in_one_line(original, tmp_path, run_cli):
    old = tmp_path / "old.sqlite"
    shutil.copyfile(Path(__file__).parent / "fixtures" / "registry-release-1.sqlite", old)
    code, _out, err = run_cli("copy", "--from", original, "--to", f"sqlite:///{old}")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "clusters migrate" in err and "0001" in err
    code, _out, err = run_cli(
        "copy", "--from", f"sqlite:///{old}", "--to", f"sqlite:///{tmp_path / 'n.sqlite'}"
    )
    assert code == 1 and len(err.strip().splitlines()) == 1 and "clusters migrate" in err
    assert (
        not (tmp_path / "n.sqlite").exists()
        or counts(f"sqlite:///{tmp_path / 'n.sqlite'}")["clusters"] == 0
    )


def test_a_missing_source_is_refused_and_nothing_is_created(tmp_path, run_cli):
    missing = tmp_path / "missing.sqlite"
    code, _out, err = run_cli(
        "copy", "--from", f"sqlite:///{missing}", "--to", f"sqlite:///{tmp_path / 'x.sqlite'}"
    )
    assert code == 1 and "không có sổ đăng ký" in err.lower()
    assert not missing.exists()


def test_copy_refuses_the_same_database(original, run_cli):
    code, _out, err = run_cli("copy", "--from", original, "--to", original)
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_a_registry_made_on_postgis_copies_to_sqlite(postgis_url, tmp_path):
    """History values written on PostGIS (a JSON 20.0) read back from SQLite as equal numbers."""
    store = open_store(postgis_url)
    seed.seed(store)
    store.close()
    target = f"sqlite:///{tmp_path / 'from-postgis.sqlite'}"
    checks = copy_registry(postgis_url, target)
    assert all(c.ok for c in checks)
    assert {c.table: c.target_rows for c in checks}["clusters"] == 101
    a, b = open_store(postgis_url), open_store(target)
    try:
        assert a.list_clusters() == b.list_clusters()
    finally:
        a.close()
        b.close()
