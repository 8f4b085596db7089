"""The period figures of Biểu 01 and Biểu 02, with their append-only history.

Revision ID: 0007
Revises: 0006

Rows 23–25 of Biểu 03/04 add up what the tenants (Biểu 01, one per project) and the
infrastructure investors (Biểu 02, one per cluster) report for each period. Each report is
one row of ``period_figures`` (the form, the cluster, the project for Biểu 01, the period
code, the figures as JSON, the source); every change to it is an event of
``period_figure_events``, append-only like the clusters' history. Both tables start empty:
nothing is guessed.

The tables are copied here on purpose: a migration records the schema as it was made.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SETS = "period_figures"
EVENTS = "period_figure_events"


def upgrade() -> None:
    conn = op.get_bind()
    have = set(sa.inspect(conn).get_table_names())
    if SETS not in have:
        op.create_table(
            SETS,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("form", sa.String(10), nullable=False),
            sa.Column("subject_id", sa.Integer, nullable=False),
            sa.Column("cluster_id", sa.Integer, sa.ForeignKey("clusters.id"), nullable=False),
            sa.Column("project_id", sa.Integer, sa.ForeignKey("tenant_projects.id")),
            sa.Column("period", sa.String(7), nullable=False),
            sa.Column("figures", sa.JSON, nullable=False),
            sa.Column("source", sa.Text),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("created_by", sa.Text, nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_by", sa.Text, nullable=False),
            sa.CheckConstraint(
                "(form = 'bieu02' AND project_id IS NULL AND subject_id = cluster_id) OR "
                "(form = 'bieu01' AND project_id IS NOT NULL AND subject_id = project_id)",
                name="ck_period_figures_subject",
            ),
            sa.UniqueConstraint("form", "subject_id", "period", name="uq_period_figures"),
            sqlite_autoincrement=True,
        )
        op.create_index("ix_period_figures_period", SETS, ["period"])
        op.create_index("ix_period_figures_cluster", SETS, ["cluster_id"])
    if EVENTS not in have:
        op.create_table(
            EVENTS,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("set_id", sa.Integer, sa.ForeignKey("period_figures.id"), nullable=False),
            sa.Column("form", sa.String(10), nullable=False),
            sa.Column("cluster_id", sa.Integer, sa.ForeignKey("clusters.id"), nullable=False),
            sa.Column("project_id", sa.Integer, sa.ForeignKey("tenant_projects.id")),
            sa.Column("period", sa.String(7), nullable=False),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("actor", sa.Text, nullable=False),
            sa.Column("kind", sa.String(20), nullable=False),
            sa.Column("reason", sa.Text),
            sa.Column("source", sa.Text),
            sa.Column("changes", sa.JSON, nullable=False),
            sa.UniqueConstraint("set_id", "version", name="uq_period_figure_event_version"),
            sqlite_autoincrement=True,
        )
        op.create_index("ix_period_figure_events_cluster", EVENTS, ["cluster_id"])
    _append_only(conn)
    meta = sa.table("registry_meta", sa.column("key"), sa.column("value"))
    op.execute(meta.update().where(meta.c.key == "schema_version").values(value="7"))


def _append_only(conn: sa.Connection) -> None:
    """The figures' history is never updated or deleted, as the clusters' is not."""
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
