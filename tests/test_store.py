"""The storage contract, run with the same assertions on SQLite and on PostgreSQL/PostGIS."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from builders import cluster, decision, square
from shapely.geometry import Point

from clusters import seed
from clusters.errors import ConflictError, NotFoundError, StorageError
from clusters.model import ReportedFigure
from clusters.store import ClusterStore, open_store, schema
from clusters.store.sql import SqlStore

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgis", id="postgis", marks=pytest.mark.postgis),
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.sqlite'}"
    return str(request.getfixturevalue("postgis_url"))


@pytest.fixture
def open_stores(url: str) -> Iterator[Callable[[], SqlStore]]:
    """Open more stores on the same database, as several app instances would."""
    opened: list[ClusterStore] = []

    def more() -> SqlStore:
        s = open_store(url)
        opened.append(s)
        assert isinstance(s, SqlStore)
        return s

    yield more
    for s in opened:
        s.close()


@pytest.fixture
def store(open_stores: Callable[[], SqlStore]) -> SqlStore:
    return open_stores()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqlStore]:
    s = open_store(f"sqlite:///{tmp_path / 'registry.sqlite'}")
    assert isinstance(s, SqlStore)
    yield s
    s.close()


@pytest.fixture
def postgis_stores(postgis_url: str) -> Iterator[tuple[SqlStore, SqlStore]]:
    """Two app instances on one PostGIS database."""
    first, second = open_store(postgis_url), open_store(postgis_url)
    assert isinstance(first, SqlStore) and isinstance(second, SqlStore)
    pair = (first, second)
    yield pair
    for s in pair:
        s.close()


@pytest.fixture
def postgis_store(postgis_stores: tuple[SqlStore, SqlStore]) -> SqlStore:
    return postgis_stores[0]


def raw(store: SqlStore, sql: str, **params: Any) -> list[Any]:
    """Run SQL on the store's database outside the store, committing when it succeeds."""
    with store.engine.begin() as conn:
        result = conn.execute(sa.text(sql), params)
        return list(result.all()) if result.returns_rows else []


def count_rows(store: SqlStore, table: str) -> int:
    return int(raw(store, f"SELECT count(*) FROM {table}")[0][0])


def is_utc(moment: datetime | None) -> bool:
    return moment is not None and moment.utcoffset() == timedelta(0)


# --- create and read -------------------------------------------------------------------------


def test_create_keeps_explicit_ids_and_never_reuses_one(store: SqlStore) -> None:
    assert store.create(cluster(id=50), actor="an").id == 50
    assert store.create(cluster(name="CCN Mới"), actor="an").id == 51
    assert store.create(cluster(id=10, name="CCN Mười"), actor="an").id == 10
    # An explicit id below the highest never drags the next generated id back.
    assert store.create(cluster(name="CCN Sau"), actor="an").id == 52
    assert [c.id for c in store.list_clusters()] == [10, 50, 51, 52]


def test_create_refuses_a_taken_id_and_writes_nothing(store: SqlStore) -> None:
    store.create(cluster(id=7), actor="an")

    with pytest.raises(StorageError, match="id 7") as err:
        store.create(cluster(id=7, name="CCN Trùng"), actor="binh")

    assert "mã 7" in err.value.vi
    assert store.count() == 1
    assert store.get(7).name == "CCN Ngọc Hồi"
    assert len(store.history()) == 1


