"""Location tools: typed points, uploaded boundaries and VN-2000 boundary markers."""

from __future__ import annotations

import json

import pytest
from pyproj import Geod, Transformer
from shapely.geometry import Point, mapping

from clusters import locate
from clusters.errors import ValidationError
from clusters.locate import EAST_NORTH, NORTH_EAST, Marker
from tests.builders import square

# An irregular hexagon of survey markers in VN-2000 / TM-3 105° (EPSG:5897) near Thanh Trì,
# as (name, X = northing, Y = easting) in metres: about 17.5 ha.
HEXAGON = [
    ("M1", 2313412.517, 587214.306),
    ("M2", 2313498.042, 587561.871),
    ("M3", 2313301.774, 587702.125),
    ("M4", 2313087.630, 587640.058),
    ("M5", 2313046.295, 587329.441),
    ("M6", 2313203.911, 587168.892),
]
GEOD = Geod(ellps="WGS84")


def pasted(rows, sep="\t", decimal=","):
    lines = ["Tên mốc\tX (m)\tY (m)".replace("\t", sep)]
    for name, x, y in rows:
        xs, ys = f"{x:.3f}".replace(".", decimal), f"{y:.3f}".replace(".", decimal)
        lines.append(sep.join([name, xs, ys]))
    return "\n".join(lines) + "\n"


def shoelace(points):
    total = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2.0


def test_markers_in_epsg_5897_match_pyproj_within_a_millimetre_and_the_shoelace_area():
    loc = locate.boundary_from_markers(locate.parse_markers(pasted(HEXAGON)), "EPSG:5897")
    own = Transformer.from_crs("EPSG:5897", "EPSG:4326", always_xy=True)
    vertices = list(loc.geometry.exterior.coords)[:-1]
    assert len(vertices) == len(HEXAGON)
    for (lon, lat), (_, north, east) in zip(vertices, HEXAGON, strict=True):
        exp_lon, exp_lat = own.transform(east, north)
        _, _, metres = GEOD.inv(lon, lat, exp_lon, exp_lat)
        assert metres < 0.001
    plane = shoelace([(east, north) for _, north, east in HEXAGON]) / 10_000
    assert 17 < plane < 18
    assert loc.area_ha == pytest.approx(plane, rel=0.001)
    assert loc.plane_area_ha == pytest.approx(plane, abs=1e-4)


def test_vn2000_uses_the_official_datum_shift():
    """The DOMAIN check point: VN-2000 (21.03, 105.85) is WGS84 (21.02901404, 105.85188267)."""
    to_plane = Transformer.from_crs("EPSG:4756", "EPSG:5897", always_xy=True)
    east, north = to_plane.transform(105.85, 21.03)
    ring = [Marker(north + dy, east + dx) for dx, dy in ((0, 0), (100, 0), (100, 100), (0, 100))]
    loc = locate.boundary_from_markers(ring, "EPSG:5897")
    lon, lat = loc.geometry.exterior.coords[0]
    _, _, metres = GEOD.inv(lon, lat, 105.85188267, 21.02901404)
    assert metres < 0.01


def test_markers_in_epsg_3405_are_accepted():
    to_utm = Transformer.from_crs("EPSG:5897", "EPSG:3405", always_xy=True)
    rows = []
    for name, north, east in HEXAGON:
        e, n = to_utm.transform(east, north)
        rows.append((name, n, e))
    a = locate.boundary_from_markers(locate.parse_markers(pasted(rows)), "EPSG:3405")
    b = locate.boundary_from_markers(locate.parse_markers(pasted(HEXAGON)), "EPSG:5897")
    assert a.geometry.hausdorff_distance(b.geometry) < 1e-7  # about a centimetre


@pytest.mark.parametrize(
    ("sep", "decimal"), [("\t", ","), ("\t", "."), (";", ","), (" ", ","), (",", "."), ("  ", ".")]
)
def test_marker_tables_in_common_shapes_parse_alike(sep, decimal):
    markers = locate.parse_markers(pasted(HEXAGON, sep, decimal))
    assert [(m.name, m.x, m.y) for m in markers] == HEXAGON


def test_vietnamese_thousands_dots_and_a_closing_marker_are_understood():
    text = "1 2.313.412,517 587.214,306\n2 2.313.498,042 587.561,871\n3 2313301,774 587702,125\n"
    text += "4 2313412.517 587214.306\n"  # the first marker again: the ring closed
    markers = locate.parse_markers(text)
    assert [m.name for m in markers] == ["1", "2", "3"]
    assert markers[0] == Marker(2313412.517, 587214.306, "1")


def test_markers_without_names():
    markers = locate.parse_markers(
        "2313412,517\t587214,306\n2313498,042\t587561,871\n2313301,774\t587702,125\n"
    )
    assert [m.name for m in markers] == [None, None, None]


