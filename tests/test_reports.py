"""Circular 14/2024 reports: Biểu 04 and Biểu 03 computed from the registry at a cut-off.

The made-up clusters of tests/fixtures/report_fixture.py (test data) give every row a value
worked out by hand below; on the seed plus that fixture the command line's workbook is
checked row by row against values computed here from the seed file.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from shapely.geometry import Point

from clusters import clock, registry, seed
from clusters.errors import ClusterError
from clusters.model import Cluster, TenantProject
from clusters.reports import checks, make
from clusters.reports.compute import at_cutoff
from clusters.reports.forms import BIEU03, BIEU04, Count, NotHeld, Occupancy, Total
from clusters.reports.indicators import SELECTIONS
from clusters.reports.periods import Period, parse_period
from clusters.reports.workbook import SHEET_ANNEX, SHEET_METHOD, SHEET_MISSING
from clusters.roles import Actor
from clusters.store import open_store
from tests.fixtures.report_fixture import FIXTURE, add_fixture

ROOT_APP = str(Path(__file__).resolve().parents[1] / "app.py")
H1_2025 = Period(2025, half_year=True)
SEEDED_AT = datetime(2025, 6, 1, tzinfo=UTC)

# Biểu 04 for 2025-H1 on the fixture alone, worked out by hand from the fixture's docstrings:
# 9001 operating, established 2019, enterprise; 9002 under construction, established
# 20/01/2025, cooperative, craft village; 9003 operating without a decision, craft village;
# 9004 established 20/12/2024, enterprise; 9005 planned with 2 ha leased (so "đã hoạt động"
# by the policy, not established), no commune; 9006 removed.
BY_HAND: dict[str, float | None] = {
    "1": 5,  # 9001–9005
    "2": 125.0,  # plan area 55 + 20 + 12 + 30 + 8 (decided area where no plan area)
    "3": 3,  # 9001, 9002, 9004
    "4": 100.0,  # 50 + 20 + 30
    "5": 2,  # 9002 (20/01/2025), 9004 (20/12/2024)
    "6": 50.0,
    "7": 2,  # 9001, 9004
    "8": 80.0,
    "9": 2,  # 9001 (2019), 9002 (01/03/2025)
    "10": 70.0,
    "11": 1,  # 9001; 9002's project is approved on 01/07/2025, after the cut-off
    "12": 50.0,
    "13": 300.0,
    "14": 260.0,  # 250 + 10
    "15": 3,  # 9001, 9003, 9005
    "15.1": 1,
    "15.2": 2,
    "15.3": 1,  # 9003
    "15.4": 1,  # 9001
    "16": 70.0,  # 50 + 12 + 8
    "16.1": 50.0,
    "16.2": 20.0,
    "16.3": 12.0,
    "16.4": 50.0,
    "17": 53.0,  # 40 + 10 + 3
    "18": 41.0,  # 30 (38 only from 01/07/2025) + 0 + 9 + 2
    "19": 81.13,  # (32 + 9 + 2) / (40 + 10 + 3)
    "20": None,
    "21": None,
    "22": None,
    "23": None,
    "24": None,
    "25": None,
    "26": 2,  # 9001 compliant, 9002 being built
    "27": 1,
}


@pytest.fixture
def fixture_store(store):
    add_fixture(store)
    return store


@pytest.fixture(scope="module")
def seeded_with_fixture(tmp_path_factory) -> Path:
    """The seed written on 1 June 2025, then the fixture: a file to copy."""
    path = tmp_path_factory.mktemp("report") / "registry.sqlite"
    s = open_store(f"sqlite:///{path}")
    with clock.frozen(SEEDED_AT):
        seed.seed(s)
    add_fixture(s)
    s.close()
    return path


@pytest.fixture
def seeded_db(seeded_with_fixture, tmp_path, monkeypatch) -> str:
    path = tmp_path / "registry.sqlite"
    shutil.copyfile(seeded_with_fixture, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", url)
    return url


# -- periods and the form tables -----------------------------------------------------------


def test_a_period_runs_from_15_december_to_its_cut_off():
    assert parse_period("2025-H1") == H1_2025
    assert (H1_2025.start, H1_2025.cutoff) == (date(2024, 12, 15), date(2025, 6, 14))
    annual = parse_period("2025")
    assert (annual.start, annual.cutoff) == (date(2024, 12, 15), date(2025, 12, 14))
    assert parse_period("2025-y") == annual
    for bad in ("2025-H2", "25-H1", "H1", ""):
        with pytest.raises(ClusterError, match="2025-H1"):
            parse_period(bad)


def test_the_forms_name_only_known_selections_and_only_counts_and_sums_add_up():
    for form in (BIEU04, BIEU03):
        numbers = [r.number for r in form.rows()]
        assert len(numbers) == len(set(numbers)) == 35
        assert [s.number for s in form.sections] == ["I", "II", "III"]
        for row in form.rows():
            comp = row.computation
            if isinstance(comp, Count | Total | Occupancy):
                assert comp.selection in SELECTIONS, row.number
            if isinstance(comp, Total) and comp.expected:
                assert comp.expected in SELECTIONS
            assert row.additive == (not isinstance(comp, Occupancy)), row.number
    assert BIEU04.row("15").parts == ("15.1", "15.2")
    assert BIEU04.row("16").parts == ("16.1", "16.2")
    # Biểu 03 words three rows its own way, and is otherwise Biểu 04.
    differ = [a.number for a, b in zip(BIEU04.rows(), BIEU03.rows(), strict=True) if a != b]
    assert differ == ["11", "15.2", "22"]


# -- the values -------------------------------------------------------------------------------


def test_every_row_of_bieu04_on_the_fixture_equals_the_value_worked_out_by_hand(fixture_store):
    report = at_cutoff(fixture_store, H1_2025).bieu04()
    got = {n: v.value for n, v in report.values.items()}
    assert got == pytest.approx(BY_HAND)
    assert report.values["20"].complete is False  # not held: never a 0


def test_the_annual_report_sees_what_changed_after_the_half_year_cut_off(fixture_store):
    report = at_cutoff(fixture_store, Period(2025, half_year=False)).bieu04()
    assert report.value("18") == 49.0  # 9001's leased land is 38 ha from 01/07/2025
    assert report.value("11") == 2  # 9002's infrastructure project, approved 01/07/2025


def test_what_the_registry_does_not_know_is_listed_not_counted(fixture_store):
    report = at_cutoff(fixture_store, H1_2025).bieu04()
    missing = {(m.cluster.id, m.fact): m.rows for m in report.missing}
    assert missing[(9004, "detailed_plan_approved_on")] == ["9", "10"]
    assert missing[(9004, "capital_paid_bn")] == ["14"]
    assert missing[(9005, "wwtp_status")] == ["26", "27"]
    assert missing[(9005, "commune_2025_code")] == ["Biểu 03"]
    assert report.values["9"].unknown == [9003, 9004, 9005]


def _seed_expected() -> dict[str, float | None]:
    """Biểu 04 for 2025-H1 on the seed plus the fixture, computed here plainly from the seed
    file and the fixture as they stood at the cut-off (the policy's stated rules)."""
    rows = [(c, d) for c, d in seed.read_seed()] + list(FIXTURE)
    cutoff = H1_2025.cutoff
    building = {"established", "site_clearance", "under_construction", "completing"}

    def live(c: Cluster) -> bool:
        return c.stage != "removed"

    def est(c: Cluster, d) -> bool:
        decided = d is not None and d.doc_type == "establishment"
        return live(c) and (decided or c.stage in building)

    def op(c: Cluster) -> bool:
        leased = (c.leased_land_ha or 0) > 0 or (c.committed_land_ha or 0) > 0
        return live(c) and (c.stage == "operating" or leased)

    def area(cs) -> float:
        return sum(c.area_ha for c in cs if c.area_ha is not None)

    def dated(c: Cluster, d, name: str) -> bool:
        day = getattr(c, name)
        return (est(c, d) or op(c)) and day is not None and day <= cutoff

    e = [c for c, d in rows if est(c, d)]
    in_period = [
        c for c, d in rows if est(c, d) and d and d.date and H1_2025.start <= d.date <= cutoff
    ]
    ent = [c for c in e if c.investor_type == "enterprise"]
    qhct = [c for c, d in rows if dated(c, d, "detailed_plan_approved_on")]
    infra = [c for c, d in rows if dated(c, d, "infra_project_approved_on")]
    o = [c for c, _ in rows if op(c)]
    o_est = [c for c, d in rows if op(c) and est(c, d)]
    o_not = [c for c, d in rows if op(c) and not est(c, d)]
    rated = [c for c in o if c.industrial_land_ha and c.leased_land_ha is not None]
    used = sum(c.committed_land_ha or c.leased_land_ha for c in rated)
    plants = [c for c, d in rows if est(c, d) or op(c)]
    return {
        "1": sum(1 for c, _ in rows if live(c)),
        "2": sum(
            c.plan_area_ha or c.area_ha
            for c, _ in rows
            if live(c) and (c.plan_area_ha or c.area_ha)
        ),
        "3": len(e),
        "4": area(e),
        "5": len(in_period),
        "6": area(in_period),
        "7": len(ent),
        "8": area(ent),
        "9": len(qhct),
        "10": area(qhct),
        "11": len(infra),
        "12": area(infra),
        "13": sum(c.infra_investment_bn or 0 for c in infra),
        "14": sum(c.capital_paid_bn or 0 for c in e),
        "15": len(o),
        "15.1": len(o_est),
        "15.2": len(o_not),
        "15.3": sum(1 for c in o if c.cluster_type == "craft_village"),
        "15.4": sum(1 for c in o if c.specialised),
        "16": area(o),
        "16.1": area(o_est),
        "16.2": area(o_not),
        "16.3": area([c for c in o if c.cluster_type == "craft_village"]),
        "16.4": area([c for c in o if c.specialised]),
        "17": sum(c.industrial_land_ha or 0 for c in o),
        "18": sum(c.leased_land_ha or 0 for c, _ in rows if live(c)),
        "19": round(100 * used / sum(c.industrial_land_ha for c in rated), 2),
        **{n: None for n in ("20", "21", "22", "23", "24", "25")},
        "26": sum(
            1
            for c in plants
            if c.wwtp_status
            in ("under_construction", "built_not_operating", "operating", "operating_compliant")
        ),
        "27": sum(1 for c in plants if c.wwtp_status == "operating_compliant"),
    }


def form_values(path: Path) -> tuple[dict[str, object], openpyxl.Workbook]:
    """Column (4) of the form sheet by row number (column (1))."""
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    numbers = {r.number for r in BIEU04.rows()}
    values = {
        str(row[0].value): row[3].value
        for row in ws.iter_rows()
        if row[0].value is not None and str(row[0].value) in numbers
    }
    return values, book


def test_the_command_writes_bieu04_whose_every_row_equals_the_hand_computed_value(
    seeded_db, run_cli, tmp_path
):
    out = tmp_path / "bieu04.xlsx"
    code, stdout, err = run_cli("report", "bieu04", "--period", "2025-H1", "-o", str(out))
    assert code == 0, err
    assert str(out) in stdout
    values, book = form_values(out)
    expected = _seed_expected()
    assert set(values) == set(expected)
    for number, value in expected.items():
        assert values[number] == pytest.approx(value), number
    assert expected["1"] == 101 + 5 and expected["5"] == 3 + 2  # the seed's 3 of March 2025
    assert book.sheetnames[1:] == [SHEET_ANNEX, SHEET_MISSING, SHEET_METHOD]


def test_the_form_sheet_has_the_official_layout_and_the_rules(seeded_db, run_cli, tmp_path):
    out = tmp_path / "b.xlsx"
    assert run_cli("report", "bieu04", "--period", "2025-H1", "-o", str(out))[0] == 0
    book = openpyxl.load_workbook(out)
    cells = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value]
    for text in (
        "Biểu số 04",
        "TỔNG HỢP TÌNH HÌNH CỤM CÔNG NGHIỆP TRÊN ĐỊA BÀN CẤP TỈNH",
        "Đơn vị gửi báo cáo: Sở Công Thương thành phố Hà Nội",
        "Kỳ báo cáo: 6 tháng đầu năm 2025 (từ 15/12/2024 đến 14/06/2025)",
        "(1)",
        "(5)",
        "Phương án phát triển cụm công nghiệp",
        "Hoạt động của các cụm công nghiệp",
        "GIÁM ĐỐC SỞ CÔNG THƯƠNG",
    ):
        assert text in cells, text
    assert any(c.startswith("Đơn vị nhận báo cáo: Ủy ban nhân dân thành phố Hà Nội") for c in cells)
    assert any(c.startswith("Hà Nội, ngày ") for c in cells)
    assert any(c.startswith("Chưa tính được") for c in cells)  # rows 20–25 say why
    method = [str(c.value) for row in book[SHEET_METHOD].iter_rows() for c in row if c.value]
    assert any("Không bao giờ cộng tỷ lệ giữa các xã" in c for c in method)  # row 19's rule
    missing = [str(c.value) for row in book[SHEET_MISSING].iter_rows() for c in row if c.value]
    assert "Ngày phê duyệt quy hoạch chi tiết" in missing
    assert any("Biểu 01" in c for c in missing)


