"""A field's value ↔ its JSON-safe form in the history, both directions, by the field's kind.

The store writes ``to_history`` of the old and new value of every field a write changes;
``clusters.snapshot`` replays the history with ``from_history``. Geometry is kept as WKT
rounded to 7 decimals (about 1 cm), dates as ISO text, lists as JSON lists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import shapely

from clusters.errors import StorageError
from clusters.model import FIELD_BY_NAME, Field, Kind

WKT_DECIMALS = 7


def to_history(field: str, value: Any) -> Any:
    """A JSON-safe form of a field's value, as history keeps it."""
    if value is None:
        return None
    kind = FIELD_BY_NAME[field].kind if field in FIELD_BY_NAME else None
    if kind is Kind.GEOMETRY:
        return shapely.to_wkt(value, rounding_precision=WKT_DECIMALS, trim=True)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return list(value)
    return value


def _text(value: Any) -> str:
    return str(value)


_READERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.ID: int,
    Kind.REFERENCE: int,
    Kind.COUNT: int,
    Kind.TEXT: _text,
    Kind.LONG_TEXT: _text,
    Kind.CHOICE: _text,
    Kind.PARTIAL_DATE: _text,
    Kind.HECTARES: float,
    Kind.MONEY: float,
    Kind.BOOL: bool,
    Kind.LIST: list,
    Kind.DATE: date.fromisoformat,
    Kind.TIMESTAMP: datetime.fromisoformat,
    Kind.GEOMETRY: shapely.from_wkt,
}


def _recorded(field: str) -> Field:
    spec = FIELD_BY_NAME.get(field)
    if spec is None or not spec.editable:
        raise StorageError(
            f"Lịch sử có trường không biết: «{field}».",
            f"The history has an unknown field '{field}'.",
        )
    return spec


def from_history(field: str, value: Any) -> Any:
    """The inverse of ``to_history``: a field's value from its history form."""
    spec = _recorded(field)
    if value is None:
        return [] if spec.kind is Kind.LIST else None
    return _READERS[spec.kind](value)
