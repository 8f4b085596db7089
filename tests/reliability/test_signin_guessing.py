"""Password guessing in parallel: twelve threads guess one name at once, then two processes
(six threads each) on the same database, on SQLite and on PostGIS.

However the guesses interleave, at most ``free_failures`` of them may reach the password
check (an argon2 verification) before the throttle makes the name wait; the wait is set
long (a minute) so no guess gets through by waiting. The count lives in the database, so
two processes — two app instances — share it. Every guess is wrong: any sign-in, or any
check beyond the limit, counts let in.
"""

from __future__ import annotations

from collections import Counter

import pytest

from clusters import accounts
from clusters.accounts import Settings
from clusters.roles import CLI_ACTOR
from clusters.store import open_store
from clusters.store.accounts import account_store
from tests.reliability import processes
from tests.reliability.guessing import JOIN_LIMIT_S, guess_in_child, guess_together

NAME = "lan"
GUESSES = 12
SETTINGS = Settings(free_failures=3, delay_seconds=60.0, lock_failures=6, lock_minutes=15.0)


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def accounts_url(request: pytest.FixtureRequest, tmp_path) -> tuple[str, str]:
    """A registry holding the account being guessed."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    else:
        url = request.getfixturevalue("postgis_url")
    store = open_store(url)
    accounts.add_account(
        account_store(store), CLI_ACTOR, NAME, "editor", password="lan-mat-khau-that-2025"
    )
    store.close()
    return request.param, url


def count(outcome, counts: Counter[str]) -> None:
    outcome.attempted = GUESSES
    outcome.committed = counts["checked"]
    outcome.refused = counts["throttled"]
    if counts["checked"] > SETTINGS.free_failures:
        outcome.let_in = counts["checked"] - SETTINGS.free_failures
        outcome.findings.append(
            f"let_in: {counts['checked']} password checks, the limit is {SETTINGS.free_failures}"
        )
    if counts["signed_in"]:
        outcome.note("let_in", f"{counts['signed_in']} wrong guesses signed in")
    outcome.crashed += counts["crashed"]
    outcome.hung += counts["hung"]
    answered = counts["throttled"] + counts["wrong"] + counts["signed_in"] + counts["crashed"]
    if answered + counts["hung"] != GUESSES:
        outcome.note("lost", f"{GUESSES} guesses, {answered} answered")


def test_parallel_guesses_reach_the_password_check_at_most_the_limit(accounts_url, outcome):
    backend, url = accounts_url
    outcome.name = f"sign-in guessing · {backend} · {GUESSES} threads"
    count(outcome, guess_together(url, NAME, GUESSES, SETTINGS))
    outcome.verify()


def test_two_processes_share_the_count(accounts_url, outcome):
    backend, url = accounts_url
    outcome.name = f"sign-in guessing · {backend} · 2 processes × {GUESSES // 2} threads"
    ctx = processes.context()
    start, results = ctx.Barrier(2, timeout=JOIN_LIMIT_S), ctx.Queue()
    children = [
        ctx.Process(target=guess_in_child, args=(url, NAME, GUESSES // 2, SETTINGS, start, results))
        for _ in range(2)
    ]
    for child in children:
        child.start()
    counts: Counter[str] = Counter()
    for child in children:
        child.join(JOIN_LIMIT_S)
        if child.is_alive():
            child.kill()
            counts["hung"] += GUESSES // 2
        elif child.exitcode == 0:
            counts.update(results.get(timeout=10))
        else:
            counts["crashed"] += GUESSES // 2
    count(outcome, counts)
    outcome.verify()
