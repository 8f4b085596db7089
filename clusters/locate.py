"""Location tools for the forms: a typed point, an uploaded boundary, pasted boundary markers.

Every tool returns a ``Location`` in WGS84 (EPSG:4326), checked to be valid and inside Hanoi,
with its area in hectares measured in a metric CRS (``clusters.geo.area_ha``, UTM 48N).

Boundary markers (mốc giới) come from survey plans as a table of X/Y in VN-2000. Vietnamese
surveying writes **X = northing (hướng Bắc), Y = easting (hướng Đông)**, the reverse of the GIS
habit of x = easting. The default axis order follows the survey convention; the other order can
be chosen, and ``detect_axis_order`` tells which one puts the markers in Hanoi. Coordinates are
turned into WGS84 with pyproj's own EPSG transformation (``clusters.geo.transformer``), never a
hand-written ``+towgs84``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from clusters import geo, rules
from clusters.errors import Problem, ValidationError

MARKER_CRS = {code: geo.VN2000_CRS[code] for code in ("EPSG:5897", "EPSG:3405")}
DEFAULT_MARKER_CRS = "EPSG:5897"
NORTH_EAST = "north_east"  # X = northing, Y = easting: Vietnamese survey convention
EAST_NORTH = "east_north"  # X = easting, Y = northing: GIS convention
AXIS_ORDERS = {
    NORTH_EAST: (
        "X = Bắc (northing), Y = Đông (easting) — quy ước trắc địa Việt Nam",
        "X = northing, Y = easting — Vietnamese survey convention",
    ),
    EAST_NORTH: (
        "X = Đông (easting), Y = Bắc (northing) — quy ước GIS",
        "X = easting, Y = northing — GIS convention",
    ),
}
MAX_MARKERS = 5000
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _error(field: str, vi: str, en: str, code: str = "invalid") -> ValidationError:
    return ValidationError([Problem(code, field, vi, en)])


@dataclass(frozen=True)
class Marker:
    """One boundary marker as typed: its name (if given) and its X and Y columns."""

    x: float
    y: float
    name: str | None = None


@dataclass
class Location:
    """A located geometry in WGS84 with how it was obtained."""

    geometry: BaseGeometry
    source_vi: str
    source_en: str
    precision: str = "surveyed"
    area_ha: float | None = None  # metric area of a boundary; None for a point
    plane_area_ha: float | None = None  # area in the markers' own projected plane
    warnings: list[Problem] = field(default_factory=list)

    def source(self, lang: str = "vi") -> str:
        return self.source_en if lang == "en" else self.source_vi


def parse_number(text: str) -> float:
    """A number as Vietnamese users type it: ``585432,45`` or ``2.324.567,12`` as well as
    ``585432.45`` and ``2,324,567.12``. Raises ``ValueError`` for anything else."""
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in t and "." in t:
        if t.rfind(",") > t.rfind("."):
            t = t.replace(".", "").replace(",", ".")  # dots group thousands, comma decimal
        else:
            t = t.replace(",", "")  # commas group thousands
    elif t.count(",") == 1:
        t = t.replace(",", ".")
    elif t.count(",") > 1:
        t = t.replace(",", "")
    elif t.count(".") > 1:
        t = t.replace(".", "")
    if not _NUMBER.match(t):
        raise ValueError(text)
    return float(t)


def _check_in_hanoi(geom: BaseGeometry, field_name: str) -> None:
    errs = rules.errors(rules.check_geometry(geom))
    if errs:
        raise ValidationError([Problem(p.code, field_name, p.vi, p.en) for p in errs])


# -- (a) a typed point -----------------------------------------------------------------------


def point_from_latlon(lat: float | str, lon: float | str) -> Location:
    """A point from a typed latitude and longitude (decimal degrees, WGS84)."""
    values: dict[str, float] = {}
    for name, raw, vi in (("latitude", lat, "Vĩ độ"), ("longitude", lon, "Kinh độ")):
        try:
            values[name] = parse_number(raw) if isinstance(raw, str) else float(raw)
        except ValueError:
            raise _error(
                name, f"{vi} «{raw}» không phải là số.", f"The {name} '{raw}' is not a number."
            ) from None
    lat_v, lon_v = values["latitude"], values["longitude"]
    if 100 <= lat_v <= 110 and 19 <= lon_v <= 23:
        raise _error(
            "latitude",
            "Vĩ độ và kinh độ có vẻ bị đảo: ở Hà Nội vĩ độ khoảng 21°, kinh độ khoảng 105°.",
            "Latitude and longitude look swapped: in Hanoi the latitude is about 21° and the "
            "longitude about 105°.",
            "swapped",
        )
    for name, value, limit, vi in (
        ("latitude", lat_v, 90.0, "Vĩ độ"),
        ("longitude", lon_v, 180.0, "Kinh độ"),
    ):
        if not math.isfinite(value) or abs(value) > limit:
            raise _error(
                name,
                f"{vi} phải nằm trong khoảng ±{limit:g}°.",
                f"The {name} must be within ±{limit:g}°.",
                "range",
            )
    point = Point(lon_v, lat_v)
    _check_in_hanoi(point, "latitude")
    return Location(
        point,
        f"Điểm nhập tay ({lat_v:.6f}, {lon_v:.6f})",
        f"Typed point ({lat_v:.6f}, {lon_v:.6f})",
    )


# -- (b) an uploaded boundary file -----------------------------------------------------------


def _one_polygon(geoms: list[BaseGeometry], what_vi: str, what_en: str) -> Polygon:
    shapes = [g for g in geoms if g is not None and not g.is_empty]
    parts: list[BaseGeometry] = []
    for g in shapes:
        parts.extend(getattr(g, "geoms", [g]))
    polygons = [p for p in parts if p.geom_type == "Polygon"]
    if len(parts) != 1 or len(polygons) != 1:
        raise _error(
            "boundary_file",
            f"{what_vi} phải chứa đúng một vùng (polygon); tìm thấy {len(parts)} hình "
            f"({len(polygons)} vùng).",
            f"{what_en} must hold exactly one polygon; found {len(parts)} shapes "
            f"({len(polygons)} polygons).",
            "one_polygon",
        )
    polygon = shapely.force_2d(polygons[0])
    assert isinstance(polygon, Polygon)
    return polygon


def boundary_from_file(data: bytes, filename: str, crs: str | None = None) -> Location:
    """The one polygon of an uploaded GeoJSON, GeoPackage, KML or zipped Shapefile.

    ``crs`` is assumed when the file does not say its own (e.g. a Shapefile without .prj).
    """
    from clusters.io.readers import read_vector  # the import/export package owns formats

    frame = read_vector(data, filename, crs)
    polygon = _one_polygon(list(frame.geometry), f"Tệp «{filename}»", f"The file '{filename}'")
    _check_in_hanoi(polygon, "boundary_file")
    return Location(
        polygon,
        f"Ranh giới từ tệp «{filename}»",
        f"Boundary from the file '{filename}'",
        area_ha=round(geo.area_ha(polygon), 4),
    )


# -- (c) boundary markers in VN-2000 ---------------------------------------------------------


def _tokens(line: str) -> list[str]:
    if "\t" in line:
        parts = line.split("\t")
    elif ";" in line:
        parts = line.split(";")
    else:
        parts = line.split()
        if len(parts) == 1:
            parts = line.split(",")
    cleaned = (p.strip().strip(",").strip() for p in parts)
    return [p for p in cleaned if p]


def parse_markers(text: str) -> list[Marker]:
    """Markers from a pasted table: one per line, ``[name] X Y``.

    Columns may be separated by tabs (a paste from Excel), semicolons, spaces or commas;
    decimals may use a comma. A first line that is not numbers is taken as a header. A last
    marker repeating the first (a closed ring) is dropped.
    """
    markers: list[Marker] = []
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    for index, (n, line) in enumerate(lines):
        tokens = _tokens(line)
        if len(tokens) not in (2, 3):
            if index == 0 and not any(ch.isdigit() for ch in line):
                continue
            raise _error(
                "markers",
                f"Dòng {n}: cần [tên mốc] X Y, có {len(tokens)} cột: «{line.strip()[:60]}».",
                f"Line {n}: expected [marker name] X Y, found {len(tokens)} columns: "
                f"'{line.strip()[:60]}'.",
                "marker_columns",
            )
        name = tokens[0] if len(tokens) == 3 else None
        try:
            x, y = parse_number(tokens[-2]), parse_number(tokens[-1])
        except ValueError as exc:
            if index == 0:
                continue  # a header such as "Tên mốc  X (m)  Y (m)"
            raise _error(
                "markers",
                f"Dòng {n}: «{exc.args[0]}» không phải là số.",
                f"Line {n}: '{exc.args[0]}' is not a number.",
                "marker_number",
            ) from None
        markers.append(Marker(x, y, name))
    if len(markers) > 3 and (markers[0].x, markers[0].y) == (markers[-1].x, markers[-1].y):
        markers.pop()
    if len(markers) < 3:
        raise _error(
            "markers",
            f"Cần ít nhất 3 mốc giới để tạo vùng; có {len(markers)}.",
            f"At least 3 boundary markers are needed for a polygon; found {len(markers)}.",
            "too_few_markers",
        )
    if len(markers) > MAX_MARKERS:
        raise _error(
            "markers",
            f"Quá nhiều mốc ({len(markers)}; tối đa {MAX_MARKERS}).",
            f"Too many markers ({len(markers)}; at most {MAX_MARKERS}).",
            "too_many_markers",
        )
    return markers


def easting_northing(markers: list[Marker], axis_order: str) -> list[tuple[float, float]]:
    if axis_order == NORTH_EAST:
        return [(m.y, m.x) for m in markers]
    if axis_order == EAST_NORTH:
        return [(m.x, m.y) for m in markers]
    raise ValueError(f"unknown axis order {axis_order!r}")


def _to_wgs84(points: list[tuple[float, float]], crs: str) -> list[tuple[float, float]]:
    xs, ys = zip(*points, strict=True)
    lons, lats = geo.transformer(crs, geo.WGS84).transform(list(xs), list(ys))
    return list(zip(lons, lats, strict=True))


def _in_hanoi(lon: float, lat: float) -> bool:
    ex = rules.HANOI_EXTENT
    return ex[0] <= lon <= ex[2] and ex[1] <= lat <= ex[3]


def detect_axis_order(markers: list[Marker], crs: str = DEFAULT_MARKER_CRS) -> str | None:
    """The axis order that puts the markers' centre in Hanoi, or None if not exactly one does."""
    cx = sum(m.x for m in markers) / len(markers)
    cy = sum(m.y for m in markers) / len(markers)
    fits = []
    for order in (NORTH_EAST, EAST_NORTH):
        ((lon, lat),) = _to_wgs84(easting_northing([Marker(cx, cy)], order), crs)
        if math.isfinite(lon) and math.isfinite(lat) and _in_hanoi(lon, lat):
            fits.append(order)
    return fits[0] if len(fits) == 1 else None


