"""Password guessers for the sign-in throttling test: threads, in this process or a child,
each trying one wrong password for the same name through ``accounts.sign_in``.

A guess that reaches the password check costs an argon2 verification; the throttle must
refuse the others before it. Verifications are counted by wrapping argon2's
``PasswordHasher.verify`` itself, so the count holds whatever the sign-in code calls it.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any
from unittest import mock

from argon2 import PasswordHasher

from clusters import accounts
from clusters.accounts import Settings, SignInRefused
from clusters.store import open_store
from clusters.store.accounts import account_store

JOIN_LIMIT_S = 120


def guess_together(
    url: str, name: str, threads: int, settings: Settings, start: Any = None
) -> Counter[str]:
    """``threads`` wrong guesses at once; counts of ``checked`` (argon2 verifications),
    ``throttled``, ``wrong`` (refused after the check), ``signed_in``, ``crashed``, ``hung``."""
    store = open_store(url)
    acc = account_store(store)
    acc.digest_key()  # made once per database, before the race
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    original = PasswordHasher.verify

    def counted(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        with lock:
            counts["checked"] += 1
        return original(self, hash, password)

    ready = threading.Barrier(threads)

    def one(n: int) -> None:
        ready.wait()
        try:
            accounts.sign_in(acc, name, f"doan-sai-{n}-mat-khau", settings=settings)
            outcome = "signed_in"
        except SignInRefused as exc:
            outcome = "throttled" if exc.retry_after else "wrong"
        except Exception:
            outcome = "crashed"
        with lock:
            counts[outcome] += 1

    if start is not None:
        start.wait()  # the other process's guessers start with these
    with mock.patch.object(PasswordHasher, "verify", counted):
        workers = [threading.Thread(target=one, args=(n,)) for n in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(JOIN_LIMIT_S)
        counts["hung"] += sum(w.is_alive() for w in workers)
    store.close()
    return counts


def guess_in_child(
    url: str, name: str, threads: int, settings: Settings, start: Any, results: Any
) -> None:
    """``guess_together`` in a child process; its counts go back through ``results``."""
    results.put(dict(guess_together(url, name, threads, settings, start)))