def test_get_reads_back_every_field(store: SqlStore) -> None:
    draft = cluster(
        name="CCN làng nghề Đông Anh",
        aliases=["Cụm Đông Anh", "CCN ĐA"],
        cluster_type="craft_village",
        geometry=square(105.85, 21.1),
        location_precision="surveyed",
        commune_2025_code="00454",
        commune_2025_name="Xã Đông Anh",
        industrial_land_ha=14.5,
        leased_land_ha=7.25,
        investor="Công ty CP Đầu tư Hạ tầng",
        investor_type="enterprise",
        stage="under_construction",
        stage_effective_date=date(2024, 5, 2),
        stage_evidence="Khởi công 2024",
        stage_verified=True,
        as_of="2025-03",
        wwtp_status="planned",
        confidence="high",
        sources=["https://example.org/a", "QĐ 2803/QĐ-UBND"],
        notes="ghi chú",
    )
    before = datetime.now(UTC)

    made = store.create(draft, actor="an")
    got = store.get(made.id or 0)

    assert got == made
    assert got.version == 1
    assert got.created_by == got.updated_by == "an"
    assert is_utc(got.created_at) and is_utc(got.updated_at)
    assert got.created_at is not None and before <= got.created_at <= datetime.now(UTC)
    assert got.geometry is not None and got.geometry.equals(draft.geometry)
    for name in (
        "name",
        "aliases",
        "cluster_type",
        "location_precision",
        "commune_2025_code",
        "industrial_land_ha",
        "leased_land_ha",
        "investor_type",
        "stage",
        "stage_effective_date",
        "stage_verified",
        "as_of",
        "wwtp_status",
        "sources",
        "notes",
        "district_2019",
        "area_ha",
        "batch",
    ):
        assert getattr(got, name) == getattr(draft, name), name
    assert got.occupancy_pct == 50.0


def test_get_of_a_missing_cluster_raises_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFoundError) as err:
        store.get(404)
    assert "404" in err.value.vi and "404" in err.value.en


def test_list_with_bbox_returns_the_clusters_it_meets_in_id_order(store: SqlStore) -> None:
    west = store.create(cluster(name="Tây", geometry=Point(105.50, 21.00)), actor="an")
    east = store.create(cluster(name="Đông", geometry=square(105.90, 21.00, 0.01)), actor="an")
    north = store.create(cluster(name="Bắc", geometry=Point(105.85, 21.30)), actor="an")
    touching = store.create(cluster(name="Chạm", geometry=Point(105.80, 21.05)), actor="an")

    found = store.list_clusters((105.80, 20.95, 105.905, 21.05))

    assert [c.id for c in found] == [east.id, touching.id]
    assert [c.id for c in store.list_clusters()] == [west.id, east.id, north.id, touching.id]
    assert store.list_clusters((104.0, 22.0, 104.1, 22.1)) == []
    # A box inside a polygon's extent still finds the polygon.
    inside = store.list_clusters((105.902, 21.002, 105.903, 21.003))
    assert [c.id for c in inside] == [east.id]


def _plan_of_bbox_query(store: SqlStore, explain: str) -> list[str]:
    """The engine's plan for the query ``list_clusters(bbox)`` actually runs."""
    seen: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: Any) -> None:
        if "FROM clusters" in statement:
            seen.append((statement, params))

    sa.event.listen(store.engine, "before_cursor_execute", capture)
    try:
        store.list_clusters((105.8, 20.9, 105.9, 21.0))
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", capture)
    statement, params = seen[-1]
    with store.engine.connect() as conn:
        if store.engine.dialect.name == "postgresql":
            # A handful of rows is cheaper to scan: ask whether an index *can* answer it.
            conn.exec_driver_sql("SET enable_seqscan = off")
        rows = conn.exec_driver_sql(explain + statement, params).all()
    return [str(r[-1]) for r in rows]


def test_sqlite_bbox_query_uses_an_index_not_a_full_scan(sqlite_store: SqlStore) -> None:
    seed.seed(sqlite_store)

    plan = _plan_of_bbox_query(sqlite_store, "EXPLAIN QUERY PLAN ")

    assert "SEARCH clusters USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
    assert any(p.startswith("SCAN clusters_rtree VIRTUAL TABLE INDEX 2:") for p in plan), plan
    assert not any(p.startswith("SCAN clusters ") or p == "SCAN clusters" for p in plan), plan


@pytest.mark.postgis
def test_postgis_bbox_query_can_use_the_gist_index(postgis_store: SqlStore) -> None:
    seed.seed(postgis_store)

    plan = "\n".join(_plan_of_bbox_query(postgis_store, "EXPLAIN "))

    assert "ix_clusters_geom" in plan, plan
    assert "Seq Scan" not in plan, plan


# --- update, conflict, history ---------------------------------------------------------------


