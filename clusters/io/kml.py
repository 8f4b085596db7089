"""KML for Google Earth: one folder per stage, styled with the stage colours.

Written with fastkml (the GDAL in the pyogrio wheel has no KML driver), which escapes text
through lxml and keeps no global state, so concurrent exports cannot mix. Every property
of the data dictionary travels in ExtendedData, so the importer reads the file back.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pygeoif
import shapely
from fastkml import (
    Data,
    Document,
    ExtendedData,
    Folder,
    IconStyle,
    LineStyle,
    Placemark,
    PolyStyle,
    Style,
    StyleUrl,
)
from fastkml.kml import KML
from shapely.geometry.base import BaseGeometry

from clusters import stages
from clusters.io.export import ExportSet
from clusters.io.frame import properties
from clusters.io.geojson import PRECISION
from clusters.model import FIELD_BY_NAME, Kind

POINT_ICON = "https://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"
FILL_ALPHA = 110  # of 255: the map shows through a boundary
# Shown in the balloon, in this order.
_BALLOON = (
    "stage_label",
    "district_2019",
    "commune_2019",
    "commune_2025_name",
    "area_ha",
    "investor",
    "batch",
    "as_of",
)


def kml_colour(hex_rgb: str, alpha: int = 255) -> str:
    """#rrggbb → KML's aabbggrr."""
    rgb = hex_rgb.lstrip("#").lower()
    return f"{alpha:02x}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}"


def _style(s: stages.Stage) -> Style:
    return Style(
        id=s.code,
        styles=[
            LineStyle(color=kml_colour(s.colour), width=2),
            PolyStyle(color=kml_colour(s.colour, FILL_ALPHA)),
            IconStyle(color=kml_colour(s.colour), icon_href=POINT_ICON),
        ],
    )


def _rounded(geom: BaseGeometry) -> Any:
    return pygeoif.shape(shapely.transform(geom, lambda xy: np.round(xy, PRECISION)))


def _balloon(props: dict[str, Any]) -> str:
    rows = []
    for key in _BALLOON:
        value = props.get(key)
        if value in (None, ""):
            continue
        spec = FIELD_BY_NAME[key]
        # The stage's label is shown as the stage itself.
        shown = (
            FIELD_BY_NAME.get(spec.derived_from or "", spec) if spec.kind is Kind.LABEL else spec
        )
        name = shown.title.vi
        unit = f" {spec.unit}" if spec.kind in (Kind.HECTARES, Kind.PERCENT) else ""
        rows.append(
            f"<tr><th>{html.escape(name)}</th><td>{html.escape(str(value))}{unit}</td></tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def _text(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _placemark(props: dict[str, Any], geom: BaseGeometry) -> Placemark:
    data = [
        Data(
            name=key,
            value=_text(value),
            display_name=FIELD_BY_NAME[key].title.vi,
        )
        for key, value in props.items()
        if value is not None
    ]
    return Placemark(
        name=props["name"],
        description=_balloon(props),
        style_url=StyleUrl(url=f"#{props['stage']}"),
        extended_data=ExtendedData(elements=data),
        geometry=_rounded(geom),
    )


def kml_bytes(data: ExportSet) -> bytes:
    folders = []
    for s in stages.STAGES:
        members = [c for c in data.clusters if c.stage == s.code]
        if not members:
            continue
        marks = [_placemark(properties(c), c.geometry) for c in members if c.geometry]
        folders.append(Folder(name=s.label_vi, features=marks))
    doc = Document(
        name=f"Cụm công nghiệp Hà Nội — {data.stamp_hanoi}",
        description=data.description(),
        styles=[_style(s) for s in stages.STAGES],
        extended_data=ExtendedData(
            elements=[
                Data(name="exported_at", value=data.stamp),
                Data(name="filter", value=data.filter_text),
            ]
        ),
        features=folders,
    )
    text = KML(features=[doc]).to_string(prettyprint=True)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode("utf-8")