def test_the_annex_has_one_row_per_cluster_grouped_by_commune(seeded_db, run_cli, tmp_path):
    out = tmp_path / "b.xlsx"
    assert run_cli("report", "bieu04", "--period", "2025-H1", "-o", str(out))[0] == 0
    ws = openpyxl.load_workbook(out)[SHEET_ANNEX]
    head = [c.value for c in ws[1]]
    ids = [r[3].value for r in ws.iter_rows(min_row=2) if isinstance(r[3].value, int)]
    assert len(ids) == len(set(ids)) == 106  # 101 seed + 5 live test clusters (9006 removed)
    row = next(r for r in ws.iter_rows(min_row=2) if r[3].value == 9001)
    share = dict(zip(head, (c.value for c in row), strict=True))
    assert share["Dòng 15.1 (Cụm)"] == 1 and share["Dòng 18 (ha)"] == 30.0
    communes = [r[0].value for r in ws.iter_rows(min_row=2) if isinstance(r[3].value, int)]
    assert communes == sorted(communes, key=lambda c: c or "~")  # grouped by commune


def test_text_cells_are_neutralised_against_formulas(fixture_store, tmp_path):
    with clock.frozen(datetime(2025, 6, 2, tzinfo=UTC)), fixture_store.transaction() as tx:
        from clusters import registry
        from tests.fixtures.report_fixture import PLANNER

        registry.create_cluster(
            tx,
            Cluster(
                name='=HYPERLINK("http://x","TEST")',
                geometry=Point(105.9, 21.0),
                location_precision="commune",
                commune_2025_code="99901",
                notes="test data",
            ),
            PLANNER,
            accept_warnings=True,
        )
    made = make(fixture_store, H1_2025, "bieu04")
    path = tmp_path / "b.xlsx"
    path.write_bytes(made.content)
    ws = openpyxl.load_workbook(path)[SHEET_ANNEX]
    names = [r[4] for r in ws.iter_rows(min_row=2) if r[4].value]
    cell = next(c for c in names if "HYPERLINK" in str(c.value))
    assert cell.data_type == "s" and str(cell.value).startswith("'=")


