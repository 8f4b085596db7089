"""Clusters as a GeoDataFrame with the documented export properties.

The properties are the exported fields of ``clusters.model.FIELDS``, in their order; the
README's data dictionary is ``data_dictionary()`` (a test keeps the two equal).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from clusters.model import FIELDS, Cluster, Field, Kind, value_of

if TYPE_CHECKING:
    import geopandas as gpd

EXPORTED: tuple[Field, ...] = tuple(f for f in FIELDS if f.exported)


def _separator(f: Field) -> str:
    return f" {f.separator} " if f.separator == "|" else f"{f.separator} "


def meaning(f: Field) -> str:
    """What a property holds, in English, as the data dictionary says it."""
    text = f.description.en
    if f.kind is Kind.CHOICE and f.name != "stage":
        text += ": " + ", ".join(f"`{code}`" for code in f.codes)
    if f.kind is Kind.LIST:
        text += f", separated by `{_separator(f).strip()}`".replace("|", "\\|")
    return text


# (property, unit, meaning) of every export property, in order.
EXPORT_COLUMNS: tuple[tuple[str, str, str], ...] = tuple(
    (f.name, f.unit, meaning(f)) for f in EXPORTED
)


def export_value(f: Field, value: Any) -> Any:
    """A field's value as an export property: dates and times as ISO text, lists joined."""
    if value is None:
        return None
    if f.kind is Kind.LIST:
        return _separator(f).join(value) or None
    if f.kind is Kind.DATE:
        return value.isoformat()
    if f.kind is Kind.TIMESTAMP:
        return value.isoformat(timespec="seconds")
    return value


def properties(c: Cluster) -> dict[str, Any]:
    return {f.name: export_value(f, value_of(c, f)) for f in EXPORTED}


_CONVERTED = frozenset({Kind.LIST, Kind.DATE, Kind.TIMESTAMP})  # export_value changes these
_STORED = tuple(f for f in EXPORTED if f.kind is not Kind.LABEL)  # LABEL: derived (value_of)
_READ = attrgetter(*(f.attribute or f.name for f in _STORED))


def columns(clusters: Sequence[Cluster]) -> dict[str, list[Any]]:
    """Every export property's values, one per cluster (``properties`` column-wise, faster).

    Each cluster's fields are read in one C call and the rows then turned into columns: a
    pass over 10,000 clusters per field took four times as long.
    """
    read = list(zip(*map(_READ, clusters), strict=True)) or [()] * len(_STORED)
    raw = {f.name: values for f, values in zip(_STORED, read, strict=True)}
    out: dict[str, list[Any]] = {}
    for f in EXPORTED:
        if f.kind is Kind.LABEL:
            out[f.name] = [export_value(f, value_of(c, f)) for c in clusters]
        elif f.kind in _CONVERTED:
            out[f.name] = [export_value(f, v) for v in raw[f.name]]
        else:
            out[f.name] = list(raw[f.name])
    return out


def to_frame(clusters: Sequence[Cluster], crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    """Built column by column (a dict per cluster takes twice as long at 10,000)."""
    import geopandas as gpd  # here: the GeoJSON export uses ``columns`` without pandas

    return gpd.GeoDataFrame(columns(clusters), geometry=[c.geometry for c in clusters], crs=crs)


def data_dictionary() -> str:
    lines = ["| property | unit | meaning |", "|---|---|---|"]
    lines += [f"| `{n}` | {u} | {d} |" for n, u, d in EXPORT_COLUMNS]
    return "\n".join(lines)
