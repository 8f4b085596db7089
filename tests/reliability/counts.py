"""How hard the reliability suite pushes: small counts in CI, full counts on demand.

``CLUSTERS_RELIABILITY_FULL=1 python -m pytest tests/reliability -q`` runs the full counts;
without it every test uses its CI count, so the suite stays well within CI's time.
``CLUSTERS_RELIABILITY_SEED`` changes the seed of every random choice (kill moments, which
cluster an editor picks), so a failure can be replayed.
"""

from __future__ import annotations

import os

FULL_ENV = "CLUSTERS_RELIABILITY_FULL"
FULL = os.environ.get(FULL_ENV, "").strip().lower() in {"1", "true", "yes"}
SEED = os.environ.get("CLUSTERS_RELIABILITY_SEED", "hanoi-reliability")


def scaled(ci: int, full: int) -> int:
    """The CI count, or the full one under ``CLUSTERS_RELIABILITY_FULL=1``."""
    return full if FULL else ci