def test_bieu03_for_a_commune_and_a_clear_line_for_a_commune_without_clusters(
    seeded_db, run_cli, tmp_path
):
    out = tmp_path / "b03.xlsx"
    code, _, err = run_cli(
        "report", "bieu03", "--commune", "99901", "--period", "2025-H1", "-o", str(out)
    )
    assert code == 0, err
    values, book = form_values(out)
    assert values["1"] == 2 and values["3"] == 2 and values["15"] == 1 and values["18"] == 30.0
    cells = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value]
    assert "Biểu số 03" in cells and "TM. ỦY BAN NHÂN DÂN" in cells
    assert "Đơn vị gửi báo cáo: Ủy ban nhân dân Xã Thử Nghiệm 1" in cells
    code, _, err = run_cli("report", "bieu03", "--commune", "12345", "--period", "2025-H1")
    assert code == 1 and len(err.splitlines()) == 1 and "12345" in err


@pytest.mark.parametrize(
    ("period", "words"),
    [
        ("2030-H1", "chưa tới"),
        ("2024-H1", "trước khi sổ đăng ký có dữ liệu"),
        ("2025-Q3", "2025-H1"),
    ],
)
def test_a_period_it_cannot_report_is_one_line_and_writes_nothing(
    seeded_db, run_cli, tmp_path, period, words
):
    out = tmp_path / "x.xlsx"
    code, _, err = run_cli("report", "bieu04", "--period", period, "-o", str(out))
    assert code == 1 and len(err.splitlines()) == 1 and words in err
    assert not out.exists()


