"""Reading uploaded files: GeoJSON, GeoPackage, KML/KMZ, zipped Shapefile, CSV and XLSX.

``load`` turns bytes into a ``RawTable`` (headers, rows, geometries as in the file);
``locate`` finds each row's geometry (from the file or from coordinate columns) in WGS84;
``read_vector`` does both for callers that want features, e.g. uploading one boundary.
Every problem a person can fix raises ``ImportFileError`` with a message saying what to do.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import ProjError
from shapely.geometry import MultiPoint, MultiPolygon, Point
from shapely.geometry.base import BaseGeometry

from clusters.errors import Problem
from clusters.geo import WGS84, transformer
from clusters.io import columns, parsers
from clusters.io.crs import crs_label, resolve_crs
from clusters.io.encoding import check_text
from clusters.io.errors import ImportFileError
from clusters.io.limits import Limits, check_column_count, check_feature_count, check_size
from clusters.io.table import RawTable, row_name
from clusters.io.values import is_blank, parse_number

ACCEPTED_SUFFIXES = (".geojson", ".json", ".gpkg", ".kml", ".kmz", ".zip", ".csv", ".txt", ".xlsx")
# Hanoi in the VN-2000 and UTM grids (metres): northings near 2.3 million, eastings near
# 500 000. Vietnamese survey sheets call the northing X, so a file with X ≈ 2.3 million
# has its axes the surveyors' way round.
_NORTHING = (2_200_000.0, 2_450_000.0)
_EASTING = (350_000.0, 700_000.0)


@dataclass
class Located:
    """Each row's geometry in WGS84 (None when it has none), and notes on the way there."""

    geometries: list[BaseGeometry | None]
    crs: str
    problems: dict[int, list[Problem]] = field(default_factory=dict)
    notes: list[Problem] = field(default_factory=list)


def _suffix(filename: str) -> str:
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower()


_BY_SUFFIX = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".kml": "kml",
    ".kmz": "zip",
    ".zip": "zip",
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
}


def detect_format(data: bytes, filename: str) -> str:
    """The reader for a file, from its name, else from its first bytes."""
    suffix = _suffix(filename)
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix == ".xls":
        raise ImportFileError(
            "Tệp Excel cũ (.xls) không được hỗ trợ: hãy mở bằng Excel và lưu dạng .xlsx.",
            "Old Excel files (.xls) are not supported: open it in Excel and save it as .xlsx.",
        )
    if suffix in (".shp", ".dbf", ".shx", ".prj"):
        raise ImportFileError(
            "Shapefile gồm nhiều tệp: hãy nén .shp, .shx, .dbf và .prj vào một tệp .zip.",
            "A Shapefile is several files: zip the .shp, .shx, .dbf and .prj together.",
        )
    head = data[:64].lstrip()
    if head.startswith(b"PK"):
        return "zip"
    if head.startswith(b"SQLite format 3"):
        return "gpkg"
    if head.startswith((b"{", b"[")):
        return "geojson"
    if head.startswith((b"<?xml", b"<kml")):
        return "kml"
    raise ImportFileError(
        f"Không nhận ra định dạng của «{filename}». Chấp nhận: GeoJSON, GeoPackage, KML/KMZ, "
        "Shapefile nén .zip, CSV, Excel .xlsx.",
        f"The format of '{filename}' is not recognised. Accepted: GeoJSON, GeoPackage, "
        "KML/KMZ, zipped Shapefile, CSV, Excel .xlsx.",
    )


def load(data: bytes, filename: str, limits: Limits | None = None) -> RawTable:
    """Read a file's rows and geometries as they are; nothing is interpreted yet."""
    limits = limits or Limits.from_env()
    check_size(data, limits)
    fmt = detect_format(data, filename)
    readers: dict[str, Callable[[bytes, Limits], RawTable]] = {
        "geojson": parsers.read_geojson,
        "gpkg": parsers.read_gpkg,
        "kml": parsers.read_kml,
        "zip": parsers.read_zip,
        "csv": parsers.read_csv,
        "xlsx": parsers.read_xlsx,
    }
    table = readers[fmt](data, limits)
    check_feature_count(len(table.rows), limits)
    check_column_count(len(table.headers), limits)
    if not table.rows:
        raise ImportFileError(
            "Tệp không có dòng hoặc đối tượng nào.", "The file holds no rows or features."
        )
    check_text([*table.headers, *(v for r in table.rows for v in r.values())])
    return table


