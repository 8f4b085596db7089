"""A cluster's Biểu 02 round trip: ``clusters report bieu02`` writes it pre-filled from the
registry, the investor fills the period's cells, ``clusters report import-bieu02`` checks
the returned file (every problem by cell, nothing written) and ``--commit`` stores it with
history naming the file; Biểu 04's rows 23–25 then equal values worked out by hand.

The registry is the seed plus the test fixtures (tests/fixtures/report_fixture.py,
tests/fixtures/period_fixture.py): test data, never in the seed."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from clusters import clock, seed
from clusters.reports import bieu02
from clusters.reports.period_fields import BIEU02_FIELDS
from clusters.store import open_store
from tests.fixtures.period_fixture import TENANTS_BY_HAND, add_period_fixture
from tests.fixtures.report_fixture import add_fixture
from tests.test_reports import form_values

SEEDED_AT = datetime(2025, 6, 1, tzinfo=UTC)
# What the investor of 9001 (test data) reports for 2025-H1, by Biểu 02 row.
FILLED = {"9": 4.0, "10": "0,6", "11": 25, "12": 12.0}


@pytest.fixture(scope="module")
def seeded_with_figures(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bieu02") / "registry.sqlite"
    s = open_store(f"sqlite:///{path}")
    with clock.frozen(SEEDED_AT):
        seed.seed(s)
    add_fixture(s)
    add_period_fixture(s)
    s.close()
    return path


@pytest.fixture
def db(seeded_with_figures, tmp_path, monkeypatch) -> str:
    path = tmp_path / "registry.sqlite"
    shutil.copyfile(seeded_with_figures, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", url)
    return url


def rows_by_number(ws) -> dict[str, int]:
    """The form's rows by their TT (column A), below the column headings."""
    out, started = {}, False
    for row in ws.iter_rows(min_col=1, max_col=1):
        text = str(row[0].value or "")
        started = started or text == "TT"
        if started and text not in out:
            out[text] = row[0].row
    return out


def labelled(ws, label: str) -> str:
    """The cell (column D) beside a label of the identification block."""
    row = next(r for r in ws.iter_rows(min_col=2, max_col=2) if r[0].value == label)
    return f"D{row[0].row}"


def exported(run_cli, tmp_path, cluster: int = 9001, period: str = "2025-H1") -> Path:
    out = tmp_path / "sent.xlsx"
    code, stdout, err = run_cli(
        "report", "bieu02", "--cluster", str(cluster), "--period", period, "-o", str(out)
    )
    assert code == 0, err
    assert str(out) in stdout
    return out


def filled(source: Path, target: Path, values=FILLED, edit=None) -> Path:
    book = openpyxl.load_workbook(source)
    ws = book[bieu02.SHEET]
    at = rows_by_number(ws)
    for number, value in values.items():
        ws[f"D{at[number]}"] = value
    if edit:
        edit(book)
    book.save(target)
    return target


def stored(url: str) -> tuple[list, int]:
    s = open_store(url)
    try:
        return s.period_figures(form="bieu02"), s.revision()
    finally:
        s.close()


