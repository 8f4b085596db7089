"""What differs between SQL engines: connection set-up, locking, triggers, backup."""

from __future__ import annotations

import gc
import itertools
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from clusters.errors import RegistryBusy, StorageError
from clusters.store import schema as s
from clusters.store.base import BBox

# SQLite's result codes for a database locked by another connection (SQLITE_BUSY) or
# table (SQLITE_LOCKED), and PostgreSQL's SQLSTATEs for serialization_failure,
# deadlock_detected and lock_not_available (lock_timeout).
_SQLITE_BUSY = {5, 6}
_PG_BUSY = {"40001", "40P01", "55P03"}


def _busy(exc: sa.exc.DBAPIError) -> bool:
    """Whether a write failed only because another writer held the database."""
    code = getattr(exc.orig, "sqlite_errorcode", None)  # sqlite3's, extended codes included
    if code is not None:
        return code & 0xFF in _SQLITE_BUSY
    return getattr(exc.orig, "sqlstate", None) in _PG_BUSY  # psycopg's


@contextmanager
def busy_is_retryable() -> Iterator[None]:
    """Around a write transaction: failing only because another writer (a long import) held
    the database past the wait for it, it raises ``RegistryBusy``, which a retry resolves."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        if _busy(exc):
            raise RegistryBusy() from exc
        raise


class Dialect:
    name = "generic"

    def engine_options(self) -> dict[str, Any]:
        """Keyword arguments for ``sqlalchemy.create_engine`` (pool behaviour)."""
        return {}

    def configure(self, engine: Engine) -> None:
        """Hook engine events (pragmas, session settings)."""

    def opened(self, conn: Connection) -> None:
        """Run when a store opens the database (learn what it already holds)."""

    def before_create(self, conn: Connection) -> None:
        """Run before the tables are created (may lock out other instances meanwhile)."""

    def after_create(self, conn: Connection) -> None:
        """Run after the tables are created (triggers, extra indexes)."""

    def after_explicit_id(self, conn: Connection) -> None:
        """Run after a row was inserted with an explicit id (sequence upkeep)."""

    def new_ids(self, conn: Connection, table: sa.Table, n: int) -> list[int]:
        """Ids for ``n`` new rows of ``table`` (an ``id`` key), ascending, handed out inside
        the write transaction: a bulk insert then names its rows' ids itself."""
        raise NotImplementedError

    def bbox_clause(self, bbox: BBox) -> sa.ColumnElement[bool] | None:
        """A condition that lets the engine find clusters meeting ``bbox`` through a spatial
        index (it may match a little more; the bbox columns decide), or None."""
        return None

    @contextmanager
    def write_connection(self, engine: Engine) -> Iterator[Connection]:
        with engine.connect() as conn:
            yield conn


class SQLiteDialect(Dialect):
    """SQLite in WAL mode, foreign keys on, writers take the lock at BEGIN."""

    name = "sqlite"

    def __init__(self) -> None:
        self.has_rtree = False

    def opened(self, conn: Connection) -> None:
        found = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (RTREE,)
        ).scalar()
        self.has_rtree = found is not None

    def configure(self, engine: Engine) -> None:
        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA busy_timeout = 15000")
            _use_wal(cur)
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            # A writer takes the write lock up front so two writers never deadlock on upgrade.
            mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

    @contextmanager
    def write_connection(self, engine: Engine) -> Iterator[Connection]:
        with engine.connect() as conn:
            yield conn.execution_options(write=True)

    def new_ids(self, conn: Connection, table: sa.Table, n: int) -> list[int]:
        # The write lock, taken at BEGIN, keeps these ours; AUTOINCREMENT's next id is past
        # both the highest in use and the highest ever handed out.
        used = conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
        given = conn.exec_driver_sql(
            "SELECT seq FROM sqlite_sequence WHERE name = ?", (table.name,)
        ).scalar()
        start = max(used, given or 0) + 1
        return list(range(start, start + n))

    def after_create(self, conn: Connection) -> None:
        for trigger in append_only_triggers():
            conn.exec_driver_sql(
                trigger.ddl.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS")
            )
        self.has_rtree = _create_rtree(conn)

    def bbox_clause(self, bbox: BBox) -> sa.ColumnElement[bool] | None:
        if not self.has_rtree:
            return None
        minx, miny, maxx, maxy = bbox
        r = _rtree.c
        near = sa.select(r.id).where(
            r.max_x >= minx, r.min_x <= maxx, r.max_y >= miny, r.min_y <= maxy
        )
        return s.clusters.c.id.in_(near)


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    ddl: str  # as SQLite keeps it in sqlite_master, so a restore can compare it


