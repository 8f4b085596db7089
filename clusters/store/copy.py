"""Moving a registry between databases: SQLite → PostGIS and back (``clusters copy``).

Every table of the registry's schema (``schema.metadata``, so tables added later travel
without a change here) is copied row for row, ids and versions kept, in ONE transaction on the
target: a failure anywhere leaves the target as it was. Skipped, because they must not
travel: ``SKIPPED`` (live sign-in sessions). The target must be a registry at this release's
schema revision (an empty database becomes one first) and hold no data, unless ``replace``.

The geometry travels as the WKB both backends store; PostGIS derives its ``geom`` column from
it and SQLite its R*Tree, each by the target's own generated column or triggers. History
tables are append-only: a copy into an empty target only inserts, which their triggers allow;
``replace`` empties them with the triggers suspended inside the same transaction.

The result is verified before the commit: for every table the rows read back from the target
must count and checksum (``table_checksum``: every column, each value in one canonical form,
rows in a canonical order) exactly as those read from the source. Numbers compare by value:
SQLite keeps a JSON 20.0 (a history value) as 20, PostgreSQL as written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from clusters.errors import StorageError
from clusters.store import migrations, revision
from clusters.store import schema as s
from clusters.store.dialects import Dialect, append_only_triggers

# Tables that do not travel, and why.
SKIPPED: dict[str, tuple[str, str]] = {
    s.sessions.name: (
        "phiên đăng nhập đang mở thuộc về trình duyệt đã đăng nhập vào máy chủ nguồn; "
        "ở nơi mới, mọi người đăng nhập lại",
        "live sign-in sessions belong to the browsers signed in to the source's app; on the "
        "target everyone signs in again (a copied session would let an old cookie in)",
    ),
}
# The revision counter is not compared: the target's may be raised past its old value so
# that app instances already running on the target reload (``revision``).
_UNCOMPARED_ROWS: dict[str, Callable[[sa.Table], sa.ColumnElement[bool]]] = {
    s.meta.name: lambda t: t.c.key != revision.KEY,
}
_BATCH = 500


@dataclass(frozen=True)
class TableCheck:
    """One table's rows and checksum on each side."""

    table: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def ok(self) -> bool:
        return (self.source_rows, self.source_checksum) == (
            self.target_rows,
            self.target_checksum,
        )


def copied_tables() -> list[sa.Table]:
    """The schema's tables that travel, parents before the tables referring to them."""
    return [t for t in s.metadata.sorted_tables if t.name not in SKIPPED]


# --- checksums ---------------------------------------------------------------------------


def _number(value: int | float) -> Any:
    """A number by its value: SQLite keeps a JSON 20.0 as 20, PostgreSQL as written."""
    if isinstance(value, float) and not value.is_integer():
        return {"f": value.hex()}  # exact
    if isinstance(value, float) and abs(value) >= 2**63:
        return {"f": value.hex()}
    return {"i": int(value)}


def _json(value: Any) -> Any:
    """A JSON document with its numbers canonical (``_number``)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    raise TypeError(f"cannot checksum a {type(value).__name__} in JSON")


def _canonical(value: Any) -> Any:
    """A value in one form whatever the engine returned it as (JSON-encodable)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return {"b": bytes(value).hex()}
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # stored as UTC
        return {"t": aware.astimezone(UTC).isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, list | dict):
        return {"j": json.dumps(_json(value), sort_keys=True, ensure_ascii=False)}
    raise TypeError(f"cannot checksum a {type(value).__name__}")


def _row_text(row: Sequence[Any]) -> str:
    return json.dumps([_canonical(v) for v in row], ensure_ascii=False, separators=(",", ":"))


def checksum(rows: Iterable[Sequence[Any]]) -> tuple[int, str]:
    """(count, SHA-256) of rows in canonical form, sorted, so that the engines' different
    collations and physical orders do not matter."""
    lines = sorted(_row_text(r) for r in rows)
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return len(lines), digest.hexdigest()


def _compared(table: sa.Table) -> sa.Select[Any]:
    query = sa.select(*table.columns)
    where = _UNCOMPARED_ROWS.get(table.name)
    return query.where(where(table)) if where is not None else query


def table_checksum(conn: Connection, table: sa.Table) -> tuple[int, str]:
    """(rows, checksum) of a table as this connection sees it."""
    return checksum(conn.execute(_compared(table)).all())


# --- opening both sides ------------------------------------------------------------------


def _say(url: str) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


