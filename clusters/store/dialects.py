"""What differs between SQL engines: connection set-up, locking, triggers, backup."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from clusters.errors import StorageError
from clusters.store import schema as s


class Dialect:
    name = "generic"

    def configure(self, engine: Engine) -> None:
        """Hook engine events (pragmas, session settings)."""

    def before_create(self, conn: Connection) -> None:
        """Run before the tables are created."""

    def after_create(self, conn: Connection) -> None:
        """Run after the tables are created (triggers, extra indexes)."""

    def after_explicit_id(self, conn: Connection) -> None:
        """Run after a row was inserted with an explicit id (sequence upkeep)."""

    @contextmanager
    def write_connection(self, engine: Engine) -> Iterator[Connection]:
        with engine.connect() as conn:
            yield conn


class SQLiteDialect(Dialect):
    """SQLite in WAL mode, foreign keys on, writers take the lock at BEGIN."""

    name = "sqlite"

    def configure(self, engine: Engine) -> None:
        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA busy_timeout = 15000")
            cur.execute("PRAGMA journal_mode = WAL")
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

    def after_create(self, conn: Connection) -> None:
        for table in s.APPEND_ONLY:
            for op in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} "
                    f"ON {table} BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
                )


def sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise StorageError(
            "Chỉ sao lưu được cơ sở dữ liệu SQLite dạng tệp.",
            "Only a file-based SQLite database can be backed up.",
        )
    return Path(database)


def backup_sqlite(engine: Engine, target: Path) -> None:
    """A consistent online copy through SQLite's backup API."""
    source = sqlite3.connect(sqlite_path(engine))
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()


def is_registry_file(path: Path) -> bool:
    """True when ``path`` is a SQLite database written by this registry."""
    try:
        with path.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                return False
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT value FROM registry_meta WHERE key = 'application_id'"
            ).fetchone()
        finally:
            conn.close()
    except (OSError, sqlite3.DatabaseError):
        return False
    return row is not None and row[0] == s.APPLICATION_ID


def restore_sqlite(engine: Engine, source_file: Path) -> None:
    if not is_registry_file(source_file):
        raise StorageError(
            f"«{source_file}» không phải bản sao lưu của sổ đăng ký cụm công nghiệp.",
            f"'{source_file}' is not a backup of the cluster registry.",
        )
    engine.dispose()
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    dest = sqlite3.connect(sqlite_path(engine))
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()