def test_update_with_the_current_version_writes_a_new_version(store: SqlStore) -> None:
    made = store.create(cluster(), actor="an")

    saved = store.update(
        made.id or 0, {"area_ha": 25.5, "investor": "HTX Ngọc Hồi"}, based_on=1, actor="binh"
    )

    assert saved.version == 2
    assert saved.updated_by == "binh" and saved.created_by == "an"
    assert store.get(made.id or 0) == saved
    assert (saved.area_ha, saved.investor) == (25.5, "HTX Ngọc Hồi")
    assert saved.updated_at is not None and made.updated_at is not None
    assert saved.updated_at >= made.updated_at


def test_update_changing_nothing_writes_nothing(store: SqlStore) -> None:
    made = store.create(cluster(), actor="an")

    same = store.update(
        made.id or 0, {"area_ha": 20.0, "name": "CCN Ngọc Hồi"}, based_on=1, actor="binh"
    )

    assert same.version == 1 and same.updated_by == "an"
    assert len(store.history(made.id)) == 1
    assert count_rows(store, "cluster_events") == 1


def test_stale_update_is_refused_naming_who_changed_what_and_writes_nothing(
    store: SqlStore,
) -> None:
    made = store.create(cluster(), actor="an")
    cid = made.id or 0
    store.update(cid, {"area_ha": 30.0, "investor": "Công ty A"}, based_on=1, actor="binh")

    with pytest.raises(ConflictError) as err:
        store.update(cid, {"notes": "sửa cũ"}, based_on=1, actor="chi")

    conflict = err.value
    assert conflict.cluster_id == cid and conflict.based_on == 1
    assert [(c.version, c.actor, c.fields) for c in conflict.changes] == [
        (2, "binh", ["area_ha", "investor"])
    ]
    assert "binh" in conflict.vi and "Diện tích quyết định" in conflict.vi
    assert "phiên bản 1" in conflict.vi and "Decided area" in conflict.en
    assert "binh" in conflict.en and "Nothing was written" in conflict.en
    after = store.get(cid)
    assert (after.version, after.notes, after.area_ha) == (2, None, 30.0)
    assert [e.actor for e in store.history(cid)] == ["binh", "an"]


def test_history_records_who_when_what_why_and_the_version(store: SqlStore) -> None:
    made = store.create(cluster(), actor="an", reason="Thêm mới", source="QĐ 12")
    cid = made.id or 0
    before = datetime.now(UTC)
    store.update(
        cid,
        {
            "area_ha": 22.0,
            "geometry": Point(105.85, 20.92),
            "commune_2025_code": "10210",
        },
        based_on=1,
        actor="binh",
        kind="location",
        reason="Đo đạc lại",
        source="Biên bản 3/2025",
    )
    after = datetime.now(UTC)

    newest, first = store.history(cid)

    assert (newest.version, newest.actor, newest.kind) == (2, "binh", "location")
    assert (newest.reason, newest.source) == ("Đo đạc lại", "Biên bản 3/2025")
    assert is_utc(newest.at) and before <= newest.at <= after
    changes = {c.field: (c.old, c.new) for c in newest.changes}
    assert changes == {
        "area_ha": (20.0, 22.0),
        "geometry": ("POINT (105.8433 20.9125)", "POINT (105.85 20.92)"),
        "commune_2025_code": (None, "10210"),
    }
    assert (first.version, first.actor, first.kind, first.reason) == (1, "an", "create", "Thêm mới")
    created = {c.field: (c.old, c.new) for c in first.changes}
    assert created["name"] == (None, "CCN Ngọc Hồi")
    assert created["sources"] == (None, ["https://example.org/decision"])
    assert is_utc(first.at)
    assert [e.version for e in store.history(actor="binh")] == [2]
    assert [e.version for e in store.history(cid, since=before)] == [2]
    assert [e.version for e in store.history(cid, limit=1)] == [2]


def test_decisions_are_stored_with_the_event_that_brought_them(store: SqlStore) -> None:
    made = store.create(cluster(), actor="an", decisions=[decision(doc_type="establishment")])
    cid = made.id or 0
    later = decision(number="15/QĐ-UBND", date=date(2025, 2, 1), note="khởi công")
    store.change_stage(
        cid, {"stage": "under_construction"}, based_on=1, actor="binh", decisions=[later]
    )

    found = store.decisions(cid)

    events = {e.version: e.id for e in store.history(cid)}
    assert [(d.doc_type, d.number, d.event_id) for d in found] == [
        ("establishment", "2803/QĐ-UBND", events[1]),
        ("groundbreaking", "15/QĐ-UBND", events[2]),
    ]
    assert found[1].date == date(2025, 2, 1) and found[1].note == "khởi công"
    assert all(d.cluster_id == cid for d in found)
    assert store.decisions() == found


