"""Period figures in the registry: one row per report (a cluster's Biểu 02 or a tenant
project's Biểu 01 for one reporting period), each change an append-only event.

The figures are kept as JSON (name → number or nothing): which figures a form has is
declared once, in ``clusters.reports.period_fields``, so an amended form needs no migration.
Called by the SQL store's transaction (writes, which bump the registry's revision with them)
and by its reads; nothing else touches the tables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from clusters.clock import now_utc
from clusters.errors import StorageError
from clusters.model import FieldChange
from clusters.store import journal
from clusters.store import schema as s

_t = s.period_figures
_e = s.period_figure_events

FORMS = s.PERIOD_FORMS
# How a period is stored: "2025-H1" (the half-year report) or "2025" (the annual one).
PERIOD_CODE = re.compile(r"^\d{4}(-H1)?$")

Figure = float | int | None


@dataclass(frozen=True)
class FigureSet:
    """One report's figures for one period: a cluster's Biểu 02 (``project_id`` None) or a
    tenant project's Biểu 01. The store stamps id, version, who and when."""

    form: str
    cluster_id: int
    period: str
    values: Mapping[str, Figure] = field(default_factory=dict)
    project_id: int | None = None
    source: str | None = None
    id: int | None = None
    version: int = 0
    created_at: datetime | None = None
    created_by: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def subject_id(self) -> int:
        return self.project_id if self.form == "bieu01" and self.project_id else self.cluster_id

    def replace(self, **changes: object) -> FigureSet:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class FigureEvent:
    """One append-only entry of a report's history: who, when, from which source, what."""

    set_id: int
    form: str
    cluster_id: int
    project_id: int | None
    period: str
    version: int
    at: datetime
    actor: str
    kind: str  # "create" | "update"
    reason: str | None
    source: str | None
    changes: list[FieldChange]
    id: int | None = None


def _record(r: RowMapping) -> FigureSet:
    return FigureSet(
        form=r["form"],
        cluster_id=r["cluster_id"],
        period=r["period"],
        values=dict(r["figures"] or {}),
        project_id=r["project_id"],
        source=r["source"],
        id=r["id"],
        version=r["version"],
        created_at=journal.aware(r["created_at"]),
        created_by=r["created_by"],
        updated_at=journal.aware(r["updated_at"]),
        updated_by=r["updated_by"],
    )


def _diffs(old: Mapping[str, Figure], new: Mapping[str, Figure]) -> list[FieldChange]:
    names = list(new) + [n for n in old if n not in new]
    return [FieldChange(n, old.get(n), new.get(n)) for n in names if old.get(n) != new.get(n)]


def find(conn: Connection, form: str, subject_id: int, period: str) -> FigureSet | None:
    q = sa.select(_t).where(_t.c.form == form, _t.c.subject_id == subject_id, _t.c.period == period)
    row = conn.execute(q).mappings().first()
    return None if row is None else _record(row)


def save(
    conn: Connection,
    figures: FigureSet,
    *,
    based_on: int | None,
    actor: str,
    reason: str | None = None,
) -> FigureSet:
    """Write a report's figures for its period: created (version 1) or replaced, with an
    event naming the source. ``based_on`` is the version the figures were entered on (0: none
    was stored yet); a report stored or changed since is refused. None: no check."""
    current = find(conn, figures.form, figures.subject_id, figures.period)
    found = current.version if current else 0
    if based_on is not None and based_on != found:
        raise _stale(figures, current, based_on)
    now = now_utc()
    values = dict(figures.values)
    if current is None:
        key = conn.execute(
            sa.insert(_t).values(
                form=figures.form,
                subject_id=figures.subject_id,
                cluster_id=figures.cluster_id,
                project_id=figures.project_id,
                period=figures.period,
                figures=values,
                source=figures.source,
                version=1,
                created_at=now,
                created_by=actor,
                updated_at=now,
                updated_by=actor,
            )
        ).inserted_primary_key
        assert key is not None
        saved = _by_id(conn, int(key[0]))
        changes = [FieldChange(n, None, v) for n, v in values.items() if v is not None]
        journal.append(
            conn, _e, _subject(saved), "create", changes, actor=actor, at=now, reason=reason
        )
        return saved
    changes = _diffs(current.values, values)
    if not changes:
        return current
    result = conn.execute(
        sa.update(_t)
        .where(_t.c.id == current.id, _t.c.version == current.version)
        .values(
            figures=values,
            source=figures.source,
            version=current.version + 1,
            updated_at=now,
            updated_by=actor,
        )
    )
    if result.rowcount != 1:
        raise _stale(figures, current, current.version)
    saved = _by_id(conn, current.id or 0)
    journal.append(conn, _e, _subject(saved), "update", changes, actor=actor, at=now, reason=reason)
    return saved


def _stale(figures: FigureSet, current: FigureSet | None, based_on: int) -> StorageError:
    who = current.updated_by if current else "?"
    version = current.version if current else 0
    return StorageError(
        f"Số liệu {figures.form} kỳ {figures.period} đã được {who} ghi (phiên bản {version}, "
        f"bạn nhập trên phiên bản {based_on}): không có gì được ghi; hãy tải lại rồi nhập lại.",
        f"The {figures.form} figures of {figures.period} were saved by {who} (version "
        f"{version}, you entered them on version {based_on}): nothing was written; reload and "
        "enter them again.",
    )


def _by_id(conn: Connection, set_id: int) -> FigureSet:
    row = conn.execute(sa.select(_t).where(_t.c.id == set_id)).mappings().one()
    return _record(row)


def _subject(saved: FigureSet) -> dict[str, object]:
    """The columns naming a history entry's report, its version and its figures' source."""
    return {
        "set_id": saved.id,
        "form": saved.form,
        "cluster_id": saved.cluster_id,
        "project_id": saved.project_id,
        "period": saved.period,
        "version": saved.version,
        "source": saved.source,
    }


def listed(
    conn: Connection,
    *,
    period: str | None = None,
    form: str | None = None,
    cluster_id: int | None = None,
) -> list[FigureSet]:
    """The reports stored, by form, cluster, project and period."""
    q = sa.select(_t).order_by(_t.c.form, _t.c.cluster_id, _t.c.subject_id, _t.c.period)
    if period is not None:
        q = q.where(_t.c.period == period)
    if form is not None:
        q = q.where(_t.c.form == form)
    if cluster_id is not None:
        q = q.where(_t.c.cluster_id == cluster_id)
    return [_record(r) for r in conn.execute(q).mappings()]


def events(
    conn: Connection, *, cluster_id: int | None = None, period: str | None = None
) -> list[FigureEvent]:
    """The reports' history, newest first."""
    found = journal.entries(conn, _e, cluster_id=cluster_id, period=period)
    return [FigureEvent(**r) for r in found]
