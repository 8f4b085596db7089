"""The registry's tables (SQLAlchemy Core). One schema for every SQL engine."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from clusters.model import CHOICE_FIELDS, PROJECT_STATUS_CODES, STORED_FIELDS, Field, Kind
from clusters.roles import ROLES

SCHEMA_VERSION = 7  # also the Alembic revision '0007' (store/migrations)
APPLICATION_ID = "hanoi-clusters-registry"

metadata = sa.MetaData()


def _in(column: str, values: tuple[str, ...], nullable: bool = False) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    text = f"{column} IN ({listed})"
    if nullable:
        text = f"{column} IS NULL OR {text}"
    return sa.CheckConstraint(text, name=f"ck_{column}")


meta = sa.Table(
    "registry_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# Search text: the name and aliases folded (no diacritics, lower case), stored beside the name.
SEARCH_COLUMN = "name_search"
# A field's value in its column, by kind; String(n) where the field gives a length.
_TYPES: dict[Kind, sa.types.TypeEngine[Any]] = {
    Kind.ID: sa.Integer(),
    Kind.REFERENCE: sa.Integer(),
    Kind.COUNT: sa.Integer(),
    Kind.TEXT: sa.Text(),
    Kind.LONG_TEXT: sa.Text(),
    Kind.HECTARES: sa.Float(),
    Kind.MONEY: sa.Float(),
    Kind.CHOICE: sa.Text(),
    Kind.LIST: sa.JSON(),
    Kind.DATE: sa.Date(),
    Kind.PARTIAL_DATE: sa.Text(),
    Kind.BOOL: sa.Boolean(),
    Kind.TIMESTAMP: sa.DateTime(timezone=True),
}
# The geometry as WKB (EPSG:4326) with its type and bounding box, so that an extent query
# uses the indexes.
GEOMETRY_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("geom_wkb", sa.LargeBinary()),
    ("geom_type", sa.String(20)),
    ("min_x", sa.Float()),
    ("min_y", sa.Float()),
    ("max_x", sa.Float()),
    ("max_y", sa.Float()),
)


def field_columns(f: Field) -> list[sa.Column[Any]]:
    """The column(s) holding a stored field."""
    if f.kind is Kind.GEOMETRY:
        return [sa.Column(name, kind, nullable=False) for name, kind in GEOMETRY_COLUMNS]
    kind: sa.types.TypeEngine[Any] = sa.String(f.max_length) if f.max_length else _TYPES[f.kind]
    if f.kind is Kind.ID:
        return [sa.Column(f.name, kind, primary_key=True, autoincrement=True)]
    extra: list[sa.ForeignKey] = []
    if f.kind is Kind.REFERENCE:
        extra.append(sa.ForeignKey("clusters.id"))
    default = {Kind.LIST: list, Kind.BOOL: False}.get(f.kind)
    column = sa.Column(f.name, kind, *extra, nullable=f.nullable, default=default)
    if f.name == "name":
        return [column, sa.Column(SEARCH_COLUMN, sa.Text, nullable=False)]
    return [column]


def choice_check(f: Field) -> sa.CheckConstraint:
    """``ck_<field>``: a choice field holds one of its codes (or nothing, when optional)."""
    return _in(f.name, f.codes, nullable=f.nullable)


clusters = sa.Table(
    "clusters",
    metadata,
    *(column for f in STORED_FIELDS for column in field_columns(f)),
    *(choice_check(f) for f in CHOICE_FIELDS),
    sa.CheckConstraint("version >= 1", name="ck_version"),
    sqlite_autoincrement=True,  # ids are never reused
)
sa.Index("ix_clusters_bbox_x", clusters.c.min_x, clusters.c.max_x)
sa.Index("ix_clusters_bbox_y", clusters.c.min_y, clusters.c.max_y)
sa.Index("ix_clusters_stage", clusters.c.stage)

events = sa.Table(
    "cluster_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cluster_id", sa.Integer, sa.ForeignKey("clusters.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("source", sa.Text),
    sa.UniqueConstraint("cluster_id", "version", name="uq_event_version"),
    sqlite_autoincrement=True,
)
sa.Index("ix_events_at", events.c.at)
sa.Index("ix_events_actor", events.c.actor)

event_changes = sa.Table(
    "cluster_event_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("cluster_events.id"), nullable=False),
    sa.Column("field", sa.String(40), nullable=False),
    sa.Column("old_value", sa.JSON),
    sa.Column("new_value", sa.JSON),
)
sa.Index("ix_event_changes_event", event_changes.c.event_id)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cluster_id", sa.Integer, sa.ForeignKey("clusters.id"), nullable=False),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("cluster_events.id")),
    sa.Column("doc_type", sa.String(20), nullable=False),
    sa.Column("number", sa.Text),
    sa.Column("date", sa.Date),
    sa.Column("issuer", sa.Text),
    sa.Column("note", sa.Text),
    sqlite_autoincrement=True,
)
sa.Index("ix_decisions_cluster", decisions.c.cluster_id)

reported_figures = sa.Table(
    "reported_figures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("category", sa.String(60), nullable=False),
    sa.Column("count", sa.Integer),
    sa.Column("area_ha", sa.Float),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.UniqueConstraint("as_of", "category", name="uq_figure"),
)

# The import's confirmed column mappings, shared by every instance: one per set of headers.
column_mappings = sa.Table(
    "column_mappings",
    metadata,
    # The file's headers, folded and sorted (``io.columns.signature``).
    sa.Column("signature", sa.Text, primary_key=True),
    # Target → header, as JSON text.
    sa.Column("mapping", sa.Text, nullable=False),
    sa.Column("saved_by", sa.Text, nullable=False),
    sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
)

# Reference layers admins upload (``store.layers``): the features as GeoJSON text in WGS84.
reference_layers = sa.Table(
    "reference_layers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("file_name", sa.Text),
    sa.Column("features", sa.Text, nullable=False),
    sa.Column("uploaded_by", sa.Text, nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)

# Tenant projects (dự án đầu tư sản xuất kinh doanh) inside a cluster (``store.projects``),
# and their append-only history: each event's field changes as JSON [[field, old, new], …].
tenant_projects = sa.Table(
    "tenant_projects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cluster_id", sa.Integer, sa.ForeignKey("clusters.id"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("investor", sa.Text),
    sa.Column("foreign_invested", sa.Boolean, nullable=False, default=False),
    sa.Column("land_leased_ha", sa.Float),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("source", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.CheckConstraint(
        "status IN (" + ", ".join(f"'{c}'" for c in PROJECT_STATUS_CODES) + ")",
        name="ck_project_status",
    ),
    sa.CheckConstraint(
        "land_leased_ha IS NULL OR land_leased_ha >= 0", name="ck_project_land_leased"
    ),
    sqlite_autoincrement=True,
)
sa.Index("ix_tenant_projects_cluster", tenant_projects.c.cluster_id)

project_events = sa.Table(
    "tenant_project_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("tenant_projects.id"), nullable=False),
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
sa.Index("ix_tenant_project_events_cluster", project_events.c.cluster_id)

# Tables whose rows are never updated or deleted once written.
APPEND_ONLY: tuple[str, ...] = (
    "cluster_events",
    "cluster_event_changes",
    "decisions",
    "tenant_project_events",
)

# --- Accounts (issue 4): sign-in accounts, their audit trail and sign-in attempts. ---
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    # Lower-cased; an OpenID Connect sign-in finds its account by this email.
    sa.Column("email", sa.String(254), unique=True),
    sa.Column("role", sa.String(10), nullable=False),
    # argon2id; NULL for an account that signs in only through OpenID Connect.
    sa.Column("password_hash", sa.Text),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    _in("role", ROLES),
    sqlite_autoincrement=True,
)

account_events = sa.Table(
    "account_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("account", sa.String(64), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("detail", sa.Text),
    sqlite_autoincrement=True,
)
sa.Index("ix_account_events_at", account_events.c.at)

# No longer written: sign-ins are counted in ``signin_failures``. Kept so that databases and
# backups made before still match the schema, until a migration drops it.
signin_attempts = sa.Table(
    "signin_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # The name as typed (folded to lower case), whether or not such an account exists.
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("success", sa.Boolean, nullable=False),
    sqlite_autoincrement=True,
)
sa.Index("ix_signin_attempts_name_at", signin_attempts.c.name, signin_attempts.c.at)

# Failed sign-ins being counted: one row per name typed and per client address (each as a
# keyed digest, whether or not such an account exists). A sign-in locks its rows while it
# decides and counts, so parallel guesses, from any instance, wait for each other's count.
signin_failures = sa.Table(
    "signin_failures",
    metadata,
    sa.Column("subject", sa.String(64), primary_key=True),
    # Tries counted since the last success: failures and those still being checked.
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_signin_failures_last_at", signin_failures.c.last_at)

# Signed-in browser sessions: created at a local sign-in, ended at sign-out, after the idle
# time, or when the account is disabled or its role changes. Neither the browser's token nor
# the one-time code that hands it over is stored, only their SHA-256 digests.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    # The role at sign-in: a session whose account's role has changed since is ended.
    sa.Column("role", sa.String(10), nullable=False),
    # The token in the browser's cookie; NULL until the browser has claimed it (and for ever
    # when the app runs without its routes: the session then belongs to one tab).
    sa.Column("token_hash", sa.String(64), unique=True),
    # The one-time code the browser claims its token with, and when that code expires.
    sa.Column("code_hash", sa.String(64), unique=True),
    sa.Column("code_expires_at", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(
        "role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="ck_session_role"
    ),
    sqlite_autoincrement=True,
)
sa.Index("ix_sessions_account", sessions.c.account_id)
sa.Index("ix_sessions_last_seen_at", sessions.c.last_seen_at)

ACCOUNT_TABLES = (accounts, account_events, signin_attempts, signin_failures, sessions)
APPEND_ONLY = (*APPEND_ONLY, "account_events")

# Period figures (``store.periods``): a cluster's Biểu 02 or a tenant project's Biểu 01 for one
# reporting period ("2025-H1", "2025"), the figures as JSON {name: number | null} (which figures
# exist is declared once, in ``clusters.reports.period_fields``), and their append-only history.
# ``subject_id`` is the cluster's id for Biểu 02 and the project's for Biểu 01: one set each.
PERIOD_FORMS = ("bieu01", "bieu02")
period_figures = sa.Table(
    "period_figures",
    metadata,
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
sa.Index("ix_period_figures_period", period_figures.c.period)
sa.Index("ix_period_figures_cluster", period_figures.c.cluster_id)

period_figure_events = sa.Table(
    "period_figure_events",
    metadata,
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
sa.Index("ix_period_figure_events_cluster", period_figure_events.c.cluster_id)
APPEND_ONLY = (*APPEND_ONLY, "period_figure_events")
