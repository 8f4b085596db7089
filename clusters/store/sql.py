"""One SQL implementation of the storage contract, on SQLAlchemy Core.

Engine-specific details (pragmas, locking, triggers, backup) live in ``dialects``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from clusters.clock import now_utc
from clusters.codec import to_history
from clusters.errors import (
    ConcurrentChange,
    ConflictError,
    NotFoundError,
    RegistryBusy,
    StorageError,
)
from clusters.model import (
    EDITABLE_FIELDS,
    STAGE_FIELDS,
    STORED_FIELDS,
    ChangeEvent,
    Cluster,
    Decision,
    Field,
    FieldChange,
    Kind,
    ReportedFigure,
)
from clusters.store import migrations, revision
from clusters.store import schema as s
from clusters.store.base import BBox, ClusterStore, Transaction
from clusters.store.dialects import Dialect
from clusters.text import fold

# The fields a write gives, each in its own column (the store stamps id, version, who, when).
_WRITTEN = tuple(f for f in STORED_FIELDS if not f.stamped and f.kind is not Kind.GEOMETRY)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _search_text(name: str, aliases: Sequence[str]) -> str:
    return " | ".join(fold(t) for t in (name, *aliases) if t)


def cluster_row(c: Cluster) -> dict[str, Any]:
    if c.geometry is None:
        raise StorageError("Thiếu vị trí.", "A location is required.", field="geometry")
    row: dict[str, Any] = {}
    for f in _WRITTEN:
        value = getattr(c, f.name)
        row[f.name] = list(value) if f.kind is Kind.LIST else value
    row[s.SEARCH_COLUMN] = _search_text(c.name, c.aliases)
    row.update(geometry_columns(c.geometry))
    return row


def geometry_columns(geom: shapely.Geometry) -> dict[str, Any]:
    minx, miny, maxx, maxy = geom.bounds
    return {
        "geom_wkb": shapely.to_wkb(geom),
        "geom_type": geom.geom_type,
        "min_x": minx,
        "min_y": miny,
        "max_x": maxx,
        "max_y": maxy,
    }


def _from_column(f: Field, r: RowMapping) -> Any:
    if f.kind is Kind.GEOMETRY:
        return shapely.from_wkb(r["geom_wkb"])
    value = r[f.name]
    if f.kind is Kind.LIST:
        return list(value or [])
    if f.kind is Kind.BOOL:
        return bool(value)
    if f.kind is Kind.TIMESTAMP and value is not None:
        return _aware(value)
    return value


def row_cluster(r: RowMapping) -> Cluster:
    return Cluster(**{f.name: _from_column(f, r) for f in STORED_FIELDS})


def _row_decision(r: RowMapping) -> Decision:
    return Decision(
        id=r["id"],
        cluster_id=r["cluster_id"],
        event_id=r["event_id"],
        doc_type=r["doc_type"],
        number=r["number"],
        date=r["date"],
        issuer=r["issuer"],
        note=r["note"],
    )


class SqlTransaction(Transaction):
    def __init__(self, conn: Connection, dialect: Dialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def _event(
        self,
        cluster_id: int,
        version: int,
        actor: str,
        kind: str,
        at: datetime,
        changes: Sequence[FieldChange],
        reason: str | None,
        source: str | None,
        decisions: Sequence[Decision],
    ) -> int:
        event_id = self.conn.execute(
            sa.insert(s.events).values(
                cluster_id=cluster_id,
                version=version,
                at=at,
                actor=actor,
                kind=kind,
                reason=reason,
                source=source,
            )
        ).inserted_primary_key
        assert event_id is not None
        event_id = event_id[0]
        if changes:
            self.conn.execute(
                sa.insert(s.event_changes),
                [
                    {
                        "event_id": event_id,
                        "field": ch.field,
                        "old_value": ch.old,
                        "new_value": ch.new,
                    }
                    for ch in changes
                ],
            )
        for d in decisions:
            self.conn.execute(
                sa.insert(s.decisions).values(
                    cluster_id=cluster_id,
                    event_id=event_id,
                    doc_type=d.doc_type,
                    number=d.number,
                    date=d.date,
                    issuer=d.issuer,
                    note=d.note,
                )
            )
        return int(event_id)

    def create(
        self,
        cluster: Cluster,
        *,
        actor: str,
        kind: str = "create",
        reason: str | None = None,
        source: str | None = None,
        decisions: Sequence[Decision] = (),
    ) -> Cluster:
        now = now_utc()
        row = cluster_row(cluster)
        row.update(version=1, created_at=now, created_by=actor, updated_at=now, updated_by=actor)
        if cluster.id is not None:
            row["id"] = cluster.id
        try:
            key = self.conn.execute(sa.insert(s.clusters).values(**row)).inserted_primary_key
        except sa.exc.IntegrityError as exc:
            raise StorageError(
                f"Không thể thêm cụm (mã {cluster.id} đã có hoặc dữ liệu trái ràng buộc).",
                f"Cannot add the cluster (id {cluster.id} exists or a constraint failed).",
            ) from exc
        assert key is not None
        new_id = int(key[0])
        if cluster.id is not None:
            self.dialect.after_explicit_id(self.conn)
        changes = [
            FieldChange(f, None, to_history(f, getattr(cluster, f)))
            for f in EDITABLE_FIELDS
            if getattr(cluster, f) not in (None, [], "")
        ]
        self._event(new_id, 1, actor, kind, now, changes, reason, source, decisions)
        return self.get(new_id)

    def update(
        self,
        cluster_id: int,
        changes: Mapping[str, Any],
        *,
        based_on: int,
        actor: str,
        kind: str = "update",
        reason: str | None = None,
        source: str | None = None,
        decisions: Sequence[Decision] = (),
    ) -> Cluster:
        staged = set(changes) & set(STAGE_FIELDS)
        if staged:
            raise ValueError(f"the stage changes only through change_stage: {sorted(staged)}")
        return self._write(cluster_id, changes, based_on, actor, kind, reason, source, decisions)

    def change_stage(
        self,
        cluster_id: int,
        changes: Mapping[str, Any],
        *,
        based_on: int,
        actor: str,
        kind: str = "stage",
        reason: str | None = None,
        source: str | None = None,
        decisions: Sequence[Decision] = (),
    ) -> Cluster:
        other = set(changes) - set(STAGE_FIELDS)
        if other or "stage" not in changes:
            raise ValueError(
                f"a stage change writes the stage and what backs it, not {sorted(other)}"
            )
        return self._write(cluster_id, changes, based_on, actor, kind, reason, source, decisions)

    def _write(
        self,
        cluster_id: int,
        changes: Mapping[str, Any],
        based_on: int,
        actor: str,
        kind: str,
        reason: str | None,
        source: str | None,
        decisions: Sequence[Decision],
    ) -> Cluster:
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        current = self.get(cluster_id)
        if current.version != based_on:
            raise self._conflict(cluster_id, based_on)
        diffs = []
        for f, new in changes.items():
            old_v, new_v = to_history(f, getattr(current, f)), to_history(f, new)
            if old_v != new_v:
                diffs.append(FieldChange(f, old_v, new_v))
        if not diffs and not decisions:
            return current
        updated = current.replace(**changes)
        now = now_utc()
        row = cluster_row(updated)
        row.update(version=based_on + 1, updated_at=now, updated_by=actor)
        result = self.conn.execute(
            sa.update(s.clusters)
            .where(s.clusters.c.id == cluster_id, s.clusters.c.version == based_on)
            .values(**row)
        )
        if result.rowcount != 1:
            raise self._conflict(cluster_id, based_on)
        self._event(cluster_id, based_on + 1, actor, kind, now, diffs, reason, source, decisions)
        return self.get(cluster_id)

    def add_reported_figure(self, figure: ReportedFigure, *, actor: str) -> ReportedFigure:
        try:
            new_id = self.conn.execute(
                sa.insert(s.reported_figures).values(
                    as_of=figure.as_of,
                    category=figure.category,
                    count=figure.count,
                    area_ha=figure.area_ha,
                    source=figure.source,
                    note=figure.note,
                    created_at=now_utc(),
                    created_by=actor,
                )
            ).inserted_primary_key
        except sa.exc.IntegrityError as exc:
            raise StorageError(
                f"Đã có số liệu «{figure.category}» ngày {figure.as_of:%d/%m/%Y}.",
                f"A figure '{figure.category}' as of {figure.as_of} already exists.",
            ) from exc
        assert new_id is not None
        figure.id = int(new_id[0])
        return figure

    def get(self, cluster_id: int) -> Cluster:
        row = (
            self.conn.execute(sa.select(s.clusters).where(s.clusters.c.id == cluster_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(
                f"Không có cụm mã {cluster_id}.", f"There is no cluster with id {cluster_id}."
            )
        return row_cluster(row)

    def _conflict(self, cluster_id: int, based_on: int) -> ConflictError:
        since = _events(
            self.conn, sa.and_(s.events.c.cluster_id == cluster_id, s.events.c.version > based_on)
        )
        return ConflictError(
            cluster_id,
            based_on,
            [
                ConcurrentChange(
                    e.version,
                    e.actor,
                    e.at.strftime("%Y-%m-%d %H:%M UTC"),
                    [ch.field for ch in e.changes],
                )
                for e in reversed(since)
            ],
        )


def _events(conn: Connection, where: Any, limit: int | None = None) -> list[ChangeEvent]:
    q = sa.select(s.events).where(where).order_by(s.events.c.at.desc(), s.events.c.id.desc())
    if limit:
        q = q.limit(limit)
    rows = conn.execute(q).mappings().all()
    if not rows:
        return []
    by_event: dict[int, list[FieldChange]] = {r["id"]: [] for r in rows}
    ch_rows = conn.execute(
        sa.select(s.event_changes)
        .where(s.event_changes.c.event_id.in_(list(by_event)))
        .order_by(s.event_changes.c.id)
    ).mappings()
    for c in ch_rows:
        by_event[c["event_id"]].append(FieldChange(c["field"], c["old_value"], c["new_value"]))
    return [
        ChangeEvent(
            id=r["id"],
            cluster_id=r["cluster_id"],
            version=r["version"],
            actor=r["actor"],
            at=_aware(r["at"]),
            kind=r["kind"],
            reason=r["reason"],
            source=r["source"],
            changes=by_event[r["id"]],
        )
        for r in rows
    ]


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


class SqlStore(ClusterStore):
    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self.engine = engine
        self.dialect = dialect
        self.url = engine.url.render_as_string(hide_password=True)
        self._prepare()

    def _prepare(self) -> None:
        with self.engine.connect() as conn:
            has_meta = sa.inspect(conn).has_table(s.meta.name)
            if has_meta:
                found = self._read_version(conn)
                if found is not None and found > s.SCHEMA_VERSION:
                    raise StorageError(
                        f"Cơ sở dữ liệu có phiên bản lược đồ {found}, mới hơn phần mềm "
                        f"({s.SCHEMA_VERSION}): hãy nâng cấp phần mềm.",
                        f"The database has schema version {found}, newer than this software "
                        f"({s.SCHEMA_VERSION}): upgrade the software.",
                    )
                migrations.check_up_to_date(conn)  # an older one: 'clusters migrate'
            self.dialect.opened(conn)
        if has_meta:
            return
        with self.dialect.write_connection(self.engine) as conn, conn.begin():
            self.dialect.before_create(conn)
            # Another instance starting at the same time may have created it meanwhile
            # (before_create serialises creation where the engine can).
            if sa.inspect(conn).has_table(s.meta.name) and self._read_version(conn):
                return
            s.metadata.create_all(conn)
            self.dialect.after_create(conn)
            conn.execute(
                sa.insert(s.meta),
                [
                    {"key": "schema_version", "value": str(s.SCHEMA_VERSION)},
                    {"key": "application_id", "value": s.APPLICATION_ID},
                    {"key": revision.KEY, "value": "0"},
                ],
            )
            migrations.stamp_head(conn)

    @staticmethod
    def _read_version(conn: Connection) -> int | None:
        value = conn.execute(
            sa.select(s.meta.c.value).where(s.meta.c.key == "schema_version")
        ).scalar()
        return int(value) if value is not None else None

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        try:
            with self.dialect.write_connection(self.engine) as conn, conn.begin():
                yield SqlTransaction(conn, self.dialect)
                revision.bump(conn)  # commits with the write, or not at all
        except sa.exc.DBAPIError as exc:
            if _busy(exc):  # another writer held on past the wait: a retry will do
                raise RegistryBusy() from exc
            raise

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def get(self, cluster_id: int) -> Cluster:
        with self._read() as conn:
            return SqlTransaction(conn, self.dialect).get(cluster_id)

    def list_clusters(self, bbox: BBox | None = None) -> list[Cluster]:
        q = sa.select(s.clusters).order_by(s.clusters.c.id)
        if bbox is not None:
            minx, miny, maxx, maxy = bbox
            c = s.clusters.c
            q = q.where(c.max_x >= minx, c.min_x <= maxx, c.max_y >= miny, c.min_y <= maxy)
            spatial = self.dialect.bbox_clause(bbox)
            if spatial is not None:
                q = q.where(spatial)
        with self._read() as conn:
            return [row_cluster(r) for r in conn.execute(q).mappings()]

    def count(self) -> int:
        with self._read() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(s.clusters)).scalar_one()
            )

    def decisions(self, cluster_id: int | None = None) -> list[Decision]:
        q = sa.select(s.decisions).order_by(s.decisions.c.date, s.decisions.c.id)
        if cluster_id is not None:
            q = q.where(s.decisions.c.cluster_id == cluster_id)
        with self._read() as conn:
            return [_row_decision(r) for r in conn.execute(q).mappings()]

    def history(
        self,
        cluster_id: int | None = None,
        *,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[ChangeEvent]:
        e = s.events.c
        conds = []
        if cluster_id is not None:
            conds.append(e.cluster_id == cluster_id)
        if actor:
            conds.append(e.actor == actor)
        if since:
            conds.append(e.at >= since)
        if until:
            conds.append(e.at <= until)
        with self._read() as conn:
            return _events(conn, sa.and_(sa.true(), *conds), limit)

    def reported_figures(self) -> list[ReportedFigure]:
        f = s.reported_figures.c
        q = sa.select(s.reported_figures).order_by(f.as_of.desc(), f.id)
        with self._read() as conn:
            return [
                ReportedFigure(
                    id=r["id"],
                    as_of=r["as_of"],
                    category=r["category"],
                    count=r["count"],
                    area_ha=r["area_ha"],
                    source=r["source"],
                    note=r["note"],
                )
                for r in conn.execute(q).mappings()
            ]

    def schema_version(self) -> int:
        with self._read() as conn:
            found = self._read_version(conn)
        return found or 0

    def revision(self) -> int:
        with self._read() as conn:
            return revision.read(conn)

    def close(self) -> None:
        self.engine.dispose()