# -- the checks -------------------------------------------------------------------------------


def test_bieu04_additive_rows_equal_the_sum_of_every_communes_bieu03(seeded_db):
    store = open_store(seeded_db)
    try:
        registry = at_cutoff(store, H1_2025)
        province = registry.bieu04()
        communes = [registry.bieu03(code) for code in registry.communes()]
        rest = registry.outside_communes()
    finally:
        store.close()
    assert checks.rollup_flags(province, communes, rest) == []
    for row in BIEU04.rows():
        if row.additive and not isinstance(row.computation, NotHeld):
            added = sum(r.value(row.number) or 0 for r in [*communes, rest])
            assert added == pytest.approx(province.value(row.number) or 0), row.number
    assert province.value("1") == sum(r.value("1") for r in [*communes, rest])


def test_subtotal_rows_are_the_sum_of_their_parts_and_a_broken_one_is_flagged(fixture_store):
    report = at_cutoff(fixture_store, H1_2025).bieu04()
    assert report.value("15") == report.value("15.1") + report.value("15.2")
    assert report.value("16") == report.value("16.1") + report.value("16.2")
    assert checks.subtotal_flags(report) == []
    report.values["15.1"].value = 5
    (flag,) = checks.subtotal_flags(report)
    assert flag.rows == "15" and "15.1 + 15.2" in flag.text.vi


