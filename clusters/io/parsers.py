"""One reader per file format, each returning a ``RawTable`` (see ``readers.load``).

A reader returns rows or raises ``ImportFileError``: a damaged or hostile file never ends
in a traceback or a hang. Work is linear in the file's size, and every limit (columns,
rows, layers) is checked before the rows it bounds are built. Where a library can raise
almost anything on garbage (GDAL, openpyxl, fastkml), its errors are caught at the
reader's boundary, logged, and turned into a message naming the format.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd
import pyogrio
import shapely
from fastkml import Data, Placemark, SchemaData, find_all
from fastkml.exceptions import FastKMLError
from fastkml.kml import KML
from lxml import etree
from pyproj.exceptions import ProjError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from clusters.geo import WGS84
from clusters.io.columns import recognised
from clusters.io.crs import crs_code
from clusters.io.encoding import decode_text, legacy_encoding, legacy_error
from clusters.io.errors import ImportFileError
from clusters.io.limits import (
    ZIP_ERRORS,
    Limits,
    check_column_count,
    check_feature_count,
    too_many_columns,
    unzip,
)
from clusters.io.table import HEADER_SCAN_ROWS, RawTable, header_row
from clusters.io.values import is_blank

log = logging.getLogger(__name__)

# What building one geometry from a file's description raises when it is malformed; a
# GeometryCollection nested a thousand deep raises RecursionError.
_GEOMETRY_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    RecursionError,
    shapely.errors.ShapelyError,
)
# What GDAL (through pyogrio and shapely) raises on a damaged GeoPackage or Shapefile:
# pyogrio's errors are RuntimeErrors; a bad geometry blob or date raises the others.
_GDAL_ERRORS = (
    RuntimeError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    shapely.errors.ShapelyError,
)
# What openpyxl raises on a damaged workbook: broken XML (ParseError from the standard
# library, XMLSyntaxError from lxml), missing parts (KeyError), wrong values anywhere
# (ValueError, TypeError …), and the zip errors.
_XLSX_ERRORS = (
    *ZIP_ERRORS,
    ParseError,
    etree.LxmlError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
)
# What fastkml raises on KML that is well-formed XML but not sensible KML.
_KML_ERRORS = (
    FastKMLError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
    etree.LxmlError,
)
_EXCEL_MAX_ROWS = 1_048_576  # more rows than Excel allows: the file is damaged
_SNIFF_CHARS = 4096  # csv.Sniffer is quadratic in a line's length: give it a short sample


def plain(value: Any) -> Any:
    """A cell value as a plain Python value: no numpy scalars, no NaN/NaT, JSON as text."""
    if value is None:
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NaT:
        return None
    return value


def _shape(geometry: Any) -> BaseGeometry | None:
    return shape(geometry) if geometry else None


# GeoJSON ---------------------------------------------------------------------------------


def _too_deep(kind_vi: str, kind_en: str) -> ImportFileError:
    return ImportFileError(
        f"{kind_vi} lồng nhau quá sâu (hàng trăm cấp): tệp bị hỏng hoặc không phải dữ liệu bản đồ.",
        f"The {kind_en} is nested far too deep (hundreds of levels): the file is damaged or "
        "not map data.",
    )


def read_geojson(data: bytes, limits: Limits) -> RawTable:
    text = decode_text(data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"GeoJSON không hợp lệ: lỗi cú pháp JSON ở dòng {exc.lineno}, cột {exc.colno} "
            f"({exc.msg}).",
            f"Invalid GeoJSON: JSON syntax error at line {exc.lineno}, column {exc.colno} "
            f"({exc.msg}).",
        ) from exc
    except RecursionError as exc:
        raise _too_deep("GeoJSON", "GeoJSON") from exc
    except ValueError as exc:  # an integer of thousands of digits
        raise ImportFileError(
            "GeoJSON không hợp lệ: có một số dài hàng nghìn chữ số.",
            "Invalid GeoJSON: a number has thousands of digits.",
        ) from exc
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection" and isinstance(doc.get("features"), list):
        features = doc["features"]
    elif kind == "Feature":
        features = [doc]
    elif isinstance(kind, str) and ("coordinates" in doc or "geometries" in doc):
        features = [{"type": "Feature", "properties": {}, "geometry": doc}]
    else:
        raise ImportFileError(
            'Tệp JSON không phải GeoJSON (thiếu "type": "FeatureCollection" hoặc "Feature").',
            'The JSON file is not GeoJSON (no "type": "FeatureCollection" or "Feature").',
        )
    check_feature_count(len(features), limits)
    stated = None
    crs_member = doc.get("crs")
    if isinstance(crs_member, dict) and isinstance(crs_member.get("properties"), dict):
        name = crs_member["properties"].get("name")
        if isinstance(name, str):
            stated = crs_code(name)
    table = RawTable("geojson", [], [], [], [], stated, WGS84)
    rows = _Rows(table, limits)
    try:
        for i, feat in enumerate(features):
            feat = feat if isinstance(feat, dict) else {}
            props = feat.get("properties")
            props = props if isinstance(props, dict) else {}
            check_column_count(len(props), limits)  # before building a row of 80 000 keys
            row = {str(k): plain(v) for k, v in props.items()}
            if feat.get("id") is not None and is_blank(row.get("id")):
                row["id"] = plain(feat["id"])
            rows.add(row, str(i + 1))
            rows.add_geometry(i, feat.get("geometry"))
    except RecursionError as exc:  # a property nested deeper than json.dumps can write
        raise _too_deep("GeoJSON", "GeoJSON") from exc
    return table


@dataclass
class _Rows:
    """Appends rows to a table; a header is looked up in a set, so adding is linear."""

    table: RawTable
    limits: Limits
    seen: set[str] = field(default_factory=set)

    def add(self, row: dict[str, Any], ref: str) -> None:
        for k in row:
            if k not in self.seen:
                self.seen.add(k)
                self.table.headers.append(k)
        check_column_count(len(self.table.headers), self.limits)
        self.table.rows.append(row)
        self.table.refs.append(ref)

    def add_geometry(self, i: int, described: Any) -> None:
        """The row's geometry, or None and the reason when the file's one is malformed."""
        assert self.table.geometries is not None
        try:
            self.table.geometries.append(_shape(described))
        except _GEOMETRY_ERRORS as exc:
            self.table.geometries.append(None)
            self.table.geometry_errors[i] = " ".join(str(exc).split())[:120] or type(exc).__name__


# GeoPackage and Shapefile (through GDAL) -------------------------------------------------


def _read_layer(
    path: Path, layer: str | None, limits: Limits, encoding: str | None = None
) -> tuple[Any, dict]:
    """A layer's features, its width and length checked before any feature is read."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        info = pyogrio.read_info(path, layer=layer, encoding=encoding)
        check_column_count(len(info.get("fields", ())), limits)
        check_feature_count(int(info.get("features") or 0), limits)  # -1 when unknown
        frame = pyogrio.read_dataframe(path, layer=layer, fid_as_index=True, encoding=encoding)
    return frame, info


