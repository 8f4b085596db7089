"""Period figures: Biểu 02 per cluster and Biểu 01 per tenant project, stored per reporting
period through the registry (role, rules, one transaction, append-only history naming the
source, the revision), and rows 23–25 of Biểu 03/04 computed from them.

Every cluster, project and figure here is test data (tests/fixtures/report_fixture.py and
tests/fixtures/period_fixture.py), never in the seed."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime

import openpyxl
import pytest
import sqlalchemy as sa

from clusters import clock, registry
from clusters.errors import (
    AccessDenied,
    ClusterError,
    NotFoundError,
    StorageError,
    ValidationError,
)
from clusters.model import TenantProject
from clusters.reports import make
from clusters.reports.compute import at_cutoff
from clusters.reports.period_fields import BIEU01_FIELDS, BIEU02_FIELDS, FIELDS, label
from clusters.reports.periods import Period
from clusters.reports.policy import POLICY, TENANTS_AND_INVESTOR
from clusters.reports.workbook import SHEET_MISSING, note
from clusters.roles import Actor
from clusters.store.periods import FigureSet
from tests.fixtures.period_fixture import PERIOD, TENANTS_BY_HAND, add_period_fixture
from tests.fixtures.report_fixture import add_fixture

H1_2025 = Period(2025, half_year=True)
EDITOR = Actor("test-planner", "editor")
VIEWER = Actor("test-viewer", "viewer")
# A Biểu 02 of 9001 (test data): rows 9–12 of the period, the rest as the registry holds them.
OWN = {"revenue_bn": 4.0, "budget_bn": 0.6, "workers": 25, "income_mn": 12.0}


def bieu02(cluster_id: int = 9001, **values) -> FigureSet:
    return FigureSet("bieu02", cluster_id, PERIOD, {**OWN, **values}, source="test form")


def save02(store, figures: FigureSet | None = None, actor: Actor = EDITOR, **kw) -> FigureSet:
    return registry.save_period_figures(
        store, figures or bieu02(), actor, fields=BIEU02_FIELDS, **kw
    )


@pytest.fixture
def figures_store(store):
    add_fixture(store)
    return store


@pytest.fixture
def with_tenants(figures_store):
    add_period_fixture(figures_store)
    return figures_store


# -- the declared figures -------------------------------------------------------------------


def test_the_forms_declare_their_rows_once():
    assert [f.row for f in BIEU01_FIELDS] == ["1", "2", "3", "4"]
    assert [f.row for f in BIEU02_FIELDS] == [str(n) for n in range(1, 15)]
    assert [f.name for f in BIEU02_FIELDS if f.period] == list(OWN)
    for fields in FIELDS.values():
        assert len({f.name for f in fields}) == len(fields)
        assert all(f.kind in registry.FIGURE_KINDS for f in fields)
    assert label("bieu02", "workers").vi.startswith("Dòng 11: Tổng số lao động")


# -- storing them -------------------------------------------------------------------------------


def test_an_editor_stores_a_bieu02_with_history_naming_the_source_and_the_revision(
    figures_store,
):
    before = figures_store.revision()
    saved = save02(figures_store, based_on=0, reason="nhập thử")
    assert (saved.version, saved.created_by, saved.source) == (1, "test-planner", "test form")
    assert saved.values["workers"] == 25 and isinstance(saved.values["workers"], int)
    assert saved.values["infra_investment_bn"] is None  # every declared figure, empty kept
    assert figures_store.revision() == before + 1
    again = save02(figures_store, bieu02(workers=30), based_on=1)
    assert again.version == 2
    newest, first = figures_store.period_figure_history(cluster_id=9001)
    assert (newest.kind, newest.version, newest.source) == ("update", 2, "test form")
    assert [(c.field, c.old, c.new) for c in newest.changes] == [("workers", 25, 30)]
    assert (first.kind, first.reason, first.actor) == ("create", "nhập thử", "test-planner")
    assert {c.field for c in first.changes} == set(OWN)
    # The same figures again: nothing changes, no event.
    assert save02(figures_store, bieu02(workers=30)).version == 2
    assert len(figures_store.period_figure_history(cluster_id=9001)) == 2


def test_a_bieu01_belongs_to_a_project_and_takes_its_cluster(with_tenants):
    [p1, p2] = with_tenants.projects(9001)
    stored = with_tenants.period_figures(period=PERIOD, form="bieu01", cluster_id=9001)
    assert [s.project_id for s in stored] == [p1.id, p2.id]
    assert stored[0].values == {
        "revenue_bn": 12.5,
        "budget_bn": 1.2,
        "workers": 150,
        "income_mn": 9.5,
    }
    with pytest.raises(ClusterError, match="tenant project"):
        registry.save_period_figures(
            with_tenants,
            FigureSet("bieu01", 9001, PERIOD, {}),
            EDITOR,
            fields=BIEU01_FIELDS,
        )
    with pytest.raises(NotFoundError):
        registry.save_period_figures(
            with_tenants,
            FigureSet("bieu01", 0, PERIOD, {}, project_id=12345),
            EDITOR,
            fields=BIEU01_FIELDS,
        )


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"revenue_bn": None}, "revenue_bn", "Chưa điền «Dòng 9: Doanh thu"),
        ({"revenue_bn": -1.0}, "revenue_bn", "không được âm"),
        ({"workers": 2.5}, "workers", "phải là số nguyên"),
        ({"wwtp_invested": 2}, "wwtp_invested", "ghi 1 (có) hoặc 0 (không)"),
        ({"occupancy_pct": 120.0}, "occupancy_pct", "không quá 100"),
        ({"budget_bn": "nhiều"}, "budget_bn", "«nhiều» không phải là số"),
        ({"bogus": 1.0}, "bogus", "Biểu không có chỉ tiêu «bogus»"),
    ],
)
def test_bad_figures_are_refused_by_name_and_nothing_is_written(
    figures_store, values, field, words
):
    before = figures_store.revision()
    with pytest.raises(ValidationError) as refused:
        save02(figures_store, bieu02(**values))
    assert [p.field for p in refused.value.problems] == [field]
    assert words in refused.value.vi and refused.value.en
    assert figures_store.period_figures() == []
    assert figures_store.revision() == before


def test_a_viewer_cannot_store_figures(figures_store):
    with pytest.raises(AccessDenied):
        save02(figures_store, actor=VIEWER)
    assert figures_store.period_figures() == []


def test_a_bad_period_and_an_unknown_cluster_are_refused(figures_store):
    with pytest.raises(ClusterError, match="2025-H1"):
        save02(figures_store, dataclasses.replace(bieu02(), period="2025-Q3"))
    with pytest.raises(NotFoundError):
        save02(figures_store, bieu02(cluster_id=424242))


def test_figures_entered_on_a_stale_version_are_refused(figures_store):
    save02(figures_store, based_on=0)
    with pytest.raises(StorageError, match="version 1, you entered them on version 0"):
        save02(figures_store, bieu02(workers=99), based_on=0)  # someone saved it meanwhile
    [kept] = figures_store.period_figures()
    assert kept.values["workers"] == 25


def test_the_figures_history_is_append_only(figures_store):
    save02(figures_store)
    engine = figures_store.engine  # type: ignore[attr-defined]
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError):
        conn.execute(sa.text("DELETE FROM period_figure_events"))
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError):
        conn.execute(sa.text("UPDATE period_figure_events SET actor = 'x'"))


# -- rows 23–25 ------------------------------------------------------------------------------


def test_rows_23_to_25_add_the_tenants_bieu01_as_the_projects_stood_at_the_cut_off(
    with_tenants,
):
    report = at_cutoff(with_tenants, H1_2025).bieu04()
    for number, value in TENANTS_BY_HAND.items():
        assert report.value(number) == pytest.approx(value), number
    # 9001 and 9003 reported; 9005 operates with no project recorded: missing, not 0.
    assert sorted(report.values["23"].clusters) == [9001, 9003]
    assert report.values["23"].unknown == [9005]
    assert report.annex[9001]["23"] == 12.5 and report.annex[9003]["25"] == 320
    assert report.annex[9005]["23"] == "?"
    assert "Chưa đủ" in note(report, report.form.row("23")).vi
    # P4 (registered on 1 July 2025) is not counted at 14 June, though its 2025-H1 Biểu 01
    # is stored; the annual report takes the annual figures, none of which is stored yet.
    assert 9004 not in report.values["23"].clusters + report.values["23"].unknown
    year = at_cutoff(with_tenants, Period(2025, half_year=False)).bieu04()
    assert year.value("23") is None and 9004 in year.values["23"].unknown


def test_a_project_without_its_bieu01_is_listed_and_the_rest_still_counts(figures_store):
    with clock.frozen(datetime(2025, 6, 5, tzinfo=UTC)):
        registry.add_project(figures_store, TenantProject(9001, "TEST Dự án thử Q"), EDITOR)
    add_period_fixture(figures_store)
    report = at_cutoff(figures_store, H1_2025).bieu04()
    assert report.value("23") == pytest.approx(TENANTS_BY_HAND["23"])
    missing = {(m.cluster.id, m.fact): m.rows for m in report.missing}
    assert missing[(9001, "period_bieu01")] == ["23", "24", "25"]
    assert 9001 in report.values["23"].unknown


def test_the_wider_policy_adds_the_investors_own_bieu02(with_tenants):
    save02(with_tenants)
    wider = dataclasses.replace(POLICY, period_figures_scope=TENANTS_AND_INVESTOR)
    report = at_cutoff(with_tenants, H1_2025).bieu04(wider)
    assert report.value("23") == pytest.approx(TENANTS_BY_HAND["23"] + 4.0)
    assert report.value("24") == pytest.approx(TENANTS_BY_HAND["24"] + 0.6)
    assert report.value("25") == TENANTS_BY_HAND["25"] + 25
    missing = {(m.cluster.id, m.fact) for m in report.missing}
    assert (9003, "period_bieu02") in missing and (9001, "period_bieu02") not in missing
    rule = dict(wider.statements())["23–25"]
    assert "Biểu 02 dòng 9–11" in rule.vi and "Biểu 02 rows 9–11" in rule.en


def test_without_any_figures_rows_23_to_25_are_empty_and_say_why(figures_store):
    report = at_cutoff(figures_store, H1_2025).bieu04()
    assert [report.value(n) for n in ("23", "24", "25")] == [None, None, None]
    assert note(report, report.form.row("23")).vi.startswith("Chưa tính được")


def test_the_missing_sheet_lists_every_cluster_that_owes_a_bieu02(with_tenants):
    save02(with_tenants)
    report = at_cutoff(with_tenants, H1_2025).bieu04()
    owing = sorted(m.cluster.id for m in report.missing if m.fact == "period_bieu02")
    assert owing == [9002, 9003, 9004, 9005]  # established or operating; 9006 is removed
    made = make(with_tenants, H1_2025, "bieu04")
    ws = openpyxl.load_workbook(io.BytesIO(made.content))[SHEET_MISSING]
    listed = [(r[0].value, r[4].value) for r in ws.iter_rows() if r[4].value]
    assert (9003, "Biểu 02 của kỳ (chủ đầu tư hạ tầng chưa báo cáo)") in listed
    assert not any(cid == 9001 and "Biểu 02" in str(what) for cid, what in listed)


def test_bieu03_rows_23_to_25_add_up_to_bieu04(with_tenants):
    registry_at = at_cutoff(with_tenants, H1_2025)
    province = registry_at.bieu04()
    parts = [registry_at.bieu03(c) for c in registry_at.communes()]
    parts.append(registry_at.outside_communes())
    for number in ("23", "24", "25"):
        assert sum(r.value(number) or 0 for r in parts) == pytest.approx(province.value(number))
    assert province.value("15") == province.value("15.1") + province.value("15.2")