def _row_problem(code: str, field: str, vi: str, en: str) -> Problem:
    return Problem(code, field, vi, en, "error")


def _number(value: Any) -> float | None:
    if is_blank(value):
        return None
    if isinstance(value, str):
        dms = _parse_dms(value)
        if dms is not None:
            return dms
    return parse_number(value)


def _parse_dms(text: str) -> float | None:
    """21°01'30"N or 105° 51' 4.5" E → decimal degrees."""
    m = re.match(
        r"^\s*(-?\d+(?:[.,]\d+)?)\s*°\s*(?:(\d+(?:[.,]\d+)?)\s*['′]\s*)?"
        r"(?:(\d+(?:[.,]\d+)?)\s*(?:\"|″|'')\s*)?([NSEWnsew])?\s*$",
        text,
    )
    if not m:
        return None
    deg, minutes, seconds, hemi = m.groups()
    value = abs(float(deg.replace(",", ".")))
    value += float((minutes or "0").replace(",", ".")) / 60
    value += float((seconds or "0").replace(",", ".")) / 3600
    negative = deg.startswith("-") or (hemi or "").upper() in ("S", "W")
    return -value if negative else value


def _points_from_columns(
    table: RawTable, mapping: Mapping[str, str], xs: str, ys: str
) -> tuple[list[BaseGeometry | None], dict[int, list[Problem]]]:
    out: list[BaseGeometry | None] = []
    problems: dict[int, list[Problem]] = {}
    hx, hy = mapping[xs], mapping[ys]
    for i, row in enumerate(table.rows):
        try:
            x, y = _number(row.get(hx)), _number(row.get(hy))
        except (ValueError, TypeError):
            problems[i] = [
                _row_problem(
                    "bad_coordinates",
                    "geometry",
                    f"Không đọc được tọa độ «{row.get(hx)}», «{row.get(hy)}».",
                    f"Cannot read the coordinates '{row.get(hx)}', '{row.get(hy)}'.",
                )
            ]
            out.append(None)
            continue
        out.append(Point(x, y) if x is not None and y is not None else None)
    return out, problems


def _wkt(text: str) -> BaseGeometry:
    # GEOS reads WKT recursively and overflows the C stack (a crash, not an exception) on
    # collections nested deeply; a cluster is a point or a polygon, so one level is plenty.
    if text.upper().count("GEOMETRYCOLLECTION") > 1:
        raise ValueError("nested GEOMETRYCOLLECTION")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "invalid value" for NaN
        return shapely.from_wkt(text)


def _wkt_geometries(
    table: RawTable, header: str
) -> tuple[list[BaseGeometry | None], dict[int, list[Problem]]]:
    out: list[BaseGeometry | None] = []
    problems: dict[int, list[Problem]] = {}
    for i, row in enumerate(table.rows):
        raw = row.get(header)
        if is_blank(raw):
            out.append(None)
            continue
        try:
            out.append(_wkt(str(raw).strip()))
        except (shapely.errors.ShapelyError, ValueError):
            out.append(None)
            problems[i] = [
                _row_problem(
                    "bad_wkt",
                    "geometry",
                    f"Không đọc được ranh giới WKT «{str(raw)[:40]}…».",
                    f"Cannot read the WKT geometry '{str(raw)[:40]}…'.",
                )
            ]
    return out, problems