def test_the_workbook_holds_the_registry_values_and_leaves_the_period_cells_empty(
    db, run_cli, tmp_path
):
    book = openpyxl.load_workbook(exported(run_cli, tmp_path))
    ws = book[bieu02.SHEET]
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    for text in (
        "Biểu số 02",
        "TÌNH HÌNH HOẠT ĐỘNG CỦA DỰ ÁN ĐẦU TƯ XÂY DỰNG HẠ TẦNG KỸ THUẬT CỤM CÔNG NGHIỆP",
        "Đơn vị gửi báo cáo: Chủ đầu tư xây dựng hạ tầng kỹ thuật cụm công nghiệp",
        "Kỳ báo cáo: 6 tháng đầu năm 2025 (từ 15/12/2024 đến 14/06/2025)",
        "TEST CCN Thử nghiệm Một",
        "NGƯỜI ĐẠI DIỆN THEO PHÁP LUẬT CỦA ĐƠN VỊ BÁO CÁO",
    ):
        assert text in cells, text
    assert ws[labelled(ws, "Mã cụm trong sổ đăng ký (không sửa)")].value == 9001
    assert ws[labelled(ws, "Mã kỳ báo cáo (không sửa)")].value == "2025-H1"
    at = rows_by_number(ws)
    values = {f.row: ws[f"D{at[f.row]}"].value for f in BIEU02_FIELDS}
    # 9001 as the registry holds it today (its leased land is 38 ha since 1 July 2025).
    assert values["1"] == 300 and values["2"] == 250 and values["3"] == 35
    assert values["4"] == 38 and values["5"] == 80  # 32 committed of 40 ha
    assert (values["6"], values["7"], values["8"]) == (2, 0, 1)  # P1 operating, P2 registered
    assert (values["13"], values["14"]) == (1, 1)
    assert [values[n] for n in ("9", "10", "11", "12")] == [None] * 4
    ids = book[bieu02.ID_SHEET]
    assert ids.sheet_state == "hidden"
    assert {r[0].value: r[1].value for r in ids.iter_rows()}["cluster_id"] == 9001


def test_a_filled_bieu02_round_trips_and_reaches_rows_23_to_25(db, run_cli, tmp_path):
    path = filled(exported(run_cli, tmp_path), tmp_path / "bieu02_ccn-9001_2025-H1-tra-ve.xlsx")
    code, out, err = run_cli("report", "import-bieu02", str(path))
    assert code == 0, out + err
    assert "không có lỗi" in out and "--commit" in out
    assert stored(db)[0] == []  # the dry run writes nothing
    code, out, err = run_cli("report", "import-bieu02", str(path), "--commit")
    assert code == 0, out + err
    [kept], _ = stored(db)
    assert (kept.cluster_id, kept.period, kept.source) == (9001, "2025-H1", path.name)
    assert kept.values["revenue_bn"] == 4.0 and kept.values["budget_bn"] == 0.6
    assert kept.values["workers"] == 25 and kept.values["leased_land_ha"] == 38.0
    s = open_store(db)
    try:
        [event] = [e for e in s.period_figure_history(cluster_id=9001) if e.form == "bieu02"]
    finally:
        s.close()
    assert event.source == path.name and path.name in (event.reason or "")
    assert event.actor == "cli" and event.kind == "create"
    # Biểu 04 of 2025-H1: rows 23–25 add up the tenants' Biểu 01 (the policy's rule).
    report = tmp_path / "bieu04.xlsx"
    assert run_cli("report", "bieu04", "--period", "2025-H1", "-o", str(report))[0] == 0
    values, book = form_values(report)
    for number, value in TENANTS_BY_HAND.items():
        assert values[number] == pytest.approx(value), number
    assert values["15"] == values["15.1"] + values["15.2"]
    assert values["16"] == pytest.approx(values["16.1"] + values["16.2"])
    missing = [str(c.value) for row in book["Còn thiếu"].iter_rows() for c in row if c.value]
    assert "Biểu 02 của kỳ (chủ đầu tư hạ tầng chưa báo cáo)" in missing


def _set_ids(cluster: int):
    """Edit both identification cells (the visible one and the hidden sheet's)."""

    def edit(book):
        ws = book[bieu02.SHEET]
        ws[labelled(ws, "Mã cụm trong sổ đăng ký (không sửa)")] = cluster
        book[bieu02.ID_SHEET]["B2"] = cluster

    return edit


def _refused(run_cli, path: Path, db: str, *extra: str) -> str:
    before = stored(db)
    code, out, err = run_cli("report", "import-bieu02", str(path), "--commit", *extra)
    assert code == 1 and "không có gì được ghi" in out, out + err
    assert "Traceback" not in err
    assert stored(db) == before  # nothing written, not even the revision
    return out


