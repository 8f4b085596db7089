"""Coordinate handling: metric areas and VN-2000 transformations through pyproj's EPSG codes."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

WGS84 = "EPSG:4326"
# WGS 84 / UTM zone 48N: metric CRS for areas and distances around Hanoi.
METRIC = "EPSG:32648"
VN2000_CRS = {
    "EPSG:5897": "VN-2000 / TM-3 105°00′ (Hà Nội)",
    "EPSG:3405": "VN-2000 / UTM 48N",
    "EPSG:4756": "VN-2000 (địa lý / geographic)",
}


@lru_cache(maxsize=16)
def transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def reproject(geom: BaseGeometry, src: str, dst: str) -> BaseGeometry:
    if src == dst:
        return geom
    return shapely.transform(geom, transformer(src, dst).transform, interleaved=False)


def area_ha(geom: BaseGeometry) -> float:
    """Area of a WGS84 geometry in hectares, measured in UTM 48N."""
    return float(reproject(geom, WGS84, METRIC).area / 10_000.0)


def simplify_for_display(
    geom: BaseGeometry, tolerance_m: float = 5.0, grid_deg: float = 1e-5
) -> BaseGeometry:
    """Simplify in metres, then round to ~1 m, for drawing on a map."""
    return display_geometries([geom], tolerance_m, grid_deg)[0]


def display_geometries(
    geoms: Sequence[BaseGeometry], tolerance_m: float = 5.0, grid_deg: float = 1e-5
) -> np.ndarray:
    """``simplify_for_display`` of many geometries at once (one reprojection each way for all
    their coordinates): points are only rounded."""
    drawn = np.array(geoms, dtype=object)
    shapes = shapely.get_type_id(drawn) != shapely.GeometryType.POINT
    if shapes.any():
        forward, back = transformer(WGS84, METRIC), transformer(METRIC, WGS84)
        metric = shapely.transform(
            drawn[shapes], lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1]))
        )
        simple = shapely.simplify(metric, tolerance_m, preserve_topology=True)
        drawn[shapes] = shapely.transform(
            simple, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1]))
        )
    return shapely.set_precision(drawn, grid_deg)
