"""The map page in headless Chromium against the real app (``clusters serve``).

Counting what the map draws: a cluster is an SVG path with the class ``cluster-feature``
(polygon or circle marker) unless it sits in a group of nearby markers, whose icon shows
how many it holds; drawn = paths + the groups' numbers.

A phone (390 × 844) and a desktop window (1400 × 900) are the two sizes the planners use.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from shapely.geometry import Point

from clusters.filters import ClusterFilter
from clusters.mapping import CLUSTER_CLASS
from tests.builders import cluster, square
from tests.e2e.conftest import MAP_FRAME

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)> ${alert(1)}"
SHARED_POINT = (105.85, 21.00)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
SIZES = [pytest.param(PHONE, id="390px"), pytest.param(DESKTOP, id="1400px")]
FIT = "Thu phóng vừa kết quả"
SEARCH = "Tìm theo tên, xã, huyện, chủ đầu tư"
PADDING_PX = 40  # mapping.FIT_PADDING_PX, the fit's margin on each side


def map_frame(page):
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(f"path.{CLUSTER_CLASS}, .cluster-group").first.wait_for()
    return frame


def drawn(frame) -> int:
    paths = frame.locator(f"path.{CLUSTER_CLASS}").count()
    groups = sum(int(n) for n in frame.locator(".cluster-group span").all_inner_texts())
    return paths + groups


def wait_for_drawn(frame, expected: int, timeout_s: float = 20) -> int:
    deadline = time.monotonic() + timeout_s
    count = drawn(frame)
    while count != expected and time.monotonic() < deadline:
        time.sleep(0.25)
        count = drawn(frame)
    return count


def map_window(page):
    return next(f for f in page.frames if "st_folium" in f.url)


def tooltip_of(frame, path) -> str:
    """The tooltip shown when hovering ``path`` (the mouse leaves the features first)."""
    frame.locator(".leaflet-control-scale").hover()
    frame.locator(".leaflet-tooltip").first.wait_for(state="detached")
    path.hover()
    tip = frame.locator(".leaflet-tooltip").last
    tip.wait_for()
    return tip.inner_text()


def chosen(server, **query: str):
    store = server.store()
    try:
        return ClusterFilter.from_query(query).apply(store.list_clusters())
    finally:
        store.close()


def expected_count(server, **query: str) -> int:
    return len(chosen(server, **query))


def settle(page, window, timeout_s: float = 30) -> None:
    """Wait until no run of the app is under way and the map has stopped moving."""
    deadline = time.monotonic() + timeout_s
    last, still_since = None, time.monotonic()
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0
        view = window.evaluate("[map.getCenter().lat, map.getCenter().lng, map.getZoom()]")
        if running or view != last:
            last, still_since = view, time.monotonic()
        elif time.monotonic() - still_since > 1.0:
            return
        time.sleep(0.2)
    pytest.fail("the map page did not settle")


def corners(clusters) -> list[list[float]]:
    """[lat, lon] of the corners of every cluster's bounding box."""
    out = []
    for c in clusters:
        west, south, east, north = c.geometry.bounds
        out += [[south, west], [north, east]]
    return out


_ALL_INSIDE = "points => points.every(p => map.getBounds().contains(p))"


def wait_until_all_inside(window, points, timeout_s: float = 30) -> None:
    window.wait_for_function(_ALL_INSIDE, arg=points, timeout=timeout_s * 1000)


def test_map_draws_one_feature_per_cluster(seeded_app, browser_page):
    page = browser_page.page
    page.goto(seeded_app.url)
    frame = map_frame(page)
    assert wait_for_drawn(frame, expected_count(seeded_app)) == expected_count(seeded_app) == 101
    # The seed's locations are approximate: hollow rings with a dashed outline.
    first = frame.locator(f"path.{CLUSTER_CLASS}").first
    assert first.get_attribute("stroke-dasharray") == "4 3"


def test_stage_filter_redraws_without_remounting_the_map(seeded_app, browser_page):
    page = browser_page.page
    page.goto(seeded_app.url)
    frame = map_frame(page)
    wait_for_drawn(frame, 101)
    map_window(page).evaluate("window.__kept = 'same map'")
    page.get_by_role("button", name="Remove Đã thành lập").click()
    want = expected_count(
        seeded_app, stages="planned,site_clearance,under_construction,completing,operating"
    )
    assert want == 62
    assert wait_for_drawn(frame, want) == want
    page.wait_for_url(re.compile(r"stages="))
    assert map_window(page).evaluate("window.__kept") == "same map"