def _frame_rows(rows: _Rows, frame: Any, info: dict, prefix: str) -> None:
    """Append a GeoDataFrame's rows; a named FID column (e.g. ``id``) becomes a column."""
    fid = info.get("fid_column") or ""
    attrs = [c for c in frame.columns if c != frame.geometry.name]
    # From the geometry array, not the row: a missing geometry is None there, NaN in a row.
    geometries = list(frame.geometry.values)
    assert rows.table.geometries is not None
    for n, (index, rec) in enumerate(frame.iterrows()):
        row = {str(c): plain(rec[c]) for c in attrs}
        if fid and fid.lower() != "fid" and fid not in row:
            row[fid] = plain(index)
        rows.add(row, f"{prefix}{n + 1}")
        rows.table.geometries.append(geometries[n])


def _damaged(kind_vi: str, kind_en: str) -> ImportFileError:
    return ImportFileError(
        f"Tệp {kind_vi} bị hỏng hoặc không đọc được.",
        f"The {kind_en} file is damaged or cannot be read.",
    )


def _unreadable(kind_vi: str, kind_en: str, exc: BaseException) -> ImportFileError:
    """A library's error on a damaged file, logged for us, explained to the user."""
    # At INFO: the command line shows WARNING, and a user must never see a traceback.
    log.info("unreadable %s file: %r", kind_en, exc, exc_info=exc)
    return _damaged(kind_vi, kind_en)