@pytest.mark.parametrize(
    "changes",
    [
        {"stage": "operating"},
        {"stage_evidence": "Báo cáo 1/BC"},
        {"stage_verified": True},
        {"stage_effective_date": date(2025, 1, 9)},
        {"notes": "ghi chú", "stage_verified": True},
    ],
)
def test_the_attribute_update_refuses_the_stage_fields(store: SqlStore, changes) -> None:
    made = store.create(cluster(), actor="an")
    with pytest.raises(ValueError, match="change_stage"):
        store.update(made.id or 0, changes, based_on=1, actor="binh")
    assert store.get(made.id or 0).version == 1
    assert len(store.history(made.id)) == 1


def test_a_stage_change_writes_the_stage_fields_only(store: SqlStore) -> None:
    made = store.create(cluster(), actor="an")
    cid = made.id or 0
    with pytest.raises(ValueError, match="notes"):
        store.change_stage(
            cid, {"stage": "operating", "notes": "x"}, based_on=1, actor="binh", kind="stage"
        )
    with pytest.raises(ValueError):
        store.change_stage(cid, {"stage_verified": True}, based_on=1, actor="binh")
    saved = store.change_stage(
        cid,
        {"stage": "operating", "stage_verified": True, "stage_effective_date": date(2025, 1, 9)},
        based_on=1,
        actor="binh",
    )
    assert (saved.stage, saved.stage_verified, saved.version) == ("operating", True, 2)
    assert store.history(cid)[0].kind == "stage"


def test_a_decision_alone_makes_a_new_version(store: SqlStore) -> None:
    made = store.create(cluster(), actor="an")

    saved = store.update(made.id or 0, {}, based_on=1, actor="binh", decisions=[decision()])

    assert saved.version == 2
    assert store.decisions(made.id)[0].event_id == store.history(made.id)[0].id


# --- transactions ----------------------------------------------------------------------------


def test_failure_inside_a_transaction_leaves_nothing_behind(store: SqlStore) -> None:
    with pytest.raises(RuntimeError, match="mid-way"), store.transaction() as tx:
        tx.create(cluster(id=3), actor="an", decisions=[decision()])
        tx.add_reported_figure(
            ReportedFigure(date(2025, 1, 9), "operating", 70, "báo cáo"), actor="an"
        )
        raise RuntimeError("mid-way")

    assert store.count() == 0
    assert store.history() == [] and store.decisions() == [] and store.reported_figures() == []
    for table in ("clusters", "cluster_events", "cluster_event_changes", "decisions"):
        assert count_rows(store, table) == 0, table


def test_failed_update_keeps_the_previous_version(store: SqlStore) -> None:
    made = store.create(cluster(), actor="an")
    cid = made.id or 0

    with pytest.raises(StorageError), store.transaction() as tx:
        tx.update(cid, {"area_ha": 99.0}, based_on=1, actor="binh")
        tx.create(cluster(id=cid, name="CCN trùng mã"), actor="binh")

    assert store.get(cid) == made
    assert len(store.history(cid)) == 1


def test_foreign_keys_are_enforced(store: SqlStore) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        raw(
            store,
            "INSERT INTO cluster_events (cluster_id, version, at, actor, kind) "
            "VALUES (999, 1, :at, 'x', 'create')",
            at=datetime.now(UTC),
        )


@pytest.mark.parametrize("table", ["cluster_events", "cluster_event_changes", "decisions"])
def test_history_is_append_only_in_the_database(store: SqlStore, table: str) -> None:
    made = store.create(cluster(), actor="an", decisions=[decision()])
    store.update(made.id or 0, {"area_ha": 21.0}, based_on=1, actor="binh")
    rows = count_rows(store, table)
    assert rows > 0

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        raw(store, f"UPDATE {table} SET id = id + 1000")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        raw(store, f"DELETE FROM {table}")

    assert count_rows(store, table) == rows
    assert [e.version for e in store.history(made.id)] == [2, 1]


# --- reported figures and schema -------------------------------------------------------------


