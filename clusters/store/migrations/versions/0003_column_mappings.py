"""The import's column mappings, kept in the registry so that every instance shares them.

Revision ID: 0003
Revises: 0002

A planner's confirmed mapping (which column of a file holds which field) is remembered per
set of headers, its signature. Earlier releases kept them in a JSON file beside each
instance; the file is not the database's, so this revision does not read it: the registry
takes it in once, on first use or when ``clusters migrate`` runs where the file lives
(``registry.take_in_legacy_mappings``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if "column_mappings" not in set(sa.inspect(conn).get_table_names()):
        op.create_table(
            "column_mappings",
            # The file's headers, folded and sorted ("dien tich | ten cum | …").
            sa.Column("signature", sa.Text, primary_key=True),
            # Target → header, as JSON text.
            sa.Column("mapping", sa.Text, nullable=False),
            sa.Column("saved_by", sa.Text, nullable=False),
            sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        )
    meta = sa.table("registry_meta", sa.column("key"), sa.column("value"))
    op.execute(meta.update().where(meta.c.key == "schema_version").values(value="3"))
