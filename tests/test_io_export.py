"""Exports checked from the outside: each file is read back with a tool other than the
code that wrote it (json for GeoJSON, pyogrio for GeoPackage, openpyxl for Excel, fastkml
for KML, csv for CSV)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from datetime import UTC, datetime
from decimal import Decimal

import openpyxl
import pyogrio
import pytest
import shapely
from fastkml import Placemark, find_all
from fastkml.kml import KML

from clusters import stages
from clusters.filters import ClusterFilter
from clusters.io.export import ALL_CLUSTERS, ExportSet, export_bytes, file_name
from clusters.io.frame import EXPORT_COLUMNS, to_frame
from clusters.io.geojson import export_description
from clusters.io.kml import kml_colour
from clusters.io.values import FORMULA_TRIGGERS, CellError, parse_field
from clusters.io.xlsx import header
from clusters.model import FIELD_BY_NAME, Kind
from clusters.snapshot import collect
from clusters.store import ClusterStore
from tests.builders import (
    add_boundary_clusters,
    cluster,
    formula_cluster,
    full_cluster,
    text_fields,
)

WHEN = datetime(2025, 6, 13, 20, 30, tzinfo=UTC)  # 14/06/2025 03:30 in Hanoi


@pytest.fixture
def registry(seeded_copy: ClusterStore) -> ClusterStore:
    """The seed (points) plus three boundaries (ids 201–203)."""
    add_boundary_clusters(seeded_copy)
    return seeded_copy


def export(store: ClusterStore, fmt: str, flt: ClusterFilter = ALL_CLUSTERS, **kw: object) -> bytes:
    return export_bytes(fmt, collect(store, flt, when=WHEN), **kw)  # type: ignore[arg-type]


def signed_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def rings(geometry: dict) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def coordinates(node: object) -> list[Decimal]:
    if isinstance(node, Decimal):
        return [node]
    if isinstance(node, list):
        return [v for item in node for v in coordinates(item)]
    return []


def test_geojson_follows_rfc_7946(registry):
    raw = export(registry, "geojson").decode("utf-8")
    doc = json.loads(raw, parse_float=Decimal)
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc
    features = doc["features"]
    assert len(features) == registry.count() == 104
    ids = [f["id"] for f in features]
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == len(ids)
    for f in features:
        coords = coordinates(f["geometry"]["coordinates"])
        assert max(decimals(c) for c in coords) <= 7
        assert all(Decimal(-180) <= c <= Decimal(180) for c in coords)
        for polygon in rings(f["geometry"]):
            outer = [[float(x), float(y)] for x, y in polygon[0]]
            assert signed_area(outer) > 0, f"outer ring of {f['id']} is not counter-clockwise"
            for hole in polygon[1:]:
                assert signed_area([[float(x), float(y)] for x, y in hole]) < 0
    with_hole = next(f for f in features if f["id"] == 201)
    assert len(with_hole["geometry"]["coordinates"]) == 2  # the hole survived
    assert "Cụm công nghiệp Phùng Xá" in raw and "\\u" not in raw


def test_geojson_properties_are_the_data_dictionary(registry):
    doc = json.loads(export(registry, "geojson"))
    documented = [n for n, _, _ in EXPORT_COLUMNS if n != "id"]  # the id is the feature id
    for f in doc["features"]:
        assert list(f["properties"]) == documented
    assert "exported 2025-06-13T20:30:00+00:00" in doc["description"]
    assert "filter: all clusters, removed ones included" in doc["description"]


def test_geojson_honours_the_filter(registry):
    flt = ClusterFilter(stages=("under_construction",), types=("craft_village",))
    doc = json.loads(export(registry, "geojson", flt))
    expected = [c.id for c in flt.apply(registry.list_clusters())]
    assert sorted(f["id"] for f in doc["features"]) == expected
    assert {201, 202} <= set(expected) and len(expected) < 104
    assert "stages=under_construction; types=craft_village" in doc["description"]


def gdal_geojson(data: ExportSet) -> bytes:
    """The GeoJSON export as GDAL's driver wrote it before shapely and json took over."""
    buf = io.BytesIO()
    pyogrio.write_dataframe(
        to_frame(data.clusters, crs="OGC:CRS84"),
        buf,
        driver="GeoJSON",
        layer="clusters",
        RFC7946="YES",
        ID_FIELD="id",
        WRITE_NAME="NO",
        COORDINATE_PRECISION=7,
        DESCRIPTION=export_description(data.filter_text, data.when),
    )
    return buf.getvalue()