def _open_source(url: str) -> tuple[Engine, Dialect]:
    from clusters.store import connect

    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (
        parsed.database and Path(parsed.database).is_file()
    ):
        raise StorageError(
            f"Không có sổ đăng ký ở nguồn «{_say(url)}».",
            f"There is no registry at the source '{_say(url)}'.",
        )
    engine, dialect = connect(url)
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(s.meta.name):
            engine.dispose()
            raise StorageError(
                f"Không có sổ đăng ký ở nguồn «{_say(url)}».",
                f"There is no registry at the source '{_say(url)}'.",
            )
        _at_head(conn, url, "nguồn", "source", engine)
    return engine, dialect


def _at_head(conn: Connection, url: str, vi: str, en: str, engine: Engine) -> None:
    found, wanted = migrations.current(conn), migrations.head()
    if found != wanted:
        engine.dispose()
        raise StorageError(
            f"Sổ đăng ký {vi} «{_say(url)}» ở phiên bản lược đồ «{found}», không phải «{wanted}» "
            f"của phần mềm này: nâng cấp trước bằng CLUSTERS_DATABASE_URL=… clusters migrate.",
            f"The {en} registry '{_say(url)}' is at schema revision '{found}', not this "
            f"release's '{wanted}': upgrade it first with CLUSTERS_DATABASE_URL=… clusters "
            "migrate.",
        )


def _open_target(url: str) -> tuple[Engine, Dialect]:
    """The target, created as an empty registry when it holds none; refused when its schema
    is at another revision."""
    from clusters.store import cannot_open, connect
    from clusters.store.sql import SqlStore

    engine, dialect = connect(url)
    try:
        with engine.connect() as conn:
            if sa.inspect(conn).has_table(s.meta.name):
                _at_head(conn, url, "đích", "target", engine)
        SqlStore(engine, dialect)  # creates the schema (at head) when there is none
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise cannot_open(exc) from exc
    return engine, dialect


# --- writing the target ------------------------------------------------------------------


def _has_data(conn: Connection) -> list[str]:
    """The copied tables (besides registry_meta) that hold rows."""
    return [
        t.name
        for t in copied_tables()
        if t is not s.meta
        and conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first()
    ]


def _empty(conn: Connection, dialect: Dialect) -> None:
    """Delete every copied table's rows, history included (``replace``): the append-only
    triggers are suspended inside this transaction only."""
    postgres = dialect.name == "postgresql"
    triggers = list(append_only_triggers())
    if postgres:
        for name in s.APPEND_ONLY:
            conn.exec_driver_sql(f"ALTER TABLE {name} DISABLE TRIGGER USER")
    else:
        for trigger in triggers:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger.name}")
    for table in reversed(copied_tables()):
        conn.execute(sa.delete(table))
    if postgres:
        for name in s.APPEND_ONLY:
            conn.exec_driver_sql(f"ALTER TABLE {name} ENABLE TRIGGER USER")
    else:
        for trigger in triggers:
            conn.exec_driver_sql(trigger.ddl)


