"""Validation and lifecycle rules: pure functions.

``check_cluster`` returns every problem found; errors block a write, warnings are shown and
need an explicit accept. ``check_stage_change`` raises when a move is not allowed; an import
row's move is held to the same rule, with the import's policy for where its evidence, date
and reason come from (``import_basis``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from clusters import clock, stages
from clusters.errors import Problem, ValidationError
from clusters.figures import CATEGORY_BY_CODE
from clusters.geo import area_ha as geometry_area_ha
from clusters.model import (
    CHOICE_FIELDS,
    DECISION_TYPES,
    FIELD_BY_NAME,
    PROJECT_STATUS_CODES,
    Cluster,
    Decision,
    ReportedFigure,
    TenantProject,
    read_partial_date,
)
from clusters.texts import Text, join

# Hanoi's extent with a margin of about 3 km around the city outline (min lon, min lat, max
# lon, max lat), from the 2025 administrative boundary. A point outside it cannot be in Hanoi.
HANOI_EXTENT = (105.25, 20.53, 106.05, 21.42)
NAME_MAX = 200
AREA_RANGE_GENERAL = (10.0, 75.0)
AREA_RANGE_CRAFT = (5.0, 75.0)
AREA_MISMATCH = 0.10
_COMMUNE_CODE = re.compile(r"^\d{5}$")


def _err(code: str, field: str | None, vi: str, en: str) -> Problem:
    return Problem(code, field, vi, en, "error")


def _warn(code: str, field: str | None, vi: str, en: str) -> Problem:
    return Problem(code, field, vi, en, "warning")


def _choice(
    value: str | None, allowed: tuple[str, ...], field: str, title: Text, required: bool = False
) -> list[Problem]:
    """A code among ``allowed``; ``title`` names the field (its label) in both languages."""
    if value is None or value == "":
        if required:
            return [_err("required", field, f"Thiếu «{title.vi}».", f"{title.en} is required.")]
        return []
    if value not in allowed:
        return [
            _err(
                "choice",
                field,
                f"«{title.vi}»: «{value}» không hợp lệ; chọn một trong: {', '.join(allowed)}.",
                f"{title.en} '{value}' is not valid; choose one of: {', '.join(allowed)}.",
            )
        ]
    return []


def _name(name: str | None, what: Text) -> list[Problem]:
    """A name is given and not too long; ``what`` says whose ("cụm" / "The name")."""
    if not name or not name.strip():
        return [_err("required", "name", f"Thiếu tên {what.vi}.", f"{what.en} is required.")]
    if len(name) > NAME_MAX:
        return [
            _err(
                "too_long",
                "name",
                f"Tên {what.vi} dài quá {NAME_MAX} ký tự.",
                f"{what.en} is longer than {NAME_MAX} characters.",
            )
        ]
    return []


def check_identity(c: Cluster) -> list[Problem]:
    out = _name(c.name, Text("cụm", "The name"))
    for f in CHOICE_FIELDS:
        out += _choice(getattr(c, f.name), f.codes, f.name, f.title, required=f.required)
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
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        return [
            _err(
                "geom_not_finite",
                "geometry",
                "Tọa độ không phải số hữu hạn (NaN hoặc vô cực).",
                "The coordinates are not finite numbers (NaN or infinity).",
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


def _real_partial_date(text: str) -> bool:
    try:
        return read_partial_date(text) == text
    except ValueError:
        return False


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
        if not _real_partial_date(c.as_of):
            out.append(
                _err(
                    "as_of_format",
                    "as_of",
                    "«Số liệu tính đến» phải là một năm, tháng hay ngày có thật, dạng NNNN, "
                    "NNNN-TT hoặc NNNN-TT-NN.",
                    "'As of' must be a real year, month or day: YYYY, YYYY-MM or YYYY-MM-DD.",
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
    today = today or clock.today()
    problems = (
        check_identity(c)
        + check_areas(c)
        + check_geometry(c.geometry, c.area_ha)
        + check_dates(c, today)
    )
    return sorted(problems, key=lambda p: p.severity != "error")


def _empty(value: object) -> bool:
    return value is None or value == "" or value == []


def erasure_problems(
    current: Cluster, changes: Mapping[str, Any], reason: str | None
) -> list[Problem]:
    """Clearing a value the record holds is a change like any other, and says why: an
    erasure without a reason is refused (what was there stays in the history)."""
    erased = [
        FIELD_BY_NAME[f].title
        for f, new in changes.items()
        if f in FIELD_BY_NAME and _empty(new) and not _empty(getattr(current, f, None))
    ]
    if not erased or (reason and reason.strip()):
        return []
    names = join(erased, ", ")
    return [
        _err(
            "erase_reason",
            "reason",
            f"Xoá giá trị đã có ({names.vi}) cần nêu lý do.",
            f"Clearing a recorded value ({names.en}) needs a reason.",
        )
    ]


def check_decision(
    d: Decision, today: date | None = None, *, stated: bool = False
) -> list[Problem]:
    """A document or inspection. ``stated``: as a source reports it (an import file, the
    seed), which may not give a document's number; one typed in must have it."""
    today = today or clock.today()
    out = _choice(
        d.doc_type, DECISION_TYPES, "doc_type", Text("Loại văn bản", "Document type"), True
    )
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
    elif not stated and not (d.number and d.number.strip()):
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


