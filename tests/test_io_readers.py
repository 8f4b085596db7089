"""Reading files: every format, coordinate systems (VN-2000 checked against pyproj and the
DOMAIN.md check point), headers in Vietnamese or English, legacy encodings recognised."""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import openpyxl
import pygeoif
import pyogrio
import pytest
from fastkml import KML, Document, Placemark
from pyproj import Transformer
from shapely.geometry import Point, Polygon

from clusters.errors import ClusterError
from clusters.io import columns
from clusters.io.encoding import check_text, legacy_encoding
from clusters.io.errors import ImportFileError
from clusters.io.readers import load, locate, read_vector
from tests.bad_files.make_bad_files import to_cp1258, to_tcvn3, to_vni
from tests.builders import boundary_with_hole

# DOMAIN.md: VN-2000 (lat 21.03, lon 105.85) is WGS84 (21.02901404, 105.85188267).
VN2000_LAT, VN2000_LON = 21.03, 105.85
WGS84_LAT, WGS84_LON = 21.02901404, 105.85188267
DOMAIN_TOLERANCE = 5e-9  # the check point is given to 8 decimals


def vn2000_grid(epsg: str) -> tuple[float, float]:
    """The check point in a projected VN-2000 grid, computed by pyproj: the reference."""
    return Transformer.from_crs("EPSG:4756", epsg, always_xy=True).transform(VN2000_LON, VN2000_LAT)


def pyproj_to_wgs84(epsg: str, x: float, y: float) -> tuple[float, float]:
    return Transformer.from_crs(epsg, "EPSG:4326", always_xy=True).transform(x, y)


def only_point(frame: gpd.GeoDataFrame) -> Point:
    [geom] = list(frame.geometry)
    assert isinstance(geom, Point)
    return geom


def test_vn2000_geographic_columns_land_on_the_domain_check_point():
    data = f"Tên CCN,Vĩ độ,Kinh độ\nCCN Mốc,{VN2000_LAT},{VN2000_LON}\n".encode()
    p = only_point(read_vector(data, "moc.csv", crs="EPSG:4756"))
    assert p.y == pytest.approx(WGS84_LAT, abs=DOMAIN_TOLERANCE)
    assert p.x == pytest.approx(WGS84_LON, abs=DOMAIN_TOLERANCE)


@pytest.mark.parametrize("epsg", ["EPSG:5897", "EPSG:3405"])
def test_vn2000_projected_columns_match_pyproj(epsg):
    x, y = vn2000_grid(epsg)
    data = f"name,X,Y\nCCN Mốc,{x:.3f},{y:.3f}\n".encode()
    p = only_point(read_vector(data, "moc.csv", crs=epsg))
    ref_lon, ref_lat = pyproj_to_wgs84(epsg, round(x, 3), round(y, 3))
    assert (p.x, p.y) == pytest.approx((ref_lon, ref_lat), abs=1e-9)
    assert (p.y, p.x) == pytest.approx((WGS84_LAT, WGS84_LON), abs=1e-7)


def test_survey_sheets_with_x_as_northing_are_read_the_right_way_round():
    x, y = vn2000_grid("EPSG:5897")  # x is the easting
    data = f"Tên CCN;X (m);Y (m)\nCCN Mốc;{y:.3f};{x:.3f}\n".replace(".", ",").encode()
    table = load(data, "so-do.csv")
    located = locate(table, columns.suggest(table.headers), "EPSG:5897")
    [p] = located.geometries
    assert (p.y, p.x) == pytest.approx((WGS84_LAT, WGS84_LON), abs=1e-7)
    assert [n.code for n in located.notes] == ["axes_swapped"]