def _not_utf8(where_vi: str, where_en: str) -> ImportFileError:
    return ImportFileError(
        f"{where_vi} ghi là UTF-8 nhưng có chữ không phải UTF-8 (tệp bị hỏng hoặc bảng mã "
        "cũ). Hãy lưu lại dạng UTF-8.",
        f"{where_en} says UTF-8 but holds text that is not UTF-8 (a damaged file or a legacy "
        "encoding). Save it again as UTF-8.",
    )


def read_gpkg(data: bytes, limits: Limits) -> RawTable:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.gpkg"
        path.write_bytes(data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                layers = [str(n) for n, g in pyogrio.list_layers(path) if g is not None]
            if len(layers) > limits.max_members:
                raise ImportFileError(
                    f"GeoPackage có {len(layers)} lớp, vượt giới hạn {limits.max_members}.",
                    f"The GeoPackage has {len(layers)} layers, over the limit of "
                    f"{limits.max_members}.",
                )
            read = []
            for name in layers:
                read.append((name, *_read_layer(path, name, limits)))
                check_feature_count(sum(len(f) for _, f, _ in read), limits)
        except UnicodeDecodeError as exc:
            raise _not_utf8("GeoPackage", "The GeoPackage") from exc
        except _GDAL_ERRORS as exc:
            raise _unreadable("GeoPackage", "GeoPackage", exc) from exc
    if not read:
        raise ImportFileError(
            "GeoPackage không có lớp nào chứa hình học (điểm hoặc vùng).",
            "The GeoPackage has no layer with geometry (points or polygons).",
        )
    crss = {info.get("crs") for _, _, info in read}
    stated = next(iter(crss)) if len(crss) == 1 else WGS84
    if len(crss) > 1 and None in crss:
        raise ImportFileError(
            "Các lớp trong GeoPackage không cùng hệ tọa độ và có lớp không ghi hệ tọa độ.",
            "The GeoPackage's layers differ in coordinate system and some state none.",
        )
    table = RawTable("gpkg", [], [], [], [], crs_code(stated) if stated else None, None)
    rows = _Rows(table, limits)
    for name, frame, info in read:
        if len(crss) > 1:
            try:
                frame = frame.to_crs(WGS84)
            except (ProjError, ValueError) as exc:
                raise ImportFileError(
                    f"Không chuyển được lớp «{name}» từ hệ tọa độ của nó sang WGS 84.",
                    f"The layer '{name}' cannot be transformed from its coordinate system "
                    "to WGS 84.",
                ) from exc
        prefix = f"{name}:" if len(read) > 1 else ""
        _frame_rows(rows, frame, info, prefix)
    return table


def _dbf_encoding(files: dict[str, bytes], stem: str) -> str | None:
    """UTF-8 when a .dbf without .cpg holds UTF-8 text; legacy Vietnamese is refused."""
    if any(PurePosixPath(n).stem == stem and n.lower().endswith(".cpg") for n in files):
        return None
    dbf = next(
        v for n, v in files.items() if PurePosixPath(n).stem == stem and n.lower().endswith(".dbf")
    )
    header_len = int.from_bytes(dbf[8:10], "little") if len(dbf) > 10 else 0
    records = dbf[header_len:]
    if not any(b > 0x7F for b in records):
        return None
    try:
        records.decode("utf-8")
    except UnicodeDecodeError:
        raise legacy_error(legacy_encoding(records)) from None
    return "UTF-8"


def _read_shapefile(files: dict[str, bytes], shp: str, limits: Limits) -> RawTable:
    stem = PurePosixPath(shp).stem
    parts = {
        PurePosixPath(n).suffix.lower(): v
        for n, v in files.items()
        if PurePosixPath(n).stem == stem
    }
    missing = [s for s in (".shx", ".dbf") if s not in parts]
    if missing:
        raise ImportFileError(
            f"Shapefile «{stem}» thiếu tệp {', '.join(missing)} trong tệp zip.",
            f"The Shapefile '{stem}' lacks its {', '.join(missing)} file in the zip.",
        )
    try:
        # A .prj is ASCII WKT; pyogrio fails on one that is not text (UnboundLocalError).
        parts.get(".prj", b"").decode("utf-8")
    except UnicodeDecodeError:
        raise ImportFileError(
            f"Tệp hệ tọa độ .prj của Shapefile «{stem}» bị hỏng (không phải văn bản).",
            f"The coordinate system file .prj of the Shapefile '{stem}' is damaged (it is "
            "not text).",
        ) from None
    encoding = _dbf_encoding(files, stem)
    with tempfile.TemporaryDirectory() as tmp:
        for suffix, content in parts.items():
            (Path(tmp) / f"layer{suffix}").write_bytes(content)
        try:
            frame, info = _read_layer(Path(tmp) / "layer.shp", None, limits, encoding)
        except UnicodeDecodeError as exc:  # the .cpg names an encoding the .dbf breaks
            raise _not_utf8(
                f"Bảng thuộc tính .dbf của «{stem}» (theo tệp .cpg)",
                f"The attribute table .dbf of '{stem}' (by its .cpg)",
            ) from exc
        except _GDAL_ERRORS as exc:
            raise _unreadable("Shapefile", "Shapefile", exc) from exc
    check_feature_count(len(frame), limits)
    stated = crs_code(info["crs"]) if info.get("crs") else None
    table = RawTable("shapefile", [], [], [], [], stated, None)
    _frame_rows(_Rows(table, limits), frame, info, "")
    return table


# KML -------------------------------------------------------------------------------------

_KML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


def read_kml(data: bytes, limits: Limits) -> RawTable:
    try:
        root = etree.fromstring(data, parser=_KML_PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 0
        raise ImportFileError(
            f"KML không hợp lệ: lỗi XML ở dòng {line}.",
            f"Invalid KML: XML error at line {line}.",
        ) from exc
    tag = root.tag if isinstance(root.tag, str) else ""
    ns = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
    if not tag.endswith("kml"):
        raise ImportFileError(
            "Tệp XML không phải KML (thiếu thẻ <kml>).",
            "The XML file is not KML (no <kml> element).",
        )
    try:
        doc = KML.class_from_element(ns=ns, element=root, strict=False)
        placemarks: list[Any] = list(find_all(doc, of_type=Placemark))
    except _KML_ERRORS as exc:
        raise _unreadable("KML", "KML", exc) from exc
    check_feature_count(len(placemarks), limits)
    table = RawTable("kml", [], [], [], [], None, WGS84)
    rows = _Rows(table, limits)
    for i, pm in enumerate(placemarks):
        row: dict[str, Any] = {}
        ext = getattr(pm, "extended_data", None)
        for el in getattr(ext, "elements", None) or []:
            if isinstance(el, Data) and el.name:
                row[str(el.name)] = el.value
            elif isinstance(el, SchemaData):
                for sd in el.data or []:
                    row[str(sd.name)] = sd.value
        if pm.name and is_blank(row.get("name")):
            row["name"] = pm.name
        if pm.description and "description" not in row:
            row["description"] = pm.description
        rows.add(row, str(i + 1))
        rows.add_geometry(i, pm.geometry)
    return table


# Zip: a Shapefile or a KMZ ---------------------------------------------------------------


def _visible(name: str) -> bool:
    p = PurePosixPath(name)
    return not name.startswith("__MACOSX/") and not p.name.startswith(".")


def read_zip(data: bytes, limits: Limits) -> RawTable:
    files = {n: v for n, v in unzip(data, limits).items() if _visible(n)}
    shps = sorted(n for n in files if n.lower().endswith(".shp"))
    kmls = sorted(n for n in files if n.lower().endswith(".kml"))
    if len(shps) == 1:
        return _read_shapefile(files, shps[0], limits)
    if len(shps) > 1:
        raise ImportFileError(
            f"Tệp zip chứa {len(shps)} Shapefile ({', '.join(shps[:5])}): mỗi lần nhập một.",
            f"The zip holds {len(shps)} Shapefiles ({', '.join(shps[:5])}): import one at a time.",
        )
    if kmls:
        main = next((n for n in kmls if PurePosixPath(n).name == "doc.kml"), kmls[0])
        return read_kml(files[main], limits)
    found = ", ".join(sorted(files)[:5]) or "—"
    raise ImportFileError(
        f"Tệp zip không chứa Shapefile (.shp kèm .shx, .dbf) hay KML; trong đó có: {found}.",
        f"The zip holds no Shapefile (.shp with .shx, .dbf) or KML; it contains: {found}.",
    )


# CSV and Excel ---------------------------------------------------------------------------


def _table_from_cells(fmt: str, rows: list[tuple[int, list[Any]]], limits: Limits) -> RawTable:
    """Non-blank rows, each with its spreadsheet row number, → RawTable."""
    h = header_row([cells for _, cells in rows])
    headers = _unique_headers(rows[h][1] if rows else [])
    table = RawTable(fmt, headers, [], [], None)
    for number, cells in rows[h + 1 :]:
        table.rows.append({headers[j]: v for j, v in enumerate(cells[: len(headers)])})
        table.refs.append(str(number))
        check_feature_count(len(table.rows), limits)
    return table


def _unique_headers(raw: Sequence[Any]) -> list[str]:
    out: list[str] = []
    taken: set[str] = set()
    # Per name, the next suffix to try: the names below it are all taken already, so
    # a thousand columns called "1" cost a thousand steps, not a billion.
    suffix: dict[str, int] = {}
    for j, v in enumerate(raw):
        name = str(v).strip() if not is_blank(v) else f"({j + 1})"
        base, n = name, suffix.get(name, 2)
        while name in taken:
            name, n = f"{base} ({n})", n + 1
        suffix[base] = n
        taken.add(name)
        out.append(name)
    return out


def _row_cap(limits: Limits) -> int:
    """Non-blank rows worth reading: the header's scan window, then one over the limit."""
    return limits.max_features + HEADER_SCAN_ROWS + 1


def _csv_dialect(text: str) -> tuple[str, str, int]:
    """The body of a CSV text, its delimiter, and how many lines came before the body."""
    if text[:4].lower() == "sep=":
        # Excel's "sep=;" first line; the body starts after its line break, kept intact.
        brk = re.search(r"\r\n?|\n", text)
        delimiter = text[4:5] if text[4:5] not in ("", '"', "\r", "\n") else ","
        return (text[brk.end() :] if brk else ""), delimiter, 1
    sample = "\n".join(text[:_SNIFF_CHARS].splitlines()[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    return text, delimiter, 0


def _wider_than(text: str, delimiter: str, limit: int) -> bool:
    """Whether a record of the CSV text has more than ``limit`` fields, found without
    building a row (10 MB of commas would be a list of ten million fields).

    Quoted fields (which may hold delimiters and line breaks) are cut out first, as csv
    reads them: a quote opens a field only at the field's start, and "" inside is a quote.
    The patterns start with a literal and use possessive quantifiers, so they stay linear.
    """
    d = re.escape(delimiter)
    opening = rf'"(?<![^{d}\r\n]")'  # a quote at the start of a field (or of the text)
    bare = re.sub(opening + r'[^"]*+(?:""[^"]*+)*+"', "", text)
    unclosed = re.search(opening, bare)
    if unclosed:  # csv reads the rest of the text as one field
        bare = bare[: unclosed.start()]
    if bare.count(delimiter) < limit:
        return False  # the common case, at the speed of a count
    # csv ends a record at \r as at \n; "^" in MULTILINE mode knows only \n.
    wide = rf"(?m)^(?:[^\n{d}]*+{d}){{{limit}}}"
    return re.search(wide, bare.replace("\r", "\n")) is not None


_LINE = re.compile(r"[^\r\n]*+(?:\r\n|\r|\n)|[^\r\n]++")


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their line breaks, one at a time, as csv wants them.

    Not ``io.StringIO``: it holds four bytes a character, 200 MB for a 50 MB file.
    """
    return (m.group() for m in _LINE.finditer(text))


def read_csv(data: bytes, limits: Limits) -> RawTable:
    text = decode_text(data)
    body, delimiter, skipped = _csv_dialect(text)
    if _wider_than(body, delimiter, limits.max_columns):
        raise too_many_columns(limits)
    rows: list[tuple[int, list[Any]]] = []
    try:
        reader = csv.reader(_lines(body), delimiter=delimiter)
        for number, cells in enumerate(reader, start=1 + skipped):
            if number > _EXCEL_MAX_ROWS:  # 50 MB of line breaks would be 50 million rows
                raise ImportFileError(
                    f"Tệp CSV có hơn {_EXCEL_MAX_ROWS:,} dòng (kể cả dòng trống), nhiều hơn "
                    "một bảng tính chứa được.",
                    f"The CSV file has more than {_EXCEL_MAX_ROWS:,} lines (blank ones "
                    "included), more than a spreadsheet can hold.",
                )
            if not cells or all(is_blank(v) for v in cells):
                continue
            rows.append((number, cells))
            if len(rows) > _row_cap(limits):
                break
    except csv.Error as exc:
        raise ImportFileError(f"CSV không hợp lệ: {exc}.", f"Invalid CSV: {exc}.") from exc
    return _table_from_cells("csv", rows, limits)


def _sheet_rows(ws: Any, limits: Limits) -> list[tuple[int, list[Any]]]:
    """The sheet's non-blank rows, numbered as Excel shows them, padded to one width."""
    out: list[tuple[int, list[Any]]] = []
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if number > _EXCEL_MAX_ROWS:
            raise _damaged("Excel", "Excel")
        width = len(row)
        while width and is_blank(row[width - 1]):
            width -= 1
        if not width:
            continue
        check_column_count(width, limits)
        out.append((number, [_excel_value(v) for v in row[:width]]))
        if len(out) > _row_cap(limits):
            break
    widest = max((len(cells) for _, cells in out), default=0)
    for _, cells in out:
        cells.extend([None] * (widest - len(cells)))
    return out


def _excel_value(v: Any) -> Any:
    if isinstance(v, datetime) and v.time() == datetime.min.time():
        return v.date()
    if isinstance(v, date | datetime | str | int | float | bool) or v is None:
        return v
    return str(v)


def read_xlsx(data: bytes, limits: Limits) -> RawTable:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unzip(data, limits)  # refuses zip bombs and damaged members before openpyxl unpacks
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, *_XLSX_ERRORS) as exc:
        raise _unreadable("Excel", "Excel", exc) from exc
    try:
        sheets = [ws for ws in wb.worksheets if hasattr(ws, "iter_rows")]
        if not sheets:
            raise ImportFileError(
                "Tệp Excel không có trang tính nào.", "The Excel file has no worksheet."
            )
        for ws in sheets:
            # The size a sheet states is not trusted: "A1:XFD1048576" would make openpyxl
            # pad every row to 16 384 cells and add empty rows up to a million.
            ws.reset_dimensions()
        best = max(sheets, key=lambda ws: _sheet_score(ws, limits))
        cells = _sheet_rows(best, limits)
    except _XLSX_ERRORS as exc:  # read-only sheets are parsed while their rows are read
        raise _unreadable("Excel", "Excel", exc) from exc
    finally:
        wb.close()
    return _table_from_cells("xlsx", cells, limits)


def _sheet_score(ws: Any, limits: Limits) -> int:
    rows = ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)
    return max((recognised(r[: limits.max_columns]) for r in rows), default=0)
