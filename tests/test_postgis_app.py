"""The application on PostgreSQL/PostGIS, as deployed at scale: the command line, accounts,
every page of the app, editing and its conflicts, import and export, and several processes
starting on one empty database.

The storage contract is tested on both engines in test_store.py; here the same app that the
other tests run on SQLite runs on a PostGIS URL (``CLUSTERS_DATABASE_URL``). Each test gets
its own schema on the session's throwaway server (``postgis_url``) and must give back every
connection it opened: the app caches one engine per URL, and PostgreSQL's connections are few.
"""

from __future__ import annotations

import gc
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from subprocess import PIPE
from typing import TYPE_CHECKING

import pyogrio
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from clusters import accounts, clock, seed
from clusters.accounts import Settings, SignInRefused
from clusters.importer import IMPORT_KIND, commit, plan_file
from clusters.io.export import ALL_CLUSTERS, export_bytes, file_name
from clusters.roles import Actor
from clusters.snapshot import collect
from clusters.store import ClusterStore, open_store
from clusters.store.accounts import Account, account_store
from clusters.ui import auth, state
from clusters.ui.main import PAGES, PAGES_DIR
from tests.test_ui_edit import fill_stage, open_page, password_hash, texts

if TYPE_CHECKING:
    from postgis_server import TempPostgis

pytestmark = pytest.mark.postgis

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
ADMIN = Actor("quan-tri", "admin")
PASSWORDS = {"lan": "lan-mat-khau-2025", "hoa": "hoa-mat-khau-2025", "quan-tri": "qt-mat-khau-25"}
ROLES = {"lan": "editor", "hoa": "editor", "quan-tri": "admin"}
ADDED = re.compile(r"Đã thêm (\d+) cụm")
FAST = Settings(free_failures=2, delay_seconds=10, lock_failures=4, lock_minutes=15)


def on_server(server: TempPostgis, sql: str, name: str) -> list[tuple]:
    """Rows of an administrative query about the connections named ``name``."""
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=server.port, user=server.user, dbname="postgres", autocommit=True
    ) as conn:
        return conn.execute(sql, (name,)).fetchall()


def connections(server: TempPostgis, name: str) -> int:
    """Connections opened under ``application_name`` ``name``, as the server counts them."""
    [(count,)] = on_server(
        server, "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", name
    )
    return int(count)


def open_connections(server: TempPostgis, name: str) -> int:
    """``connections`` once closed ones are gone: a server process ends a moment after."""
    deadline = time.monotonic() + 10
    while (count := connections(server, name)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


def application_name(url: str) -> str:
    return str(sa.make_url(url).query["application_name"])


def terminate(server: TempPostgis, name: str) -> int:
    """End the server processes of ``name``'s connections, as a server restart does."""
    rows = on_server(
        server,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
        name,
    )
    return sum(1 for (done,) in rows if done)


def release_app_stores(url: str) -> None:
    """Drop the app's cached store of ``url``: its engine is disposed (``on_release``)."""
    auth._accounts.clear(url)
    state._open.clear(url)


@pytest.fixture
def url(postgis_server: TempPostgis, postgis_url: str, monkeypatch) -> Iterator[str]:
    """A PostGIS URL for the app and the command line; no connection to it outlives the test.

    The URL names the test in ``application_name``, so the server can say which connections
    are still open at the end.
    """
    name = f"clusters-test-{uuid.uuid4().hex[:12]}"
    db = (
        sa.make_url(postgis_url)
        .update_query_dict({"application_name": name})
        .render_as_string(hide_password=False)
    )
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db)
    monkeypatch.setenv("CLUSTERS_TILES", "none")
    for var in ("CLUSTERS_LANG", "CLUSTERS_ANONYMOUS_READ", "CLUSTERS_REFERENCE_LAYERS"):
        monkeypatch.delenv(var, raising=False)
    yield db
    release_app_stores(db)
    gc.collect()  # one-shot CLI commands leave their engine to the garbage collector
    assert open_connections(postgis_server, name) == 0, "connections left open"


@pytest.fixture
def store(url: str) -> Iterator[ClusterStore]:
    s = open_store(url)
    yield s
    s.close()


