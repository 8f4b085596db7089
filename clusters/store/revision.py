"""The registry's revision: one counter in ``registry_meta``, bumped in the same transaction
as every write (clusters, decisions, reported figures, accounts, column mappings), so that
every app instance on the database knows with one cheap read whether its cached data is
stale."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from clusters.store import schema as s

KEY = "revision"
_row = s.meta.c.key == KEY


def bump(conn: Connection) -> None:
    """Count one more write; call inside the write's transaction."""
    conn.execute(
        sa.update(s.meta)
        .where(_row)
        .values(value=sa.cast(sa.cast(s.meta.c.value, sa.Integer) + 1, sa.Text))
    )


def read(conn: Connection) -> int:
    value = conn.execute(sa.select(s.meta.c.value).where(_row)).scalar()
    return int(value) if value is not None else 0