def test_geojson_holds_what_gdal_wrote(registry):
    """The seed and three boundaries (one with a hole, every field filled): the same members,
    features, ids, properties with their JSON types (a cluster reference stays an integer where
    GDAL wrote 201.0), and geometry. GDAL trims a coordinate
    such as 105.6000008 to 105.6 (its "noise" heuristic), so coordinates may differ by 1e-6;
    ours are the stored ones rounded to 7 decimals."""
    data = collect(registry, ALL_CLUSTERS, when=WHEN)
    ours, gdal = json.loads(export_bytes("geojson", data)), json.loads(gdal_geojson(data))
    assert {k: v for k, v in ours.items() if k != "features"} == {
        k: v for k, v in gdal.items() if k != "features"
    }
    assert len(ours["features"]) == len(gdal["features"]) == 104
    for got, want in zip(ours["features"], gdal["features"], strict=True):
        assert list(got) == list(want) == ["type", "id", "properties", "geometry"]
        assert got["id"] == want["id"]
        assert list(got["properties"].items()) == list(want["properties"].items())
        for name, value in got["properties"].items():
            if FIELD_BY_NAME[name].kind is Kind.REFERENCE:  # pandas made ids beside nulls floats
                assert isinstance(value, int | None), (got["id"], name)
            else:
                assert type(value) is type(want["properties"][name]), (got["id"], name)
        mine, theirs = shapely.from_geojson(json.dumps(got)), shapely.from_geojson(json.dumps(want))
        assert mine.geom_type == theirs.geom_type
        assert mine.equals_exact(theirs, 1e-6), got["id"]
        assert shapely.get_coordinates(mine).shape == shapely.get_coordinates(theirs).shape
    with_hole = next(f for f in ours["features"] if f["id"] == 201)
    assert with_hole["properties"]["sources"] and with_hole["properties"]["area_ha"]


def test_geopackage_has_one_layer_per_geometry_type_and_the_records(registry, tmp_path):
    data = export(registry, "gpkg")
    assert data[68:72] == b"GPKG"  # the application id QGIS looks for
    path = tmp_path / "export.gpkg"
    path.write_bytes(data)
    layers = dict(pyogrio.list_layers(path))
    assert layers == {
        "clusters_polygons": "MultiPolygon",
        "clusters_points": "Point",
        "decisions": None,
        "history": None,
        "export_info": None,
    }
    info = pyogrio.read_info(path, layer="clusters_polygons")
    assert info["crs"] == "EPSG:4326" and info["fid_column"] == "id"
    assert "filter: all clusters" in info["layer_metadata"]["DESCRIPTION"]
    polygons = pyogrio.read_dataframe(path, layer="clusters_polygons", fid_as_index=True)
    points = pyogrio.read_dataframe(path, layer="clusters_points", fid_as_index=True)
    assert sorted(polygons.index) == [201, 202, 203] and len(points) == 101
    assert polygons.loc[201, "name"] == full_cluster().name
    decisions = pyogrio.read_dataframe(path, layer="decisions")
    assert len(decisions) == len(registry.decisions()) > 0
    history = pyogrio.read_dataframe(path, layer="history")
    assert set(history["cluster_id"]) == {c.id for c in registry.list_clusters()}
    assert "name" in set(history["field"])
    export_info = pyogrio.read_dataframe(path, layer="export_info")
    values = dict(zip(export_info["key"], export_info["value"], strict=True))
    assert values["exported_at"] == "2025-06-13T20:30:00+00:00"
    assert values["crs"] == "EPSG:4326" and values["clusters"] == "104"


def test_geopackage_in_vn2000(registry, tmp_path):
    path = tmp_path / "export.gpkg"
    path.write_bytes(export(registry, "gpkg", vn2000=True))
    info = pyogrio.read_info(path, layer="clusters_polygons")
    assert info["crs"] == "EPSG:5897"
    xmin, ymin, _, _ = info["total_bounds"]
    assert 400_000 < xmin < 700_000 and 2_200_000 < ymin < 2_450_000  # metres, Hanoi zone


