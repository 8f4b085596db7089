"""The overview's figures: the 2025 tasks, data completeness, totals by group."""

from datetime import UTC, date, datetime

from clusters import figures
from clusters.filters import districts_of
from clusters.model import ChangeEvent, FieldChange, ReportedFigure
from tests.builders import cluster

REVIEW = date(2025, 1, 9)


def reported(category: str, count: int) -> ReportedFigure:
    return ReportedFigure(REVIEW, category, count, "review")


def moved(cluster_id: int, version: int, stage: str, effective: date | None) -> ChangeEvent:
    changes = [FieldChange("stage", None, stage)]
    if effective is not None:
        changes.append(FieldChange("stage_effective_date", None, effective.isoformat()))
    return ChangeEvent(
        cluster_id, version, "planner", datetime(2025, 7, 1, tzinfo=UTC), "stage", changes
    )


TARGETS = [reported("batch_2018_2020_completing", 7), reported("batch_2018_2020_not_started", 9)]


def progress(clusters, events):
    rows = figures.task_progress(clusters, TARGETS, figures.stages_entered(events))
    return {r.task.code: (r.done, r.remaining) for r in rows}


def test_task_progress_counts_clusters_that_first_reached_the_stage_in_2025():
    cs = [
        cluster(id=1, stage="operating"),  # completed in March 2025
        cluster(id=2, stage="operating"),  # completed in December 2024
        cluster(id=3, stage="operating"),  # no date recorded
        cluster(id=4, stage="completing"),
        cluster(id=5, stage="under_construction"),  # started in June 2025
        cluster(id=6, stage="established"),
        cluster(id=7, stage="site_clearance"),
        cluster(id=8, stage="operating", batch="before_2018"),  # not of the batch
    ]
    events = [
        moved(1, 1, "completing", date(2023, 5, 1)),
        moved(1, 2, "operating", date(2025, 3, 1)),
        moved(2, 1, "operating", date(2024, 12, 1)),
        moved(3, 1, "operating", None),
        moved(4, 1, "completing", date(2022, 1, 1)),
        moved(5, 1, "under_construction", date(2025, 6, 2)),
        moved(6, 1, "established", date(2020, 1, 1)),
        moved(7, 1, "site_clearance", date(2025, 2, 1)),
        moved(8, 1, "operating", date(2025, 3, 1)),
    ]
    assert progress(cs, events) == {
        "complete_infrastructure": (1, 1),
        "start_construction": (1, 2),
    }


def test_moving_a_started_cluster_on_does_not_count_it_as_started_again():
    """The reported bug: under construction since 2024 → completing in 2025 made "khởi công"
    1/9 while still 9 remained."""
    before = [cluster(id=1, stage="under_construction")]
    after = [cluster(id=1, stage="completing")]
    started = [moved(1, 1, "under_construction", date(2024, 4, 1))]
    finished = [*started, moved(1, 2, "completing", date(2025, 8, 1))]
    assert progress(before, started)["start_construction"] == (0, 0)
    assert progress(after, finished)["start_construction"] == (0, 0)


def test_a_move_that_keeps_the_date_uses_the_date_it_had():
    events = [
        ChangeEvent(
            1,
            1,
            "seed",
            datetime(2025, 1, 10, tzinfo=UTC),
            "seed",
            [
                FieldChange("stage", None, "site_clearance"),
                FieldChange("stage_effective_date", None, "2025-02-01"),
            ],
        ),
        ChangeEvent(
            1,
            2,
            "p",
            datetime(2025, 3, 1, tzinfo=UTC),
            "stage",
            [FieldChange("stage", "site_clearance", "under_construction")],
        ),
    ]
    assert figures.stages_entered(events) == {
        1: [("site_clearance", date(2025, 2, 1)), ("under_construction", date(2025, 2, 1))]
    }


def test_task_without_a_reported_target_has_no_share():
    (first, _) = figures.task_progress([cluster()], [], {})
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
