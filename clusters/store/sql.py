"""One SQL implementation of the storage contract, on SQLAlchemy Core.

Engine-specific details (pragmas, locking, triggers, backup) live in ``dialects``.
"""

from __future__ import annotations

import dataclasses
import gc
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from clusters.clock import now_utc
from clusters.codec import to_history
from clusters.errors import (
    ConcurrentChange,
    ConflictError,
    NotFoundError,
    StorageError,
)
from clusters.model import (
    EDITABLE_FIELDS,
    FIELD_BY_NAME,
    STAGE_FIELDS,
    STORED_FIELDS,
    ChangeEvent,
    Cluster,
    Decision,
    Field,
    FieldChange,
    Kind,
    ProjectEvent,
    ReferenceLayerRecord,
    ReportedFigure,
    TenantProject,
)
from clusters.store import layers, migrations, periods, projects, revision
from clusters.store import schema as s
from clusters.store.base import BBox, ClusterStore, NewRecord, RecordEdit, Transaction
from clusters.store.dialects import Dialect, busy_is_retryable
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


# Columns read as the database gives them, not through SQLAlchemy's per-value processing
# (a regular expression per date, a json.loads per list: half an extent query's time):
# SQLite gives their text, converted here a column at a time; PostgreSQL's driver gives
# lists, dates and times already, which are kept.
_RAW_KINDS = (Kind.LIST, Kind.DATE, Kind.TIMESTAMP)
_RAW = frozenset(f.name for f in STORED_FIELDS if f.kind in _RAW_KINDS)
_SELECTED = tuple(
    sa.type_coerce(c, sa.Text).label(c.name) if c.name in _RAW else c for c in s.clusters.c
)


def _select_clusters() -> sa.Select[Any]:
    """SELECT of the clusters table as ``rows_clusters`` reads it."""
    return sa.select(*_SELECTED)


def _lists(values: Sequence[Any]) -> list[list[Any]]:
    """JSON list texts (SQLite), lists (PostgreSQL) or NULLs, as lists; the texts decoded
    in one call."""
    texts = [v for v in values if isinstance(v, str)]
    decoded = iter(json.loads("[" + ",".join(texts) + "]") if texts else ())
    return [
        list(next(decoded) or []) if isinstance(v, str) else list(v) if v else [] for v in values
    ]


def _timestamp(value: str | datetime | None) -> datetime | None:
    """A stored time, zoned: SQLite's text is UTC without an offset (the parse is given
    one, which is much faster than adding the zone after)."""
    if value is None:
        return None
    if not isinstance(value, str):
        return _aware(value)
    zoned = len(value) > 19 and value[-6] in "+-"
    return datetime.fromisoformat(value if zoned else value + "+00:00")


def _column_values(f: Field, columns: Mapping[str, Sequence[Any]]) -> Sequence[Any]:
    """One field's values, for every row read, from its column(s)."""
    if f.kind is Kind.GEOMETRY:
        blobs = np.array(columns["geom_wkb"], dtype=object)  # object: each WKB kept whole
        return list(shapely.from_wkb(blobs))  # one call for the lot
    values = columns[f.name]
    if f.kind is Kind.LIST:
        return _lists(values)
    if f.kind is Kind.BOOL:
        return [bool(v) for v in values]
    if f.kind is Kind.DATE:
        return [date.fromisoformat(v) if isinstance(v, str) else v for v in values]
    if f.kind is Kind.TIMESTAMP:
        return [_timestamp(v) for v in values]
    return values


# ``Cluster``'s fields in the order its ``__init__`` takes them (a test keeps them and the
# stored fields the same).
_INIT_FIELDS = tuple(FIELD_BY_NAME[f.name] for f in dataclasses.fields(Cluster))


