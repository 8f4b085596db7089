"""Tenant projects inside the clusters, with their append-only history.

Revision ID: 0006
Revises: 0005

Biểu 01 and rows 20–22 of Biểu 04 count the tenants' production and business projects
(dự án đầu tư sản xuất kinh doanh) in each cluster, and a cluster "đã hoạt động" once it has
one. Each project is one row of ``tenant_projects`` (name, investor, foreign-invested, land
leased, status, source); every change to it is an event of ``tenant_project_events``, which
is append-only like the clusters' history. Both tables start empty: nothing is guessed.

The tables are copied here on purpose: a migration records the schema as it was made.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

EVENTS = "tenant_project_events"


def upgrade() -> None:
    conn = op.get_bind()
    have = set(sa.inspect(conn).get_table_names())
    if "tenant_projects" not in have:
        op.create_table(
            "tenant_projects",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("cluster_id", sa.Integer, sa.ForeignKey("clusters.id"), nullable=False),
            sa.Column("name", sa.Text, nullable=False),
            sa.Column("investor", sa.Text),
            sa.Column("foreign_invested", sa.Boolean, nullable=False),
            sa.Column("land_leased_ha", sa.Float),
            sa.Column("status", sa.String(20), nullable=False),
            sa.Column("source", sa.Text),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("created_by", sa.Text, nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_by", sa.Text, nullable=False),
            sa.CheckConstraint(
                "status IN ('registered', 'operating', 'stopped')", name="ck_project_status"
            ),
            sa.CheckConstraint(
                "land_leased_ha IS NULL OR land_leased_ha >= 0", name="ck_project_land_leased"
            ),
            sqlite_autoincrement=True,
        )
        op.create_index("ix_tenant_projects_cluster", "tenant_projects", ["cluster_id"])
    if EVENTS not in have:
        op.create_table(
            EVENTS,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column(
                "project_id", sa.Integer, sa.ForeignKey("tenant_projects.id"), nullable=False
            ),
            sa.Column("cluster_id", sa.Integer, sa.ForeignKey("clusters.id"), nullable=False),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("actor", sa.Text, nullable=False),
            sa.Column("kind", sa.String(20), nullable=False),
            sa.Column("reason", sa.Text),
            sa.Column("source", sa.Text),
            sa.Column("changes", sa.JSON, nullable=False),
            sa.UniqueConstraint("project_id", "version", name="uq_project_event_version"),
            sqlite_autoincrement=True,
        )
        op.create_index("ix_tenant_project_events_cluster", EVENTS, ["cluster_id"])
    _append_only(conn)
    meta = sa.table("registry_meta", sa.column("key"), sa.column("value"))
    op.execute(meta.update().where(meta.c.key == "schema_version").values(value="6"))


def _append_only(conn: sa.Connection) -> None:
    """The project history's rows are never updated or deleted, as the clusters' are not."""
    if conn.dialect.name == "sqlite":
        for op_name in ("UPDATE", "DELETE"):
            name = f"{EVENTS}_no_{op_name.lower()}"
            conn.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op_name} ON {EVENTS} "
                "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
            )
        return
    for name, when in (
        (f"{EVENTS}_append_only", f"BEFORE UPDATE OR DELETE ON {EVENTS} FOR EACH ROW"),
        (f"{EVENTS}_no_truncate", f"BEFORE TRUNCATE ON {EVENTS} FOR EACH STATEMENT"),
    ):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {EVENTS}")
        conn.exec_driver_sql(
            f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION registry_append_only()"
        )
