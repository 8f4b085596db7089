"""Importing clusters from a file: a dry run that reports every problem by row and field,
then an atomic commit (every row or none), each change recorded in the history with the
file's name. Matching is by id, so importing the registry's own export changes nothing.

Only administrators import. The commit writes through the registry's batch operation
(``registry.write_batch``): each row is checked as a form's create, attribute update or stage
change is (the role check, the rules and the log of refused writes are the forms' own), then
all rows go in one short transaction of bulk statements. A row that moves a stage needs what
a form's stage change needs; where a file gives it is the import's policy
(``rules.import_basis``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from clusters import clock, registry, rules, stages
from clusters.errors import Problem
from clusters.geo import METRIC, WGS84, reproject
from clusters.io import columns
from clusters.io.errors import ImportFileError
from clusters.io.limits import Limits
from clusters.io.readers import Located, load, locate
from clusters.io.table import RawTable, row_name
from clusters.io.values import is_blank, parse_date, parse_row, parse_text
from clusters.model import ATTRIBUTE_FIELDS, FIELD_BY_NAME, STAGE_FIELDS, Cluster, Decision, Kind
from clusters.roles import Actor
from clusters.store import ClusterStore
from clusters.text import fold
from clusters.texts import plural

IMPORT_KIND = "import"
# Two records with the same name this close are taken for the same cluster. Seed locations
# are approximate by a few kilometres, hence the generous radius.
DUPLICATE_RADIUS_M = 5_000.0
# Geometries closer than this (degrees, about 0.1 m) are the same: exports round to 7
# decimals and a VN-2000 round trip moves a vertex by far less.
SAME_GEOMETRY_DEG = 1e-6
# A point this close to a stored boundary (degrees, about 50 m) does not replace it.
POINT_ON_BOUNDARY_DEG = 5e-4
NEW, UPDATE, UNCHANGED, REJECTED = "new", "update", "unchanged", "rejected"
_VALUE_FIELDS = tuple(t for t in columns.FIELD_TARGETS if t not in ("id", "version"))
_PREFIX = re.compile(r"^(cum cong nghiep|cum cn|ccn)\s+")

Progress = Callable[[float, str], object]


def _error(code: str, fld: str | None, vi: str, en: str) -> Problem:
    return Problem(code, fld, vi, en, "error")


def _warning(code: str, fld: str | None, vi: str, en: str) -> Problem:
    return Problem(code, fld, vi, en, "warning")


@dataclass(frozen=True)
class StageMove:
    """The stage change a row makes, and what backs it."""

    stage: str
    basis: rules.StageBasis


@dataclass
class RowPlan:
    """What the import will do with one row, and why it cannot when it cannot."""

    index: int
    ref: str
    action: str
    cluster: Cluster | None = None  # the record as it will be after the import
    cluster_id: int | None = None
    based_on: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)  # every field it changes
    move: StageMove | None = None  # the stage change among ``changes``, if any
    documents: list[Decision] = field(default_factory=list)  # a new row's evidence
    reason: str | None = None  # the row's own, recorded in history
    problems: list[Problem] = field(default_factory=list)
    repairable: bool = False  # an invalid boundary that make_valid can fix

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


@dataclass(frozen=True)
class Issue:
    """One line of the problem report."""

    row: str  # "Dòng 5" / "Đối tượng 3", or "" for the whole file
    row_en: str
    field: str | None
    severity: str
    vi: str
    en: str


@dataclass
class ImportPlan:
    source: str
    table: RawTable
    crs: str
    mapping: dict[str, str]
    rows: list[RowPlan]
    notes: list[Problem] = field(default_factory=list)
    make_valid: bool = False

    @property
    def fmt(self) -> str:
        return self.table.fmt

    @property
    def unmapped(self) -> list[str]:
        used = set(self.mapping.values())
        return [h for h in self.table.headers if h not in used]

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys((NEW, UPDATE, UNCHANGED, REJECTED), 0)
        for r in self.rows:
            out[r.action] += 1
        return out

    @property
    def has_errors(self) -> bool:
        return any(r.errors for r in self.rows)

    @property
    def has_warnings(self) -> bool:
        return any(r.warnings for r in self.rows if r.action in (NEW, UPDATE))

    @property
    def repairable(self) -> int:
        return sum(r.repairable for r in self.rows)

    def issues(self) -> list[Issue]:
        out = [Issue("", "", n.field, n.severity, n.vi, n.en) for n in self.notes]
        for r in self.rows:
            vi, en = row_name(self.table, r.index, "vi"), row_name(self.table, r.index, "en")
            out += [Issue(vi, en, p.field, p.severity, p.vi, p.en) for p in r.problems]
        return out

    def changed(self) -> list[RowPlan]:
        return [r for r in self.rows if r.action in (NEW, UPDATE)]


@dataclass
class ImportResult:
    source: str
    created: list[int]
    updated: list[int]
    unchanged: int


# Comparing and checking ------------------------------------------------------------------


def name_key(name: str | None) -> str:
    """Names compared without diacritics, case or the "Cụm công nghiệp"/"CCN" prefix."""
    return _PREFIX.sub("", fold(name))


def same_geometry(a: BaseGeometry | None, b: BaseGeometry | None) -> bool:
    if a is None or b is None:
        return a is b
    if a.geom_type.removeprefix("Multi") != b.geom_type.removeprefix("Multi"):
        return False
    return bool(a.hausdorff_distance(b) <= SAME_GEOMETRY_DEG)


def _same(fld: str, old: Any, new: Any) -> bool:
    kind = FIELD_BY_NAME[fld].kind
    if kind is Kind.HECTARES and old is not None and new is not None:
        return abs(float(old) - float(new)) < 5e-5
    if kind is Kind.GEOMETRY:
        return same_geometry(old, new)
    if isinstance(old, list | tuple):
        return list(old) == list(new)
    if isinstance(old, str) and isinstance(new, str):
        return unicodedata.normalize("NFC", old).strip() == new
    return bool(old == new)


def repair(geom: BaseGeometry) -> BaseGeometry | None:
    """``make_valid``, keeping the polygonal parts (a boundary stays a boundary)."""
    fixed = shapely.make_valid(geom)
    if fixed.geom_type == "GeometryCollection":
        fixed = unary_union([g for g in fixed.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    if fixed.is_empty or fixed.geom_type not in ("Polygon", "MultiPolygon", "Point"):
        return None
    if fixed.geom_type == "MultiPolygon" and len(fixed.geoms) == 1:
        return fixed.geoms[0]
    return fixed


def _invalid(geom: BaseGeometry) -> Problem:
    reason = shapely.is_valid_reason(geom)
    return _error(
        "geom_invalid",
        "geometry",
        f"Ranh giới không hợp lệ ({reason}). Có thể sửa tự động bằng make_valid: chọn "
        "«Sửa ranh giới (make_valid)» rồi chạy thử lại.",
        f"The boundary is not valid ({reason}). It can be repaired with make_valid: choose "
        "'Repair boundaries (make_valid)' and run the dry run again.",
    )


def _required(fld: str) -> Problem:
    title = columns.TARGET_TITLES[fld]
    return _error(
        "required",
        fld,
        f"Thiếu trường bắt buộc «{title.vi}».",
        f"The required field '{title.en}' is missing.",
    )


def _metres_apart(a: BaseGeometry, b: BaseGeometry) -> float:
    return float(reproject(a, WGS84, METRIC).distance(reproject(b, WGS84, METRIC)))


# Planning --------------------------------------------------------------------------------


@dataclass
class _Context:
    existing: dict[int, Cluster]
    # folded name → (what it is, in Vietnamese and English; its id; its geometry)
    by_name: dict[str, list[tuple[tuple[str, str], int | None, BaseGeometry]]]
    ids_in_file: dict[int, int]  # id → index of the first row naming it, so far
    all_ids: set[int]  # every id the file names
    today: date
    whole_file: rules.StageBasis  # what backs a stage move for every row that gives none


def _duplicate(
    ctx: _Context, name: str | None, geom: BaseGeometry | None, own_id: int | None
) -> Problem | None:
    if geom is None:
        return None
    for (label_vi, label_en), other_id, other_geom in ctx.by_name.get(name_key(name), []):
        if other_id is not None and other_id == own_id:
            continue
        distance = _metres_apart(geom, other_geom)
        if distance <= DUPLICATE_RADIUS_M:
            return _error(
                "duplicate",
                "name",
                f"Trùng với {label_vi} (cùng tên, cách {distance:,.0f} m). Nếu là cùng một cụm, "
                "hãy ghi mã của cụm đó vào cột «Mã» để cập nhật thay vì thêm mới.",
                f"Duplicate of {label_en} (same name, {distance:,.0f} m away). If it is the same "
                "cluster, put its id in the 'Id' column to update it instead of adding one.",
            )
    return None


def _geometry_step(
    geom: BaseGeometry | None, make_valid: bool
) -> tuple[BaseGeometry | None, list[Problem], bool]:
    """The geometry to use, problems found, and whether make_valid could fix it."""
    if geom is None or geom.is_valid or geom.geom_type == "Point":
        return geom, [], False
    if not make_valid:
        return geom, [_invalid(geom)], repair(geom) is not None
    fixed = repair(geom)
    if fixed is None:
        return geom, [_invalid(geom)], False
    return (
        fixed,
        [
            _warning(
                "made_valid",
                "geometry",
                "Ranh giới tự cắt đã được sửa bằng make_valid: hãy xem lại trên bản đồ.",
                "The self-intersecting boundary was repaired with make_valid: check it on the map.",
            )
        ],
        False,
    )


def _rule_problems(
    c: Cluster, documents: list[Decision], today: date, skip_fields: set[str]
) -> list[Problem]:
    problems = rules.check_new_record(c, documents, today, stated=True)
    out = []
    for p in problems:
        if p.field in skip_fields or (p.code == "geom_invalid" and c.geometry is not None):
            continue
        out.append(p)
    return out


def _evidence_cells(
    raw: Mapping[str, Any], mapping: Mapping[str, str]
) -> tuple[dict[str, Any], list[Problem]]:
    """A row's evidence columns (``columns.EVIDENCE_TARGETS``), the two dates read as dates."""
    cells: dict[str, Any] = {}
    problems: list[Problem] = []
    for target in columns.EVIDENCE_TARGETS:
        header = mapping.get(target)
        value = raw.get(header) if header is not None else None
        if is_blank(value):
            continue
        if target not in ("decision_date", "inspection_date"):
            cells[target] = parse_text(value)
            continue
        try:
            cells[target] = parse_date(value)
        except (ValueError, TypeError, OverflowError):
            shown = str(value)[:60]
            problems.append(
                _error(
                    "bad_value",
                    target,
                    f"«{shown}» không phải một ngày (dd/mm/yyyy).",
                    f"'{shown}' is not a date (dd/mm/yyyy).",
                )
            )
    return cells, problems


