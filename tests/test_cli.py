import json
import subprocess
import sys

import pytest

from clusters.cli import main
from clusters.store import open_store


@pytest.fixture
def cli(db_url, monkeypatch, run_cli):
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    return run_cli


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("serve", "seed", "export", "backup", "restore", "stats"):
        assert command in out


def test_seed_into_an_empty_database_gives_101_clusters(cli, db_url):
    code, out, _ = cli("seed")
    assert code == 0 and "101" in out
    assert open_store(db_url).count() == 101
    code, out, _ = cli("seed")
    assert "Đã thêm 0 cụm" in out


def test_stats_prints_counts_beside_the_reported_figures(cli):
    cli("seed")
    code, out, _ = cli("stats")
    assert code == 0
    assert "Đang hoạt động" in out
    for line, reported in [
        ("Cụm đang hoạt động", "70 (09/01/2025)"),
        ("đang hoàn thiện hạ tầng", "7 (09/01/2025)"),
        ("đã khởi công", "27 (09/01/2025)"),
        ("chưa khởi công", "9 (09/01/2025)"),
    ]:
        [row] = [r for r in out.splitlines() if line in r and "báo cáo" in r]
        assert row.endswith(reported)


def test_stats_in_english(cli, monkeypatch):
    monkeypatch.setenv("CLUSTERS_LANG", "en")
    cli("seed")
    _, out, _ = cli("stats")
    assert "Operating clusters" in out and "reported: 70 (09/01/2025)" in out


def test_export_geojson_is_rfc7946_with_ids_and_vietnamese_names(cli, tmp_path):
    cli("seed")
    target = tmp_path / "clusters.geojson"
    code, _, _ = cli("export", "--format", "geojson", "-o", str(target))
    assert code == 0
    raw = target.read_text(encoding="utf-8")
    assert "CCN Liên Phương" in raw and "\\u" not in raw
    doc = json.loads(raw)
    assert "crs" not in doc
    ids = [f["id"] for f in doc["features"]]
    assert len(ids) == 101 and len(set(ids)) == 101
    lon, lat = doc["features"][0]["geometry"]["coordinates"]
    assert 105 < lon < 106.1 and 20.5 < lat < 21.5


def test_backup_and_restore_round_trip(cli, db_url, tmp_path):
    cli("seed")
    backup = tmp_path / "backup.sqlite"
    assert cli("backup", str(backup))[0] == 0
    store = open_store(db_url)
    c = store.get(1)
    store.update(1, {"notes": "changed after the backup"}, based_on=c.version, actor="t")
    store.close()
    assert cli("restore", str(backup))[0] == 0
    restored = open_store(db_url)
    assert restored.get(1).notes == c.notes
    assert restored.count() == 101
    assert len(restored.history(1)) == 1


def test_restore_refuses_a_file_that_is_not_a_registry(cli, tmp_path):
    cli("seed")
    bogus = tmp_path / "notes.sqlite"
    bogus.write_bytes(b"not a database at all")
    code, _, err = cli("restore", str(bogus))
    assert code == 1
    assert err.strip() == (f"Lỗi: «{bogus}» không phải bản sao lưu của sổ đăng ký cụm công nghiệp.")


def test_backup_refuses_to_overwrite(cli, tmp_path):
    cli("seed")
    target = tmp_path / "b.sqlite"
    target.write_text("keep me")
    code, _, err = cli("backup", str(target))
    assert code == 1 and "đã tồn tại" in err
    assert target.read_text() == "keep me"


def test_errors_are_one_line_in_the_chosen_language(cli, monkeypatch, tmp_path):
    code, _, err = cli("restore", str(tmp_path / "missing.sqlite"))
    assert code == 1 and err.count("\n") == 1 and err.startswith("Lỗi: ")
    monkeypatch.setenv("CLUSTERS_LANG", "en")
    code, _, err = cli("export", "-o", str(tmp_path / "no" / "such" / "x.geojson"))
    assert code == 1 and err.startswith("Error: The folder")


def test_unsupported_database_url_is_a_clear_error(cli, monkeypatch):
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", "oracle://x/y")
    code, _, err = cli("stats")
    assert code == 1 and "oracle" in err


def test_a_failing_command_prints_no_traceback(tmp_path):
    env = {"CLUSTERS_DATABASE_URL": "mysql://nobody@127.0.0.1/none", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "clusters", "stats"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("Lỗi: ")


# --- every failure is one line (a traceback only with --debug) --------------------------


def one_line(err: str) -> str:
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err.strip()


def test_import_of_a_missing_file_is_one_line(cli, tmp_path):
    code, _, err = cli("import", str(tmp_path / "nowhere.geojson"))
    assert code != 0
    assert "nowhere.geojson" in one_line(err)


def test_postgis_without_psycopg_says_what_to_install(run_cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if it were not installed
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:1/x")
    code, _, err = run_cli("stats")
    assert code == 1
    line = one_line(err)
    assert "psycopg" in line and "hanoi-clusters[postgis]" in line


def test_an_unexpected_failure_is_one_line_and_debug_shows_the_traceback(cli, monkeypatch, capsys):
    def broken(store):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("clusters.seed.seed", broken)
    code, _, err = cli("seed")
    assert code == 1
    line = one_line(err)
    assert "RuntimeError: boom" in line and "--debug" in line
    with pytest.raises(RuntimeError):
        main(["seed", "--debug"])
    monkeypatch.setenv("CLUSTERS_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["seed"])


def test_an_os_error_names_the_file(cli, monkeypatch):
    def refused(store):
        raise PermissionError(13, "Permission denied", "/srv/registry.sqlite")

    monkeypatch.setattr("clusters.seed.seed", refused)
    code, _, err = cli("seed")
    assert code == 1
    assert "Permission denied" in one_line(err) and "/srv/registry.sqlite" in err


def test_a_closed_pipe_is_not_a_traceback(db_url, tmp_path):
    env = {**__import__("os").environ, "CLUSTERS_DATABASE_URL": db_url}
    subprocess.run([sys.executable, "-m", "clusters", "seed"], env=env, check=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "clusters", "stats"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away at once, as `| head -0` would
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_serve_and_stats_say_which_database(cli, db_url):
    cli("seed")
    _, out, _ = cli("stats")
    assert out.splitlines()[-1] == f"Cơ sở dữ liệu / Database: {db_url}"