def test_excel_report_has_vietnamese_headers_units_and_counts(registry):
    wb = openpyxl.load_workbook(io.BytesIO(export(registry, "xlsx")))
    assert wb.sheetnames == ["Cụm công nghiệp", "Thống kê", "Thông tin"]
    ws = wb["Cụm công nghiệp"]
    headers = [c.value for c in ws[1]]
    for label in ("Mã", "Tên cụm", "Giai đoạn", "Diện tích quyết định", "Tỷ lệ lấp đầy", "Kinh độ"):
        assert label in headers
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == 201)
    cell = {h: c for h, c in zip(headers, row, strict=True)}
    assert cell["Diện tích quyết định"].value == 16.75
    assert cell["Diện tích quyết định"].number_format == '#,##0.00 "ha"'
    assert cell["Tỷ lệ lấp đầy"].number_format == "0.0%"
    assert cell["Tỷ lệ lấp đầy"].value == pytest.approx(0.371)
    assert cell["Giai đoạn"].value == "Đã khởi công, đang xây dựng hạ tầng"
    assert cell["Mã xã/phường 2025"].value == "09955"  # a code, not a number
    assert ws.max_row == 105

    counts = wb["Thống kê"]
    col_a = [c.value for c in counts["A"]]
    assert "Theo giai đoạn" in col_a and "Theo đợt thành lập" in col_a
    first = col_a.index("Theo giai đoạn") + 3  # title, header, then the rows
    by_stage = {
        counts.cell(row=first + i, column=1).value: counts.cell(row=first + i, column=2).value
        for i in range(len(stages.STAGES))
    }
    assert by_stage["Đang hoạt động"] == sum(
        1 for c in registry.list_clusters() if c.stage == "operating"
    )
    assert sum(by_stage.values()) == 104
    reported = col_a.index("Cụm đang hoạt động")
    assert counts.cell(row=reported + 1, column=3).value == 70  # the official figure beside …
    assert counts.cell(row=reported + 1, column=4).value == datetime(2025, 1, 9)  # … with its date
    info = {r[0].value: r[1].value for r in wb["Thông tin"].iter_rows(max_row=6)}
    assert info["Thời điểm xuất (UTC)"] == "2025-06-13T20:30:00+00:00"
    assert info["Thời điểm xuất"] == "14/06/2025 03:30 (giờ Hà Nội, UTC+7)"
    assert info["Bộ lọc"].startswith("all clusters, removed ones included")


def test_kml_is_styled_by_stage_and_carries_every_property(registry):
    raw = export(registry, "kml")
    doc = KML.from_string(raw)
    placemarks = list(find_all(doc, of_type=Placemark))
    assert len(placemarks) == 104
    document = doc.features[0]
    styles = {s.id: s for s in document.styles}
    assert set(styles) == set(stages.STAGE_CODES)
    line_colours = {s.id: s.styles[0].color for s in document.styles}
    assert line_colours["operating"] == kml_colour(stages.stage("operating").colour) == "ff2ca02c"
    assert {f.name for f in document.features} == {s.label_vi for s in stages.STAGES}
    mark = next(p for p in placemarks if p.name == full_cluster().name)  # <, & and " escaped
    assert mark.style_url.url == "#under_construction"
    data = {d.name: d.value for d in mark.extended_data.elements}
    assert data["id"] == "201" and data["area_ha"] == "16.75"
    exported = {d.name: d.value for d in document.extended_data.elements}
    assert exported["exported_at"] == "2025-06-13T20:30:00+00:00"
    assert len(list(mark.geometry.interiors)) == 1