def test_axis_order_is_detected_and_the_wrong_one_explained():
    markers = locate.parse_markers(pasted(HEXAGON))
    assert locate.detect_axis_order(markers) == NORTH_EAST
    swapped = [Marker(m.y, m.x, m.name) for m in markers]
    assert locate.detect_axis_order(swapped) == EAST_NORTH
    with pytest.raises(ValidationError) as exc:
        locate.boundary_from_markers(markers, axis_order=EAST_NORTH)
    assert exc.value.problems[0].code == "axis_order"
    same = locate.boundary_from_markers(swapped, axis_order=EAST_NORTH)
    assert same.geometry.equals(locate.boundary_from_markers(markers).geometry)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2313412,5 587214,3\n2313498,0 587561,8\n", "too_few_markers"),
        ("X Y\n2313412,5 587214,3\n2313498,0 abc\n2313301,7 587702,1\n", "marker_number"),
        ("M1 2313412,5 587214,3 extra words\n", "marker_columns"),
        # a bow tie: the boundary crosses itself
        (
            "0 2313000 587000\n1 2313100 587100\n2 2313000 587100\n3 2313100 587000\n",
            "markers_invalid",
        ),
        # in VN-2000 but far from Hanoi (Ho Chi Minh City's northing)
        ("1 1200000 587000\n2 1200100 587000\n3 1200100 587100\n", "outside_hanoi"),
    ],
)
def test_bad_marker_tables_name_the_problem(text, code):
    with pytest.raises(ValidationError) as exc:
        locate.boundary_from_markers(locate.parse_markers(text))
    assert exc.value.problems[0].code == code
    assert exc.value.field in ("markers", "geometry")


def test_unsupported_marker_crs_is_refused():
    with pytest.raises(ValidationError, match="EPSG:4326"):
        locate.boundary_from_markers(locate.parse_markers(pasted(HEXAGON)), "EPSG:4326")


def test_area_warning_beside_the_decided_area():
    loc = locate.boundary_from_markers(locate.parse_markers(pasted(HEXAGON)))
    assert locate.area_warning(loc, round(loc.area_ha, 1)) is None
    warning = locate.area_warning(loc, 30.0)
    assert warning is not None and warning.severity == "warning"
    assert "10%" in warning.en
    assert locate.area_warning(locate.point_from_latlon(21.0, 105.8), 30.0) is None


@pytest.mark.parametrize(
    ("lat", "lon"), [(21.03, 105.85), ("21,03", "105,85"), ("21.03", "105.85")]
)
def test_typed_point(lat, lon):
    loc = locate.point_from_latlon(lat, lon)
    assert loc.geometry.equals(Point(105.85, 21.03))
    assert loc.area_ha is None


@pytest.mark.parametrize(
    ("lat", "lon", "code", "field"),
    [
        (105.85, 21.03, "swapped", "latitude"),
        (95, 105.85, "range", "latitude"),
        (21.03, 185, "range", "longitude"),
        ("abc", 105.85, "invalid", "latitude"),
        (10.77, 106.70, "outside_hanoi", "latitude"),
    ],
)
def test_bad_typed_point_names_the_field(lat, lon, code, field):
    with pytest.raises(ValidationError) as exc:
        locate.point_from_latlon(lat, lon)
    assert exc.value.problems[0].code == code
    assert exc.value.field == field


def geojson_bytes(*geoms) -> bytes:
    features = [{"type": "Feature", "properties": {}, "geometry": mapping(g)} for g in geoms]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def test_boundary_from_a_geojson_file():
    poly = square()
    loc = locate.boundary_from_file(geojson_bytes(poly), "ranh_gioi.geojson")
    assert loc.geometry.equals_exact(poly, 1e-9)
    assert loc.area_ha == pytest.approx(10.3, rel=0.05)
    assert "ranh_gioi.geojson" in loc.source("vi")


def test_boundary_from_a_geopackage_in_vn2000(tmp_path):
    import geopandas as gpd

    from clusters.geo import reproject

    poly = square()
    frame = gpd.GeoDataFrame(
        {"name": ["a"]}, geometry=[reproject(poly, "EPSG:4326", "EPSG:5897")], crs="EPSG:5897"
    )
    path = tmp_path / "ranh_gioi.gpkg"
    frame.to_file(path, driver="GPKG")
    loc = locate.boundary_from_file(path.read_bytes(), "ranh_gioi.gpkg")
    assert loc.geometry.hausdorff_distance(poly) < 1e-7


@pytest.mark.parametrize(
    "geoms",
    [
        (square(), square(105.81)),  # two polygons
        (Point(105.8, 21.0),),  # a point, not a polygon
    ],
)
def test_a_file_must_hold_exactly_one_polygon(geoms):
    with pytest.raises(ValidationError) as exc:
        locate.boundary_from_file(geojson_bytes(*geoms), "x.geojson")
    assert exc.value.problems[0].code == "one_polygon"


def test_a_boundary_outside_hanoi_is_refused():
    with pytest.raises(ValidationError) as exc:
        locate.boundary_from_file(geojson_bytes(square(106.7, 10.7)), "hcm.geojson")
    assert exc.value.problems[0].code == "outside_hanoi"
