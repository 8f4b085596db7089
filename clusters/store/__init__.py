"""Storage: ``open_store(url)`` picks the implementation for a database URL."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from clusters.errors import StorageError
from clusters.paths import default_database_url
from clusters.store.base import ClusterStore, Transaction
from clusters.store.dialects import Dialect, SQLiteDialect

__all__ = [
    "ClusterStore",
    "Transaction",
    "connect",
    "database_url",
    "display_url",
    "migrate",
    "open_store",
]


def database_url() -> str:
    """``CLUSTERS_DATABASE_URL``, else the SQLite file in the per-user data folder."""
    return os.environ.get("CLUSTERS_DATABASE_URL") or default_database_url()


def display_url(url: str | None = None) -> str:
    """The database URL with any password hidden, to say which registry is in use."""
    raw = url or database_url()
    try:
        return sa.make_url(raw).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "?"


def _dialect_for(url: sa.URL) -> Dialect:
    backend = url.get_backend_name()
    if backend == "sqlite":
        return SQLiteDialect()
    if backend == "postgresql":
        from clusters.store.postgis import PostGISDialect  # optional backend, lazy

        return PostGISDialect()
    raise StorageError(
        f"Không hỗ trợ cơ sở dữ liệu «{backend}».", f"Unsupported database '{backend}'."
    )


def connect(url: str | None = None) -> tuple[sa.Engine, Dialect]:
    """An engine on the registry's database and its dialect, nothing read or created yet."""
    try:
        parsed = sa.make_url(url or database_url())
    except sa.exc.ArgumentError as exc:
        raise StorageError(
            "Địa chỉ cơ sở dữ liệu không hợp lệ.", "The database URL is not valid."
        ) from exc
    dialect = _dialect_for(parsed)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = sa.create_engine(parsed, **dialect.engine_options())
    except ModuleNotFoundError as exc:
        raise StorageError(
            f"Thiếu thư viện «{exc.name}» cho cơ sở dữ liệu này; cài bằng: "
            "pip install 'hanoi-clusters[postgis]'",
            f"The library '{exc.name}' for this database is missing; install it with: "
            "pip install 'hanoi-clusters[postgis]'",
        ) from exc
    dialect.configure(engine)
    return engine, dialect


def cannot_open(exc: sa.exc.OperationalError) -> StorageError:
    why = str(exc.orig).strip().splitlines()[0]  # drivers add hints on further lines
    return StorageError(f"Không mở được cơ sở dữ liệu: {why}", f"Cannot open the database: {why}")


def open_store(url: str | None = None) -> ClusterStore:
    """The registry at ``url``: created (and seeded by the caller) when new; refused with a
    message when its schema is older (``clusters migrate``) or newer than this software."""
    from clusters.store.sql import SqlStore

    engine, dialect = connect(url)
    try:
        return SqlStore(engine, dialect)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise cannot_open(exc) from exc
    except StorageError:
        engine.dispose()
        raise


def migrate(url: str | None = None) -> tuple[str, str]:
    """Upgrade the registry's schema to this release's; returns the (from, to) revisions."""
    from clusters.store import migrations

    engine, _ = connect(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("registry_meta"):
                raise StorageError(
                    "Chưa có sổ đăng ký ở đây: không có gì để nâng cấp.",
                    "There is no registry here: nothing to upgrade.",
                )
        return migrations.upgrade(engine)
    except sa.exc.OperationalError as exc:
        raise cannot_open(exc) from exc
    finally:
        engine.dispose()
