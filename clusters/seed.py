"""The project's seed: real clusters from public reporting, and the reported figures."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from importlib import resources
from pathlib import Path

from shapely.geometry import Point

from clusters import registry
from clusters.errors import StorageError
from clusters.model import Cluster, Decision, ReportedFigure
from clusters.roles import SEED_ACTOR
from clusters.store import ClusterStore

# The top-level geodata/ folder, installed as clusters.geodata: the same files in a checkout,
# an editable install and a wheel.
GEODATA = Path(str(resources.files("clusters.geodata")))
SEED_FILE = GEODATA / "clusters_seed.csv"
FIGURES_FILE = GEODATA / "reported_figures.csv"
SEED_SOURCE = "geodata/clusters_seed.csv"
# The seed states each stage as the public reporting does: history names the file.
SEED_ORIGIN = registry.Origin("seed", SEED_SOURCE, "Nhập từ dữ liệu khởi tạo (seed)")


def _text(value: str) -> str | None:
    value = value.strip()
    return value or None


def _float(value: str) -> float | None:
    value = value.strip()
    return float(value) if value else None


def _iso_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def seed_decision(row: dict[str, str]) -> Decision | None:
    """The establishment decision as reported; uncertain numbers are kept as written."""
    number = _text(row["decision_no"])
    when = _text(row["decision_date"])
    if number is None and when is None:
        return None
    parsed = _iso_date(row["decision_date"])
    return Decision(
        doc_type="establishment",
        number=number,
        date=parsed,
        issuer=None,
        note=None if parsed else (f"ngày theo nguồn: {when}" if when else None),
    )


def seed_cluster(row: dict[str, str]) -> Cluster:
    return Cluster(
        id=int(row["id"]),
        name=row["name"].strip(),
        cluster_type=row["cluster_type"],
        district_2019=_text(row["district_2019"]),
        commune_2019=_text(row["commune_2019"]),
        commune_2025_code=_text(row["commune_2025_code"]),
        commune_2025_name=_text(row["commune_2025_name"]),
        area_ha=_float(row["area_ha"]),
        investor=_text(row["investor"]),
        batch=_text(row["batch"]),
        stage=row["stage"],
        stage_verified=row["stage_verified"].strip().lower() == "true",
        as_of=_text(row["stage_as_of"]),
        stage_evidence=_text(row["stage_evidence"]),
        occupancy_note=_text(row["occupancy_pct"]),
        wwtp_note=_text(row["wwtp_status_text"]),
        geometry=Point(float(row["lon"]), float(row["lat"])),
        location_precision=row["location_precision"],
        confidence=_text(row["confidence"]),
        sources=[s.strip() for s in row["sources"].split(" | ") if s.strip()],
        notes=_text(row["notes"]),
    )


def read_seed(path: Path = SEED_FILE) -> Iterator[tuple[Cluster, Decision | None]]:
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            yield seed_cluster(row), seed_decision(row)


def read_figures(path: Path = FIGURES_FILE) -> list[ReportedFigure]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            ReportedFigure(
                as_of=date.fromisoformat(r["as_of"]),
                category=r["category"],
                count=int(r["count"]) if r["count"] else None,
                area_ha=_float(r["area_ha"]),
                source=r["source"],
                note=_text(r["note"]),
            )
            for r in csv.DictReader(fh)
        ]


def seed(store: ClusterStore) -> tuple[int, int]:
    """Add the seed clusters and figures that are not there yet; returns what was added.

    Another process seeding the same database at the same moment (two ``clusters seed``, or
    app instances starting together) makes this one transaction fail on the ids the other
    wrote, and roll back whole: look again at what is there, and add what is still missing.
    """
    try:
        return _add_missing(store)
    except StorageError:
        return _add_missing(store)


def _add_missing(store: ClusterStore) -> tuple[int, int]:
    have_ids = {c.id for c in store.list_clusters()}
    have_figures = {(f.as_of, f.category) for f in store.reported_figures()}
    added_clusters = added_figures = 0
    with store.transaction() as tx:
        for cluster, decision in read_seed():
            if cluster.id in have_ids:
                continue
            registry.create_cluster(
                tx,
                cluster,
                SEED_ACTOR,
                evidence=[decision] if decision else [],
                origin=SEED_ORIGIN,
                accept_warnings=True,  # known: older clusters below the Decree's 10 ha, etc.
            )
            added_clusters += 1
        for figure in read_figures():
            if (figure.as_of, figure.category) in have_figures:
                continue
            registry.add_reported_figure(tx, figure, SEED_ACTOR)
            added_figures += 1
    return added_clusters, added_figures


def ensure_seeded(store: ClusterStore) -> bool:
    """Seed an empty registry; True when it did.

    Several app instances may start together on one empty database: the seed is one
    transaction, so the slower instance fails on the ids the faster one wrote, finds the
    registry seeded and adds nothing (see ``seed``).
    """
    if store.count() or store.reported_figures():
        return False
    return seed(store) != (0, 0)
