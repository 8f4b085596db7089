"""The project's seed: real clusters from public reporting, and the reported figures."""

from __future__ import annotations

import csv
import functools
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
from clusters.texts import Text

# The top-level geodata/ folder, installed as clusters.geodata: the same files in a checkout,
# an editable install and a wheel.
GEODATA = Path(str(resources.files("clusters.geodata")))
SEED_FILE = GEODATA / "clusters_seed.csv"
FIGURES_FILE = GEODATA / "reported_figures.csv"
SEED_SOURCE = "geodata/clusters_seed.csv"
# The seed states each stage as the public reporting does: history names the file.
SEED_ORIGIN = registry.Origin("seed", SEED_SOURCE, "Nhập từ dữ liệu khởi tạo (seed)")
# The research file's free-text columns are English research notes; the project's seed adds
# a faithful Vietnamese translation of each in ``<column>_vi`` (empty where the research text
# is already Vietnamese, a number or a name). Records hold the Vietnamese; the English stays
# in the seed file and is shown in the English UI (``in_language``).
TRANSLATED = {
    "stage_evidence": "stage_evidence",
    "occupancy_pct": "occupancy_note",
    "wwtp_status_text": "wwtp_note",
    "notes": "notes",
    "investor": "investor",
}
DECISION_NUMBER = "decision.number"  # ``in_language`` keys of a decision's number and note
DECISION_NOTE = "decision.note"
_DATE_NOTE = Text("ngày theo nguồn: {when}", "date as reported: {when}")


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


def _both(row: dict[str, str], column: str) -> Text | None:
    """A research column's text in Vietnamese (its translation, or itself) and English."""
    en = row[column].strip()
    if not en:
        return None
    return Text(row.get(f"{column}_vi", "").strip() or en, en)


def _vi(row: dict[str, str], column: str) -> str | None:
    both = _both(row, column)
    return both.vi if both else None


def _date_note(row: dict[str, str]) -> Text | None:
    """A decision date that is not an exact date, kept as reported, as a note."""
    when = _both(row, "decision_date")
    if when is None or _iso_date(row["decision_date"]):
        return None
    return _DATE_NOTE.format(when=when)


def seed_decision(row: dict[str, str]) -> Decision | None:
    """The establishment decision as reported; uncertain numbers are kept as written."""
    number = _vi(row, "decision_no")
    if number is None and not row["decision_date"].strip():
        return None
    note = _date_note(row)
    return Decision(
        doc_type="establishment",
        number=number,
        date=_iso_date(row["decision_date"]),
        issuer=None,
        note=note.vi if note else None,
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
        investor=_vi(row, "investor"),
        batch=_text(row["batch"]),
        stage=row["stage"],
        stage_verified=row["stage_verified"].strip().lower() == "true",
        as_of=_text(row["stage_as_of"]),
        stage_evidence=_vi(row, "stage_evidence"),
        occupancy_note=_vi(row, "occupancy_pct"),
        wwtp_note=_vi(row, "wwtp_status_text"),
        geometry=Point(float(row["lon"]), float(row["lat"])),
        location_precision=row["location_precision"],
        confidence=_text(row["confidence"]),
        sources=[s.strip() for s in row["sources"].split(" | ") if s.strip()],
        notes=_vi(row, "notes"),
    )


def _rows(path: Path = SEED_FILE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@functools.cache
def seed_texts() -> dict[tuple[str, str], Text]:
    """Every translated text of the seed, by (field, its text in either language).

    Registries seeded before the translations hold the English text: it is found too."""
    found: dict[tuple[str, str], Text] = {}
    for row in _rows():
        pairs = [(field, _both(row, column)) for column, field in TRANSLATED.items()]
        pairs += [(DECISION_NUMBER, _both(row, "decision_no")), (DECISION_NOTE, _date_note(row))]
        for field, both in pairs:
            if both is not None and both.vi != both.en:
                found[(field, both.vi)] = found[(field, both.en)] = both
        note = _date_note(row)
        if note is not None:  # as seeded before: the English date after a Vietnamese label
            found[(DECISION_NOTE, _DATE_NOTE.vi.format(when=note.en.split(": ", 1)[1]))] = note
    return found


def in_language(field: str, value: str, lang: str) -> str:
    """A record's text in ``lang`` when it is one of the seed's translated texts; any other
    text (a planner's own) as it was written."""
    both = seed_texts().get((field, value))
    return both.text(lang) if both is not None else value


def read_seed(path: Path = SEED_FILE) -> Iterator[tuple[Cluster, Decision | None]]:
    for row in _rows(path):
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
