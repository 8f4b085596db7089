"""Storage: ``open_store(url)`` picks the implementation for a database URL."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from clusters.errors import StorageError
from clusters.store.base import ClusterStore, Transaction
from clusters.store.dialects import Dialect, SQLiteDialect

DEFAULT_URL = "sqlite:///data/clusters.sqlite"

__all__ = ["DEFAULT_URL", "ClusterStore", "Transaction", "database_url", "open_store"]


def database_url() -> str:
    return os.environ.get("CLUSTERS_DATABASE_URL") or DEFAULT_URL


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


def open_store(url: str | None = None) -> ClusterStore:
    from clusters.store.sql import SqlStore

    try:
        parsed = sa.make_url(url or database_url())
    except sa.exc.ArgumentError as exc:
        raise StorageError(
            "Địa chỉ cơ sở dữ liệu không hợp lệ.", "The database URL is not valid."
        ) from exc
    dialect = _dialect_for(parsed)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, **dialect.engine_options())
    dialect.configure(engine)
    try:
        return SqlStore(engine, dialect)
    except sa.exc.OperationalError as exc:
        raise StorageError(
            f"Không mở được cơ sở dữ liệu: {exc.orig}", f"Cannot open the database: {exc.orig}"
        ) from exc
