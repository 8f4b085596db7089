"""The facts Circular 14/2024's report forms count, as cluster fields.

Revision ID: 0005
Revises: 0004

Biểu 02–04 count clusters by facts the registry did not hold: the plan area, the approval
dates of the detailed plan and of the infrastructure project, the infrastructure investment
and the capital paid (tỷ đồng), the serviced and committed industrial land, and whether the
cluster is specialised. Every new column is empty (``specialised`` false) for the clusters
already there: nothing is guessed.

The columns are copied here on purpose: a migration records the schema as it was made.
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS: tuple[tuple[str, sa.types.TypeEngine], ...] = (
    ("plan_area_ha", sa.Float()),
    ("detailed_plan_approved_on", sa.Date()),
    ("infra_project_approved_on", sa.Date()),
    ("infra_investment_bn", sa.Float()),
    ("capital_paid_bn", sa.Float()),
    ("serviced_land_ha", sa.Float()),
    ("committed_land_ha", sa.Float()),
)


def _columns() -> set[str]:
    """The clusters table's columns (PostGIS's geometry type is unknown to SQLAlchemy)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Did not recognize type", sa.exc.SAWarning)
        return {c["name"] for c in sa.inspect(op.get_bind()).get_columns("clusters")}


def upgrade() -> None:
    have = _columns()
    if "specialised" not in have:
        op.add_column(
            "clusters",
            sa.Column("specialised", sa.Boolean(), nullable=False, server_default=sa.false()),
        )
    for name, kind in COLUMNS:
        if name not in have:
            op.add_column("clusters", sa.Column(name, kind, nullable=True))
    meta = sa.table("registry_meta", sa.column("key"), sa.column("value"))
    op.execute(meta.update().where(meta.c.key == "schema_version").values(value="5"))
