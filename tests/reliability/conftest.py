"""The reliability suite's one table: each test fills a row, the run prints them all.

A test takes the ``outcome`` fixture, names its row, counts what happened and ends with
``outcome.verify()``, which fails on any lost, partial, crashed, hung, executed or let-in
count. The row is kept whether the test passes or fails, and pytest's terminal summary prints
the table at the end of the run.

Columns: attempted (operations tried: saves, imports, backups, restores, page views,
writes by the wrong role, password guesses); committed (done as asked: a save or an import
committed, a backup written, a page rendered clean, a guess that reached the password
check); refused (turned down with a user-facing error: a conflict retried too often, a
throttled guess, a write by the wrong role); lost (reported done but missing afterwards, or
a damaged registry); partial (half of something that is all or nothing, or records that
disagree with their history); crashed (an exception that is no user-facing refusal, a page
showing one); hung (past its time limit); executed (hostile text that ran as script, or
became an element or link that would); let in (a write, a sign-in or a password check that
should have been refused). Where a test kills, attempted minus committed minus refused are
the operations the kills cut short.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields

import pytest

from tests.e2e.conftest import app_server, browser_page, chromium  # noqa: F401 - browser fixtures
from tests.reliability.counts import FULL, FULL_ENV

# Counts that must be zero for a row to pass.
MUST_BE_ZERO = ("lost", "partial", "crashed", "hung", "executed", "let_in")


@dataclass
class Row:
    name: str = ""
    attempted: int = 0
    committed: int = 0
    refused: int = 0
    lost: int = 0
    partial: int = 0
    crashed: int = 0
    hung: int = 0
    executed: int = 0
    let_in: int = 0
    findings: list[str] = field(default_factory=list)

    def add(self, other: Row) -> None:
        for f in fields(self):
            if f.type == "int":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.findings.extend(other.findings)

    def note(self, column: str, finding: str) -> None:
        """Count one bad outcome in ``column`` and keep what it was."""
        setattr(self, column, getattr(self, column) + 1)
        self.findings.append(f"{column}: {finding}")

    def bad(self) -> dict[str, int]:
        return {c: getattr(self, c) for c in MUST_BE_ZERO if getattr(self, c)}

    def verify(self) -> None:
        assert self.attempted > 0, f"{self.name}: nothing was attempted"
        bad = self.bad()
        shown = "\n  ".join(self.findings[:20])
        assert not bad, f"{self.name}: {bad}\n  {shown}"


COLUMNS = [f.name for f in fields(Row) if f.type == "int"]
_ROWS: list[Row] = []


@pytest.fixture
def outcome(request: pytest.FixtureRequest) -> Iterator[Row]:
    """This test's row of the table, named after the test until the test names it."""
    row = Row(name=request.node.name.removeprefix("test_"))
    yield row
    _ROWS.append(row)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _ROWS:
        return
    mode = f"full counts ({FULL_ENV}=1)" if FULL else f"CI counts (full: {FULL_ENV}=1)"
    tr = terminalreporter
    tr.section(f"reliability: {mode}")
    width = max(len(r.name) for r in _ROWS)
    heads = [c.replace("_", " ") for c in COLUMNS]
    tr.write_line(f"{'test':<{width}}  " + "  ".join(f"{h:>9}" for h in heads))
    for row in _ROWS:
        cells = "  ".join(f"{getattr(row, c):>9}" for c in COLUMNS)
        flag = "  ← FAILED" if row.bad() else ""
        tr.write_line(f"{row.name:<{width}}  {cells}{flag}")