def test_shapefile_with_prj_in_vn2000_is_transformed(tmp_path):
    x, y = vn2000_grid("EPSG:5897")
    frame = gpd.GeoDataFrame(
        {"ten": ["Cụm công nghiệp Mốc"]}, geometry=[Point(x, y)], crs="EPSG:5897"
    )
    pyogrio.write_dataframe(frame, tmp_path / "moc.shp", encoding="UTF-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for part in tmp_path.iterdir():
            if part.name != "moc.cpg":  # as many real files: no .cpg, UTF-8 anyway
                zf.write(part, f"ranh_gioi/{part.name}")
    result = read_vector(buf.getvalue(), "ranh_gioi.zip")
    assert result["ten"][0] == "Cụm công nghiệp Mốc"
    p = only_point(result)
    assert (p.y, p.x) == pytest.approx((WGS84_LAT, WGS84_LON), abs=1e-7)


def test_a_shapefile_without_prj_needs_a_chosen_crs(tmp_path):
    x, y = vn2000_grid("EPSG:5897")
    frame = gpd.GeoDataFrame({"ten": ["Mốc"]}, geometry=[Point(x, y)], crs="EPSG:5897")
    pyogrio.write_dataframe(frame, tmp_path / "moc.shp")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for part in tmp_path.iterdir():
            if part.suffix != ".prj":
                zf.write(part, part.name)
    with pytest.raises(ImportFileError, match="does not state its coordinate system"):
        read_vector(buf.getvalue(), "moc.zip")
    p = only_point(read_vector(buf.getvalue(), "moc.zip", crs="EPSG:5897"))
    assert p.y == pytest.approx(WGS84_LAT, abs=1e-7)


def test_a_legacy_geojson_crs_member_is_honoured():
    x, y = vn2000_grid("EPSG:5897")
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::5897"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Mốc"},
                "geometry": {"type": "Point", "coordinates": [x, y]},
            }
        ],
    }
    p = only_point(read_vector(json.dumps(doc).encode(), "moc.geojson"))
    assert p.x == pytest.approx(WGS84_LON, abs=1e-7)
    with pytest.raises(ImportFileError) as caught:
        read_vector(json.dumps(doc).encode(), "moc.geojson", crs="EPSG:3405")
    assert caught.value.en.startswith("The file states its coordinate system, EPSG:5897")


def test_geopackage_srs_is_read(tmp_path):
    polygon = boundary_with_hole()
    frame = gpd.GeoDataFrame({"name": ["Cụm A"]}, geometry=[polygon], crs="EPSG:4326").to_crs(
        "EPSG:3405"
    )
    pyogrio.write_dataframe(frame, tmp_path / "a.gpkg", layer="ranh_gioi")
    result = read_vector((tmp_path / "a.gpkg").read_bytes(), "a.gpkg")
    assert result.geometry[0].hausdorff_distance(polygon) < 1e-8


def test_kml_and_kmz_are_read_with_their_names():
    polygon = Polygon([(105.80, 21.00), (105.81, 21.00), (105.81, 21.01), (105.80, 21.00)])
    kml = KML(
        features=[
            Document(features=[Placemark(name="CCN Hà & Nội", geometry=pygeoif.shape(polygon))])
        ]
    )
    data = kml.to_string().encode()
    result = read_vector(data, "cum.kml")
    assert result["name"][0] == "CCN Hà & Nội"
    assert result.geometry[0].equals(polygon)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("doc.kml", data)
    assert read_vector(buf.getvalue(), "cum.kmz")["name"][0] == "CCN Hà & Nội"


