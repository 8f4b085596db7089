"""The storage contract. Callers depend on this, never on a SQL engine."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clusters.model import (
    ChangeEvent,
    Cluster,
    Decision,
    ProjectEvent,
    ReferenceLayerRecord,
    ReportedFigure,
    TenantProject,
)
from clusters.store.periods import FigureEvent, FigureSet

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Step:
    """One history event of a batch (``Transaction.write_batch``): the fields it changes
    (none for a new record) and how history records it."""

    kind: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = None
    decisions: Sequence[Decision] = ()


@dataclass(frozen=True)
class NewRecord:
    """A record a batch creates (its id kept when given), with its creation event."""

    cluster: Cluster
    step: Step


@dataclass(frozen=True)
class RecordEdit:
    """What a batch changes in one record, made on version ``based_on``: one event per step,
    in order (a stage change first, then attributes, is two versions)."""

    cluster_id: int
    based_on: int
    steps: Sequence[Step]


class Transaction(ABC):
    """Writes inside one transaction: all commit together or none does."""

    @abstractmethod
    def create(
        self,
        cluster: Cluster,
        *,
        actor: str,
        kind: str = "create",
        reason: str | None = None,
        source: str | None = None,
        decisions: Sequence[Decision] = (),
    ) -> Cluster:
        """Insert a cluster (its id kept when given) with version 1 and its history event."""

    @abstractmethod
    def update(
        self,
        cluster_id: int,
        changes: Mapping[str, Any],
        *,
        based_on: int,
        actor: str,
        kind: str = "update",
        reason: str | None = None,
        source: str | None = None,
        decisions: Sequence[Decision] = (),
    ) -> Cluster:
        """Apply attribute changes made on version ``based_on``; refuse a stale version, and
        the stage fields (``model.STAGE_FIELDS``): those change only through ``change_stage``."""

    @abstractmethod
    def change_stage(
        self,
        cluster_id: int,
        changes: Mapping[str, Any],
        *,
        based_on: int,
        actor: str,
        kind: str = "stage",
        reason: str | None = None,
        source: str | None = None,
        decisions: Sequence[Decision] = (),
    ) -> Cluster:
        """Write a stage change (the stage and what backs it, nothing else) made on version
        ``based_on``, with its evidence among ``decisions``; refuse a stale version."""

    @abstractmethod
    def get(self, cluster_id: int) -> Cluster:
        """One cluster as this transaction sees it; ``NotFoundError`` if there is none."""

    @abstractmethod
    def add_reported_figure(self, figure: ReportedFigure, *, actor: str) -> ReportedFigure:
        """Record an officially reported count."""

    @abstractmethod
    def write_batch(
        self,
        new: Sequence[NewRecord],
        edits: Sequence[RecordEdit],
        *,
        actor: str,
        source: str | None = None,
    ) -> list[int]:
        """Create ``new`` (in order: a parent before its children) and apply ``edits`` with a
        few bulk statements, as ``create``, ``update`` and ``change_stage`` would one by one:
        a stale version refused, a step's stage fields only with the stage itself. Returns
        the new records' ids, in ``new``'s order."""

    @abstractmethod
    def save_column_mapping(
        self, signature: str, mapping: Mapping[str, str], *, actor: str, replace: bool = True
    ) -> bool:
        """Remember the import's column mapping (target → header) for files whose headers
        have this signature; one already kept is replaced, or with ``replace`` False kept.
        Returns whether the mapping was written."""

    @abstractmethod
    def add_reference_layer(
        self, layer: ReferenceLayerRecord, *, actor: str
    ) -> ReferenceLayerRecord:
        """Keep an uploaded reference layer; one with the same name is refused."""

    @abstractmethod
    def remove_reference_layer(self, layer_id: int) -> ReferenceLayerRecord:
        """Remove a reference layer (``NotFoundError`` if there is none); returns it."""

    @abstractmethod
    def add_project(
        self, project: TenantProject, *, actor: str, reason: str | None = None
    ) -> TenantProject:
        """Insert a tenant project (version 1) with its history event."""

    @abstractmethod
    def update_project(
        self,
        project_id: int,
        changes: Mapping[str, Any],
        *,
        based_on: int,
        actor: str,
        reason: str | None = None,
    ) -> TenantProject:
        """Change a tenant project made on version ``based_on`` (a stale one is refused),
        with its history event."""

    @abstractmethod
    def project(self, project_id: int) -> TenantProject:
        """One tenant project as this transaction sees it; ``NotFoundError`` if none."""

    @abstractmethod
    def save_period_figures(
        self,
        figures: FigureSet,
        *,
        based_on: int | None,
        actor: str,
        reason: str | None = None,
    ) -> FigureSet:
        """Store a report's figures for its period (created, or replaced when they differ)
        with a history event naming its source; ``based_on`` the version they were entered on
        (0: none stored yet; None: not checked), a stale one refused."""


class ClusterStore(ABC):
    url: str

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Transaction]:
        """Open a write transaction."""

    def create(self, cluster: Cluster, **kw: Any) -> Cluster:
        with self.transaction() as tx:
            return tx.create(cluster, **kw)

    def update(self, cluster_id: int, changes: Mapping[str, Any], **kw: Any) -> Cluster:
        with self.transaction() as tx:
            return tx.update(cluster_id, changes, **kw)

    def change_stage(self, cluster_id: int, changes: Mapping[str, Any], **kw: Any) -> Cluster:
        with self.transaction() as tx:
            return tx.change_stage(cluster_id, changes, **kw)

    def add_reported_figure(self, figure: ReportedFigure, *, actor: str) -> ReportedFigure:
        with self.transaction() as tx:
            return tx.add_reported_figure(figure, actor=actor)

    def write_batch(
        self, new: Sequence[NewRecord], edits: Sequence[RecordEdit], **kw: Any
    ) -> list[int]:
        with self.transaction() as tx:
            return tx.write_batch(new, edits, **kw)

    def save_column_mapping(self, signature: str, mapping: Mapping[str, str], **kw: Any) -> bool:
        with self.transaction() as tx:
            return tx.save_column_mapping(signature, mapping, **kw)

    def add_reference_layer(
        self, layer: ReferenceLayerRecord, *, actor: str
    ) -> ReferenceLayerRecord:
        with self.transaction() as tx:
            return tx.add_reference_layer(layer, actor=actor)

    def remove_reference_layer(self, layer_id: int) -> ReferenceLayerRecord:
        with self.transaction() as tx:
            return tx.remove_reference_layer(layer_id)

    def add_project(
        self, project: TenantProject, *, actor: str, reason: str | None = None
    ) -> TenantProject:
        with self.transaction() as tx:
            return tx.add_project(project, actor=actor, reason=reason)

    def update_project(
        self, project_id: int, changes: Mapping[str, Any], **kw: Any
    ) -> TenantProject:
        with self.transaction() as tx:
            return tx.update_project(project_id, changes, **kw)

    @abstractmethod
    def project(self, project_id: int) -> TenantProject:
        """One tenant project; ``NotFoundError`` if there is none."""

    def save_period_figures(self, figures: FigureSet, **kw: Any) -> FigureSet:
        with self.transaction() as tx:
            return tx.save_period_figures(figures, **kw)

    @abstractmethod
    def period_figures(
        self,
        *,
        period: str | None = None,
        form: str | None = None,
        cluster_id: int | None = None,
    ) -> list[FigureSet]:
        """The Biểu 01/02 figures stored, of a period, a form or a cluster."""

    @abstractmethod
    def period_figure_history(
        self, *, cluster_id: int | None = None, period: str | None = None
    ) -> list[FigureEvent]:
        """The period figures' history events, of a cluster or a period, newest first."""

    @abstractmethod
    def projects(self, cluster_id: int | None = None) -> list[TenantProject]:
        """The tenant projects of one cluster, or of all, by id."""

    @abstractmethod
    def project_history(
        self, *, cluster_id: int | None = None, project_id: int | None = None
    ) -> list[ProjectEvent]:
        """Tenant projects' history events, of a cluster's or one project, newest first."""

    @abstractmethod
    def reference_layers(self) -> list[ReferenceLayerRecord]:
        """The uploaded reference layers, in upload order."""

    @abstractmethod
    def column_mapping(self, signature: str) -> dict[str, str] | None:
        """The column mapping kept for files whose headers have this signature, if any."""

    @abstractmethod
    def get(self, cluster_id: int) -> Cluster:
        """One cluster; ``NotFoundError`` if there is none."""

    @abstractmethod
    def list_clusters(self, bbox: BBox | None = None) -> list[Cluster]:
        """All clusters, or those whose bounding box meets ``bbox``, ordered by id."""

    @abstractmethod
    def count(self) -> int:
        """How many clusters the registry holds."""

    @abstractmethod
    def decisions(self, cluster_id: int | None = None) -> list[Decision]:
        """Legal documents, of one cluster or all, in date order."""

    @abstractmethod
    def history(
        self,
        cluster_id: int | None = None,
        *,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[ChangeEvent]:
        """History events, newest first."""

    @abstractmethod
    def reported_figures(self) -> list[ReportedFigure]:
        """Officially reported figures, newest first."""

    @abstractmethod
    def schema_version(self) -> int:
        """The schema version recorded in the database."""

    @abstractmethod
    def revision(self) -> int:
        """A counter that every write moves on, in the same transaction (cheap to read)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