def _plan_move(
    row: RowPlan,
    current: Cluster,
    stated: dict[str, Any],
    cells: dict[str, Any],
    ctx: _Context,
) -> dict[str, Any]:
    """The row's stage move under the import's policy; the stage fields it would record."""
    new_stage = stated["stage"]
    own, problems = rules.row_evidence(
        new_stage,
        number=cells.get("decision_number"),
        document_date=cells.get("decision_date"),
        inspection_date=cells.get("inspection_date"),
        written=stated.get("stage_evidence"),
    )
    row_basis = rules.StageBasis(own, stated.get("stage_effective_date"), cells.get("reason"))
    basis = rules.import_basis(row_basis, ctx.whole_file)
    if not problems:
        problems = rules.check_import_move(current, new_stage, basis, ctx.today)[1]
    row.problems += problems
    if rules.errors(problems) or basis.effective_date is None:
        return {}
    recorded = registry.stage_fields(new_stage, basis.effective_date, basis.evidence)
    if "stage_verified" in stated and stated["stage_verified"] != recorded["stage_verified"]:
        row.problems.append(rules.stage_cell_contradicts("stage_verified"))
    row.move = StageMove(new_stage, basis)
    return {f: v for f, v in recorded.items() if not _same(f, getattr(current, f), v)}


