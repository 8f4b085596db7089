"""SIGKILL in the middle of imports, edits, backups and restores on SQLite.

A child process does one kind of work over and over (``killed.work``), journaling each
operation before it starts and after it returns. The parent learns how long the operation
takes, waits for the next one to start, and kills the child at a random moment within it
(seeded: ``CLUSTERS_RELIABILITY_SEED``), then checks the registry before starting the next
child on the same file:

- ``PRAGMA integrity_check`` is ok, the registry passes the restore's own proof of a sound
  registry (``check_backup``: schema, triggers, history agreeing with the records) and opens;
- every edit the child reported committed is in history, and history replays to the records
  (``edits.check_history``);
- an import is all its rows or none, and all of them once reported committed;
- every backup reported written is a sound registry holding every edit committed before it
  started; one cut short is refused by restore or sound;
- after a restore cut short the registry is the backup being restored or the one before.

CI: 3 kills per import and edit scenario, 2 per backup and restore; ``CLUSTERS_RELIABILITY_FULL=1``:
50 of each kind.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from clusters.store import open_store, schema
from clusters.store.dialects import backup_sqlite
from clusters.store.restore import BackupRejected, check_backup
from tests.builders import cluster, square
from tests.reliability import processes
from tests.reliability.conftest import Row
from tests.reliability.counts import SEED, scaled
from tests.reliability.edits import Journal, check_history, make_clusters
from tests.reliability.killed import IMPORT_ROWS, work

KILLS = {
    "import": scaled(3, 50),
    "edits": scaled(3, 50),
    "backup": scaled(2, 50),
    "restore": scaled(2, 50),
}
# The operation each scenario's kills aim at (the backup scenario also edits between).
TARGET = {"import": "import", "edits": "edit", "backup": "backup", "restore": "restore"}
WAIT_LIMIT_S = 90  # a child's start and first operation, on a busy machine
POLL_S = 0.02


def wait_for(journal: Journal, test: Any) -> list[dict[str, Any]] | None:
    """The journal once ``test(entries)`` holds, or None after ``WAIT_LIMIT_S``."""
    deadline = time.monotonic() + WAIT_LIMIT_S
    while time.monotonic() < deadline:
        entries = journal.read()
        if test(entries):
            return entries
        time.sleep(POLL_S)
    return None


def tally(entries: list[dict[str, Any]], what: str, op: str) -> int:
    return sum(e["what"] == what and e.get("op") == op for e in entries)


def duration(entries: list[dict[str, Any]], op: str) -> float:
    """How long the child's last finished ``op`` took."""
    started: dict[Any, float] = {}
    took = 0.0
    for e in entries:
        if e.get("op") != op:
            continue
        key = e.get("id", e.get("n"))
        if e["what"] == "start":
            started[key] = e["t"]
        elif e["what"] == "committed" and key in started:
            took = e["t"] - started[key]
    return took


def integrity(path: Path) -> list[str]:
    """What is wrong with the registry file: integrity, the restore's proof, opening."""
    con = sqlite3.connect(path)
    try:
        found = [r[0] for r in con.execute("PRAGMA integrity_check")]
    finally:
        con.close()
    problems = [] if found == ["ok"] else [f"integrity_check: {found[:3]}"]
    try:
        check_backup(path)
    except BackupRejected as exc:
        problems.append(f"the registry fails the restore's proof: {exc.en}")
    return problems


def versions_in(path: Path) -> set[tuple[int, int]]:
    con = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return set(con.execute(f"SELECT cluster_id, version FROM {schema.events.name}"))
    finally:
        con.close()


@pytest.fixture
def registry_file(tmp_path: Path) -> tuple[str, Path, list[int]]:
    """A registry with three clusters to edit, and backups A (3 clusters) and B (5)."""
    path = tmp_path / "registry.sqlite"
    url = f"sqlite:///{path}"
    store = open_store(url)
    ids = make_clusters(store, 3)
    backup_sqlite(store.engine, tmp_path / "A.sqlite")  # type: ignore[attr-defined]
    for n in range(2):
        store.create(
            cluster(name=f"CCN Bản B {n}", geometry=square(105.9, 21.1 + n * 0.01), area_ha=10.35),
            actor="seed",
        )
    backup_sqlite(store.engine, tmp_path / "B.sqlite")  # type: ignore[attr-defined]
    store.close()
    return url, path, ids


