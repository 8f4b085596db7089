"""A file's rows as read, before any column is interpreted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

from clusters.io import columns
from clusters.io.values import is_blank

HEADER_SCAN_ROWS = 20


@dataclass
class RawTable:
    """What a file holds, before any column is interpreted."""

    fmt: str
    headers: list[str]
    rows: list[dict[str, Any]]
    # How a planner finds each row: its spreadsheet row number, or its feature number
    # (after the layer's name when a file has several layers).
    refs: list[str]
    geometries: list[BaseGeometry | None] | None = None  # None: coordinates are in columns
    crs: str | None = None  # as stated by the file
    default_crs: str | None = None  # what the format implies when it states nothing
    geometry_errors: dict[int, str] = field(default_factory=dict)

    @property
    def is_table(self) -> bool:
        return self.geometries is None


def row_name(table: RawTable, index: int, lang: str = "vi") -> str:
    """ "Dòng 5" / "Row 5" for a table, "Đối tượng 3" / "Feature 3" for a vector file."""
    ref = table.refs[index]
    if table.is_table:
        return f"Row {ref}" if lang == "en" else f"Dòng {ref}"
    return f"Feature {ref}" if lang == "en" else f"Đối tượng {ref}"


def header_row(rows: list[list[Any]]) -> int:
    """Index of the header among the first rows: the one naming most known fields.

    Ministry templates often put a title and a date above the header.
    """
    best, best_score = 0, 0
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = columns.recognised(row)
        if score > best_score:
            best, best_score = i, score
    if best_score < 2:
        best = next((i for i, r in enumerate(rows) if any(not is_blank(v) for v in r)), 0)
    return best
