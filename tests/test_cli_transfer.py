"""``clusters export`` and ``clusters import`` from the command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from clusters.filters import ClusterFilter
from clusters.io.columns import signature
from clusters.store import open_store

BAD = Path(__file__).resolve().parent / "bad_files"
LIST = "Tên CCN,Giai đoạn,Quận/huyện,Kinh độ,Vĩ độ\n"


@pytest.fixture
def cli(seeded_file, tmp_path, monkeypatch, run_cli):
    """The command line on a copy of the seeded registry, run from a scratch folder."""
    db = tmp_path / "registry.sqlite"
    shutil.copyfile(seeded_file, db)
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("CLUSTERS_MAPPINGS_FILE", str(tmp_path / "mappings.json"))
    monkeypatch.chdir(tmp_path)
    run = run_cli
    run.url = f"sqlite:///{db}"  # type: ignore[attr-defined]
    return run


def test_export_without_output_writes_the_dated_default_name(cli, tmp_path):
    code, out, _ = cli("export", "--format", "kml")
    assert code == 0
    [written] = list(tmp_path.glob("cum-cong-nghiep-ha-noi_*.kml"))
    assert out.strip() == f"101 → {written.name}"


def test_export_filters_like_the_map(cli, tmp_path):
    target = tmp_path / "ops.geojson"
    code, out, _ = cli(
        "export",
        "--format",
        "geojson",
        "-o",
        str(target),
        "--stage",
        "operating",
        "--district",
        "Thường Tín",
    )
    assert code == 0
    store = open_store(cli.url)
    expected = ClusterFilter(stages=("operating",), districts=("Thường Tín",)).apply(
        store.list_clusters()
    )
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert sorted(f["id"] for f in doc["features"]) == [c.id for c in expected]
    assert 0 < len(expected) < 101
    assert "stages=operating; districts=Thường Tín" in doc["description"]
    assert out.strip() == f"{len(expected)} → {target}"


def test_export_every_format_into_a_folder(cli, tmp_path):
    out_dir = tmp_path / "ra"
    out_dir.mkdir()
    for fmt in ("geojson", "gpkg", "csv", "xlsx", "kml"):
        assert cli("export", "--format", fmt, "-o", str(out_dir), "--all")[0] == 0
    assert sorted(p.suffix for p in out_dir.iterdir()) == [
        ".csv",
        ".geojson",
        ".gpkg",
        ".kml",
        ".xlsx",
    ]
    wb = openpyxl.load_workbook(next(out_dir.glob("*.xlsx")))
    assert wb["Cụm công nghiệp"].max_row == 102


def test_export_rejects_an_unknown_stage(cli):
    code, _, err = cli("export", "--stage", "finished")
    assert code == 1
    assert err.startswith("Lỗi: Giá trị --stage không hợp lệ: finished;")


def test_import_dry_run_reports_and_writes_nothing(cli, tmp_path):
    path = tmp_path / "ds.csv"
    path.write_text(LIST + "CCN Tân Lập,Đã thành lập,Đan Phượng,105.67,21.08\n", encoding="utf-8")
    code, out, err = cli("import", str(path), "--dry-run")
    assert code == 0 and err == ""
    assert "ds.csv: 1 dòng · CRS EPSG:4326 · mới 1, cập nhật 0, không đổi 0, có lỗi 0" in out
    assert open_store(cli.url).count() == 101


def test_import_commits_and_reimport_changes_nothing(cli, tmp_path):
    path = tmp_path / "ds.csv"
    path.write_text(LIST + "CCN Tân Lập,Đã thành lập,Đan Phượng,105.67,21.08\n", encoding="utf-8")
    code, out, _ = cli("import", str(path))
    assert code == 0 and out.strip().endswith("Đã nhập: 1 mới, 0 cập nhật, 0 không đổi.")
    store = open_store(cli.url)
    assert store.count() == 102
    [event] = store.history(limit=1)
    assert (event.kind, event.source, event.actor) == ("import", "ds.csv", "cli")
    exported = tmp_path / "all.gpkg"
    cli("export", "--format", "gpkg", "-o", str(exported), "--all")
    code, out, _ = cli("import", str(exported))
    assert code == 0 and "Đã nhập: 0 mới, 0 cập nhật, 102 không đổi." in out


def test_a_failed_import_exits_non_zero_with_one_line(cli):
    code, out, err = cli("import", str(BAD / "unknown_stage.csv"))
    assert code == 1
    assert "Dòng 2 · stage · lỗi: Giai đoạn «Sắp xong» không có trong danh mục" in out
    assert err == "Lỗi: Không nhập: 1 dòng có lỗi (xem báo cáo). Không có gì được ghi.\n"
    code, _, err = cli("import", str(BAD / "unknown_stage.csv"), "--dry-run")
    assert code == 1 and err == ""
    assert open_store(cli.url).count() == 101


def test_a_file_level_error_is_one_line_in_english_too(cli, monkeypatch):
    monkeypatch.setenv("CLUSTERS_LANG", "en")
    code, out, err = cli("import", str(BAD / "vni.csv"))
    assert code == 1 and out == ""
    assert err == (
        "Error: The file uses the legacy VNI-Windows encoding, not UTF-8. Convert it to Unicode "
        "(e.g. with Unikey's converter) and save it as UTF-8.\n"
    )


def test_import_with_a_chosen_crs_and_a_column_mapping(cli, tmp_path):
    path = tmp_path / "moc.csv"
    path.write_text(
        "Tên gọi;Tình hình;X;Y\nCCN Mốc;Đã thành lập;588350,757;2326400,936\n", encoding="utf-8"
    )
    code, out, _ = cli("import", str(path), "--crs", "EPSG:5897")
    assert code == 1 and "Thiếu trường bắt buộc «Tên cụm»." in out  # the headers are not known
    code, out, _ = cli(
        "import",
        str(path),
        "--crs",
        "EPSG:5897",
        "--column",
        "name=Tên gọi",
        "--column",
        "stage=Tình hình",
    )
    assert code == 0, out
    new = max(open_store(cli.url).list_clusters(), key=lambda c: c.id or 0)
    assert new.name == "CCN Mốc" and new.stage == "established"
    assert (new.geometry.y, new.geometry.x) == pytest.approx((21.02901404, 105.85188267), abs=1e-7)
    # The confirmed mapping is kept in the registry, for the next file of the same shape.
    mapping = open_store(cli.url).column_mapping(signature(["Tên gọi", "Tình hình", "X", "Y"]))
    assert mapping is not None
    assert mapping["name"] == "Tên gọi" and mapping["stage"] == "Tình hình"
    assert not (tmp_path / "mappings.json").exists()


def test_warnings_need_accepting_on_the_command_line(cli):
    code, out, err = cli("import", str(BAD / "area_mismatch.geojson"))
    assert code == 1 and "Thêm --accept-warnings" in out and err.startswith("Lỗi: Có cảnh báo")
    code, out, _ = cli("import", str(BAD / "area_mismatch.geojson"), "--accept-warnings")
    assert code == 0 and "Đã nhập: 1 mới" in out


def test_a_failing_import_prints_no_traceback(cli, tmp_path):
    env = {**os.environ, "CLUSTERS_DATABASE_URL": cli.url}
    proc = subprocess.run(
        [sys.executable, "-m", "clusters", "import", str(BAD / "zip_bomb.zip")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert (
        proc.stderr
        == "Lỗi: Tệp nén giải nén ra quá lớn so với kích thước (nghi là «zip bomb»): không đọc.\n"
    )
    assert proc.stdout == ""


def moves_file(tmp_path: Path, cluster_id: int, stage: str) -> Path:
    store = open_store(f"sqlite:///{tmp_path / 'registry.sqlite'}")
    c = store.get(cluster_id)
    path = tmp_path / "chuyen_giai_doan.csv"
    path.write_text(
        f"Mã,Tên cụm,Giai đoạn,Kinh độ,Vĩ độ\n{c.id},{c.name},{stage},{c.geometry.x},"
        f"{c.geometry.y}\n",
        encoding="utf-8",
    )
    return path


def test_an_imported_stage_move_needs_evidence_and_is_recorded_with_it(cli, tmp_path):
    store = open_store(cli.url)
    established = next(c for c in store.list_clusters() if c.stage == "established")
    path = moves_file(tmp_path, established.id, "Đang hoạt động")
    code, out, _ = cli("import", str(path), "--dry-run")
    assert code == 1
    assert "Dòng 2 · evidence · lỗi: Chuyển giai đoạn tiến cần căn cứ" in out
    code, out, err = cli("import", str(path))
    assert code == 1 and err.startswith("Lỗi: Không nhập: 1 dòng có lỗi")
    assert store.get(established.id).version == established.version

    evidence = "Báo cáo 123/BC-SCT ngày 14/06/2025"
    code, out, _ = cli(
        "import", str(path), "--evidence", evidence, "--effective-date", "01/06/2025"
    )
    assert code == 0, out
    assert "Đã nhập: 0 mới, 1 cập nhật, 0 không đổi." in out
    moved = store.get(established.id)
    assert (moved.stage, moved.stage_evidence, moved.stage_effective_date) == (
        "operating",
        evidence,
        date(2025, 6, 1),
    )
    [event] = store.history(established.id, limit=1)
    assert (event.kind, event.source, event.actor) == ("stage", path.name, "cli")


def test_an_import_backward_move_needs_a_reason_on_the_command_line(cli, tmp_path):
    store = open_store(cli.url)
    operating = next(c for c in store.list_clusters() if c.stage == "operating")
    path = moves_file(tmp_path, operating.id, "Đã thành lập")
    code, out, _ = cli("import", str(path), "--effective-date", "2025-06-01", "--dry-run")
    assert code == 1 and "Dòng 2 · reason · lỗi: Lùi giai đoạn" in out
    code, out, _ = cli(
        "import",
        str(path),
        "--effective-date",
        "2025-06-01",
        "--reason",
        "đính chính theo rà soát",
        "--accept-warnings",
    )
    assert code == 0, out
    [event] = store.history(operating.id, limit=1)
    assert event.kind == "correction" and event.reason.startswith("đính chính theo rà soát")


def test_an_impossible_evidence_date_is_one_line(cli, tmp_path):
    code, out, err = cli(
        "import",
        str(moves_file(tmp_path, 1, "Đang hoạt động")),
        "--evidence",
        "QĐ 1 ngày 31/02/2025",
    )
    assert (code, out) == (1, "")
    assert err == "Lỗi: Ngày «ngày 31/02/2025» trong căn cứ không có thật.\n"


def test_import_refuses_an_oversized_file_before_reading_it(run_cli, tmp_path, monkeypatch):
    big = tmp_path / "big.csv"
    with big.open("wb") as f:
        f.truncate(2 * 1024 * 1024)  # sparse: 2 MB on paper, nothing written
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", f"sqlite:///{tmp_path / 'r.sqlite'}")
    monkeypatch.setenv("CLUSTERS_IMPORT_MAX_MB", "1")
    read = []
    monkeypatch.setattr(type(big), "read_bytes", lambda self: read.append(self) or b"")
    code, _, err = run_cli("import", str(big), "--dry-run")
    assert code == 1 and len(err.splitlines()) == 1
    assert read == []  # the size was refused without loading the file