def test_csv_has_a_bom_wkt_and_lon_lat(registry):
    data = export(registry, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 104
    row = next(r for r in rows if r["id"] == "201")
    shape = shapely.from_wkt(row["wkt"])
    assert shape.geom_type == "Polygon" and len(shape.interiors) == 1
    assert shape.contains(shapely.Point(float(row["lon"]), float(row["lat"])))
    assert not re.search(r"\d\.\d{8,}", row["wkt"])
    assert row["notes"] == full_cluster().notes  # the line break survives
    assert row["exported_at"] == "2025-06-13T20:30:00+00:00"
    assert row["export_filter"].startswith("all clusters")


def test_file_names_carry_the_date_in_hanoi():
    assert file_name("gpkg", WHEN) == "cum-cong-nghiep-ha-noi_2025-06-14.gpkg"
    assert file_name("gpkg", WHEN, vn2000=True) == "cum-cong-nghiep-ha-noi_2025-06-14_vn2000.gpkg"
    assert file_name("xlsx", WHEN) == "cum-cong-nghiep-ha-noi_2025-06-14.xlsx"


def test_an_empty_selection_still_gives_valid_files(registry, tmp_path):
    flt = ClusterFilter(text="không có cụm nào tên này")
    for fmt in ("geojson", "csv", "xlsx", "kml"):
        assert export(registry, fmt, flt)
    path = tmp_path / "empty.gpkg"
    path.write_bytes(export(registry, "gpkg", flt))
    assert dict(pyogrio.list_layers(path))["clusters_points"] == "Point"
    assert len(pyogrio.read_dataframe(path, layer="clusters_points")) == 0


# Every character that starts a formula, and a text that already starts with a quote.
FORMULA_STARTS = (*FORMULA_TRIGGERS, "'=", "''+")


@pytest.fixture
def formulas(registry: ClusterStore) -> ClusterStore:
    """The registry plus one cluster per formula start (ids 301…), every text field a formula,
    and a negative number that must stay a number."""
    for i, start in enumerate(FORMULA_STARTS):
        c = formula_cluster(301 + i, start)
        c.leased_land_ha = -5.2
        registry.create(c, actor="seed")
    return registry


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def formula_cells(c) -> dict[str, str]:
    """What each text field of a formula cluster holds, as one cell."""
    return {
        f: " | ".join(v) if f == "sources" else "; ".join(v) if isinstance(v, list) else v
        for f in text_fields()
        if (v := getattr(c, f))
    }


def test_csv_quotes_every_text_cell_that_would_start_a_formula(formulas):
    rows = list(csv.DictReader(io.StringIO(export(formulas, "csv").decode("utf-8-sig"))))
    assert not [
        (r["id"], k)
        for r in rows
        for k, v in r.items()
        if v.startswith(FORMULA_TRIGGERS) and not is_number(v)
    ]
    by_id = {int(r["id"]): r for r in rows}
    for i, _ in enumerate(FORMULA_STARTS):
        c = formulas.get(301 + i)
        row = by_id[c.id]
        for field, text in formula_cells(c).items():
            assert row[field] == "'" + text, (c.id, field)
        assert row["leased_land_ha"] == "-5.2"  # a number, not text: left as it is


def test_excel_writes_formula_looking_text_as_quoted_string_cells(formulas):
    wb = openpyxl.load_workbook(io.BytesIO(export(formulas, "xlsx")))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [
        c.coordinate
        for c in cells
        if isinstance(c.value, str) and c.value.startswith(FORMULA_TRIGGERS)
    ]
    ws = wb["Cụm công nghiệp"]
    headers = [c.value for c in ws[1]]
    rows = {r[0].value: dict(zip(headers, r, strict=True)) for r in ws.iter_rows(min_row=2)}
    for i, _ in enumerate(FORMULA_STARTS):
        c = formulas.get(301 + i)
        for field, text in formula_cells(c).items():
            cell = rows[c.id][header(field)]
            assert (cell.data_type, cell.value) == ("s", "'" + text), (c.id, field)
        land = rows[c.id][header("leased_land_ha")]
        assert (land.data_type, land.value) == ("n", -5.2)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_quoted_formula_cell_reads_back_as_the_original_text(formulas, fmt):
    """Cell by cell, so that the fields whose format the rules check are covered too; a
    partial date (``as_of``) is read as one, so a formula there is refused, not taken in."""
    from clusters.io.readers import load

    table = load(export(formulas, fmt), f"x.{fmt}")
    key = (lambda f: f) if fmt == "csv" else header
    rows = {int(r[key("id")]): r for r in table.rows}
    for i, start in enumerate(FORMULA_STARTS):
        c = formulas.get(301 + i)
        for field in text_fields():
            if FIELD_BY_NAME[field].kind is Kind.PARTIAL_DATE:
                with pytest.raises(CellError):
                    parse_field(field, rows[c.id][key(field)])
                continue
            got = parse_field(field, rows[c.id][key(field)])
            want = getattr(c, field)
            if start in ("\t", "\r"):  # imports drop outer spaces from every text
                want = [v.strip() for v in want] if isinstance(want, list) else want.strip()
            assert got == want, (start, field)


def test_a_cluster_without_a_location_is_a_feature_with_a_null_geometry():
    from clusters.io.geojson import geojson_bytes

    data = json.loads(geojson_bytes([cluster(id=1, geometry=None), cluster(id=2)]))
    assert data["features"][0]["geometry"] is None
    assert data["features"][1]["geometry"]["type"] == "Point"
