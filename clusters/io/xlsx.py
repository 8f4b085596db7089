"""Excel report with Vietnamese headers: the clusters, counts beside the reported figures,
and a sheet saying when the file was made, with which filter, and what each column means."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from clusters import figures, stages
from clusters.filters import districts_of
from clusters.io.columns import TARGET_TITLES
from clusters.io.export import ExportSet
from clusters.io.frame import export_value
from clusters.io.tabular import anchor, wkt
from clusters.io.values import label, neutral_text
from clusters.model import BATCHES, FIELD_BY_NAME, FIELDS, Cluster, Kind

HA = '#,##0.00 "ha"'
PERCENT = "0.0%"
DATE = "dd/mm/yyyy"
EXCEL_CELL_MAX = 32_767
SHEET_CLUSTERS = "Cụm công nghiệp"
SHEET_COUNTS = "Thống kê"
SHEET_INFO = "Thông tin"
_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")

# How each kind of field is written (and formatted) in the sheet.
_SHEET_KIND = {
    Kind.ID: "int",
    Kind.REFERENCE: "int",
    Kind.COUNT: "int",
    Kind.CHOICE: "choice",
    Kind.DATE: "date",
    Kind.BOOL: "bool",
    Kind.HECTARES: "ha",
    Kind.PERCENT: "pct",
    Kind.MONEY: "money",
    Kind.LIST: "list",
}


def _columns() -> tuple[tuple[str, str], ...]:
    """(field, how the value is written), in the export's order; the geometry as lon, lat
    and WKT where the model has it. Properties restating another column (the stage's label,
    whether the location is approximate) are left out: the sheet writes codes as labels."""
    out: list[tuple[str, str]] = []
    for f in FIELDS:
        if f.kind is Kind.GEOMETRY:
            out += [("lon", "coord"), ("lat", "coord"), ("wkt", "wkt")]
        elif f.exported and f.derived_from is None:
            out.append((f.name, _SHEET_KIND.get(f.kind, "text")))
    return tuple(out)


# Headers are the fields' Vietnamese labels, which the importer recognises, so a report sent
# back in is read without any column mapping.
COLUMNS = _columns()


def header(field: str) -> str:
    spec = FIELD_BY_NAME.get(field)
    if spec is not None and spec.kind is Kind.TIMESTAMP:
        return f"{spec.title.vi} ({spec.unit})"
    return TARGET_TITLES[field].vi


def _value(c: Cluster, field: str, kind: str) -> Any:
    if kind == "coord":
        assert c.geometry is not None
        lon, lat = anchor(c.geometry)
        return lon if field == "lon" else lat
    if kind == "wkt":
        assert c.geometry is not None
        text = wkt(c.geometry)
        return text if len(text) <= EXCEL_CELL_MAX else None
    spec = FIELD_BY_NAME[field]
    value = getattr(c, field)
    if kind == "pct":
        return None if value is None else value / 100.0
    if kind == "choice":
        return label(field, value)
    if kind == "bool":
        return "Có" if value else "Không"
    if spec.kind in (Kind.LIST, Kind.TIMESTAMP):
        return export_value(spec, value)
    return value  # numbers and dates stay numbers and dates, formatted by the sheet


def _put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Every cell of the report is written here: text is always a string cell, never a
    formula (openpyxl makes "=…" a formula and "#N/A" an error), and quoted as in the CSV."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = neutral_text(value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


_FORMATS = {
    "ha": HA,
    "pct": PERCENT,
    "money": '#,##0.00 "tỷ đồng"',
    "date": DATE,
    "text": "@",
    "coord": "0.0000000",
}


def _head(ws: Worksheet, row: int, titles: list[str]) -> None:
    for j, t in enumerate(titles, start=1):
        cell = _put(ws, row, j, t)
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _clusters_sheet(ws: Worksheet, data: ExportSet) -> None:
    _head(ws, 1, [header(f) for f, _ in COLUMNS])
    too_long = 0
    for i, c in enumerate(data.clusters, start=2):
        for j, (field, kind) in enumerate(COLUMNS, start=1):
            value = _value(c, field, kind)
            if kind == "wkt" and value is None:
                too_long += 1
            cell = _put(ws, i, j, value)
            if kind in _FORMATS and value is not None:
                cell.number_format = _FORMATS[kind]
    widths = {"name": 36, "investor": 30, "sources": 40, "notes": 40, "wkt": 30}
    for j, (field, _) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(j)].width = widths.get(field, 16)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(data.clusters) + 1}"
    if too_long:
        note_row = len(data.clusters) + 3
        _put(
            ws,
            note_row,
            1,
            f"{too_long} ranh giới dài quá giới hạn ô Excel: xem tệp GeoPackage/GeoJSON.",
        )


def _count_block(ws: Worksheet, row: int, title: str, rows: list[tuple[str, int, float]]) -> int:
    _put(ws, row, 1, title).font = _BOLD
    _head(ws, row + 1, ["", "Số cụm", "Diện tích quyết định"])
    r = row + 2
    for name, count, area in rows:
        _put(ws, r, 1, name)
        _put(ws, r, 2, count)
        _put(ws, r, 3, area).number_format = HA
        r += 1
    _put(ws, r, 1, "Tổng").font = _BOLD
    _put(ws, r, 2, sum(n for _, n, _ in rows)).font = _BOLD
    return r + 2


def _tally(
    clusters: list[Cluster], key: Callable[[Cluster], list[str]]
) -> dict[str, list[Cluster]]:
    out: dict[str, list[Cluster]] = defaultdict(list)
    for c in clusters:
        for k in key(c):
            out[k].append(c)
    return out


def _area(cs: list[Cluster]) -> float:
    return round(sum(c.area_ha or 0.0 for c in cs), 2)


def _counts_sheet(ws: Worksheet, data: ExportSet) -> None:
    cs = data.clusters
    _put(ws, 1, 1, "Thống kê cụm công nghiệp theo sổ đăng ký").font = Font(bold=True, size=13)
    _put(ws, 2, 1, f"Số liệu sổ đăng ký tính đến {data.data_time_hanoi}")
    _put(ws, 3, 1, f"Bộ lọc: {data.filter_text}")
    by_stage = _tally(cs, lambda c: [c.stage])
    r = _count_block(
        ws,
        5,
        "Theo giai đoạn",
        [(s.label_vi, len(by_stage[s.code]), _area(by_stage[s.code])) for s in stages.STAGES],
    )
    by_district = _tally(cs, lambda c: districts_of(c) or ["(chưa rõ)"])
    r = _count_block(
        ws,
        r,
        "Theo quận/huyện cũ (cụm nằm trên hai huyện được đếm ở cả hai)",
        [(d, len(v), _area(v)) for d, v in sorted(by_district.items())],
    )
    by_batch = _tally(cs, lambda c: [c.batch or "unknown"])
    batch_rows = [(label("batch", b) or b, len(by_batch[b]), _area(by_batch[b])) for b in BATCHES]
    batch_rows.append(("Chưa rõ", len(by_batch["unknown"]), _area(by_batch["unknown"])))
    r = _count_block(ws, r, "Theo đợt thành lập", batch_rows)
    _figures_block(ws, r, data)
    ws.column_dimensions["A"].width = 48
    for col in "BCDEF":
        ws.column_dimensions[col].width = 18
    ws.column_dimensions["G"].width = 60


def _figures_block(ws: Worksheet, row: int, data: ExportSet) -> None:
    _put(ws, row, 1, "Sổ đăng ký so với số liệu báo cáo chính thức").font = _BOLD
    _head(
        ws,
        row + 1,
        [
            "Chỉ tiêu",
            "Sổ đăng ký",
            "Báo cáo",
            "Ngày báo cáo",
            "Chênh lệch",
            "Diện tích báo cáo",
            "Nguồn",
        ],
    )
    r = row + 2
    for cmp in figures.compare(data.clusters, data.figures):
        rep = cmp.reported
        _put(ws, r, 1, cmp.category.title.vi)
        _put(ws, r, 2, cmp.registry)
        _put(ws, r, 3, rep.count if rep else None)
        if rep:
            _put(ws, r, 4, rep.as_of).number_format = DATE
            _put(ws, r, 6, rep.area_ha).number_format = HA
            _put(ws, r, 7, rep.source)
        _put(ws, r, 5, cmp.gap)
        r += 1


def _info_sheet(ws: Worksheet, data: ExportSet) -> None:
    rows = [
        ("Sổ đăng ký cụm công nghiệp Hà Nội", ""),
        ("Thời điểm xuất", data.stamp_hanoi),
        ("Thời điểm xuất (UTC)", data.stamp),
        ("Bộ lọc", data.filter_text),
        ("Số cụm", len(data.clusters)),
        ("Hệ tọa độ", "WGS 84 (EPSG:4326), kinh độ/vĩ độ"),
    ]
    for i, (k, v) in enumerate(rows, start=1):
        _put(ws, i, 1, k).font = _BOLD
        _put(ws, i, 2, v)
    start = len(rows) + 2
    _head(ws, start, ["Cột", "Trường", "Đơn vị", "Ý nghĩa"])
    for i, (field, _) in enumerate(COLUMNS, start=start + 1):
        if field in ("lon", "lat"):
            unit, desc = "°", "WGS84; điểm của cụm hoặc một điểm trong ranh giới"
        elif field == "wkt":
            unit, desc = "", "ranh giới dạng WKT, WGS84 (trống khi quá dài cho một ô Excel)"
        else:
            spec = FIELD_BY_NAME[field]
            unit, desc = spec.unit, spec.description.vi
        _put(ws, i, 1, header(field))
        _put(ws, i, 2, field)
        _put(ws, i, 3, unit)
        _put(ws, i, 4, desc)
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["D"].width = 70


def xlsx_bytes(data: ExportSet, progress: Callable[[float, str], object] | None = None) -> bytes:
    report = progress or (lambda _f, _m: None)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_CLUSTERS
    report(0.1, SHEET_CLUSTERS)
    _clusters_sheet(ws, data)
    report(0.6, SHEET_COUNTS)
    _counts_sheet(wb.create_sheet(SHEET_COUNTS), data)
    _info_sheet(wb.create_sheet(SHEET_INFO), data)
    wb.properties.title = "Sổ đăng ký cụm công nghiệp Hà Nội"
    wb.properties.description = data.description()
    wb.properties.created = data.when.replace(tzinfo=None)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