def test_a_file_naming_another_cluster_is_refused_at_its_cell(db, run_cli, tmp_path):
    sent = exported(run_cli, tmp_path)
    ws = openpyxl.load_workbook(sent)[bieu02.SHEET]
    id_cell = labelled(ws, "Mã cụm trong sổ đăng ký (không sửa)")
    name_cell = labelled(ws, "Tên cụm công nghiệp")
    moved = filled(sent, tmp_path / "other.xlsx", edit=_set_ids(9003))
    out = _refused(run_cli, moved, db)
    assert f"Ô {name_cell}: tên cụm «TEST CCN Thử nghiệm Một» không khớp cụm mã 9003" in out
    unknown = filled(sent, tmp_path / "unknown.xlsx", edit=_set_ids(424242))
    assert f"Ô {id_cell}: sổ đăng ký không có cụm mã 424242." in _refused(run_cli, unknown, db)
    own = filled(sent, tmp_path / "own.xlsx")
    out = _refused(run_cli, own, db, "--cluster", "9003")
    assert f"Ô {id_cell}: tệp là Biểu 02 của cụm mã 9001, không phải của cụm mã 9003" in out
    out = _refused(run_cli, own, db, "--period", "2025")
    period_cell = labelled(ws, "Mã kỳ báo cáo (không sửa)")
    assert f"Ô {period_cell}: tệp là Biểu 02 kỳ 2025-H1, không phải kỳ 2025 đang nhập." in out


def test_text_in_a_number_cell_is_refused_at_its_cell(db, run_cli, tmp_path):
    sent = exported(run_cli, tmp_path)
    at = rows_by_number(openpyxl.load_workbook(sent)[bieu02.SHEET])
    path = filled(sent, tmp_path / "text.xlsx", {**FILLED, "9": "bốn tỷ"})
    out = _refused(run_cli, path, db)
    assert f"Ô D{at['9']}: «bốn tỷ» không phải là số (Tỷ đồng)." in out
    assert out.count("Ô D") == 1  # the other cells are fine


def test_a_missing_required_cell_and_a_negative_one_are_refused_at_their_cells(
    db, run_cli, tmp_path
):
    sent = exported(run_cli, tmp_path)
    at = rows_by_number(openpyxl.load_workbook(sent)[bieu02.SHEET])
    values = {k: v for k, v in FILLED.items() if k != "11"} | {"10": -1}
    out = _refused(run_cli, filled(sent, tmp_path / "gaps.xlsx", values), db)
    assert f"Ô D{at['11']}: Chưa điền «Dòng 11: Tổng số lao động" in out
    assert f"Ô D{at['10']}: «Dòng 10: Số nộp Ngân sách nhà nước" in out and "không được âm" in out


def test_the_problems_in_english(db, run_cli, tmp_path, monkeypatch):
    sent = exported(run_cli, tmp_path)
    at = rows_by_number(openpyxl.load_workbook(sent)[bieu02.SHEET])
    path = filled(sent, tmp_path / "en.xlsx", {**FILLED, "12": "many"})
    monkeypatch.setenv("CLUSTERS_LANG", "en")
    code, out, _ = run_cli("report", "import-bieu02", str(path))
    assert code == 1 and "nothing written" in out
    assert f"Cell D{at['12']}: 'many' is not a number (Triệu đồng/người/tháng)." in out


def test_a_file_that_is_not_a_workbook_is_one_line(db, run_cli, tmp_path):
    bad = tmp_path / "not.xlsx"
    bad.write_text("TT;Chỉ tiêu\n")
    code, _, err = run_cli("report", "import-bieu02", str(bad))
    assert code == 1 and len(err.splitlines()) == 1 and "not.xlsx" in err
    code, _, err = run_cli("report", "bieu02", "--cluster", "424242", "--period", "2025-H1")
    assert code == 1 and len(err.splitlines()) == 1 and "424242" in err
