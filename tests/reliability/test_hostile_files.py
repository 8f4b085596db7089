"""Hostile and damaged files that once hung or crashed a reader, built here at test time.

Each is read through ``importer.plan_file`` (the dry run), as a user's upload is: it is
refused with a one-line message, or its bad rows are reported, within a few seconds.
The small ones live in the corpus (tests/bad_files, tests/test_io_bad_files.py).
"""

from __future__ import annotations

import io
import json
import signal
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point

from clusters.importer import plan_file
from clusters.io.encoding import decode_text
from clusters.io.errors import ImportFileError
from clusters.io.limits import MB, Limits, read_file
from clusters.io.parsers import _unique_headers
from clusters.io.readers import load
from clusters.roles import Actor
from tests.bad_files.make_bad_files import sheet_xml, xlsx_bytes, zip_bytes

ADMIN = Actor("quan-tri", "admin")
TOO_MANY_COLUMNS_EN = (
    "The file has more than 500 columns (attributes), over the limit: the file is damaged, or "
    "remove the columns not needed and send it again."
)
NO_LOCATION_EN = "The location (coordinates or boundary) is missing."


class Overtime(BaseException):
    """Raised by the alarm: a BaseException, so no reader's ``except`` can swallow it."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail the test, rather than hang it, when the block runs longer than ``seconds``."""

    def expire(_signum: int, _frame: object) -> None:
        raise Overtime

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except Overtime:
        pytest.fail(f"still running after {seconds} s", pytrace=False)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def refusal(store, data: bytes, name: str, **kw) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught, deadline(5):
        plan_file(store, data, name, ADMIN, **kw)
    assert caught.value.vi and "\n" not in caught.value.vi + caught.value.en
    return caught.value


def issues(store, data: bytes, name: str, **kw) -> list[tuple[str, str | None, str]]:
    with deadline(5):
        plan = plan_file(store, data, name, ADMIN, **kw)
    return [(i.row_en, i.field, i.en) for i in plan.issues() if i.severity == "error"]


def point_feature(i: int, **props: object) -> dict:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [105.70 + i / 100, 21.0]},
    }


# Width: linear work, refused early -------------------------------------------------------


def test_a_geojson_feature_with_80000_keys_is_refused_at_once(store):
    doc = {"type": "Feature", **point_feature(0, **{f"k{i}": i for i in range(80_000)})}
    err = refusal(store, json.dumps(doc).encode(), "wide.geojson")
    assert err.en == TOO_MANY_COLUMNS_EN


def test_ten_megabytes_of_commas_are_refused_at_once(store):
    err = refusal(store, b"," * (10 * MB), "commas.csv")
    assert err.en == TOO_MANY_COLUMNS_EN


def test_a_quoted_field_full_of_commas_is_one_column(store):
    commas = "," * 5000
    data = f'Tên CCN,Giai đoạn,Kinh độ,Vĩ độ,Ghi chú\nCCN A,Trong quy hoạch,105.7,21.0,"{commas}"\n'
    plan = plan_file(store, data.encode(), "notes.csv", ADMIN)
    assert plan.table.rows[0]["Ghi chú"] == commas


def test_renaming_20000_duplicate_headers_is_linear():
    with deadline(2):
        names = _unique_headers(["x"] * 20_000 + ["x (2)", None])
    assert names[:3] == ["x", "x (2)", "x (3)"]
    assert names[-2:] == ["x (2) (2)", "(20002)"]
    assert len(set(names)) == len(names)


def test_80000_distinct_keys_are_collected_in_linear_time():
    doc = {"type": "Feature", **point_feature(0, **{f"k{i}": i for i in range(80_000)})}
    with deadline(5):
        table = load(json.dumps(doc).encode(), "wide.geojson", Limits(max_columns=100_000))
    assert len(table.headers) == 80_000


def test_a_sheet_claiming_the_whole_grid_is_read_by_its_cells(store):
    rows = [["Tên CCN", "Giai đoạn", "Kinh độ", "Vĩ độ"], ["CCN A", "Trong quy hoạch", 105.7, 21.0]]
    data = xlsx_bytes(sheet_xml(rows, dimension="A1:XFD1048576"))
    with deadline(5):
        table = load(data, "grid.xlsx")
    assert table.headers == rows[0]
    assert table.refs == ["2"]


def test_a_sheet_with_a_row_beyond_excels_last_is_refused(store):
    sheet = sheet_xml([["Tên CCN"], ["CCN A"]]).replace(
        b"</sheetData>", b'<row r="999999999"><c r="A999999999"><v>1</v></c></row></sheetData>'
    )
    err = refusal(store, xlsx_bytes(sheet), "far.xlsx")
    assert err.en == "The Excel file is damaged or cannot be read."


# Tracebacks that are now row problems or one-line refusals --------------------------------


def _zipped_shapefile(tmp_path: Path, frame: gpd.GeoDataFrame, mutate=None) -> bytes:
    pyogrio.write_dataframe(frame, tmp_path / "layer.shp", encoding="UTF-8")
    members = {}
    for part in sorted(tmp_path.glob("layer.*")):
        content = part.read_bytes()
        members[part.name] = mutate(part.suffix, content) if mutate else content
    return zip_bytes(members)


def _without_geometry() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["CCN Có Vị Trí", "CCN Không Vị Trí"], "stage": ["planned", "planned"]},
        geometry=[Point(105.70, 21.00), None],
        crs="EPSG:4326",
    )


