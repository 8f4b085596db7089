"""Restoring a SQLite backup without ever losing the registry.

The offered file is copied next to the registry and the copy is proven (a SQLite database,
intact, this release's schema, the history's triggers, counts that agree) before anything
else is touched. Only then is the registry kept aside under a new name and the proven copy
renamed over it: the registry's path holds the old file or the new one at every instant, so a
restore killed at any point leaves one of them, never a half file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from itertools import count
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from clusters import clock
from clusters.errors import StorageError
from clusters.store import schema as s
from clusters.store.dialects import append_only_triggers
from clusters.texts import plural

SQLITE_MAGIC = b"SQLite format 3\x00"
# Files SQLite keeps beside a database; a stale one would be replayed onto the restored file.
SIDECARS = ("-wal", "-shm", "-journal")
# Tables a registry may lack: the account store adds them when it first opens a registry, so
# one made before they existed (schema 1 still) gains them only once accounts are used.
_OPTIONAL = {t.name for t in s.ACCOUNT_TABLES}


class BackupRejected(StorageError):
    """The offered file is not a sound backup of this registry; nothing was changed.

    ``code`` names the check that failed, so callers and tests can tell the reasons apart.
    """

    def __init__(self, code: str, vi: str, en: str) -> None:
        super().__init__(vi, en)
        self.code = code


class RegistryInUse(StorageError):
    pass


def restore_file(source: Path, target: Path) -> Path | None:
    """Replace the registry file ``target`` with the backup ``source`` once it is proven.

    Returns where the previous registry was kept, or None when ``target`` did not exist.
    """
    candidate = _private_copy(source, target)
    try:
        try:
            check_backup(candidate, shown=source)
        except BackupRejected as exc:
            if exc.code != "older":
                raise
            # A backup made by an earlier release: upgrade the private copy with the same
            # migrations as 'clusters migrate', then prove it as this release's.
            _upgrade(candidate)
            check_backup(candidate, shown=source)
        return _swap(candidate, target)
    finally:
        candidate.unlink(missing_ok=True)  # gone already once renamed into place


def check_backup(path: Path, *, shown: Path | None = None) -> None:
    """Raise ``BackupRejected`` unless ``path`` is a sound backup of this registry.

    ``shown`` is the name used in messages (the user's file rather than a private copy).
    """
    name = shown or path
    _check_header(path, name)
    engine = sa.create_engine(sa.URL.create("sqlite", database=str(path)), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA query_only = ON")  # proving must not change the file
            _check_intact(conn, name)
            _check_registry(conn, name)
            _check_tables(conn, name)
            _check_triggers(conn, name)
            _check_counts(conn, name)
    except sa.exc.DBAPIError as exc:
        raise _damaged(name, str(exc.orig)) from exc
    finally:
        engine.dispose()


def _upgrade(candidate: Path) -> None:
    from clusters.store import migrate

    migrate(f"sqlite:///{candidate}")


def _private_copy(source: Path, target: Path) -> Path:
    """A copy of ``source`` beside ``target``: checked there, then renamed over it (a rename
    is atomic only within one file system), while the user's file is never opened by SQLite."""
    copy = None
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.restore-")
        copy = Path(name)
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out)
            out.flush()
            os.fsync(out.fileno())  # the copy must be on disk before it replaces anything
    except OSError as exc:
        if copy is not None:
            copy.unlink(missing_ok=True)
        why = exc.strerror or exc
        raise StorageError(
            f"Không chép được «{source}» vào «{target.parent}»: {why}.",
            f"Cannot copy '{source}' into '{target.parent}': {why}.",
        ) from exc
    return copy


# -- the checks, in the order a user would want to hear about them ------------------------


