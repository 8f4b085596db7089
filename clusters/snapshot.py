"""The registry as it stood at a past moment, rebuilt from its append-only history.

Every cluster's version-1 event records all its non-empty fields and every later event the
old and new value of each field it changed (in the JSON-safe form of
``clusters.codec.to_history``), so replaying a cluster's events up to a moment gives
its record at that moment. Circular 14/2024 asks for half-year and annual reports with data
cut-offs on 14 June and 14 December: ``cutoff_moment`` is the end of such a day in Hanoi.

Geometry comes back as history keeps it: WKT rounded to 7 decimals (about 1 cm).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from clusters import clock
from clusters.codec import from_history
from clusters.errors import ClusterError, StorageError
from clusters.filters import ClusterFilter
from clusters.io.export import ExportSet, describe_as_of, describe_filter
from clusters.model import ChangeEvent, Cluster, Decision, ReportedFigure
from clusters.store import ClusterStore

# Circular 14/2024/TT-BCT: half-year report data to 14 June, annual report data to 14 December.
CUTOFF_DAYS: tuple[tuple[int, int], ...] = ((6, 14), (12, 14))


# --- cut-off dates ---------------------------------------------------------------------------


def cutoff_moment(day: date) -> datetime:
    """The end of ``day`` in Hanoi (23:59:59.999999, UTC+7), in UTC."""
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.HANOI) - timedelta(
        microseconds=1
    )
    return end.astimezone(UTC)


def report_cutoffs(today: date, count: int = 4) -> list[date]:
    """The latest 14 June / 14 December cut-off days on or before ``today``, newest first."""
    out: list[date] = []
    year = today.year
    while len(out) < count:
        for month, day in sorted(CUTOFF_DAYS, reverse=True):
            cut = date(year, month, day)
            if cut <= today and len(out) < count:
                out.append(cut)
        year -= 1
    return out


def is_half_year_cutoff(day: date) -> bool:
    """True for 14 June (the half-year report), False for 14 December or any other day."""
    return (day.month, day.day) == CUTOFF_DAYS[0]


def parse_day(text: str) -> date:
    """A day typed as ``2025-06-14`` or ``14/06/2025``."""
    value = text.strip()
    try:
        if "/" in value:
            return datetime.strptime(value, "%d/%m/%Y").date()
        return date.fromisoformat(value)
    except ValueError:
        raise ClusterError(
            f"Ngày «{text}» không hợp lệ: hãy viết YYYY-MM-DD, ví dụ 2025-06-14.",
            f"'{text}' is not a valid date: write YYYY-MM-DD, e.g. 2025-06-14.",
        ) from None


def registry_start(store: ClusterStore) -> datetime | None:
    """When the registry's first history event was written (None for an empty registry)."""
    events = store.history()
    return events[-1].at if events else None


def as_of_moment(store: ClusterStore, day: date) -> datetime:
    """The cut-off moment of ``day``, refused for a day after today (Hanoi) or one that ends
    before the registry's first event."""
    today = clock.today()
    if day > today:
        raise ClusterError(
            f"Ngày {day:%d/%m/%Y} chưa tới (hôm nay là {today:%d/%m/%Y}).",
            f"{day.isoformat()} is in the future (today is {today.isoformat()}).",
        )
    moment = cutoff_moment(day)
    if not store.history(until=moment, limit=1):
        start = registry_start(store)
        if start is None:
            raise ClusterError(
                "Sổ đăng ký chưa có lịch sử nào để dựng lại.",
                "The registry has no history to rebuild it from.",
            )
        first = clock.hanoi_date(start)
        raise ClusterError(
            f"Ngày {day:%d/%m/%Y} trước khi sổ đăng ký có dữ liệu (từ {first:%d/%m/%Y}).",
            f"{day.isoformat()} is before the registry existed (it starts on {first.isoformat()}).",
        )
    return moment


# --- replaying history -------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The registry at ``moment``: its clusters, the history that made them, their decisions."""

    moment: datetime
    clusters: list[Cluster]
    events: list[ChangeEvent]  # newest first, as ``ClusterStore.history`` gives them
    decisions: list[Decision]


