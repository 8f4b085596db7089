"""Child processes for the suite, forked from multiprocessing's fork server after it has
imported the package once: twenty editors start in a moment on two cores, and no child
inherits pytest's engines, threads or locks (as a plain fork would)."""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import ForkServerContext

PRELOAD = [
    "clusters.registry",
    "clusters.accounts",
    "clusters.importer",
    "clusters.cli",
    "tests.reliability.edits",
    "tests.reliability.killed",
    "tests.reliability.guessing",
]


def context() -> ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    assert isinstance(ctx, ForkServerContext)
    ctx.set_forkserver_preload(PRELOAD)
    return ctx
