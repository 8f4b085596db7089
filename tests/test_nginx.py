"""docs/DEPLOY.md's nginx configuration, run as written in front of two ``clusters serve``
instances on one PostGIS registry, with Chromium going through it: the map loads through the
proxy, each browser stays on its instance (WebSocket included), an editor edits through each
instance, and each instance shows the other's write."""

from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from clusters.mapping import CLUSTER_CLASS
from clusters.store import open_store
from tests.builders import cluster, square
from tests.e2e.conftest import MAP_FRAME, app_server, chromium, free_port  # noqa: F401
from tests.e2e.test_edit_e2e import PASSWORD, add_editor

pytestmark = [pytest.mark.browser, pytest.mark.postgis]

NGINX = os.environ.get("CLUSTERS_NGINX", "/usr/sbin/nginx")
DEPLOY = Path(__file__).resolve().parents[1] / "docs" / "DEPLOY.md"
# The documented addresses, and what the test puts in their place.
DOC_INSTANCES = ("127.0.0.1:8501", "127.0.0.1:8502")
DOC_OGCAPI = "127.0.0.1:5000"
DOC_LISTEN = "listen 80;"


def documented_configuration() -> str:
    text = DEPLOY.read_text(encoding="utf-8")
    found = re.search(r"<!-- nginx:begin -->\n```nginx\n(.*?)```\n<!-- nginx:end -->", text, re.S)
    assert found, "docs/DEPLOY.md has no nginx block"
    return found.group(1)


def test_the_documented_configuration_names_what_the_test_replaces():
    conf = documented_configuration()
    for text in (*DOC_INSTANCES, DOC_OGCAPI, DOC_LISTEN):
        assert conf.count(text) == 1, text


@pytest.fixture
def registry(postgis_url: str) -> str:
    store = open_store(postgis_url)
    for i, lon in ((1, 105.80), (2, 105.85)):
        store.create(
            cluster(
                id=i,
                name=f"CCN thử nghiệm qua proxy {i} (dữ liệu thử)",
                geometry=square(lon=lon),
                location_precision="surveyed",
                area_ha=10.3,
            ),
            actor="test",
        )
    store.close()
    add_editor(postgis_url)
    return postgis_url


@pytest.fixture
def proxy(registry, app_server, tmp_path) -> Iterator[dict[str, object]]:  # noqa: F811
    """Two instances on the registry and nginx with the documented configuration."""
    if not Path(NGINX).exists():
        from conftest import skip_or_fail

        skip_or_fail(f"no nginx at {NGINX} (apt-get install nginx)")
    instances = [app_server(env={"CLUSTERS_DATABASE_URL": registry}) for _ in range(2)]
    port = free_port()
    conf = documented_configuration()
    for doc, server in zip(DOC_INSTANCES, instances, strict=True):
        conf = conf.replace(doc, server.host)
    conf = conf.replace(DOC_OGCAPI, f"127.0.0.1:{free_port()}")
    conf = conf.replace(DOC_LISTEN, f"listen 127.0.0.1:{port};")
    root = tmp_path / "nginx"
    root.mkdir()
    temp = {
        f"{kind}_temp_path": root / kind
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    }
    (root / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\nerror_log {root}/error.log;\npid {root}/nginx.pid;\n"
        "events {}\nhttp {\n"
        "  log_format upstream '$upstream_addr $clusters_instance \"$request\" $status';\n"
        f"  access_log {root}/access.log upstream;\n"
        + "".join(f"  {k} {v};\n" for k, v in temp.items())
        + conf
        + "}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    assert r.read() == b"ok"
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"nginx did not start: {process.stderr.read()!r}"
                    ) from None
                time.sleep(0.2)
        yield {"url": url, "instances": instances, "log": root / "access.log", "registry": registry}
    finally:
        process.terminate()
        process.wait(timeout=10)


def upstreams(log: Path) -> dict[str, set[str]]:
    """Sticky key → the instances that served it, from nginx's access log."""
    seen: dict[str, set[str]] = defaultdict(set)
    for line in log.read_text().splitlines():
        addr, key = line.split(" ", 2)[:2]
        seen[key].add(addr)
    return seen


def new_page(chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 950}, locale="vi-VN")

    def route(r):
        if urlsplit(r.request.url).hostname in ("127.0.0.1", "localhost", None):
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page


def sticky_key(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "clusters_instance")


def test_the_map_loads_and_edits_go_through_both_instances(proxy, chromium):  # noqa: F811
    url, instances, log = proxy["url"], proxy["instances"], proxy["log"]
    hosts = {s.host for s in instances}
    # Browsers until each instance has one (the sticky key is random; two or three suffice).
    by_instance: dict[str, tuple[object, object]] = {}
    spare = []
    for _ in range(12):
        context, page = new_page(chromium)
        page.goto(f"{url}/")
        frame = page.frame_locator(MAP_FRAME)
        frame.locator(f"path.{CLUSTER_CLASS}").first.wait_for()
        assert frame.locator(f"path.{CLUSTER_CLASS}").count() == 2
        served = upstreams(log)[sticky_key(context)]
        assert len(served) == 1 and served <= hosts, served  # one instance per browser
        host = served.pop()
        if host in by_instance:
            spare.append(context)
            continue
        by_instance[host] = (context, page)
        if len(by_instance) == 2:
            break
    assert set(by_instance) == hosts, "every browser landed on the same instance"

    # An editor edits cluster 1 through one instance and cluster 2 through the other.
    edited = {}
    for cid, (host, (_context, page)) in zip((1, 2), sorted(by_instance.items()), strict=True):
        page.goto(f"{url}/edit?id={cid}")
        page.get_by_label("Tên tài khoản").fill("lan")
        page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_text("Giai đoạn mới").wait_for()  # signed in: the forms show
        page.get_by_role("tab", name="Thông tin").click()
        area = page.get_by_role("textbox", name="Diện tích quyết định (ha)")
        value = "10.5" if cid == 1 else "10.6"  # near the boundary's 10.36 ha: no warning
        area.fill(value)
        area.press("Tab")
        page.get_by_role("button", name="Lưu thông tin").click()
        page.get_by_text("Đã lưu: Diện tích quyết định").wait_for()
        edited[cid] = (host, float(value))

    # Each instance shows the other's write on its next page.
    for cid, (_host, (_context, page)) in zip((2, 1), sorted(by_instance.items()), strict=True):
        page.goto(f"{url}/cluster?id={cid}")
        page.get_by_text(re.compile(r" · lan · .* · phiên bản 2$")).first.wait_for()
    store = open_store(str(proxy["registry"]))
    try:
        for cid, (_host, area_ha) in edited.items():
            c = store.get(cid)
            assert (c.area_ha, c.version, c.updated_by) == (area_ha, 2, "lan")
    finally:
        store.close()
    for context, _page in by_instance.values():
        context.close()
    for context in spare:
        context.close()
    # Every request of a browser — pages, assets, its WebSocket — went to its one instance.
    time.sleep(0.5)
    assert all(len(served) == 1 for served in upstreams(log).values()), upstreams(log)
    assert {a for served in upstreams(log).values() for a in served} == hosts
