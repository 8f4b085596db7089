"""PostgreSQL/PostGIS: the registry at scale, shared by several app instances.

The tables are those of ``schema``; this dialect adds what PostgreSQL does better: a real
PostGIS geometry column derived from the stored WKB (so QGIS and other GIS tools read the
``clusters`` table directly) with a GiST index, append-only history enforced by triggers,
the id sequence kept past explicitly inserted ids, and sessions pinned to UTC and READ
COMMITTED, under which the store's ``UPDATE … WHERE version = :based_on`` lets exactly one
of several concurrent writers win.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from clusters.store import schema as s
from clusters.store.base import BBox
from clusters.store.dialects import Dialect

log = logging.getLogger(__name__)

SRID = 4326
GEOMETRY_COLUMN = "geom"
GEOMETRY_INDEX = "ix_clusters_geom"
APPEND_ONLY_FUNCTION = "registry_append_only"
# Serialises schema creation when several instances start on an empty database at once.
SCHEMA_LOCK_KEY = 0x48414E4F49  # "HANOI"


class PostGISDialect(Dialect):
    name = "postgresql"

    def __init__(self) -> None:
        # Whether ``clusters`` has the PostGIS geometry column (not when PostGIS is missing).
        self.has_geometry = False

    def engine_options(self) -> dict[str, Any]:
        # A pooled connection dies when the server restarts or a proxy drops it: test each
        # one as it is taken from the pool (a cheap ping), so the next page load reconnects
        # instead of failing with "terminating connection due to administrator command".
        return {"pool_pre_ping": True}

    def configure(self, engine: Engine) -> None:
        # The optimistic-concurrency UPDATE relies on READ COMMITTED: a writer blocked on the
        # row lock re-checks ``version = :based_on`` against the committed row and matches
        # nothing, so it reports a conflict instead of a serialisation failure.
        engine.update_execution_options(isolation_level="READ COMMITTED")

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            # History times are UTC whatever the server's time zone is.
            with dbapi_conn.cursor() as cur:
                cur.execute("SET TIME ZONE 'UTC'")
            dbapi_conn.commit()

    def opened(self, conn: Connection) -> None:
        self.has_geometry = bool(
            conn.execute(
                sa.text(
                    "SELECT 1 FROM information_schema.columns WHERE table_schema = "
                    "current_schema() AND table_name = :table AND column_name = :column"
                ),
                {"table": s.clusters.name, "column": GEOMETRY_COLUMN},
            ).scalar()
        )

    def before_create(self, conn: Connection) -> None:
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(SCHEMA_LOCK_KEY)))
        self.has_geometry = self._ensure_postgis(conn)

    @staticmethod
    def _ensure_postgis(conn: Connection) -> bool:
        installed = conn.execute(
            sa.text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
        ).scalar()
        if installed:
            return True
        available = conn.execute(
            sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
        ).scalar()
        if not available:
            log.warning("PostGIS is not installed on the server: no geometry column")
            return False
        try:
            with conn.begin_nested():
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
        except sa.exc.DBAPIError as exc:  # e.g. not allowed to create extensions
            log.warning("cannot create the PostGIS extension (%s): no geometry column", exc.orig)
            return False
        return True

    def after_create(self, conn: Connection) -> None:
        self._append_only_triggers(conn)
        if self.has_geometry:
            # Generated from the WKB the store writes, so it can never disagree with it.
            conn.exec_driver_sql(
                f"ALTER TABLE {s.clusters.name} ADD COLUMN IF NOT EXISTS {GEOMETRY_COLUMN} "
                f"geometry(Geometry, {SRID}) "
                f"GENERATED ALWAYS AS (ST_GeomFromWKB(geom_wkb, {SRID})) STORED"
            )
            conn.exec_driver_sql(
                f"CREATE INDEX IF NOT EXISTS {GEOMETRY_INDEX} "
                f"ON {s.clusters.name} USING GIST ({GEOMETRY_COLUMN})"
            )

    @staticmethod
    def _append_only_triggers(conn: Connection) -> None:
        conn.exec_driver_sql(
            f"CREATE OR REPLACE FUNCTION {APPEND_ONLY_FUNCTION}() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION USING ERRCODE = 'restrict_violation', "
            "MESSAGE = 'history is append-only: ' || TG_TABLE_NAME; "
            "END $$"
        )
        for table in s.APPEND_ONLY:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {APPEND_ONLY_FUNCTION}()"
            )
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {APPEND_ONLY_FUNCTION}()"
            )

    def new_ids(self, conn: Connection, table: sa.Table, n: int) -> list[int]:
        # From the table's own sequence, as its inserts would take them.
        found = conn.execute(
            sa.text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": n},
        ).scalars()
        return sorted(int(i) for i in found)

    def after_explicit_id(self, conn: Connection) -> None:
        # Move the sequence past the highest id, never back: ids are never handed out twice.
        conn.execute(
            sa.text(
                "SELECT setval(s.seq, GREATEST(COALESCE(q.last_value, 0), "
                "(SELECT max(id) FROM clusters), 1)) "
                "FROM (SELECT pg_get_serial_sequence('clusters', 'id')::regclass AS seq) AS s "
                "LEFT JOIN pg_sequences AS q "
                "ON format('%I.%I', q.schemaname, q.sequencename)::regclass = s.seq"
            )
        )

    def bbox_clause(self, bbox: BBox) -> sa.ColumnElement[bool] | None:
        """``geom && envelope``, answered from the GiST index; None without PostGIS."""
        if not self.has_geometry:
            return None
        minx, miny, maxx, maxy = bbox
        envelope = sa.func.ST_MakeEnvelope(minx, miny, maxx, maxy, SRID)
        return sa.literal_column(f"{s.clusters.name}.{GEOMETRY_COLUMN}").op("&&")(envelope)