def _plan_update(
    row: RowPlan,
    current: Cluster,
    values: dict[str, Any],
    cells: dict[str, Any],
    geom: BaseGeometry | None,
    file_version: int | None,
    ctx: _Context,
) -> None:
    proposed: dict[str, Any] = {f: v for f, v in values.items() if f in ATTRIBUTE_FIELDS}
    point_for_boundary = (
        geom is not None
        and current.geometry is not None
        and geom.geom_type == "Point"
        and current.geometry.geom_type != "Point"
    )
    # A point on or inside the stored boundary (a spreadsheet's lon/lat) keeps the boundary.
    if geom is not None and not (
        point_for_boundary
        and current.geometry is not None
        and current.geometry.distance(geom) <= POINT_ON_BOUNDARY_DEG
    ):
        proposed["geometry"] = geom
    changes = {f: v for f, v in proposed.items() if not _same(f, getattr(current, f), v)}
    # The stage cells that differ from the record: a move, or values only a move may change.
    stated = {
        f: values[f]
        for f in STAGE_FIELDS
        if f in values and not _same(f, getattr(current, f), values[f])
    }
    row.cluster_id, row.based_on = current.id, current.version
    if "stage" in stated:
        changes.update(_plan_move(row, current, stated, cells, ctx))
    else:
        row.problems += [rules.stage_cell_without_move(f) for f in stated]
    if not changes:
        row.action, row.cluster = UNCHANGED, current
        return
    after = current.replace(**changes)
    before = {(p.code, p.field) for p in rules.check_cluster(current, ctx.today)}
    for p in rules.check_cluster(after, ctx.today):
        if p.severity == "warning" and (p.code, p.field) in before:
            continue  # an old warning, not caused by this import
        if p.code == "geom_invalid" and any(q.code == "geom_invalid" for q in row.problems):
            continue
        row.problems.append(p)
    if (
        row.move is not None
        and stages.classify_move(current.stage, row.move.stage) is stages.Move.CORRECTION
    ):
        old, new = stages.stage(current.stage), stages.stage(row.move.stage)
        row.problems.append(
            _warning(
                "correction",
                "stage",
                f"Lùi giai đoạn từ «{old.label_vi}» về «{new.label_vi}»: đây là một đính chính.",
                f"The stage moves back from '{old.label_en}' to '{new.label_en}': a correction.",
            )
        )
    if "geometry" in changes and point_for_boundary:
        row.problems.append(
            _warning(
                "boundary_to_point",
                "geometry",
                "Tệp chỉ có một điểm nằm xa ranh giới đang lưu: ranh giới sẽ bị thay bằng điểm.",
                "The file has only a point, away from the stored boundary: the boundary would "
                "be replaced by the point.",
            )
        )
    if name_key(after.name) != name_key(current.name) and name_key(after.name) not in {
        name_key(a) for a in current.aliases
    }:
        row.problems.append(
            _warning(
                "id_name_mismatch",
                "id",
                f"Mã {current.id} là của «{current.name}» nhưng dòng này ghi «{after.name}»: "
                "kiểm tra lại mã.",
                f"Id {current.id} belongs to '{current.name}' but this row names "
                f"'{after.name}': check the id.",
            )
        )
    if file_version is not None and file_version < current.version:
        row.problems.append(
            _warning(
                "stale",
                "version",
                f"Cụm đã được sửa sau khi tệp được xuất (phiên bản {file_version} → "
                f"{current.version}): giá trị trong tệp sẽ ghi đè.",
                f"The cluster changed after the file was exported (version {file_version} → "
                f"{current.version}): the file's values will overwrite it.",
            )
        )
    row.action, row.changes, row.cluster = UPDATE, changes, after


