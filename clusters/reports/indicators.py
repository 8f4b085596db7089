"""The named selections the forms count, over one cluster as it stood at the cut-off.

A selection answers True, False or None (the registry does not know: a fact a row needs is
missing); the unknowns are what the workbook's "missing" sheet lists. Facts the registry may
not hold are read by name, so a row names them as data (``forms``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from clusters.model import Cluster, Decision, TenantProject
from clusters.reports.periods import Period
from clusters.reports.policy import ALL_CLUSTERS, TENANTS_ONLY, Policy
from clusters.store.periods import Figure, FigureSet
from clusters.texts import Text

ESTABLISHMENT_DOCS = ("establishment",)


@dataclass(frozen=True)
class Facts:
    """One cluster at the cut-off, with what its decisions say."""

    cluster: Cluster
    established_on: date | None  # its first establishment decision dated by the cut-off
    has_decision: bool  # an establishment decision is recorded by the cut-off
    projects: tuple[TenantProject, ...] = ()  # its tenant projects as they stood then
    bieu02: Mapping[str, Figure] | None = None  # its Biểu 02 for the period, if stored
    # Its tenant projects' Biểu 01 for the period, by project id.
    bieu01: Mapping[int, Mapping[str, Figure]] = field(default_factory=dict)


def fact(c: Cluster, name: str) -> Any:
    """A fact of a cluster by name (None when the registry has no such field or value)."""
    return getattr(c, name, None)


def facts_of(
    clusters: Iterable[Cluster],
    decisions: Iterable[Decision],
    cutoff: date,
    projects: Iterable[TenantProject] = (),
    figures: Iterable[FigureSet] = (),
) -> list[Facts]:
    """Each cluster with its establishment decisions up to the cut-off day, its tenant
    projects (as they stood at the cut-off) and the period's Biểu 01/02 figures."""
    bieu02: dict[int, Mapping[str, Figure]] = {}
    bieu01: dict[int, dict[int, Mapping[str, Figure]]] = {}
    for s in figures:
        if s.form == "bieu02":
            bieu02[s.cluster_id] = s.values
        elif s.project_id is not None:
            bieu01.setdefault(s.cluster_id, {})[s.project_id] = s.values
    tenants: dict[int, list[TenantProject]] = {}
    for p in projects:
        tenants.setdefault(p.cluster_id, []).append(p)
    dated: dict[int, list[date | None]] = {}
    for d in decisions:
        if d.doc_type not in ESTABLISHMENT_DOCS or d.cluster_id is None:
            continue
        if d.date is None or d.date <= cutoff:
            dated.setdefault(d.cluster_id, []).append(d.date)
    out = []
    for c in clusters:
        found = dated.get(c.id or 0, [])
        days = [d for d in found if d is not None]
        held = tuple(tenants.get(c.id or 0, ()))
        cid = c.id or 0
        first = min(days) if days else None
        out.append(Facts(c, first, bool(found), held, bieu02.get(cid), bieu01.get(cid, {})))
    return out


@dataclass(frozen=True)
class Context:
    period: Period
    policy: Policy


def project_counted(kind: str, p: TenantProject, policy: Policy) -> bool:
    """Whether a tenant project counts in a ``forms.Projects`` row of this kind."""
    counted = p.status in policy.counted_project_statuses
    if kind == "foreign_invested":
        return counted and p.foreign_invested
    if kind == "operating":
        return p.status == "operating"
    return counted


@dataclass(frozen=True)
class PeriodShare:
    """One cluster's part of a period figure (rows 23–25): what was reported (None when
    nothing was) and the reports it lacks."""

    value: float | None
    lacks: tuple[str, ...]


def period_share(f: Facts, figure: str, policy: Policy) -> PeriodShare:
    """The sum of ``figure`` over the cluster's counted tenant projects' Biểu 01 (and, in the
    policy's wider scope, its Biểu 02), with the reports missing: a project without a Biểu 01
    for the period ("period_bieu01"), no project recorded ("tenant_projects"), no Biểu 02
    ("period_bieu02")."""
    found: list[float] = []
    lacks: list[str] = []
    counted = [p for p in f.projects if project_counted("counted", p, policy)]
    if not f.projects:
        lacks.append("tenant_projects")
    for p in counted:
        value = f.bieu01.get(p.id or 0, {}).get(figure)
        if value is None:
            lacks.append("period_bieu01")
        else:
            found.append(float(value))
    if policy.period_figures_scope != TENANTS_ONLY:
        own = (f.bieu02 or {}).get(figure)
        if own is None:
            lacks.append("period_bieu02")
        else:
            found.append(float(own))
    value = round(sum(found), 4) if found else (0.0 if not lacks else None)
    return PeriodShare(value, tuple(dict.fromkeys(lacks)))


def owes_bieu02(f: Facts, ctx: Context) -> bool:
    """Every established or operating cluster has an infrastructure project that reports."""
    return bool(established(f, ctx) or operating(f, ctx))


PROJECT_KIND_TITLES: dict[str, Text] = {
    "counted": Text("dự án đầu tư sản xuất kinh doanh", "tenant projects"),
    "foreign_invested": Text("dự án có vốn đầu tư nước ngoài", "foreign-invested tenant projects"),
    "operating": Text("dự án đang hoạt động", "operating tenant projects"),
}


Selection = Callable[[Facts, Context], bool | None]


def _live(f: Facts) -> bool:
    return f.cluster.stage != "removed"


def in_plan(f: Facts, ctx: Context) -> bool | None:
    return _live(f)