def _check_header(path: Path, name: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if not head:
        raise BackupRejected(
            "empty",
            f"«{name}» là tệp rỗng, không phải bản sao lưu của sổ đăng ký cụm công nghiệp.",
            f"'{name}' is an empty file, not a backup of the cluster registry.",
        )
    if head != SQLITE_MAGIC:
        raise BackupRejected(
            "not_sqlite",
            f"«{name}» không phải bản sao lưu của sổ đăng ký cụm công nghiệp.",
            f"'{name}' is not a backup of the cluster registry.",
        )


def _damaged(name: Path, why: str) -> BackupRejected:
    return BackupRejected(
        "damaged",
        f"«{name}» bị hỏng ({why}); hãy dùng một bản sao lưu khác.",
        f"'{name}' is damaged ({why}); use another backup.",
    )


def _check_intact(conn: Connection, name: Path) -> None:
    found = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
    if found != ["ok"]:
        first = " ".join(found[0].split())  # SQLite may spread one finding over lines
        raise _damaged(name, f"integrity_check: {first}")


def _check_registry(conn: Connection, name: Path) -> None:
    meta = {}
    if sa.inspect(conn).has_table(s.meta.name):
        meta = {k: v for k, v in conn.execute(sa.select(s.meta.c.key, s.meta.c.value))}
    if meta.get("application_id") != s.APPLICATION_ID:
        raise BackupRejected(
            "foreign",
            f"«{name}» là cơ sở dữ liệu SQLite nhưng không phải của sổ đăng ký cụm công nghiệp.",
            f"'{name}' is a SQLite database, but not one of the cluster registry.",
        )
    raw = str(meta.get("schema_version", ""))  # SQLite would let a forged file hold a number
    version = int(raw) if raw.isdigit() else None
    if version is None:
        raise BackupRejected(
            "no_version",
            f"«{name}» không ghi phiên bản lược đồ hợp lệ ({raw!r}).",
            f"'{name}' records no valid schema version ({raw!r}).",
        )
    if version > s.SCHEMA_VERSION:
        raise BackupRejected(
            "newer",
            f"«{name}» có lược đồ phiên bản {version}, mới hơn phần mềm này "
            f"({s.SCHEMA_VERSION}): hãy nâng cấp phần mềm rồi khôi phục.",
            f"'{name}' has schema version {version}, newer than this software "
            f"({s.SCHEMA_VERSION}): upgrade the software, then restore.",
        )
    if version < s.SCHEMA_VERSION:
        raise BackupRejected(
            "older",
            f"«{name}» có lược đồ phiên bản {version}, cũ hơn phần mềm này "
            f"({s.SCHEMA_VERSION}): cần nâng cấp.",
            f"'{name}' has schema version {version}, older than this software "
            f"({s.SCHEMA_VERSION}): it needs an upgrade.",
        )


def _check_tables(conn: Connection, name: Path) -> None:
    inspector = sa.inspect(conn)
    present = set(inspector.get_table_names())
    missing = [t.name for t in s.metadata.sorted_tables if t.name not in present | _OPTIONAL]
    if missing:
        raise BackupRejected(
            "missing_table",
            f"«{name}» thiếu bảng {', '.join(missing)} của sổ đăng ký.",
            f"'{name}' lacks the registry's {plural(len(missing), 'table')} {', '.join(missing)}.",
        )
    for table in s.metadata.sorted_tables:
        if table.name not in present:
            continue
        found = {c["name"] for c in inspector.get_columns(table.name)}
        expected = {c.name for c in table.columns}
        if found != expected:
            lacking = ", ".join(sorted(expected - found)) or "—"
            extra = ", ".join(sorted(found - expected)) or "—"
            raise BackupRejected(
                "columns",
                f"«{name}»: bảng {table.name} không đúng lược đồ (thiếu cột: {lacking}; "
                f"cột lạ: {extra}).",
                f"'{name}': table {table.name} does not match the schema (missing columns: "
                f"{lacking}; unknown columns: {extra}).",
            )


def _check_triggers(conn: Connection, name: Path) -> None:
    sql = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
    stored: dict[str, str] = {trigger: ddl for trigger, ddl in conn.exec_driver_sql(sql)}
    # The account tables may postdate the registry, and then lack their trigger.
    wanted = [t for t in append_only_triggers() if t.table not in _OPTIONAL]
    wrong = [t.name for t in wanted if stored.get(t.name) != t.ddl]
    if wrong:
        raise BackupRejected(
            "triggers",
            f"«{name}» thiếu trigger giữ cho lịch sử chỉ được ghi thêm: {', '.join(wrong)}.",
            f"'{name}' lacks the {plural(len(wrong), 'trigger that keeps', 'triggers that keep')} "
            f"history append-only: {', '.join(wrong)}.",
        )


def _check_counts(conn: Connection, name: Path) -> None:
    """History is append-only and every write adds an event, so in a real backup each cluster
    has an event at its current version and as many clusters exist as history created."""
    c, e = s.clusters.c, s.events.c
    clusters = conn.execute(sa.select(sa.func.count()).select_from(s.clusters)).scalar_one()
    created = conn.execute(
        sa.select(sa.func.count(sa.distinct(e.cluster_id))).where(e.version == 1)
    ).scalar_one()
    unrecorded = conn.execute(
        sa.select(sa.func.count())
        .select_from(s.clusters)
        .where(~sa.exists().where(e.cluster_id == c.id, e.version == c.version))
    ).scalar_one()
    dangling = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if clusters != created or unrecorded or dangling:
        raise BackupRejected(
            "counts",
            f"«{name}» không nhất quán: {clusters} cụm, lịch sử ghi {created} cụm được tạo, "
            f"{unrecorded} cụm không có lịch sử đến phiên bản hiện tại, "
            f"{len(dangling)} dòng trỏ tới dòng không tồn tại.",
            f"'{name}' is inconsistent: {clusters} {plural(clusters, 'cluster')}, history "
            f"records {created} created, {unrecorded} without history up to their current "
            f"version, {len(dangling)} {plural(len(dangling), 'row')} pointing at missing rows.",
        )


# -- the swap ------------------------------------------------------------------------------


def _swap(candidate: Path, target: Path) -> Path | None:
    kept = None
    if target.exists():
        _settle(target)
        kept = _set_aside(target)
    swapped = False
    try:
        os.replace(candidate, target)
        swapped = True
        _sync_folder(target.parent)
        check_backup(target)
    except BaseException as exc:
        if not swapped:
            if kept is not None:
                kept.unlink()  # the registry never left its name; this was only a second one
        elif kept is not None:
            os.replace(kept, target)
            _sync_folder(target.parent)
        else:
            target.unlink()  # there was no registry before; leave none rather than this
        if isinstance(exc, BackupRejected):
            raise StorageError(
                f"«{target}» không mở lại được sau khi thay ({exc.vi}); đã đặt lại sổ cũ.",
                f"'{target}' did not reopen after the swap ({exc.en}); the old one is back.",
            ) from exc
        raise
    return kept


def _settle(target: Path) -> None:
    """Fold the registry's write-ahead log into its file, so the file kept aside is whole and
    no log is left to be replayed onto the restored file. SQLite removes the log when its last
    connection closes: if it stays, someone else (the web app) still has the registry open."""
    try:
        conn = sqlite3.connect(target)
        try:
            # Reading first rolls back a crashed writer's journal, which would else stay.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        busy = 0  # a damaged registry is what a restore mends; it is kept aside as it is
    left = [str(p) for p in _sidecars(target) if p.exists()]
    if busy or left:
        raise RegistryInUse(
            f"Sổ đăng ký «{target}» đang được mở ({', '.join(left) or 'bận'}): hãy dừng ứng "
            "dụng web rồi khôi phục lại. Chưa có gì bị thay đổi.",
            f"The registry '{target}' is in use ({', '.join(left) or 'busy'}): stop the web "
            "app, then restore again. Nothing was changed.",
        )


def _sidecars(db: Path) -> list[Path]:
    return [db.with_name(db.name + suffix) for suffix in SIDECARS]


def _set_aside(target: Path) -> Path:
    """A second name for the registry file, under which it stays once the backup replaces it."""
    stamp = clock.now_utc().strftime("%Y%m%dT%H%M%SZ")
    names = (f"{target.name}.before-restore-{stamp}{f'-{n}' if n else ''}" for n in count())
    while True:
        kept = target.with_name(next(names))
        try:
            _keep(target, kept)
        except FileExistsError:
            continue  # a restore earlier in the same second
        _sync_folder(target.parent)
        return kept


def _keep(target: Path, kept: Path) -> None:
    try:
        os.link(target, kept)  # no copying, and the registry's own name never goes away
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links (FAT on a USB stick)
        with target.open("rb") as src, kept.open("xb") as out:
            shutil.copyfileobj(src, out)
            out.flush()
            os.fsync(out.fileno())


def _sync_folder(folder: Path) -> None:
    """Make a rename durable: on POSIX it is recorded in the folder, which has its own fsync."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
