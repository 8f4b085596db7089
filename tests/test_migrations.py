"""Schema migrations: a registry written by release 1 is refused until ``clusters migrate``
upgrades it, with its data, history and append-only triggers intact; a fresh registry and a
migrated one are the same; the database refuses an unknown code in every choice field."""

import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from clusters.errors import StorageError
from clusters.store import migrate, migrations, open_store
from clusters.store import schema as s
from tests.builders import cluster

RELEASE_1 = Path(__file__).parent / "fixtures" / "registry-release-1.sqlite"
CHOICE_FIELDS = (
    "stage",
    "cluster_type",
    "location_precision",
    "batch",
    "wwtp_status",
    "investor_type",
    "confidence",
)


@pytest.fixture
def old_registry(tmp_path: Path) -> Path:
    target = tmp_path / "release-1.sqlite"
    shutil.copyfile(RELEASE_1, target)
    return target


def rows(path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_fixture_is_a_release_1_registry(old_registry):
    assert rows(old_registry, "SELECT value FROM registry_meta WHERE key = 'schema_version'") == [
        ("1",)
    ]
    tables = {r[0] for r in rows(old_registry, "SELECT name FROM sqlite_master")}
    assert "alembic_version" not in tables


def test_an_old_registry_is_refused_with_what_to_run(old_registry, run_cli, monkeypatch):
    with pytest.raises(migrations.OutOfDate):
        open_store(f"sqlite:///{old_registry}")
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", f"sqlite:///{old_registry}")
    for command in (("stats",), ("seed",), ("export", "--format", "csv", "-o", "/dev/null")):
        code, _, err = run_cli(*command)
        assert code == 1
        assert len(err.splitlines()) == 1 and "clusters migrate" in err


def test_migrate_keeps_every_record_history_and_account(old_registry, run_cli, monkeypatch):
    tables = ("clusters", "cluster_events", "cluster_event_changes", "decisions",
              "reported_figures", "accounts", "account_events")  # fmt: skip
    # The columns release 1 had (later revisions add columns, empty for these records).
    queries = {
        t: f"SELECT {', '.join(r[1] for r in rows(old_registry, f'PRAGMA table_info({t})'))} "
        f"FROM {t} ORDER BY 1"
        for t in tables
    }
    before = {t: rows(old_registry, q) for t, q in queries.items()}
    seq = rows(old_registry, "SELECT seq FROM sqlite_sequence WHERE name = 'clusters'")
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", f"sqlite:///{old_registry}")
    code, out, _ = run_cli("migrate")
    assert code == 0 and f"0001 → {migrations.head()}" in out
    after = {t: rows(old_registry, q) for t, q in queries.items()}
    assert after == before
    assert rows(old_registry, "SELECT seq FROM sqlite_sequence WHERE name = 'clusters'") == seq
    assert rows(old_registry, "PRAGMA integrity_check") == [("ok",)]
    assert rows(old_registry, "PRAGMA foreign_key_check") == []
    store = open_store(f"sqlite:///{old_registry}")
    try:
        assert store.count() == 101
        assert store.get(1).area_ha == 21.5  # the fixture's edit
        assert len(store.history(1)) == 2
        near = store.list_clusters(bbox=(105.0, 20.5, 106.5, 21.5))  # the R*Tree still kept
        assert 0 < len(near) <= 101
    finally:
        store.close()
    code, out, _ = run_cli("migrate")
    assert code == 0 and migrations.head() in out  # again: nothing to do


def test_migrate_adds_the_column_mappings_table(old_registry, run_cli, monkeypatch):
    tables = {r[0] for r in rows(old_registry, "SELECT name FROM sqlite_master")}
    assert "column_mappings" not in tables
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", f"sqlite:///{old_registry}")
    code, _, _ = run_cli("migrate")
    assert code == 0
    columns = [r[1] for r in rows(old_registry, "PRAGMA table_info(column_mappings)")]
    assert columns == ["signature", "mapping", "saved_by", "saved_at"]
    assert rows(old_registry, "SELECT value FROM registry_meta WHERE key = 'schema_version'") == [
        (str(s.SCHEMA_VERSION),)
    ]
    store = open_store(f"sqlite:///{old_registry}")
    try:
        store.save_column_mapping("a | b", {"name": "A"}, actor="test")
        assert store.column_mapping("a | b") == {"name": "A"}
    finally:
        store.close()


def test_after_migrate_history_is_still_append_only(old_registry):
    migrate(f"sqlite:///{old_registry}")
    con = sqlite3.connect(old_registry)
    try:
        for table in ("cluster_events", "cluster_event_changes", "decisions", "account_events"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(f"UPDATE {table} SET id = id")
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(f"DELETE FROM {table}")
    finally:
        con.close()


def test_after_migrate_the_accounts_still_sign_in(old_registry):
    from clusters import accounts
    from clusters.store.accounts import account_store

    migrate(f"sqlite:///{old_registry}")
    store = open_store(f"sqlite:///{old_registry}")
    try:
        who = accounts.sign_in(account_store(store), "test-admin", "correct horse battery staple")
        assert who.role == "admin"
    finally:
        store.close()


@pytest.mark.parametrize("field", ["wwtp_status", "investor_type", "confidence"])
def test_a_migrated_registry_refuses_an_unknown_code(old_registry, field):
    migrate(f"sqlite:///{old_registry}")
    con = sqlite3.connect(old_registry)
    try:
        with pytest.raises(sqlite3.IntegrityError, match=f"ck_{field}"):
            con.execute(f"UPDATE clusters SET {field} = 'bogus' WHERE id = 1")
    finally:
        con.close()


def test_migrate_refuses_unknown_codes_and_changes_nothing(old_registry, run_cli, monkeypatch):
    con = sqlite3.connect(old_registry)
    con.execute("UPDATE clusters SET confidence = 'sure' WHERE id = 7")
    con.commit()
    con.close()
    before = old_registry.read_bytes()
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", f"sqlite:///{old_registry}")
    code, _, err = run_cli("migrate")
    assert code == 1
    assert "#7 confidence='sure'" in err and len(err.splitlines()) == 1
    assert old_registry.read_bytes() == before


def test_a_fresh_registry_is_at_the_newest_revision(db_url):
    store = open_store(db_url)
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        assert migrations.current(conn) == migrations.head()
    assert store.schema_version() == s.SCHEMA_VERSION
    store.close()


def _checks(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return {c["name"] for c in sa.inspect(engine).get_check_constraints("clusters")}
    finally:
        engine.dispose()


def test_fresh_and_migrated_registries_have_the_same_checks(db_url, old_registry):
    open_store(db_url).close()
    migrate(f"sqlite:///{old_registry}")
    fresh = _checks(db_url)
    assert fresh == _checks(f"sqlite:///{old_registry}")
    assert {f"ck_{f}" for f in CHOICE_FIELDS} <= fresh


def _tables(url: str) -> dict[str, set[tuple[str, str, bool, int]]]:
    """Each table's columns (a migration adds a column at the end: the order may differ)."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {
            name: {
                (c["name"], str(c["type"]), bool(c["nullable"]), c.get("primary_key", 0))
                for c in inspector.get_columns(name)
            }
            for name in inspector.get_table_names()
            if name in s.metadata.tables
        }
    finally:
        engine.dispose()


def test_fresh_and_migrated_registries_have_the_same_tables_and_columns(db_url, old_registry):
    open_store(db_url).close()
    migrate(f"sqlite:///{old_registry}")
    fresh = _tables(db_url)
    assert set(fresh) == set(s.metadata.tables)
    assert _tables(f"sqlite:///{old_registry}") == fresh


def test_a_newer_registry_is_refused(db_url):
    open_store(db_url).close()
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    with pytest.raises(StorageError, match="newer"):
        open_store(db_url)
    with pytest.raises(StorageError, match="newer"):
        migrate(db_url)


@pytest.mark.postgis
def test_postgis_refuses_unknown_codes_and_migrates_a_release_1_registry(postgis_url):
    store = open_store(postgis_url)
    store.create(cluster(), actor="test")
    store.close()
    engine = sa.create_engine(postgis_url)
    try:
        for field in CHOICE_FIELDS:
            with engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):
                conn.execute(sa.text(f"UPDATE clusters SET {field} = 'bogus'"))
        # Make it look as release 1 left it: no Alembic table, no new checks, version 1.
        with engine.begin() as conn:
            for field in ("wwtp_status", "investor_type", "confidence"):
                conn.exec_driver_sql(f"ALTER TABLE clusters DROP CONSTRAINT ck_{field}")
            conn.exec_driver_sql("DROP TABLE alembic_version")
            conn.exec_driver_sql("DELETE FROM registry_meta WHERE key = 'revision'")
            conn.exec_driver_sql(
                "UPDATE registry_meta SET value = '1' WHERE key = 'schema_version'"
            )
        with pytest.raises(migrations.OutOfDate):
            open_store(postgis_url)
        assert migrate(postgis_url) == ("0001", migrations.head())
        names = {c["name"] for c in sa.inspect(engine).get_check_constraints("clusters")}
        assert {f"ck_{f}" for f in CHOICE_FIELDS} <= names
        reopened = open_store(postgis_url)
        assert reopened.count() == 1 and reopened.revision() == 0
        reopened.close()
    finally:
        engine.dispose()
