"""One clock, Hanoi's: at 20:00 UTC it is already tomorrow in Hanoi, and every door (the rules,
the registry, the import, the command line) takes Hanoi's date as today."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from clusters import clock, registry, seed
from clusters.errors import ValidationError
from clusters.importer import commit, plan_file
from clusters.roles import Actor
from clusters.store import open_store
from tests.builders import cluster, decision
from tests.conftest import skip_or_fail

PACKAGE = Path(__file__).resolve().parents[1] / "clusters"
EVENING_UTC = datetime(2026, 6, 14, 20, 0, tzinfo=UTC)  # 03:00 on 15 June in Hanoi
HANOI_TODAY = date(2026, 6, 15)
HANOI_TOMORROW = HANOI_TODAY + timedelta(days=1)
EDITOR = Actor("lan", "editor")
ADMIN = Actor("quan-tri", "admin")


def test_today_turns_at_midnight_in_hanoi_not_at_midnight_utc():
    assert clock.hanoi_date(datetime(2025, 6, 14, 16, 59, tzinfo=UTC)) == date(2025, 6, 14)
    assert clock.hanoi_date(datetime(2025, 6, 14, 17, 0, tzinfo=UTC)) == date(2025, 6, 15)
    assert clock.hanoi_date(datetime(2025, 6, 14, 17, 0)) == date(2025, 6, 15)  # naive is UTC


def test_a_frozen_clock_stops_every_reading_and_lets_go_after():
    with clock.frozen(EVENING_UTC):
        assert clock.now_utc() == EVENING_UTC
        assert clock.now_hanoi().isoformat() == "2026-06-15T03:00:00+07:00"
        assert clock.today() == HANOI_TODAY
    assert abs(clock.now_utc() - datetime.now(UTC)) < timedelta(minutes=1)
    with pytest.raises(ValueError), clock.frozen(datetime(2026, 6, 14, 20)):
        pass


def test_nothing_in_the_package_reads_another_clock_or_defines_hanoi_again():
    other_clocks = re.compile(
        r"date\.today\(|datetime\.now\(|datetime\.utcnow\(|ZoneInfo\(|Ho_Chi_Minh|"
        r"timedelta\(hours=7\)"
    )
    found = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "clock.py" and other_clocks.search(path.read_text(encoding="utf-8"))
    }
    assert found == set()


# --- the rules and the registry ----------------------------------------------------------


@pytest.fixture
def frozen_evening():
    with clock.frozen(EVENING_UTC):
        yield


def move_to_operating(store, day: date):
    c = store.get(1)
    return registry.change_stage(
        store,
        1,
        "operating",
        EDITOR,
        based_on=c.version,
        effective_date=day,
        evidence=decision(doc_type="operation", date=day),
    )


def test_a_stage_change_dated_hanoi_today_is_not_in_the_future(store, frozen_evening):
    store.create(cluster(id=1, stage="under_construction"), actor="seed")
    with pytest.raises(ValidationError) as err:
        move_to_operating(store, HANOI_TOMORROW)
    assert {p.code for p in err.value.problems} == {"future_date"}
    saved = move_to_operating(store, HANOI_TODAY).cluster
    assert (saved.stage, saved.stage_effective_date) == ("operating", HANOI_TODAY)


# --- the import ----------------------------------------------------------------------------


def test_an_import_decision_dated_hanoi_today_is_accepted(store, frozen_evening):
    store.create(cluster(id=1, stage="established"), actor="seed")

    def moves(day: date) -> bytes:
        return (
            "Mã,Tên cụm,Giai đoạn,Số quyết định,Ngày quyết định,Kinh độ,Vĩ độ\n"
            f"1,CCN Ngọc Hồi,Đang hoạt động,12/QĐ-UBND,{day:%d/%m/%Y},105.8433,20.9125\n"
        ).encode()

    late = plan_file(store, moves(HANOI_TOMORROW), "ds.csv", ADMIN)
    assert {(p.code, p.field) for p in late.rows[0].errors} == {
        ("future_date", "stage_effective_date"),
        ("future_date", "decision_date"),
    }
    on_time = plan_file(store, moves(HANOI_TODAY), "ds.csv", ADMIN)
    assert not on_time.issues()
    commit(store, on_time, ADMIN)
    assert store.get(1).stage_effective_date == HANOI_TODAY


# --- the command line ----------------------------------------------------------------------


@pytest.fixture
def cli_on_a_registry_seeded_before(tmp_path, monkeypatch, run_cli):
    """The command line on a registry seeded on 1 June 2026 (so it has a history to rebuild
    on 15 June), run from a scratch folder."""
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    with clock.frozen(datetime(2026, 6, 1, 3, tzinfo=UTC)):
        store = open_store(url)
        seed.seed(store)
        store.close()
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", url)
    monkeypatch.setenv("CLUSTERS_LANG", "en")
    monkeypatch.chdir(tmp_path)
    return run_cli


def test_the_command_line_takes_hanoi_today_for_stats_and_export(
    cli_on_a_registry_seeded_before, tmp_path
):
    cli = cli_on_a_registry_seeded_before
    with clock.frozen(EVENING_UTC):
        code, out, err = cli("stats", "--as-of", HANOI_TODAY.isoformat())
        assert code == 0, err
        assert "Registry as of 2026-06-15 (end of day, Hanoi time) by stage (101):" in out
        code, _, err = cli("stats", "--as-of", HANOI_TOMORROW.isoformat())
        assert (code, err) == (1, "Error: 2026-06-16 is in the future (today is 2026-06-15).\n")

        assert cli("export", "--as-of", HANOI_TODAY.isoformat())[0] == 0
        code, _, err = cli("export", "--as-of", HANOI_TOMORROW.isoformat())
        assert (code, err) == (1, "Error: 2026-06-16 is in the future (today is 2026-06-15).\n")
        assert cli("export")[0] == 0  # named by the day in Hanoi
    written = sorted(p.name for p in tmp_path.glob("cum-cong-nghiep-ha-noi_*.geojson"))
    assert written == [
        "cum-cong-nghiep-ha-noi_2026-06-15.geojson",
        "cum-cong-nghiep-ha-noi_as-of-2026-06-15.geojson",
    ]
    as_of = json.loads((tmp_path / written[1]).read_text(encoding="utf-8"))
    assert len(as_of["features"]) == 101


def test_the_command_line_under_faketime_in_utc_takes_hanoi_today(tmp_path):
    """The same with the process's own clock faked (libfaketime), the server's zone UTC."""
    faketime = shutil.which("faketime")
    if faketime is None:
        skip_or_fail("faketime is not installed (apt-get install faketime)")
    env = {
        **os.environ,
        "TZ": "UTC",
        "CLUSTERS_DATABASE_URL": f"sqlite:///{tmp_path / 'registry.sqlite'}",
        "CLUSTERS_MAPPINGS_FILE": str(tmp_path / "mappings.json"),
        "CLUSTERS_LANG": "en",
    }

    def clusters(when: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [faketime, when, sys.executable, "-m", "clusters", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    seeded = clusters("2026-06-01 03:00:00", "seed")
    assert seeded.returncode == 0, seeded.stderr
    evening = "2026-06-14 20:00:00"
    stats = clusters(evening, "stats", "--as-of", "2026-06-15")
    assert stats.returncode == 0, stats.stderr
    assert "Registry as of 2026-06-15 (end of day, Hanoi time)" in stats.stdout
    late = clusters(evening, "stats", "--as-of", "2026-06-16")
    assert late.returncode == 1
    assert late.stderr == "Error: 2026-06-16 is in the future (today is 2026-06-15).\n"

    established = next(c for c, _ in seed.read_seed() if c.stage == "established")
    moves = tmp_path / "moves.csv"
    moves.write_text(
        f"Mã,Giai đoạn,Kinh độ,Vĩ độ\n{established.id},Đang hoạt động,"
        f"{established.geometry.x},{established.geometry.y}\n",
        encoding="utf-8",
    )
    ahead = clusters(evening, "import", str(moves), "--evidence", "Báo cáo 1/BC ngày 16/06/2026")
    assert ahead.returncode == 1
    assert "The document date is in the future." in ahead.stdout
    on_time = clusters(evening, "import", str(moves), "--evidence", "Báo cáo 1/BC ngày 15/06/2026")
    assert on_time.returncode == 0, on_time.stdout + on_time.stderr
    moved = open_store(env["CLUSTERS_DATABASE_URL"]).get(established.id)
    assert (moved.stage, moved.stage_effective_date) == ("operating", HANOI_TODAY)
