"""Officially reported figures beside the registry's own counts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from clusters.model import Cluster, ReportedFigure

NOT_STARTED = frozenset({"established", "site_clearance"})


@dataclass(frozen=True)
class Category:
    code: str
    label_vi: str
    label_en: str
    counts: Callable[[Cluster], bool]

    def label(self, lang: str = "vi") -> str:
        return self.label_en if lang == "en" else self.label_vi


def _batch(c: Cluster) -> bool:
    return c.batch == "2018_2020"


CATEGORIES: tuple[Category, ...] = (
    Category(
        "operating", "Cụm đang hoạt động", "Operating clusters", lambda c: c.stage == "operating"
    ),
    Category(
        "batch_2018_2020_total",
        "Cụm thành lập 2018–2020",
        "Established 2018–2020",
        lambda c: _batch(c) and c.stage != "removed",
    ),
    Category(
        "batch_2018_2020_completing",
        "2018–2020: đang hoàn thiện hạ tầng",
        "2018–2020: completing infrastructure",
        lambda c: _batch(c) and c.stage == "completing",
    ),
    Category(
        "batch_2018_2020_under_construction",
        "2018–2020: đã khởi công",
        "2018–2020: under construction",
        lambda c: _batch(c) and c.stage == "under_construction",
    ),
    Category(
        "batch_2018_2020_not_started",
        "2018–2020: chưa khởi công",
        "2018–2020: not yet started",
        lambda c: _batch(c) and c.stage in NOT_STARTED,
    ),
    Category("plan_2030", "Quy hoạch đến 2030", "Planned by 2030", lambda c: c.stage != "removed"),
)
CATEGORY_BY_CODE = {c.code: c for c in CATEGORIES}


@dataclass(frozen=True)
class Comparison:
    category: Category
    registry: int
    reported: ReportedFigure | None

    @property
    def gap(self) -> int | None:
        if self.reported is None or self.reported.count is None:
            return None
        return self.reported.count - self.registry


def latest(figures: Iterable[ReportedFigure]) -> dict[str, ReportedFigure]:
    """The newest reported figure of each category."""
    out: dict[str, ReportedFigure] = {}
    for f in sorted(figures, key=lambda f: f.as_of):
        out[f.category] = f
    return out


def compare(clusters: list[Cluster], figures: Iterable[ReportedFigure]) -> list[Comparison]:
    newest = latest(figures)
    return [
        Comparison(cat, sum(1 for c in clusters if cat.counts(c)), newest.get(cat.code))
        for cat in CATEGORIES
    ]
