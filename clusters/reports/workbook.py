"""A computed form as an Excel workbook (openpyxl).

Sheet 1 is the form in its official layout: header lines, columns (1)–(5), sections I–III,
the place/date line and the signature block. Sheet 2 is the per-cluster annex (one row per
cluster with its share of each row, grouped by 2025 commune and by stage); sheet 3 what is
missing (rows the registry cannot fill yet, clusters lacking a fact a row needs, the checks
that flag something); sheet 4 how every row is computed and the rules for the open
questions. Every text cell is neutralised against formulas.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from clusters import stages
from clusters.io.xlsx import _put as put_cell
from clusters.model import Cluster
from clusters.reports.checks import Flag
from clusters.reports.compute import NOT_HELD, UNKNOWN, Report, fact_title
from clusters.reports.forms import (
    COLUMNS,
    Computation,
    Count,
    NotHeld,
    Occupancy,
    PeriodTotal,
    Projects,
    Row,
    Total,
)
from clusters.reports.indicators import PROJECT_KIND_TITLES, SELECTION_TITLES
from clusters.reports.period_fields import BIEU01_FIELDS, field_of
from clusters.reports.policy import AREA_WEIGHTED, TENANTS_ONLY
from clusters.texts import Text

SHEET_FORM = "Biểu"
SHEET_ANNEX = "Phụ lục theo cụm"
SHEET_MISSING = "Còn thiếu"
SHEET_METHOD = "Cách tính"
CIRCULAR = "Ban hành kèm theo Thông tư số 14/2024/TT-BCT ngày 15/8/2024 của Bộ Công Thương"
_BOLD = Font(bold=True)
_ITALIC = Font(italic=True)
_TITLE = Font(bold=True, size=13)
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_FORMATS = {"ha": "#,##0.00", "%": "0.00", "Tỷ đồng": "#,##0.00"}
_NEEDS = {
    "tenant_projects": ("dự án đầu tư thứ cấp", "tenant projects"),
    "period_figures": ("số liệu Biểu 01/02 của kỳ", "Biểu 01/02 period figures"),
}
# Characters a line holds in the form's wrapped columns (B, E), for the row heights: a
# spreadsheet does not grow a row for wrapped text that openpyxl writes.
_LINE_CHARS = {2: 70, 5: 44}
_LINE_HEIGHT = 15


def _fit(ws: Worksheet, row: int, texts: dict[int, str]) -> None:
    lines = max(
        (-(-len(text) // _LINE_CHARS[col]) for col, text in texts.items() if text), default=1
    )
    ws.row_dimensions[row].height = _LINE_HEIGHT * max(lines, 1)


def _put(ws: Worksheet, row: int, column: int, value: Any, font: Font | None = None) -> Cell:
    """Every cell is written by the export's one cell writer: text is always a string cell,
    neutralised against formulas."""
    cell = put_cell(ws, row, column, value)
    if font is not None:
        cell.font = font
    return cell


def _line(
    ws: Worksheet, row: int, text: str, font: Font | None = None, centre: bool = False
) -> None:
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
    cell = _put(ws, row, 1, text, font)
    cell.alignment = _CENTRE if centre else Alignment(wrap_text=True, vertical="center")


def number_format(unit: str) -> str:
    return _FORMATS.get(unit, "#,##0")


def note(report: Report, row: Row) -> Text:
    """Column (5): why a value is empty or incomplete, how an average was taken."""
    value = report.values[row.number]
    comp = row.computation
    if isinstance(comp, NotHeld):
        vi, en = _NEEDS[comp.needs]
        return Text(
            f"Chưa tính được: {vi} chưa có trong sổ (xem «{SHEET_MISSING}»)",
            f"Not computed: the registry holds no {en} yet",
        )
    parts: list[Text] = []
    if isinstance(comp, PeriodTotal) and value.value is None and value.unknown:
        n = len(value.unknown)
        return Text(
            f"Chưa tính được: {n} cụm đã hoạt động chưa có số liệu Biểu 01/Biểu 02 của kỳ (xem "
            f"«{SHEET_MISSING}»)",
            f"Not computed: {n} operating clusters have no Biểu 01/Biểu 02 figures for the period",
        )
    if isinstance(comp, Occupancy) and value.clusters:
        n = len(value.clusters)
        weighted = report.policy.occupancy_method == AREA_WEIGHTED
        parts.append(
            Text(
                f"Bình quân {'theo diện tích' if weighted else 'cộng'} của {n} cụm; không cộng "
                "giữa các xã",
                f"{'Area-weighted' if weighted else 'Plain'} average of {n} clusters; never "
                "summed across communes",
            )
        )
    if value.unknown:
        n = len(value.unknown)
        none = value.value is None
        parts.append(
            Text(
                f"{'Chưa có số liệu' if none else 'Chưa đủ'}: {n} cụm thiếu số liệu (xem "
                f"«{SHEET_MISSING}»)",
                f"{'Not known' if none else 'Incomplete'}: {n} clusters lack a figure",
            )
        )
    return Text("; ".join(p.vi for p in parts), "; ".join(p.en for p in parts))


def _heading_lines(report: Report) -> list[tuple[str, Font | None, bool]]:
    form, period = report.form, report.period
    sender = form.sender.format(commune=report.commune[1] if report.commune else "")
    return [
        (form.heading, _TITLE, True),
        (f"Đơn vị gửi báo cáo: {sender}", None, False),
        (f"Đơn vị nhận báo cáo: {form.recipient}", None, False),
        (f"Kỳ báo cáo: {period.title()}", None, False),
        (f"(Thời hạn gửi báo cáo: {form.deadlines})", _ITALIC, False),
        (
            f"Số liệu của sổ đăng ký cụm công nghiệp tại cuối ngày {period.cutoff:%d/%m/%Y} "
            "(giờ Hà Nội), dựng lại từ lịch sử; không nhập tay.",
            _ITALIC,
            False,
        ),
    ]


def form_sheet(ws: Worksheet, report: Report, made: date) -> None:
    form = report.form
    ws.title = SHEET_FORM + " " + form.title.split()[-1]
    _put(ws, 1, 1, form.title, _BOLD)
    ws.merge_cells(start_row=1, start_column=3, end_row=1, end_column=5)
    _put(ws, 1, 3, CIRCULAR, _ITALIC).alignment = Alignment(horizontal="right", wrap_text=True)
    r = 3
    for text, font, centre in _heading_lines(report):
        _line(ws, r, text, font, centre)
        r += 1
    r += 1
    for j, title in enumerate(COLUMNS, start=1):
        c = _put(ws, r, j, title if j != 4 else form.result_column, _BOLD)
        c.alignment, c.border = _CENTRE, _BOX
        c = _put(ws, r + 1, j, f"({j})", _ITALIC)
        c.alignment, c.border = _CENTRE, _BOX
    ws.row_dimensions[r].height = 3 * _LINE_HEIGHT
    r += 2
    for section in form.sections:
        for j, text in enumerate((section.number, section.heading, "", "", ""), start=1):
            c = _put(ws, r, j, text, _BOLD)
            c.border, c.alignment = _BOX, _WRAP
        r += 1
        for row in section.rows:
            value = report.values[row.number].value
            cells = (row.number, row.heading, row.unit, value, note(report, row).vi)
            for j, v in enumerate(cells, start=1):
                c = _put(ws, r, j, v)
                c.border, c.alignment = _BOX, _WRAP
            ws.cell(row=r, column=4).number_format = number_format(row.unit)
            ws.cell(row=r, column=4).alignment = Alignment(horizontal="right", vertical="top")
            _fit(ws, r, {2: row.heading, 5: cells[4]})
            r += 1
    if form.footnote:
        r += 1
        _line(ws, r, form.footnote, _ITALIC)
        r += 1
    r += 1
    ws.merge_cells(start_row=r, start_column=4, end_row=r, end_column=5)
    place = f"Hà Nội, ngày {made.day:02d} tháng {made.month:02d} năm {made.year}"
    _put(ws, r, 4, place, _ITALIC).alignment = _CENTRE
    for k, text in enumerate(form.signature, start=1):
        ws.merge_cells(start_row=r + k, start_column=4, end_row=r + k, end_column=5)
        _put(ws, r + k, 4, text, _BOLD if k == 1 else _ITALIC).alignment = _CENTRE
    for col, width in zip("ABCDE", (7, 62, 11, 18, 40), strict=True):
        ws.column_dimensions[col].width = width
    ws.print_title_rows = None
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0


def _stage_label(code: str) -> str:
    return stages.stage(code).label_vi if stages.is_stage(code) else code


def _annex_order(c: Cluster) -> tuple[str, int, str]:
    return (c.commune_2025_code or "~", stages.order(c.stage), c.name)


def annex_sheet(ws: Worksheet, report: Report) -> None:
    ws.title = SHEET_ANNEX
    rows = list(report.form.rows())
    head = ["Mã xã 2025", "Xã/phường 2025", "Giai đoạn", "Mã cụm", "Tên cụm"]
    head += [f"Dòng {r.number} ({r.unit})" for r in rows]
    for j, title in enumerate(head, start=1):
        c = _put(ws, 1, j, title, _BOLD)
        c.alignment = _CENTRE
    live = sorted(
        (f.cluster for f in report.facts if f.cluster.stage != "removed"), key=_annex_order
    )
    r, commune = 2, None
    for c in live:
        code = c.commune_2025_code or ""
        if code != commune:
            commune = code
            count = sum(1 for x in live if (x.commune_2025_code or "") == code)
            title = (
                f"{c.commune_2025_name or 'Chưa có xã/phường 2025'} ({code or '—'}): {count} cụm"
            )
            _put(ws, r, 1, title, _BOLD)
            r += 1
        shares = report.annex.get(c.id or 0, {})
        cells: list[Any] = [code, c.commune_2025_name or "", _stage_label(c.stage), c.id, c.name]
        cells += [shares.get(row.number) for row in rows]
        for j, v in enumerate(cells, start=1):
            _put(ws, r, j, v)
        for j, row in enumerate(rows, start=len(head) - len(rows) + 1):
            if shares.get(row.number) not in (None, UNKNOWN):
                ws.cell(row=r, column=j).number_format = number_format(row.unit)
        r += 1
    ws.freeze_panes = "F2"
    for col, width in zip("ABCDE", (10, 22, 26, 8, 36), strict=True):
        ws.column_dimensions[col].width = width


def _table(ws: Worksheet, r: int, title: str, head: list[str], body: Iterable[list[Any]]) -> int:
    _put(ws, r, 1, title, _BOLD)
    r += 1
    for j, h in enumerate(head, start=1):
        _put(ws, r, j, h, _BOLD)
    r += 1
    empty = True
    for cells in body:
        empty = False
        for j, v in enumerate(cells, start=1):
            _put(ws, r, j, v).alignment = _WRAP
        r += 1
    if empty:
        _put(ws, r, 1, "(không có)", _ITALIC)
        r += 1
    return r + 1


def missing_sheet(ws: Worksheet, report: Report, flags: list[Flag]) -> None:
    ws.title = SHEET_MISSING
    r = 1
    not_held = [row for row in report.form.rows() if isinstance(row.computation, NotHeld)]
    r = _table(
        ws,
        r,
        "Chỉ tiêu sổ đăng ký chưa tính được (để trống, không phải 0)",
        ["Dòng", "Chỉ tiêu", "Vì sao"],
        (
            [row.number, row.heading, NOT_HELD[row.computation.needs].vi]
            for row in not_held
            if isinstance(row.computation, NotHeld)
        ),
    )
    r = _table(
        ws,
        r,
        "Cụm thiếu số liệu mà một chỉ tiêu cần",
        ["Mã cụm", "Tên cụm", "Xã/phường 2025", "Giai đoạn", "Số liệu còn thiếu", "Dòng cần"],
        (
            [
                m.cluster.id,
                m.cluster.name,
                m.cluster.commune_2025_name or "",
                _stage_label(m.cluster.stage),
                fact_title(m.fact).vi,
                ", ".join(m.rows),
            ]
            for m in report.missing
        ),
    )
    _table(
        ws,
        r,
        "Cảnh báo kiểm tra",
        ["Mã cụm", "Tên cụm", "Dòng", "Cảnh báo"],
        (
            [
                f.cluster.id if f.cluster else "",
                f.cluster.name if f.cluster else "",
                f.rows,
                f.text.vi,
            ]
            for f in flags
        ),
    )
    for col, width in zip("ABCDEF", (8, 40, 22, 26, 36, 14), strict=True):
        ws.column_dimensions[col].width = width


def describe(comp: Computation, scope: str = TENANTS_ONLY) -> str:
    """How a row is computed, in words."""
    if isinstance(comp, Count):
        return f"Đếm {SELECTION_TITLES[comp.selection].vi}"
    if isinstance(comp, Total):
        facts = " (nếu chưa ghi: ".join(fact_title(f).vi for f in comp.facts)
        facts += ")" * (len(comp.facts) - 1)
        return f"Cộng «{facts}» của {SELECTION_TITLES[comp.selection].vi}"
    if isinstance(comp, Occupancy):
        return (
            f"Tỷ lệ lấp đầy bình quân của {SELECTION_TITLES[comp.selection].vi} (quy tắc dòng 19)"
        )
    if isinstance(comp, Projects):
        return f"Đếm {PROJECT_KIND_TITLES[comp.kind].vi} tại ngày chốt số liệu (quy tắc dòng 20–22)"
    if isinstance(comp, PeriodTotal):
        return _describe_period(comp, scope)
    return NOT_HELD[comp.needs].vi


def _describe_period(comp: PeriodTotal, scope: str) -> str:
    tenants = next(f for f in BIEU01_FIELDS if f.name == comp.figure)
    text = f"Cộng «{tenants.heading}» (Biểu 01 dòng {tenants.row}) của các dự án"
    if scope != TENANTS_ONLY:
        own = field_of("bieu02", comp.figure)
        text += f" và «{own.heading}» (Biểu 02 dòng {own.row})"
    return text + " trong các cụm đã hoạt động, số liệu của kỳ (quy tắc dòng 23–25)"


def method_sheet(ws: Worksheet, report: Report) -> None:
    ws.title = SHEET_METHOD
    r = _table(
        ws,
        1,
        "Quy tắc cho những điểm Thông tư chưa quy định rõ",
        ["Dòng", "Quy tắc"],
        ([rows, text.vi] for rows, text in report.policy.statements()),
    )
    _table(
        ws,
        r,
        "Cách tính từng chỉ tiêu",
        ["Dòng", "Chỉ tiêu", "Cách tính", "Cộng được giữa các xã"],
        (
            [
                row.number,
                row.heading,
                describe(row.computation, report.policy.period_figures_scope),
                "có" if row.additive else "không",
            ]
            for row in report.form.rows()
        ),
    )
    for col, width in zip("ABCD", (14, 60, 70, 12), strict=True):
        ws.column_dimensions[col].width = width


def workbook_bytes(report: Report, flags: list[Flag], made: date) -> bytes:
    wb = Workbook()
    form_sheet(wb.active, report, made)
    annex_sheet(wb.create_sheet(), report)
    missing_sheet(wb.create_sheet(), report, flags)
    method_sheet(wb.create_sheet(), report)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
