"""The report facts (Circular 14/2024) as cluster fields: migration 0005 adds them empty to
an existing registry; they are written, kept in history and rebuilt at a cut-off like every
other field; the seed holds none of them."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

from clusters import clock, registry, seed, snapshot
from clusters.model import FIELD_BY_NAME, Kind
from clusters.roles import Actor
from clusters.store import migrate
from tests.builders import cluster

RELEASE_1 = Path(__file__).parent / "fixtures" / "registry-release-1.sqlite"
FACTS = (
    "specialised",
    "plan_area_ha",
    "detailed_plan_approved_on",
    "infra_project_approved_on",
    "infra_investment_bn",
    "capital_paid_bn",
    "serviced_land_ha",
    "committed_land_ha",
)
PLANNER = Actor("planner", "editor")


def test_migration_0005_adds_the_report_facts_empty(tmp_path):
    path = tmp_path / "release-1.sqlite"
    shutil.copyfile(RELEASE_1, path)
    migrate(f"sqlite:///{path}")
    con = sqlite3.connect(path)
    try:
        columns = {r[1] for r in con.execute("PRAGMA table_info(clusters)")}
        assert set(FACTS) <= columns
        values = con.execute(f"SELECT DISTINCT {', '.join(FACTS)} FROM clusters").fetchall()
    finally:
        con.close()
    assert values == [(0, None, None, None, None, None, None, None)]


def test_the_money_facts_are_in_billion_dong():
    for name in ("infra_investment_bn", "capital_paid_bn"):
        assert FIELD_BY_NAME[name].kind is Kind.MONEY
        assert FIELD_BY_NAME[name].unit == "tỷ đồng"


def test_the_seed_states_no_report_fact(seeded_copy):
    for c in seeded_copy.list_clusters():
        assert [getattr(c, f) for f in FACTS] == [False, *([None] * 7)], c.id
    assert all(f not in seed.SEED_FILE.read_text(encoding="utf-8") for f in FACTS)


def test_a_report_fact_is_written_with_history_and_rebuilt_at_a_cut_off(store):
    with clock.frozen(datetime(2025, 6, 1, tzinfo=UTC)):
        saved = store.create(cluster(stage="planned"), actor="planner")
    with clock.frozen(datetime(2025, 6, 20, tzinfo=UTC)):
        registry.update_cluster(
            store,
            saved.id,
            {"detailed_plan_approved_on": date(2025, 6, 18), "infra_investment_bn": 250.5},
            PLANNER,
            based_on=saved.version,
        )
    now = store.get(saved.id)
    assert (now.detailed_plan_approved_on, now.infra_investment_bn) == (date(2025, 6, 18), 250.5)
    changed = {ch.field for ch in store.history(saved.id)[0].changes}
    assert changed == {"detailed_plan_approved_on", "infra_investment_bn"}
    (before,) = snapshot.registry_at(store, snapshot.cutoff_moment(date(2025, 6, 14)))
    assert before.detailed_plan_approved_on is None and before.infra_investment_bn is None
