"""Valid sample files for the reader fuzzer, one per format and door, built deterministically
(fixed dates in zips, .dbf headers and GeoPackages) so that a seed always gives the same
mutants."""

from __future__ import annotations

import io
import json
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pyogrio
from pyproj import Transformer

from tests.bad_files.make_bad_files import zip_bytes
from tests.builders import square

FIXED_DATE = "2025-01-01T00:00:00Z"
BOUNDARY = square(105.70, 21.00)
NAMES = ("CCN Thử Nghiệm Một", "Cụm công nghiệp làng nghề Thử Hai", "CCN Đông Ba")


def _features() -> list[dict[str, Any]]:
    ring = [list(xy) for xy in BOUNDARY.exterior.coords]
    return [
        {
            "type": "Feature",
            "id": 901,
            "properties": {"name": NAMES[0], "stage": "planned", "area_ha": 12.5},
            "geometry": {"type": "Point", "coordinates": [105.67, 21.08]},
        },
        {
            "type": "Feature",
            "properties": {
                "name": NAMES[1],
                "stage": "established",
                "district_2019": "Đan Phượng",
                "area_ha": 10.2,
                "sources": "https://example.org/a | https://example.org/b",
            },
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        },
    ]


def geojson_sample(_tmp: Path) -> bytes:
    doc = {"type": "FeatureCollection", "features": _features()}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


def boundary_sample(_tmp: Path) -> bytes:
    doc = {"type": "FeatureCollection", "features": _features()[1:]}
    return json.dumps(doc, ensure_ascii=False).encode()


def csv_sample(_tmp: Path) -> bytes:
    return (
        "Tên CCN;Giai đoạn;Quận/huyện;Diện tích (ha);Kinh độ;Vĩ độ;WKT\n"
        f"{NAMES[0]};Trong quy hoạch;Đan Phượng;12,5;105,67;21,08;\n"
        f'"{NAMES[1]}";Đã thành lập;"Thạch Thất";10,2;;;"{BOUNDARY.wkt}"\n'
        f"{NAMES[2]};Đang hoạt động;Đông Anh;8;105°51'4.5\"E;21°01'30\"N;\n"
    ).encode("utf-8-sig")


def _normalised_zip(data: bytes) -> bytes:
    """The same zip rebuilt with fixed dates, so that a seed gives the same mutants."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    for name, content in members.items():
        if name == "docProps/core.xml":
            members[name] = re.sub(rb"\d{4}-\d\d-\d\dT[\d:]+Z", FIXED_DATE.encode(), content)
    return zip_bytes(members)


def xlsx_sample(_tmp: Path) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["DANH SÁCH CỤM CÔNG NGHIỆP"])
    ws.append([])
    ws.append(["STT", "Tên CCN", "Giai đoạn", "Diện tích (ha)", "Kinh độ", "Vĩ độ"])
    ws.append([1, NAMES[0], "Trong quy hoạch", 12.5, 105.67, 21.08])
    ws.append([2, NAMES[2], "Đang hoạt động", 8, 105.85, 21.03])
    buf = io.BytesIO()
    wb.save(buf)
    return _normalised_zip(buf.getvalue())


def kml_sample(_tmp: Path) -> bytes:
    ring = " ".join(f"{x},{y},0" for x, y in BOUNDARY.exterior.coords)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>CCN</name>\n'
        f"<Placemark><name>{NAMES[0]}</name><description>Điểm</description>"
        '<ExtendedData><Data name="stage"><value>planned</value></Data>'
        '<Data name="area_ha"><value>12.5</value></Data></ExtendedData>'
        "<Point><coordinates>105.67,21.08,0</coordinates></Point></Placemark>\n"
        f"<Folder><name>Ranh giới</name><Placemark><name>{NAMES[1]}</name>"
        '<ExtendedData><SchemaData schemaUrl="#s"><SimpleData name="stage">established'
        "</SimpleData></SchemaData></ExtendedData><Polygon><outerBoundaryIs><LinearRing>"
        f"<coordinates>{ring}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
        "</Placemark></Folder></Document></kml>\n"
    ).encode()


def kmz_sample(tmp: Path) -> bytes:
    return zip_bytes({"doc.kml": kml_sample(tmp)})


def _frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": list(NAMES[:2]), "stage": ["planned", "established"], "area_ha": [12.5, 10.2]},
        geometry=[square(105.66, 21.07), BOUNDARY],  # one geometry type: a Shapefile's rule
        crs="EPSG:4326",
    ).to_crs("EPSG:5897")


def shapefile_sample(tmp: Path) -> bytes:
    folder = tmp / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(_frame(), folder / "ranh_gioi.shp", encoding="UTF-8")
    members = {}
    for part in sorted(folder.iterdir()):
        content = bytearray(part.read_bytes())
        if part.suffix == ".dbf":
            content[1:4] = bytes([125, 1, 1])  # the .dbf header's "last update" date
        members[f"ranh_gioi/{part.name}"] = bytes(content)
    return zip_bytes(members)


def gpkg_sample(tmp: Path) -> bytes:
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE})  # fixed timestamps
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pyogrio.write_dataframe(_frame(), tmp / "a.gpkg", layer="ranh_gioi")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    return (tmp / "a.gpkg").read_bytes()


def markers_sample(_tmp: Path) -> bytes:
    to_grid = Transformer.from_crs("EPSG:4326", "EPSG:5897", always_xy=True)
    lines = ["Tên mốc\tX (m)\tY (m)"]
    for n, (lon, lat) in enumerate(BOUNDARY.exterior.coords[:-1], start=1):
        east, north = to_grid.transform(lon, lat)
        lines.append(f"M{n}\t{north:.3f}\t{east:.3f}".replace(".", ","))
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class Format:
    """A sample file, the door it goes in, and how its structure can be damaged."""

    name: str
    filename: str
    build: Callable[[Path], bytes]
    structure: str  # "json", "xml", "text", "zip" or "gpkg": see mutations.STRATEGIES
    door: str = "import"  # "import" (plan_file), "markers", "boundary"


FORMATS = (
    Format("GeoJSON", "cum.geojson", geojson_sample, "json"),
    Format("CSV", "danh_sach.csv", csv_sample, "text"),
    Format("XLSX", "danh_sach.xlsx", xlsx_sample, "zip"),
    Format("KML", "cum.kml", kml_sample, "xml"),
    Format("KMZ", "cum.kmz", kmz_sample, "zip"),
    Format("Shapefile (zip)", "ranh_gioi.zip", shapefile_sample, "zip"),
    Format("GeoPackage", "ranh_gioi.gpkg", gpkg_sample, "gpkg"),
    Format("VN-2000 markers", "moc_gioi.txt", markers_sample, "text", door="markers"),
    Format("Boundary upload", "ranh_gioi.geojson", boundary_sample, "json", door="boundary"),
)


def build_all(tmp: Path) -> dict[str, bytes]:
    out = {}
    for fmt in FORMATS:
        folder = tmp / re.sub(r"\W+", "_", fmt.name)
        folder.mkdir()
        out[fmt.name] = fmt.build(folder)
    return out