@pytest.mark.parametrize("scenario", list(KILLS))
def test_sigkill_midway_loses_nothing_committed_and_leaves_no_half_write(
    scenario, registry_file, tmp_path, outcome
):
    url, path, ids = registry_file
    kills = KILLS[scenario]
    outcome.name = f"SIGKILL during {scenario} · sqlite · {kills} kills"
    rng = random.Random(f"{SEED}:kill:{scenario}")
    ctx = processes.context()
    journal = Journal(tmp_path / "journal.jsonl")
    expected = {"A": 3, "B": 5}
    state = "B"  # the registry holds what B was made from
    op = TARGET[scenario]
    for run in range(kills):
        child = ctx.Process(
            target=work, args=(scenario, url, str(tmp_path), str(journal.path), run, ids, SEED)
        )
        done, started = tally(journal.read(), "committed", op), tally(journal.read(), "start", op)
        child.start()
        # One operation done tells how long one takes; then the kill lands within the next.
        entries = wait_for(journal, lambda es, n=done: tally(es, "committed", op) > n)
        if entries is None:
            outcome.note("hung", f"run {run}: no {op} finished in {WAIT_LIMIT_S} s")
        else:
            # This child's first operation was number started + 1; wait for the next.
            if wait_for(journal, lambda es, n=started + 2: tally(es, "start", op) >= n) is None:
                outcome.note("hung", f"run {run}: no next {op} in {WAIT_LIMIT_S} s")
            time.sleep(rng.uniform(0, duration(entries, op) * 1.2))
        if not child.is_alive():
            outcome.note("crashed", f"run {run}: the child ended by itself ({child.exitcode})")
        child.kill()
        child.join(30)
        outcome.add(after_kill(scenario, path, url, ids, journal, run))
        if scenario == "restore":
            state = restored_state(journal, run, state, url, expected, outcome)
    entries = journal.read()
    outcome.attempted = sum(e["what"] == "start" for e in entries)
    outcome.committed = sum(e["what"] == "committed" for e in entries)
    outcome.refused = sum(e["what"] == "refused" for e in entries)
    for e in entries:
        if e["what"] == "crashed":
            outcome.note("crashed", e["error"].strip().splitlines()[-1])
    outcome.verify()


def after_kill(
    scenario: str, path: Path, url: str, ids: list[int], journal: Journal, run: int
) -> Row:
    """Counts of what is wrong after one kill (the attempted and committed are counted once,
    from the whole journal, at the end)."""
    row = Row()
    for problem in integrity(path):
        row.note("lost", f"run {run}: {problem}")
    store = open_store(url)
    try:
        entries = journal.read()
        if scenario in ("edits", "backup"):
            check = check_history(store, ids, entries)
            for finding in check.lost:
                row.note("lost", f"run {run}: {finding}")
            for finding in check.partial:
                row.note("partial", f"run {run}: {finding}")
        if scenario == "import":
            check_imports(store, entries, row, run)
    finally:
        store.close()
    if scenario == "backup":
        check_backups(entries, row, run)
    return row


def check_imports(store: Any, entries: list[dict[str, Any]], row: Row, run: int) -> None:
    created: dict[str, int] = {}
    for e in store.history():
        if e.version == 1 and e.source:
            created[e.source] = created.get(e.source, 0) + 1
    committed = {e["id"] for e in entries if e["op"] == "import" and e["what"] == "committed"}
    for e in entries:
        if e["op"] != "import" or e["what"] != "start":
            continue
        found = created.get(e["id"], 0)
        if found not in (0, IMPORT_ROWS):
            row.note("partial", f"run {run}: {e['id']} left {found} of {IMPORT_ROWS} rows")
        elif e["id"] in committed and found != IMPORT_ROWS:
            row.note("lost", f"run {run}: {e['id']} reported imported, {found} rows found")


def check_backups(entries: list[dict[str, Any]], row: Row, run: int) -> None:
    edits_before: list[tuple[int, int]] = []
    written = {e["id"] for e in entries if e["op"] == "backup" and e["what"] == "committed"}
    for e in entries:
        if e["op"] == "edit" and e["what"] == "committed":
            edits_before.append((e["cluster"], e["version"]))
        if e["op"] != "backup" or e["what"] != "start":
            continue
        target = Path(e["id"])
        if e["id"] not in written:
            if target.exists():  # cut short: restore may refuse it (or find it sound), no more
                with contextlib.suppress(BackupRejected):
                    check_backup(target)
            continue
        try:
            check_backup(target)
        except BackupRejected as exc:
            row.note("lost", f"run {run}: backup {target.name} reported written: {exc.en}")
            continue
        missing = set(edits_before) - versions_in(target)
        if missing:
            row.note("lost", f"run {run}: backup {target.name} lacks edits {sorted(missing)[:3]}")


def restored_state(
    journal: Journal, run: int, before: str, url: str, expected: dict[str, int], row: Row
) -> str:
    """Which backup the registry holds after a kill: the one being restored, or the one it
    held before; anything else counts lost."""
    mine = [e for e in journal.read() if e["op"] == "restore" and e["run"] == run]
    starts = [e["id"] for e in mine if e["what"] == "start"]
    ended = [e["id"] for e in mine if e["what"] == "committed"]
    last = ended[-1] if ended else before
    allowed = {last, starts[-1]} if len(starts) > len(ended) else {last}
    store = open_store(url)
    try:
        count = store.count()
        check = check_history(store, [c.id for c in store.list_clusters() if c.id], [])
    finally:
        store.close()
    for finding in check.lost + check.partial:
        row.note("partial", f"run {run}: {finding}")
    found = [name for name in sorted(allowed) if expected[name] == count]
    if not found:
        row.note("lost", f"run {run}: {count} clusters after the kill; expected {sorted(allowed)}")
        return last
    return found[0]