def test_a_percentage_is_never_summed_across_communes(fixture_store):
    registry = at_cutoff(fixture_store, H1_2025)
    communes = [registry.bieu03(code) for code in registry.communes()]
    with pytest.raises(ClusterError, match="19"):
        checks.summed(communes, "19")
    assert checks.summed(communes, "18") == 30.0 + 9.0


def test_a_cluster_with_leased_land_above_its_industrial_land_is_flagged():
    c = Cluster(name="TEST", stage="operating", industrial_land_ha=10.0, leased_land_ha=12.0)
    (flag,) = checks.cluster_flags(c)
    assert "12.0 ha" in flag.text.vi and flag.rows == "18, 19"


def test_tenant_like_facts_before_groundbreaking_are_flagged(fixture_store):
    made = make(fixture_store, H1_2025, "bieu04")
    assert [(f.cluster.id, f.rows) for f in made.flags if f.cluster] == [(9005, "15–19")]
    for stage in ("under_construction", "operating"):
        assert checks.cluster_flags(Cluster(name="TEST", stage=stage, leased_land_ha=2.0)) == []
    assert checks.cluster_flags(Cluster(name="TEST", stage="site_clearance", committed_land_ha=1.0))


@pytest.mark.postgis
def test_bieu04_on_postgis_equals_the_value_worked_out_by_hand(postgis_url):
    store = open_store(postgis_url)
    try:
        add_fixture(store)
        report = at_cutoff(store, H1_2025).bieu04()
    finally:
        store.close()
    assert {n: v.value for n, v in report.values.items()} == pytest.approx(BY_HAND)


