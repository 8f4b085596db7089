"""How the map scales: build time and page size for 100 / 1,000 / 10,000 clusters.

    python benchmarks/map_build.py

The clusters are SYNTHETIC (random places around Hanoi, every tenth a ~10 ha polygon); they
exist only in this process and never touch a registry. "features" is the preparation the app
caches per filter and language; "map" builds the base map and the cluster layer and renders
the page, as every rerun does.
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
    print(f"{'clusters':>9} | {'features (s)':>12} | {'map (s)':>8} | {'HTML (KB)':>10}")
    print("-" * 50)
    for n in SIZES:
        clusters = synthetic_clusters(n, rng)
        features_s, features = timed(lambda cs=clusters: mapping.cluster_features(cs))

        def build(fs=features) -> str:
            m = mapping.base_map(mapping.NO_BASEMAP)
            mapping.cluster_layer(fs).add_to(m)
            return m.get_root().render()

        map_s, page = timed(build)
        print(f"{n:>9,} | {features_s:>12.3f} | {map_s:>8.3f} | {len(page) / 1024:>10,.0f}")


if __name__ == "__main__":
    main()
