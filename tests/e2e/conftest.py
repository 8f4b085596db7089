"""End-to-end fixtures: the real app on a temporary registry, driven by headless Chromium.

Reusable by every browser test:

- ``app_server(env=..., clusters=...)`` starts ``clusters serve`` on a free port against a
  fresh SQLite registry (the seed, or the given clusters) and returns an ``AppServer``;
  servers stop at the end of the session.
- ``seeded_app``: one seeded server with no basemap, shared by a test module.
- ``browser_page``: a fresh browser page whose every request (iframes included) is recorded
  in ``.requests``; requests leaving the machine are refused so a test never waits on the
  internet.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import time
import types
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from clusters import seed
from clusters.model import Cluster
from clusters.store import ClusterStore, open_store
from tests.conftest import skip_or_fail

CHROMIUM = os.environ.get("CLUSTERS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class AppServer:
    url: str
    db_url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    def store(self) -> ClusterStore:
        return open_store(self.db_url)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _wait_until_up(server: AppServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    server.stop()
    pytest.fail(f"the app did not start:\n{server.log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="session")
def app_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., AppServer]]:
    """Factory: ``app_server(env={...}, clusters=None, base_path="")``.

    ``clusters`` None loads the seed; a list creates exactly those clusters instead.
    ``base_path`` serves the app under a path prefix (``server.baseUrlPath``), as behind a
    reverse proxy. The basemap is off unless ``env`` sets ``CLUSTERS_TILES``.
    """
    started: list[AppServer] = []

    def start(
        env: dict[str, str] | None = None,
        clusters: Sequence[Cluster] | None = None,
        base_path: str = "",
    ) -> AppServer:
        folder = tmp_path_factory.mktemp("app")
        db_url = f"sqlite:///{folder / 'registry.sqlite'}"
        store = open_store(db_url)
        if clusters is None:
            seed.seed(store)
        else:
            for c in clusters:
                store.create(c, actor="e2e")
        store.close()
        port = free_port()
        run_env = {
            **os.environ,
            "CLUSTERS_DATABASE_URL": db_url,
            "CLUSTERS_DATA_DIR": str(folder / "data"),
            "CLUSTERS_TILES": "none",
            "CLUSTERS_REFERENCE_LAYERS": "",
            "STREAMLIT_SERVER_BASE_URL_PATH": base_path,
            **(env or {}),
        }
        log = folder / "server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "clusters", "serve", "--port", str(port)],
                cwd=folder,  # not the checkout: the installed package must be enough
                env=run_env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        prefix = f"/{base_path.strip('/')}" if base_path.strip("/") else ""
        server = AppServer(f"http://127.0.0.1:{port}{prefix}", db_url, process, log)
        started.append(server)
        _wait_until_up(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def seeded_app(app_server: Callable[..., AppServer]) -> AppServer:
    return app_server()


# One Playwright and one browser per process: the reliability suite imports these fixtures
# into its own conftest, which makes a second session fixture, and Playwright's sync API
# cannot be started twice in one process.
# Kept in sys.modules: pytest and the reliability conftest may import this file under two
# module names, and the state must be one.
_SHARED: dict[str, object] = sys.modules.setdefault(  # type: ignore[assignment]
    "_clusters_test_browser", types.ModuleType("_clusters_test_browser")
).__dict__


def _shared_browser() -> object:
    if "browser" not in _SHARED:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _SHARED["playwright"] = playwright
        _SHARED["browser"] = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        atexit.register(_stop_browser)
    return _SHARED["browser"]


def _stop_browser() -> None:
    _SHARED.pop("browser").close()  # type: ignore[attr-defined]
    _SHARED.pop("playwright").stop()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def chromium() -> object:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        skip_or_fail(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("Python Playwright is not installed (pip install -e '.[test]')")
    return _shared_browser()


@dataclass
class BrowserPage:
    page: object  # playwright.sync_api.Page
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def hosts(self) -> set[str]:
        return {
            urlsplit(u).netloc for u in self.requests if urlsplit(u).scheme in ("http", "https")
        }


@pytest.fixture
def browser_page(chromium) -> Iterator[BrowserPage]:
    context = chromium.new_context(viewport={"width": 1400, "height": 950}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    recorded = BrowserPage(page)

    def route(r):
        if urlsplit(r.request.url).hostname in ("127.0.0.1", "localhost", None):
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.on("request", lambda req: recorded.requests.append(req.url))
    page.on("dialog", lambda d: (recorded.dialogs.append(d.message), d.dismiss()))
    yield recorded
    context.close()
