"""One reader per file format, each returning a ``RawTable`` (see ``readers.load``)."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import warnings
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import shapely
from fastkml import Data, Placemark, SchemaData, find_all
from fastkml.kml import KML
from lxml import etree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from clusters.geo import WGS84
from clusters.io.columns import recognised
from clusters.io.crs import crs_code
from clusters.io.encoding import decode_text, legacy_encoding, legacy_error
from clusters.io.errors import ImportFileError
from clusters.io.limits import Limits, check_feature_count, unzip
from clusters.io.table import HEADER_SCAN_ROWS, RawTable, header_row
from clusters.io.values import is_blank

_GEOMETRY_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    shapely.errors.ShapelyError,
)


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
    if isinstance(crs_member, dict):
        name = (crs_member.get("properties") or {}).get("name")
        if isinstance(name, str):
            stated = crs_code(name)
    table = RawTable("geojson", [], [], [], [], stated, WGS84)
    assert table.geometries is not None
    for i, feat in enumerate(features):
        feat = feat if isinstance(feat, dict) else {}
        props = feat.get("properties")
        row = {str(k): plain(v) for k, v in (props if isinstance(props, dict) else {}).items()}
        if feat.get("id") is not None and is_blank(row.get("id")):
            row["id"] = feat["id"]
        _add_row(table, row, str(i + 1))
        try:
            table.geometries.append(_shape(feat.get("geometry")))
        except _GEOMETRY_ERRORS as exc:
            table.geometries.append(None)
            table.geometry_errors[i] = str(exc)[:120] or type(exc).__name__
    return table


def _add_row(table: RawTable, row: dict[str, Any], ref: str) -> None:
    for k in row:
        if k not in table.headers:
            table.headers.append(k)
    table.rows.append(row)
    table.refs.append(ref)


# GeoPackage and Shapefile (through GDAL) -------------------------------------------------


def _read_layer(path: Path, layer: str | None, encoding: str | None = None) -> tuple[Any, dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        info = pyogrio.read_info(path, layer=layer, encoding=encoding)
        frame = pyogrio.read_dataframe(path, layer=layer, fid_as_index=True, encoding=encoding)
    return frame, info


def _frame_rows(table: RawTable, frame: Any, info: dict, prefix: str) -> None:
    """Append a GeoDataFrame's rows; a named FID column (e.g. ``id``) becomes a column."""
    fid = info.get("fid_column") or ""
    attrs = [c for c in frame.columns if c != frame.geometry.name]
    assert table.geometries is not None
    for n, (index, rec) in enumerate(frame.iterrows()):
        row = {str(c): plain(rec[c]) for c in attrs}
        if fid and fid.lower() != "fid" and fid not in row:
            row[fid] = plain(index)
        _add_row(table, row, f"{prefix}{n + 1}")
        table.geometries.append(rec[frame.geometry.name])


def _damaged(kind_vi: str, kind_en: str) -> ImportFileError:
    return ImportFileError(
        f"Tệp {kind_vi} bị hỏng hoặc không đọc được.",
        f"The {kind_en} file is damaged or cannot be read.",
    )


def read_gpkg(data: bytes, limits: Limits) -> RawTable:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.gpkg"
        path.write_bytes(data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                layers = [str(n) for n, g in pyogrio.list_layers(path) if g is not None]
            read = [(name, *_read_layer(path, name)) for name in layers]
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise _damaged("GeoPackage", "GeoPackage") from exc
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
    for name, frame, info in read:
        if len(crss) > 1:
            frame = frame.to_crs(WGS84)
        prefix = f"{name}:" if len(read) > 1 else ""
        _frame_rows(table, frame, info, prefix)
        check_feature_count(len(table.rows), limits)
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
    encoding = _dbf_encoding(files, stem)
    with tempfile.TemporaryDirectory() as tmp:
        for suffix, content in parts.items():
            (Path(tmp) / f"layer{suffix}").write_bytes(content)
        try:
            frame, info = _read_layer(Path(tmp) / "layer.shp", None, encoding)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise _damaged("Shapefile", "Shapefile") from exc
    check_feature_count(len(frame), limits)
    stated = crs_code(info["crs"]) if info.get("crs") else None
    table = RawTable("shapefile", [], [], [], [], stated, None)
    _frame_rows(table, frame, info, "")
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
    doc = KML.class_from_element(ns=ns, element=root, strict=False)
    table = RawTable("kml", [], [], [], [], None, WGS84)
    assert table.geometries is not None
    placemarks: list[Any] = list(find_all(doc, of_type=Placemark))
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
        _add_row(table, row, str(i + 1))
        try:
            table.geometries.append(_shape(pm.geometry))
        except _GEOMETRY_ERRORS as exc:
            table.geometries.append(None)
            table.geometry_errors[i] = str(exc)[:120] or type(exc).__name__
        check_feature_count(len(table.rows), limits)
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


def _table_from_cells(fmt: str, cells: list[list[Any]], first_row: int, limits: Limits) -> RawTable:
    """Rows of cells → RawTable; ``first_row`` is the spreadsheet number of ``cells[0]``."""
    h = header_row(cells)
    headers = _unique_headers(cells[h] if cells else [])
    table = RawTable(fmt, headers, [], [], None)
    for offset, cells_row in enumerate(cells[h + 1 :]):
        if all(is_blank(v) for v in cells_row):
            continue
        row = {headers[j]: v for j, v in enumerate(cells_row[: len(headers)])}
        table.rows.append(row)
        table.refs.append(str(first_row + h + 1 + offset))
        check_feature_count(len(table.rows), limits)
    return table


def _unique_headers(raw: Sequence[Any]) -> list[str]:
    out: list[str] = []
    for j, v in enumerate(raw):
        name = str(v).strip() if not is_blank(v) else f"({j + 1})"
        base, n = name, 2
        while name in out:
            name, n = f"{base} ({n})", n + 1
        out.append(name)
    return out


def read_csv(data: bytes, limits: Limits) -> RawTable:
    text = decode_text(data)
    lines = text.splitlines()
    if lines and lines[0].lower().startswith("sep="):
        delimiter = lines[0][4:5] or ","
        text = "\n".join(lines[1:])
        skipped = 1
    else:
        skipped = 0
        try:
            delimiter = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    try:
        cells: list[list[Any]] = list(
            csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        )
    except csv.Error as exc:
        raise ImportFileError(f"CSV không hợp lệ: {exc}.", f"Invalid CSV: {exc}.") from exc
    return _table_from_cells("csv", cells, 1 + skipped, limits)


def _sheet_rows(ws: Any, limit: int) -> list[list[Any]]:
    out: list[list[Any]] = []
    for row in ws.iter_rows(values_only=True):
        out.append([_excel_value(v) for v in row])
        if len(out) > limit:
            break
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

    unzip(data, limits)  # refuses zip bombs before openpyxl unpacks anything
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        OSError,
        TypeError,
    ) as exc:
        raise _damaged("Excel", "Excel") from exc
    try:
        sheets = [ws for ws in wb.worksheets if hasattr(ws, "iter_rows")]
        if not sheets:
            raise ImportFileError(
                "Tệp Excel không có trang tính nào.", "The Excel file has no worksheet."
            )
        best = max(sheets, key=lambda ws: _sheet_score(ws))
        cells = _sheet_rows(best, limits.max_features + 50)
    finally:
        wb.close()
    return _table_from_cells("xlsx", cells, 1, limits)


def _sheet_score(ws: Any) -> int:
    rows = ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)
    return max((recognised(r) for r in rows), default=0)
