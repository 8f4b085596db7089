import csv

import pytest
from shapely.geometry import Point

from clusters import seed
from clusters.errors import ValidationError
from clusters.model import APPROXIMATE_PRECISIONS
from tests.conftest import SHARED_DATA, skip_or_fail


def test_seed_gives_the_101_real_clusters(seeded_store):
    assert seeded_store.count() == 101


def test_seed_is_idempotent(seeded_store):
    assert seed.seed(seeded_store) == (0, 0)
    assert seeded_store.count() == 101
    assert len(seeded_store.reported_figures()) == 6


def test_seed_matches_the_research_file_row_for_row():
    project = list(csv.DictReader(seed.SEED_FILE.open(encoding="utf-8")))
    shared = SHARED_DATA / "hanoi_clusters_seed.csv"
    if not shared.exists():
        skip_or_fail(f"the research file {shared} is not beside the project")
    research = list(csv.DictReader(shared.open(encoding="utf-8")))
    # The project adds the id and the Vietnamese translations (``<column>_vi``) only.
    added = {"id", *(k for k in project[0] if k.endswith("_vi"))}
    assert [{k: v for k, v in r.items() if k not in added} for r in project] == research
    assert [int(r["id"]) for r in project] == list(range(1, 102))


def test_seeded_records_keep_verification_precision_and_sources(seeded_store):
    rows = {int(r["id"]): r for r in csv.DictReader(seed.SEED_FILE.open(encoding="utf-8"))}
    for c in seeded_store.list_clusters():
        row = rows[c.id]
        assert c.name == row["name"]
        assert c.stage_verified == (row["stage_verified"] == "true")
        assert c.location_precision == row["location_precision"]
        assert c.sources == row["sources"].split(" | ")
        assert c.geometry.x == float(row["lon"]) and c.geometry.y == float(row["lat"])
        assert c.is_approximate == (c.location_precision in APPROXIMATE_PRECISIONS)


def test_seed_history_says_imported_from_the_seed(seeded_store):
    events = seeded_store.history(1)
    assert [(e.kind, e.actor, e.source) for e in events] == [
        ("seed", "seed", "geodata/clusters_seed.csv")
    ]


def test_seed_keeps_uncertain_decision_numbers_as_written(seeded_store):
    numbers = {d.number for d in seeded_store.decisions()}
    assert "4754/QĐ-UBND (theo thứ tự liệt kê; chưa xác minh)" in numbers
    assert "một trong các số 4584, 4587, 4592, 4593/QĐ-UBND" in numbers


def test_reported_figures_of_the_january_2025_review(seeded_store):
    figs = {f.category: f for f in seeded_store.reported_figures()}
    assert {k: figs[k].count for k in figs} == {
        "operating": 70,
        "batch_2018_2020_total": 43,
        "batch_2018_2020_completing": 7,
        "batch_2018_2020_under_construction": 27,
        "batch_2018_2020_not_started": 9,
        "plan_2030": 159,
    }
    assert figs["plan_2030"].area_ha == 3204
    assert all(f.as_of.isoformat() == "2025-01-09" and f.source for f in figs.values())


def test_ensure_seeded_only_seeds_an_empty_registry(store):
    assert seed.ensure_seeded(store) is True
    assert seed.ensure_seeded(store) is False
    assert store.count() == 101


def test_the_seed_is_held_to_the_rules_of_every_write_and_writes_all_or_nothing(store, monkeypatch):
    good, bad = list(seed.read_seed())[:2]
    outside = bad[0].replace(geometry=Point(106.63, 10.80))  # Ho Chi Minh City, not Hanoi
    monkeypatch.setattr(seed, "read_seed", lambda: iter([good, (outside, bad[1])]))
    with pytest.raises(ValidationError) as err:
        seed.seed(store)
    assert err.value.field == "geometry"
    assert store.count() == 0 and store.reported_figures() == []