def _finite(
    geoms: list[BaseGeometry | None], problems: dict[int, list[Problem]], after_transform: bool
) -> list[BaseGeometry | None]:
    """The geometries with NaN or infinite coordinates dropped, each a problem of its row.

    Python's JSON, WKT and spreadsheets all carry NaN and Infinity; such a point would pass
    every later check (comparisons with NaN are false) and only fail when stored.
    """
    out: list[BaseGeometry | None] = []
    for i, g in enumerate(geoms):
        if g is None or bool(np.isfinite(shapely.get_coordinates(g)).all()):
            out.append(g)
            continue
        out.append(None)
        if after_transform:
            problem = _row_problem(
                "bad_coordinates",
                "geometry",
                "Không chuyển được tọa độ sang WGS 84: chúng nằm ngoài phạm vi của hệ tọa độ.",
                "The coordinates cannot be transformed to WGS 84: they are outside the "
                "coordinate system's area.",
            )
        else:
            problem = _row_problem(
                "bad_coordinates",
                "geometry",
                "Tọa độ không phải số hữu hạn (NaN hoặc vô cực).",
                "The coordinates are not finite numbers (NaN or infinity).",
            )
        problems.setdefault(i, []).append(problem)
    return out


def _geographic(crs: str) -> bool:
    return bool(CRS.from_user_input(crs).is_geographic)


def _swap_survey_axes(geoms: list[BaseGeometry | None]) -> bool:
    """True when projected points have X as the northing (the Vietnamese survey habit)."""
    pts = [g for g in geoms if g is not None and not g.is_empty]
    if not pts:
        return False
    bounds = shapely.bounds(pts)
    xs_north = (bounds[:, 0] >= _NORTHING[0]) & (bounds[:, 2] <= _NORTHING[1])
    ys_east = (bounds[:, 1] >= _EASTING[0]) & (bounds[:, 3] <= _EASTING[1])
    return bool((xs_north & ys_east).all())


def _swapped(g: BaseGeometry) -> BaseGeometry:
    return shapely.transform(g, lambda xy: xy[:, ::-1])


def _check_units(geoms: list[BaseGeometry | None], crs: str) -> None:
    present = [g for g in geoms if g is not None and not g.is_empty]
    if not present:
        return
    minx, miny, maxx, maxy = shapely.total_bounds(present)
    in_degrees = bool(abs(minx) <= 180 and abs(maxx) <= 180 and abs(miny) <= 90 and abs(maxy) <= 90)
    if _geographic(crs) and not in_degrees:
        raise ImportFileError(
            f"Tọa độ không phải độ kinh/vĩ (ví dụ {maxx:.0f}, {maxy:.0f}) dù hệ tọa độ là "
            f"{crs_label(crs)}: có vẻ là mét (VN-2000 phẳng?). Hãy chọn đúng hệ tọa độ.",
            f"The coordinates are not degrees (e.g. {maxx:.0f}, {maxy:.0f}) although the "
            f"coordinate system is {crs_label(crs)}: they look like metres (projected "
            "VN-2000?). Choose the right coordinate system.",
        )
    if not _geographic(crs) and in_degrees:
        raise ImportFileError(
            f"Tọa độ trông như độ kinh/vĩ (ví dụ {maxx:.4f}, {maxy:.4f}) nhưng hệ tọa độ "
            f"{crs_label(crs)} tính bằng mét. Hãy chọn WGS 84 hoặc VN-2000 địa lý (EPSG:4756).",
            f"The coordinates look like degrees (e.g. {maxx:.4f}, {maxy:.4f}) but "
            f"{crs_label(crs)} is in metres. Choose WGS 84 or geographic VN-2000 (EPSG:4756).",
        )


def tidy(geom: BaseGeometry | None) -> BaseGeometry | None:
    """2D, and a one-part multi-geometry as its single part; empty as None."""
    if geom is None or geom.is_empty:
        return None
    geom = shapely.force_2d(geom)
    if isinstance(geom, MultiPolygon | MultiPoint) and len(geom.geoms) == 1:
        return geom.geoms[0]
    return geom


def to_wgs84(geoms: list[BaseGeometry | None], crs: str) -> list[BaseGeometry | None]:
    if crs == WGS84:
        return geoms
    try:
        t = transformer(crs, WGS84)
        return [
            None if g is None else shapely.transform(g, lambda xy: _stack(t.transform, xy))
            for g in geoms
        ]
    except ProjError as exc:
        raise ImportFileError(
            f"Không chuyển được tọa độ từ {crs_label(crs)} sang WGS 84.",
            f"The coordinates cannot be transformed from {crs_label(crs)} to WGS 84.",
        ) from exc