def test_a_link_reopens_the_same_filtered_view(seeded_app, browser_page):
    page = browser_page.page
    page.goto(f"{seeded_app.url}/?stages=operating")
    frame = map_frame(page)
    assert wait_for_drawn(frame, 33) == expected_count(seeded_app, stages="operating") == 33
    expect(page.get_by_text("33", exact=True).first).to_be_visible()


@pytest.mark.parametrize("viewport", SIZES)
@pytest.mark.parametrize("query", [{}, {"districts": "Thanh Trì"}], ids=["all", "Thanh Trì"])
def test_fit_to_results_shows_every_chosen_cluster(seeded_app, browser_page, viewport, query):
    page = browser_page.page
    page.set_viewport_size(viewport)
    page.goto(seeded_app.url + ("/?districts=Thanh%20Tr%C3%AC" if query else "/"))
    results = chosen(seeded_app, **query)
    frame = map_frame(page)
    assert wait_for_drawn(frame, len(results)) == len(results)
    window = map_window(page)
    points = corners(results)
    wait_until_all_inside(window, points)  # the first view fits the results
    settle(page, window)
    window.evaluate("map.setView([21.35, 105.45], 14)")  # the planner looks elsewhere
    settle(page, window)
    assert not window.evaluate(_ALL_INSIDE, points)
    page.get_by_role("button", name=FIT).click()
    wait_until_all_inside(window, points)
    settle(page, window)
    # The closest view that holds them all, at the map's real size: not a guessed one.
    best = window.evaluate(
        f"""points => Math.min(16,
          map.getBoundsZoom(L.latLngBounds(points), false, L.point({2 * PADDING_PX},
          {2 * PADDING_PX})))""",
        points,
    )
    assert window.evaluate("map.getZoom()") == best
    assert window.evaluate(_ALL_INSIDE, points)


def test_the_app_works_under_a_path_prefix(app_server, browser_page):
    server = app_server(base_path="registry")
    page = browser_page.page
    page.goto(f"{server.url}/")
    frame = map_frame(page)
    assert wait_for_drawn(frame, 101) == 101
    assert any("/registry/app/static/vendor/leaflet/leaflet.js" in u for u in browser_page.requests)


