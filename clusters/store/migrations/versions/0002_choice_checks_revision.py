"""Every choice field checked by the database; the registry's revision counter; the sign-in
tables of release 2 (failure counts, sessions) and the append-only trigger on account events.

Revision ID: 0002
Revises: 0001

The code lists are copied here on purpose: a migration records the schema as it was made,
and must not change when the lists change later (a later list change is its own revision).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clusters.errors import StorageError

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CHOICES: dict[str, tuple[str, ...]] = {
    "wwtp_status": (
        "none",
        "planned",
        "under_construction",
        "built_not_operating",
        "operating",
        "operating_compliant",
    ),
    "investor_type": ("enterprise", "cooperative", "district_board", "state_agency", "other"),
    "confidence": ("high", "medium", "low"),
}
ROLES = ("viewer", "editor", "admin")


def _check(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{v}'" for v in values)
    return f"{column} IS NULL OR {column} IN ({listed})"


def upgrade() -> None:
    conn = op.get_bind()
    _refuse_unknown_codes(conn)
    if conn.dialect.name == "sqlite":
        _rebuild_clusters_with_checks(conn)
    else:
        for column, values in CHOICES.items():
            op.create_check_constraint(f"ck_{column}", "clusters", _check(column, values))
    _signin_tables(conn)
    _account_events_append_only(conn)
    meta = sa.table("registry_meta", sa.column("key"), sa.column("value"))
    if conn.execute(sa.select(meta.c.value).where(meta.c.key == "revision")).first() is None:
        op.bulk_insert(meta, [{"key": "revision", "value": "0"}])
    op.execute(meta.update().where(meta.c.key == "schema_version").values(value="2"))


def _refuse_unknown_codes(conn: sa.Connection) -> None:
    """A code outside the lists would fail the new CHECK: say which records, change nothing."""
    found = []
    for column, values in CHOICES.items():
        t = sa.table("clusters", sa.column("id"), sa.column(column))
        code = t.c[column]
        rows = conn.execute(
            sa.select(t.c.id, code).where(code.is_not(None), code.not_in(values))
        ).all()
        found += [f"#{r[0]} {column}={r[1]!r}" for r in rows]
    if found:
        shown = ", ".join(found[:10]) + (" …" if len(found) > 10 else "")
        raise StorageError(
            f"Không nâng cấp được: có mã không hợp lệ ({shown}). Sửa các bản ghi đó bằng "
            "phiên bản phần mềm trước rồi chạy lại «clusters migrate»; chưa có gì thay đổi.",
            f"Cannot upgrade: unknown codes ({shown}). Correct those records with the "
            "previous release, then run 'clusters migrate' again; nothing was changed.",
        )


def _rebuild_clusters_with_checks(conn: sa.Connection) -> None:
    """SQLite adds a CHECK only by rebuilding the table (its documented 12-step way): the
    same CREATE TABLE text with the new checks, rows copied, indexes and triggers (the R*Tree
    upkeep) recreated, the AUTOINCREMENT counter kept so that ids are never reused."""
    ddl = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'clusters'"
    ).scalar_one()
    extras = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'clusters' "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL"
    ).all()
    seq = conn.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'clusters'").scalar()
    checks = "".join(
        f",\n\tCONSTRAINT ck_{column} CHECK ({_check(column, values)})"
        for column, values in CHOICES.items()
    )
    body, close = ddl.rstrip().rsplit(")", 1)
    new_ddl = body.replace("CREATE TABLE clusters", "CREATE TABLE clusters__new", 1)
    conn.exec_driver_sql(new_ddl + checks + "\n)" + close)
    conn.exec_driver_sql("INSERT INTO clusters__new SELECT * FROM clusters")
    conn.exec_driver_sql("DROP TABLE clusters")
    conn.exec_driver_sql("ALTER TABLE clusters__new RENAME TO clusters")
    for (sql,) in extras:
        conn.exec_driver_sql(sql)
    if seq is not None:
        conn.exec_driver_sql("UPDATE sqlite_sequence SET seq = ? WHERE name = 'clusters'", (seq,))
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise StorageError(
            "Không nâng cấp được: liên kết khoá ngoại hỏng sau khi dựng lại bảng.",
            "Cannot upgrade: foreign keys broken after rebuilding the table.",
        )


def _signin_tables(conn: sa.Connection) -> None:
    """The account tables added in release 2 (a registry gains them on first use too)."""
    present = set(sa.inspect(conn).get_table_names())
    if "accounts" not in present:
        return  # accounts never used here: the account store creates all its tables at once
    if "signin_failures" not in present:
        op.create_table(
            "signin_failures",
            sa.Column("subject", sa.String(64), primary_key=True),
            sa.Column("failures", sa.Integer, nullable=False),
            sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        )
        op.create_index("ix_signin_failures_last_at", "signin_failures", ["last_at"])
    if "sessions" not in present:
        op.create_table(
            "sessions",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
            sa.Column("role", sa.String(10), nullable=False),
            sa.Column("token_hash", sa.String(64), unique=True),
            sa.Column("code_hash", sa.String(64), unique=True),
            sa.Column("code_expires_at", sa.DateTime(timezone=True)),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
            sa.CheckConstraint(
                "role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="ck_session_role"
            ),
            sqlite_autoincrement=True,
        )
        op.create_index("ix_sessions_account", "sessions", ["account_id"])
        op.create_index("ix_sessions_last_seen_at", "sessions", ["last_seen_at"])


def _account_events_append_only(conn: sa.Connection) -> None:
    """Release 1 left account events without their append-only trigger when a registry
    gained its account tables after creation; every registry has it from here on."""
    if "account_events" not in set(sa.inspect(conn).get_table_names()):
        return
    if conn.dialect.name == "sqlite":
        for op_name in ("UPDATE", "DELETE"):
            name = f"account_events_no_{op_name.lower()}"
            conn.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op_name} ON account_events "
                "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
            )
        return
    for name, when in (
        ("account_events_append_only", "BEFORE UPDATE OR DELETE ON account_events FOR EACH ROW"),
        ("account_events_no_truncate", "BEFORE TRUNCATE ON account_events FOR EACH STATEMENT"),
    ):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON account_events")
        conn.exec_driver_sql(
            f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION registry_append_only()"
        )
