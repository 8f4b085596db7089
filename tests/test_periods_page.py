"""The period figures in the app (AppTest): the Period figures page's Biểu 02 and Biểu 01
forms (editors save, viewers read), and the Reports page's pre-filled Biểu 02 download and
its import (upload → dry run by cell → commit; a failed commit keeps the upload).

Every cluster, project and figure here is test data (tests/fixtures/report_fixture.py and
invented names), never in the seed."""

from __future__ import annotations

import io

import openpyxl
import pytest
import streamlit as st

from clusters import clock, registry
from clusters.model import TenantProject
from clusters.reports import bieu02
from clusters.reports.period_fields import BIEU02_FIELDS
from clusters.reports.periods import Period, entry_periods
from clusters.roles import Actor
from clusters.store.periods import FigureSet
from clusters.ui.pages.reports_page import UPLOAD
from tests.fixtures.report_fixture import add_fixture
from tests.test_bieu02 import rows_by_number
from tests.test_ui_edit import app, open_page, registry_db, texts

__all__ = ["registry_db"]
H1_2025 = Period(2025, half_year=True)
EDITOR = Actor("lan", "editor")


def plain(elements) -> str:
    return texts(elements).replace("\\", "")


def type_in(at, prefix: str, values: dict[str, str]) -> None:
    for name, value in values.items():
        at.text_input(key=f"{prefix}_{name}").input(value)


# -- the Period figures page ---------------------------------------------------------------


def test_an_editor_enters_a_clusters_bieu02_with_history_naming_the_form(registry_db):
    at = open_page(app("lan"), "periods_page", id="2")
    period = entry_periods(clock.today())[0]
    assert at.selectbox(key="pf_period").value == period
    assert at.text_input(key="pf02_leased_land_ha").value == "2"  # the registry's value
    type_in(at, "pf02", {"revenue_bn": "1,5", "budget_bn": "0.2", "workers": "12"})
    type_in(at, "pf02", {"income_mn": "8"})
    at.button(key="pf02_save").click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert f"Đã lưu Biểu 02 kỳ {period.code} (phiên bản 1)." in plain(at.success)
    [kept] = registry_db.period_figures(form="bieu02")
    assert (kept.cluster_id, kept.period, kept.created_by) == (2, period.code, "lan")
    assert kept.values["revenue_bn"] == 1.5 and kept.values["workers"] == 12
    assert kept.source == "Biểu mẫu trên trang Số liệu kỳ báo cáo"
    history = at.dataframe[-1].value
    assert list(history.columns) == [
        "Thời điểm ghi", "Người ghi", "Biểu", "Nguồn", "Nội dung", "Lý do, căn cứ"
    ]  # fmt: skip
    assert list(history.iloc[:, 2]) == ["Biểu 02"]
    assert set(history.iloc[:, 3]) == {"Biểu mẫu trên trang Số liệu kỳ báo cáo"}
    assert any("Dòng 9: Doanh thu" in str(v) and "1,5" in str(v) for v in history.iloc[:, 4])


def test_text_in_a_figure_is_refused_by_name_and_what_was_typed_stays(registry_db):
    at = open_page(app("lan"), "periods_page", id="2")
    type_in(at, "pf02", {"revenue_bn": "nhiều", "budget_bn": "0", "workers": "1"})
    type_in(at, "pf02", {"income_mn": "1"})
    at.button(key="pf02_save").click().run()
    assert "Dòng 9: Doanh thu" in plain(at.error) and "«nhiều» không phải là số" in plain(at.error)
    assert at.text_input(key="pf02_revenue_bn").value == "nhiều"
    assert registry_db.period_figures() == []


def test_an_editor_enters_a_projects_bieu01(registry_db):
    p = registry.add_project(registry_db, TenantProject(2, "TEST Dự án thử (dữ liệu thử)"), EDITOR)
    at = open_page(app("lan"), "periods_page", id="2")
    at.selectbox(key="pf01_project").set_value(p.project.id).run()
    type_in(at, "pf01", {"revenue_bn": "3", "budget_bn": "0,4", "workers": "40"})
    type_in(at, "pf01", {"income_mn": "9,5"})
    at.button(key="pf01_save").click().run()
    assert not at.exception and not at.error, texts(at.error)
    [kept] = registry_db.period_figures(form="bieu01")
    assert (kept.project_id, kept.cluster_id, kept.values["income_mn"]) == (p.project.id, 2, 9.5)


def test_a_viewer_reads_the_figures_but_has_no_form(registry_db):
    at = open_page(app("minh"), "periods_page", id="2")
    assert at.dataframe  # the Biểu 02 table
    assert not [b for b in at.button if b.key and b.key.startswith("pf0")]
    assert not [i for i in at.text_input if i.key and i.key.startswith("pf0")]
    assert "Lịch sử số liệu kỳ báo cáo" in [h.value for h in at.subheader]
    assert "Chưa có số liệu nào." in texts(at.caption)  # nothing saved yet