def test_excel_with_a_title_above_the_header(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH CỤM CÔNG NGHIỆP TRÊN ĐỊA BÀN HUYỆN ĐAN PHƯỢNG"])
    ws.append(["(kèm theo Báo cáo số 12/BC-UBND)"])
    ws.append([])
    ws.append(["STT", "Tên CCN", "Diện tích (ha)", "Vĩ độ", "Kinh độ"])
    ws.append([1, "CCN Tân Lập", 18.5, 21.08, 105.67])
    path = tmp_path / "danh_sach.xlsx"
    wb.save(path)
    table = load(path.read_bytes(), path.name)
    assert table.headers == ["STT", "Tên CCN", "Diện tích (ha)", "Vĩ độ", "Kinh độ"]
    assert table.refs == ["5"]  # the row number a planner sees in Excel
    p = only_point(read_vector(path.read_bytes(), path.name))
    assert (p.x, p.y) == (105.67, 21.08)


def test_csv_with_semicolons_comma_decimals_and_degrees_minutes_seconds():
    data = "Tên CCN;Kinh độ;Vĩ độ\nCCN A;105,8;21,0\nCCN B;105°51'4.5\"E;21°01'30\"N\n".encode(
        "utf-8-sig"
    )
    frame = read_vector(data, "a.csv")
    assert [(g.x, g.y) for g in frame.geometry] == [(105.8, 21.0), (105.85125, 21.025)]


def test_utf16_csv_from_excel_is_read():
    data = "name\tlat\tlon\nCụm Đông Anh\t21.1\t105.8\n".encode("utf-16")
    assert read_vector(data, "unicode.txt")["name"][0] == "Cụm Đông Anh"


def test_coordinates_in_degrees_with_a_metric_crs_are_refused():
    data = b"name,lat,lon\nA,21.03,105.85\n"
    with pytest.raises(ImportFileError, match="look like degrees"):
        read_vector(data, "a.csv", crs="EPSG:5897")


def test_unreadable_coordinates_name_the_row():
    data = "Tên,Vĩ độ,Kinh độ\nA,21.0,105.8\nB,hai mốt,105.8\n".encode()
    with pytest.raises(ClusterError) as caught:
        read_vector(data, "a.csv")
    assert caught.value.vi == "Dòng 3: Không đọc được tọa độ «105.8», «hai mốt»."


def test_column_names_match_in_vietnamese_and_english():
    assert columns.suggest(
        ["Tên cụm công nghiệp", "Quận/Huyện", "Chủ đầu tư", "Diện tích (ha)", "Lat", "Long"]
    ) == {
        "name": "Tên cụm công nghiệp",
        "district_2019": "Quận/Huyện",
        "investor": "Chủ đầu tư",
        "area_ha": "Diện tích (ha)",
        "lat": "Lat",
        "lon": "Long",
    }


class DictBook:
    """A mapping book in memory: ``columns`` matches on whatever keeps the mappings."""

    def __init__(self) -> None:
        self.kept: dict[str, dict[str, str]] = {}

    def get(self, headers):
        return self.kept.get(columns.signature(headers))

    def save(self, headers, mapping):
        self.kept[columns.signature(headers)] = columns.keepable(mapping)


def test_mapping_book_remembers_a_confirmed_mapping():
    book = DictBook()
    headers = ["Tên gọi", "Tình hình", "Ghi chép", "x", "y"]
    assert "notes" not in columns.mapping_for(headers, book)
    confirmed = {"name": "Tên gọi", "stage": "Tình hình", "notes": "Ghi chép", "x": "x", "y": "y"}
    book.save(headers, confirmed)
    assert columns.mapping_for(list(reversed(headers)), book) == confirmed
    assert columns.mapping_for(["Tên gọi", "Tình hình"], book) == columns.suggest(
        ["Tên gọi", "Tình hình"]
    )


def test_a_kept_mapping_that_no_longer_fits_the_headers_is_not_used():
    headers = ["Tên gọi", "x", "y"]
    assert columns.fitting({"name": "Tên gọi", "x": "x"}, headers) == {"name": "Tên gọi", "x": "x"}
    assert columns.fitting({"name": "Không có"}, headers) is None  # a header gone
    assert columns.fitting({"no_such_field": "x"}, headers) is None  # a target gone
    assert columns.fitting({}, headers) is None and columns.fitting(None, headers) is None
    assert columns.keepable({"name": "Tên gọi", "no_such_field": "x"}) == {"name": "Tên gọi"}


SAMPLE = (
    "Cụm công nghiệp làng nghề Phùng Xá, huyện Thạch Thất, thành phố Hà Nội; quyết định số 2803"
)


@pytest.mark.parametrize(
    ("encoder", "expected"),
    [(to_tcvn3, "tcvn3"), (to_vni, "vni"), (to_cp1258, "cp1258")],
)
def test_legacy_vietnamese_encodings_are_recognised(encoder, expected):
    data = encoder(SAMPLE.lower() if expected == "tcvn3" else SAMPLE)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert legacy_encoding(data) == expected


def test_text_that_is_only_latin_is_not_taken_for_a_legacy_encoding():
    check_text(["Café résumé", "Cà Mau", "Hà Nội", "naïve"])  # does not raise
    assert legacy_encoding("Café".encode("cp1252")) == "cp1258"  # a Western file: still not UTF-8


def test_an_unknown_format_is_named_in_the_message():
    with pytest.raises(ImportFileError) as caught:
        read_vector(b"\x00\x01binary", "scan.las")
    assert caught.value.en.startswith("The format of 'scan.las' is not recognised.")
