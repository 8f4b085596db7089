"""The known troubles a planner should see: rules over the registry, pure functions.

DOMAIN.md lists them: slow site clearance; clusters established years ago with no
groundbreaking; wastewater plants missing, idle or built but never run; low occupancy in new
clusters; records whose stage has not been verified for a long time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from clusters.model import Cluster

STALE_YEARS = 2  # evidence older than this is due for a check
SLOW_CLEARANCE_YEARS = 2
LOW_OCCUPANCY_PCT = 50.0
NOT_STARTED = frozenset({"established", "site_clearance"})
OLD_BATCHES = frozenset({"before_2018", "2018_2020"})
NEW_BATCHES = frozenset({"2018_2020", "2021_2025", "2026_2030"})
WWTP_TROUBLE = frozenset({"none", "planned", "under_construction", "built_not_operating"})


@dataclass(frozen=True)
class Trouble:
    code: str
    label_vi: str
    label_en: str
    applies: Callable[[Cluster, date], bool]

    def label(self, lang: str = "vi") -> str:
        return self.label_en if lang == "en" else self.label_vi


def _evidence_year(c: Cluster) -> int | None:
    if c.stage_effective_date:
        return c.stage_effective_date.year
    if c.as_of:
        return int(c.as_of[:4])
    return None


def _slow_clearance(c: Cluster, today: date) -> bool:
    if c.stage != "site_clearance":
        return False
    year = _evidence_year(c)
    return year is not None and today.year - year >= SLOW_CLEARANCE_YEARS


def _no_groundbreaking(c: Cluster, today: date) -> bool:
    return c.stage in NOT_STARTED and c.batch in OLD_BATCHES


def _wastewater(c: Cluster, today: date) -> bool:
    return c.stage == "operating" and c.wwtp_status in WWTP_TROUBLE


def _low_occupancy(c: Cluster, today: date) -> bool:
    occ = c.occupancy_pct
    return (
        c.stage == "operating"
        and c.batch in NEW_BATCHES
        and occ is not None
        and occ < LOW_OCCUPANCY_PCT
    )


def _stale(c: Cluster, today: date) -> bool:
    if c.stage == "removed":
        return False
    year = _evidence_year(c)
    return not c.stage_verified or year is None or today.year - year > STALE_YEARS


TROUBLES: tuple[Trouble, ...] = (
    Trouble(
        "no_groundbreaking",
        "Thành lập từ 2020 trở về trước, chưa khởi công",
        "Established in 2020 or earlier, no groundbreaking yet",
        _no_groundbreaking,
    ),
    Trouble(
        "slow_clearance",
        f"Giải phóng mặt bằng kéo dài từ {SLOW_CLEARANCE_YEARS} năm",
        f"Site clearance for {SLOW_CLEARANCE_YEARS} years or more",
        _slow_clearance,
    ),
    Trouble(
        "wastewater",
        "Đang hoạt động nhưng trạm xử lý nước thải chưa chạy",
        "Operating without a running wastewater plant",
        _wastewater,
    ),
    Trouble(
        "low_occupancy",
        f"Cụm mới, tỷ lệ lấp đầy dưới {LOW_OCCUPANCY_PCT:g}%",
        f"New cluster under {LOW_OCCUPANCY_PCT:g}% occupied",
        _low_occupancy,
    ),
    Trouble(
        "stale_stage",
        f"Giai đoạn chưa xác minh hoặc căn cứ cũ hơn {STALE_YEARS} năm",
        f"Stage unverified or evidence older than {STALE_YEARS} years",
        _stale,
    ),
)


def troubles(clusters: Iterable[Cluster], today: date) -> dict[str, list[Cluster]]:
    """For each trouble, the clusters that have it (in registry order)."""
    cs = list(clusters)
    return {t.code: [c for c in cs if t.applies(c, today)] for t in TROUBLES}
