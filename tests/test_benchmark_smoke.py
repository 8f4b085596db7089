"""The benchmark of issue 12 runs at its smallest size and reports every measure.

One run of 113 synthetic clusters, two sessions for the memory, no PostGIS: the table is
printed and the JSON holds a value for every measure, ours beside the naive baseline in the
browser. No time is asserted (speed is measured by ``python -m benchmarks.run``, never here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import browser, run
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SIZE = 113
BROWSER_MEASURES = (
    "first_load_s",
    "cold_first_load_s",
    "click_s",
    "filter_s",
    "first_load_mb",
    "bundle_mb",
    "click_mb",
    "filter_mb",
    "rss_1_mb",
    "rss_n_mb",
    "per_session_mb",
)
OURS_ONLY = (
    "import_dry_run_s",
    "import_commit_s",
    "export_geojson_s",
    "export_gpkg_s",
    "query_all_sqlite_ms",
    "query_extent_sqlite_ms",
    "query_one_sqlite_ms",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    if not Path(browser.CHROMIUM).exists():
        skip_or_fail(f"no Chromium at {browser.CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("Python Playwright is not installed (pip install -e '.[test]')")
    folder = tmp_path_factory.mktemp("benchmark")
    target = folder / "result.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--sizes",
            str(SIZE),
            "--runs",
            "1",
            "--sessions",
            "2",
            "--no-postgis",
            "--work",
            str(folder / "work"),
            "--json",
            str(target),
        ],
        cwd=ROOT,
        env={**os.environ, "CLUSTERS_DATA_DIR": str(folder / "data")},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(target.read_text(encoding="utf-8")), proc.stdout


def test_every_measure_has_a_value(report):
    data, _ = report
    assert data["errors"] == []
    values = data["values"][str(SIZE)]
    for key in BROWSER_MEASURES:
        assert values[key]["ours"] > 0, key
        assert values[key]["naive"] > 0, key
    for key in OURS_ONLY:
        assert values[key]["ours"] > 0, key
    assert values["floor_s"]["floor"] > 0
    assert not [k for k in values if "postgis" in k]  # --no-postgis


def test_the_table_has_a_row_per_measure_with_its_target(report):
    data, stdout = report
    rows = {(r["key"], r["size"]): r for r in data["rows"]}
    wanted = [*BROWSER_MEASURES, *OURS_ONLY, "floor_s"]
    for key in wanted:
        assert (key, SIZE) in rows, key
    assert ("help_s", None) in rows
    assert rows[("first_load_s", SIZE)]["target"].startswith("≤ 1.5 × floor")
    assert {r["result"] for r in data["rows"]} <= {"pass", "FAIL", "—"}
    for key in ("first_load_s", "filter_s", "click_s", "first_load_mb", "filter_mb"):
        assert rows[(key, SIZE)]["result"] in ("pass", "FAIL"), key
    # The printed table: a header and one line per row.
    lines = [line for line in stdout.splitlines() if line.startswith("| ")]
    assert lines[0].startswith("| measure | clusters | ours | naive |")
    assert len(lines) == 1 + len(data["rows"])


def test_the_registry_is_synthetic_and_the_machine_recorded(report):
    data, _ = report
    stages = data["raw"][str(SIZE)]["stages"]
    assert sum(stages.values()) == SIZE and all(stages.values())
    assert "SYNTHETIC" in data["synthetic"]
    assert data["machine"]["nproc"] and data["machine"]["chromium"]


def test_sizes_over_ten_thousand_need_the_flag():
    with pytest.raises(SystemExit):
        run.parse_sizes("113,100000", huge=False)
    assert run.parse_sizes("113", huge=True) == [113, run.HUGE]
