"""Column mapping: which column of a file holds which field, matched on Vietnamese and
English headers, and remembered per set of headers for the next file of the same shape."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from clusters.model import FIELDS
from clusters.paths import mappings_file
from clusters.text import fold

# Where the coordinates are: longitude/latitude, projected X/Y, or a WKT geometry.
COORDINATE_TARGETS = ("lon", "lat", "x", "y", "wkt")

# Fields an import can fill. Derived or bookkeeping properties (occupancy, labels,
# updated_at) are left out on purpose: a file never sets them.
FIELD_TARGETS: tuple[str, ...] = tuple(
    f.name for f in FIELDS if f.name not in {"geometry", "occupancy_pct"}
)
# What backs a row's stage move, besides the fields: a document (its number and date) or a
# dated inspection, and the reason for a correction. Read by the importer, never stored as
# fields (the document joins the cluster's decisions).
EVIDENCE_TARGETS = ("decision_number", "decision_date", "inspection_date", "reason")
TARGETS: tuple[str, ...] = FIELD_TARGETS + EVIDENCE_TARGETS + COORDINATE_TARGETS

TARGET_LABELS: dict[str, tuple[str, str]] = {
    **{f.name: (f.label_vi, f.label_en) for f in FIELDS},
    "decision_number": ("Số văn bản căn cứ", "Evidence document number"),
    "decision_date": ("Ngày văn bản căn cứ", "Evidence document date"),
    "inspection_date": ("Ngày kiểm tra", "Inspection date"),
    "reason": ("Lý do", "Reason"),
    "lon": ("Kinh độ", "Longitude"),
    "lat": ("Vĩ độ", "Latitude"),
    "x": ("Tọa độ X (Đông)", "X (easting)"),
    "y": ("Tọa độ Y (Bắc)", "Y (northing)"),
    "wkt": ("Ranh giới (WKT)", "Geometry (WKT)"),
}

# Headers seen in district lists, Ministry templates and GIS files, besides each field's
# own name and labels. Compared after folding (no diacritics, lower case, no units).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "ma", "ma cum", "ma ccn", "cluster id"),
    "name": (
        "ten",
        "ten cum",
        "ten ccn",
        "ten cum cong nghiep",
        "cum cong nghiep",
        "cluster",
        "cluster name",
        "ten_ccn",
    ),
    "aliases": ("alias", "ten goi khac"),
    "cluster_type": ("loai", "loai ccn", "type", "loai hinh"),
    "parent_id": ("parent", "ma cum goc"),
    "stage": (
        "giai doan",
        "hien trang",
        "tinh trang",
        "trang thai",
        "tinh trang trien khai",
        "status",
    ),
    "stage_effective_date": ("ngay hieu luc", "effective date"),
    "stage_evidence": ("can cu", "evidence"),
    "stage_verified": ("da xac minh", "verified"),
    "as_of": ("tinh den", "ngay so lieu"),
    "batch": ("dot", "dot thanh lap", "giai doan thanh lap"),
    "location_precision": ("do chinh xac", "precision"),
    "district_2019": (
        "quan huyen",
        "huyen",
        "quan",
        "district",
        "dia ban huyen",
        "quan huyen thi xa",
    ),
    "commune_2019": ("xa phuong", "xa", "phuong xa", "commune", "xa phuong thi tran"),
    "commune_2025_code": ("ma xa 2025", "commune code"),
    "commune_2025_name": ("xa 2025", "xa phuong moi"),
    "area_ha": (
        "dien tich",
        "tong dien tich",
        "quy mo",
        "area",
        "dien tich quy hoach",
        "dien_tich",
    ),
    "industrial_land_ha": ("dien tich dat cong nghiep", "dat cn"),
    "leased_land_ha": ("dien tich da cho thue", "dat da cho thue"),
    "occupancy_note": (),
    "investor": ("chu dau tu", "cdt", "nha dau tu ha tang", "investor"),
    "investor_type": ("loai cdt",),
    "wwtp_status": (
        "xu ly nuoc thai",
        "tram xlnt",
        "htxlnt",
        "he thong xu ly nuoc thai",
        "wwtp",
    ),
    "wwtp_note": (),
    "confidence": (),
    "sources": ("nguon", "source", "nguon tin"),
    "notes": ("ghi chu", "note", "notes", "remarks"),
    "version": ("phien ban",),
    "decision_number": (
        "so quyet dinh",
        "so qd",
        "so van ban",
        "so hieu van ban",
        "decision number",
        "decision no",
    ),
    "decision_date": ("ngay quyet dinh", "ngay qd", "ngay van ban", "ngay ban hanh"),
    "inspection_date": ("ngay kiem tra thuc dia",),
    "reason": ("ly do dinh chinh", "ly do thay doi"),
    "lon": ("lon", "lng", "long", "longitude", "kinh do", "kinh do wgs84"),
    "lat": ("lat", "latitude", "vi do", "vi do wgs84"),
    "x": ("x", "toa do x", "easting"),
    "y": ("y", "toa do y", "northing"),
    "wkt": ("wkt", "geometry", "geom", "the geom", "ranh gioi", "ranh gioi wkt"),
}

_UNITS = re.compile(r"\([^)]*\)")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise(header: object) -> str:
    """A header folded for matching: "Diện tích (ha)" → "dien tich"."""
    text = fold(str(header)) if header is not None else ""
    return _NON_WORD.sub(" ", _UNITS.sub(" ", text)).strip()


def _index() -> dict[str, str]:
    out: dict[str, str] = {}
    for target in TARGETS:
        labels = TARGET_LABELS[target]
        for alias in (target, *labels, *SYNONYMS.get(target, ())):
            out.setdefault(normalise(alias), target)
    return out


_BY_HEADER = _index()


def match(header: object) -> str | None:
    """The target a header names, if any."""
    raw = str(header).strip() if header is not None else ""
    if raw in TARGETS:
        return raw
    return _BY_HEADER.get(normalise(header))


def suggest(headers: Sequence[str]) -> dict[str, str]:
    """Target → header for every header recognised; the first header wins a target."""
    out: dict[str, str] = {}
    for h in headers:
        target = match(h)
        if target is not None and target not in out:
            out[target] = h
    return out


def recognised(headers: Iterable[object]) -> int:
    return sum(match(h) is not None for h in headers)


def signature(headers: Iterable[str]) -> str:
    """The same set of headers gives the same key, whatever their order."""
    return " | ".join(sorted({normalise(h) for h in headers if str(h).strip()}))


@dataclass
class MappingBook:
    """Mappings a planner confirmed, kept in a JSON file keyed by the headers' signature."""

    path: Path

    @classmethod
    def default(cls) -> MappingBook:
        return cls(mappings_file())

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, headers: Sequence[str]) -> dict[str, str] | None:
        saved = self._load().get(signature(headers))
        if not isinstance(saved, dict):
            return None
        present = set(headers)
        ok = all(t in TARGETS and h in present for t, h in saved.items())
        return dict(saved) if ok else None

    def save(self, headers: Sequence[str], mapping: Mapping[str, str]) -> None:
        data = self._load()
        data[signature(headers)] = {t: h for t, h in mapping.items() if t in TARGETS}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.path)


def mapping_for(headers: Sequence[str], book: MappingBook | None = None) -> dict[str, str]:
    """The saved mapping for these headers, else the automatic one."""
    if book is not None:
        saved = book.get(headers)
        if saved is not None:
            return saved
    return suggest(headers)
