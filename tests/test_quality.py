"""Lint, format, type and dependency checks run with the suite, so CI enforces them.

Each tool runs from the test's own interpreter (``python -m …``), so the checks use the
virtual environment the suite runs in, activated or not.
"""

import os
import shutil
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


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter with the contract of ``root/pyproject.toml``, on the package in ``root``."""
    code = (
        "import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(no_cache=True))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_layers_hold():
    """import-linter: ui | cli → operations → rules, store, io, mapping → model → stages."""
    proc = lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 kept, 0 broken" in proc.stdout


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("model.py", "from clusters import registry"),
        ("store/base.py", "from clusters import rules"),
        ("io/readers.py", "from clusters import importer"),
        ("stages.py", "from clusters import model"),
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward):
    """The contract bites: a copy of the package with one upward import is refused."""
    shutil.copytree(
        ROOT / "clusters", tmp_path / "clusters", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "clusters" / module
    target.write_text(
        target.read_text(encoding="utf-8") + f"\n{upward}  # noqa\n", encoding="utf-8"
    )
    proc = lint_imports(tmp_path)
    assert proc.returncode != 0, proc.stdout
    assert "BROKEN" in proc.stdout