def _parents_first(table: sa.Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows ordered so that a row referring to another row of its own table (a cluster's
    parent) comes after it."""
    links = [
        (fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table
    ]
    if not links:
        return rows
    done: set[tuple[str, Any]] = set()
    ordered: list[dict[str, Any]] = []
    waiting = rows
    while waiting:
        left = []
        for row in waiting:
            needs = [(col, row[ref]) for ref, col in links if row[ref] is not None]
            if all(n in done for n in needs):
                ordered.append(row)
                done.update((col, row[col]) for _, col in links)
            else:
                left.append(row)
        if len(left) == len(waiting):  # a reference to a missing row: let the database say
            ordered += left
            break
        waiting = left
    return ordered


def _insert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _BATCH):
        conn.execute(sa.insert(table), rows[start : start + _BATCH])


def _write_meta(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """registry_meta as the source has it; the revision counter raised past the target's old
    one, so an app instance already running on the target reloads."""
    before = revision.read(conn)
    conn.execute(sa.delete(s.meta))
    rows = [dict(r) for r in rows]
    for row in rows:
        if row["key"] == revision.KEY:
            row["value"] = str(max(int(row["value"]), before + 1))
    _insert(conn, s.meta, rows)


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: each id sequence past the highest id copied (never moved back)."""
    for table in copied_tables():
        key = table.autoincrement_column
        if key is None:
            continue
        column = key.name
        sequence = conn.execute(
            sa.select(sa.func.pg_get_serial_sequence(table.name, column))
        ).scalar()
        if sequence is None:
            continue
        highest = conn.execute(sa.select(sa.func.max(table.c[column]))).scalar()
        if highest is None:
            continue
        conn.execute(
            sa.text(
                "SELECT setval(CAST(:seq AS regclass), GREATEST(:highest, "
                "COALESCE((SELECT last_value FROM pg_sequences "
                "WHERE format('%I.%I', schemaname, sequencename)::regclass "
                "= CAST(:seq AS regclass)), 0)))"
            ),
            {"seq": sequence, "highest": highest},
        )


# --- the copy ------------------------------------------------------------------------------

# Called after each table is written (tests use it to fail half-way).
AfterTable = Callable[[str], None]


def _source_rows(conn: Connection) -> Iterator[tuple[sa.Table, list[dict[str, Any]]]]:
    for table in copied_tables():
        order = list(table.primary_key.columns) or list(table.columns)
        rows = [
            dict(r) for r in conn.execute(sa.select(*table.columns).order_by(*order)).mappings()
        ]
        yield table, rows


def copy_registry(
    source_url: str,
    target_url: str,
    *,
    replace: bool = False,
    after_table: AfterTable | None = None,
) -> list[TableCheck]:
    """Copy the registry at ``source_url`` into ``target_url`` in one transaction on the
    target; returns each table's counts and checksums (all equal, or nothing was written)."""
    if sa.make_url(source_url) == sa.make_url(target_url):
        raise StorageError(
            "Nguồn và đích là cùng một cơ sở dữ liệu.",
            "The source and the target are the same database.",
        )
    source, _ = _open_source(source_url)
    try:
        target, target_dialect = _open_target(target_url)
    except BaseException:
        source.dispose()
        raise
    try:
        return _copy(source, target, target_dialect, replace, after_table, target_url)
    finally:
        source.dispose()
        target.dispose()


def _copy(
    source: Engine,
    target: Engine,
    dialect: Dialect,
    replace: bool,
    after_table: AfterTable | None,
    target_url: str,
) -> list[TableCheck]:
    # The source is read in one transaction (one consistent snapshot); PostgreSQL needs
    # REPEATABLE READ for that, SQLite's read transaction gives it.
    options = {"isolation_level": "REPEATABLE READ"} if source.dialect.name == "postgresql" else {}
    checks: list[TableCheck] = []
    with (
        source.connect().execution_options(**options) as read,
        read.begin(),
        dialect.write_connection(target) as write,
        write.begin(),
    ):
        found = _has_data(write)
        if found and not replace:
            raise StorageError(
                f"Đích «{_say(target_url)}» đã có dữ liệu ({', '.join(found)}); thêm "
                "--replace để thay toàn bộ (nên sao lưu trước).",
                f"The target '{_say(target_url)}' holds data already ({', '.join(found)}); "
                "add --replace to replace all of it (back it up first).",
            )
        if found:
            _empty(write, dialect)
        for table, rows in _source_rows(read):
            if table is s.meta:
                _write_meta(write, rows)
            else:
                _insert(write, table, _parents_first(table, rows))
            if after_table is not None:
                after_table(table.name)
        if dialect.name == "postgresql":
            _reset_sequences(write)
        for table in copied_tables():
            source_rows, source_sum = table_checksum(read, table)
            target_rows, target_sum = table_checksum(write, table)
            checks.append(TableCheck(table.name, source_rows, target_rows, source_sum, target_sum))
        bad = [c.table for c in checks if not c.ok]
        if bad:
            raise CopyMismatch(bad, checks)
    return checks


class CopyMismatch(StorageError):
    """The target did not read back as the source: rolled back, nothing written."""

    def __init__(self, tables: list[str], checks: list[TableCheck]) -> None:
        listed = ", ".join(tables)
        super().__init__(
            f"Bản sao khác nguồn ở bảng {listed}; đã hủy, đích không thay đổi.",
            f"The copy differs from the source in {listed}; rolled back, the target is unchanged.",
        )
        self.checks = checks


def verify(source_url: str, target_url: str) -> list[TableCheck]:
    """Counts and checksums of every copied table on both sides, nothing written."""
    from clusters.store import connect

    source, _ = connect(source_url)
    target, _ = connect(target_url)
    try:
        checks = []
        with source.connect() as a, target.connect() as b:
            for table in copied_tables():
                a_rows, a_sum = table_checksum(a, table)
                b_rows, b_sum = table_checksum(b, table)
                checks.append(TableCheck(table.name, a_rows, b_rows, a_sum, b_sum))
        return checks
    finally:
        source.dispose()
        target.dispose()