def rows_clusters(rows: Sequence[Sequence[Any]], keys: Sequence[str]) -> list[Cluster]:
    """Clusters from rows of the clusters table (``keys`` naming their columns), converted
    column by column (every geometry in one ``shapely.from_wkb`` call) and built with
    positional arguments. Every read of clusters comes through here."""
    if not rows:
        return []
    columns = dict(zip(keys, zip(*rows, strict=True), strict=True))
    values = [_column_values(f, columns) for f in _INIT_FIELDS]
    return [Cluster(*fields) for fields in zip(*values, strict=True)]


# Rows converted at a time: enough for the column-wise conversion to pay, few enough that
# the rows are gone before the next are read.
_READ_CHUNK = 1000


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a read builds its records.

    Reading 100,000 clusters allocates millions of objects, none of them in a reference
    cycle, and the collector walked all of those kept so far again and again as they piled
    up: 1.3 s of the 3 s the read took. Reference counting frees them as ever; the
    collector resumes after the read (unless something else had paused it).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_clusters(conn: Connection, q: sa.Select[Any]) -> list[Cluster]:
    """The clusters ``q`` selects, in its order, read ``_READ_CHUNK`` rows at a time."""
    out: list[Cluster] = []
    with _collector_paused():
        result = conn.execute(q)
        keys = list(result.keys())
        for rows in result.partitions(_READ_CHUNK):
            out += rows_clusters(rows, keys)
    return out


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


# Ids per ``IN (…)`` list: well below SQLite's limit on bound parameters.
_CHUNK = 500


@dataclass(frozen=True)
class _Event:
    """A history event about to be appended."""

    cluster_id: int
    version: int
    kind: str
    reason: str | None
    changes: Sequence[FieldChange]
    decisions: Sequence[Decision]


@dataclass
class _Batch:
    """What a batch writes, worked out before its transaction (``prepare_batch``)."""

    now: datetime
    actor: str
    source: str | None
    new_rows: list[dict[str, Any]] = field(default_factory=list)
    new_ids: list[int | None] = field(default_factory=list)  # as given, None for the next
    new_events: list[_Event] = field(default_factory=list)
    based_on: dict[int, int] = field(default_factory=dict)  # the versions edited
    updates: list[dict[str, Any]] = field(default_factory=list)
    events: list[_Event] = field(default_factory=list)


def _created(c: Cluster) -> list[FieldChange]:
    """A new record's history: every field it is created with."""
    return [
        FieldChange(f, None, to_history(f, getattr(c, f)))
        for f in EDITABLE_FIELDS
        if getattr(c, f) not in (None, [], "")
    ]


def _diffs(current: Cluster, changes: Mapping[str, Any]) -> list[FieldChange]:
    """The fields ``changes`` really changes, as history records them."""
    out = []
    for f, new in changes.items():
        old_v, new_v = to_history(f, getattr(current, f)), to_history(f, new)
        if old_v != new_v:
            out.append(FieldChange(f, old_v, new_v))
    return out


def _check_step(changes: Mapping[str, Any]) -> None:
    """A write changes attributes, or the stage and what backs it (never one without the
    other); the store stamps the rest."""
    if set(changes) & set(STAGE_FIELDS) and (
        "stage" not in changes or set(changes) - set(STAGE_FIELDS)
    ):
        raise ValueError(f"the stage and what backs it change together alone: {sorted(changes)}")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")


def _not_found(cluster_id: int) -> NotFoundError:
    return NotFoundError(
        f"Không có cụm mã {cluster_id}.", f"There is no cluster with id {cluster_id}."
    )


