"""The periodic reports of Circular 14/2024/TT-BCT: Biểu 04 for the city, Biểu 03 for a
commune, computed from the registry as it stood at the period's cut-off.

``forms`` holds the forms as data, ``policy`` the rules for what the circular leaves open,
``indicators`` the selections the rows count, ``compute`` a form's values, ``checks`` the
flags and ``workbook`` the Excel file. ``make`` is what the command line and the app call.
"""

from __future__ import annotations

from dataclasses import dataclass

from clusters import clock
from clusters.reports.checks import Flag, flags
from clusters.reports.compute import Report, at_cutoff
from clusters.reports.periods import Period, parse_period
from clusters.reports.workbook import workbook_bytes
from clusters.store import ClusterStore

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Made:
    report: Report
    flags: list[Flag]
    content: bytes
    file_name: str


def file_name(period: Period, form: str, commune: str | None = None) -> str:
    where = f"_xa-{commune}" if commune else ""
    return f"{form}{where}_{period.code}_cut-off-{period.cutoff.isoformat()}.xlsx"


def make(store: ClusterStore, period: Period | str, form: str, commune: str | None = None) -> Made:
    """The workbook of Biểu 04 (``form="bieu04"``) or of a commune's Biểu 03."""
    chosen = parse_period(period) if isinstance(period, str) else period
    registry = at_cutoff(store, chosen)
    report = registry.bieu03(commune or "") if form == "bieu03" else registry.bieu04()
    found = flags(report)
    content = workbook_bytes(report, found, clock.today())
    return Made(report, found, content, file_name(chosen, form, commune))
