"""Clusters as a GeoDataFrame with the documented export properties."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd

from clusters import stages
from clusters.model import Cluster

# The export's properties, in order, with units: the README's data dictionary lists them.
EXPORT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "", "stable identifier (GeoJSON feature id)"),
    ("name", "", "cluster name (Vietnamese)"),
    ("aliases", "", "former names and aliases, separated by '; '"),
    ("cluster_type", "", "general | craft_village"),
    ("parent_id", "", "id of the cluster this one expands (mở rộng / giai đoạn 2)"),
    ("stage", "", "stage code (see the stage table)"),
    ("stage_label", "", "stage in Vietnamese"),
    ("stage_effective_date", "date", "date the current stage took effect (YYYY-MM-DD)"),
    ("stage_evidence", "", "document or inspection behind the current stage"),
    ("stage_verified", "", "true when the stage is backed by recent evidence"),
    ("as_of", "date", "date of the latest evidence (YYYY, YYYY-MM or YYYY-MM-DD)"),
    ("batch", "", "before_2018 | 2018_2020 | 2021_2025 | 2026_2030"),
    ("location_precision", "", "surveyed | commune | commune_from_name | district"),
    ("approximate", "", "true when the location is only approximate"),
    ("district_2019", "", "former district (before 1 July 2025)"),
    ("commune_2019", "", "former commune (before 1 July 2025)"),
    ("commune_2025_code", "", "5-digit code of the 2025 commune"),
    ("commune_2025_name", "", "2025 commune"),
    ("area_ha", "ha", "decided total area"),
    ("industrial_land_ha", "ha", "industrial land"),
    ("leased_land_ha", "ha", "leased land"),
    ("occupancy_pct", "%", "leased / industrial land"),
    ("occupancy_note", "", "occupancy as reported (free text)"),
    ("investor", "", "infrastructure investor"),
    ("investor_type", "", "enterprise | cooperative | district_board | state_agency | other"),
    ("wwtp_status", "", "central wastewater plant status"),
    ("wwtp_note", "", "wastewater plant as reported (free text)"),
    ("confidence", "", "high | medium | low, for the record as a whole"),
    ("sources", "", "sources, separated by ' | '"),
    ("notes", "", "caveats"),
    ("version", "", "record version"),
    ("updated_at", "UTC", "time of the last change"),
)


def properties(c: Cluster) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "aliases": "; ".join(c.aliases) or None,
        "cluster_type": c.cluster_type,
        "parent_id": c.parent_id,
        "stage": c.stage,
        "stage_label": stages.stage(c.stage).label_vi,
        "stage_effective_date": c.stage_effective_date.isoformat()
        if c.stage_effective_date
        else None,
        "stage_evidence": c.stage_evidence,
        "stage_verified": c.stage_verified,
        "as_of": c.as_of,
        "batch": c.batch,
        "location_precision": c.location_precision,
        "approximate": c.is_approximate,
        "district_2019": c.district_2019,
        "commune_2019": c.commune_2019,
        "commune_2025_code": c.commune_2025_code,
        "commune_2025_name": c.commune_2025_name,
        "area_ha": c.area_ha,
        "industrial_land_ha": c.industrial_land_ha,
        "leased_land_ha": c.leased_land_ha,
        "occupancy_pct": c.occupancy_pct,
        "occupancy_note": c.occupancy_note,
        "investor": c.investor,
        "investor_type": c.investor_type,
        "wwtp_status": c.wwtp_status,
        "wwtp_note": c.wwtp_note,
        "confidence": c.confidence,
        "sources": " | ".join(c.sources) or None,
        "notes": c.notes,
        "version": c.version,
        "updated_at": c.updated_at.isoformat(timespec="seconds") if c.updated_at else None,
    }


def to_frame(clusters: Sequence[Cluster]) -> gpd.GeoDataFrame:
    rows = [properties(c) for c in clusters]
    columns = [name for name, _, _ in EXPORT_COLUMNS]
    return gpd.GeoDataFrame(
        rows, columns=columns, geometry=[c.geometry for c in clusters], crs="EPSG:4326"
    )


def data_dictionary() -> str:
    lines = ["| property | unit | meaning |", "|---|---|---|"]
    lines += [f"| `{n}` | {u} | {d} |" for n, u, d in EXPORT_COLUMNS]
    return "\n".join(lines)