def append_only_triggers() -> Iterator[Trigger]:
    """The triggers that keep the APPEND_ONLY tables' rows from being updated or deleted."""
    for table in s.APPEND_ONLY:
        for op in ("UPDATE", "DELETE"):
            name = f"{table}_no_{op.lower()}"
            yield Trigger(
                name,
                table,
                f"CREATE TRIGGER {name} BEFORE {op} ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END",
            )


def _use_wal(cur: sqlite3.Cursor) -> None:
    """Switch a new database to WAL. The switch needs an exclusive lock and SQLite's busy
    timeout does not cover it, so instances opening a new file together retry briefly."""
    for attempt in itertools.count():
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt >= 100:
                raise
            time.sleep(0.05)


# SQLite's built-in R*Tree over the clusters' bounding boxes, kept by triggers. Without it
# (SQLite built without R*Tree) an extent query falls back to the bbox columns' indexes.
RTREE = "clusters_rtree"
_rtree = sa.table(RTREE, *(sa.column(c) for c in ("id", "min_x", "max_x", "min_y", "max_y")))
_RTREE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS clusters_rtree USING rtree(id, min_x, max_x, min_y, max_y)",
    "CREATE TRIGGER IF NOT EXISTS clusters_rtree_insert AFTER INSERT ON clusters BEGIN "
    "INSERT INTO clusters_rtree VALUES (new.id, new.min_x, new.max_x, new.min_y, new.max_y); END",
    "CREATE TRIGGER IF NOT EXISTS clusters_rtree_update "
    "AFTER UPDATE OF min_x, max_x, min_y, max_y ON clusters BEGIN "
    "UPDATE clusters_rtree SET min_x = new.min_x, max_x = new.max_x, min_y = new.min_y, "
    "max_y = new.max_y WHERE id = new.id; END",
    "CREATE TRIGGER IF NOT EXISTS clusters_rtree_delete AFTER DELETE ON clusters BEGIN "
    "DELETE FROM clusters_rtree WHERE id = old.id; END",
)


def _create_rtree(conn: Connection) -> bool:
    try:
        conn.exec_driver_sql(_RTREE_DDL[0])
    except sa.exc.OperationalError:  # no such module: rtree
        return False
    for ddl in _RTREE_DDL[1:]:
        conn.exec_driver_sql(ddl)
    return True


def sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise StorageError(
            "Chỉ sao lưu được cơ sở dữ liệu SQLite dạng tệp.",
            "Only a file-based SQLite database can be backed up.",
        )
    return Path(database)


def backup_sqlite(engine: Engine, target: Path) -> None:
    """A consistent online copy through SQLite's backup API, into a file that did not exist."""
    try:
        target.open("xb").close()  # claims the name, so an existing file is never written over
    except FileExistsError:
        raise StorageError(
            f"«{target}» đã tồn tại; chọn tên khác.",
            f"'{target}' exists already; choose another name.",
        ) from None
    except FileNotFoundError:
        raise StorageError(
            f"Thư mục «{target.parent}» không tồn tại.",
            f"The folder '{target.parent}' does not exist.",
        ) from None
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    try:
        source = sqlite3.connect(sqlite_path(engine))
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
    except BaseException as exc:
        target.unlink()  # a half-written backup is worse than none
        if isinstance(exc, sqlite3.Error | OSError):
            raise _cannot_write(target, exc) from exc
        raise


def _cannot_write(target: Path, exc: BaseException) -> StorageError:
    return StorageError(
        f"Không ghi được bản sao lưu «{target}»: {exc}.",
        f"Cannot write the backup '{target}': {exc}.",
    )


def restore_sqlite(engine: Engine, source_file: Path) -> Path | None:
    """Replace the engine's SQLite file with a proven backup; returns where the previous file
    was kept (None when there was none). See ``clusters.store.restore``."""
    from clusters.store.restore import restore_file  # it builds on this module

    # Our own connections must not hold the file being replaced: the engine's, and those of
    # stores this process dropped without closing, which close only once collected.
    engine.dispose()
    gc.collect()
    return restore_file(source_file, sqlite_path(engine))
