"""The Reports page (AppTest): the same workbook as ``clusters report``, as a download."""

from __future__ import annotations

import io

import openpyxl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from clusters.reports.forms import BIEU04
from clusters.reports.periods import Period
from clusters.store import open_store
from tests.builders import cluster
from tests.fixtures.report_fixture import add_fixture
from tests.test_reports import BY_HAND, ROOT_APP

H1_2025 = Period(2025, half_year=True)


@pytest.fixture
def downloads(db_url, monkeypatch) -> list[dict]:
    """The registry holds the test fixture; every download button's file is kept here."""
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    monkeypatch.setenv("CLUSTERS_TILES", "none")
    store = open_store(db_url)
    add_fixture(store)
    store.close()
    offered: list[dict] = []
    original = st.download_button

    def keep(label, data, *args, **kwargs):
        offered.append({"data": data, **kwargs})
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", keep)
    return offered


def reports_page() -> AppTest:
    at = AppTest.from_file(ROOT_APP, default_timeout=60)
    at.run()
    at.switch_page("clusters/ui/pages/reports_page.py").run()
    assert not at.exception, at.exception
    return at


def test_the_page_offers_bieu04_of_the_chosen_period_as_the_workbook(downloads):
    at = reports_page()
    at.selectbox(key="reports_period").select(H1_2025).run()
    assert not at.exception, at.exception
    last = downloads[-1]
    assert last["file_name"] == "bieu04_2025-H1_cut-off-2025-06-14.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(last["data"])).worksheets[0]
    numbers = {r.number for r in BIEU04.rows()}
    values = {str(r[0].value): r[3].value for r in ws.iter_rows() if str(r[0].value) in numbers}
    assert values == pytest.approx(BY_HAND)
    shown = at.dataframe[0].value
    assert list(shown["TT"]) == [r.number for r in BIEU04.rows()]
    assert shown.loc[shown["TT"] == "19", "Kết quả"].item() == pytest.approx(81.13)
    assert any("cảnh báo" in str(m.value) for m in at.markdown)


def test_the_page_offers_a_communes_bieu03(downloads):
    at = reports_page()
    at.selectbox(key="reports_period").select(H1_2025).run()
    at.radio(key="reports_form").set_value("bieu03").run()
    at.selectbox(key="reports_commune").select("99902").run()
    assert not at.exception, at.exception
    last = downloads[-1]
    assert last["file_name"] == "bieu03_xa-99902_2025-H1_cut-off-2025-06-14.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(last["data"])).worksheets[0]
    assert ws["A1"].value == "Biểu số 03"
    values = {str(r[0].value): r[3].value for r in ws.iter_rows() if r[0].value in ("1", "15")}
    assert values == {"1": 2, "15": 1}  # 9003 and 9004 (9006 is removed); 9003 operates


def test_a_registry_younger_than_every_cut_off_offers_no_period(db_url, monkeypatch):
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    store = open_store(db_url)
    store.create(cluster(), actor="planner")  # written today: after every past cut-off
    store.close()
    at = reports_page()
    assert not at.get("download_button")
    assert any("Chưa có kỳ báo cáo" in str(i.value) for i in at.info)
