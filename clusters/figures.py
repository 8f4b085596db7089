"""Officially reported figures beside the registry's own counts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from clusters.codec import from_history
from clusters.model import ChangeEvent, Cluster, ReportedFigure
from clusters.texts import Text

NOT_STARTED = frozenset({"established", "site_clearance"})


@dataclass(frozen=True)
class Category:
    code: str
    title: Text
    counts: Callable[[Cluster], bool]

    def label(self, lang: str = "vi") -> str:
        return self.title.text(lang)


def _batch(c: Cluster) -> bool:
    return c.batch == "2018_2020"


CATEGORIES: tuple[Category, ...] = (
    Category(
        "operating",
        Text("Cụm đang hoạt động", "Operating clusters"),
        lambda c: c.stage == "operating",
    ),
    Category(
        "batch_2018_2020_total",
        Text("Cụm thành lập 2018–2020", "Established 2018–2020"),
        lambda c: _batch(c) and c.stage != "removed",
    ),
    Category(
        "batch_2018_2020_completing",
        Text("2018–2020: đang hoàn thiện hạ tầng", "2018–2020: completing infrastructure"),
        lambda c: _batch(c) and c.stage == "completing",
    ),
    Category(
        "batch_2018_2020_under_construction",
        Text("2018–2020: đã khởi công", "2018–2020: under construction"),
        lambda c: _batch(c) and c.stage == "under_construction",
    ),
    Category(
        "batch_2018_2020_not_started",
        Text("2018–2020: chưa khởi công", "2018–2020: not yet started"),
        lambda c: _batch(c) and c.stage in NOT_STARTED,
    ),
    Category(
        "plan_2030", Text("Quy hoạch đến 2030", "Planned by 2030"), lambda c: c.stage != "removed"
    ),
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


# The 2025 tasks set by the January 2025 review, followed in the registry: a 2018–2020
# cluster counts as done when it reached a done stage with an effective date in 2025.
TASKS_SINCE = date(2025, 1, 1)


@dataclass(frozen=True)
class Task:
    code: str
    title: Text
    target_category: str  # the reported figure that sets the target
    open_stages: frozenset[str]  # where the clusters still to do are
    done_stages: frozenset[str]

    def label(self, lang: str = "vi") -> str:
        return self.title.text(lang)


TASKS_2025: tuple[Task, ...] = (
    Task(
        "complete_infrastructure",
        Text(
            "Hoàn thiện hạ tầng các cụm đợt 2018–2020 đang hoàn thiện",
            "Complete the infrastructure of the 2018–2020 clusters being completed",
        ),
        "batch_2018_2020_completing",
        frozenset({"completing"}),
        frozenset({"operating"}),
    ),
    Task(
        "start_construction",
        Text(
            "Khởi công các cụm đợt 2018–2020 còn lại",
            "Start construction of the remaining 2018–2020 clusters",
        ),
        "batch_2018_2020_not_started",
        NOT_STARTED,
        frozenset({"under_construction", "completing", "operating"}),
    ),
)


@dataclass(frozen=True)
class TaskProgress:
    task: Task
    target: ReportedFigure | None
    done: int  # reached a done stage effective since TASKS_SINCE
    remaining: int  # still in an open stage

    @property
    def share(self) -> float | None:
        if self.target is None or not self.target.count:
            return None
        return min(1.0, self.done / self.target.count)


StageEntry = tuple[str, date | None]  # a stage entered and the date it took effect


def stages_entered(events: Iterable[ChangeEvent]) -> dict[int, list[StageEntry]]:
    """Each cluster's stages in the order it entered them, from its history.

    The date is the stage's effective date as it stood after that event (None when the
    record has none), replayed field by field: an event that moves the stage without
    restating the date keeps the date it had.
    """
    out: dict[int, list[StageEntry]] = {}
    effective: dict[int, date | None] = {}
    for e in sorted(events, key=lambda e: (e.cluster_id, e.version)):
        new = {c.field: c.new for c in e.changes}
        if "stage_effective_date" in new:
            effective[e.cluster_id] = from_history(
                "stage_effective_date", new["stage_effective_date"]
            )
        if "stage" in new:
            entry = (str(new["stage"]), effective.get(e.cluster_id))
            out.setdefault(e.cluster_id, []).append(entry)
    return out


def first_reached(entries: Sequence[StageEntry], wanted: frozenset[str]) -> date | None:
    """When the cluster first entered one of ``wanted`` (None: never, or no date recorded)."""
    for stage, day in entries:
        if stage in wanted:
            return day
    return None


def task_progress(
    clusters: list[Cluster],
    figures: Iterable[ReportedFigure],
    entered: Mapping[int, Sequence[StageEntry]],
    since: date = TASKS_SINCE,
) -> list[TaskProgress]:
    """Progress of each 2025 task. A cluster counts as done when it *first* reached a done
    stage on or after ``since`` (``entered``: ``stages_entered`` of the history), so a
    later move (under construction → completing) does not count it again for "started"."""
    newest = latest(figures)
    batch = [c for c in clusters if _batch(c)]
    out = []
    for task in TASKS_2025:
        done = 0
        for c in batch:
            if c.id is None or c.stage not in task.done_stages:
                continue
            day = first_reached(entered.get(c.id, ()), task.done_stages)
            if day is not None and day >= since:
                done += 1
        remaining = sum(1 for c in batch if c.stage in task.open_stages)
        out.append(TaskProgress(task, newest.get(task.target_category), done, remaining))
    return out


# Gaps in the records a planner should close, in the order the overview lists them.
COMPLETENESS_CHECKS: tuple[tuple[str, Callable[[Cluster], bool]], ...] = (
    ("unverified", lambda c: not c.stage_verified),
    ("approximate", lambda c: c.is_approximate),
    ("no_area", lambda c: c.area_ha is None),
    ("no_investor", lambda c: not c.investor),
)


def completeness(clusters: Iterable[Cluster]) -> dict[str, list[Cluster]]:
    """The clusters failing each completeness check."""
    cs = list(clusters)
    return {code: [c for c in cs if check(c)] for code, check in COMPLETENESS_CHECKS}


@dataclass(frozen=True)
class GroupTotal:
    group: str
    count: int
    area_ha: float


def totals_by(
    clusters: Iterable[Cluster], groups_of: Callable[[Cluster], Iterable[str]]
) -> list[GroupTotal]:
    """Count and decided area per group (a cluster in two groups counts in both)."""
    counts: dict[str, int] = {}
    areas: dict[str, float] = {}
    for c in clusters:
        for g in groups_of(c):
            counts[g] = counts.get(g, 0) + 1
            areas[g] = areas.get(g, 0.0) + (c.area_ha or 0.0)
    return [GroupTotal(g, counts[g], round(areas[g], 2)) for g in counts]