def test_switching_to_english_changes_the_labels(seeded_app, browser_page):
    page = browser_page.page
    page.goto(seeded_app.url)
    frame = map_frame(page)
    page.get_by_role("heading", name="Bản đồ cụm công nghiệp").wait_for()
    page.get_by_role("radio", name="English").click()
    page.get_by_role("heading", name="Map of industrial clusters").wait_for()
    # The base map holds the basemap notice in the page's language: the map is drawn anew,
    # and the Vietnamese one stays until the rerun ends.
    expect(page.locator(MAP_FRAME)).to_have_count(1)
    frame = map_frame(page)
    expect(page.get_by_text("Filters", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Overview")).to_be_visible()
    text = tooltip_of(frame, frame.locator(f"path.{CLUSTER_CLASS}").first)
    assert "Approximate location" in text
    page.get_by_role("link", name="Overview").click()
    page.get_by_role("heading", name="Registry overview").wait_for()


def test_no_request_leaves_the_app_when_there_is_no_basemap(seeded_app, browser_page):
    page = browser_page.page
    page.goto(seeded_app.url)
    wait_for_drawn(map_frame(page), 101)
    for name in ("Tổng quan", "Danh sách", "Chi tiết cụm", "Bản đồ"):
        page.get_by_role("link", name=name).click()
        page.wait_for_load_state("networkidle")
    map_frame(page)
    assert any(u.endswith("/vendor/leaflet/leaflet.js") for u in browser_page.requests)
    assert browser_page.hosts() == {seeded_app.host}


@pytest.fixture(scope="module")
def small_app(app_server):
    """Three clusters sharing one point, a polygon, and a hostile name."""
    shared = dict(geometry=Point(*SHARED_POINT), location_precision="commune")
    return app_server(
        clusters=[
            cluster(name="CCN Alpha", stage="operating", **shared),
            cluster(name="CCN Bravo", stage="under_construction", **shared),
            cluster(name="CCN Charlie", stage="planned", **shared),
            cluster(
                name="CCN Delta", geometry=square(105.95, 20.95), location_precision="surveyed"
            ),
            cluster(name=HOSTILE, investor=HOSTILE),
        ]
    )


def test_click_opens_the_summary_of_the_clicked_cluster(small_app, browser_page):
    page = browser_page.page
    page.goto(small_app.url)
    frame = map_frame(page)
    assert wait_for_drawn(frame, 5) == 5
    polygon = next(
        p
        for p in frame.locator(f"path.{CLUSTER_CLASS}").all()
        if "CCN Delta" in tooltip_of(frame, p)
    )
    polygon.click()
    page.get_by_role("heading", name="CCN Delta").wait_for()
    expect(page.get_by_role("link", name="Mở trang chi tiết")).to_be_visible()


def test_clusters_sharing_a_place_spread_out_and_each_can_be_opened(small_app, browser_page):
    page = browser_page.page
    page.goto(small_app.url)
    frame = map_frame(page)
    wait_for_drawn(frame, 5)
    window = map_window(page)
    settle(page, window)  # a group clicked while the map still moves is re-made under the mouse
    frame.locator(".cluster-group").first.click()
    frame.locator(f"path.{CLUSTER_CLASS}").nth(4).wait_for()
    # Spread out once markercluster's animation has ended (the markers move until then).
    window.wait_for_function("!map.getPane('mapPane').classList.contains('leaflet-cluster-anim')")
    names = {
        tooltip_of(frame, p).splitlines()[0] for p in frame.locator(f"path.{CLUSTER_CLASS}").all()
    }
    assert {"CCN Alpha", "CCN Bravo", "CCN Charlie"} <= names
    bravo = next(
        p
        for p in frame.locator(f"path.{CLUSTER_CLASS}").all()
        if tooltip_of(frame, p).startswith("CCN Bravo")
    )
    bravo.click()
    page.get_by_role("heading", name="CCN Bravo").wait_for()


def test_hostile_name_shows_as_text_and_runs_nothing(small_app, browser_page):
    page = browser_page.page
    page.goto(small_app.url)
    frame = map_frame(page)
    wait_for_drawn(frame, 5)
    hostile = next(
        p for p in frame.locator(f"path.{CLUSTER_CLASS}").all() if "onerror" in tooltip_of(frame, p)
    )
    assert tooltip_of(frame, hostile).splitlines()[0] == HOSTILE
    assert frame.locator(".leaflet-tooltip img").count() == 0
    hostile.click()
    page.get_by_role("heading", name=HOSTILE).wait_for()
    page.get_by_role("link", name="Mở trang chi tiết").click()
    page.get_by_role("heading", name=HOSTILE).wait_for()
    page.wait_for_load_state("networkidle")
    assert browser_page.dialogs == []
    assert page.locator("img[src=x]").count() == 0


@pytest.mark.parametrize("viewport", SIZES)
def test_first_click_on_a_cluster_shows_its_summary(small_app, browser_page, viewport):
    """The map's iframe taking the focus scrolled the page and lost the first click."""
    page = browser_page.page
    page.set_viewport_size(viewport)
    page.goto(small_app.url)
    frame = map_frame(page)
    assert wait_for_drawn(frame, 5) == 5
    settle(page, map_window(page))
    polygon = next(
        p
        for p in frame.locator(f"path.{CLUSTER_CLASS}").all()
        if "CCN Delta" in tooltip_of(frame, p)
    )
    polygon.click()
    # The whole summary in view, from its heading to its link.
    expect(page.get_by_role("heading", name="CCN Delta")).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("link", name="Mở trang chi tiết")).to_be_in_viewport(ratio=1)


def test_first_tap_on_a_phone_shows_the_summary(small_app, chromium):
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(small_app.url)
        frame = map_frame(page)
        assert wait_for_drawn(frame, 5) == 5
        settle(page, map_window(page))
        # The one polygon (CCN Delta): its outline is drawn with lines, markers with arcs.
        frame.locator(f"path.{CLUSTER_CLASS}[d*='L']").tap()
        expect(page.get_by_role("heading", name="CCN Delta")).to_be_in_viewport(ratio=1)
        expect(page.get_by_role("link", name="Mở trang chi tiết")).to_be_in_viewport(ratio=1)
    finally:
        context.close()


def test_a_search_with_one_result_opens_it_on_the_map(seeded_app, browser_page):
    page = browser_page.page
    page.goto(seeded_app.url)
    frame = map_frame(page)
    wait_for_drawn(frame, 101)
    window = map_window(page)
    settle(page, window)
    (ngoc_hoi,) = chosen(seeded_app, text="ngochoi")
    assert ngoc_hoi.name == "CCN Ngọc Hồi"
    search = page.get_by_role("textbox", name=SEARCH)
    search.fill("ngochoi")
    search.press("Enter")
    expect(page.get_by_role("heading", name="CCN Ngọc Hồi")).to_be_in_viewport()
    assert wait_for_drawn(frame, 1) == 1
    wait_until_all_inside(window, corners([ngoc_hoi]))
    window.wait_for_function("map.getZoom() >= 14")
