"""Lint, format, type and dependency checks run with the suite, so CI enforces them.

Each tool runs from the test's own interpreter (``python -m …``), so the checks use the
virtual environment the suite runs in, activated or not.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_module(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("args", [("check", "."), ("format", "--check", ".")])
def test_ruff(args):
    proc = run_module("ruff", *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_on_the_package():
    proc = run_module("mypy")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_import_is_a_declared_dependency():
    """deptry: no missing, transitive-only, unused or misplaced dependency (pyproject)."""
    proc = run_module("deptry", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr
