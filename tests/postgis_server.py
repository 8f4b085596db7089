"""A throwaway PostgreSQL 15 + PostGIS server for tests and benchmarks.

Registered as a pytest plugin by tests/conftest.py. ``postgis_server`` starts one server per
test session (per xdist worker); ``postgis_url`` gives each test a fresh, empty place for a
registry: its own schema in a database that already holds the PostGIS extension.

``initdb`` refuses to run as root and CI runs as root, so as root the server runs as the
``postgres`` system user, in a temporary folder that user owns.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("CLUSTERS_PG_BIN", "/usr/lib/postgresql/15/bin"))
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
TEMPLATE_DB = "registry_template"
SHARED_DB = "registry_tests"
# The server runs in Hanoi's time zone so that tests prove the store writes and reads UTC.
SERVER_TIMEZONE = "Asia/Ho_Chi_Minh"


class PostgisUnavailable(RuntimeError):
    """The binaries, PostGIS or a user to run the server as are missing."""


def missing_requirement() -> str | None:
    """Why a server cannot be started here, or None when it can."""
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / tool).exists():
            return f"PostgreSQL 15 binaries not found in {PG_BIN} (apt: postgresql-15)"
    if not POSTGIS_CONTROL.exists():
        return f"PostGIS not installed ({POSTGIS_CONTROL} missing; apt: postgresql-15-postgis-3)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TempPostgis:
    """One PostgreSQL server in a temporary folder, listening on 127.0.0.1 only."""

    def __init__(self) -> None:
        reason = missing_requirement()
        if reason:
            raise PostgisUnavailable(reason)
        self.run_as = "postgres" if os.geteuid() == 0 else None
        self.root = Path(tempfile.mkdtemp(prefix="clusters-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self._names = itertools.count(1)
        if self.run_as:
            user = pwd.getpwnam(self.run_as)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.user = self.run_as or pwd.getpwuid(os.geteuid()).pw_name

    def _run(self, *args: str | Path) -> None:
        cmd = [str(a) for a in args]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=self.root)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            tool = Path(args[0]).name
            raise PostgisUnavailable(
                f"{tool} failed ({done.returncode}): {done.stderr.strip()}\n{log}"
            )

    def start(self) -> TempPostgis:
        self._run(
            PG_BIN / "initdb",
            "-D",
            str(self.data),
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--username",
            self.user,
            "--no-sync",
        )
        settings = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.root),
            "timezone": SERVER_TIMEZONE,
            # A throwaway server: durability is not wanted, speed is.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
        }
        options = " ".join(f"-c {k}={v}" for k, v in settings.items())
        for _attempt in range(3):  # another process may take the free port first
            self.port = _free_port()
            try:
                self._run(
                    PG_BIN / "pg_ctl",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-w",
                    "-t",
                    "30",
                    "-o",
                    f"-p {self.port} {options}",
                    "start",
                )
                break
            except PostgisUnavailable:
                if "already in use" not in self.log.read_text(errors="replace"):
                    raise
        else:
            raise PostgisUnavailable("no free port for PostgreSQL")
        self._admin(f"CREATE DATABASE {TEMPLATE_DB}")
        self._admin("CREATE EXTENSION IF NOT EXISTS postgis", database=TEMPLATE_DB)
        self._admin(f"CREATE DATABASE {SHARED_DB} TEMPLATE {TEMPLATE_DB}")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname=database, autocommit=True
        ) as conn:
            conn.execute(sql)

    def new_database(self) -> str:
        """A fresh database with PostGIS installed and no registry tables; its URL."""
        name = f"registry_{os.getpid()}_{next(self._names)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}")
        return self.url(name)

    def new_schema(self) -> str:
        """A fresh, empty schema in one shared PostGIS database; a URL that works in it.

        Much quicker than a database per test; PostGIS stays in ``public``, on the search path.
        """
        name = f"registry_{os.getpid()}_{next(self._names)}"
        self._admin(f"CREATE SCHEMA {name}", database=SHARED_DB)
        return f"{self.url(SHARED_DB)}?options=-csearch_path%3D{name},public"

    def stop(self) -> None:
        try:
            if self.data.exists():
                self._run(PG_BIN / "pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        except PostgisUnavailable:
            pass  # already stopped; the folder goes anyway
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> TempPostgis:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def postgis_server() -> Iterator[TempPostgis]:
    """One throwaway PostgreSQL/PostGIS server for the session (skips on a laptop without it)."""
    from conftest import skip_or_fail

    reason = missing_requirement()
    if reason:
        skip_or_fail(reason)
    try:
        server = TempPostgis()
        with server:
            yield server
    except PostgisUnavailable as exc:
        skip_or_fail(f"cannot start PostgreSQL: {exc}")


@pytest.fixture
def postgis_url(postgis_server: TempPostgis) -> str:
    """A URL on the session's PostGIS server where no registry exists yet (its own schema)."""
    return postgis_server.new_schema()