# -- tenant projects (rows 15–22) ------------------------------------------------------------


def _tenants(store) -> None:
    """Test projects (made up): on 5 June 2025 an operating, foreign-invested one in 9002
    and a registered one in 9001; on 1 July 2025, after the half-year cut-off, 9001's starts
    operating and a third is registered in 9004."""
    editor = Actor("test-planner", "editor")
    with clock.frozen(datetime(2025, 6, 5, tzinfo=UTC)):
        registry.add_project(
            store,
            TenantProject(9002, "Dự án thử A", foreign_invested=True, status="operating"),
            editor,
        )
        b = registry.add_project(store, TenantProject(9001, "Dự án thử B"), editor).project
    with clock.frozen(datetime(2025, 7, 1, tzinfo=UTC)):
        registry.update_project(store, b.id, {"status": "operating"}, editor, based_on=1)
        registry.add_project(store, TenantProject(9004, "Dự án thử C"), editor)


def test_rows_20_to_22_count_the_projects_as_they_stood_at_the_cut_off(fixture_store):
    _tenants(fixture_store)
    half = at_cutoff(fixture_store, H1_2025).bieu04()
    assert [half.value(n) for n in ("20", "21", "22")] == [2, 1, 1]
    # 9002 now has a tenant project: operating by it; 9003 and 9005 by the stand-in.
    assert sorted(half.values["15"].clusters) == [9001, 9002, 9003, 9005]
    assert half.value("15.1") == 2  # 9001, 9002
    # The operating clusters with no project recorded are missing, not counted as 0.
    assert sorted(half.values["20"].unknown) == [9003, 9005]
    missing = {(m.cluster.id, m.fact) for m in half.missing}
    assert {(9003, "tenant_projects"), (9005, "tenant_projects")} <= missing
    year = at_cutoff(fixture_store, Period(2025, half_year=False)).bieu04()
    assert [year.value(n) for n in ("20", "21", "22")] == [3, 1, 2]
    assert 9004 in year.values["15"].clusters


def test_a_stopped_project_neither_counts_nor_makes_its_cluster_operating(fixture_store):
    editor = Actor("test-planner", "editor")
    with clock.frozen(datetime(2025, 6, 5, tzinfo=UTC)):
        registry.add_project(
            fixture_store, TenantProject(9004, "Dự án thử D", status="stopped"), editor
        )
    report = at_cutoff(fixture_store, H1_2025).bieu04()
    assert 9004 not in report.values["15"].clusters
    assert report.value("15") == BY_HAND["15"]


def test_a_project_in_a_cluster_before_groundbreaking_is_flagged(fixture_store):
    with clock.frozen(datetime(2025, 6, 5, tzinfo=UTC)):  # 9004 is only established
        registry.add_project(
            fixture_store, TenantProject(9004, "Dự án thử E"), Actor("test-planner", "editor")
        )
    made = make(fixture_store, H1_2025, "bieu04")
    flagged = [(f.cluster.id, f.rows) for f in made.flags if f.cluster]
    assert flagged == [(9004, "15–19"), (9005, "15–19")]
    assert "Có dự án đầu tư" in next(f.text.vi for f in made.flags if f.cluster)
