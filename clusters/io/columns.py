"""Column mapping: which column of a file holds which field, matched on Vietnamese and
English headers, and remembered per set of headers for the next file of the same shape.

Only the matching is here, on plain data: a mapping is a dict (target → header), keyed by
its headers' ``signature``. Where confirmed mappings are kept (the registry's database, so
that every instance shares them) is behind a ``MappingBook``: ``registry.ColumnMappings``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from clusters.model import FIELDS
from clusters.text import fold
from clusters.texts import Text

# Where the coordinates are: longitude/latitude, projected X/Y, or a WKT geometry.
COORDINATE_TARGETS = ("lon", "lat", "x", "y", "wkt")

# Fields an import can fill (``Field.imported``): derived or bookkeeping properties
# (occupancy, labels, updated_at) are left out on purpose, a file never sets them.
FIELD_TARGETS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.imported)
# What backs a row's stage move, besides the fields: a document (its number and date) or a
# dated inspection, and the reason for a correction. Read by the importer, never stored as
# fields (the document joins the cluster's decisions).
EVIDENCE_TARGETS = ("decision_number", "decision_date", "inspection_date", "reason")
TARGETS: tuple[str, ...] = FIELD_TARGETS + EVIDENCE_TARGETS + COORDINATE_TARGETS

# The targets that are not fields: their labels and the headers naming them.
_OTHER_TARGETS: dict[str, tuple[Text, tuple[str, ...]]] = {
    "decision_number": (
        Text("Số văn bản căn cứ", "Evidence document number"),
        (
            "so quyet dinh",
            "so qd",
            "so van ban",
            "so hieu van ban",
            "decision number",
            "decision no",
        ),
    ),
    "decision_date": (
        Text("Ngày văn bản căn cứ", "Evidence document date"),
        ("ngay quyet dinh", "ngay qd", "ngay van ban", "ngay ban hanh"),
    ),
    "inspection_date": (Text("Ngày kiểm tra", "Inspection date"), ("ngay kiem tra thuc dia",)),
    "reason": (Text("Lý do", "Reason"), ("ly do dinh chinh", "ly do thay doi")),
    "lon": (
        Text("Kinh độ", "Longitude"),
        ("lon", "lng", "long", "longitude", "kinh do", "kinh do wgs84"),
    ),
    "lat": (Text("Vĩ độ", "Latitude"), ("lat", "latitude", "vi do", "vi do wgs84")),
    "x": (Text("Tọa độ X (Đông)", "X (easting)"), ("x", "toa do x", "easting")),
    "y": (Text("Tọa độ Y (Bắc)", "Y (northing)"), ("y", "toa do y", "northing")),
    "wkt": (
        Text("Ranh giới (WKT)", "Geometry (WKT)"),
        ("wkt", "geometry", "geom", "the geom", "ranh gioi", "ranh gioi wkt"),
    ),
}
TARGET_TITLES: dict[str, Text] = {
    **{f.name: f.title for f in FIELDS},
    **{t: title for t, (title, _) in _OTHER_TARGETS.items()},
}
# Headers seen in district lists, Ministry templates and GIS files, besides each target's
# own name and labels. Compared after folding (no diacritics, lower case, no units).
SYNONYMS: dict[str, tuple[str, ...]] = {
    **{f.name: f.synonyms for f in FIELDS if f.imported},
    **{t: synonyms for t, (_, synonyms) in _OTHER_TARGETS.items()},
}


def target_label(target: str, lang: str = "vi") -> str:
    return TARGET_TITLES[target].text(lang)


_UNITS = re.compile(r"\([^)]*\)")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise(header: object) -> str:
    """A header folded for matching: "Diện tích (ha)" → "dien tich"."""
    text = fold(str(header)) if header is not None else ""
    return _NON_WORD.sub(" ", _UNITS.sub(" ", text)).strip()


def _index() -> dict[str, str]:
    out: dict[str, str] = {}
    for target in TARGETS:
        title = TARGET_TITLES[target]
        for alias in (target, title.vi, title.en, *SYNONYMS.get(target, ())):
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


class MappingBook(Protocol):
    """Where the mappings a planner confirmed are kept, found by the file's headers."""

    def get(self, headers: Sequence[str]) -> dict[str, str] | None: ...

    def save(self, headers: Sequence[str], mapping: Mapping[str, str]) -> None: ...


def keepable(mapping: Mapping[str, str]) -> dict[str, str]:
    """The part of a mapping worth keeping: the targets this release knows."""
    return {t: h for t, h in mapping.items() if t in TARGETS}


def fitting(saved: Mapping[str, str] | None, headers: Sequence[str]) -> dict[str, str] | None:
    """A kept mapping, if it still fits these headers: every target known, every header
    present in the file (else the automatic one is used)."""
    if not saved:
        return None
    present = set(headers)
    ok = all(t in TARGETS and h in present for t, h in saved.items())
    return dict(saved) if ok else None


def mapping_for(headers: Sequence[str], book: MappingBook | None = None) -> dict[str, str]:
    """The saved mapping for these headers, else the automatic one."""
    if book is not None:
        saved = fitting(book.get(headers), headers)
        if saved is not None:
            return saved
    return suggest(headers)


def read_legacy(path: Path) -> dict[str, dict[str, str]] | None:
    """The mappings an earlier release kept in a JSON file (signature → mapping), or None
    when the file cannot be read as such (it is then left alone)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return {
        str(sig): {str(t): str(h) for t, h in saved.items()}
        for sig, saved in data.items()
        if isinstance(saved, dict)
    }
