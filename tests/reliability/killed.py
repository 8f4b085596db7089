"""The work a child process does until it is killed: imports, edits, backups or restores,
each journaled before it starts and after it returns (``edits.Journal``).

Every operation goes through the doors a planner's does: imports through the importer's
dry run and commit (what ``clusters import`` and the import page call), edits through
``registry.update_cluster``, backup and restore through the command line.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import time
import traceback
from pathlib import Path

from clusters.cli import main as cli
from clusters.importer import commit, plan_file
from clusters.roles import CLI_ACTOR
from clusters.store import open_store
from tests.reliability.edits import EDITED_FIELDS, Journal, edit_once

# A commit (its checks and its bulk write) of 0.1 to 0.2 s here: a window for a kill.
IMPORT_ROWS = 500
HEADER = "Tên CCN,Giai đoạn,Quận/huyện,Kinh độ,Vĩ độ\n"


def import_file(run: int, n: int) -> tuple[str, bytes]:
    """A CSV of ``IMPORT_ROWS`` new clusters (test data), named after the child and its
    import, on a grid within Hanoi whatever the number of runs."""
    lines = [
        f"CCN Nhập {run}-{n}-{r},Trong quy hoạch,Đan Phượng,"
        f"{105.5 + r % 200 * 0.001:.4f},{20.8 + r // 200 * 0.002 + n % 10 * 0.0002:.4f}\n"
        for r in range(IMPORT_ROWS)
    ]
    return f"nhap-{run}-{n}.csv", (HEADER + "".join(lines)).encode()


def _cli(*argv: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli(list(argv))
    if code != 0:
        raise RuntimeError(f"clusters {' '.join(argv)} exited with {code}")


def work(
    scenario: str,
    url: str,
    folder: str,
    journal_path: str,
    run: int,
    cluster_ids: list[int],
    seed: str,
) -> None:
    """Do ``scenario``'s operation over and over (run in a child process, until killed)."""
    os.environ["CLUSTERS_DATABASE_URL"] = url
    os.environ["CLUSTERS_DATA_DIR"] = folder
    journal = Journal(Path(journal_path))
    rng = random.Random(f"{seed}:{scenario}:{run}")
    editor = f"editor-{run:02d}"
    try:
        for n in range(10_000):  # bounded; a kill ends it long before
            _step(scenario, url, Path(folder), journal, run, n, editor, cluster_ids, rng)
    except Exception:
        journal.write(what="crashed", op=scenario, error=traceback.format_exc(), t=time.time())
        raise


def _step(
    scenario: str,
    url: str,
    folder: Path,
    journal: Journal,
    run: int,
    n: int,
    editor: str,
    cluster_ids: list[int],
    rng: random.Random,
) -> None:
    if scenario in ("edits", "backup"):
        store = open_store(url)
        try:
            cid, field = rng.choice(cluster_ids), rng.choice(EDITED_FIELDS)
            edit_once(store, journal, editor, n, cid, field)
        finally:
            store.close()  # a restore or backup in this process must not find it open
    if scenario == "import":
        store = open_store(url)
        try:
            name, data = import_file(run, n)
            plan = plan_file(store, data, name, CLI_ACTOR)
            journal.write(what="start", op="import", id=name, run=run, t=time.time())
            result = commit(store, plan, CLI_ACTOR, accept_warnings=True)
            journal.write(
                what="committed",
                op="import",
                id=name,
                run=run,
                rows=len(result.created),
                t=time.time(),
            )
        finally:
            store.close()
    elif scenario == "backup":
        target = str(folder / f"backup-{run}-{n}.sqlite")
        journal.write(what="start", op="backup", id=target, run=run, t=time.time())
        _cli("backup", target)
        journal.write(what="committed", op="backup", id=target, run=run, t=time.time())
    elif scenario == "restore":
        which = "A" if n % 2 == 0 else "B"
        journal.write(what="start", op="restore", id=which, run=run, t=time.time())
        _cli("restore", str(folder / f"{which}.sqlite"))
        journal.write(what="committed", op="restore", id=which, run=run, t=time.time())