def test_reported_figures_are_kept_and_a_duplicate_is_refused(store: SqlStore) -> None:
    older = ReportedFigure(date(2024, 1, 5), "operating", 65, "Báo cáo 2023")
    newer = ReportedFigure(date(2025, 1, 9), "operating", 70, "Báo cáo 2024", note="~1.686 ha")
    store.add_reported_figure(older, actor="an")
    store.add_reported_figure(newer, actor="an")

    with pytest.raises(StorageError, match="operating") as err:
        store.add_reported_figure(
            ReportedFigure(date(2025, 1, 9), "operating", 71, "khác"), actor="binh"
        )

    assert "09/01/2025" in err.value.vi
    kept = store.reported_figures()
    assert [(f.as_of, f.count, f.note) for f in kept] == [
        (date(2025, 1, 9), 70, "~1.686 ha"),
        (date(2024, 1, 5), 65, None),
    ]


def test_schema_version_is_recorded(store: SqlStore) -> None:
    assert store.schema_version() == schema.SCHEMA_VERSION
    assert raw(store, "SELECT value FROM registry_meta WHERE key = 'application_id'") == [
        ("hanoi-clusters-registry",)
    ]


def test_a_database_with_a_newer_schema_is_refused(url: str, store: SqlStore) -> None:
    raw(store, "UPDATE registry_meta SET value = '99' WHERE key = 'schema_version'")
    store.close()

    with pytest.raises(StorageError, match="schema version 99") as err:
        open_store(url)

    assert "phiên bản lược đồ 99" in err.value.vi and "upgrade" in err.value.en


def test_reopening_keeps_the_data_and_the_schema(
    store: SqlStore, open_stores: Callable[[], SqlStore]
) -> None:
    made = store.create(cluster(), actor="an")
    store.close()

    again = open_stores()

    assert again.get(made.id or 0) == made
    assert again.schema_version() == schema.SCHEMA_VERSION
    assert count_rows(again, "registry_meta") == 3


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(sqlite_store: SqlStore) -> None:
    with sqlite_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# --- several app instances -------------------------------------------------------------------


def test_second_instance_with_a_stale_version_gets_a_conflict(
    open_stores: Callable[[], SqlStore],
) -> None:
    first, second = open_stores(), open_stores()
    cid = first.create(cluster(), actor="an").id or 0
    seen_by_second = second.get(cid)

    first.update(cid, {"area_ha": 31.0}, based_on=1, actor="an")
    with pytest.raises(ConflictError) as err:
        second.update(cid, {"area_ha": 12.0}, based_on=seen_by_second.version, actor="binh")

    assert [(c.actor, c.fields) for c in err.value.changes] == [("an", ["area_ha"])]
    assert second.get(cid).area_ha == 31.0
    assert [e.actor for e in second.history(cid)] == ["an", "an"]


def test_racing_writers_on_one_version_let_exactly_one_win(
    open_stores: Callable[[], SqlStore],
) -> None:
    writers = 6
    stores = [open_stores() for _ in range(2)]  # two app instances, three writers each
    cid = stores[0].create(cluster(), actor="an").id or 0
    start = threading.Barrier(writers)
    outcome: dict[int, str] = {}

    def write(i: int) -> None:
        start.wait()
        try:
            stores[i % 2].update(cid, {"notes": f"writer {i}"}, based_on=1, actor=f"w{i}")
            outcome[i] = "saved"
        except ConflictError:
            outcome[i] = "conflict"

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcome.values()) == ["conflict"] * (writers - 1) + ["saved"]
    (winner,) = [i for i, o in outcome.items() if o == "saved"]
    final = stores[1].get(cid)
    assert (final.version, final.notes, final.updated_by) == (2, f"writer {winner}", f"w{winner}")
    assert [(e.version, e.actor) for e in stores[0].history(cid)] == [(2, f"w{winner}"), (1, "an")]
    assert count_rows(stores[0], "cluster_events") == 2


@pytest.mark.postgis
def test_postgis_writer_blocked_on_the_row_gets_a_conflict_not_a_lost_update(
    postgis_stores: tuple[SqlStore, SqlStore],
) -> None:
    """The second writer read version 1 and passed the check before the first committed."""
    first, second = postgis_stores
    cid = first.create(cluster(), actor="an").id or 0
    outcome: list[BaseException | None] = []

    def late_writer() -> None:
        try:
            second.update(cid, {"notes": "B"}, based_on=1, actor="binh")
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    with first.transaction() as tx:
        tx.update(cid, {"notes": "A"}, based_on=1, actor="an")
        late = threading.Thread(target=late_writer)
        late.start()
        _wait_for_lock_wait(first)
    late.join()

    assert len(outcome) == 1 and isinstance(outcome[0], ConflictError)
    assert [c.actor for c in outcome[0].changes] == ["an"]
    final = second.get(cid)
    assert (final.version, final.notes) == (2, "A")
    assert [e.version for e in second.history(cid)] == [2, 1]


def _wait_for_lock_wait(store: SqlStore) -> None:
    """Until another session waits on a row lock (the late writer's UPDATE)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        waiting = raw(
            store,
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )[0][0]
        if waiting:
            return
        time.sleep(0.02)
    pytest.fail("the second writer never waited for the first one's row lock")


def test_instances_starting_together_on_an_empty_database_share_one_schema(
    open_stores: Callable[[], SqlStore],
) -> None:
    start = threading.Barrier(3)
    opened: list[SqlStore] = []
    failures: list[BaseException] = []

    def open_one() -> None:
        start.wait()
        try:
            opened.append(open_stores())
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert failures == []
    assert len(opened) == 3
    assert count_rows(opened[0], "registry_meta") == 3  # version, application id, revision
    made = opened[1].create(cluster(), actor="an")
    assert opened[2].get(made.id or 0).name == "CCN Ngọc Hồi"


# --- seed ------------------------------------------------------------------------------------


def test_seeding_twice_gives_101_clusters_imported_from_the_seed(store: SqlStore) -> None:
    first = seed.seed(store)
    second = seed.seed(store)

    assert first[0] == 101 and first[1] > 0
    assert second == (0, 0)
    assert store.count() == 101
    events = store.history()
    assert len(events) == 101
    assert {(e.kind, e.source, e.actor, e.version) for e in events} == {
        ("seed", seed.SEED_SOURCE, "seed", 1)
    }
    assert seed.SEED_SOURCE == "geodata/clusters_seed.csv"
    assert len(store.reported_figures()) == first[1]
    assert store.create(cluster(name="CCN sau seed"), actor="an").id == 102


# --- PostGIS specifics -----------------------------------------------------------------------


@pytest.mark.postgis
def test_postgis_geometry_column_follows_the_stored_geometry(postgis_store: SqlStore) -> None:
    store = postgis_store
    made = store.create(cluster(geometry=square(105.80, 20.95)), actor="an")
    cid = made.id or 0

    registered = raw(
        store,
        "SELECT srid, type FROM geometry_columns "
        "WHERE f_table_schema = current_schema() AND f_table_name = 'clusters' "
        "AND f_geometry_column = 'geom'",
    )
    assert registered == [(4326, "GEOMETRY")]
    assert raw(store, "SELECT ST_SRID(geom), ST_GeometryType(geom) FROM clusters") == [
        (4326, "ST_Polygon")
    ]

    store.update(cid, {"geometry": Point(105.81, 20.96)}, based_on=1, actor="binh")

    assert raw(store, "SELECT ST_AsText(geom) FROM clusters WHERE id = :id", id=cid) == [
        ("POINT(105.81 20.96)",)
    ]
    with pytest.raises(sa.exc.DBAPIError, match="generated"):
        raw(store, "UPDATE clusters SET geom = ST_MakePoint(0, 0)")


@pytest.mark.postgis
def test_postgis_table_reads_as_a_gis_layer(postgis_store: SqlStore) -> None:
    import geopandas

    store = postgis_store
    seed.seed(store)

    layer = geopandas.read_postgis(
        "SELECT id, name, stage, geom FROM clusters ORDER BY id", store.engine, geom_col="geom"
    )

    assert len(layer) == 101
    assert layer.crs is not None and layer.crs.to_epsg() == 4326
    first = store.get(int(layer.iloc[0]["id"]))
    assert layer.iloc[0]["name"] == first.name
    assert first.geometry is not None and layer.geometry.iloc[0].equals(first.geometry)
