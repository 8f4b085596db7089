"""Tenant projects in the registry: one row per project, each change an append-only event.

Called by the SQL store's transaction (writes, which bump the registry's revision with them)
and by its reads; nothing else touches the tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from clusters.clock import now_utc
from clusters.errors import NotFoundError, StorageError
from clusters.model import PROJECT_FIELDS, FieldChange, ProjectEvent, TenantProject
from clusters.store import journal
from clusters.store import schema as s

_t = s.tenant_projects
_e = s.project_events


# The columns read as they are stored.
_AS_STORED = ("id", "cluster_id", "name", "investor", "land_leased_ha", "status", "source")


def _record(r: RowMapping) -> TenantProject:
    return TenantProject(
        **{c: r[c] for c in _AS_STORED},
        foreign_invested=bool(r["foreign_invested"]),
        version=r["version"],
        created_at=journal.aware(r["created_at"]),
        created_by=r["created_by"],
        updated_at=journal.aware(r["updated_at"]),
        updated_by=r["updated_by"],
    )


def _values(p: TenantProject) -> dict[str, Any]:
    return {f: getattr(p, f) for f in PROJECT_FIELDS}


def _subject(p: TenantProject) -> dict[str, object]:
    """The columns naming a history entry's project, its version and its source."""
    return {
        "project_id": p.id,
        "cluster_id": p.cluster_id,
        "version": p.version,
        "source": p.source,
    }


def add(
    conn: Connection, project: TenantProject, *, actor: str, reason: str | None = None
) -> TenantProject:
    """Insert a project (version 1) with its creation event."""
    now = now_utc()
    stamps = {"version": 1, "created_at": now, "created_by": actor}
    stamps.update(updated_at=now, updated_by=actor)
    try:
        key = conn.execute(
            sa.insert(_t).values(cluster_id=project.cluster_id, **_values(project), **stamps)
        ).inserted_primary_key
    except sa.exc.IntegrityError as exc:
        raise StorageError(
            "Không thể thêm dự án (dữ liệu trái ràng buộc).",
            "Cannot add the project (a constraint failed).",
        ) from exc
    assert key is not None
    saved = get(conn, int(key[0]))
    created = [FieldChange(f, None, v) for f, v in _values(saved).items() if v not in (None, "")]
    journal.append(conn, _e, _subject(saved), "create", created, actor=actor, at=now, reason=reason)
    return saved


def update(
    conn: Connection,
    project_id: int,
    changes: Mapping[str, Any],
    *,
    based_on: int,
    actor: str,
    reason: str | None = None,
) -> TenantProject:
    """Apply changes made on version ``based_on``; a stale version is refused."""
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise ValueError(f"not a project field: {sorted(unknown)}")
    current = get(conn, project_id)
    if current.version != based_on:
        raise _stale(current, based_on)
    diffs = [
        FieldChange(f, getattr(current, f), v)
        for f, v in changes.items()
        if getattr(current, f) != v
    ]
    if not diffs:
        return current
    now = now_utc()
    result = conn.execute(
        sa.update(_t)
        .where(_t.c.id == project_id, _t.c.version == based_on)
        .values(**dict(changes), version=based_on + 1, updated_at=now, updated_by=actor)
    )
    if result.rowcount != 1:
        raise _stale(current, based_on)
    saved = get(conn, project_id)
    journal.append(conn, _e, _subject(saved), "update", diffs, actor=actor, at=now, reason=reason)
    return saved


def _stale(current: TenantProject, based_on: int) -> StorageError:
    return StorageError(
        f"Dự án «{current.name}» đã được {current.updated_by} sửa (phiên bản "
        f"{current.version}, bạn sửa trên phiên bản {based_on}): hãy tải lại rồi sửa lại.",
        f"The project '{current.name}' was changed by {current.updated_by} (version "
        f"{current.version}, you edited version {based_on}): reload and edit again.",
    )


def get(conn: Connection, project_id: int) -> TenantProject:
    row = conn.execute(sa.select(_t).where(_t.c.id == project_id)).mappings().first()
    if row is None:
        raise NotFoundError(
            f"Không có dự án mã {project_id}.", f"There is no project {project_id}."
        )
    return _record(row)


def listed(conn: Connection, cluster_id: int | None = None) -> list[TenantProject]:
    """The projects of one cluster, or of all, by id."""
    q = sa.select(_t).order_by(_t.c.id)
    if cluster_id is not None:
        q = q.where(_t.c.cluster_id == cluster_id)
    return [_record(r) for r in conn.execute(q).mappings()]


def events(
    conn: Connection, *, cluster_id: int | None = None, project_id: int | None = None
) -> list[ProjectEvent]:
    """Project history, newest first."""
    found = journal.entries(conn, _e, cluster_id=cluster_id, project_id=project_id)
    return [ProjectEvent(**r) for r in found]
