"""The storage contract. Callers depend on this, never on a SQL engine."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from clusters.model import ChangeEvent, Cluster, Decision, ReportedFigure

BBox = tuple[float, float, float, float]


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
