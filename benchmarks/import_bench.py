"""Time the commit of a large import: the bulk write phase against the old row-by-row one.

    python -m benchmarks.import_bench [--features N] [--no-postgis]

A registry in a temporary folder (deleted afterwards) holds N/2 synthetic clusters; the file
(synthetic GeoJSON, made in memory) has N features: an update of each of those (a new
investor, every fifth also a stage move backed by the file-wide evidence) and N/2 new
clusters. Each commit runs on a fresh registry made the same way, after its own dry run.

"row by row" is the commit as it was before the bulk write phase: every row through
``registry.create_cluster`` / ``change_stage`` / ``update_cluster`` inside one transaction.
"bulk" is ``importer.commit`` now. "write lock held" is how long the write transaction was
open, i.e. how long an editor's save has to wait. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa
from shapely.geometry import box

from benchmarks.store_bench import postgis_url, print_table, sqlite_url, timed
from clusters import importer, registry
from clusters.model import STAGE_FIELDS, Cluster
from clusters.roles import Actor
from clusters.store import ClusterStore, open_store

ADMIN = Actor("bench", "admin")
EVIDENCE = "Báo cáo 1/BC-SCT ngày 02/01/2025"  # synthetic, for the benchmark only
SYNTHETIC = "CCN tổng hợp (dữ liệu thử nghiệm)"  # every name says the data is synthetic


def _square(rng: random.Random) -> Any:
    x, y = rng.uniform(105.3, 106.0), rng.uniform(20.6, 21.4)
    return box(x, y, x + 0.004, y + 0.004)


def fill(store: ClusterStore, n: int) -> list[Cluster]:
    """N synthetic clusters, planned, with boundaries."""
    rng = random.Random(2026)
    with store.transaction() as tx:
        for i in range(n):
            tx.create(
                Cluster(
                    name=f"{SYNTHETIC} cũ {i}",
                    geometry=_square(rng),
                    stage="planned",
                    location_precision="surveyed",
                ),
                actor="bench",
            )
    return store.list_clusters()


def synthetic_file(existing: list[Cluster], new: int) -> bytes:
    rng = random.Random(2027)
    features = []
    for n, c in enumerate(existing):
        props: dict[str, Any] = {"name": c.name, "investor": f"Công ty thử nghiệm {n}"}
        if n % 5 == 0:
            props["stage"] = "established"
        features.append({"type": "Feature", "id": c.id, "properties": props, "geometry": None})
        assert c.geometry is not None
        features[-1]["geometry"] = c.geometry.__geo_interface__
    for i in range(new):
        features.append(
            {
                "type": "Feature",
                "properties": {"name": f"{SYNTHETIC} mới {i}", "stage": "planned"},
                "geometry": _square(rng).__geo_interface__,
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def row_by_row(store: ClusterStore, plan: importer.ImportPlan, actor: Actor) -> None:
    """The commit before the bulk write phase (the baseline), every row in one transaction."""
    who = registry.require_role(actor, "admin")
    origin = registry.Origin(importer.IMPORT_KIND, plan.source, f"imported from '{plan.source}'")
    todo = plan.changed()
    with store.transaction() as tx:
        for r in [r for r in todo if r.action == importer.NEW]:
            assert r.cluster is not None
            registry.create_cluster(
                tx,
                r.cluster,
                who,
                evidence=r.documents,
                reason=r.reason,
                origin=origin,
                accept_warnings=True,
            )
        for r in [r for r in todo if r.action == importer.UPDATE]:
            assert r.cluster_id is not None and r.based_on is not None
            version = r.based_on
            if r.move is not None:
                basis = r.move.basis
                version = registry.change_stage(
                    tx,
                    r.cluster_id,
                    r.move.stage,
                    who,
                    based_on=version,
                    effective_date=basis.effective_date,
                    evidence=basis.evidence,
                    reason=basis.reason,
                    origin=origin,
                    accept_warnings=True,
                ).cluster.version
            attributes = {f: v for f, v in r.changes.items() if f not in STAGE_FIELDS}
            if attributes:
                registry.update_cluster(
                    tx,
                    r.cluster_id,
                    attributes,
                    who,
                    based_on=version,
                    reason=r.reason,
                    origin=origin,
                    accept_warnings=True,
                )


def lock_held(store: ClusterStore, action: Callable[[], Any]) -> float:
    """Run ``action``; the longest time a write transaction of ``store`` stayed open."""
    engine: sa.Engine = store.engine  # type: ignore[attr-defined]
    opened: dict[int, float] = {}
    longest = [0.0]

    def begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get("write") or engine.dialect.name != "sqlite":
            opened[id(conn)] = time.perf_counter()

    def end(conn: sa.Connection) -> None:
        start = opened.pop(id(conn), None)
        if start is not None:
            longest[0] = max(longest[0], time.perf_counter() - start)

    sa.event.listen(engine, "begin", begin)
    sa.event.listen(engine, "commit", end)
    try:
        action()
    finally:
        sa.event.remove(engine, "begin", begin)
        sa.event.remove(engine, "commit", end)
    return longest[0]


Commit = Callable[[ClusterStore, importer.ImportPlan, Actor], object]


def one_commit(url_context: Callable[[], Any], features: int, commit: Commit) -> list[float]:
    """On a fresh registry: the commit's time, the write lock's and the events written."""
    with url_context() as url:
        store = open_store(url)
        try:
            existing = fill(store, features // 2)
            data = synthetic_file(existing, features - len(existing))
            plan = importer.plan_file(
                store,
                data,
                "tong-hop-thu-nghiem.geojson",
                ADMIN,
                evidence=EVIDENCE,
                today=date(2026, 1, 1),
            )
            assert not plan.has_errors, plan.issues()[:3]
            took: list[float] = []
            held = lock_held(
                store, lambda: took.append(timed(lambda: commit(store, plan, ADMIN))[0])
            )
            return [took[0], held, len(store.history()) - len(existing)]
        finally:
            store.close()


def bulk(store: ClusterStore, plan: importer.ImportPlan, actor: Actor) -> object:
    return importer.commit(store, plan, actor, accept_warnings=True)


def measure(url_context: Callable[[], Any], features: int) -> dict[str, str]:
    out: dict[str, str] = {}
    for label, commit in (("row by row", row_by_row), ("bulk", bulk)):
        took, held, events = one_commit(url_context, features, commit)
        out[f"commit, {label}"] = f"{took:.2f} s"
        out[f"write lock held, {label}"] = f"{held:.2f} s"
        out["history events written"] = str(int(events))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=10_000, help="features in the file")
    parser.add_argument("--no-postgis", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    results = {"sqlite": measure(sqlite_url, args.features)}
    if not args.no_postgis:
        try:
            results["postgis"] = measure(postgis_url, args.features)
        except Exception as exc:  # report and carry on: SQLite numbers are still useful
            print(f"PostGIS skipped: {exc}", file=sys.stderr)
    print(f"{args.features} synthetic features ({args.features // 2} updates, the rest new)")
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
