from datetime import date

import pytest

from clusters.attention import TROUBLES, troubles
from tests.builders import cluster

TODAY = date(2026, 11, 24)
FRESH = {"stage_verified": True, "as_of": "2026"}


def flagged(**overrides):
    found = troubles([cluster(**{**FRESH, **overrides})], TODAY)
    return {code for code, cs in found.items() if cs}


def test_a_current_verified_record_raises_nothing():
    assert flagged(stage="under_construction") == set()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"stage": "established", "batch": "2018_2020"}, "no_groundbreaking"),
        ({"stage": "site_clearance", "batch": "before_2018"}, "no_groundbreaking"),
        (
            {
                "stage": "site_clearance",
                "batch": "2021_2025",
                "stage_effective_date": date(2023, 3, 1),
            },
            "slow_clearance",
        ),
        ({"stage": "operating", "wwtp_status": "built_not_operating"}, "wastewater"),
        ({"stage": "operating", "wwtp_status": "none"}, "wastewater"),
        (
            {
                "stage": "operating",
                "batch": "2021_2025",
                "industrial_land_ha": 40.0,
                "leased_land_ha": 10.0,
            },
            "low_occupancy",
        ),
        ({"stage_verified": False}, "stale_stage"),
        ({"as_of": "2022"}, "stale_stage"),
        ({"as_of": None}, "stale_stage"),
    ],
)
def test_each_trouble(overrides, code):
    assert code in flagged(**overrides)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"stage": "established", "batch": "2021_2025"}, "no_groundbreaking"),
        (
            {
                "stage": "site_clearance",
                "batch": "2021_2025",
                "stage_effective_date": date(2026, 1, 5),
            },
            "slow_clearance",
        ),
        ({"stage": "operating", "wwtp_status": "operating_compliant"}, "wastewater"),
        ({"stage": "operating", "wwtp_status": None}, "wastewater"),  # unknown is a data gap
        (
            {
                "stage": "operating",
                "batch": "before_2018",
                "industrial_land_ha": 40.0,
                "leased_land_ha": 10.0,
            },
            "low_occupancy",
        ),
        (
            {
                "stage": "operating",
                "batch": "2021_2025",
                "industrial_land_ha": 40.0,
                "leased_land_ha": 30.0,
            },
            "low_occupancy",
        ),
        ({"stage": "removed", "stage_verified": False}, "stale_stage"),
    ],
)
def test_what_is_not_a_trouble(overrides, code):
    assert code not in flagged(**overrides)


def test_every_trouble_has_both_labels():
    for t in TROUBLES:
        assert t.label_vi and t.label_en and t.label("en") == t.label_en


def test_the_seed_shows_the_known_troubles(seeded_store):
    found = troubles(seeded_store.list_clusters(), TODAY)
    not_started = [
        c
        for c in seeded_store.list_clusters()
        if c.batch == "2018_2020" and c.stage in {"established", "site_clearance"}
    ]
    assert {c.id for c in not_started} <= {c.id for c in found["no_groundbreaking"]}
    assert len(found["stale_stage"]) >= 53  # every unverified seed record at least