@pytest.fixture
def seeded(store: ClusterStore) -> ClusterStore:
    seed.seed(store)
    return store


@pytest.fixture
def cli(url, monkeypatch, run_cli, tmp_path) -> Callable[..., tuple[int, str, str]]:
    """``clusters …`` in this process, run from a scratch folder; stdin given per call."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLUSTERS_MAPPINGS_FILE", str(tmp_path / "mappings.json"))
    return run_cli


# -- the command line ----------------------------------------------------------------------


def test_seed_stats_and_exports_on_postgis(cli, tmp_path):
    code, out, _ = cli("seed")
    assert code == 0 and "Đã thêm 101 cụm" in out and "sổ có 101 cụm" in out
    code, out, _ = cli("stats")
    assert code == 0
    assert "Sổ đăng ký theo giai đoạn (101):" in out
    [operating] = [r for r in out.splitlines() if "Cụm đang hoạt động" in r]
    assert operating.endswith("báo cáo: 70 (09/01/2025)")

    code, out, _ = cli("export", "--format", "gpkg", "-o", str(tmp_path / "ccn.gpkg"))
    assert code == 0 and out.strip() == f"101 → {tmp_path / 'ccn.gpkg'}"
    layers = {str(name): geom for name, geom in pyogrio.list_layers(tmp_path / "ccn.gpkg")}
    [points] = [name for name, geom in layers.items() if geom == "Point"]
    assert len(pyogrio.read_dataframe(tmp_path / "ccn.gpkg", layer=points)) == 101

    geojson = tmp_path / "ccn.geojson"
    assert cli("export", "--format", "geojson", "-o", str(geojson))[0] == 0
    doc = json.loads(geojson.read_text(encoding="utf-8"))
    assert len(doc["features"]) == 101 and "crs" not in doc
    assert len(pyogrio.list_layers(geojson)) == 1
    assert len(pyogrio.read_dataframe(geojson)) == 101

    today = clock.today()  # the CLI reads a day as a day in Hanoi
    past = tmp_path / "as-of.geojson"
    code, _, err = cli("export", "--as-of", today.isoformat(), "-o", str(past))
    assert code == 0, err
    assert len(json.loads(past.read_text(encoding="utf-8"))["features"]) == len(doc["features"])


def test_backup_and_restore_point_to_pg_dump(cli, tmp_path):
    cli("seed")
    target = tmp_path / "backup.sqlite"
    code, _, err = cli("backup", str(target))
    assert code == 1
    assert err == "Lỗi: Sao lưu/khôi phục chỉ dành cho SQLite; với PostgreSQL dùng pg_dump.\n"
    assert not target.exists()
    target.write_bytes(b"anything")
    code, _, err = cli("restore", str(target))
    assert code == 1 and "pg_dump" in err


# -- accounts --------------------------------------------------------------------------------


def test_account_added_on_the_command_line_signs_in_and_locks(cli, store, caplog):
    code, out, _ = cli("users", "add", "lan", "--role", "editor", stdin=PASSWORDS["lan"] + "\n")
    assert code == 0 and out.strip() == "+ lan (editor)"
    acc = account_store(store)
    assert acc.get("lan").password_hash.startswith("$argon2id$")
    t0 = datetime.now(UTC)
    assert accounts.sign_in(acc, "Lan", PASSWORDS["lan"], settings=FAST, now=t0) == Actor(
        "lan", "editor"
    )

    t = t0
    for _ in range(FAST.lock_failures):
        t += timedelta(minutes=1)  # past every growing wait: each try is checked
        with pytest.raises(SignInRefused) as refused:
            accounts.sign_in(acc, "lan", "not-the-password", settings=FAST, now=t)
        assert refused.value.en == "Wrong account name or password."
    assert "sign-in locked for 'lan' after 4 failed attempts" in caplog.text
    with pytest.raises(SignInRefused) as locked:
        accounts.sign_in(acc, "lan", PASSWORDS["lan"], settings=FAST, now=t + timedelta(minutes=1))
    assert "tạm khóa" in locked.value.vi and locked.value.retry_after == pytest.approx(14 * 60)
    after = t + timedelta(minutes=FAST.lock_minutes + 1)
    assert accounts.sign_in(acc, "lan", PASSWORDS["lan"], settings=FAST, now=after).name == "lan"

    code, out, _ = cli("users", "list")
    assert code == 0 and re.search(r"^lan\s+editor\s+active\s+password", out, re.M)


# -- the app ---------------------------------------------------------------------------------


def add_accounts(store: ClusterStore) -> None:
    acc = account_store(store)
    for name, role in ROLES.items():
        hashed = password_hash(PASSWORDS[name])
        acc.add(Account(name, role, password_hash=hashed), actor="cli", at=datetime.now(UTC))


def session(who: str | None = None, *, sign_in: bool = False) -> AppTest:
    """One browser session of the app; ``who`` set directly, or signed in through the form."""
    at = AppTest.from_file(APP, default_timeout=60)
    if who and not sign_in:
        at.session_state[auth.ACTOR_KEY] = Actor(who, ROLES[who])
    at.run()
    assert not at.exception, at.exception
    if who and sign_in:
        at.sidebar.text_input(key="auth_name").input(who)
        at.sidebar.text_input(key="auth_password").input(PASSWORDS[who])
        at.sidebar.button(key="auth_submit").click().run()
        assert at.session_state[auth.ACTOR_KEY] == Actor(who, ROLES[who])
    return at


def test_every_page_runs_on_an_empty_postgis_database_the_app_seeds(store):
    add_accounts(store)
    assert store.count() == 0
    for who in (None, "quan-tri"):
        at = session(who)
        assert store.count() == 101  # seeded by the app on first use
        for spec in PAGES:
            at.switch_page(str((PAGES_DIR / spec.module).relative_to(ROOT))).run()
            assert not at.exception, (who, spec.url_path, at.exception)
            assert not at.error, (who, spec.url_path, texts(at.error))
    assert len(store.history()) == 101


def test_clearing_the_app_cache_closes_its_connections(store, url, postgis_server):
    """The app's store is cached per URL; dropping it must close its pool at once, not when
    the garbage collector gets round to the engine."""
    session()
    assert store.count() == 101
    store.close()
    name = application_name(url)
    assert connections(postgis_server, name) >= 1  # the app's pooled connection
    gc.disable()
    try:
        release_app_stores(url)
        assert open_connections(postgis_server, name) == 0
    finally:
        gc.enable()


def test_editor_changes_a_stage_and_the_history_shows_it(seeded):
    add_accounts(seeded)
    at = open_page(session("lan", sign_in=True), "edit_page", id="9")
    fill_stage(
        at,
        9,
        "under_construction",
        number="2803/QĐ-UBND",
        doc_date=date(2025, 3, 10),
        issuer="UBND TP Hà Nội",
    )
    at.selectbox(key="stage_9_doc_type").set_value("groundbreaking")
    at.button(key="stage_9_save").click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert "Đã lưu" in texts(at.success)

    c = seeded.get(9)
    assert (c.stage, c.version, c.stage_effective_date) == (
        "under_construction",
        2,
        date(2025, 3, 14),
    )
    event = seeded.history(9)[0]
    assert (event.actor, event.kind, event.version) == ("lan", "stage", 2)
    [d] = [d for d in seeded.decisions(9) if d.event_id == event.id]
    assert (d.doc_type, d.number) == ("groundbreaking", "2803/QĐ-UBND")

    open_page(at, "history_page")
    newest = at.dataframe[0].value.iloc[0]
    assert newest.iloc[2] == "lan" and newest.iloc[3] == f"{c.name} (#9)"
    assert "Đã khởi công, đang xây dựng hạ tầng" in newest.iloc[5]


def test_two_sessions_editing_one_cluster_the_second_save_is_refused(seeded):
    add_accounts(seeded)
    first = open_page(session("lan"), "edit_page", id="9")
    second = open_page(session("hoa"), "edit_page", id="9")
    before = seeded.get(9)

    fill_stage(first, 9, "under_construction", number="2803/QĐ-UBND", doc_date=date(2025, 3, 10))
    first.button(key="stage_9_save").click().run()
    assert seeded.get(9).version == before.version + 1

    second.text_input(key="attr_9_investor").input("HTX Hiền Giang")
    second.button(key="attr_9_save").click().run()
    message = texts(second.error)
    assert "lan" in message and "Giai đoạn" in message
    assert f"phiên bản {before.version}" in message and "Không có gì được ghi" in message
    after = seeded.get(9)
    assert (after.investor, after.stage, after.version) == (
        before.investor,
        "under_construction",
        before.version + 1,
    )
    assert [e.actor for e in seeded.history(9)] == ["lan", "seed"]


# -- import ----------------------------------------------------------------------------------


def test_reimporting_the_export_changes_nothing_and_a_new_file_is_named_in_history(seeded):
    when = datetime.now(UTC)
    data = export_bytes("geojson", collect(seeded, ALL_CLUSTERS, when=when))
    before = [(c.id, c.version) for c in seeded.list_clusters()]
    events = len(seeded.history())
    plan = plan_file(seeded, data, file_name("geojson", when), ADMIN)
    assert plan.counts() == {"new": 0, "update": 0, "unchanged": 101, "rejected": 0}
    result = commit(seeded, plan, ADMIN)
    assert (result.created, result.updated, result.unchanged) == ([], [], 101)
    assert [(c.id, c.version) for c in seeded.list_clusters()] == before
    assert len(seeded.history()) == events

    new_file = (
        "Tên CCN,Giai đoạn,Quận/huyện,Diện tích (ha),Kinh độ,Vĩ độ\n"
        "CCN Tân Lập,Trong quy hoạch,Đan Phượng,18.5,105.67,21.08\n"
    ).encode()
    plan = plan_file(seeded, new_file, "bo_sung_dan_phuong.csv", ADMIN)
    assert plan.counts() == {"new": 1, "update": 0, "unchanged": 0, "rejected": 0}
    [new_id] = commit(seeded, plan, ADMIN).created
    assert new_id == 102  # the id sequence continues past the seed's explicit ids
    added = seeded.get(new_id)
    assert (added.name, added.stage, added.area_ha) == ("CCN Tân Lập", "planned", 18.5)
    [event] = seeded.history(new_id)
    assert (event.kind, event.source, event.actor) == (
        IMPORT_KIND,
        "bo_sung_dan_phuong.csv",
        "quan-tri",
    )
    assert "bo_sung_dan_phuong.csv" in (event.reason or "")


# -- several processes on one database ---------------------------------------------------------


def test_two_processes_seeding_one_empty_database_both_succeed(postgis_server):
    db = postgis_server.new_database()  # empty: not even the registry's tables
    env = {**os.environ, "CLUSTERS_DATABASE_URL": db, "CLUSTERS_LANG": "vi"}
    argv = [sys.executable, "-m", "clusters", "seed"]
    procs = [
        subprocess.Popen(argv, env=env, cwd=ROOT, stdout=PIPE, stderr=PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    added = sorted(int(m.group(1)) for out, _ in outs if (m := ADDED.search(out)))
    assert added == [0, 101]  # one wrote the seed; the other found it there
    s = open_store(db)
    try:
        assert s.count() == 101
        assert len(s.history()) == 101 and len(s.reported_figures()) == 6
    finally:
        s.close()


def test_a_seed_that_loses_the_race_adds_what_is_missing_and_no_more(store, url, monkeypatch):
    """Another instance seeds between this one's look at the registry and its write: the
    losing transaction fails on the other's ids and rolls back, and the retry adds nothing."""
    other = open_store(url)
    look = store.reported_figures

    def look_then_lose_the_race():
        found = look()
        if other.count() == 0:
            assert seed.seed(other) == (101, 6)
        return found

    monkeypatch.setattr(store, "reported_figures", look_then_lose_the_race)
    try:
        assert seed.seed(store) == (0, 0)
    finally:
        other.close()
    assert store.count() == 101 and len(store.history()) == 101


def test_the_store_reconnects_when_the_server_drops_its_connections(store, url, postgis_server):
    """A restarted server or a proxy timeout kills the pooled connections; the next page
    load must not fail on one of them."""
    seed.seed(store)
    assert store.count() == 101  # leaves an idle connection in the pool
    assert terminate(postgis_server, application_name(url)) >= 1
    assert store.count() == 101