def _stack(fn: Callable[..., Any], xy: Any) -> Any:
    x, y = fn(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def coordinate_columns(mapping: Mapping[str, str]) -> str | None:
    """Which coordinate columns a table mapping uses: "wkt", "lonlat", "xy" or None."""
    if "wkt" in mapping:
        return "wkt"
    if "lon" in mapping and "lat" in mapping:
        return "lonlat"
    if "x" in mapping and "y" in mapping:
        return "xy"
    return None


def locate(table: RawTable, mapping: Mapping[str, str], crs: str | None = None) -> Located:
    """Every row's geometry in WGS84, from the file's geometries or its coordinate columns."""
    notes: list[Problem] = []
    problems: dict[int, list[Problem]] = {}
    for i, message in table.geometry_errors.items():
        problems[i] = [
            _row_problem(
                "bad_geometry",
                "geometry",
                f"Không đọc được hình học: {message}.",
                f"Cannot read the geometry: {message}.",
            )
        ]
    if table.geometries is not None:
        geoms = list(table.geometries)
        used = resolve_crs(table.crs, crs, table.default_crs)
    else:
        kind = coordinate_columns(mapping)
        if kind is None:
            raise ImportFileError(
                "Không thấy cột tọa độ: cần cột kinh độ/vĩ độ (lon/lat), X/Y hoặc WKT; "
                "hãy chọn chúng trong bảng ghép cột.",
                "No coordinate columns found: longitude/latitude, X/Y or WKT columns are "
                "needed; pick them in the column mapping.",
            )
        if kind == "wkt":
            geoms, problems = _wkt_geometries(table, mapping["wkt"])
            if "lon" in mapping and "lat" in mapping:
                points, point_problems = _points_from_columns(table, mapping, "lon", "lat")
                for i, g in enumerate(geoms):
                    if g is None and i not in problems:
                        geoms[i] = points[i]
                        if i in point_problems:
                            problems[i] = point_problems[i]
            used = resolve_crs(None, crs, WGS84)
        elif kind == "lonlat":
            geoms, problems = _points_from_columns(table, mapping, "lon", "lat")
            used = resolve_crs(None, crs, WGS84)
        else:
            geoms, problems = _points_from_columns(table, mapping, "x", "y")
            used = resolve_crs(None, crs, None)
    geoms = _finite([tidy(g) for g in geoms], problems, after_transform=False)
    if table.is_table and coordinate_columns(mapping) == "xy" and _swap_survey_axes(geoms):
        geoms = [None if g is None else _swapped(g) for g in geoms]
        notes.append(
            Problem(
                "axes_swapped",
                "geometry",
                "Cột X là tọa độ Bắc, Y là tọa độ Đông (quy ước trắc địa Việt Nam): "
                "đã đổi chỗ khi đọc.",
                "Column X holds northings and Y eastings (the Vietnamese survey "
                "convention): swapped on reading.",
                "warning",
            )
        )
    _check_units(geoms, used)
    wgs84 = _finite(to_wgs84(geoms, used), problems, after_transform=True)
    return Located(wgs84, used, problems, notes)


def read_vector(data: bytes, filename: str, crs: str | None = None) -> gpd.GeoDataFrame:
    """The features of a file in WGS84 (EPSG:4326), with their attributes.

    For uploading a boundary: GeoJSON, GeoPackage, KML/KMZ, zipped Shapefile, or CSV/XLSX
    with lon/lat, X/Y or WKT columns. ``crs`` is used when the file states none.
    Raises ``ImportFileError`` (a ``ClusterError``) with a message for the user.
    """
    table = load(data, filename)
    located = locate(table, columns.suggest(table.headers), crs)
    for i in sorted(located.problems):
        p = located.problems[i][0]
        raise ImportFileError(
            f"{row_name(table, i, 'vi')}: {p.vi}", f"{row_name(table, i, 'en')}: {p.en}"
        )
    frame = gpd.GeoDataFrame(
        table.rows, columns=table.headers, geometry=located.geometries, crs=WGS84
    )
    return frame
