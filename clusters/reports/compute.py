"""A form computed from the registry as it stood at a period's cut-off.

``report`` takes the snapshot at the cut-off (14 June / 14 December, end of the day in Hanoi)
and evaluates every row of a form over the clusters it covers: all of Hanoi for Biểu 04,
one 2025 commune for Biểu 03. Nothing is typed: each value keeps the clusters behind it,
and what the registry does not know is collected, per cluster, for the planner to chase.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clusters import snapshot
from clusters.errors import ClusterError
from clusters.model import FIELD_BY_NAME, PROJECT_FIELDS, Cluster, ProjectEvent, TenantProject
from clusters.reports.forms import (
    BIEU03,
    BIEU04,
    Count,
    Form,
    NotHeld,
    Occupancy,
    PeriodTotal,
    Projects,
    Row,
    Total,
)
from clusters.reports.indicators import (
    SELECTIONS,
    UNKNOWN_BECAUSE,
    Context,
    Facts,
    fact,
    facts_of,
    operating,
    owes_bieu02,
    period_share,
    project_counted,
)
from clusters.reports.periods import Period
from clusters.reports.policy import AREA_WEIGHTED, POLICY, Policy
from clusters.store import ClusterStore
from clusters.texts import Text

UNKNOWN = "?"  # an annex cell whose value the registry does not know

# Facts that are not fields of a cluster, named for the "missing" sheet.
_FACT_TITLES = {
    "establishment_date": Text("Ngày quyết định thành lập", "Establishment decision date"),
    "commune_2025_code": Text("Mã xã/phường 2025", "2025 commune code"),
    "tenant_projects": Text(
        "Dự án đầu tư sản xuất kinh doanh trong cụm (Biểu 01)", "Tenant projects (Biểu 01)"
    ),
    "period_bieu01": Text(
        "Biểu 01 của kỳ (một hay nhiều dự án trong cụm chưa báo cáo)",
        "The period's Biểu 01 (one or more of the cluster's projects has not reported)",
    ),
    "period_bieu02": Text(
        "Biểu 02 của kỳ (chủ đầu tư hạ tầng chưa báo cáo)",
        "The period's Biểu 02 (the infrastructure investor has not reported)",
    ),
}
NOT_HELD = {
    "tenant_projects": Text(
        "Cần danh sách dự án đầu tư thứ cấp (Biểu 01); sổ đăng ký chưa có — chưa tính, không "
        "phải 0.",
        "Needs the tenant investment projects (Biểu 01), which the registry does not hold yet — "
        "not computed, not 0.",
    ),
    "period_figures": Text(
        "Cần số liệu trong kỳ của Biểu 01/Biểu 02 do nhà đầu tư gửi; sổ đăng ký chưa có — chưa "
        "tính, không phải 0.",
        "Needs the period figures of the investors' Biểu 01/Biểu 02, which the registry does not "
        "hold yet — not computed, not 0.",
    ),
}


def fact_title(name: str) -> Text:
    spec = FIELD_BY_NAME.get(name)
    if spec is not None:
        return spec.title
    return _FACT_TITLES.get(name, Text(name, name))


@dataclass
class RowValue:
    row: Row
    value: float | None  # None: not known (never a stand-in 0)
    clusters: list[int] = field(default_factory=list)  # the clusters counted in it
    unknown: list[int] = field(default_factory=list)  # clusters it could not place or read

    @property
    def complete(self) -> bool:
        return not self.unknown and not isinstance(self.row.computation, NotHeld)


@dataclass
class Missing:
    """A fact one cluster lacks, and the rows that need it."""

    cluster: Cluster
    fact: str
    rows: list[str]


@dataclass
class Report:
    form: Form
    period: Period
    moment: datetime
    policy: Policy
    facts: list[Facts]
    values: dict[str, RowValue]
    annex: dict[int, dict[str, Any]]  # cluster id → row number → its share of that row
    missing: list[Missing]
    commune: tuple[str, str] | None = None  # (code, name) for Biểu 03

    def value(self, number: str) -> float | None:
        return self.values[number].value


def _ctx(period: Period, policy: Policy) -> Context:
    return Context(period, policy)


def _first(c: Cluster, names: Sequence[str]) -> Any:
    return next((v for v in (fact(c, n) for n in names) if v is not None), None)


def _rate(c: Cluster) -> tuple[float, float] | None:
    """(committed or leased land, industrial land), when both are known and the land > 0."""
    land = c.industrial_land_ha
    used = _first(c, ("committed_land_ha", "leased_land_ha"))
    if used is None or not land:
        return None
    return float(used), float(land)


def _known(value: float, out: RowValue) -> float | None:
    """A count or sum of nothing known is not 0: None when every candidate is unknown."""
    return None if not value and out.unknown else value


class _Row:
    """One row's evaluation: its value, its clusters, and per cluster its share or what is
    missing."""

    def __init__(self, row: Row, facts: list[Facts], ctx: Context) -> None:
        self.row, self.facts, self.ctx = row, facts, ctx
        self.shares: dict[int, Any] = {}
        self.lacks: list[tuple[Cluster, str]] = []

    def _member(self, f: Facts, name: str) -> bool | None:
        return SELECTIONS[name](f, self.ctx)

    def evaluate(self) -> RowValue:
        comp = self.row.computation
        out = RowValue(self.row, None)
        if isinstance(comp, NotHeld):
            return out
        if isinstance(comp, Count):
            for f in self.facts:
                self._place(out, f, self._member(f, comp.selection), comp.selection, 1)
            out.value = _known(len(out.clusters), out)
            return out
        if isinstance(comp, Total):
            return self._total(out, comp)
        if isinstance(comp, Occupancy):
            return self._occupancy(out, comp)
        if isinstance(comp, Projects):
            return self._projects(out, comp)
        if isinstance(comp, PeriodTotal):
            return self._period_total(out, comp)
        raise TypeError(comp)

    def _period_total(self, out: RowValue, comp: PeriodTotal) -> RowValue:
        """What the operating clusters' reports say, cluster by cluster; a cluster lacking a
        report is unknown (listed), its reported part still added up."""
        total, known = 0.0, False
        for f in self.facts:
            if not operating(f, self.ctx):
                continue
            share = period_share(f, comp.figure, self.ctx.policy)
            cid = f.cluster.id or 0
            if share.lacks:
                for name in share.lacks:
                    self._lack(out, f, name)
                if share.value is not None:
                    self.shares[cid] = share.value
            else:
                out.clusters.append(cid)
                self.shares[cid] = share.value
            if share.value is not None:
                total, known = total + share.value, True
        out.value = round(total, 4) if known else _known(0.0, out)
        return out

    def _projects(self, out: RowValue, comp: Projects) -> RowValue:
        """The projects counted, cluster by cluster; an operating cluster with none recorded
        is unknown."""
        total = 0
        for f in self.facts:
            if f.projects:
                n = sum(project_counted(comp.kind, p, self.ctx.policy) for p in f.projects)
                self._place(out, f, n > 0, "", n)
                total += n
            elif operating(f, self.ctx):
                self._lack(out, f, "tenant_projects")
        out.value = _known(float(total), out)
        return out

    def _lack(self, out: RowValue, f: Facts, name: str) -> None:
        """The cluster may belong to the row, but the registry lacks ``name`` to tell."""
        cid = f.cluster.id or 0
        if cid not in out.unknown:
            out.unknown.append(cid)
        self.shares[cid] = UNKNOWN
        self.lacks.append((f.cluster, name))

    def _place(self, out: RowValue, f: Facts, member: bool | None, sel: str, share: Any) -> None:
        if member is None:
            self._lack(out, f, UNKNOWN_BECAUSE.get(sel, sel))
        elif member:
            out.clusters.append(f.cluster.id or 0)
            self.shares[f.cluster.id or 0] = share

    def _total(self, out: RowValue, comp: Total) -> RowValue:
        known: list[float] = []
        for f in self.facts:
            member = self._member(f, comp.selection)
            value = _first(f.cluster, comp.facts) if member else None
            if not member or value is not None:
                self._place(out, f, member, comp.selection, value)
                if value is not None:
                    known.append(float(value))
            elif comp.expected is None or self._member(f, comp.expected) is not False:
                # It should have the fact (or may: its place in ``expected`` is unknown too).
                self._lack(out, f, comp.facts[0])
        out.value = round(sum(known), 4) if known else _known(0.0, out)
        return out

    def _occupancy(self, out: RowValue, comp: Occupancy) -> RowValue:
        rates: list[tuple[float, float]] = []
        for f in self.facts:
            member = self._member(f, comp.selection)
            rate = _rate(f.cluster) if member else None
            if not member or rate is not None:
                share = None if rate is None else round(100.0 * rate[0] / rate[1], 2)
                self._place(out, f, member, comp.selection, share)
                if rate is not None:
                    rates.append(rate)
            else:
                land = f.cluster.industrial_land_ha
                self._lack(out, f, "leased_land_ha" if land else "industrial_land_ha")
        if not rates:
            return out
        if self.ctx.policy.occupancy_method == AREA_WEIGHTED:
            value = 100.0 * sum(u for u, _ in rates) / sum(land for _, land in rates)
        else:
            value = sum(100.0 * u / land for u, land in rates) / len(rates)
        out.value = round(value, 2)
        return out


def compute(
    form: Form,
    period: Period,
    moment: datetime,
    facts: list[Facts],
    policy: Policy = POLICY,
    commune: tuple[str, str] | None = None,
) -> Report:
    """Every row of ``form`` over ``facts`` (the clusters it covers, at the cut-off)."""
    ctx = _ctx(period, policy)
    values: dict[str, RowValue] = {}
    annex: dict[int, dict[str, Any]] = {f.cluster.id or 0: {} for f in facts}
    lacking: dict[tuple[int, str], Missing] = {}
    for row in form.rows():
        ev = _Row(row, facts, ctx)
        values[row.number] = ev.evaluate()
        for cid, share in ev.shares.items():
            annex[cid][row.number] = share
        for c, name in ev.lacks:
            m = lacking.setdefault((c.id or 0, name), Missing(c, name, []))
            if row.number not in m.rows:
                m.rows.append(row.number)
    for f in facts:
        if f.cluster.stage != "removed" and not f.cluster.commune_2025_code:
            key = (f.cluster.id or 0, "commune_2025_code")
            lacking.setdefault(key, Missing(f.cluster, "commune_2025_code", ["Biểu 03"]))
        if f.bieu02 is None and owes_bieu02(f, ctx):
            key = (f.cluster.id or 0, "period_bieu02")
            lacking.setdefault(key, Missing(f.cluster, "period_bieu02", ["Biểu 02"]))
    missing = sorted(lacking.values(), key=lambda m: (m.cluster.id or 0, m.fact))
    return Report(form, period, moment, policy, facts, values, annex, missing, commune)


@dataclass(frozen=True)
class Registry:
    """The registry at a period's cut-off, ready for any form."""

    period: Period
    moment: datetime
    facts: list[Facts]

    def communes(self) -> dict[str, str]:
        """Every 2025 commune with a cluster: code → name."""
        out: dict[str, str] = {}
        for f in self.facts:
            code = f.cluster.commune_2025_code
            if code:
                out.setdefault(code, f.cluster.commune_2025_name or code)
        return dict(sorted(out.items()))

    def bieu04(self, policy: Policy = POLICY) -> Report:
        return compute(BIEU04, self.period, self.moment, self.facts, policy)

    def bieu03(self, code: str, policy: Policy = POLICY) -> Report:
        communes = self.communes()
        code = code.strip()
        if code not in communes:
            raise ClusterError(
                f"Không có cụm nào thuộc xã/phường mã «{code}» tại ngày "
                f"{self.period.cutoff:%d/%m/%Y}; mã có cụm: {', '.join(communes) or 'không có'}.",
                f"No cluster lies in the commune coded '{code}' at {self.period.cutoff.isoformat()}"
                f"; communes with clusters: {', '.join(communes) or 'none'}.",
            )
        chosen = [f for f in self.facts if f.cluster.commune_2025_code == code]
        return compute(BIEU03, self.period, self.moment, chosen, policy, (code, communes[code]))

    def outside_communes(self, policy: Policy = POLICY) -> Report:
        """The clusters with no 2025 commune code, which no commune's Biểu 03 holds."""
        chosen = [f for f in self.facts if not f.cluster.commune_2025_code]
        return compute(BIEU03, self.period, self.moment, chosen, policy)


