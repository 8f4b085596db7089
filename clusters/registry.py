"""The registry's operations: check the role, apply the rules, then write.

Every write goes through these: the forms, the import, the command line and the seed, so the
role check, the rules and the log of refused writes exist once, here. Each operation takes a
store, or a transaction when several writes must commit together (an import: every row or
none). Neither the UI nor the CLI decides a transition or touches SQL itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from clusters import rules, stages
from clusters.errors import ClusterError, Problem, ValidationError
from clusters.model import ATTRIBUTE_FIELDS, STAGE_FIELDS, Cluster, Decision, ReportedFigure
from clusters.roles import Actor, require
from clusters.store import ClusterStore, Transaction
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
    record = as_created(draft, evidence)
    problems = rules.check_new_record(record, evidence, today, stated=origin is not None)
    warns = _gate(problems, accept_warnings)
    saved = store.create(
        record,
        actor=who.name,
        kind=origin.kind if origin else "create",
        reason=_reason(reason, origin),
        source=origin.source if origin else None,
        decisions=evidence,
    )
    return Saved(saved, warns)


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
    staged = set(changes) & set(STAGE_FIELDS)
    if staged:
        raise ValueError(f"use change_stage for {sorted(staged)}")
    unknown = set(changes) - set(ATTRIBUTE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    current = store.get(cluster_id)
    proposed = current.replace(**changes)
    problems = rules.check_cluster(proposed, today)
    problems += rules.erasure_problems(current, changes, _reason(reason, origin))
    warns = _gate(problems, accept_warnings)
    if origin is not None:
        kind = origin.kind
    else:
        kind = "location" if set(changes) <= {"geometry", "location_precision"} else "update"
    saved = store.update(
        cluster_id,
        changes,
        based_on=based_on,
        actor=who.name,
        kind=kind,
        reason=_reason(reason, origin),
        source=origin.source if origin else None,
    )
    return Saved(saved, warns)


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
    move = rules.check_stage_change(current, new_stage, effective_date, evidence, reason, today)
    assert effective_date is not None  # checked by the rule above
    warns = _gate(rules.stage_date_warnings(current, effective_date), accept_warnings)
    saved = store.change_stage(
        cluster_id,
        stage_fields(new_stage, effective_date, evidence),
        based_on=based_on,
        actor=who.name,
        kind="correction" if move is stages.Move.CORRECTION else "stage",
        reason=_reason(reason, origin),
        source=origin.source if origin else None,
        decisions=[evidence] if evidence else [],
    )
    return Saved(saved, warns)


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


def describe_evidence(d: Decision) -> str:
    parts = [d.number or "", f"ngày {d.date:%d/%m/%Y}" if d.date else "", d.issuer or ""]
    text = " ".join(p for p in parts if p)
    if d.doc_type == "inspection":
        text = f"Kiểm tra thực địa {text}".strip()
    return f"{text} — {d.note}" if d.note else text