def test_a_shapefile_feature_without_geometry_is_a_row_problem(store, tmp_path):
    data = _zipped_shapefile(tmp_path, _without_geometry())
    assert issues(store, data, "layer.zip") == [("Feature 2", "geometry", NO_LOCATION_EN)]


def test_a_geopackage_feature_without_geometry_is_a_row_problem(store, tmp_path):
    pyogrio.write_dataframe(_without_geometry(), tmp_path / "a.gpkg")
    data = (tmp_path / "a.gpkg").read_bytes()
    assert issues(store, data, "a.gpkg") == [("Feature 2", "geometry", NO_LOCATION_EN)]


def test_a_geopackage_point_with_nan_is_a_row_problem(store, tmp_path):
    frame = gpd.GeoDataFrame(
        {"name": ["CCN A", "CCN B"], "stage": ["planned", "planned"]},
        geometry=[Point(105.70, 21.00), Point(float("nan"), 21.00)],
        crs="EPSG:4326",
    )
    pyogrio.write_dataframe(frame, tmp_path / "a.gpkg")
    data = (tmp_path / "a.gpkg").read_bytes()
    assert issues(store, data, "a.gpkg") == [
        ("Feature 2", "geometry", "The coordinates are not finite numbers (NaN or infinity).")
    ]


def test_xy_that_cannot_be_transformed_is_a_row_problem(store):
    data = (
        "Tên CCN,Giai đoạn,X,Y\n"
        "CCN Mốc,Trong quy hoạch,588350.76,2326400.94\n"
        "CCN Xa,Trong quy hoạch,1e30,2326400.94\n"
    ).encode()
    assert issues(store, data, "xy.csv", crs="EPSG:5897") == [
        (
            "Row 3",
            "geometry",
            "The coordinates cannot be transformed to WGS 84: they are outside the coordinate "
            "system's area.",
        )
    ]


def test_one_bad_byte_in_a_utf8_dbf_with_a_cpg_is_refused_by_name(store, tmp_path):
    def damage(suffix: str, content: bytes) -> bytes:
        return content.replace("Cụm".encode(), b"C\xff\xffm") if suffix == ".dbf" else content

    frame = gpd.GeoDataFrame(
        {"name": ["Cụm Tân Lập"], "stage": ["planned"]}, geometry=[Point(105.7, 21.0)]
    )
    data = _zipped_shapefile(tmp_path, frame.set_crs("EPSG:4326"), damage)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert "layer.cpg" in zf.namelist()
    err = refusal(store, data, "layer.zip")
    assert err.en == (
        "The attribute table .dbf of 'layer' (by its .cpg) says UTF-8 but holds text that is "
        "not UTF-8 (a damaged file or a legacy encoding). Save it again as UTF-8."
    )


def test_a_prj_that_is_not_text_is_refused_by_name(store, tmp_path):
    def damage(suffix: str, content: bytes) -> bytes:
        return content.replace(b"WGS", b"W\xfcS") if suffix == ".prj" else content

    data = _zipped_shapefile(tmp_path, _without_geometry(), damage)
    err = refusal(store, data, "layer.zip")
    assert err.en == (
        "The coordinate system file .prj of the Shapefile 'layer' is damaged (it is not text)."
    )


# Size: checked before reading ------------------------------------------------------------


def test_a_1_gb_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.geojson"
    with path.open("wb") as f:
        f.truncate(1024 * MB)  # sparse: no disk used
    monkeypatch.setenv("CLUSTERS_IMPORT_MAX_MB", "50")
    started = time.monotonic()
    with pytest.raises(ImportFileError) as caught:
        read_file(path)
    assert caught.value.en == "The file is 1024.0 MB, over the 50.0 MB limit."
    assert time.monotonic() - started < 1


def test_read_file_returns_a_small_file(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"name,lat,lon\nA,21,105.8\n")
    assert read_file(path) == path.read_bytes()


def test_zip_members_declared_sizes_are_checked_before_unpacking(store):
    data = bytearray(zip_bytes({"layer.shp": b"x" * 100, "layer.shx": b"", "layer.dbf": b""}))
    # Declare 300 MB for the first member in the central directory.
    directory = data.index(b"PK\x01\x02")
    data[directory + 24 : directory + 28] = (300 * MB).to_bytes(4, "little")
    err = refusal(store, bytes(data), "layer.zip")
    assert err.en == "The zip expands far beyond its size (a suspected zip bomb): not read."


# UTF-16 without a BOM --------------------------------------------------------------------

UTF16_TEXT = "Tên CCN,Giai đoạn,Kinh độ,Vĩ độ\nCụm Đông Anh,Trong quy hoạch,105.8,21.1\n"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read(store, codec):
    assert decode_text(UTF16_TEXT.encode(codec)) == UTF16_TEXT
    plan = plan_file(store, UTF16_TEXT.encode(codec), "utf16.csv", ADMIN)
    assert plan.table.rows[0]["Tên CCN"] == "Cụm Đông Anh"


def test_damaged_utf16_without_bom_is_called_utf16_not_tcvn3(store):
    data = UTF16_TEXT.encode("utf-16-le")[:-1]  # cut in the middle of a character
    err = refusal(store, data, "utf16.csv")
    assert err.en == (
        "The file looks like UTF-16 text but is damaged (cut short or with invalid characters) "
        "and cannot be read. Save it again as 'CSV UTF-8'."
    )
