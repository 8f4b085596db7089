"""Validation and lifecycle rules: pure functions.

``check_cluster`` returns every problem found; errors block a write, warnings are shown and
need an explicit accept. ``check_stage_change`` raises when a move is not allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

from shapely.geometry.base import BaseGeometry

from clusters import stages
from clusters.errors import Problem, ValidationError
from clusters.figures import CATEGORY_BY_CODE
from clusters.geo import area_ha as geometry_area_ha
from clusters.model import (
    BATCHES,
    CLUSTER_TYPES,
    DECISION_TYPES,
    INVESTOR_TYPES,
    LOCATION_PRECISIONS,
    WWTP_STATUSES,
    Cluster,
    Decision,
    ReportedFigure,
)

# Hanoi's extent with a margin of about 3 km around the city outline (min lon, min lat, max
# lon, max lat), from the 2025 administrative boundary. A point outside it cannot be in Hanoi.
HANOI_EXTENT = (105.25, 20.53, 106.05, 21.42)
NAME_MAX = 200
AREA_RANGE_GENERAL = (10.0, 75.0)
AREA_RANGE_CRAFT = (5.0, 75.0)
AREA_MISMATCH = 0.10
_AS_OF = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_COMMUNE_CODE = re.compile(r"^\d{5}$")


def _err(code: str, field: str | None, vi: str, en: str) -> Problem:
    return Problem(code, field, vi, en, "error")


def _warn(code: str, field: str | None, vi: str, en: str) -> Problem:
    return Problem(code, field, vi, en, "warning")


def _choice(
    value: str | None, allowed: tuple[str, ...], field: str, label_vi: str, required: bool = False
) -> list[Problem]:
    if value is None or value == "":
        if required:
            return [_err("required", field, f"Thiếu {label_vi}.", f"{field} is required.")]
        return []
    if value not in allowed:
        return [
            _err(
                "choice",
                field,
                f"{label_vi} «{value}» không hợp lệ; chọn một trong: {', '.join(allowed)}.",
                f"{field} '{value}' is not valid; choose one of: {', '.join(allowed)}.",
            )
        ]
    return []


def check_identity(c: Cluster) -> list[Problem]:
    out: list[Problem] = []
    if not c.name or not c.name.strip():
        out.append(_err("required", "name", "Thiếu tên cụm.", "The name is required."))
    elif len(c.name) > NAME_MAX:
        out.append(
            _err(
                "too_long",
                "name",
                f"Tên cụm dài quá {NAME_MAX} ký tự.",
                f"The name is longer than {NAME_MAX} characters.",
            )
        )
    out += _choice(c.cluster_type, CLUSTER_TYPES, "cluster_type", "loại cụm", required=True)
    out += _choice(c.stage, stages.STAGE_CODES, "stage", "giai đoạn", required=True)
    out += _choice(c.batch, BATCHES, "batch", "đợt thành lập")
    out += _choice(c.wwtp_status, WWTP_STATUSES, "wwtp_status", "tình trạng trạm XLNT")
    out += _choice(c.investor_type, INVESTOR_TYPES, "investor_type", "loại chủ đầu tư")
    out += _choice(
        c.location_precision,
        LOCATION_PRECISIONS,
        "location_precision",
        "độ chính xác vị trí",
        required=True,
    )
    out += _choice(c.confidence, ("high", "medium", "low"), "confidence", "độ tin cậy")
    if c.commune_2025_code and not _COMMUNE_CODE.match(c.commune_2025_code):
        out.append(
            _err(
                "commune_code",
                "commune_2025_code",
                "Mã xã/phường 2025 phải gồm 5 chữ số.",
                "The 2025 commune code must be 5 digits.",
            )
        )
    if c.parent_id is not None and c.id is not None and c.parent_id == c.id:
        out.append(
            _err(
                "parent_self",
                "parent_id",
                "Cụm không thể là cụm gốc của chính nó.",
                "A cluster cannot be its own parent.",
            )
        )
    return out


def check_areas(c: Cluster) -> list[Problem]:
    out: list[Problem] = []
    values = {
        "area_ha": c.area_ha,
        "industrial_land_ha": c.industrial_land_ha,
        "leased_land_ha": c.leased_land_ha,
    }
    for field, v in values.items():
        if v is not None and v < 0:
            out.append(
                _err("negative", field, "Diện tích không được âm.", "An area cannot be negative.")
            )
    if out:
        return out
    if (
        c.leased_land_ha is not None
        and c.industrial_land_ha is not None
        and c.leased_land_ha > c.industrial_land_ha
    ):
        out.append(
            _err(
                "leased_gt_industrial",
                "leased_land_ha",
                "Đất đã cho thuê lớn hơn đất công nghiệp (tỷ lệ lấp đầy > 100%).",
                "Leased land exceeds industrial land (occupancy above 100%).",
            )
        )
    if (
        c.industrial_land_ha is not None
        and c.area_ha is not None
        and c.industrial_land_ha > c.area_ha
    ):
        out.append(
            _err(
                "industrial_gt_total",
                "industrial_land_ha",
                "Đất công nghiệp lớn hơn tổng diện tích.",
                "Industrial land exceeds the total area.",
            )
        )
    if c.area_ha is not None:
        lo, hi = AREA_RANGE_CRAFT if c.cluster_type == "craft_village" else AREA_RANGE_GENERAL
        if not lo <= c.area_ha <= hi:
            out.append(
                _warn(
                    "area_range",
                    "area_ha",
                    f"Diện tích {c.area_ha:g} ha nằm ngoài khoảng {lo:g}–{hi:g} ha của Nghị định "
                    "32/2024 (cụm cũ có thể nhỏ hơn).",
                    f"Area {c.area_ha:g} ha is outside the {lo:g}–{hi:g} ha of Decree 32/2024 "
                    "(older clusters may be smaller).",
                )
            )
    return out


def check_geometry(geom: BaseGeometry | None, area_ha: float | None = None) -> list[Problem]:
    if geom is None or geom.is_empty:
        return [
            _err(
                "no_location",
                "geometry",
                "Thiếu vị trí (điểm hoặc ranh giới).",
                "A location (point or boundary) is required.",
            )
        ]
    if geom.geom_type not in ("Point", "Polygon", "MultiPolygon"):
        return [
            _err(
                "geom_type",
                "geometry",
                f"Vị trí phải là điểm hoặc vùng, không phải {geom.geom_type}.",
                f"The location must be a point or a polygon, not {geom.geom_type}.",
            )
        ]
    if not geom.is_valid:
        return [
            _err(
                "geom_invalid",
                "geometry",
                "Ranh giới không hợp lệ (tự cắt hoặc vòng không khép kín).",
                "The boundary is not valid (self-intersecting or not closed).",
            )
        ]
    minx, miny, maxx, maxy = geom.bounds
    ex = HANOI_EXTENT
    if minx < ex[0] or miny < ex[1] or maxx > ex[2] or maxy > ex[3]:
        return [
            _err(
                "outside_hanoi",
                "geometry",
                "Vị trí nằm ngoài địa giới Hà Nội (kiểm tra thứ tự kinh độ/vĩ độ và hệ tọa độ).",
                "The location is outside Hanoi (check longitude/latitude order and the "
                "coordinate system).",
            )
        ]
    out: list[Problem] = []
    if area_ha and geom.geom_type != "Point":
        computed = geometry_area_ha(geom)
        if abs(computed - area_ha) > AREA_MISMATCH * area_ha:
            out.append(
                _warn(
                    "area_mismatch",
                    "geometry",
                    f"Diện tích theo ranh giới {computed:.2f} ha lệch hơn 10% so với diện tích "
                    f"quyết định {area_ha:g} ha.",
                    f"The boundary's area {computed:.2f} ha differs by more than 10% from the "
                    f"decided area {area_ha:g} ha.",
                )
            )
    return out


def check_dates(c: Cluster, today: date) -> list[Problem]:
    out: list[Problem] = []
    if c.stage_effective_date is not None and c.stage_effective_date > today:
        out.append(
            _err(
                "future_date",
                "stage_effective_date",
                "Ngày hiệu lực giai đoạn ở tương lai.",
                "The stage effective date is in the future.",
            )
        )
    if c.as_of:
        if not _AS_OF.match(c.as_of):
            out.append(
                _err(
                    "as_of_format",
                    "as_of",
                    "«Số liệu tính đến» phải có dạng NNNN, NNNN-TT hoặc NNNN-TT-NN.",
                    "'As of' must be YYYY, YYYY-MM or YYYY-MM-DD.",
                )
            )
        elif c.as_of > today.isoformat()[: len(c.as_of)]:
            out.append(
                _err(
                    "future_date",
                    "as_of",
                    "«Số liệu tính đến» ở tương lai.",
                    "'As of' is in the future.",
                )
            )
    return out


def check_cluster(c: Cluster, today: date | None = None) -> list[Problem]:
    """Every problem of a cluster record, errors first."""
    today = today or date.today()
    problems = (
        check_identity(c)
        + check_areas(c)
        + check_geometry(c.geometry, c.area_ha)
        + check_dates(c, today)
    )
    return sorted(problems, key=lambda p: p.severity != "error")


def check_decision(d: Decision, today: date | None = None) -> list[Problem]:
    today = today or date.today()
    out = _choice(d.doc_type, DECISION_TYPES, "doc_type", "loại văn bản", required=True)
    if d.doc_type == "inspection":
        if d.date is None:
            out.append(
                _err(
                    "required",
                    "decision_date",
                    "Biên bản kiểm tra phải có ngày.",
                    "An inspection must have a date.",
                )
            )
    elif not (d.number and d.number.strip()):
        out.append(
            _err(
                "required",
                "decision_number",
                "Thiếu số văn bản (ví dụ 2803/QĐ-UBND).",
                "The document number is required (e.g. 2803/QĐ-UBND).",
            )
        )
    if d.date is not None and d.date > today:
        out.append(
            _err(
                "future_date",
                "decision_date",
                "Ngày văn bản ở tương lai.",
                "The document date is in the future.",
            )
        )
    return out


def check_initial_stage(c: Cluster, evidence: Sequence[Decision]) -> list[Problem]:
    """A record created past "planned" states when its stage began and on what evidence."""
    if c.stage == "planned":
        return []
    out = []
    if c.stage_effective_date is None:
        out.append(
            _err(
                "required",
                "stage_effective_date",
                "Thiếu ngày hiệu lực của giai đoạn.",
                "The stage's effective date is required.",
            )
        )
    if not evidence:
        out.append(
            _err(
                "evidence_required",
                "evidence",
                "Giai đoạn sau «Trong quy hoạch» cần căn cứ: văn bản hoặc biên bản kiểm tra.",
                "A stage past 'In the plan' needs evidence: a document or an inspection.",
            )
        )
    return out


def check_stage_change(
    current: Cluster,
    new_stage: str,
    effective_date: date | None,
    evidence: Decision | None,
    reason: str | None,
    today: date | None = None,
) -> stages.Move:
    """Raise ``ValidationError`` unless the move is allowed; return its kind."""
    today = today or date.today()
    if not stages.is_stage(new_stage):
        raise ValidationError(_choice(new_stage, stages.STAGE_CODES, "stage", "giai đoạn"))
    move = stages.classify_move(current.stage, new_stage)
    problems: list[Problem] = []
    if move is stages.Move.NONE:
        problems.append(
            _err(
                "same_stage",
                "stage",
                "Cụm đã ở giai đoạn này.",
                "The cluster is already at this stage.",
            )
        )
    if move is stages.Move.CORRECTION and not (reason and reason.strip()):
        problems.append(
            _err(
                "correction_reason",
                "reason",
                "Lùi giai đoạn hoặc đưa cụm trở lại quy hoạch là một đính chính: phải nêu lý do.",
                "Moving back, or leaving 'removed', is a correction: a reason is required.",
            )
        )
    if effective_date is None:
        problems.append(
            _err(
                "required",
                "stage_effective_date",
                "Thiếu ngày hiệu lực của giai đoạn.",
                "The stage's effective date is required.",
            )
        )
    elif effective_date > today:
        problems.append(
            _err(
                "future_date",
                "stage_effective_date",
                "Ngày hiệu lực giai đoạn ở tương lai.",
                "The stage effective date is in the future.",
            )
        )
    if move is stages.Move.FORWARD and evidence is None:
        problems.append(
            _err(
                "evidence_required",
                "evidence",
                "Thay đổi giai đoạn cần căn cứ: một văn bản (số, ngày, cơ quan ban hành) hoặc "
                "biên bản kiểm tra có ngày.",
                "A stage change needs evidence: a document (number, date, issuer) or a dated "
                "inspection.",
            )
        )
    if evidence is not None:
        problems += check_decision(evidence, today)
    if problems:
        raise ValidationError(problems)
    return move


def stage_date_warnings(current: Cluster, effective_date: date) -> list[Problem]:
    """A new stage dated before the current one's effective date is suspicious."""
    if current.stage_effective_date and effective_date < current.stage_effective_date:
        return [
            _warn(
                "date_order",
                "stage_effective_date",
                "Ngày hiệu lực sớm hơn ngày của giai đoạn hiện tại.",
                "The effective date is earlier than the current stage's date.",
            )
        ]
    return []


def check_reported_figure(f: ReportedFigure, today: date | None = None) -> list[Problem]:
    """An officially reported figure: a known category, a count or an area, a dated source."""
    today = today or date.today()
    out = _choice(f.category, tuple(CATEGORY_BY_CODE), "category", "loại số liệu", required=True)
    if f.count is None and f.area_ha is None:
        out.append(
            _err(
                "required",
                "count",
                "Cần số cụm hoặc diện tích.",
                "A count or an area is required.",
            )
        )
    if (f.count is not None and f.count < 0) or (f.area_ha is not None and f.area_ha < 0):
        out.append(
            _err("negative", "count", "Số liệu không được âm.", "A figure cannot be negative.")
        )
    if f.as_of > today:
        out.append(
            _err(
                "future_date",
                "as_of",
                "Ngày số liệu ở tương lai.",
                "The figure's date is in the future.",
            )
        )
    if not (f.source and f.source.strip()):
        out.append(_err("required", "source", "Thiếu nguồn số liệu.", "The source is required."))
    return out


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def warnings(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "warning"]


Check = Callable[[Cluster], list[Problem]]
