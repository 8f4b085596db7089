"""CSV export: UTF-8 with a BOM (so Excel shows Vietnamese), geometry as WKT and lon/lat."""

from __future__ import annotations

import csv
import io
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from clusters.io.export import ExportSet
from clusters.io.frame import EXPORT_COLUMNS, properties
from clusters.io.geojson import PRECISION
from clusters.io.values import neutral_text

# Columns after the data dictionary's properties.
CSV_EXTRA_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("lon", "°", "longitude, WGS84 (the point, or a point inside the boundary)"),
    ("lat", "°", "latitude, WGS84"),
    ("wkt", "", "the point or boundary as WKT, WGS84, 7 decimals"),
    ("exported_at", "UTC", "time of the export"),
    ("export_filter", "", "filter the export was made with"),
)


def anchor(geom: BaseGeometry) -> tuple[float, float]:
    """The point itself, or a point guaranteed inside a boundary."""
    p = geom if geom.geom_type == "Point" else geom.representative_point()
    return round(p.x, PRECISION), round(p.y, PRECISION)


def wkt(geom: BaseGeometry) -> str:
    return shapely.to_wkt(geom, rounding_precision=PRECISION, trim=True)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return neutral_text(value)
    return value


def csv_bytes(data: ExportSet) -> bytes:
    names = [n for n, _, _ in EXPORT_COLUMNS] + [n for n, _, _ in CSV_EXTRA_COLUMNS]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(names)
    for c in data.clusters:
        assert c.geometry is not None
        lon, lat = anchor(c.geometry)
        row = properties(c)
        row.update(
            lon=lon,
            lat=lat,
            wkt=wkt(c.geometry),
            exported_at=data.stamp,
            export_filter=data.filter_text,
        )
        writer.writerow([_cell(row[n]) for n in names])
    return buf.getvalue().encode("utf-8-sig")
