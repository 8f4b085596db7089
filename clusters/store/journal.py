"""The append-only history of the tenant projects and of the period figures: a row per save
naming who, when, what kind of save, why and from which source, the changed fields kept as
JSON ``[field, old, new]`` triples. (The clusters' own history keeps its changes in a table
of their own, ``cluster_event_changes``.)

How an entry is written and read back is stated here once; each module says only which
record and version an entry belongs to (its subject columns) and which event class it reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from clusters.model import FieldChange


def aware(value: datetime) -> datetime:
    """A stored time with its zone (SQLite gives it back without one; it was stored in UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def append(
    conn: Connection,
    table: sa.Table,
    subject: Mapping[str, Any],
    kind: str,
    changes: Sequence[FieldChange],
    *,
    actor: str,
    at: datetime,
    reason: str | None,
) -> None:
    """Add one entry: ``subject`` names the record, its version and the source."""
    conn.execute(
        sa.insert(table).values(
            **subject,
            at=at,
            actor=actor,
            kind=kind,
            reason=reason,
            changes=[[ch.field, ch.old, ch.new] for ch in changes],
        )
    )


def entries(conn: Connection, table: sa.Table, **equal: object) -> list[dict[str, Any]]:
    """The entries whose columns equal the values given (None: any), newest first, each a
    column → value mapping with its time zoned and its changes as ``FieldChange``."""
    q = sa.select(table).order_by(table.c.at.desc(), table.c.id.desc())
    for name, value in equal.items():
        if value is not None:
            q = q.where(table.c[name] == value)
    return [
        {
            **r,
            "at": aware(r["at"]),
            "changes": [FieldChange(f, old, new) for f, old, new in r["changes"]],
        }
        for r in conn.execute(q).mappings()
    ]
