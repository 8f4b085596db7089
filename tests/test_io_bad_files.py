"""The corpus of bad files (tests/bad_files/, made by make_bad_files.py): each one is refused
with its own exact message, in Vietnamese and English, and the registry is left unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusters.importer import ImportRefused, commit, plan_file
from clusters.io.errors import ImportFileError
from clusters.io.limits import MB, Limits
from clusters.roles import Actor
from clusters.store import ClusterStore

BAD = Path(__file__).resolve().parent / "bad_files"
ADMIN = Actor("quan-tri", "admin")
CONVERT_VI = "Hãy chuyển sang Unicode (ví dụ bằng công cụ chuyển mã của Unikey) rồi lưu dạng UTF-8."
CONVERT_EN = "Convert it to Unicode (e.g. with Unikey's converter) and save it as UTF-8."

TOO_MANY_COLUMNS = (
    "Tệp có hơn 500 cột (thuộc tính), vượt giới hạn: tệp bị hỏng, hoặc hãy bỏ bớt cột rồi gửi lại.",
    "The file has more than 500 columns (attributes), over the limit: the file is damaged, or "
    "remove the columns not needed and send it again.",
)
NOT_FINITE = (
    "The coordinates are not finite numbers (NaN or infinity).",
    "Tọa độ không phải số hữu hạn (NaN hoặc vô cực).",
)

# File → (Vietnamese, English): the file as a whole is refused before any row is read.
FILE_ERRORS: dict[str, tuple[str, str]] = {
    "malformed.geojson": (
        "GeoJSON không hợp lệ: lỗi cú pháp JSON ở dòng 3, cột 1 (Expecting property name "
        "enclosed in double quotes).",
        "Invalid GeoJSON: JSON syntax error at line 3, column 1 (Expecting property name "
        "enclosed in double quotes).",
    ),
    "not_geojson.json": (
        'Tệp JSON không phải GeoJSON (thiếu "type": "FeatureCollection" hoặc "Feature").',
        'The JSON file is not GeoJSON (no "type": "FeatureCollection" or "Feature").',
    ),
    "empty.csv": (
        "Tệp rỗng: không có dữ liệu để nhập.",
        "The file is empty: there is nothing to import.",
    ),
    "tcvn3.csv": (
        f"Tệp dùng bảng mã cũ TCVN3 (ABC, .VnTime), không phải UTF-8. {CONVERT_VI}",
        f"The file uses the legacy TCVN3 (ABC, .VnTime) encoding, not UTF-8. {CONVERT_EN}",
    ),
    "vni.csv": (
        f"Tệp dùng bảng mã cũ VNI-Windows, không phải UTF-8. {CONVERT_VI}",
        f"The file uses the legacy VNI-Windows encoding, not UTF-8. {CONVERT_EN}",
    ),
    "cp1258.csv": (
        f"Tệp dùng bảng mã cũ Windows-1258, không phải UTF-8. {CONVERT_VI}",
        f"The file uses the legacy Windows-1258 encoding, not UTF-8. {CONVERT_EN}",
    ),
    "tcvn3_saved_as_utf8.csv": (
        "Chữ trong tệp là bảng mã cũ TCVN3 (ABC, .VnTime) bị lưu nhầm thành Unicode "
        f"(«Công nghiệp» hiện thành «C«ng nghiÖp»). {CONVERT_VI}",
        "The text is in the legacy TCVN3 (ABC, .VnTime) encoding saved as if it were Unicode "
        f"('Công nghiệp' shows as 'C«ng nghiÖp'). {CONVERT_EN}",
    ),
    "holds_documents.zip": (
        "Tệp zip không chứa Shapefile (.shp kèm .shx, .dbf) hay KML; trong đó có: "
        "danh_sach.txt, quyet_dinh.pdf.",
        "The zip holds no Shapefile (.shp with .shx, .dbf) or KML; it contains: "
        "danh_sach.txt, quyet_dinh.pdf.",
    ),
    "zip_bomb.zip": (
        "Tệp nén giải nén ra quá lớn so với kích thước (nghi là «zip bomb»): không đọc.",
        "The zip expands far beyond its size (a suspected zip bomb): not read.",
    ),
    "damaged.zip": (
        "Tệp nén .zip bị hỏng hoặc không phải tệp zip.",
        "The .zip file is damaged or not a zip file.",
    ),
    "shapefile_without_dbf.zip": (
        "Shapefile «ranh_gioi» thiếu tệp .dbf trong tệp zip.",
        "The Shapefile 'ranh_gioi' lacks its .dbf file in the zip.",
    ),
    "old_excel.xls": (
        "Tệp Excel cũ (.xls) không được hỗ trợ: hãy mở bằng Excel và lưu dạng .xlsx.",
        "Old Excel files (.xls) are not supported: open it in Excel and save it as .xlsx.",
    ),
    "damaged.xlsx": (
        "Tệp Excel bị hỏng hoặc không đọc được.",
        "The Excel file is damaged or cannot be read.",
    ),
    "broken.kml": (
        "KML không hợp lệ: lỗi XML ở dòng 4.",
        "Invalid KML: XML error at line 4.",
    ),
    "metres_without_crs.geojson": (
        "Tọa độ không phải độ kinh/vĩ (ví dụ 588351, 2326401) dù hệ tọa độ là EPSG:4326 "
        "(WGS 84): có vẻ là mét (VN-2000 phẳng?). Hãy chọn đúng hệ tọa độ.",
        "The coordinates are not degrees (e.g. 588351, 2326401) although the coordinate "
        "system is EPSG:4326 (WGS 84): they look like metres (projected VN-2000?). Choose the "
        "right coordinate system.",
    ),
    "xy_without_crs.csv": (
        "Tệp không ghi hệ tọa độ: hãy chọn (VN-2000 EPSG:5897, 3405, 4756 hoặc WGS 84).",
        "The file does not state its coordinate system: choose one (VN-2000 EPSG:5897, "
        "3405, 4756 or WGS 84).",
    ),
    "no_coordinates.csv": (
        "Không thấy cột tọa độ: cần cột kinh độ/vĩ độ (lon/lat), X/Y hoặc WKT; hãy chọn "
        "chúng trong bảng ghép cột.",
        "No coordinate columns found: longitude/latitude, X/Y or WKT columns are needed; pick "
        "them in the column mapping.",
    ),
    "deeply_nested.geojson": (
        "GeoJSON lồng nhau quá sâu (hàng trăm cấp): tệp bị hỏng hoặc không phải dữ liệu bản đồ.",
        "The GeoJSON is nested far too deep (hundreds of levels): the file is damaged or not "
        "map data.",
    ),
    "long_number.geojson": (
        "GeoJSON không hợp lệ: có một số dài hàng nghìn chữ số.",
        "Invalid GeoJSON: a number has thousands of digits.",
    ),
    "too_many_columns.csv": TOO_MANY_COLUMNS,
    "too_many_properties.geojson": TOO_MANY_COLUMNS,
    "damaged_stream.zip": (
        "Không giải nén được «ranh_gioi.shp» trong tệp zip.",
        "Cannot unpack 'ranh_gioi.shp' from the zip.",
    ),
    "negative_offset.zip": (
        "Không giải nén được «ranh_gioi.shp» trong tệp zip.",
        "Cannot unpack 'ranh_gioi.shp' from the zip.",
    ),
    "damaged_sheet.xlsx": (
        "Tệp Excel bị hỏng hoặc không đọc được.",
        "The Excel file is damaged or cannot be read.",
    ),
}

# File → every problem of the dry run as (row, field, severity, English, Vietnamese).
ROW_ERRORS: dict[str, list[tuple[str, str, str, str, str]]] = {
    "self_intersecting.geojson": [
        (
            "Feature 1",
            "geometry",
            "error",
            "The boundary is not valid (Self-intersection[105.805 21.005]). It can be repaired "
            "with make_valid: choose 'Repair boundaries (make_valid)' and run the dry run again.",
            "Ranh giới không hợp lệ (Self-intersection[105.805 21.005]). Có thể sửa tự động "
            "bằng make_valid: chọn «Sửa ranh giới (make_valid)» rồi chạy thử lại.",
        )
    ],
    "outside_hanoi.csv": [
        (
            "Row 2",
            "geometry",
            "error",
            "The location is outside Hanoi (check longitude/latitude order and the coordinate "
            "system).",
            "Vị trí nằm ngoài địa giới Hà Nội (kiểm tra thứ tự kinh độ/vĩ độ và hệ tọa độ).",
        )
    ],
    "unknown_stage.csv": [
        (
            "Row 2",
            "stage",
            "error",
            "Unknown stage 'Sắp xong'; use one of: planned, established, site_clearance, "
            "under_construction, completing, operating, removed.",
            "Giai đoạn «Sắp xong» không có trong danh mục; dùng một trong: planned (Trong quy "
            "hoạch), established (Đã thành lập), site_clearance (Đang giải phóng mặt bằng), "
            "under_construction (Đã khởi công, đang xây dựng hạ tầng), completing (Đang hoàn "
            "thiện hạ tầng), operating (Đang hoạt động), removed (Đưa ra khỏi quy hoạch).",
        )
    ],
    "missing_fields.csv": [
        (
            "Row 2",
            "name",
            "error",
            "The required field 'Name' is missing.",
            "Thiếu trường bắt buộc «Tên cụm».",
        ),
        (
            "Row 2",
            "stage",
            "error",
            "The required field 'Stage' is missing.",
            "Thiếu trường bắt buộc «Giai đoạn».",
        ),
    ],
    "duplicate_name.csv": [
        (
            "Row 2",
            "name",
            "error",
            "Duplicate of cluster #1 'CCN Liên Phương' (same name, 325 m away). If it is the "
            "same cluster, put its id in the 'Id' column to update it instead of adding one.",
            "Trùng với cụm #1 «CCN Liên Phương» (cùng tên, cách 325 m). Nếu là cùng một cụm, "
            "hãy ghi mã của cụm đó vào cột «Mã» để cập nhật thay vì thêm mới.",
        )
    ],
    "duplicate_id.geojson": [
        (
            "Feature 2",
            "id",
            "error",
            "Id 900 is also used by feature 1 of the file.",
            "Mã 900 trùng với đối tượng 1 của tệp.",
        )
    ],
    "path.kml": [
        (
            "Feature 1",
            "stage",
            "error",
            "The required field 'Stage' is missing.",
            "Thiếu trường bắt buộc «Giai đoạn».",
        ),
        (
            "Feature 1",
            "geometry",
            "error",
            "The location must be a point or a polygon, not LineString.",
            "Vị trí phải là điểm hoặc vùng, không phải LineString.",
        ),
    ],
    "area_mismatch.geojson": [
        (
            "Feature 1",
            "geometry",
            "warning",
            "The boundary's area 10.36 ha differs by more than 10% from the decided area 50 ha.",
            "Diện tích theo ranh giới 10.36 ha lệch hơn 10% so với diện tích quyết định 50 ha.",
        )
    ],
    # NaN and infinity are row problems of the dry run, not a failure of the commit.
    "nan_coordinates.geojson": [
        ("Feature 2", "geometry", "error", *NOT_FINITE),
        ("Feature 3", "geometry", "error", *NOT_FINITE),
    ],
    "nan_coordinates.csv": [
        ("Row 2", "geometry", "error", *NOT_FINITE),
        (
            "Row 3",
            "geometry",
            "error",
            "Cannot read the coordinates '1e999', '21.0'.",
            "Không đọc được tọa độ «1e999», «21.0».",
        ),
    ],
}


def snapshot(store: ClusterStore) -> tuple[list[tuple[int | None, int]], int]:
    return [(c.id, c.version) for c in store.list_clusters()], len(store.history())


def test_every_file_of_the_corpus_has_a_test():
    corpus = {p.name for p in BAD.iterdir() if p.is_file() and p.suffix not in (".py", ".md")}
    assert corpus == set(FILE_ERRORS) | set(ROW_ERRORS) | {"too_many_rows.csv"}


@pytest.mark.parametrize("name", sorted(FILE_ERRORS))
def test_bad_file_is_refused_with_its_message_and_nothing_changes(seeded_copy, name):
    before = snapshot(seeded_copy)
    with pytest.raises(ImportFileError) as caught:
        plan_file(seeded_copy, (BAD / name).read_bytes(), name, ADMIN)
    assert (caught.value.vi, caught.value.en) == FILE_ERRORS[name]
    assert snapshot(seeded_copy) == before


@pytest.mark.parametrize("name", sorted(ROW_ERRORS))
def test_bad_rows_are_reported_by_row_and_field_and_nothing_is_written(seeded_copy, name):
    before = snapshot(seeded_copy)
    plan = plan_file(seeded_copy, (BAD / name).read_bytes(), name, ADMIN)
    found = [(i.row_en, i.field, i.severity, i.en, i.vi) for i in plan.issues()]
    assert found == ROW_ERRORS[name]
    with pytest.raises(ImportRefused):
        commit(seeded_copy, plan, ADMIN)
    assert snapshot(seeded_copy) == before


def test_file_over_the_feature_limit_is_refused(seeded_copy, monkeypatch):
    monkeypatch.setenv("CLUSTERS_IMPORT_MAX_FEATURES", "10")
    before = snapshot(seeded_copy)
    data = (BAD / "too_many_rows.csv").read_bytes()
    with pytest.raises(ImportFileError) as caught:
        plan_file(seeded_copy, data, "too_many_rows.csv", ADMIN)
    assert caught.value.vi == "Tệp có hơn 10 dòng hoặc đối tượng, vượt giới hạn."
    assert caught.value.en == "The file holds more than 10 rows or features, over the limit."
    assert snapshot(seeded_copy) == before
    monkeypatch.delenv("CLUSTERS_IMPORT_MAX_FEATURES")
    assert plan_file(seeded_copy, data, "too_many_rows.csv", ADMIN).counts()["new"] == 12


def test_file_over_the_size_limit_is_refused(seeded_copy):
    # Generated rather than stored: a valid GeoJSON padded past a 1 MB limit.
    data = b'{"type": "FeatureCollection", "features": []}' + b" " * (MB + MB // 10)
    before = snapshot(seeded_copy)
    with pytest.raises(ImportFileError) as caught:
        plan_file(seeded_copy, data, "big.geojson", ADMIN, limits=Limits(max_bytes=MB))
    assert caught.value.vi == "Tệp lớn 1.1 MB, vượt giới hạn 1.0 MB."
    assert caught.value.en == "The file is 1.1 MB, over the 1.0 MB limit."
    assert snapshot(seeded_copy) == before
