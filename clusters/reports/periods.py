"""Reporting periods of Circular 14/2024/TT-BCT, Article 3(2).

The half-year report covers 15 December of the year before to 14 June; the annual report
15 December of the year before to 14 December — the whole year, not its second half. A
period is written ``2025-H1`` (half-year) or ``2025`` / ``2025-Y`` (annual).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from clusters.errors import ClusterError
from clusters.snapshot import CUTOFF_DAYS

_PERIOD = re.compile(r"^(\d{4})(?:-(H1|Y|N))?$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    year: int
    half_year: bool  # True: the 6-month report (to 14 June); False: the annual report

    @property
    def code(self) -> str:
        return f"{self.year}-H1" if self.half_year else str(self.year)

    @property
    def cutoff(self) -> date:
        """The last day of the period's data (14 June or 14 December)."""
        month, day = CUTOFF_DAYS[0] if self.half_year else CUTOFF_DAYS[1]
        return date(self.year, month, day)

    @property
    def start(self) -> date:
        """The first day of the period's flows: 15 December of the year before."""
        month, day = CUTOFF_DAYS[1]
        return date(self.year - 1, month, day + 1)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.cutoff

    @property
    def deadline_note(self) -> str:
        return "Báo cáo 6 tháng" if self.half_year else "Báo cáo năm"

    def title(self, lang: str = "vi") -> str:
        if lang == "en":
            kind = "half-year" if self.half_year else "annual"
            return f"{self.year} {kind} ({self.start:%d/%m/%Y}–{self.cutoff:%d/%m/%Y})"
        kind = "6 tháng đầu năm" if self.half_year else "năm"
        return f"{kind} {self.year} (từ {self.start:%d/%m/%Y} đến {self.cutoff:%d/%m/%Y})"


def parse_period(text: str) -> Period:
    """``2025-H1`` → the 2025 half-year report; ``2025`` or ``2025-Y`` → the annual one."""
    found = _PERIOD.match(text.strip())
    if found is None or not 2000 <= int(found.group(1)) <= 2100:
        raise ClusterError(
            f"Kỳ báo cáo «{text}» không hợp lệ: viết 2025-H1 (6 tháng) hoặc 2025 (năm).",
            f"'{text}' is not a reporting period: write 2025-H1 (half-year) or 2025 (annual).",
        )
    year, kind = int(found.group(1)), (found.group(2) or "Y").upper()
    return Period(year, half_year=kind == "H1")


def latest_periods(today: date, count: int = 4) -> list[Period]:
    """The periods whose cut-off has passed, newest first."""
    out: list[Period] = []
    year = today.year
    while len(out) < count:
        for p in (Period(year, False), Period(year, True)):
            if p.cutoff <= today and len(out) < count:
                out.append(p)
        year -= 1
    return out


def entry_periods(today: date, count: int = 4) -> list[Period]:
    """The periods figures may be entered for, newest first: the one under way (whose
    cut-off is still to come: reporters fill it in as it ends) and those already past."""
    ahead = [Period(today.year, True), Period(today.year, False), Period(today.year + 1, True)]
    current = next(p for p in ahead if p.cutoff >= today)
    return [current, *latest_periods(today, count - 1)]