def established(f: Facts, ctx: Context) -> bool | None:
    if not _live(f):
        return False
    return f.has_decision or f.cluster.stage in ctx.policy.established_stages


def established_in_period(f: Facts, ctx: Context) -> bool | None:
    if not established(f, ctx):
        return False
    if f.established_on is None:
        return None
    return ctx.period.contains(f.established_on)


def enterprise_investor(f: Facts, ctx: Context) -> bool | None:
    if not established(f, ctx):
        return False
    kind = f.cluster.investor_type
    return None if kind is None else kind in ctx.policy.enterprise_investor_types


def _approved(f: Facts, ctx: Context, name: str) -> bool | None:
    """Approved by the cut-off; unknown for an established cluster with no date recorded."""
    if not established(f, ctx) and not operating(f, ctx):
        return False
    day = fact(f.cluster, name)
    if day is None:
        return None
    return bool(day <= ctx.period.cutoff)


def detailed_plan(f: Facts, ctx: Context) -> bool | None:
    return _approved(f, ctx, "detailed_plan_approved_on")


def infra_project(f: Facts, ctx: Context) -> bool | None:
    return _approved(f, ctx, "infra_project_approved_on")


def _positive(value: Any) -> bool:
    return value is not None and value > 0


def operating(f: Facts, ctx: Context) -> bool | None:
    c = f.cluster
    if not _live(f):
        return False
    if f.projects:
        return any(p.status in ctx.policy.counted_project_statuses for p in f.projects)
    return (
        c.stage == ctx.policy.operating_stage
        or _positive(c.leased_land_ha)
        or _positive(fact(c, "committed_land_ha"))
    )


def operating_established(f: Facts, ctx: Context) -> bool | None:
    return bool(operating(f, ctx) and established(f, ctx))


def operating_not_established(f: Facts, ctx: Context) -> bool | None:
    return bool(operating(f, ctx) and not established(f, ctx))


def operating_craft_village(f: Facts, ctx: Context) -> bool | None:
    return bool(operating(f, ctx) and f.cluster.cluster_type == "craft_village")


def operating_specialised(f: Facts, ctx: Context) -> bool | None:
    return bool(operating(f, ctx) and fact(f.cluster, "specialised"))


def leased_scope(f: Facts, ctx: Context) -> bool | None:
    return _live(f) if ctx.policy.leased_scope == ALL_CLUSTERS else operating(f, ctx)


def _wwtp(f: Facts, ctx: Context, statuses: tuple[str, ...]) -> bool | None:
    if not established(f, ctx) and not operating(f, ctx):
        return False
    status = f.cluster.wwtp_status
    return None if status is None else status in statuses


def wwtp_invested(f: Facts, ctx: Context) -> bool | None:
    return _wwtp(f, ctx, ctx.policy.wwtp_invested)


def wwtp_compliant(f: Facts, ctx: Context) -> bool | None:
    return _wwtp(f, ctx, ctx.policy.wwtp_compliant)


SELECTIONS: dict[str, Selection] = {
    s.__name__: s
    for s in (
        in_plan,
        established,
        established_in_period,
        enterprise_investor,
        detailed_plan,
        infra_project,
        operating,
        operating_established,
        operating_not_established,
        operating_craft_village,
        operating_specialised,
        leased_scope,
        wwtp_invested,
        wwtp_compliant,
    )
}

# What each selection holds, in words (the workbook's "how computed" sheet).
SELECTION_TITLES: dict[str, Text] = {
    "in_plan": Text("cụm trong phương án phát triển", "clusters in the plan"),
    "established": Text("cụm đã thành lập", "established clusters"),
    "established_in_period": Text(
        "cụm thành lập trong kỳ báo cáo", "clusters established in the period"
    ),
    "enterprise_investor": Text(
        "cụm đã thành lập do doanh nghiệp làm chủ đầu tư",
        "established clusters with an enterprise investor",
    ),
    "detailed_plan": Text(
        "cụm đã phê duyệt quy hoạch chi tiết", "clusters with an approved detailed plan"
    ),
    "infra_project": Text(
        "cụm đã phê duyệt dự án đầu tư hạ tầng", "clusters with an approved infrastructure project"
    ),
    "operating": Text("cụm đã hoạt động", "operating clusters"),
    "operating_established": Text(
        "cụm đã hoạt động và đã thành lập", "operating, established clusters"
    ),
    "operating_not_established": Text(
        "cụm đã hoạt động nhưng chưa thành lập", "operating clusters not established"
    ),
    "operating_craft_village": Text(
        "cụm làng nghề đã hoạt động", "operating craft-village clusters"
    ),
    "operating_specialised": Text(
        "cụm chuyên ngành đã hoạt động", "operating specialised clusters"
    ),
    "leased_scope": Text(
        "cụm tính đất đã cho thuê (theo quy tắc dòng 18)",
        "clusters whose leased land counts (row 18 rule)",
    ),
    "wwtp_invested": Text(
        "cụm đã và đang đầu tư trạm xử lý nước thải tập trung",
        "clusters with a wastewater plant built or being built",
    ),
    "wwtp_compliant": Text(
        "cụm có trạm xử lý nước thải đạt tiêu chuẩn",
        "clusters whose wastewater plant meets the standard",
    ),
}

# What a selection's unknown answer lacks, for the "missing" sheet.
UNKNOWN_BECAUSE: dict[str, str] = {
    "established_in_period": "establishment_date",
    "enterprise_investor": "investor_type",
    "detailed_plan": "detailed_plan_approved_on",
    "infra_project": "infra_project_approved_on",
    "wwtp_invested": "wwtp_status",
    "wwtp_compliant": "wwtp_status",
}
