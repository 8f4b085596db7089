"""``clusters grant-reader``: a login role that reads the cluster layer, decisions and history
and nothing else, connecting with its password as a GIS client would."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from itertools import count
from pathlib import Path

import psycopg
import pytest
import shapely
import sqlalchemy as sa

from clusters import accounts, registry
from clusters.roles import Actor
from clusters.store import open_store
from clusters.store.accounts import account_store
from tests.builders import cluster, decision

pytestmark = pytest.mark.postgis

EDITOR = Actor("test-editor", "editor")  # test data only
ADMIN = Actor("test-admin", "admin")
_numbers = count(1)


@pytest.fixture
def reader(postgis_server) -> Iterator[str]:
    """A role name of this test, allowed to sign in to the test server only with its password
    (the throwaway server trusts everyone else)."""
    name = f"test_reader_{os.getpid()}_{next(_numbers)}"
    hba = postgis_server.data / "pg_hba.conf"
    before = hba.read_text()
    hba.write_text(f"host all {name} 127.0.0.1/32 scram-sha-256\n" + before)
    postgis_server._admin("SELECT pg_reload_conf()")
    yield name
    hba.write_text(before)
    postgis_server._admin("SELECT pg_reload_conf()")


@pytest.fixture
def registry_url(postgis_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A PostGIS registry with a cluster (its history and decision) and an account."""
    store = open_store(postgis_url)
    registry.create_cluster(
        store,
        cluster(name="CCN thử nghiệm đọc (dữ liệu thử)", stage_effective_date=date(2024, 1, 5)),
        EDITOR,
        evidence=[decision(doc_type="establishment")],
        accept_warnings=True,
    )
    accounts.add_account(
        account_store(store), ADMIN, "test-planner", "editor", password="test password 1234"
    )
    store.close()
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", postgis_url)
    return postgis_url


def connect_as(url: str, user: str, password: str) -> psycopg.Connection:
    u = sa.make_url(url)
    return psycopg.connect(
        host=u.host,
        port=u.port,
        dbname=u.database,
        user=user,
        password=password,
        options=str(u.query.get("options", "")),
        autocommit=True,
    )


def grant(run_cli, tmp_path: Path, name: str, password: str) -> str:
    secret = tmp_path / f"{name}.pw"
    secret.write_text(password + "\n", encoding="utf-8")
    code, out, err = run_cli("grant-reader", name, "--password-file", str(secret))
    assert (code, err) == (0, ""), err
    return out


def test_the_reader_reads_the_layer_decisions_and_history(registry_url, reader, run_cli, tmp_path):
    out = grant(run_cli, tmp_path, reader, "reader password 1")
    assert reader in out and "clusters_public" in out and "reader password 1" not in out
    with connect_as(registry_url, reader, "reader password 1") as conn:
        (name, wkb, srid), *_ = conn.execute(
            "SELECT name, ST_AsBinary(geom), ST_SRID(geom) FROM clusters_public"
        ).fetchall()
        assert name == "CCN thử nghiệm đọc (dữ liệu thử)" and srid == 4326
        assert shapely.from_wkb(bytes(wkb)).equals(cluster().geometry)
        columns = {r[0] for r in conn.execute("SELECT * FROM clusters_public LIMIT 0").description}
        assert not columns & {"created_by", "updated_by", "name_search", "geom_wkb"}
        assert conn.execute("SELECT count(*) FROM clusters").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM decisions").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM cluster_events").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM cluster_event_changes").fetchone()[0] > 0


WRITES = [
    "INSERT INTO decisions (cluster_id, doc_type) VALUES (1, 'other')",
    "UPDATE clusters SET name = 'x'",
    "DELETE FROM cluster_events",
    "CREATE TABLE mine (x int)",
    "CREATE VIEW clusters_public2 AS SELECT 1",
]
SECRETS = [
    "SELECT password_hash FROM accounts",
    "SELECT count(*) FROM accounts",
    "SELECT count(*) FROM account_events",
    "SELECT count(*) FROM sessions",
    "SELECT count(*) FROM signin_failures",
    "SELECT count(*) FROM signin_attempts",
    "SELECT count(*) FROM registry_meta",
]


def test_the_reader_cannot_write_or_read_accounts(registry_url, reader, run_cli, tmp_path):
    grant(run_cli, tmp_path, reader, "reader password 2")
    with connect_as(registry_url, reader, "reader password 2") as conn:
        # The role's read-only default is only a first line: switch it off, the privileges
        # still refuse.
        conn.execute("SET default_transaction_read_only = off")
        for statement in WRITES + SECRETS:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    store = open_store(registry_url)
    try:
        assert store.count() == 1 and store.list_clusters()[0].name.startswith("CCN thử nghiệm")
    finally:
        store.close()


def test_granting_again_changes_the_password(registry_url, reader, run_cli, tmp_path):
    grant(run_cli, tmp_path, reader, "first password")
    grant(run_cli, tmp_path, reader, "second password")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        connect_as(registry_url, reader, "first password")
    with connect_as(registry_url, reader, "second password") as conn:
        assert conn.execute("SELECT count(*) FROM clusters_public").fetchone() == (1,)


def test_the_password_can_come_from_stdin(registry_url, reader, run_cli):
    code, _out, err = run_cli("grant-reader", reader, stdin="piped password\n")
    assert (code, err) == (0, "")
    with connect_as(registry_url, reader, "piped password") as conn:
        assert conn.execute("SELECT count(*) FROM decisions").fetchone() == (1,)


@pytest.mark.parametrize("name", ["Bad-Name", "postgres;drop", ""])
def test_a_bad_role_name_is_refused_in_one_line(registry_url, run_cli, name):
    code, _out, err = run_cli("grant-reader", name, stdin="x\n")
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_the_application_user_itself_is_refused(registry_url, run_cli):
    user = sa.make_url(registry_url).username
    code, _out, err = run_cli("grant-reader", user, stdin="x\n")
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_on_sqlite_it_says_what_needs_postgis(db_url, run_cli, monkeypatch):
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    code, _out, err = run_cli("grant-reader", "gis_reader", stdin="x\n")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "PostGIS" in err and "gpkg" in err


def test_gdal_reads_the_layer_as_the_reader_when_its_postgresql_driver_exists(
    registry_url, reader, run_cli, tmp_path
):
    """As QGIS would, through GDAL's PostgreSQL driver — when this GDAL has it (the wheels of
    pyogrio ship without it; the psycopg tests above read the same layer)."""
    import pyogrio

    grant(run_cli, tmp_path, reader, "gdal password")
    if "PostgreSQL" not in pyogrio.list_drivers():
        return  # nothing more to prove with this GDAL
    u = sa.make_url(registry_url)
    schema = str(u.query.get("options", "")).split("search_path=")[-1].split(",")[0]
    source = (
        f"PG:host={u.host} port={u.port} dbname={u.database} user={reader} "
        f"password='gdal password' active_schema={schema}"
    )
    frame = pyogrio.read_dataframe(source, layer="clusters_public")
    assert list(frame["name"]) == ["CCN thử nghiệm đọc (dữ liệu thử)"]


def test_a_database_without_a_registry_is_refused_in_one_line(postgis_url, run_cli, monkeypatch):
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", postgis_url)
    code, _out, err = run_cli("grant-reader", "gis_reader_none", stdin="x\n")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "clusters seed" in err
