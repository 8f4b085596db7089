"""Schema migrations (Alembic), the same on SQLite and PostGIS.

A new registry is created from the current schema (``schema.metadata``) and stamped with the
newest revision; an existing one is upgraded by ``clusters migrate`` (``upgrade``). A
registry written before migrations existed (release 1: ``registry_meta.schema_version`` 1 and
no ``alembic_version`` table) counts as revision ``0001``. Every other command refuses a
registry that is not at the newest revision, with one line saying what to run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from clusters.errors import StorageError
from clusters.store.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).resolve().parent
RELEASE_1 = "0001"  # the schema release 1 created, before Alembic
# The newest revision, as this release's schema names it (a test keeps it equal to Alembic's
# head): opening an up-to-date registry reads its stamp with one query and imports no Alembic
# (0.13 s of every command's start-up).
HEAD = f"{SCHEMA_VERSION:04d}"


def _config(conn: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = conn
    return cfg


def head() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(_config()).get_heads()
    assert len(heads) == 1, f"one line of migrations expected, found {heads}"
    return heads[0]


def known() -> set[str]:
    from alembic.script import ScriptDirectory

    return {r.revision for r in ScriptDirectory.from_config(_config()).walk_revisions()}


def current(conn: Connection) -> str:
    """The registry's revision; release 1's registries (no Alembic table) are ``0001``."""
    from alembic.runtime.migration import MigrationContext

    revision = MigrationContext.configure(conn).get_current_revision()
    return revision or RELEASE_1


def stamp_head(conn: Connection) -> None:
    """Record a registry created from the current schema as being at the newest revision."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    MigrationContext.configure(conn).stamp(ScriptDirectory.from_config(_config()), head())


def _stamp(conn: Connection) -> str | None:
    """The revision Alembic stamped, read with one plain query; None without its table."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def check_up_to_date(conn: Connection) -> None:
    if _stamp(conn) == HEAD:
        return
    found = current(conn)
    if found == head():
        return
    if found not in known():
        raise StorageError(
            f"Cơ sở dữ liệu ở phiên bản lược đồ «{found}», mới hơn phần mềm này: "
            "hãy nâng cấp phần mềm.",
            f"The database is at schema revision '{found}', newer than this software: "
            "upgrade the software.",
        )
    raise OutOfDate(found)


class OutOfDate(StorageError):
    def __init__(self, found: str) -> None:
        super().__init__(
            f"Sổ đăng ký ở phiên bản lược đồ cũ «{found}»: hãy chạy «clusters migrate» "
            "(nên sao lưu trước: «clusters backup TỆP»).",
            f"The registry is at an older schema revision '{found}': run 'clusters migrate' "
            "(back it up first: 'clusters backup FILE').",
        )
        self.found = found


def _driver(conn: Connection) -> Any:
    raw = conn.connection.driver_connection
    assert raw is not None  # an open connection always has its driver's
    return raw


def upgrade(engine: Engine) -> tuple[str, str]:
    """Upgrade the registry to the newest revision in one transaction; returns (from, to).
    A failure rolls everything back and says so."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # Rebuilding a table (SQLite's way to add a CHECK) needs foreign keys off, which
            # SQLite allows only outside a transaction: before SQLAlchemy begins one.
            _driver(conn).execute("PRAGMA foreign_keys = OFF")
        conn.execution_options(write=True)  # SQLite: take the write lock at BEGIN
        try:
            before = current(conn)
            if before not in known():
                check_up_to_date(conn)  # raises: newer than this software
            from alembic import command

            command.upgrade(_config(conn), "head")
            after = current(conn)
            conn.commit()
        except sa.exc.DBAPIError as exc:
            conn.rollback()
            why = str(exc.orig).strip().splitlines()[0]
            raise StorageError(
                f"Không nâng cấp được sổ đăng ký ({why}); chưa có gì thay đổi.",
                f"Cannot upgrade the registry ({why}); nothing was changed.",
            ) from exc
        finally:
            if sqlite:
                conn.rollback()  # nothing open, so the pragma below takes effect
                _driver(conn).execute("PRAGMA foreign_keys = ON")
        return before, after
