"""``clusters restore`` proves a backup before it touches the registry, and never loses it."""

from __future__ import annotations

import errno
import hashlib
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from clusters import clock
from clusters.errors import StorageError
from clusters.store import open_store, restore
from clusters.store import schema as s
from clusters.store.dialects import backup_sqlite
from clusters.store.restore import BackupRejected, check_backup, restore_file
from tests.bad_backups import BAD_BACKUPS

CHANGED = "sửa sau bản sao lưu"

# What each refusal says (Vietnamese), by the check that refused.
SAYS = {
    "damaged": "bị hỏng",
    "newer": f"mới hơn phần mềm này ({s.SCHEMA_VERSION}): hãy nâng cấp phần mềm rồi khôi phục.",
    # A file that says it is older yet is already at this release's migration: inconsistent.
    "older": f"cũ hơn phần mềm này ({s.SCHEMA_VERSION}): cần nâng cấp.",
    "missing_table": "thiếu bảng clusters",
    "foreign": "là cơ sở dữ liệu SQLite nhưng không phải của sổ đăng ký cụm công nghiệp.",
    "not_sqlite": "không phải bản sao lưu của sổ đăng ký cụm công nghiệp.",
    "empty": "là tệp rỗng",
    "triggers": "thiếu trigger giữ cho lịch sử chỉ được ghi thêm: cluster_events_no_delete.",
    "columns": "bảng clusters không đúng lược đồ (thiếu cột: notes; cột lạ: —).",
    "counts": "không nhất quán",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def clusters_in(path: Path) -> list[tuple[int | None, int, str | None]]:
    store = open_store(f"sqlite:///{path}")
    try:
        return [(c.id, c.version, c.notes) for c in store.list_clusters()]
    finally:
        store.close()


@pytest.fixture(scope="session")
def good_backup(seeded_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of the seeded registry by the registry's own backup; copy, never write."""
    target = tmp_path_factory.mktemp("backup") / "backup.sqlite"
    engine = sa.create_engine(f"sqlite:///{seeded_file}")
    backup_sqlite(engine, target)
    engine.dispose()
    return target


@pytest.fixture
def registry(seeded_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The live registry the CLI works on, alone in its folder, changed since the backup."""
    path = tmp_path / "live" / "registry.sqlite"
    path.parent.mkdir()
    shutil.copyfile(seeded_file, path)
    store = open_store(f"sqlite:///{path}")
    store.update(1, {"notes": CHANGED}, based_on=store.get(1).version, actor="test")
    store.close()
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", f"sqlite:///{path}")
    return path


def bad_backup(name: str, good: Path, folder: Path) -> Path:
    build, _ = BAD_BACKUPS[name]
    out = folder / name
    build(good, out)
    return out


# -- the checks ----------------------------------------------------------------------------


def test_a_backup_written_by_the_cli_passes_every_check(registry, run_cli, tmp_path):
    target = tmp_path / "fresh-backup.sqlite"
    assert run_cli("backup", str(target))[0] == 0
    check_backup(target)


def test_a_backup_of_an_empty_registry_passes_every_check(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    target = tmp_path / "backup.sqlite"
    backup_sqlite(store.engine, target)
    store.close()
    check_backup(target)


@pytest.mark.parametrize("name", sorted(BAD_BACKUPS))
def test_check_backup_refuses_each_bad_file_for_its_own_reason(name, good_backup, tmp_path):
    bad = bad_backup(name, good_backup, tmp_path)
    with pytest.raises(BackupRejected) as refused:
        check_backup(bad)
    assert refused.value.code == BAD_BACKUPS[name][1]


# -- restore through the command line ------------------------------------------------------


def test_restore_puts_the_backup_back_and_keeps_the_previous_registry(
    registry, good_backup, run_cli
):
    previous, offered = sha256(registry), sha256(good_backup)
    changed = clusters_in(registry)
    code, out, err = run_cli("restore", str(good_backup))
    assert code == 0, err
    [kept] = [p for p in registry.parent.iterdir() if ".before-restore-" in p.name]
    assert names(registry.parent) == ["registry.sqlite", kept.name]  # no copy, no log left
    assert out.splitlines() == [
        f"sqlite:///{registry} ← {good_backup} (101)",
        f"Sổ đăng ký trước đó được giữ ở «{kept}».",
    ]
    assert sha256(registry) == offered and sha256(good_backup) == offered
    assert sha256(kept) == previous
    restored = clusters_in(registry)
    assert len(restored) == 101 and restored[0][2] != CHANGED
    assert restored[0][1] == changed[0][1] - 1  # the change after the backup is undone
    assert clusters_in(kept) == changed
    check_backup(registry)


def test_restore_says_in_english_where_the_previous_registry_is(
    registry, good_backup, run_cli, monkeypatch
):
    monkeypatch.setenv("CLUSTERS_LANG", "en")
    code, out, _ = run_cli("restore", str(good_backup))
    [kept] = [p for p in registry.parent.iterdir() if ".before-restore-" in p.name]
    assert code == 0 and out.splitlines()[1] == f"The previous registry is kept at '{kept}'."


@pytest.mark.parametrize("name", sorted(BAD_BACKUPS))
def test_restore_of_a_bad_backup_leaves_the_registry_untouched(
    name, registry, good_backup, tmp_path, run_cli
):
    bad = bad_backup(name, good_backup, tmp_path)
    clusters = clusters_in(registry)
    before, listing, offered = sha256(registry), names(registry.parent), sha256(bad)
    code, out, err = run_cli("restore", str(bad))
    assert (code, out) == (1, "")
    assert err.startswith(f"Lỗi: «{bad}»") and err.count("\n") == 1
    assert SAYS[BAD_BACKUPS[name][1]] in err
    assert sha256(registry) == before
    assert names(registry.parent) == listing
    assert clusters_in(registry) == clusters
    assert sha256(bad) == offered


def test_a_refusal_says_why_in_english(registry, good_backup, tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("CLUSTERS_LANG", "en")
    bad = bad_backup("newer_schema.sqlite", good_backup, tmp_path)
    code, _, err = run_cli("restore", str(bad))
    assert code == 1
    assert err == (
        f"Error: '{bad}' has schema version {s.SCHEMA_VERSION + 1}, newer than this software "
        f"({s.SCHEMA_VERSION}): "
        "upgrade the software, then restore.\n"
    )


def test_restore_refuses_while_someone_else_has_the_registry_open(registry, good_backup, run_cli):
    before = sha256(registry)
    other = sqlite3.connect(registry)  # as the web app's connection pool would
    try:
        other.execute("SELECT count(*) FROM clusters").fetchone()
        code, _, err = run_cli("restore", str(good_backup))
    finally:
        other.close()
    assert code == 1 and err.count("\n") == 1
    assert "đang được mở" in err and "hãy dừng ứng dụng web" in err
    assert sha256(registry) == before
    assert names(registry.parent) == ["registry.sqlite"]


def test_the_backup_is_proven_as_a_copy_beside_the_registry(registry, good_backup, monkeypatch):
    """Beside it, so the rename that swaps it in stays on one file system (and is atomic)."""
    proven, seen = restore.check_backup, []

    def recording(path: Path, *, shown: Path | None = None) -> None:
        seen.append((path, shown))
        proven(path, shown=shown)

    monkeypatch.setattr(restore, "check_backup", recording)
    restore_file(good_backup, registry)
    (copy, shown), (reopened, _) = seen
    assert copy.parent == registry.parent and copy not in (registry, good_backup)
    assert shown == good_backup and reopened == registry


# -- the swap, when something goes wrong ---------------------------------------------------


def test_a_crash_between_set_aside_and_swap_leaves_the_old_registry(
    registry, good_backup, monkeypatch
):
    clusters, before = clusters_in(registry), sha256(registry)

    def crash(_src: object, _dst: object) -> None:
        raise OSError(errno.EIO, "simulated crash")

    monkeypatch.setattr(restore.os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        restore_file(good_backup, registry)
    monkeypatch.undo()
    assert sha256(registry) == before
    assert names(registry.parent) == ["registry.sqlite"]  # second name and copy cleared away
    assert clusters_in(registry) == clusters


def test_a_registry_that_does_not_reopen_after_the_swap_is_put_back(
    registry, good_backup, monkeypatch
):
    clusters, before = clusters_in(registry), sha256(registry)
    proven = restore.check_backup

    def fails_on_the_registry(path: Path, *, shown: Path | None = None) -> None:
        if path == registry:
            raise BackupRejected("damaged", "hỏng", "damaged")
        proven(path, shown=shown)

    monkeypatch.setattr(restore, "check_backup", fails_on_the_registry)
    with pytest.raises(StorageError, match="the old one is back"):
        restore_file(good_backup, registry)
    assert sha256(registry) == before
    assert names(registry.parent) == ["registry.sqlite"]
    assert clusters_in(registry) == clusters


KILLED = """
import os, sys
from pathlib import Path
from clusters.store.restore import restore_file

rename = os.replace
def killed(src, dst):
    if sys.argv[3] == "after_swap":
        rename(src, dst)
    os._exit(9)  # no cleanup, no rollback: as a power cut or kill -9
os.replace = killed
restore_file(Path(sys.argv[1]), Path(sys.argv[2]))
"""


@pytest.mark.parametrize("moment", ["before_swap", "after_swap"])
def test_a_restore_killed_at_the_swap_leaves_the_old_or_the_new_registry(
    moment, registry, good_backup
):
    clusters, before = clusters_in(registry), sha256(registry)
    args = [sys.executable, "-c", KILLED, str(good_backup), str(registry), moment]
    assert subprocess.run(args, check=False).returncode == 9
    [kept] = [p for p in registry.parent.iterdir() if ".before-restore-" in p.name]
    assert sha256(kept) == before
    if moment == "before_swap":
        assert sha256(registry) == before and clusters_in(registry) == clusters
    else:
        assert sha256(registry) == sha256(good_backup)
        check_backup(registry)


def test_a_crashed_writers_log_goes_aside_with_the_old_registry_not_onto_the_new(
    registry, good_backup
):
    crashed = f"""
import os
from clusters.store import open_store
store = open_store("sqlite:///{registry}")
c = store.get(2)
store.update(2, {{"notes": "ghi rồi sập"}}, based_on=c.version, actor="test")
os._exit(0)  # the write is committed in the log, never folded into the file
"""
    subprocess.run([sys.executable, "-c", crashed], check=True)
    assert (registry.parent / "registry.sqlite-wal").stat().st_size > 0
    kept = restore_file(good_backup, registry)
    assert kept is not None
    assert names(registry.parent) == ["registry.sqlite", kept.name]
    assert clusters_in(kept)[1][2] == "ghi rồi sập"
    assert clusters_in(registry)[1][2] != "ghi rồi sập"
    check_backup(registry)


def test_without_hard_links_the_previous_registry_is_copied_aside(
    registry, good_backup, monkeypatch
):
    def no_links(_src: object, _dst: object) -> None:
        raise OSError(errno.EPERM, "no hard links here")

    monkeypatch.setattr(restore.os, "link", no_links)
    before = sha256(registry)
    kept = restore_file(good_backup, registry)
    assert kept is not None and sha256(kept) == before
    assert sha256(registry) == sha256(good_backup)


def test_two_restores_in_one_second_keep_both_previous_registries(registry, good_backup):
    with clock.frozen(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)):
        first = restore_file(good_backup, registry)
        second = restore_file(good_backup, registry)
    assert first is not None and second is not None
    assert first.name == "registry.sqlite.before-restore-20260102T030405Z"
    assert second.name == first.name + "-1"
    assert clusters_in(first)[0][2] == CHANGED  # the first keeps the registry as it was


def test_restore_where_there_was_no_registry_keeps_nothing_aside(good_backup, tmp_path):
    target = tmp_path / "new.sqlite"
    assert restore_file(good_backup, target) is None
    assert names(tmp_path) == ["new.sqlite"]
    assert sha256(target) == sha256(good_backup)


# -- backup --------------------------------------------------------------------------------


MISSING_FOLDER = {
    "vi": "Lỗi: Thư mục «{}» không tồn tại.\n",
    "en": "Error: The folder '{}' does not exist.\n",
}


@pytest.mark.parametrize("lang", sorted(MISSING_FOLDER))
def test_backup_into_a_missing_folder_is_a_one_line_error(
    lang, registry, run_cli, tmp_path, monkeypatch
):
    monkeypatch.setenv("CLUSTERS_LANG", lang)
    target = tmp_path / "no" / "such" / "x.sqlite"
    code, out, err = run_cli("backup", str(target))
    assert (code, out, err) == (1, "", MISSING_FOLDER[lang].format(target.parent))
    assert not target.parent.exists()


def test_backup_refuses_an_existing_file_and_leaves_it_alone(registry, good_backup, run_cli):
    before = sha256(good_backup)
    code, _, err = run_cli("backup", str(good_backup))
    assert code == 1 and err == f"Lỗi: «{good_backup}» đã tồn tại; chọn tên khác.\n"
    assert sha256(good_backup) == before


def test_a_backup_that_fails_leaves_no_file(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path}")  # a folder: SQLite cannot open it
    target = tmp_path / "backup.sqlite"
    with pytest.raises(StorageError, match="Cannot write the backup"):
        backup_sqlite(engine, target)
    assert not target.exists()


def test_a_backup_of_release_1_is_upgraded_then_restored(registry, run_cli):
    """A backup made before migrations existed: migrated on the private copy, then proven."""
    old = Path(__file__).parent / "fixtures" / "registry-release-1.sqlite"
    code, _, err = run_cli("restore", str(old))
    assert code == 0, err
    store = open_store(f"sqlite:///{registry}")
    try:
        assert store.count() == 101 and store.get(1).area_ha == 21.5  # the fixture's edit
        assert store.schema_version() == s.SCHEMA_VERSION
    finally:
        store.close()
