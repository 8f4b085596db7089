"""Reference layers kept in the registry, so that every instance shares them.

Revision ID: 0004
Revises: 0003

Admins upload reference layers (commune and district boundaries, the city outline) in the
app; each is one row: its name, its source and licence, who uploaded it and when, and its
features as GeoJSON text in WGS84. Deployments may still name layer files in
``CLUSTERS_REFERENCE_LAYERS``; those stay files and are not taken into the table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if "reference_layers" not in set(sa.inspect(conn).get_table_names()):
        op.create_table(
            "reference_layers",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("name", sa.Text, nullable=False, unique=True),
            sa.Column("source", sa.Text, nullable=False),
            sa.Column("file_name", sa.Text),
            sa.Column("features", sa.Text, nullable=False),
            sa.Column("uploaded_by", sa.Text, nullable=False),
            sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
            sqlite_autoincrement=True,
        )
    meta = sa.table("registry_meta", sa.column("key"), sa.column("value"))
    op.execute(meta.update().where(meta.c.key == "schema_version").values(value="4"))
