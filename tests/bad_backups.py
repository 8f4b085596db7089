"""Files a restore must refuse, built at test time (no binary files in the repository).

Each builder writes ``out``; those that spoil a real backup start from ``good``, one written
by ``clusters backup``. ``BAD_BACKUPS`` maps a file name to its builder and the check that must
refuse it (``BackupRejected.code``).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import shapely

from clusters.store import schema as s

Builder = Callable[[Path, Path], None]


def _page_size(db: Path) -> int:
    size = int.from_bytes(db.read_bytes()[16:18], "big")
    return 65536 if size == 1 else size  # the header's way of writing 64 KiB


def zeroed_page(good: Path, out: Path) -> None:
    """One page in the middle of the file overwritten with zeros (a bad disk sector)."""
    data = bytearray(good.read_bytes())
    page = _page_size(good)
    middle = (len(data) // page // 2) * page
    data[middle : middle + page] = bytes(page)
    out.write_bytes(bytes(data))


def zeroed_index_page(good: Path, out: Path) -> None:
    """The page of an index no query of the restore reads zeroed: only a full integrity
    check finds it, while the registry would later return wrong map extents."""
    conn = sqlite3.connect(good)
    try:
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND name = ?",
            ("ix_clusters_bbox_x",),
        ).fetchone()
    finally:
        conn.close()
    data = bytearray(good.read_bytes())
    page = _page_size(good)
    start = (root - 1) * page  # pages are numbered from 1
    data[start : start + page] = bytes(page)
    out.write_bytes(bytes(data))


def truncated(good: Path, out: Path) -> None:
    """The first half of the file (a copy cut short)."""
    data = good.read_bytes()
    out.write_bytes(data[: len(data) // 2])


def _edited(good: Path, out: Path, sql: str, params: tuple[str, ...] = ()) -> None:
    """A copy of ``good`` changed by one statement, behind the registry's back."""
    shutil.copyfile(good, out)
    conn = sqlite3.connect(out)  # foreign keys are off, as in any tool but the registry
    try:
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()  # the last connection folds the write-ahead log into the file


def with_schema_version(version: int) -> Builder:
    def build(good: Path, out: Path) -> None:
        _edited(
            good,
            out,
            "UPDATE registry_meta SET value = ? WHERE key = 'schema_version'",
            (str(version),),
        )

    return build


def meta_only(_good: Path, out: Path) -> None:
    """A forged file: just the registry's meta table with its application id and version."""
    conn = sqlite3.connect(out)
    try:
        conn.execute("CREATE TABLE registry_meta (key VARCHAR(64) PRIMARY KEY, value TEXT)")
        conn.executemany(
            "INSERT INTO registry_meta VALUES (?, ?)",
            [("schema_version", str(s.SCHEMA_VERSION)), ("application_id", s.APPLICATION_ID)],
        )
        conn.commit()
    finally:
        conn.close()


def foreign_sqlite(_good: Path, out: Path) -> None:
    """Some other application's database."""
    conn = sqlite3.connect(out)
    try:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT, body TEXT)")
        conn.execute("INSERT INTO notes (title, body) VALUES (?, ?)", ("họp", "thứ hai"))
        conn.commit()
    finally:
        conn.close()


def geopackage(_good: Path, out: Path) -> None:
    """A GeoPackage (also SQLite) as geopandas writes it through pyogrio."""
    frame = gpd.GeoDataFrame(
        {"name": ["CCN Liên Phương"]}, geometry=[shapely.Point(105.9, 20.9)], crs="EPSG:4326"
    )
    frame.to_file(out, driver="GPKG", engine="pyogrio")


def plain_text(_good: Path, out: Path) -> None:
    out.write_text("Danh sách cụm công nghiệp\n", encoding="utf-8")


def empty(_good: Path, out: Path) -> None:
    out.write_bytes(b"")


def without_trigger(good: Path, out: Path) -> None:
    """History no longer append-only: one trigger dropped."""
    _edited(good, out, "DROP TRIGGER cluster_events_no_delete")


def without_column(good: Path, out: Path) -> None:
    _edited(good, out, "ALTER TABLE clusters DROP COLUMN notes")


def cluster_without_history(good: Path, out: Path) -> None:
    """A cluster changed behind the registry's back: a version history does not record."""
    _edited(good, out, "UPDATE clusters SET version = version + 1 WHERE id = 1")


def history_without_cluster(good: Path, out: Path) -> None:
    """A cluster row removed while its history stays."""
    _edited(good, out, "DELETE FROM clusters WHERE id = 1")


BAD_BACKUPS: dict[str, tuple[Builder, str]] = {
    "zeroed_page.sqlite": (zeroed_page, "damaged"),
    "zeroed_index_page.sqlite": (zeroed_index_page, "damaged"),
    "truncated.sqlite": (truncated, "damaged"),
    "newer_schema.sqlite": (with_schema_version(s.SCHEMA_VERSION + 1), "newer"),
    "older_schema.sqlite": (with_schema_version(s.SCHEMA_VERSION - 1), "older"),
    "meta_only.sqlite": (meta_only, "missing_table"),
    "foreign.sqlite": (foreign_sqlite, "foreign"),
    "clusters.gpkg": (geopackage, "foreign"),
    "notes.txt": (plain_text, "not_sqlite"),
    "empty.sqlite": (empty, "empty"),
    "without_trigger.sqlite": (without_trigger, "triggers"),
    "without_column.sqlite": (without_column, "columns"),
    "cluster_without_history.sqlite": (cluster_without_history, "counts"),
    "history_without_cluster.sqlite": (history_without_cluster, "counts"),
}
