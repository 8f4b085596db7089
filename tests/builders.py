"""Small readable builders for test records."""

from __future__ import annotations

from datetime import date
from typing import Any

from shapely.geometry import Point, Polygon

from clusters.model import Cluster, Decision

NGOC_HOI = Point(105.8433, 20.9125)


def square(lon: float = 105.80, lat: float = 20.95, side_deg: float = 0.003) -> Polygon:
    """A small square near Hanoi; 0.003° is roughly 310 m × 330 m (about 10 ha)."""
    return Polygon(
        [(lon, lat), (lon + side_deg, lat), (lon + side_deg, lat + side_deg), (lon, lat + side_deg)]
    )


def cluster(**overrides: Any) -> Cluster:
    values: dict[str, Any] = {
        "name": "CCN Ngọc Hồi",
        "geometry": NGOC_HOI,
        "stage": "established",
        "cluster_type": "general",
        "location_precision": "commune",
        "district_2019": "Thanh Trì",
        "commune_2019": "Xã Ngọc Hồi",
        "area_ha": 20.0,
        "batch": "2018_2020",
        "sources": ["https://example.org/decision"],
    }
    values.update(overrides)
    return Cluster(**values)


def decision(**overrides: Any) -> Decision:
    values: dict[str, Any] = {
        "doc_type": "groundbreaking",
        "number": "2803/QĐ-UBND",
        "date": date(2024, 5, 2),
        "issuer": "UBND TP Hà Nội",
    }
    values.update(overrides)
    return Decision(**values)