def _plan_new(
    row: RowPlan,
    cluster_id: int | None,
    values: dict[str, Any],
    cells: dict[str, Any],
    geom: BaseGeometry | None,
    ctx: _Context,
) -> None:
    """A new record, as the file states it; the row's own document or inspection, if it gives
    one, joins it (the options for the whole file back stage moves only)."""
    unreadable = {p.field for p in row.problems}
    missing = {f for f in ("name", "stage") if f not in values}
    row.problems += [_required(f) for f in ("name", "stage") if f in missing - unreadable]
    if geom is None and not any(p.field == "geometry" for p in row.problems):
        row.problems.append(
            _error(
                "no_location",
                "geometry",
                "Thiếu vị trí (tọa độ hoặc ranh giới).",
                "The location (coordinates or boundary) is missing.",
            )
        )
    if "cluster_type" not in values and "lang nghe" in fold(values.get("name")):
        values["cluster_type"] = "craft_village"  # "CCN làng nghề …", as the seed reads it
    precision = values.pop("location_precision", None)
    if precision is None:
        precision = "surveyed" if geom is not None and geom.geom_type != "Point" else "commune"
    draft = Cluster(
        **{"name": "", "stage": "planned", **values},
        id=cluster_id,
        geometry=geom,
        location_precision=precision,
    )
    own, evidence_problems = rules.row_evidence(
        draft.stage,
        number=cells.get("decision_number"),
        document_date=cells.get("decision_date"),
        inspection_date=cells.get("inspection_date"),
    )
    row.problems += evidence_problems
    row.documents = [own] if own is not None else []
    draft = registry.as_created(draft, row.documents)
    skip = set(missing) | ({"geometry"} if geom is None else set())
    row.problems += _rule_problems(draft, row.documents, ctx.today, skip)
    if cluster_id is not None and cluster_id <= 0:
        row.problems.append(
            _error(
                "bad_id",
                "id",
                "Mã phải là số nguyên dương.",
                "The id must be a positive whole number.",
            )
        )
    dup = _duplicate(ctx, draft.name, geom, None)
    if dup:
        row.problems.append(dup)
    if (
        draft.parent_id is not None
        and draft.parent_id not in ctx.existing
        and draft.parent_id not in ctx.all_ids
    ):
        row.problems.append(
            _error(
                "parent_missing",
                "parent_id",
                f"Không có cụm gốc mã {draft.parent_id}.",
                f"There is no parent cluster with id {draft.parent_id}.",
            )
        )
    row.action, row.cluster, row.cluster_id = NEW, draft, cluster_id


def plan(
    store: ClusterStore,
    table: RawTable,
    source: str,
    actor: Actor | None,
    *,
    crs: str | None = None,
    mapping: Mapping[str, str] | None = None,
    make_valid: bool = False,
    evidence: str | None = None,
    effective_date: date | None = None,
    reason: str | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """The dry run: what each row would do, every problem, nothing written.

    ``evidence`` (written out, e.g. "Báo cáo 123/BC-SCT ngày 14/06/2025"), ``effective_date``
    and ``reason`` back every stage move whose row gives none of its own."""
    registry.require_role(actor, "admin")
    whole_file = rules.StageBasis(
        rules.evidence_from_text(evidence) if evidence is not None else None,
        effective_date,
        (reason or "").strip() or None,
    )
    report = progress or (lambda _f, _m: None)
    mapping = dict(mapping) if mapping is not None else columns.suggest(table.headers)
    _check_mapping(mapping, table)
    located: Located = locate(table, mapping, crs)
    existing = {c.id: c for c in store.list_clusters() if c.id is not None}
    ids = {parse_row(r, mapping, ("id",))[0].get("id") for r in table.rows}
    known_ids = {i for i in ids if i is not None}
    ctx = _Context(existing, {}, {}, known_ids, today or clock.today(), whole_file)
    for c in existing.values():
        if c.geometry is not None:
            for n in (c.name, *c.aliases):
                described = (f"cụm #{c.id} «{c.name}»", f"cluster #{c.id} '{c.name}'")
                ctx.by_name.setdefault(name_key(n), []).append((described, c.id, c.geometry))
    rows: list[RowPlan] = []
    total = len(table.rows)
    for i, raw in enumerate(table.rows):
        if i % 50 == 0:
            report(i / max(total, 1), f"{i}/{total}")
        rows.append(_plan_row(i, raw, mapping, located, make_valid, ctx, table))
    report(1.0, f"{total}/{total}")
    return ImportPlan(source, table, located.crs, mapping, rows, located.notes, make_valid)


def _plan_row(
    i: int,
    raw: Mapping[str, Any],
    mapping: Mapping[str, str],
    located: Located,
    make_valid: bool,
    ctx: _Context,
    table: RawTable,
) -> RowPlan:
    row = RowPlan(i, table.refs[i], REJECTED)
    ident, id_problems = parse_row(raw, mapping, ("id", "version"))
    values, cell_problems = parse_row(raw, mapping, _VALUE_FIELDS)
    cells, evidence_problems = _evidence_cells(raw, mapping)
    row.reason = cells.get("reason")
    row.problems += id_problems + cell_problems + evidence_problems + located.problems.get(i, [])
    geom, geom_problems, row.repairable = _geometry_step(located.geometries[i], make_valid)
    row.problems += geom_problems
    cluster_id = ident.get("id")
    if cluster_id is not None:
        if cluster_id in ctx.ids_in_file:
            first = ctx.ids_in_file[cluster_id]
            row.problems.append(
                _error(
                    "duplicate_id",
                    "id",
                    f"Mã {cluster_id} trùng với {row_name(table, first, 'vi').lower()} của tệp.",
                    f"Id {cluster_id} is also used by {row_name(table, first, 'en').lower()} of "
                    "the file.",
                )
            )
        else:
            ctx.ids_in_file[cluster_id] = i
    current = ctx.existing.get(cluster_id) if cluster_id is not None else None
    if current is not None:
        _plan_update(row, current, values, cells, geom, ident.get("version"), ctx)
    else:
        _plan_new(row, cluster_id, values, cells, geom, ctx)
        if row.cluster is not None and geom is not None:
            ctx.by_name.setdefault(name_key(row.cluster.name), []).append(
                ((row_name(table, i, "vi").lower(), row_name(table, i, "en").lower()), None, geom)
            )
    if row.errors:
        row.action = REJECTED
    return row


def _check_mapping(mapping: Mapping[str, str], table: RawTable) -> None:
    for target, header in mapping.items():
        if target not in columns.TARGETS:
            raise ImportFileError(
                f"Không có trường «{target}» để ghép cột.", f"There is no field '{target}' to map."
            )
        if header not in table.headers:
            raise ImportFileError(
                f"Tệp không có cột «{header}».", f"The file has no column '{header}'."
            )


def plan_file(
    store: ClusterStore,
    data: bytes,
    filename: str,
    actor: Actor | None,
    *,
    crs: str | None = None,
    mapping: Mapping[str, str] | None = None,
    book: columns.MappingBook | None = None,
    make_valid: bool = False,
    limits: Limits | None = None,
    evidence: str | None = None,
    effective_date: date | None = None,
    reason: str | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Read a file and plan its import (the dry run)."""
    registry.require_role(actor, "admin")
    table = load(data, filename, limits)
    if mapping is None:
        mapping = columns.mapping_for(table.headers, book)
    return plan(
        store,
        table,
        filename,
        actor,
        crs=crs,
        mapping=mapping,
        make_valid=make_valid,
        evidence=evidence,
        effective_date=effective_date,
        reason=reason,
        today=today,
        progress=progress,
    )


# Committing ------------------------------------------------------------------------------


class ImportRefused(ImportFileError):
    """The plan has errors, or warnings not accepted: nothing was written."""


def commit(
    store: ClusterStore,
    plan: ImportPlan,
    actor: Actor | None,
    *,
    accept_warnings: bool = False,
    book: columns.MappingBook | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Write every new and changed row through the registry's batch operation: checked
    as its single-record operations check one, then written in one short transaction with
    bulk statements (editors saving meanwhile wait only that long), all of them or none."""
    who = registry.require_role(actor, "admin")
    report = progress or (lambda _f, _m: None)
    counts = plan.counts()
    if plan.has_errors:
        n = counts[REJECTED]
        raise ImportRefused(
            f"Không nhập: {n} dòng có lỗi (xem báo cáo). Không có gì được ghi.",
            f"Not imported: {n} {plural(n, 'row has', 'rows have')} errors (see the report). "
            "Nothing was written.",
        )
    if plan.has_warnings and not accept_warnings:
        raise ImportRefused(
            "Có cảnh báo chưa được xác nhận: hãy xem báo cáo và xác nhận rồi nhập lại. "
            "Không có gì được ghi.",
            "There are warnings not yet accepted: review the report, accept them and import "
            "again. Nothing was written.",
        )
    origin = registry.Origin(
        IMPORT_KIND, plan.source, f"Nhập từ tệp «{plan.source}» / imported from '{plan.source}'"
    )
    todo = plan.changed()
    report(0.0, f"0/{len(todo)}")
    saved = registry.write_batch(
        store,
        who,
        new=[_new_cluster(r) for r in _parents_first([r for r in todo if r.action == NEW])],
        edits=[_edit(r) for r in todo if r.action == UPDATE],
        origin=origin,
        accept_warnings=True,  # the dry run's warnings, accepted above
    )
    report(1.0, f"{len(todo)}/{len(todo)}")
    if book is not None:
        book.save(plan.table.headers, plan.mapping)
    return ImportResult(plan.source, saved.created, saved.updated, counts[UNCHANGED])


def _new_cluster(r: RowPlan) -> registry.NewCluster:
    assert r.cluster is not None
    return registry.NewCluster(r.cluster, r.documents, r.reason)


def _edit(r: RowPlan) -> registry.ClusterEdit:
    """A changed row: its stage move, then its attributes, checked on the record as the move
    leaves it."""
    assert r.cluster_id is not None and r.based_on is not None
    move = None
    if r.move is not None:
        basis = r.move.basis
        move = registry.StageChange(
            r.move.stage, basis.effective_date, basis.evidence, basis.reason
        )
    attributes = {f: v for f, v in r.changes.items() if f not in STAGE_FIELDS}
    return registry.ClusterEdit(r.cluster_id, r.based_on, move, attributes, r.reason)


def _parents_first(rows: list[RowPlan]) -> list[RowPlan]:
    """New rows ordered so that a parent in the same file is written before its children."""
    ids = {r.cluster_id for r in rows if r.cluster_id is not None}
    placed: set[int | None] = set()
    out: list[RowPlan] = []
    pending = list(rows)
    while pending:
        ready = [
            r
            for r in pending
            if r.cluster is None or r.cluster.parent_id not in ids or r.cluster.parent_id in placed
        ]
        if not ready:  # a cycle: let the database refuse it
            ready = pending
        for r in ready:
            out.append(r)
            placed.add(r.cluster_id)
        # By identity: comparing row plans (with their geometries) made this quadratic.
        taken = {id(r) for r in ready}
        pending = [r for r in pending if id(r) not in taken]
    return out
