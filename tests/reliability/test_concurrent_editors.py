"""Twenty editors in twenty processes save on the same three clusters at once, on SQLite and
on PostGIS, through ``registry.update_cluster`` with the version each read.

Every save either commits or is refused with a conflict (then read again and retried, up to
``edits.RETRIES`` times, or counted refused). Afterwards the registry must be what its
history says: each cluster's versions 1..n without a gap, no event overwriting a value it
had not seen, the record's fields equal to the last values in history, every save an editor
was told committed in history, and no save in history that its editor was told failed.
CI: 20 editors × 5 saves; ``CLUSTERS_RELIABILITY_FULL=1``: 20 × 100.
"""

from __future__ import annotations

import threading
import time

import pytest

from clusters.store import open_store
from tests.reliability import processes
from tests.reliability.counts import SEED, scaled
from tests.reliability.edits import Journal, check_history, edit_clusters, make_clusters

EDITORS = 20
EDITS = scaled(5, 100)
CLUSTERS = 3
START_LIMIT_S = 120  # twenty fresh interpreters importing the package on two cores
RUN_LIMIT_S = scaled(180, 1200)


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def backend_url(request: pytest.FixtureRequest, tmp_path) -> tuple[str, str]:
    if request.param == "sqlite":
        return "sqlite", f"sqlite:///{tmp_path / 'registry.sqlite'}"
    return "postgis", request.getfixturevalue("postgis_url")


def test_concurrent_editors_leave_records_equal_to_a_replay_of_history(
    backend_url, tmp_path, outcome
):
    backend, url = backend_url
    outcome.name = f"concurrent editors · {backend} · {EDITORS}×{EDITS}"
    store = open_store(url)
    ids = make_clusters(store, CLUSTERS)
    journal = Journal(tmp_path / "journal.jsonl")
    ctx = processes.context()
    barrier = ctx.Barrier(EDITORS + 1, timeout=START_LIMIT_S)
    editors = [
        ctx.Process(
            target=edit_clusters,
            args=(url, f"editor-{n:02d}", EDITS, ids, str(journal.path), SEED, barrier),
            name=f"editor-{n:02d}",
        )
        for n in range(EDITORS)
    ]
    for p in editors:
        p.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        outcome.note("crashed", "an editor did not start")
    deadline = time.monotonic() + RUN_LIMIT_S
    for p in editors:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in editors:
        if p.is_alive():
            outcome.note("hung", f"{p.name} still running after {RUN_LIMIT_S} s")
            p.kill()
            p.join(10)
        elif p.exitcode != 0:
            outcome.note("crashed", f"{p.name} exited with {p.exitcode}")

    entries = journal.read()
    outcome.attempted = EDITORS * EDITS
    outcome.committed = sum(e["what"] == "committed" for e in entries)
    outcome.refused = sum(e["what"] == "refused" for e in entries)
    for e in entries:
        if e["what"] == "crashed":
            outcome.findings.append(f"{e['editor']}: {e['error'].splitlines()[-1]}")
    unfinished = outcome.attempted - outcome.committed - outcome.refused
    if unfinished and not outcome.crashed and not outcome.hung:
        outcome.note("lost", f"{unfinished} saves neither committed nor refused")
    check = check_history(store, ids, entries)
    for finding in check.lost:
        outcome.note("lost", finding)
    for finding in check.partial:
        outcome.note("partial", finding)
    store.close()
    assert check.events == outcome.committed  # every edit in history was reported, and back
    outcome.verify()
