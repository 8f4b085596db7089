"""Write the corpus of bad import files: ``python tests/bad_files/make_bad_files.py``.

Each file is small and deterministic; ``tests/test_io_bad_files.py`` expects one exact
message per file. The legacy-encoding files are made with the encoders below (TCVN3,
VNI-Windows and Windows-1258, the encodings of pre-Unicode Vietnamese fonts).
"""

from __future__ import annotations

import io
import json
import struct
import unicodedata
import zipfile
from pathlib import Path

from clusters.io.encoding import TCVN3_BYTES

HERE = Path(__file__).resolve().parent
LIST_CSV = (
    "Tên CCN,Giai đoạn,Quận/huyện,Kinh độ,Vĩ độ\n"
    "Cụm công nghiệp Tân Lập,Đã thành lập,Đan Phượng,105.67,21.08\n"
    "Cụm công nghiệp làng nghề Liên Hà,Trong quy hoạch,Đan Phượng,105.68,21.12\n"
)

POINTS = "Tên CCN,Giai đoạn,Kinh độ,Vĩ độ"


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


_SHAPE = {"\u0302", "\u0306", "\u031b"}  # circumflex, breve, horn: part of the letter
_TONE_VNI = {"\u0301": 0xF9, "\u0300": 0xF8, "\u0309": 0xFB, "\u0303": 0xF5, "\u0323": 0xEF}
_CIRCUMFLEX_VNI = {
    None: 0xE2,
    "\u0301": 0xE1,
    "\u0300": 0xE0,
    "\u0309": 0xE5,
    "\u0303": 0xE3,
    "\u0323": 0xE4,
}
_BREVE_VNI = {
    None: 0xEA,
    "\u0301": 0xE9,
    "\u0300": 0xE8,
    "\u0309": 0xFA,
    "\u0303": 0xFC,
    "\u0323": 0xEB,
}
_I_VNI = {"\u0300": 0xEC, "\u0301": 0xED, "\u0309": 0xE6, "\u0303": 0xF3, "\u0323": 0xF2}


def to_cp1258(text: str) -> bytes:
    """Windows-1258: letters with their shape precomposed, tone marks as combining bytes."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        base = "".join(c for c in parts if not unicodedata.combining(c) or c in _SHAPE)
        tones = "".join(c for c in parts if unicodedata.combining(c) and c not in _SHAPE)
        out.append(unicodedata.normalize("NFC", base).encode("cp1258") + tones.encode("cp1258"))
    return b"".join(out)


def to_vni(text: str) -> bytes:
    """VNI-Windows: an ASCII letter followed by a mark byte; a few single-byte letters."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ord(ch) < 0x80:
            out.append(ord(ch))
            continue
        shift = 0x20 if ch.isupper() else 0
        parts = unicodedata.normalize("NFD", ch.lower())
        base, marks = parts[0], parts[1:]
        tone = next((m for m in marks if m in _TONE_VNI), None)
        if ch.lower() == "đ":
            out.append(0xF1 - shift)
        elif base == "i" and tone:
            out.append(_I_VNI[tone] - shift)
        elif base == "y" and tone == "\u0323":
            out.append(0xEE - shift)
        elif "\u031b" in marks:  # horn: ơ and ư are single bytes
            out.append((0xF4 if base == "o" else 0xF6) - shift)
            if tone:
                out.append(_TONE_VNI[tone] - shift)
        else:
            out += (base.upper() if shift else base).encode()
            if "\u0302" in marks:
                out.append(_CIRCUMFLEX_VNI[tone] - shift)
            elif "\u0306" in marks:
                out.append(_BREVE_VNI[tone] - shift)
            elif tone:
                out.append(_TONE_VNI[tone] - shift)
    return bytes(out)


def to_tcvn3(text: str) -> bytes:
    """TCVN3 (ABC): one byte per lower-case letter (toned capitals need another font)."""
    inverse = {v: k for k, v in TCVN3_BYTES.items()}
    return bytes(inverse.get(c, ord(c)) for c in unicodedata.normalize("NFC", text))


def feature_collection(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False)


def feature(geometry: dict, **properties: object) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def zip_bytes(members: dict[str, bytes], level: int = 9) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def shp_header_only() -> bytes:
    """The 100-byte header of an empty point Shapefile (enough to be recognised)."""
    return struct.pack(">7i", 9994, 0, 0, 0, 0, 0, 50) + struct.pack("<2i", 1000, 1) + bytes(64)


_SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def sheet_xml(rows: list[list[object]], dimension: str | None = None) -> bytes:
    """A worksheet's XML: text as inline strings, numbers as numbers."""
    out = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(ord('A') + c)}{r}"
            if isinstance(value, int | float):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif value is not None:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<worksheet xmlns="{_SHEET_NS}">{dim}<sheetData>{"".join(out)}</sheetData></worksheet>'
    ).encode()


def xlsx_bytes(sheet: bytes) -> bytes:
    """The smallest workbook Excel and openpyxl open: one sheet, written deterministically."""
    return zip_bytes(
        {
            "[Content_Types].xml": (
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
                '<Override PartName="/xl/worksheets/sheet1.xml" '
                f'ContentType="{_CT}.worksheet+xml"/></Types>'
            ).encode(),
            "_rels/.rels": (
                f'<Relationships xmlns="{_REL_NS}"><Relationship Id="rId1" '
                f'Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ).encode(),
            "xl/workbook.xml": (
                f'<workbook xmlns="{_SHEET_NS}" xmlns:r="{_DOC_REL}"><sheets>'
                '<sheet name="Danh sách" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ).encode(),
            "xl/_rels/workbook.xml.rels": (
                f'<Relationships xmlns="{_REL_NS}"><Relationship Id="rId1" '
                f'Type="{_DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
            ).encode(),
            "xl/worksheets/sheet1.xml": sheet,
        }
    )


def damaged_stream_zip() -> bytes:
    """A zip whose member's deflate stream is garbage, its header intact (a zlib error)."""
    data = bytearray(zip_bytes({"ranh_gioi.shp": bytes(range(256)) * 8}))
    start = 30 + len("ranh_gioi.shp")  # the local header, then the compressed stream
    data[start : start + 8] = b"\xff" * 8
    return bytes(data)


def negative_offset_zip() -> bytes:
    """A zip whose directory says it starts later than it does: members sit at a negative
    offset (zipfile's "negative seek value")."""
    data = bytearray(zip_bytes({"ranh_gioi.shp": shp_header_only()}))
    end = data.rindex(b"PK\x05\x06")
    offset = struct.unpack_from("<I", data, end + 16)[0]
    struct.pack_into("<I", data, end + 16, offset + 1000)
    return bytes(data)


def files() -> dict[str, bytes]:
    lower = LIST_CSV.replace("Tên CCN", "tên ccn").lower()
    tcvn3_garbled = to_tcvn3(lower).decode("cp1252", errors="replace")
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[105.80, 21.00], [105.81, 21.01], [105.81, 21.00], [105.80, 21.01], [105.80, 21.00]]
        ],
    }
    square = {
        "type": "Polygon",
        "coordinates": [
            [
                [105.80, 20.95],
                [105.803, 20.95],
                [105.803, 20.953],
                [105.80, 20.953],
                [105.80, 20.95],
            ]
        ],
    }
    return {
        "malformed.geojson": b'{"type": "FeatureCollection", "features": [\n'
        b'  {"type": "Feature",\n',
        "not_geojson.json": b'{"name": "danh sach", "items": [1, 2, 3]}\n',
        "empty.csv": b"",
        "tcvn3.csv": to_tcvn3(lower),
        "vni.csv": to_vni(LIST_CSV),
        "cp1258.csv": to_cp1258(LIST_CSV),
        "tcvn3_saved_as_utf8.csv": tcvn3_garbled.encode("utf-8"),
        "holds_documents.zip": zip_bytes(
            {"danh_sach.txt": "Cụm công nghiệp".encode(), "quyet_dinh.pdf": b"%PDF-1.4\n%%EOF\n"}
        ),
        # 4 MB of zeros: about 4 KB on disk, expanding a thousandfold.
        "zip_bomb.zip": zip_bytes(
            {"layer.shp": bytes(4 * 1024 * 1024), "layer.shx": b"", "layer.dbf": b""}
        ),
        "damaged.zip": b"PK\x03\x04" + bytes(range(40)),
        "shapefile_without_dbf.zip": zip_bytes(
            {"ranh_gioi.shp": shp_header_only(), "ranh_gioi.shx": shp_header_only()}
        ),
        "old_excel.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64),
        "damaged.xlsx": zip_bytes(
            {"[Content_Types].xml": b"<Types/>", "xl/readme.txt": b"not a workbook"}
        ),
        "broken.kml": b'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n<Document><Placemark><name>CCN</name>\n</Document></kml>\n',
        "path.kml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
            "<Document><Placemark><name>Đường vào CCN</name><LineString><coordinates>"
            "105.80,21.00 105.81,21.01</coordinates></LineString></Placemark></Document></kml>\n"
        ).encode(),
        "too_many_rows.csv": (
            "Tên CCN,Giai đoạn,Kinh độ,Vĩ độ\n"
            + "".join(
                f"Cụm công nghiệp số {i},Trong quy hoạch,105.{60 + i},21.0{i % 10}\n"
                for i in range(12)
            )
        ).encode(),
        "metres_without_crs.geojson": feature_collection(
            feature(point(588350.76, 2326400.94), name="CCN Hữu Bằng", stage="established")
        ).encode(),
        "xy_without_crs.csv": csv(
            "Tên CCN,Giai đoạn,X,Y", "CCN Hữu Bằng,Đã thành lập,2326400.94,588350.76"
        ),
        "no_coordinates.csv": csv(
            "Tên CCN,Giai đoạn,Quận/huyện", "CCN Hữu Bằng,Đã thành lập,Thạch Thất"
        ),
        "self_intersecting.geojson": feature_collection(
            feature(bowtie, name="CCN Nơ Bướm", stage="planned", location_precision="surveyed")
        ).encode(),
        "outside_hanoi.csv": csv(POINTS, "CCN Tân Bình,Đang hoạt động,106.63,10.80"),
        "unknown_stage.csv": csv(POINTS, "CCN Phú Mỹ,Sắp xong,105.70,21.00"),
        "missing_fields.csv": csv(POINTS, ",,105.70,21.00"),
        # Same name as seed cluster 1 (CCN Liên Phương, Thường Tín), 300 m from its point.
        "duplicate_name.csv": csv(
            POINTS, "Cụm công nghiệp Liên Phương,Đang hoạt động,105.9014,20.8787"
        ),
        "duplicate_id.geojson": feature_collection(
            {**feature(point(105.70, 21.00), name="CCN A", stage="planned"), "id": 900},
            {**feature(point(105.72, 21.02), name="CCN B", stage="planned"), "id": 900},
        ).encode(),
        # A 10 ha square whose decided area says 50 ha: a warning, to be accepted explicitly.
        "area_mismatch.geojson": feature_collection(
            feature(square, name="CCN Ô Vuông", stage="planned", area_ha=50)
        ).encode(),
        # Hostile files: each once crashed or stalled a reader.
        "deeply_nested.geojson": b'{"type": "FeatureCollection", "features": '
        + b"[" * 5000
        + b"]" * 5000
        + b"}",
        "long_number.geojson": feature_collection(
            feature(point(105.70, 21.00), name="CCN A", stage="planned")
        )
        .replace('"CCN A"', "1" * 5000)
        .encode(),
        # 3 000 columns all named "x" in 12 KB: the header renaming was cubic (57 s).
        "too_many_columns.csv": csv(",".join(["x"] * 3000), ",".join(["1"] * 3000)),
        "too_many_properties.geojson": feature_collection(
            feature(point(105.70, 21.00), **{f"p{i}": i for i in range(600)})
        ).encode(),
        "damaged_stream.zip": damaged_stream_zip(),
        "negative_offset.zip": negative_offset_zip(),
        "damaged_sheet.xlsx": xlsx_bytes(
            sheet_xml([["Tên CCN", "Giai đoạn"], ["CCN A", "Trong quy hoạch"]])[:-40]
        ),
        # Python's JSON reads NaN and Infinity: such a point once passed the dry run.
        "nan_coordinates.geojson": feature_collection(
            feature(point(105.70, 21.00), name="CCN Số Thực", stage="planned"),
            feature(point(float("nan"), 21.00), name="CCN NaN", stage="planned"),
            feature(
                {
                    "type": "Polygon",
                    "coordinates": [
                        [[105.80, 21.00], [105.81, 21.00], [float("inf"), 21.01], [105.80, 21.00]]
                    ],
                },
                name="CCN Vô Cực",
                stage="planned",
            ),
        ).encode(),
        "nan_coordinates.csv": csv(
            "Tên CCN,Giai đoạn,Kinh độ,Vĩ độ,WKT",
            "CCN WKT NaN,Trong quy hoạch,,,POINT (nan 21)",
            "CCN Vô Cực,Trong quy hoạch,1e999,21.0,",
        ),
    }


def main() -> None:
    for name, data in files().items():
        (HERE / name).write_bytes(data)
        print(f"{len(data):>8}  {name}")


if __name__ == "__main__":
    main()