def check_new_record(
    c: Cluster, evidence: Sequence[Decision], today: date | None = None, *, stated: bool = False
) -> list[Problem]:
    """Every problem of a record about to be created with its documents.

    A record typed in past "planned" needs its stage's effective date and evidence. One taken
    from a source (``stated``: an import file, the seed) keeps the stage, and documents, as
    the source states them: district lists and the public reporting rarely give the date.
    """
    today = today or clock.today()
    problems = check_cluster(c, today)
    if not stated:
        problems += check_initial_stage(c, evidence)
    for d in evidence:
        problems += check_decision(d, today, stated=stated)
    return problems


def stage_change_problems(
    current: Cluster,
    new_stage: str,
    effective_date: date | None,
    evidence: Decision | None,
    reason: str | None,
    today: date | None = None,
) -> tuple[stages.Move | None, list[Problem]]:
    """The kind of a move (None for an unknown stage) and every reason it is not allowed."""
    today = today or clock.today()
    if not stages.is_stage(new_stage):
        stage = FIELD_BY_NAME["stage"]
        return None, _choice(new_stage, stage.codes, "stage", stage.title)
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
    return move, problems


def check_stage_change(
    current: Cluster,
    new_stage: str,
    effective_date: date | None,
    evidence: Decision | None,
    reason: str | None,
    today: date | None = None,
) -> stages.Move:
    """Raise ``ValidationError`` unless the move is allowed; return its kind."""
    move, problems = stage_change_problems(
        current, new_stage, effective_date, evidence, reason, today
    )
    if problems or move is None:
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


# --- stage moves in an import ------------------------------------------------------------

