"""SYNTHETIC registries for the benchmark: never real clusters, never mixed with the seed.

Every feature is marked three ways: its name starts with ``NAME_PREFIX``, its ``sources`` and
``notes`` say it is synthetic benchmark data. The places are random (seeded RNG, so the same
size gives the same file) inside a box around Hanoi; about 70 % are polygons of 2–75 ha with
8–60 vertices (star-shaped, so always valid), the rest points, some of them approximate; the
stages, batches, types and wastewater states cycle through every code.

The file is RFC 7946 GeoJSON with the export's property names, written to a folder the caller
gives (a temporary one) and loaded through the product's own import.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clusters import stages
from clusters.model import BATCHES, CLUSTER_TYPES, WWTP_STATUSES

NAME_PREFIX = "[GIẢ LẬP]"
SOURCE = (
    "SYNTHETIC benchmark data (benchmarks/synthetic.py), not a real cluster / "
    "Dữ liệu giả lập để đo hiệu năng, không phải cụm thật"
)
# Hanoi's extent, roughly (lon/lat): the clusters fall inside it.
WEST, SOUTH, EAST, NORTH = 105.30, 20.60, 106.00, 21.30
POLYGON_SHARE = 0.7
APPROXIMATE_SHARE = 0.5  # of the points: drawn hollow, as commune label points are
_SYLLABLES = (
    "An",
    "Bình",
    "Cường",
    "Đông",
    "Gia",
    "Hòa",
    "Hưng",
    "Khánh",
    "Lộc",
    "Minh",
    "Nghĩa",
    "Phú",
    "Phúc",
    "Quang",
    "Sơn",
    "Tân",
    "Thành",
    "Thịnh",
    "Tiến",
    "Trung",
    "Vạn",
    "Xuân",
    "Yên",
    "Đức",
)
_KINDS = ("CCN", "CCN làng nghề", "Cụm công nghiệp")
_M_PER_DEG_LAT = 110_574.0


@dataclass(frozen=True)
class Registry:
    """A synthetic registry written to ``path``; ``stages`` counts its clusters by stage."""

    path: Path
    size: int
    stages: dict[str, int]

    def count(self, chosen: tuple[str, ...]) -> int:
        return sum(n for code, n in self.stages.items() if code in chosen)


def _name(i: int, rng: random.Random) -> str:
    kind = _KINDS[1] if i % 11 == 0 else rng.choice((_KINDS[0], _KINDS[2]))
    words = " ".join(rng.sample(_SYLLABLES, 2))
    return f"{NAME_PREFIX} {kind} {words} {i:06d}"


def _polygon(lon: float, lat: float, area_ha: float, rng: random.Random) -> list[list[float]]:
    """A star-shaped ring of 8–60 vertices around (lon, lat), scaled to ``area_ha``."""
    k = rng.randint(8, 60)
    step = 2 * math.pi / k  # one vertex per sector: no two meet, even once rounded
    angles = [(j + rng.uniform(0.2, 0.8)) * step for j in range(k)]
    radii = [rng.uniform(0.6, 1.0) for _ in range(k)]
    xy = [(r * math.cos(a), r * math.sin(a)) for r, a in zip(radii, angles, strict=True)]
    unit_area = 0.5 * abs(
        sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(xy, xy[1:] + xy[:1], strict=True))
    )
    scale = math.sqrt(area_ha * 10_000 / unit_area)  # metres per unit
    m_per_deg_lon = _M_PER_DEG_LAT * math.cos(math.radians(lat))
    ring = [
        [round(lon + x * scale / m_per_deg_lon, 7), round(lat + y * scale / _M_PER_DEG_LAT, 7)]
        for x, y in xy
    ]
    # Ascending angles run counter-clockwise: the exterior ring RFC 7946 wants.
    return [*ring, ring[0]]


def feature(i: int, rng: random.Random) -> dict[str, Any]:
    stage = stages.STAGE_CODES[i % len(stages.STAGE_CODES)]
    lon, lat = rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH)
    area = round(rng.uniform(2, 75), 2)
    props: dict[str, Any] = {
        "name": _name(i, rng),
        "stage": stage,
        "cluster_type": CLUSTER_TYPES[i % len(CLUSTER_TYPES)],
        "batch": BATCHES[i % len(BATCHES)],
        "wwtp_status": WWTP_STATUSES[i % len(WWTP_STATUSES)],
        "area_ha": area,
        "investor": f"{NAME_PREFIX} Công ty Cổ phần {rng.choice(_SYLLABLES)} {i % 97:02d}",
        "sources": SOURCE,
        "notes": SOURCE,
    }
    if rng.random() < POLYGON_SHARE:
        geometry: dict[str, Any] = {
            "type": "Polygon",
            "coordinates": [_polygon(lon, lat, area, rng)],
        }
        props["location_precision"] = "surveyed"
    else:
        geometry = {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]}
        approximate = rng.random() < APPROXIMATE_SHARE
        props["location_precision"] = "commune" if approximate else "surveyed"
    return {"type": "Feature", "geometry": geometry, "properties": props}


def write(size: int, folder: Path, seed: int = 2026) -> Registry:
    """Write the synthetic registry of ``size`` clusters as GeoJSON into ``folder``."""
    rng = random.Random(f"{seed}-{size}")
    features = [feature(i, rng) for i in range(1, size + 1)]
    counts: dict[str, int] = dict.fromkeys(stages.STAGE_CODES, 0)
    for f in features:
        counts[f["properties"]["stage"]] += 1
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"synthetic-{size}.geojson"
    collection = {"type": "FeatureCollection", "name": "synthetic", "features": features}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return Registry(path, size, counts)