def boundary_from_markers(
    markers: list[Marker], crs: str = DEFAULT_MARKER_CRS, axis_order: str = NORTH_EAST
) -> Location:
    """A polygon through the markers in their order, transformed to WGS84 by pyproj."""
    if crs not in MARKER_CRS:
        raise _error(
            "marker_crs",
            f"Hệ tọa độ «{crs}» không được hỗ trợ cho mốc giới; chọn: {', '.join(MARKER_CRS)}.",
            f"Coordinate system '{crs}' is not supported for markers; choose: "
            f"{', '.join(MARKER_CRS)}.",
        )
    plane = easting_northing(markers, axis_order)
    plane_polygon = Polygon(plane)
    if not plane_polygon.is_valid:
        raise _error(
            "markers",
            "Các mốc không tạo thành vùng hợp lệ (đường ranh tự cắt hoặc mốc trùng nhau): "
            "kiểm tra thứ tự các mốc.",
            "The markers do not make a valid polygon (the boundary crosses itself or markers "
            "repeat): check their order.",
            "markers_invalid",
        )
    polygon = Polygon(_to_wgs84(plane, crs))
    try:
        _check_in_hanoi(polygon, "markers")
    except ValidationError as exc:
        other = EAST_NORTH if axis_order == NORTH_EAST else NORTH_EAST
        if detect_axis_order(markers, crs) == other:
            vi_hint, en_hint = AXIS_ORDERS[other]
            raise _error(
                "axis_order",
                f"Với thứ tự trục đã chọn, các mốc nằm ngoài Hà Nội; thứ tự «{vi_hint}» thì "
                "nằm trong Hà Nội.",
                f"With the chosen axis order the markers fall outside Hanoi; with '{en_hint}' "
                "they fall inside.",
                "axis_order",
            ) from exc
        raise
    return Location(
        polygon,
        f"Ranh giới từ {len(markers)} mốc giới ({crs}, {MARKER_CRS[crs]})",
        f"Boundary from {len(markers)} markers ({crs})",
        area_ha=round(geo.area_ha(polygon), 4),
        plane_area_ha=round(plane_polygon.area / 10_000.0, 4),
    )


# -- the decided area beside the computed one ------------------------------------------------


def area_warning(location: Location, decided_area_ha: float | None) -> Problem | None:
    """The rules' warning when a boundary's area differs from the decided one by over 10%."""
    if location.area_ha is None or not decided_area_ha:
        return None
    found = [
        p
        for p in rules.check_geometry(location.geometry, decided_area_ha)
        if p.code == "area_mismatch"
    ]
    return found[0] if found else None
