"""Editors that write through the registry and say what they committed, and the check that
the registry's history and final state agree with them.

An editor (``edit_clusters``) runs in its own process: it picks a cluster and a field, reads
the version, and saves through ``registry.update_cluster`` with that version, retrying a
conflict (or a busy registry) on a fresh read. It writes one journal line before each edit
and one after the save returns — committed or refused — with ``os.write`` on an O_APPEND
file, so a line written is on record even if the process is killed the next instant.

``check_history`` then replays each cluster's history: versions 1..n without a gap, every
event's old values those the previous events left (no update lost), the final record equal
to the last values in history, and every edit an editor reported committed present there.
"""

from __future__ import annotations

import json
import os
import random
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clusters import registry
from clusters.codec import to_history
from clusters.errors import ConflictError, RegistryBusy
from clusters.model import EDITABLE_FIELDS
from clusters.roles import Actor
from clusters.store import ClusterStore, open_store
from tests.builders import cluster, square

# Attribute fields no rule ties to another, so any editor's value is valid on any record.
EDITED_FIELDS = ("investor", "notes", "occupancy_note", "wwtp_note", "area_ha")
RETRIES = 200  # re-reads after a conflict before the edit counts as refused


def make_clusters(store: ClusterStore, count: int) -> list[int]:
    """``count`` clusters for editors to fight over."""
    ids = []
    for n in range(count):
        c = store.create(
            cluster(
                name=f"CCN Tranh chấp {n + 1}",
                geometry=square(105.70 + n * 0.01, 21.0),
                area_ha=10.35,
            ),
            actor="seed",
        )
        assert c.id is not None
        ids.append(c.id)
    return ids


class Journal:
    """Append-only JSON lines, one ``os.write`` each."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, **entry: Any) -> None:
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


def value_for(field: str, editor: str, n: int) -> Any:
    """A value no other edit writes, so history shows whose edit it was."""
    if field == "area_ha":
        return round(20 + int(editor.rsplit("-", 1)[1]) + n / 1000, 3)
    return f"{editor} sửa lần {n} <b>&</b>"


def edit_once(
    store: ClusterStore, journal: Journal, editor: str, n: int, cid: int, field: str
) -> None:
    """Save one value through the registry, journaled before and after; a conflict (or a
    busy registry) is read again and retried."""
    value = value_for(field, editor, n)
    what = {"op": "edit", "editor": editor, "n": n, "cluster": cid}
    journal.write(what="start", **what, field=field, value=value, t=time.time())
    for _attempt in range(RETRIES):
        based_on = store.get(cid).version
        try:
            saved = registry.update_cluster(
                store,
                cid,
                {field: value},
                Actor(editor, "editor"),
                based_on=based_on,
                accept_warnings=True,
            )
        except (ConflictError, RegistryBusy):
            continue
        version = saved.cluster.version
        journal.write(
            what="committed", **what, field=field, value=value, version=version, t=time.time()
        )
        return
    journal.write(what="refused", **what, t=time.time())


def edit_clusters(
    url: str,
    editor: str,
    edits: int,
    cluster_ids: Sequence[int],
    journal_path: str,
    seed: str,
    barrier: Any = None,
) -> None:
    """One editor's session: ``edits`` saves on random clusters (run in a child process)."""
    journal = Journal(Path(journal_path))
    store = open_store(url)
    rng = random.Random(f"{seed}:{editor}")
    if barrier is not None:
        barrier.wait()  # every editor starts at once
    try:
        for n in range(edits):
            edit_once(store, journal, editor, n, rng.choice(cluster_ids), rng.choice(EDITED_FIELDS))
    except Exception:
        journal.write(what="crashed", editor=editor, error=traceback.format_exc())
        raise
    finally:
        store.close()


@dataclass
class HistoryCheck:
    lost: list[str]
    partial: list[str]
    events: int  # edit events found in history (creations not counted)


def _empty(value: Any) -> Any:
    return None if value in (None, [], "") else value


def check_history(
    store: ClusterStore, cluster_ids: Iterable[int], journal: Sequence[dict[str, Any]]
) -> HistoryCheck:
    """Replay each cluster's history and hold it against the record and the journal.

    An edit event no editor reported committed is allowed only for an edit that was in
    flight (started, never ended) — a process killed between its commit and its report.
    """
    lost: list[str] = []
    partial: list[str] = []
    by_version: dict[tuple[int, int], Any] = {}
    edit_events = 0
    for cid in cluster_ids:
        events = sorted(store.history(cid), key=lambda e: e.version)
        versions = [e.version for e in events]
        if versions != list(range(1, len(events) + 1)):
            partial.append(f"cluster {cid}: history versions {versions} are not 1..n")
        state: dict[str, Any] = {}
        for e in events:
            by_version[(cid, e.version)] = e
            for ch in e.changes:
                if e.version > 1 and _empty(state.get(ch.field)) != _empty(ch.old):
                    lost.append(
                        f"cluster {cid} v{e.version} by {e.actor}: {ch.field} was "
                        f"{state.get(ch.field)!r}, the event says {ch.old!r} (an update lost)"
                    )
                state[ch.field] = ch.new
        edit_events += max(0, len(events) - 1)
        current = store.get(cid)
        if current.version != len(events):
            partial.append(f"cluster {cid}: version {current.version}, history {len(events)}")
        for f in EDITABLE_FIELDS:
            found = _empty(to_history(f, getattr(current, f)))
            if found != _empty(state.get(f)):
                partial.append(
                    f"cluster {cid}.{f} = {found!r}, history's last value {state.get(f)!r}"
                )
    journal = [x for x in journal if x.get("op") == "edit"]
    reported = set()
    for entry in journal:
        if entry["what"] != "committed":
            continue
        e = by_version.get((entry["cluster"], entry["version"]))
        reported.add((entry["cluster"], entry["version"]))
        news = {ch.field: ch.new for ch in e.changes} if e else {}
        if e is None or e.actor != entry["editor"] or news.get(entry["field"]) != entry["value"]:
            lost.append(f"{entry['editor']} edit {entry['n']} reported committed, not in history")
    ended = {(x["editor"], x["n"]) for x in journal if x["what"] in ("committed", "refused")}
    in_flight = {
        (x["cluster"], x["editor"], x["field"], json.dumps(x["value"]))
        for x in journal
        if x["what"] == "start" and (x["editor"], x["n"]) not in ended
    }
    for (cid, version), e in by_version.items():
        if version == 1 or (cid, version) in reported:
            continue
        ch = e.changes[0] if len(e.changes) == 1 else None  # an editor changes one field
        key = (cid, e.actor, ch.field if ch else None, json.dumps(ch.new if ch else None))
        if key in in_flight:
            in_flight.discard(key)
        else:
            partial.append(f"cluster {cid} v{version} by {e.actor}: committed, reported refused")
    return HistoryCheck(lost, partial, edit_events)