# The document that usually marks entry into each stage (DOMAIN.md): the type a form
# suggests, and the type of a document an import row gives as its evidence.
ENTRY_DOCUMENT = {
    "planned": "planning",
    "established": "establishment",
    "site_clearance": "compensation",
    "under_construction": "groundbreaking",
    "completing": "acceptance",
    "operating": "operation",
    "removed": "removal",
}
# A document's date written out after its reference: "… ngày 14/06/2025".
_WRITTEN_DATE = re.compile(r"\s*\bngày\s+(\d{1,2})/(\d{1,2})/(\d{4})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class StageBasis:
    """What a stage change rests on: its evidence, its effective date, a correction's reason."""

    evidence: Decision | None = None
    effective_date: date | None = None
    reason: str | None = None


def import_basis(row: StageBasis, whole_file: StageBasis) -> StageBasis:
    """The import's policy for what backs a row's stage move: the row's own evidence, date
    and reason, else those given for the whole file; failing both, the effective date is the
    evidence's own date (the day the document was signed or the inspection made)."""
    evidence = row.evidence or whole_file.evidence
    effective = row.effective_date or whole_file.effective_date
    if effective is None and evidence is not None:
        effective = evidence.date
    return StageBasis(evidence, effective, row.reason or whole_file.reason)


def evidence_from_text(text: str) -> Decision:
    """Evidence written out, as in ``--evidence "Báo cáo 123/BC-SCT ngày 14/06/2025"``: a
    document whose reference is the text and whose date, written last as «ngày dd/mm/yyyy»,
    is that day; ``registry.describe_evidence`` gives the text back."""
    written = unicodedata.normalize("NFC", text).strip()
    if not written:
        raise ValidationError(
            [_err("required", "evidence", "Căn cứ để trống.", "The evidence is empty.")]
        )
    found = _WRITTEN_DATE.search(written)
    if found is None:
        return Decision(doc_type="other", number=written)
    day, month, year = (int(g) for g in found.groups())
    try:
        signed = date(year, month, day)
    except ValueError:
        raise ValidationError(
            [
                _err(
                    "bad_date",
                    "evidence",
                    f"Ngày «{found.group(0).strip()}» trong căn cứ không có thật.",
                    f"The date '{found.group(0).strip()}' in the evidence does not exist.",
                )
            ]
        ) from None
    reference = written[: found.start()].strip()
    return Decision(doc_type="other", number=reference or None, date=signed)


def row_evidence(
    new_stage: str,
    *,
    number: str | None = None,
    document_date: date | None = None,
    inspection_date: date | None = None,
    written: str | None = None,
) -> tuple[Decision | None, list[Problem]]:
    """A row's own evidence for its stage: a document (its number and date; its type the one
    that marks entry into the stage), a dated inspection, or the evidence written out (as in
    a changed «Căn cứ giai đoạn» cell) — one of them."""
    problems: list[Problem] = []
    if number is not None and document_date is None:
        problems.append(
            _err(
                "required",
                "decision_date",
                "Có số văn bản căn cứ nhưng thiếu ngày văn bản.",
                "The evidence document has a number but no date.",
            )
        )
    if document_date is not None and number is None:
        problems.append(
            _err(
                "required",
                "decision_number",
                "Có ngày văn bản căn cứ nhưng thiếu số văn bản.",
                "The evidence document has a date but no number.",
            )
        )
    given = [
        (f, v)
        for f, v in (
            ("decision_number", number or document_date),
            ("inspection_date", inspection_date),
            ("stage_evidence", written),
        )
        if v is not None
    ]
    if len(given) > 1:
        problems.append(
            _err(
                "two_evidences",
                given[-1][0],
                "Dòng nêu nhiều căn cứ (văn bản, ngày kiểm tra, cột «Căn cứ giai đoạn»): chỉ "
                "nêu một.",
                "The row gives more than one evidence (a document, an inspection date, the "
                "'Stage evidence' column): give one.",
            )
        )
    if problems:
        return None, problems
    if number is not None:
        return Decision(ENTRY_DOCUMENT.get(new_stage, "other"), number, document_date), []
    if inspection_date is not None:
        return Decision(doc_type="inspection", date=inspection_date), []
    if written is not None:
        try:
            return evidence_from_text(written), []
        except ValidationError as exc:
            return None, [
                Problem(p.code, "stage_evidence", p.vi, p.en, p.severity) for p in exc.problems
            ]
    return None, []


# How a file gives what the form asks for, in the messages of an import row.
_IN_A_FILE: dict[tuple[str, str | None], tuple[str, str]] = {
    ("evidence_required", "evidence"): (
        "Chuyển giai đoạn tiến cần căn cứ: ghi số và ngày văn bản, hoặc ngày kiểm tra, vào "
        "dòng này, hoặc nêu căn cứ chung cho cả tệp (--evidence).",
        "Moving the stage forward needs evidence: the document's number and date, or the "
        "inspection date, in this row, or evidence for the whole file (--evidence).",
    ),
    ("correction_reason", "reason"): (
        "Lùi giai đoạn, hoặc đưa cụm trở lại quy hoạch, là một đính chính: ghi lý do vào cột "
        "«Lý do» hoặc nêu lý do chung cho cả tệp (--reason).",
        "Moving the stage back, or leaving 'removed', is a correction: give the reason in the "
        "'Reason' column or for the whole file (--reason).",
    ),
    ("required", "stage_effective_date"): (
        "Thiếu ngày hiệu lực của giai đoạn mới: ghi vào cột «Ngày hiệu lực giai đoạn», nêu "
        "chung cho cả tệp (--effective-date), hoặc ghi ngày của văn bản căn cứ.",
        "The new stage's effective date is missing: give it in the 'Stage effective date' "
        "column, for the whole file (--effective-date), or give the evidence's date.",
    ),
}


def check_import_move(
    current: Cluster, new_stage: str, basis: StageBasis, today: date | None = None
) -> tuple[stages.Move | None, list[Problem]]:
    """One import row's stage move: the rule of every stage change, worded for a file, and
    the date-order warning a form would show."""
    move, problems = stage_change_problems(
        current, new_stage, basis.effective_date, basis.evidence, basis.reason, today
    )
    worded = []
    for p in problems:
        vi, en = _IN_A_FILE.get((p.code, p.field), (p.vi, p.en))
        worded.append(Problem(p.code, p.field, vi, en, p.severity))
    if not worded and basis.effective_date is not None:
        worded += stage_date_warnings(current, basis.effective_date)
    return move, worded


def stage_cell_without_move(field: str) -> Problem:
    """A file changing a stage field (its date, evidence, verification) without moving the
    stage: these are written only by a stage change, with its evidence."""
    return _err(
        "stage_field_alone",
        field,
        "Ngày hiệu lực, căn cứ và việc xác minh giai đoạn chỉ thay đổi cùng với một lần chuyển "
        "giai đoạn có căn cứ; tệp đổi giá trị này mà giai đoạn giữ nguyên.",
        "The stage's effective date, evidence and verification change only with a stage move "
        "backed by evidence; the file changes this value but keeps the stage.",
    )


def stage_cell_contradicts(field: str) -> Problem:
    """A moving row stating a verification the move does not record."""
    return _err(
        "stage_field_contradicts",
        field,
        "Giai đoạn được ghi là đã xác minh khi và chỉ khi lần chuyển có căn cứ; giá trị trong "
        "tệp trái với điều đó.",
        "A stage is recorded as verified exactly when its move has evidence; the file's value "
        "says otherwise.",
    )


def check_reported_figure(f: ReportedFigure, today: date | None = None) -> list[Problem]:
    """An officially reported figure: a known category, a count or an area, a dated source."""
    today = today or clock.today()
    out = _choice(f.category, tuple(CATEGORY_BY_CODE), "category", Text("Chỉ tiêu", "Figure"), True)
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


def check_project(p: TenantProject, cluster: Cluster) -> list[Problem]:
    """A tenant project: a name, a known status, no negative land; operating in a cluster
    whose stage comes before ``under_construction`` is flagged (a warning)."""
    out = _name(p.name, Text("dự án", "The project's name"))
    out += _choice(p.status, PROJECT_STATUS_CODES, "status", Text("Tình trạng", "Status"), True)
    if p.land_leased_ha is not None and not (
        np.isfinite(p.land_leased_ha) and p.land_leased_ha >= 0
    ):
        out.append(
            _err(
                "negative",
                "land_leased_ha",
                "Diện tích đất thuê phải là số không âm (ha).",
                "The land leased must be a number of ha, not negative.",
            )
        )
    early = stages.order(cluster.stage) < stages.order("under_construction")
    if p.status == "operating" and early:
        stage = stages.stage(cluster.stage)
        out.append(
            _warn(
                "operating_too_early",
                "status",
                f"Dự án đang hoạt động trong cụm mới ở giai đoạn «{stage.label_vi}» "
                "(chưa khởi công hạ tầng).",
                f"An operating project in a cluster still at the stage '{stage.label_en}' "
                "(its infrastructure not started).",
            )
        )
    return out


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def warnings(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "warning"]


Check = Callable[[Cluster], list[Problem]]
