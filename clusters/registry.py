"""The registry's operations: check the role, apply the rules, then write.

The UI and the CLI call these; neither decides a transition nor touches SQL itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from clusters import rules, stages
from clusters.errors import ClusterError, Problem, ValidationError
from clusters.model import EDITABLE_FIELDS, Cluster, Decision, ReportedFigure
from clusters.roles import Actor, require
from clusters.store import ClusterStore

log = logging.getLogger(__name__)


class WarningsNotAccepted(ClusterError):
    """The change raised warnings the person has not explicitly accepted."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            "Cần xác nhận các cảnh báo: " + "; ".join(p.vi for p in problems),
            "Please accept the warnings: " + "; ".join(p.en for p in problems),
        )


@dataclass
class Saved:
    cluster: Cluster
    warnings: list[Problem] = field(default_factory=list)


def _checked(actor: Actor | None, role: str) -> Actor:
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


def create_cluster(
    store: ClusterStore,
    draft: Cluster,
    actor: Actor | None,
    *,
    evidence: Sequence[Decision] = (),
    reason: str | None = None,
    accept_warnings: bool = False,
    today: date | None = None,
) -> Saved:
    who = _checked(actor, "editor")
    problems = rules.check_cluster(draft, today) + rules.check_initial_stage(draft, evidence)
    for d in evidence:
        problems += rules.check_decision(d, today)
    warns = _gate(problems, accept_warnings)
    saved = store.create(draft, actor=who.name, reason=reason, decisions=evidence)
    return Saved(saved, warns)


def update_cluster(
    store: ClusterStore,
    cluster_id: int,
    changes: Mapping[str, Any],
    actor: Actor | None,
    *,
    based_on: int,
    reason: str | None = None,
    accept_warnings: bool = False,
    today: date | None = None,
) -> Saved:
    """Change attributes (not the stage: that has its own evidence rules)."""
    who = _checked(actor, "editor")
    if "stage" in changes:
        raise ValueError("use change_stage for the stage")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    current = store.get(cluster_id)
    proposed = current.replace(**changes)
    warns = _gate(rules.check_cluster(proposed, today), accept_warnings)
    kind = "location" if set(changes) <= {"geometry", "location_precision"} else "update"
    saved = store.update(
        cluster_id, changes, based_on=based_on, actor=who.name, kind=kind, reason=reason
    )
    return Saved(saved, warns)


def change_stage(
    store: ClusterStore,
    cluster_id: int,
    new_stage: str,
    actor: Actor | None,
    *,
    based_on: int,
    effective_date: date | None,
    evidence: Decision | None,
    reason: str | None = None,
    accept_warnings: bool = False,
    today: date | None = None,
) -> Saved:
    """Move a cluster to another stage; the stage, its decision and history commit together."""
    who = _checked(actor, "editor")
    current = store.get(cluster_id)
    move = rules.check_stage_change(current, new_stage, effective_date, evidence, reason, today)
    assert effective_date is not None  # checked by the rule above
    warns = _gate(rules.stage_date_warnings(current, effective_date), accept_warnings)
    changes: dict[str, Any] = {"stage": new_stage, "stage_effective_date": effective_date}
    if evidence is not None:
        changes["stage_evidence"] = describe_evidence(evidence)
    kind = "correction" if move is stages.Move.CORRECTION else "stage"
    saved = store.update(
        cluster_id,
        changes,
        based_on=based_on,
        actor=who.name,
        kind=kind,
        reason=reason,
        decisions=[evidence] if evidence else [],
    )
    return Saved(saved, warns)


def add_reported_figure(
    store: ClusterStore,
    figure: ReportedFigure,
    actor: Actor | None,
    *,
    today: date | None = None,
) -> ReportedFigure:
    """Record a newer officially reported figure (admins only); older ones are kept."""
    who = _checked(actor, "admin")
    _gate(rules.check_reported_figure(figure, today), accept_warnings=False)
    return store.add_reported_figure(figure, actor=who.name)


def describe_evidence(d: Decision) -> str:
    parts = [d.number or "", f"ngày {d.date:%d/%m/%Y}" if d.date else "", d.issuer or ""]
    text = " ".join(p for p in parts if p)
    if d.doc_type == "inspection":
        text = f"Kiểm tra thực địa {text}".strip()
    return f"{text} — {d.note}" if d.note else text