def test_the_page_in_english(registry_db):
    at = app("lan")
    at.button_group(key="lang").set_value("en").run()
    at = open_page(at, "periods_page", id="2")
    assert "Period figures (Biểu 01, Biểu 02)" in [t.value for t in at.title]
    assert "The period figures' history" in [h.value for h in at.subheader]
    assert "No figures yet." in texts(at.caption)


# -- the Reports page: Biểu 02 out and back in ------------------------------------------------


@pytest.fixture
def offered(registry_db, monkeypatch) -> list[dict]:
    """The report fixture in the registry; every download button's file kept here."""
    add_fixture(registry_db)
    files: list[dict] = []
    original = st.download_button

    def keep(label, data, *args, **kwargs):
        files.append({"data": data, **kwargs})
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", keep)
    return files


def bieu02_page(who: str):
    at = open_page(app(who), "reports_page")
    at.radio(key="reports_form").set_value("bieu02").run()
    at.selectbox(key="reports_period").select(H1_2025).run()
    at.selectbox(key="reports_cluster").set_value(9001).run()
    assert not at.exception, at.exception
    return at


def fill(data: bytes, values: dict[str, object]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book[bieu02.SHEET]
    at = rows_by_number(ws)
    for number, value in values.items():
        ws[f"D{at[number]}"] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FILLED = {"9": 4.0, "10": 0.6, "11": 25, "12": 12.0}


def test_the_reports_page_offers_a_prefilled_bieu02_and_commits_the_returned_file(
    offered, registry_db
):
    at = bieu02_page("lan")
    sent = offered[-1]
    assert sent["file_name"] == "bieu02_ccn-9001_2025-H1.xlsx"
    back = fill(sent["data"], FILLED)
    at.file_uploader(key=UPLOAD).set_value(("tra-ve.xlsx", back, "application/x")).run()
    assert not at.exception, at.exception
    assert "Tệp không có lỗi" in plain(at.success)
    shown = at.dataframe[-1].value
    assert list(shown["TT"]) == [f.row for f in BIEU02_FIELDS]
    at.button(key="reports_bieu02_commit").click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert "Đã ghi số liệu từ tệp «tra-ve.xlsx» (phiên bản 1)." in plain(at.success)
    [kept] = registry_db.period_figures(form="bieu02")
    assert (kept.cluster_id, kept.source, kept.values["workers"]) == (9001, "tra-ve.xlsx", 25)


def test_a_file_with_problems_lists_them_by_cell_and_offers_no_commit(offered, registry_db):
    at = bieu02_page("lan")
    data = offered[-1]["data"]
    at_row = rows_by_number(openpyxl.load_workbook(io.BytesIO(data))[bieu02.SHEET])
    back = fill(data, {**FILLED, "9": "bốn"})
    at.file_uploader(key=UPLOAD).set_value(("loi.xlsx", back, "application/x")).run()
    assert "Tệp có 1 lỗi; không có gì được ghi." in plain(at.error)
    problems = at.dataframe[-1].value
    assert list(problems["Ô"]) == [f"D{at_row['9']}"]
    assert "«bốn» không phải là số" in problems["Lỗi"].iloc[0]
    assert not at.get("button") or not [b for b in at.button if b.key == "reports_bieu02_commit"]
    assert registry_db.period_figures() == []


def test_a_failed_commit_keeps_the_upload_and_writes_nothing(offered, registry_db):
    at = bieu02_page("lan")
    back = fill(offered[-1]["data"], FILLED)
    at.file_uploader(key=UPLOAD).set_value(("tra-ve.xlsx", back, "application/x")).run()
    # Someone stores the cluster's Biểu 02 between the dry run and the click.
    registry.save_period_figures(
        registry_db,
        FigureSet("bieu02", 9001, "2025-H1", {"revenue_bn": 1.0, "budget_bn": 0.0,
                                               "workers": 1, "income_mn": 1.0}, source="x"),
        EDITOR,
        fields=BIEU02_FIELDS,
    )  # fmt: skip
    at.button(key="reports_bieu02_commit").click().run()
    assert "phiên bản" in plain(at.error)
    assert at.file_uploader(key=UPLOAD).value is not None  # the upload is kept
    [kept] = registry_db.period_figures(form="bieu02")
    assert kept.source == "x" and kept.version == 1


def test_a_viewer_sees_the_dry_run_but_cannot_commit(offered):
    at = bieu02_page("minh")
    back = fill(offered[-1]["data"], FILLED)
    at.file_uploader(key=UPLOAD).set_value(("tra-ve.xlsx", back, "application/x")).run()
    assert "Tệp không có lỗi" in plain(at.success)
    assert not [b for b in at.button if b.key == "reports_bieu02_commit"]
    assert "Chỉ biên tập viên" in plain(at.info)
