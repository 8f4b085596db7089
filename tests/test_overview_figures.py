"""The overview's figures: the 2025 tasks, data completeness, totals by group."""

from datetime import date

from clusters import figures
from clusters.filters import districts_of
from clusters.model import ReportedFigure
from tests.builders import cluster

REVIEW = date(2025, 1, 9)


def reported(category: str, count: int) -> ReportedFigure:
    return ReportedFigure(REVIEW, category, count, "review")


def test_task_progress_counts_stage_moves_effective_in_2025():
    cs = [
        cluster(stage="operating", stage_effective_date=date(2025, 3, 1)),
        cluster(stage="operating", stage_effective_date=date(2024, 12, 1)),
        cluster(stage="operating"),
        cluster(stage="completing"),
        cluster(stage="under_construction", stage_effective_date=date(2025, 6, 2)),
        cluster(stage="established"),
        cluster(stage="site_clearance"),
        cluster(stage="operating", batch="before_2018", stage_effective_date=date(2025, 3, 1)),
    ]
    rows = figures.task_progress(
        cs,
        [
            reported("batch_2018_2020_completing", 7),
            reported("batch_2018_2020_not_started", 9),
        ],
    )
    by_code = {r.task.code: r for r in rows}
    complete = by_code["complete_infrastructure"]
    assert (complete.done, complete.remaining, complete.target.count) == (1, 1, 7)
    assert complete.share == 1 / 7
    start = by_code["start_construction"]
    assert (start.done, start.remaining, start.target.count) == (2, 2, 9)


def test_task_without_a_reported_target_has_no_share():
    (first, _) = figures.task_progress([cluster()], [])
    assert first.target is None and first.share is None


def test_completeness_lists_the_clusters_missing_each_thing():
    good = cluster(stage_verified=True, location_precision="surveyed", investor="Công ty A")
    gaps = figures.completeness(
        [
            good,
            cluster(stage_verified=False, location_precision="surveyed", investor="B"),
            cluster(stage_verified=True, location_precision="district", investor="C"),
            cluster(
                stage_verified=True, location_precision="surveyed", investor=None, area_ha=None
            ),
        ]
    )
    assert [len(gaps[k]) for k in ("unverified", "approximate", "no_area", "no_investor")] == [
        1,
        1,
        1,
        1,
    ]
    assert good not in [c for found in gaps.values() for c in found]


def test_totals_count_a_cluster_in_each_of_its_districts():
    cs = [
        cluster(district_2019="Bắc Từ Liêm; Nam Từ Liêm", area_ha=10.0),
        cluster(district_2019="Nam Từ Liêm", area_ha=5.5),
        cluster(district_2019=None, area_ha=3.0),
    ]
    totals = {t.group: (t.count, t.area_ha) for t in figures.totals_by(cs, districts_of)}
    assert totals == {"Bắc Từ Liêm": (1, 10.0), "Nam Từ Liêm": (2, 15.5)}
