"""The checks a planner expects before a report leaves the Department.

Per cluster: leased land above industrial land (or committed below leased, serviced above
industrial); tenant-like facts (leased or committed land) at a stage before
``under_construction``. Per form: each subtotal row equals the sum of its parts (15 = 15.1 +
15.2, 16 = 16.1 + 16.2). Across communes: the province's additive rows are the sum of every
commune's Biểu 03 (and the clusters in no commune), and a percentage is never summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clusters import stages
from clusters.errors import ClusterError
from clusters.model import Cluster, TenantProject
from clusters.reports.compute import Report
from clusters.reports.indicators import fact
from clusters.texts import Text

# Before groundbreaking a cluster has no tenant yet (REPORTING.md §5.3, rule 1).
FIRST_TENANT_STAGE = "under_construction"
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Flag:
    cluster: Cluster | None  # None: a flag on the form, not on one cluster
    rows: str
    text: Text


def _more(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and a > b + TOLERANCE


def cluster_flags(c: Cluster, projects: Sequence[TenantProject] = ()) -> list[Flag]:
    out: list[Flag] = []
    land = c.industrial_land_ha
    leased, committed = c.leased_land_ha, fact(c, "committed_land_ha")
    serviced = fact(c, "serviced_land_ha")
    if _more(leased, land):
        out.append(
            Flag(
                c,
                "18, 19",
                Text(
                    f"Đất đã cho thuê ({leased} ha) lớn hơn đất công nghiệp ({land} ha).",
                    f"Leased land ({leased} ha) exceeds industrial land ({land} ha).",
                ),
            )
        )
    if _more(committed, land):
        out.append(
            Flag(
                c,
                "19",
                Text(
                    f"Đất đã đăng ký đầu tư ({committed} ha) lớn hơn đất công nghiệp ({land} ha).",
                    f"Committed land ({committed} ha) exceeds industrial land ({land} ha).",
                ),
            )
        )
    if _more(leased, committed):
        out.append(
            Flag(
                c,
                "19",
                Text(
                    f"Đất đã đăng ký đầu tư ({committed} ha) nhỏ hơn đất đã cho thuê "
                    f"({leased} ha).",
                    f"Committed land ({committed} ha) is below leased land ({leased} ha).",
                ),
            )
        )
    if _more(serviced, land):
        out.append(
            Flag(
                c,
                "—",
                Text(
                    f"Đất đủ điều kiện cho thuê ({serviced} ha) lớn hơn đất công nghiệp "
                    f"({land} ha).",
                    f"Serviced land ({serviced} ha) exceeds industrial land ({land} ha).",
                ),
            )
        )
    tenant_like = bool(projects) or any(v is not None and v > 0 for v in (leased, committed))
    if (
        tenant_like
        and c.stage != "removed"
        and stages.order(c.stage) < stages.order(FIRST_TENANT_STAGE)
    ):
        stage = stages.stage(c.stage)
        out.append(
            Flag(
                c,
                "15–19",
                Text(
                    f"Có dự án đầu tư hoặc đất đã cho thuê/đăng ký đầu tư nhưng giai đoạn mới là "
                    f"«{stage.label_vi}» (trước khi khởi công hạ tầng): kiểm tra giai đoạn hoặc "
                    "số liệu.",
                    "Has tenant projects or leased or committed land but its stage is only "
                    f"'{stage.label_en}' (before groundbreaking): check the stage or the figures.",
                ),
            )
        )
    return out


def subtotal_flags(report: Report) -> list[Flag]:
    """A subtotal row that is not the sum of its parts."""
    out: list[Flag] = []
    for row in report.form.rows():
        if not row.parts:
            continue
        whole = report.value(row.number) or 0
        parts = sum(report.value(p) or 0 for p in row.parts)
        if abs(whole - parts) > TOLERANCE:
            joined = " + ".join(row.parts)
            out.append(
                Flag(
                    None,
                    row.number,
                    Text(
                        f"Dòng {row.number} ({whole}) khác {joined} ({parts}).",
                        f"Row {row.number} ({whole}) differs from {joined} ({parts}).",
                    ),
                )
            )
    return out


def flags(report: Report) -> list[Flag]:
    """Every flag of a report: its clusters', then its own."""
    live = [f for f in report.facts if f.cluster.stage != "removed"]
    found = [flag for f in live for flag in cluster_flags(f.cluster, f.projects)]
    return found + subtotal_flags(report)


def summed(reports: Sequence[Report], number: str) -> float:
    """One row added up over several communes' reports; refused for a row that does not add
    up (a percentage), which must be recomputed from the clusters instead."""
    row = reports[0].form.row(number) if reports else None
    if row is not None and not row.additive:
        raise ClusterError(
            f"Chỉ tiêu {number} ({row.unit}) không cộng được giữa các xã: tính lại từ số liệu "
            "từng cụm.",
            f"Row {number} ({row.unit}) does not add up across communes: recompute it from the "
            "clusters.",
        )
    return round(sum(r.value(number) or 0 for r in reports), 4)


def rollup_flags(province: Report, communes: Sequence[Report], rest: Report | None) -> list[Flag]:
    """Where the province's additive rows differ from the communes' sum (with ``rest``: the
    clusters in no commune)."""
    parts = [*communes, *([rest] if rest is not None else [])]
    out: list[Flag] = []
    for row in province.form.rows():
        if not row.additive:
            continue
        total, mine = summed(parts, row.number), province.value(row.number) or 0
        if abs(total - mine) > TOLERANCE:
            out.append(
                Flag(
                    None,
                    row.number,
                    Text(
                        f"Dòng {row.number}: toàn thành phố {mine}, cộng các xã {total}.",
                        f"Row {row.number}: city {mine}, communes added up {total}.",
                    ),
                )
            )
    return out
