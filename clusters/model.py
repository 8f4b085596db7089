"""The registry's records: plain dataclasses, no I/O."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry

CLUSTER_TYPES = ("general", "craft_village")
LOCATION_PRECISIONS = ("surveyed", "commune", "commune_from_name", "district")
APPROXIMATE_PRECISIONS = frozenset({"commune", "commune_from_name", "district"})
BATCHES = ("before_2018", "2018_2020", "2021_2025", "2026_2030")
WWTP_STATUSES = (
    "none",
    "planned",
    "under_construction",
    "built_not_operating",
    "operating",
    "operating_compliant",
)
INVESTOR_TYPES = ("enterprise", "cooperative", "district_board", "state_agency", "other")
CONFIDENCE_LEVELS = ("high", "medium", "low")
DECISION_TYPES = (
    "planning",
    "establishment",
    "expansion",
    "compensation",
    "groundbreaking",
    "acceptance",
    "operation",
    "removal",
    "inspection",
    "other",
)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label_vi: str
    label_en: str
    unit: str = ""
    description: str = ""

    def label(self, lang: str = "vi") -> str:
        return self.label_en if lang == "en" else self.label_vi


# One row per stored attribute of a cluster, in the planners' words. Forms, the cluster page,
# history and the export data dictionary all read labels from here.
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "Mã", "Id", "", "stable identifier, never reused"),
    FieldSpec("name", "Tên cụm", "Name", "", "cluster name in Vietnamese"),
    FieldSpec("aliases", "Tên khác", "Aliases", "", "former names and aliases"),
    FieldSpec("cluster_type", "Loại cụm", "Type", "", "general | craft_village"),
    FieldSpec(
        "parent_id",
        "Cụm gốc (mở rộng/giai đoạn 2)",
        "Parent cluster",
        "",
        "id of the cluster this one expands",
    ),
    FieldSpec(
        "location_precision",
        "Độ chính xác vị trí",
        "Location precision",
        "",
        "surveyed | commune | commune_from_name | district",
    ),
    FieldSpec(
        "district_2019",
        "Quận/huyện (trước 2025)",
        "Former district",
        "",
        "district before 1 July 2025, as in the legal decisions",
    ),
    FieldSpec(
        "commune_2019",
        "Xã/phường (trước 2025)",
        "Former commune",
        "",
        "commune before 1 July 2025, as in the legal decisions",
    ),
    FieldSpec(
        "commune_2025_code",
        "Mã xã/phường 2025",
        "2025 commune code",
        "",
        "5-digit code of the 2025 commune",
    ),
    FieldSpec("commune_2025_name", "Xã/phường 2025", "2025 commune", "", ""),
    FieldSpec("area_ha", "Diện tích quyết định", "Decided area", "ha", "total area decided"),
    FieldSpec("industrial_land_ha", "Đất công nghiệp", "Industrial land", "ha", ""),
    FieldSpec("leased_land_ha", "Đất đã cho thuê", "Leased land", "ha", ""),
    FieldSpec(
        "occupancy_pct", "Tỷ lệ lấp đầy", "Occupancy", "%", "leased / industrial land, derived"
    ),
    FieldSpec("occupancy_note", "Ghi chú lấp đầy", "Occupancy as reported", "", ""),
    FieldSpec("investor", "Chủ đầu tư hạ tầng", "Infrastructure investor", "", ""),
    FieldSpec("investor_type", "Loại chủ đầu tư", "Investor type", "", ""),
    FieldSpec(
        "batch", "Đợt thành lập", "Batch", "", "before_2018 | 2018_2020 | 2021_2025 | 2026_2030"
    ),
    FieldSpec("stage", "Giai đoạn", "Stage", "", "lifecycle stage code"),
    FieldSpec("stage_effective_date", "Ngày hiệu lực giai đoạn", "Stage effective date", "", ""),
    FieldSpec("stage_evidence", "Căn cứ giai đoạn", "Stage evidence", "", ""),
    FieldSpec("stage_verified", "Đã xác minh giai đoạn", "Stage verified", "", ""),
    FieldSpec(
        "as_of",
        "Số liệu tính đến",
        "As of",
        "",
        "date of the latest evidence (YYYY, YYYY-MM or YYYY-MM-DD)",
    ),
    FieldSpec("wwtp_status", "Trạm xử lý nước thải", "Wastewater plant", "", ""),
    FieldSpec("wwtp_note", "Ghi chú nước thải", "Wastewater note", "", ""),
    FieldSpec("confidence", "Độ tin cậy", "Confidence", "", "high | medium | low"),
    FieldSpec("sources", "Nguồn", "Sources", "", "URLs or document references"),
    FieldSpec("notes", "Ghi chú", "Notes", "", ""),
    FieldSpec("geometry", "Vị trí", "Location", "", "point or polygon, WGS84"),
    FieldSpec("version", "Phiên bản", "Version", "", ""),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}

# Attributes a form or an import may change (identity and bookkeeping are not among them).
EDITABLE_FIELDS: tuple[str, ...] = tuple(
    f.name for f in FIELDS if f.name not in {"id", "occupancy_pct", "version"}
)
# The stage and what backs it: written only by a stage change, which brings its evidence.
STAGE_FIELDS: tuple[str, ...] = (
    "stage",
    "stage_effective_date",
    "stage_evidence",
    "stage_verified",
)
# What an attribute update (a form, an import row) may change.
ATTRIBUTE_FIELDS: tuple[str, ...] = tuple(f for f in EDITABLE_FIELDS if f not in STAGE_FIELDS)


@dataclass
class Cluster:
    name: str
    geometry: BaseGeometry | None = None
    stage: str = "planned"
    cluster_type: str = "general"
    id: int | None = None
    aliases: list[str] = field(default_factory=list)
    parent_id: int | None = None
    location_precision: str = "surveyed"
    district_2019: str | None = None
    commune_2019: str | None = None
    commune_2025_code: str | None = None
    commune_2025_name: str | None = None
    area_ha: float | None = None
    industrial_land_ha: float | None = None
    leased_land_ha: float | None = None
    occupancy_note: str | None = None
    investor: str | None = None
    investor_type: str | None = None
    batch: str | None = None
    stage_effective_date: date | None = None
    stage_evidence: str | None = None
    stage_verified: bool = False
    as_of: str | None = None
    wwtp_status: str | None = None
    wwtp_note: str | None = None
    confidence: str | None = None
    sources: list[str] = field(default_factory=list)
    notes: str | None = None
    version: int = 0
    created_at: datetime | None = None
    created_by: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def occupancy_pct(self) -> float | None:
        """Leased over industrial land, when both are known."""
        if self.leased_land_ha is None or not self.industrial_land_ha:
            return None
        return round(100.0 * self.leased_land_ha / self.industrial_land_ha, 1)

    @property
    def is_approximate(self) -> bool:
        return self.location_precision in APPROXIMATE_PRECISIONS

    def replace(self, **changes: Any) -> Cluster:
        return dataclasses.replace(self, **changes)


@dataclass
class Decision:
    """A legal document attached to a cluster (or a dated inspection)."""

    doc_type: str
    number: str | None = None
    date: date | None = None
    issuer: str | None = None
    note: str | None = None
    id: int | None = None
    cluster_id: int | None = None
    event_id: int | None = None


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass
class ChangeEvent:
    """One append-only history entry: who, when, what, why, and the version it produced."""

    cluster_id: int
    version: int
    actor: str
    at: datetime
    kind: str  # create | update | stage | seed | import | correction | location
    changes: list[FieldChange] = field(default_factory=list)
    reason: str | None = None
    source: str | None = None
    id: int | None = None


@dataclass
class ReportedFigure:
    """An officially reported count, kept with its date and source."""

    as_of: date
    category: str
    count: int | None
    source: str
    area_ha: float | None = None
    note: str | None = None
    id: int | None = None
