"""The registry's operations: check the role, apply the rules, then write.

Every write goes through these: the forms, the import, the command line and the seed, so the
role check, the rules and the log of refused writes exist once, here. Each operation takes a
store, or a transaction when several writes must commit together (an import: every row or
none). Neither the UI nor the CLI decides a transition or touches SQL itself.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from clusters import rules, stages
from clusters.errors import ClusterError, Problem, ValidationError
from clusters.io import columns
from clusters.model import (
    ATTRIBUTE_FIELDS,
    PROJECT_FIELDS,
    STAGE_FIELDS,
    Cluster,
    Decision,
    ReferenceLayerRecord,
    ReportedFigure,
    TenantProject,
)
from clusters.roles import Actor, require
from clusters.store import ClusterStore, Transaction
from clusters.store.base import NewRecord, RecordEdit, Step
from clusters.store.periods import FORMS as PERIOD_FORMS
from clusters.store.periods import PERIOD_CODE, FigureSet
from clusters.texts import Text, join

log = logging.getLogger(__name__)

# Where an operation writes: a store (its own transaction) or an open transaction.
Writer = ClusterStore | Transaction


class WarningsNotAccepted(ClusterError):
    """The change raised warnings the person has not explicitly accepted."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        intro = Text("Cần xác nhận các cảnh báo: ", "Please accept the warnings: ")
        super().__init__(intro + join(p.message for p in problems))


@dataclass
class Saved:
    cluster: Cluster
    warnings: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Origin:
    """A write taken from a named source, not typed in a form: an import file or the seed.

    History names the source; a record created from it keeps its stage as the source states
    it (``rules.check_new_record``)."""

    kind: str  # the history event's kind: "import" or "seed"
    source: str
    reason: str


def require_role(actor: Actor | None, role: str) -> Actor:
    """The role check of every write (and of an import's dry run); refusals are logged."""
    try:
        return require(actor, role)
    except ClusterError:
        log.warning(
            "refused write by %s (role %s)",
            getattr(actor, "name", None),
            getattr(actor, "role", None),
        )
        raise


def _gate(problems: list[Problem], accept_warnings: bool) -> list[Problem]:
    errs = rules.errors(problems)
    if errs:
        raise ValidationError(errs)
    warns = rules.warnings(problems)
    if warns and not accept_warnings:
        raise WarningsNotAccepted(warns)
    return warns


def _reason(reason: str | None, origin: Origin | None) -> str | None:
    parts = [p for p in (reason, origin.reason if origin else None) if p]
    return " — ".join(parts) or None


def as_created(draft: Cluster, evidence: Sequence[Decision]) -> Cluster:
    """The record ``create_cluster`` writes: one that states no stage evidence of its own
    takes its first document's, and is then verified by it."""
    if evidence and not draft.stage_evidence:
        return draft.replace(stage_evidence=describe_evidence(evidence[0]), stage_verified=True)
    return draft


def create_cluster(
    store: Writer,
    draft: Cluster,
    actor: Actor | None,
    *,
    evidence: Sequence[Decision] = (),
    reason: str | None = None,
    origin: Origin | None = None,
    accept_warnings: bool = False,
    today: date | None = None,
) -> Saved:
    who = require_role(actor, "editor")
    record, step, warns = _creation(draft, evidence, reason, origin, accept_warnings, today)
    saved = store.create(
        record,
        actor=who.name,
        kind=step.kind,
        reason=step.reason,
        source=origin.source if origin else None,
        decisions=step.decisions,
    )
    return Saved(saved, warns)


def _creation(
    draft: Cluster,
    evidence: Sequence[Decision],
    reason: str | None,
    origin: Origin | None,
    accept_warnings: bool,
    today: date | None,
) -> tuple[Cluster, Step, list[Problem]]:
    """The record a creation writes and its history event, once the rules allow it."""
    record = as_created(draft, evidence)
    problems = rules.check_new_record(record, evidence, today, stated=origin is not None)
    warns = _gate(problems, accept_warnings)
    kind = origin.kind if origin else "create"
    return record, Step(kind, reason=_reason(reason, origin), decisions=tuple(evidence)), warns


