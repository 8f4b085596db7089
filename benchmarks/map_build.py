"""How the map scales: build time and page size for 100 / 1,000 / 10,000 clusters.

    python benchmarks/map_build.py

The clusters are SYNTHETIC (random places around Hanoi, every tenth a ~10 ha polygon); they
exist only in this process and never touch a registry. "data" is the map's data the app
makes once per registry revision and language (``mapping.cluster_data``; tiled beyond
``mapping.TILED_ABOVE``); "map" builds the base map with the clusters' layer and renders the
page, as every rerun does (the clusters themselves travel apart, as data).
"""

from __future__ import annotations

import random
import time
from statistics import median

from shapely.geometry import Point, box

from clusters import mapping, stages
from clusters.model import Cluster

SIZES = (100, 1_000, 10_000)
REPEATS = 3


def synthetic_clusters(n: int, rng: random.Random) -> list[Cluster]:
    out = []
    for i in range(1, n + 1):
        lon, lat = rng.uniform(105.3, 106.0), rng.uniform(20.6, 21.3)
        polygon = i % 10 == 0
        out.append(
            Cluster(
                id=i,
                name=f"Synthetic cluster {i}",
                stage=stages.STAGE_CODES[i % len(stages.STAGE_CODES)],
                geometry=box(lon, lat, lon + 0.003, lat + 0.003) if polygon else Point(lon, lat),
                location_precision="surveyed" if polygon else "commune",
                area_ha=round(rng.uniform(5, 75), 2),
            )
        )
    return out


def timed(fn, repeats: int = REPEATS):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return median(times), result


def main() -> None:
    rng = random.Random(2025)
    print("SYNTHETIC clusters (not registry data); median of", REPEATS, "runs")
    print(f"{'clusters':>9} | {'data (s)':>12} | {'map (s)':>8} | {'HTML (KB)':>10}")
    print("-" * 50)
    for n in SIZES:
        clusters = synthetic_clusters(n, rng)
        data_s, data = timed(
            lambda cs=clusters: mapping.cluster_data(cs, tiled=mapping.use_tiles(len(cs)))
        )

        def build(d=data) -> str:
            m = mapping.base_map(mapping.NO_BASEMAP)
            mapping.add_clusters(m, d, url="data.json", tile_url="tile-{x}-{y}.json")
            return m.get_root().render()

        map_s, page = timed(build)
        print(f"{n:>9,} | {data_s:>12.3f} | {map_s:>8.3f} | {len(page) / 1024:>10,.0f}")


if __name__ == "__main__":
    main()
