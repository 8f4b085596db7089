"""Shared fixtures. Builders for test data live in tests/builders.py."""

from __future__ import annotations

import importlib.metadata as md
import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from clusters import seed
from clusters.store import ClusterStore, open_store

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# The throwaway PostgreSQL/PostGIS server: fixtures ``postgis_server`` and ``postgis_url``.
pytest_plugins = ["postgis_server"]


def pytest_report_header(config: pytest.Config) -> list[str]:
    names = (
        "streamlit",
        "streamlit-folium",
        "folium",
        "geopandas",
        "shapely",
        "pyogrio",
        "pyproj",
        "SQLAlchemy",
        "playwright",
    )
    versions = []
    for n in names:
        try:
            versions.append(f"{n} {md.version(n)}")
        except md.PackageNotFoundError:
            versions.append(f"{n} -")
    return ["libraries: " + ", ".join(versions), f"CI={os.environ.get('CI', '')}"]


@pytest.fixture(scope="session", autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Nothing a test does may land in the real per-user data folder or the current folder."""
    folder = tmp_path_factory.mktemp("data-dir")
    before = os.environ.get("CLUSTERS_DATA_DIR")
    os.environ["CLUSTERS_DATA_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("CLUSTERS_DATA_DIR", None)
    else:
        os.environ["CLUSTERS_DATA_DIR"] = before


def skip_or_fail(reason: str) -> None:
    """Skip on a laptop that lacks a system dependency; under CI a skip is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """``clusters …`` in this process: returns (exit code, stdout, stderr); stdin per call."""
    from clusters.cli import main

    monkeypatch.delenv("CLUSTERS_LANG", raising=False)

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'registry.sqlite'}"


@pytest.fixture
def store(db_url: str) -> Iterator[ClusterStore]:
    s = open_store(db_url)
    yield s
    s.close()


@pytest.fixture
def seeded_store(store: ClusterStore) -> ClusterStore:
    seed.seed(store)
    return store


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded SQLite registry made once per session; copy it, never write to it."""
    path = tmp_path_factory.mktemp("seeded") / "registry.sqlite"
    s = open_store(f"sqlite:///{path}")
    seed.seed(s)
    s.close()  # the last connection closing folds the WAL into the file
    return path


@pytest.fixture
def seeded_copy(seeded_file: Path, tmp_path: Path) -> Iterator[ClusterStore]:
    """A fresh copy of the seeded registry: as ``seeded_store``, without seeding each time."""
    target = tmp_path / "seeded.sqlite"
    shutil.copyfile(seeded_file, target)
    s = open_store(f"sqlite:///{target}")
    yield s
    s.close()