def update_cluster(
    store: Writer,
    cluster_id: int,
    changes: Mapping[str, Any],
    actor: Actor | None,
    *,
    based_on: int,
    reason: str | None = None,
    origin: Origin | None = None,
    accept_warnings: bool = False,
    today: date | None = None,
) -> Saved:
    """Change attributes. The stage and what backs it (effective date, evidence,
    verification) change only through ``change_stage``, which brings the evidence."""
    who = require_role(actor, "editor")
    _attributes_only(changes)
    current = store.get(cluster_id)
    step, warns = _attribute_change(current, changes, reason, origin, accept_warnings, today)
    saved = store.update(
        cluster_id,
        changes,
        based_on=based_on,
        actor=who.name,
        kind=step.kind,
        reason=step.reason,
        source=origin.source if origin else None,
    )
    return Saved(saved, warns)


def _attributes_only(changes: Mapping[str, Any]) -> None:
    staged = set(changes) & set(STAGE_FIELDS)
    if staged:
        raise ValueError(f"use change_stage for {sorted(staged)}")
    unknown = set(changes) - set(ATTRIBUTE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")


def _attribute_change(
    current: Cluster,
    changes: Mapping[str, Any],
    reason: str | None,
    origin: Origin | None,
    accept_warnings: bool,
    today: date | None,
) -> tuple[Step, list[Problem]]:
    """The history event of an attribute change to ``current``, once the rules allow it."""
    proposed = current.replace(**changes)
    problems = rules.check_cluster(proposed, today)
    problems += rules.erasure_problems(current, changes, _reason(reason, origin))
    warns = _gate(problems, accept_warnings)
    if origin is not None:
        kind = origin.kind
    else:
        kind = "location" if set(changes) <= {"geometry", "location_precision"} else "update"
    return Step(kind, dict(changes), _reason(reason, origin)), warns


def stage_fields(new_stage: str, effective_date: date, evidence: Decision | None) -> dict[str, Any]:
    """What a stage change records: the stage, its effective date and its evidence, verified
    exactly when a document or an inspection backs it (a correction may rest on a reason)."""
    return {
        "stage": new_stage,
        "stage_effective_date": effective_date,
        "stage_evidence": describe_evidence(evidence) if evidence is not None else None,
        "stage_verified": evidence is not None,
    }


def change_stage(
    store: Writer,
    cluster_id: int,
    new_stage: str,
    actor: Actor | None,
    *,
    based_on: int,
    effective_date: date | None,
    evidence: Decision | None,
    reason: str | None = None,
    origin: Origin | None = None,
    accept_warnings: bool = False,
    today: date | None = None,
) -> Saved:
    """Move a cluster to another stage; the stage, its decision and history commit together."""
    who = require_role(actor, "editor")
    current = store.get(cluster_id)
    move = StageChange(new_stage, effective_date, evidence, reason)
    step, warns = _stage_change(current, move, origin, accept_warnings, today)
    saved = store.change_stage(
        cluster_id,
        step.changes,
        based_on=based_on,
        actor=who.name,
        kind=step.kind,
        reason=step.reason,
        source=origin.source if origin else None,
        decisions=step.decisions,
    )
    return Saved(saved, warns)


@dataclass(frozen=True)
class StageChange:
    """A move to another stage, as ``change_stage`` takes it."""

    stage: str
    effective_date: date | None
    evidence: Decision | None
    reason: str | None = None


def _stage_change(
    current: Cluster,
    move: StageChange,
    origin: Origin | None,
    accept_warnings: bool,
    today: date | None,
) -> tuple[Step, list[Problem]]:
    """The history event of a stage change of ``current``, once the rules allow it."""
    kind = rules.check_stage_change(
        current, move.stage, move.effective_date, move.evidence, move.reason, today
    )
    assert move.effective_date is not None  # checked by the rule above
    warns = _gate(rules.stage_date_warnings(current, move.effective_date), accept_warnings)
    return (
        Step(
            "correction" if kind is stages.Move.CORRECTION else "stage",
            stage_fields(move.stage, move.effective_date, move.evidence),
            _reason(move.reason, origin),
            [move.evidence] if move.evidence else [],
        ),
        warns,
    )


@dataclass(frozen=True)
class NewCluster:
    """A record a batch creates, as ``create_cluster`` takes it."""

    draft: Cluster
    evidence: Sequence[Decision] = ()
    reason: str | None = None


@dataclass(frozen=True)
class ClusterEdit:
    """What a batch changes in one record, made on version ``based_on``: a stage move, as
    ``change_stage`` makes it, then attribute changes, as ``update_cluster`` makes them,
    checked on the record as the move leaves it."""

    cluster_id: int
    based_on: int
    move: StageChange | None = None
    changes: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = None  # the attribute changes'


@dataclass
class BatchSaved:
    created: list[int]  # in the order given
    updated: list[int]
    warnings: list[Problem] = field(default_factory=list)


def write_batch(
    store: ClusterStore,
    actor: Actor | None,
    *,
    new: Sequence[NewCluster] = (),
    edits: Sequence[ClusterEdit] = (),
    origin: Origin | None = None,
    accept_warnings: bool = False,
    today: date | None = None,
) -> BatchSaved:
    """Create and change many records at once (an import), all of them or none.

    Each is checked as ``create_cluster``, ``change_stage`` and ``update_cluster`` check one
    (the role, the rules, the warnings) before anything is written, against the records as
    they are read first; then one short transaction writes them all with a few bulk
    statements, their history and the revision with them. A record changed since its
    ``based_on`` refuses the whole batch (``ConflictError``); ``new`` is written in order,
    so a parent goes before its children."""
    who = require_role(actor, "editor")
    warns: list[Problem] = []
    records = []
    for n in new:
        record, step, w = _creation(n.draft, n.evidence, n.reason, origin, accept_warnings, today)
        records.append(NewRecord(record, step))
        warns += w
    read = {c.id: c for c in store.list_clusters()} if edits else {}
    changes = []
    for e in edits:
        _attributes_only(e.changes)
        current = read.get(e.cluster_id) or store.get(e.cluster_id)  # NotFoundError
        steps = []
        if e.move is not None:
            step, w = _stage_change(current, e.move, origin, accept_warnings, today)
            steps.append(step)
            warns += w
            current = current.replace(**step.changes)
        if e.changes:
            step, w = _attribute_change(
                current, e.changes, e.reason, origin, accept_warnings, today
            )
            steps.append(step)
            warns += w
        changes.append(RecordEdit(e.cluster_id, e.based_on, steps))
    source = origin.source if origin else None
    created = store.write_batch(records, changes, actor=who.name, source=source)
    return BatchSaved(created, [e.cluster_id for e in edits], warns)


def add_reported_figure(
    store: Writer,
    figure: ReportedFigure,
    actor: Actor | None,
    *,
    today: date | None = None,
) -> ReportedFigure:
    """Record a newer officially reported figure (admins only); older ones are kept."""
    who = require_role(actor, "admin")
    _gate(rules.check_reported_figure(figure, today), accept_warnings=False)
    return store.add_reported_figure(figure, actor=who.name)


def save_column_mapping(
    store: Writer, headers: Sequence[str], mapping: Mapping[str, str], actor: Actor | None
) -> None:
    """Remember the column mapping a planner confirmed for files with these headers (editors
    and admins), for every instance on the registry."""
    who = require_role(actor, "editor")
    kept = columns.keepable(mapping)
    if kept:
        store.save_column_mapping(columns.signature(headers), kept, actor=who.name)


@dataclass
class ColumnMappings:
    """The confirmed column mappings kept in the registry (a ``columns.MappingBook``)."""

    store: ClusterStore
    actor: Actor | None

    def get(self, headers: Sequence[str]) -> dict[str, str] | None:
        return columns.fitting(self.store.column_mapping(columns.signature(headers)), headers)

    def save(self, headers: Sequence[str], mapping: Mapping[str, str]) -> None:
        save_column_mapping(self.store, headers, mapping, self.actor)


# Who kept a mapping taken in from an earlier release's mappings file.
LEGACY_MAPPINGS_BY = "migrate"


def column_mappings(
    store: ClusterStore, actor: Actor | None, *, legacy: Path | None = None
) -> ColumnMappings:
    """The registry's column mappings, as ``actor`` reads and saves them; the mappings file
    of an earlier release (``legacy``), if there is one, is taken in first."""
    if legacy is not None:
        take_in_legacy_mappings(store, legacy)
    return ColumnMappings(store, actor)


def take_in_legacy_mappings(store: ClusterStore, path: Path) -> int:
    """Take the mappings an earlier release kept in a JSON file into the registry, once:
    those the registry lacks are added in one transaction (one it has is kept), then the file
    is renamed aside (``….imported``), never deleted. Returns how many were added."""
    if not path.is_file():
        return 0
    found = columns.read_legacy(path)
    if found is None:
        log.warning("column mappings file %s is not readable as mappings; left as it is", path)
        return 0
    missing = {
        sig: kept
        for sig, saved in found.items()
        if (kept := columns.keepable(saved)) and store.column_mapping(sig) is None
    }
    added = 0
    if missing:
        with store.transaction() as tx:
            for sig, kept in missing.items():
                added += tx.save_column_mapping(sig, kept, actor=LEGACY_MAPPINGS_BY, replace=False)
    aside = path.with_name(path.name + ".imported")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.imported-{n}")
    try:
        path.replace(aside)
    except OSError as exc:  # a read-only folder: it stays, and adds nothing when read again
        log.warning("column mappings file %s taken in but not renamed: %s", path, exc)
    return added


def add_reference_layer(
    store: Writer, layer: ReferenceLayerRecord, actor: Actor | None
) -> ReferenceLayerRecord:
    """Keep an uploaded reference layer for every instance (admins only): it needs a name, a
    source with its licence, and at least one feature."""
    who = require_role(actor, "admin")
    name, source = layer.name.strip(), layer.source.strip()
    if not name:
        raise ClusterError("Hãy đặt tên cho lớp.", "Give the layer a name.", field="name")
    if not source:
        raise ClusterError(
            "Hãy ghi nguồn và giấy phép của lớp.",
            "State the layer's source and licence.",
            field="source",
        )
    if not layer.features:
        raise ClusterError(
            "Tệp không có đối tượng nào có hình học.",
            "The file holds no feature with a geometry.",
            field="file",
        )
    kept = dataclasses.replace(layer, name=name, source=source)
    return store.add_reference_layer(kept, actor=who.name)


def remove_reference_layer(
    store: Writer, layer_id: int, actor: Actor | None
) -> ReferenceLayerRecord:
    """Remove a reference layer (admins only)."""
    require_role(actor, "admin")
    return store.remove_reference_layer(layer_id)


@dataclass
class ProjectSaved:
    project: TenantProject
    warnings: list[Problem] = field(default_factory=list)


def _tidy(project: TenantProject) -> TenantProject:
    """Text fields stripped, an empty one kept as nothing."""
    return project.replace(
        name=(project.name or "").strip(),
        investor=(project.investor or "").strip() or None,
        source=(project.source or "").strip() or None,
    )


def add_project(
    store: Writer,
    project: TenantProject,
    actor: Actor | None,
    *,
    reason: str | None = None,
    accept_warnings: bool = False,
) -> ProjectSaved:
    """Add a tenant project to a cluster that exists (editors and admins)."""
    who = require_role(actor, "editor")
    draft = _tidy(project)
    cluster = store.get(draft.cluster_id)  # NotFoundError
    warns = _gate(rules.check_project(draft, cluster), accept_warnings)
    return ProjectSaved(store.add_project(draft, actor=who.name, reason=reason), warns)


def update_project(
    store: Writer,
    project_id: int,
    changes: Mapping[str, Any],
    actor: Actor | None,
    *,
    based_on: int,
    reason: str | None = None,
    accept_warnings: bool = False,
) -> ProjectSaved:
    """Change a tenant project made on version ``based_on`` (editors and admins)."""
    who = require_role(actor, "editor")
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise ValueError(f"not a project field: {sorted(unknown)}")
    current = store.project(project_id)
    proposed = _tidy(current.replace(**changes))
    cluster = store.get(proposed.cluster_id)
    warns = _gate(rules.check_project(proposed, cluster), accept_warnings)
    tidy = {f: getattr(proposed, f) for f in changes}
    saved = store.update_project(project_id, tidy, based_on=based_on, actor=who.name, reason=reason)
    return ProjectSaved(saved, warns)


def describe_evidence(d: Decision) -> str:
    parts = [d.number or "", f"ngày {d.date:%d/%m/%Y}" if d.date else "", d.issuer or ""]
    text = " ".join(p for p in parts if p)
    if d.doc_type == "inspection":
        text = f"Kiểm tra thực địa {text}".strip()
    return f"{text} — {d.note}" if d.note else text


# --- period figures (Biểu 01 per tenant project, Biểu 02 per cluster) ---------------------

# What a period figure may hold, by kind: an amount (tỷ đồng, ha, triệu đồng …) is a number
# of zero or more; a whole number (workers, projects) has no fraction; a flag (Biểu 02 rows
# 13–14: "có ghi 1, không ghi 0") is 0 or 1; a percentage lies between 0 and 100.
AMOUNT, WHOLE, FLAG, PERCENT = "amount", "whole", "flag", "percent"
FIGURE_KINDS = (AMOUNT, WHOLE, FLAG, PERCENT)


class FigureRule(Protocol):
    """One figure of a form as the rules need it (``clusters.reports.period_fields``
    declares them: the reports layer knows the forms, this one only checks)."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def required(self) -> bool: ...

    @property
    def label(self) -> Text: ...


def _figure_problem(rule: FigureRule, value: Any) -> Problem | None:
    """What is wrong with one figure's value, if anything."""
    label = rule.label
    if value is None:
        if not rule.required:
            return None
        return Problem.of(
            "required",
            rule.name,
            Text(f"Chưa điền «{label.vi}» (bắt buộc).", f"'{label.en}' is required."),
        )
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return Problem.of(
            "number",
            rule.name,
            Text(f"«{value}» không phải là số.", f"'{value}' is not a number."),
        )
    if value < 0:
        return Problem.of(
            "negative",
            rule.name,
            Text(
                f"«{label.vi}» không được âm ({value}).",
                f"'{label.en}' cannot be negative ({value}).",
            ),
        )
    if rule.kind == FLAG and value not in (0, 1):
        return Problem.of(
            "flag",
            rule.name,
            Text(
                f"«{label.vi}» ghi 1 (có) hoặc 0 (không), không phải {value}.",
                f"'{label.en}' is 1 (yes) or 0 (no), not {value}.",
            ),
        )
    if rule.kind == WHOLE and value != int(value):
        return Problem.of(
            "whole",
            rule.name,
            Text(
                f"«{label.vi}» phải là số nguyên ({value}).",
                f"'{label.en}' must be a whole number ({value}).",
            ),
        )
    if rule.kind == PERCENT and value > 100:
        return Problem.of(
            "percent",
            rule.name,
            Text(
                f"«{label.vi}» là tỷ lệ phần trăm, không quá 100 ({value}).",
                f"'{label.en}' is a percentage, at most 100 ({value}).",
            ),
        )
    return None


def check_period_figures(values: Mapping[str, Any], fields: Sequence[FigureRule]) -> list[Problem]:
    """The problems of a report's figures against its form's declared figures: a required
    one empty, a value that is not a number, negative, a fraction of a whole number, a flag
    other than 0/1, a percentage above 100, or a figure the form does not have."""
    known = {f.name for f in fields}
    problems = [
        Problem.of(
            "unknown",
            name,
            Text(f"Biểu không có chỉ tiêu «{name}».", f"The form has no figure '{name}'."),
        )
        for name in values
        if name not in known
    ]
    for rule in fields:
        found = _figure_problem(rule, values.get(rule.name))
        if found is not None:
            problems.append(found)
    return problems


def _figure_value(rule: FigureRule, value: Any) -> int | float | None:
    if value is None:
        return None
    return int(value) if rule.kind in (WHOLE, FLAG) else float(value)


def save_period_figures(
    store: Writer,
    figures: FigureSet,
    actor: Actor | None,
    *,
    fields: Sequence[FigureRule],
    based_on: int | None = None,
    reason: str | None = None,
) -> FigureSet:
    """Store a cluster's Biểu 02 or a tenant project's Biểu 01 for one period (editors and
    admins): every figure of the form checked by its kind, all of them written in one
    transaction with a history event naming the source (the form, or the imported file) and
    the registry's revision moved on. ``based_on``: the version the figures were entered on
    (0 when none was stored), so that two people entering the same report do not overwrite
    each other unseen; None does not check."""
    who = require_role(actor, "editor")
    if figures.form not in PERIOD_FORMS:
        raise ValueError(f"not a period form: {figures.form}")
    if not PERIOD_CODE.match(figures.period or ""):
        raise ClusterError(
            f"Kỳ báo cáo «{figures.period}» không hợp lệ: viết 2025-H1 (6 tháng) hoặc 2025 (năm).",
            f"'{figures.period}' is not a reporting period: write 2025-H1 or 2025.",
            field="period",
        )
    if figures.form == "bieu01":
        if figures.project_id is None:
            raise ClusterError(
                "Biểu 01 là của một dự án: hãy chọn dự án.",
                "Biểu 01 belongs to a tenant project: choose the project.",
                field="project_id",
            )
        project = store.project(figures.project_id)  # NotFoundError
        figures = figures.replace(cluster_id=project.cluster_id)
    else:
        store.get(figures.cluster_id)  # NotFoundError
        figures = figures.replace(project_id=None)
    problems = check_period_figures(figures.values, fields)
    if problems:
        raise ValidationError(problems)
    values = {f.name: _figure_value(f, figures.values.get(f.name)) for f in fields}
    source = (figures.source or "").strip() or None
    kept = figures.replace(values=values, source=source)
    return store.save_period_figures(
        kept, based_on=based_on, actor=who.name, reason=(reason or "").strip() or None
    )