def projects_at(events: Sequence[ProjectEvent], moment: datetime) -> list[TenantProject]:
    """The tenant projects as they stood at ``moment``, replayed from their history (a
    project created later is left out), by id."""
    state: dict[int, dict[str, Any]] = {}
    clusters: dict[int, int] = {}
    for e in sorted(events, key=lambda e: (e.project_id, e.version)):
        if e.at > moment:
            continue
        values = state.setdefault(e.project_id, {})
        clusters[e.project_id] = e.cluster_id
        for ch in e.changes:
            if ch.field in PROJECT_FIELDS:
                values[ch.field] = ch.new
    return [
        TenantProject(clusters[i], id=i, **{"name": "", **values})
        for i, values in sorted(state.items())
    ]


def at_cutoff(store: ClusterStore, period: Period) -> Registry:
    """The registry as it stood at the end of the period's cut-off day (Hanoi time); refused
    for a cut-off still to come or before the registry's first event."""
    moment = snapshot.as_of_moment(store, period.cutoff)
    past = snapshot.snapshot(store, moment)
    tenants = projects_at(store.project_history(), moment)
    figures = store.period_figures(period=period.code)
    facts = facts_of(past.clusters, past.decisions, period.cutoff, tenants, figures)
    return Registry(period, moment, facts)
