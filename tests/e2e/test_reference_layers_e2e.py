"""Reference layers and the basemap in headless Chromium against ``clusters serve``.

An admin uploads a boundary layer on the Administration page; the map draws it under the
clusters, each layer switchable, and a second server process on the same database draws it
too. With the tile server unreachable, the map says so in one line.

The layer uploaded is read from ``../shared/data`` (test use only: its licence keeps it out
of the product, so it is never copied into the project).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import expect

from clusters import accounts
from clusters.mapping import CLUSTER_CLASS, NOTICE_CLASS, REFERENCE_CLASS, REFERENCE_PANE
from clusters.roles import CLI_ACTOR
from clusters.store.accounts import account_store
from tests.conftest import SHARED_DATA, skip_or_fail
from tests.e2e.conftest import MAP_FRAME, AppServer, _wait_until_up, free_port
from tests.e2e.test_map_e2e import SIZES, map_frame
from tests.e2e.test_signin_e2e import PASSWORD, sign_in

pytestmark = pytest.mark.browser

LAYER_FILE = SHARED_DATA / "hanoi_districts_2019.geojson"  # the 30 former districts
LAYER_NAME = "Quận huyện 2019 (thử nghiệm)"
REFERENCE_PATHS = f".leaflet-{REFERENCE_PANE}-pane path.{REFERENCE_CLASS}"


@pytest.fixture(scope="module")
def server(app_server: Callable[..., AppServer]) -> AppServer:
    if not LAYER_FILE.exists():
        skip_or_fail(f"the shared reference layers are not beside the project ({LAYER_FILE})")
    started = app_server()
    store = started.store()
    try:
        accounts.add_account(
            account_store(store), CLI_ACTOR, "quan-tri", "admin", password=PASSWORD
        )
    finally:
        store.close()
    return started


@pytest.fixture(scope="module")
def second_server(server: AppServer) -> Iterator[AppServer]:
    """Another ``clusters serve`` process on the same database, as a second instance."""
    port = free_port()
    log = server.log.with_name("second-server.log")
    env = {
        **os.environ,
        "CLUSTERS_DATABASE_URL": server.db_url,
        "CLUSTERS_DATA_DIR": str(server.log.parent / "data-2"),
        "CLUSTERS_TILES": "none",
        "CLUSTERS_REFERENCE_LAYERS": "",
        "STREAMLIT_SERVER_BASE_URL_PATH": "",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "clusters", "serve", "--port", str(port)],
            cwd=server.log.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    second = AppServer(f"http://127.0.0.1:{port}", server.db_url, process, log)
    _wait_until_up(second)
    yield second
    second.stop()


def reference_paths(page):
    frame = map_frame(page)
    return frame.locator(REFERENCE_PATHS)


def test_an_uploaded_layer_is_drawn_under_the_clusters_on_every_instance(
    server, second_server, browser_page
):
    page = browser_page.page
    page.goto(f"{server.url}/admin")
    sign_in(page, "quan-tri")
    page.get_by_role("heading", name="Lớp tham chiếu").wait_for()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        str(LAYER_FILE)
    )
    uploader = page.locator('[data-testid="stFileUploader"]')
    uploader.get_by_text(re.compile(r"\d ?[KM]B$")).wait_for()  # the file's size: it is uploaded
    page.get_by_label("Tên lớp", exact=True).first.fill(LAYER_NAME)
    page.get_by_label("Nguồn và giấy phép").fill("dvhcvn (GPL-3.0), chỉ dùng để kiểm thử")
    page.get_by_role("button", name="Tải lên lớp tham chiếu").click()
    page.get_by_text("Đã thêm lớp").wait_for()
    store = server.store()
    try:
        [kept] = store.reference_layers()
    finally:
        store.close()
    assert (kept.name, len(kept.features), kept.uploaded_by) == (LAYER_NAME, 30, "quan-tri")

    page.goto(server.url)
    paths = reference_paths(page)
    expect(paths).to_have_count(30)
    frame = page.frame_locator(MAP_FRAME)
    # Under the clusters: the layer's pane sits below Leaflet's overlay pane.
    z = frame.locator(f".leaflet-{REFERENCE_PANE}-pane").evaluate("e => getComputedStyle(e).zIndex")
    overlay = frame.locator(".leaflet-overlay-pane").evaluate("e => getComputedStyle(e).zIndex")
    assert int(z) < int(overlay)
    assert frame.locator(f".leaflet-overlay-pane path.{CLUSTER_CLASS}").count() > 0
    # Each layer switchable in the map's layer control.
    switch = frame.locator(".leaflet-control-layers-overlays label", has_text=LAYER_NAME)
    switch.locator("input").uncheck()
    expect(paths).to_have_count(0)
    switch.locator("input").check()
    expect(paths).to_have_count(30)

    other = page.context.new_page()
    other.goto(second_server.url)
    expect(reference_paths(other)).to_have_count(30)
    other.close()


@pytest.fixture(scope="module")
def osm_app(app_server: Callable[..., AppServer]) -> AppServer:
    """The default basemap (OpenStreetMap), which the test browser cannot reach: as on an
    intranet with no way out."""
    return app_server(env={"CLUSTERS_TILES": ""})


@pytest.mark.parametrize("viewport", SIZES)
def test_unreachable_tiles_are_said_in_one_line_on_the_map(osm_app, chromium, viewport):
    context = chromium.new_context(viewport=viewport, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.route(
        "**/*",
        lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort(),
    )
    try:
        page.goto(osm_app.url)
        frame = map_frame(page)
        notice = frame.locator(f".{NOTICE_CLASS}")
        expect(notice).to_be_visible()
        expect(notice).to_have_text(
            "Không tải được bản đồ nền (OpenStreetMap): bản đồ chỉ có các cụm và lớp tham chiếu."
        )
        box = notice.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        expect(frame.locator(".leaflet-control-attribution")).not_to_contain_text("OpenStreetMap")
    finally:
        context.close()
