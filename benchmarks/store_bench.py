"""Time the store's common operations on SQLite and, when available, PostgreSQL/PostGIS.

    python benchmarks/store_bench.py [--extra N] [--repeat R] [--no-postgis]

PostGIS runs on ``CLUSTERS_BENCH_PG_URL`` when it is set (in a throwaway schema that is
dropped afterwards), otherwise on a throwaway local server started like the test fixture
(PostgreSQL 15 + PostGIS installed). Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from shapely.geometry import Point

from clusters import seed
from clusters.model import Cluster
from clusters.store import ClusterStore, open_store

TESTS = Path(__file__).resolve().parent.parent / "tests"
# Central Hanoi, roughly the old inner districts.
BBOX = (105.78, 20.98, 105.90, 21.08)


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def median_time(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    runs = [timed(action) for _ in range(repeat)]
    return statistics.median(t for t, _ in runs), runs[-1][1]


def synthetic(n: int) -> Iterator[Cluster]:
    rng = random.Random(2025)
    for i in range(n):
        yield Cluster(
            name=f"CCN thử nghiệm {i}",
            geometry=Point(rng.uniform(105.3, 106.0), rng.uniform(20.6, 21.4)),
            stage="planned",
            location_precision="commune",
        )


def measure(store: ClusterStore, extra: int, repeat: int) -> dict[str, str]:
    row: dict[str, str] = {}
    took, _ = timed(lambda: seed.seed(store))
    row["seed 101 clusters + figures"] = f"{took:.2f} s"
    if extra:

        def add() -> None:
            with store.transaction() as tx:
                for c in synthetic(extra):
                    tx.create(c, actor="bench")

        took, _ = timed(add)
        row[f"add {extra} clusters (one transaction)"] = f"{took:.2f} s"
    total = store.count()
    took, found = median_time(store.list_clusters, repeat)
    row[f"list all ({total})"] = f"{took * 1000:.1f} ms"
    took, found = median_time(lambda: store.list_clusters(BBOX), repeat)
    row[f"bbox query (central Hanoi, {len(found)} found)"] = f"{took * 1000:.1f} ms"
    target = found[0] if found else store.list_clusters()[0]

    def updates() -> None:
        version = target.version
        for i in range(100):
            saved = store.update(
                target.id or 0, {"notes": f"lần {i}"}, based_on=version, actor="bench"
            )
            version = saved.version

    took, _ = timed(updates)
    row["100 sequential updates"] = f"{took:.2f} s ({took * 10:.1f} ms each)"
    return row


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="clusters-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'registry.sqlite'}"


@contextmanager
def postgis_url() -> Iterator[str]:
    given = os.environ.get("CLUSTERS_BENCH_PG_URL")
    if given:
        with throwaway_schema(given) as url:
            yield url
        return
    sys.path.insert(0, str(TESTS))
    from postgis_server import TempPostgis  # the test fixture's server

    with TempPostgis() as server:
        yield server.new_database()


@contextmanager
def throwaway_schema(url: str) -> Iterator[str]:
    name = f"clusters_bench_{os.getpid()}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    parsed = sa.make_url(url)
    try:
        yield parsed.update_query_dict(
            {"options": f"-csearch_path={name},public"}
        ).render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
        engine.dispose()


def run(url_context: Callable[[], Any], extra: int, repeat: int) -> dict[str, str]:
    with url_context() as url:
        store = open_store(url)
        try:
            return measure(store, extra, repeat)
        finally:
            store.close()


def print_table(results: dict[str, dict[str, str]]) -> None:
    operations = list(dict.fromkeys(op for row in results.values() for op in row))
    width = max(len(op) for op in operations)
    cols = {name: max(len(name), *(len(v) for v in row.values())) for name, row in results.items()}
    print(f"{'operation':<{width}}  " + "  ".join(f"{n:>{w}}" for n, w in cols.items()))
    print("-" * (width + sum(w + 2 for w in cols.values())))
    for op in operations:
        cells = "  ".join(f"{results[n].get(op, '-'):>{w}}" for n, w in cols.items())
        print(f"{op:<{width}}  {cells}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", type=int, default=0, help="synthetic clusters to add")
    parser.add_argument("--repeat", type=int, default=5, help="runs per read, median shown")
    parser.add_argument("--no-postgis", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)

    results = {"sqlite": run(sqlite_url, args.extra, args.repeat)}
    if not args.no_postgis:
        try:
            results["postgis"] = run(postgis_url, args.extra, args.repeat)
        except Exception as exc:  # report and carry on: SQLite numbers are still useful
            print(f"PostGIS skipped: {exc}", file=sys.stderr)
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