def _utc(moment: datetime) -> datetime:
    """An aware moment in UTC (a naive one is taken as UTC, as the store keeps times)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def applied(events: Iterable[ChangeEvent], moment: datetime) -> dict[int, list[ChangeEvent]]:
    """Per cluster, the events written up to ``moment``, in version order from version 1.

    A cluster's versions are applied without gaps: should a clock have stepped back, a later
    version written "before" an earlier one waits for it.
    """
    moment = _utc(moment)
    by_cluster: dict[int, list[ChangeEvent]] = defaultdict(list)
    for e in events:
        if e.at <= moment:
            by_cluster[e.cluster_id].append(e)
    out: dict[int, list[ChangeEvent]] = {}
    for cluster_id, found in by_cluster.items():
        run: list[ChangeEvent] = []
        for e in sorted(found, key=lambda e: e.version):
            if e.version != len(run) + 1:
                break
            run.append(e)
        if not run:
            raise StorageError(
                f"Lịch sử của cụm mã {cluster_id} không bắt đầu từ phiên bản 1.",
                f"The history of cluster {cluster_id} does not start at version 1.",
            )
        out[cluster_id] = run
    return out


def rebuild(cluster_id: int, events: Sequence[ChangeEvent]) -> Cluster:
    """One cluster from its events, version 1 first."""
    values: dict[str, Any] = {}
    for e in events:
        for ch in e.changes:
            values[ch.field] = ch.new
    fields = {f: from_history(f, v) for f, v in values.items()}
    if not fields.get("name"):
        raise StorageError(
            f"Lịch sử của cụm mã {cluster_id} không có tên cụm.",
            f"The history of cluster {cluster_id} has no name.",
        )
    first, last = events[0], events[-1]
    return Cluster(
        id=cluster_id,
        version=last.version,
        created_at=first.at,
        created_by=first.actor,
        updated_at=last.at,
        updated_by=last.actor,
        **fields,
    )


def replay(
    events: Iterable[ChangeEvent], decisions: Iterable[Decision], moment: datetime
) -> Snapshot:
    """The registry at ``moment`` from the full (or a longer) history and decisions list."""
    runs = applied(events, moment)
    kept = [e for run in runs.values() for e in run]
    kept.sort(key=lambda e: (e.at, e.id or 0), reverse=True)
    event_ids = {e.id for e in kept}
    return Snapshot(
        moment=_utc(moment),
        clusters=[rebuild(cid, runs[cid]) for cid in sorted(runs)],
        events=kept,
        decisions=[d for d in decisions if d.event_id is not None and d.event_id in event_ids],
    )


def snapshot(store: ClusterStore, moment: datetime) -> Snapshot:
    """The registry as it stood at ``moment``."""
    moment = _utc(moment)
    return replay(store.history(until=moment), store.decisions(), moment)


def registry_at(store: ClusterStore, moment: datetime) -> list[Cluster]:
    """Every cluster that existed at ``moment``, as it stood then, in id order."""
    return snapshot(store, moment).clusters


def decisions_at(store: ClusterStore, moment: datetime) -> list[Decision]:
    """The legal documents recorded by ``moment``, in date order."""
    return snapshot(store, moment).decisions


def figures_at(figures: Iterable[ReportedFigure], moment: datetime) -> list[ReportedFigure]:
    """The officially reported figures dated on or before ``moment``'s day in Hanoi."""
    day = clock.hanoi_date(moment)
    return [f for f in figures if f.as_of <= day]


def collect(
    store: ClusterStore,
    flt: ClusterFilter,
    clusters: Sequence[Cluster] | None = None,
    when: datetime | None = None,
    as_of: date | None = None,
    records: bool = True,
) -> ExportSet:
    """The filtered clusters (or those given, already filtered) with their records; with
    ``as_of``, the registry as it stood at the end of that day in Hanoi. ``records=False``
    leaves out the decisions and the history, for a format that writes neither."""
    if as_of is None:
        found = store.list_clusters()
        decisions = store.decisions() if records else []
        history = store.history() if records else []
        figures = store.reported_figures()
        filter_text = describe_filter(flt)
    else:
        past = snapshot(store, cutoff_moment(as_of))
        found, decisions, history = past.clusters, past.decisions, past.events
        figures = figures_at(store.reported_figures(), past.moment)
        filter_text = f"{describe_filter(flt)}; {describe_as_of(as_of)}"
    chosen = flt.apply(found) if clusters is None else list(clusters)
    ids = {c.id for c in chosen}
    return ExportSet(
        clusters=chosen,
        filter_text=filter_text,
        when=when or clock.now_utc(),
        decisions=[d for d in decisions if d.cluster_id in ids],
        history=[e for e in history if e.cluster_id in ids],
        figures=figures,
        as_of=as_of,
    )