class SqlTransaction(Transaction):
    def __init__(self, conn: Connection, dialect: Dialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def _append_events(
        self, events: Sequence[_Event], *, actor: str, at: datetime, source: str | None
    ) -> None:
        """Append history events with their field changes and documents: three bulk
        statements however many there are. Ids are handed out in the order given, so a
        record's later event has the larger id (history orders by it)."""
        ids = self.dialect.new_ids(self.conn, s.events, len(events))
        rows, changes, documents = [], [], []
        for event_id, e in zip(ids, events, strict=True):
            rows.append(
                {
                    "id": event_id,
                    "cluster_id": e.cluster_id,
                    "version": e.version,
                    "at": at,
                    "actor": actor,
                    "kind": e.kind,
                    "reason": e.reason,
                    "source": source,
                }
            )
            changes += [
                {"event_id": event_id, "field": ch.field, "old_value": ch.old, "new_value": ch.new}
                for ch in e.changes
            ]
            documents += [
                {
                    "cluster_id": e.cluster_id,
                    "event_id": event_id,
                    "doc_type": d.doc_type,
                    "number": d.number,
                    "date": d.date,
                    "issuer": d.issuer,
                    "note": d.note,
                }
                for d in e.decisions
            ]
        for table, written in (
            (s.events, rows),
            (s.event_changes, changes),
            (s.decisions, documents),
        ):
            if written:
                self.conn.execute(sa.insert(table), written)

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
        event = _Event(new_id, 1, kind, reason, _created(cluster), decisions)
        self._append_events([event], actor=actor, at=now, source=source)
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
        diffs = _diffs(current, changes)
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
        event = _Event(cluster_id, based_on + 1, kind, reason, diffs, decisions)
        self._append_events([event], actor=actor, at=now, source=source)
        return self.get(cluster_id)

    def write_batch(
        self, new: Sequence[NewRecord], edits: Sequence[RecordEdit], **kw: Any
    ) -> list[int]:
        return self.write_prepared(self.prepare_batch(new, edits, **kw))

    def prepare_batch(
        self,
        new: Sequence[NewRecord],
        edits: Sequence[RecordEdit],
        *,
        actor: str,
        source: str | None = None,
    ) -> _Batch:
        """Work out every row and history event a batch writes, from the records as this
        connection reads them; ``write_prepared`` checks they are still those versions."""
        if len({e.cluster_id for e in edits}) != len(edits):
            raise ValueError("a batch edits each record once (its steps in order)")
        now = now_utc()
        batch = _Batch(now, actor, source)
        stamps = {"version": 1, "created_at": now, "created_by": actor}
        stamps.update(updated_at=now, updated_by=actor)
        for r in new:
            batch.new_rows.append({**cluster_row(r.cluster), **stamps})
            batch.new_ids.append(r.cluster.id)
            step = r.step
            # The record's id is known once it is inserted.
            batch.new_events.append(
                _Event(0, 1, step.kind, step.reason, _created(r.cluster), step.decisions)
            )
        current = self._records([e.cluster_id for e in edits])
        for edit in edits:
            record = current.get(edit.cluster_id)
            if record is None:
                raise _not_found(edit.cluster_id)
            if record.version != edit.based_on:
                raise self._conflict(edit.cluster_id, edit.based_on)
            batch.based_on[edit.cluster_id] = version = edit.based_on
            for step in edit.steps:
                _check_step(step.changes)
                diffs = _diffs(record, step.changes)
                if not diffs and not step.decisions:
                    continue
                record, version = record.replace(**step.changes), version + 1
                batch.events.append(
                    _Event(edit.cluster_id, version, step.kind, step.reason, diffs, step.decisions)
                )
            if version != edit.based_on:
                row = cluster_row(record)
                row.update(version=version, updated_at=now, updated_by=actor)
                batch.updates.append({**row, "b_id": edit.cluster_id, "b_version": edit.based_on})
        return batch

    def write_prepared(self, batch: _Batch) -> list[int]:
        """Write a prepared batch with a few bulk statements; the new records' ids."""
        self._check_versions(batch.based_on)
        ids = self._insert_new(batch.new_rows, batch.new_ids) if batch.new_rows else []
        events = [replace(e, cluster_id=i) for e, i in zip(batch.new_events, ids, strict=True)]
        if batch.updates:
            c = s.clusters.c
            result = self.conn.execute(
                sa.update(s.clusters).where(
                    c.id == sa.bindparam("b_id"), c.version == sa.bindparam("b_version")
                ),
                batch.updates,
            )
            if result.rowcount != len(batch.updates):  # cannot be while the rows are locked
                raise StorageError(
                    "Dữ liệu đã thay đổi trong lúc ghi; không có gì được ghi.",
                    "The records changed while being written; nothing was written.",
                )
        events += batch.events
        self._append_events(events, actor=batch.actor, at=batch.now, source=batch.source)
        return ids

    def _insert_new(self, rows: list[dict[str, Any]], given: list[int | None]) -> list[int]:
        """Insert the records (a parent before its children); their ids, in order."""
        handed = iter(self.dialect.new_ids(self.conn, s.clusters, given.count(None)))
        ids = [i if i is not None else next(handed) for i in given]
        try:
            self.conn.execute(
                sa.insert(s.clusters), [{**row, "id": i} for row, i in zip(rows, ids, strict=True)]
            )
        except sa.exc.IntegrityError as exc:
            raise StorageError(
                "Không thể thêm các cụm (một mã đã có hoặc dữ liệu trái ràng buộc).",
                "Cannot add the clusters (an id exists or a constraint failed).",
            ) from exc
        if any(i is not None for i in given):
            self.dialect.after_explicit_id(self.conn)
        return ids

    def _check_versions(self, based_on: Mapping[int, int]) -> None:
        """Lock the records a batch changes until this transaction ends (on SQLite the write
        lock, held from BEGIN, keeps every other writer out already), and refuse the batch
        if one is no longer the version it was prepared on."""
        wanted, c = sorted(based_on), s.clusters.c
        for at in range(0, len(wanted), _CHUNK):
            chunk = wanted[at : at + _CHUNK]
            q = sa.select(c.id, c.version).where(c.id.in_(chunk)).with_for_update()
            found = {i: v for i, v in self.conn.execute(q)}
            for i in chunk:
                if i not in found:
                    raise _not_found(i)
                if found[i] != based_on[i]:
                    raise self._conflict(i, based_on[i])

    def _records(self, ids: Sequence[int]) -> dict[int, Cluster]:
        wanted, found = sorted(ids), {}
        for at in range(0, len(wanted), _CHUNK):
            q = _select_clusters().where(s.clusters.c.id.in_(wanted[at : at + _CHUNK]))
            for record in _read_clusters(self.conn, q):
                assert record.id is not None  # read from the table: its key
                found[record.id] = record
        return found

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

    def add_reference_layer(
        self, layer: ReferenceLayerRecord, *, actor: str
    ) -> ReferenceLayerRecord:
        return layers.add(self.conn, layer, actor=actor)

    def remove_reference_layer(self, layer_id: int) -> ReferenceLayerRecord:
        return layers.remove(self.conn, layer_id)

    def add_project(
        self, project: TenantProject, *, actor: str, reason: str | None = None
    ) -> TenantProject:
        return projects.add(self.conn, project, actor=actor, reason=reason)

    def update_project(
        self,
        project_id: int,
        changes: Mapping[str, Any],
        *,
        based_on: int,
        actor: str,
        reason: str | None = None,
    ) -> TenantProject:
        return projects.update(
            self.conn, project_id, changes, based_on=based_on, actor=actor, reason=reason
        )

    def project(self, project_id: int) -> TenantProject:
        return projects.get(self.conn, project_id)

    def save_period_figures(
        self,
        figures: periods.FigureSet,
        *,
        based_on: int | None,
        actor: str,
        reason: str | None = None,
    ) -> periods.FigureSet:
        return periods.save(self.conn, figures, based_on=based_on, actor=actor, reason=reason)

    def save_column_mapping(
        self, signature: str, mapping: Mapping[str, str], *, actor: str, replace: bool = True
    ) -> bool:
        row = {
            "signature": signature,
            "mapping": json.dumps(dict(mapping), ensure_ascii=False, sort_keys=True),
            "saved_by": actor,
            "saved_at": now_utc(),
        }
        # INSERT … ON CONFLICT, which SQLAlchemy spells per dialect: two instances saving the
        # same headers at once both succeed, the later one's mapping kept. Imported here:
        # PostgreSQL's dialect costs every command on SQLite 25 ms of start-up.
        from sqlalchemy.dialects import postgresql, sqlite

        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(s.column_mappings).values(**row)
        key = [s.column_mappings.c.signature]
        if replace:
            changed = {k: v for k, v in row.items() if k != "signature"}
            statement = insert.on_conflict_do_update(index_elements=key, set_=changed)
        else:
            statement = insert.on_conflict_do_nothing(index_elements=key)
        return bool(self.conn.execute(statement).rowcount)

    def get(self, cluster_id: int) -> Cluster:
        found = _read_clusters(self.conn, _select_clusters().where(s.clusters.c.id == cluster_id))
        if not found:
            raise _not_found(cluster_id)
        return found[0]

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
        with (
            busy_is_retryable(),
            self.dialect.write_connection(self.engine) as conn,
            conn.begin(),
        ):
            yield SqlTransaction(conn, self.dialect)
            revision.bump(conn)  # commits with the write, or not at all

    def write_batch(
        self, new: Sequence[NewRecord], edits: Sequence[RecordEdit], **kw: Any
    ) -> list[int]:
        """The batch worked out before its write transaction opens, so that other writers
        wait only for its statements."""
        with self._read() as conn:
            batch = SqlTransaction(conn, self.dialect).prepare_batch(new, edits, **kw)
        with self.transaction() as tx:
            return tx.write_prepared(batch)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def get(self, cluster_id: int) -> Cluster:
        with self._read() as conn:
            return SqlTransaction(conn, self.dialect).get(cluster_id)

    def list_clusters(self, bbox: BBox | None = None) -> list[Cluster]:
        q = _select_clusters().order_by(s.clusters.c.id)
        if bbox is not None:
            minx, miny, maxx, maxy = bbox
            c = s.clusters.c
            q = q.where(c.max_x >= minx, c.min_x <= maxx, c.max_y >= miny, c.min_y <= maxy)
            spatial = self.dialect.bbox_clause(bbox)
            if spatial is not None:
                q = q.where(spatial)
        with self._read() as conn:
            return _read_clusters(conn, q)

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

    def reference_layers(self) -> list[ReferenceLayerRecord]:
        with self._read() as conn:
            return layers.all_layers(conn)

    def project(self, project_id: int) -> TenantProject:
        with self._read() as conn:
            return projects.get(conn, project_id)

    def projects(self, cluster_id: int | None = None) -> list[TenantProject]:
        with self._read() as conn:
            return projects.listed(conn, cluster_id)

    def project_history(
        self, *, cluster_id: int | None = None, project_id: int | None = None
    ) -> list[ProjectEvent]:
        with self._read() as conn:
            return projects.events(conn, cluster_id=cluster_id, project_id=project_id)

    def period_figures(
        self,
        *,
        period: str | None = None,
        form: str | None = None,
        cluster_id: int | None = None,
    ) -> list[periods.FigureSet]:
        with self._read() as conn:
            return periods.listed(conn, period=period, form=form, cluster_id=cluster_id)

    def period_figure_history(
        self, *, cluster_id: int | None = None, period: str | None = None
    ) -> list[periods.FigureEvent]:
        with self._read() as conn:
            return periods.events(conn, cluster_id=cluster_id, period=period)

    def column_mapping(self, signature: str) -> dict[str, str] | None:
        c = s.column_mappings.c
        with self._read() as conn:
            raw = conn.execute(sa.select(c.mapping).where(c.signature == signature)).scalar()
        if raw is None:
            return None
        try:
            saved = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(saved, dict):
            return None
        return {str(k): str(v) for k, v in saved.items()}

    def schema_version(self) -> int:
        with self._read() as conn:
            found = self._read_version(conn)
        return found or 0

    def revision(self) -> int:
        with self._read() as conn:
            return revision.read(conn)

    def close(self) -> None:
        self.engine.dispose()
