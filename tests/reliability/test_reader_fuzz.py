"""A seeded mutation fuzzer over every reader, through the doors a user's file goes in.

Valid sample files (``samples.py``: GeoJSON, CSV, XLSX, KML, KMZ, zipped Shapefile,
GeoPackage, pasted VN-2000 boundary markers, a boundary upload) are damaged at random
(``mutations.py``: bytes flipped, cut short, inserted, chunks duplicated; and well-formed
damage behind each format's first gate) and every mutant is read in a worker process with
a wall-clock limit. Imports go through ``importer.plan_file``, the dry run the import page
and the command line run; markers through ``locate.parse_markers`` and
``boundary_from_markers``; the boundary upload through ``locate.boundary_from_file``.
Every mutant must be read or refused with a one-line ``ClusterError``: any other exception
is a crash, running past the limit a hang.

``CLUSTERS_FUZZ_COUNT`` sets the mutants per format (default 40: seconds in all) and
``CLUSTERS_FUZZ_SEED`` the seed. A crashing or hanging input is saved under the test's
``tmp_path``, to be replayed.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from clusters import locate
from clusters.errors import ClusterError
from clusters.importer import plan_file
from clusters.roles import Actor
from clusters.store import open_store
from tests.reliability.mutations import mutants
from tests.reliability.samples import FORMATS, build_all

ADMIN = Actor("quan-tri", "admin")
TIME_LIMIT_S = 5.0
COUNT = int(os.environ.get("CLUSTERS_FUZZ_COUNT", "40"))
SEED = os.environ.get("CLUSTERS_FUZZ_SEED", "hanoi-2025")
OK, REFUSED, CRASHED, HUNG = "ok", "refused", "crashed", "hung"


def attempt(store: Any, door: str, data: bytes, filename: str) -> tuple[str, str]:
    """Read one input through its door: (outcome, detail)."""
    try:
        if door == "import":
            plan = plan_file(store, data, filename, ADMIN)
            unexplained = [i for i in plan.issues() if not (i.vi and i.en)]
            if unexplained:
                return CRASHED, f"an issue without a message: {unexplained[0]!r}"
        elif door == "markers":
            text = data.decode("utf-8", errors="replace")  # a text box holds text
            locate.boundary_from_markers(locate.parse_markers(text))
        else:
            locate.boundary_from_file(data, filename)
    except ClusterError as exc:
        if not (exc.vi and exc.en) or any(c in exc.vi + exc.en for c in "\r\n"):
            return CRASHED, f"a refusal without a one-line message: {exc.vi!r} / {exc.en!r}"
        return REFUSED, exc.en
    except Exception as exc:  # what the fuzzer looks for: recorded, not raised
        frames = traceback.extract_tb(exc.__traceback__)[-3:]
        where = " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames))
        return CRASHED, f"{type(exc).__name__}: {exc} at {where}"
    return OK, ""


def _serve(conn: Any, registry: str) -> None:
    """The worker: its own copy of the registry, then one input per message."""
    warnings.simplefilter("ignore")
    folder = tempfile.mkdtemp(prefix="fuzz-")
    shutil.copyfile(registry, Path(folder) / "registry.sqlite")
    store = open_store(f"sqlite:///{folder}/registry.sqlite")
    try:
        while (job := conn.recv()) is not None:
            conn.send(attempt(store, *job))
    finally:
        store.close()
        shutil.rmtree(folder, ignore_errors=True)


class Worker:
    """A forked process reading inputs; killed and replaced when one hangs or kills it."""

    def __init__(self, registry: Path) -> None:
        self.registry = str(registry)
        self.context = multiprocessing.get_context("fork")  # no re-import: a fork is fast
        self._start()

    def _start(self) -> None:
        self.conn, child = self.context.Pipe()
        self.process = self.context.Process(target=_serve, args=(child, self.registry))
        self.process.start()
        child.close()

    def run(self, door: str, data: bytes, filename: str) -> tuple[str, str]:
        self.conn.send((door, data, filename))
        if not self.conn.poll(TIME_LIMIT_S):
            self.process.kill()
            self.process.join()
            self._start()
            return HUNG, f"no answer within {TIME_LIMIT_S:g} s"
        try:
            outcome: tuple[str, str] = self.conn.recv()
        except EOFError:  # the worker died: a crash inside a C library
            self.process.join()
            code = self.process.exitcode
            self._start()
            return CRASHED, f"the reading process died (exit code {code})"
        return outcome

    def close(self) -> None:
        self.conn.send(None)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


@dataclass
class Tally:
    attempted: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys((OK, REFUSED, CRASHED, HUNG), 0)
    )
    failures: list[str] = field(default_factory=list)
    slowest: float = 0.0  # seconds: a reader creeping towards the limit shows here first


def table(tallies: dict[str, Tally]) -> str:
    head = (
        f"{'format':<18}{'attempted':>10}{'ok':>6}{'refused':>9}{'crashed':>9}{'hung':>6}"
        f"{'slowest s':>11}"
    )
    lines = [head, "-" * len(head)]
    for name, t in tallies.items():
        c = t.counts
        lines.append(
            f"{name:<18}{t.attempted:>10}{c[OK]:>6}{c[REFUSED]:>9}{c[CRASHED]:>9}{c[HUNG]:>6}"
            f"{t.slowest:>11.2f}"
        )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return build_all(tmp_path_factory.mktemp("fuzz-samples"))


@pytest.fixture
def worker(seeded_file: Path):
    w = Worker(seeded_file)
    yield w
    w.close()


def test_every_sample_file_is_read(samples, worker):
    """The fuzzer starts from files the readers accept, or it would test nothing."""
    for fmt in FORMATS:
        outcome, detail = worker.run(fmt.door, samples[fmt.name], fmt.filename)
        assert (fmt.name, outcome, detail) == (fmt.name, OK, "")


def test_damaged_files_are_read_or_refused_never_crash_or_hang(samples, worker, tmp_path, capsys):
    tallies = {fmt.name: Tally() for fmt in FORMATS}
    for i, fmt in enumerate(FORMATS):
        tally = tallies[fmt.name]
        inputs = mutants(fmt.structure, samples[fmt.name], COUNT, f"{SEED}:{fmt.name}")
        for n, data in enumerate(inputs):
            started = time.monotonic()
            outcome, detail = worker.run(fmt.door, data, fmt.filename)
            tally.slowest = max(tally.slowest, time.monotonic() - started)
            tally.attempted += 1
            tally.counts[outcome] += 1
            if outcome in (CRASHED, HUNG):
                saved = tmp_path / f"{i}-{n}{Path(fmt.filename).suffix}"
                saved.write_bytes(data)
                tally.failures.append(f"  {fmt.name} {saved}\n    {outcome}: {detail}")
    report = table(tallies)
    with capsys.disabled():
        print(f"\nreader fuzz (seed {SEED!r}, {COUNT} mutants per format)\n{report}")
    failures = [f for t in tallies.values() for f in t.failures]
    assert not failures, report + "\n" + "\n".join(failures)
