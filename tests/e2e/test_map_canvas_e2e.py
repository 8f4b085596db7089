"""The map drawn on a canvas (``CLUSTERS_MAP_CANVAS_ABOVE``), in headless Chromium.

Beyond the threshold (1,000 clusters by default) the clusters are drawn on one Leaflet canvas
rather than as an SVG path each, so there is no ``path.cluster-feature`` to count, hover or
click. Here the threshold is 0, so the small registry is drawn on canvas, and the tests use
what the map's frame itself says: ``ClusterLayer.drawn()`` counts what it shows, the Leaflet
layers say which clusters and where; a cluster is hovered and clicked at a pixel of it that
the canvas draws on top (as ``benchmarks/browser.py`` finds one).
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from shapely.geometry import Point

from clusters import stages
from clusters.mapping import CLUSTER_CLASS
from tests.builders import cluster, square
from tests.e2e.conftest import MAP_FRAME
from tests.e2e.test_map_e2e import HOSTILE, SHARED_POINT, chosen, settle

pytestmark = pytest.mark.browser

CANVAS = {"CLUSTERS_MAP_CANVAS_ABOVE": "0"}  # every registry is "beyond": drawn on canvas
DATA_ROUTE = re.compile(r"/_clusters/map/\d+-[a-z]{2}\.json$")
REMOVE_ESTABLISHED = "Remove Đã thành lập"
NOT_ESTABLISHED = ",".join(s.code for s in stages.STAGES if s.code != "established")
OPEN_DETAILS = "Mở trang chi tiết"

# Which clusters the map shows now, by id, from its Leaflet layers: a grouped point counts
# through its group (markercluster), one shown alone is also on the map with a __parent.
_SHOWN_IDS_JS = """
() => {
  const ids = new Set();
  map.eachLayer(layer => {
    if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup) {
      layer.getLayers().forEach(l => ids.add(l.feature.properties.cluster_id));
    } else if (layer.feature && !(L.MarkerCluster && layer instanceof L.MarkerCluster)) {
      ids.add(layer.feature.properties.cluster_id);
    }
  });
  return [...ids].sort((a, b) => a - b);
}
"""
# How the clusters drawn alone are rendered: the renderer's kind and its element.
_RENDERERS_JS = """
() => {
  const out = [];
  map.eachLayer(l => {
    if (!l.feature || !(l instanceof L.Path)) return;
    out.push({
      canvas: l._renderer instanceof L.Canvas,
      tag: l._renderer && l._renderer._container ? l._renderer._container.tagName : null,
      path: l._path ? true : false,
    });
  });
  return out;
}
"""
# Where to point at one cluster (by id), in the page's coordinates: its marker's centre or its
# polygon's centre, inside the map, where the canvas is the element on top and that cluster
# is the one the canvas hit-tests there (no other drawn cluster contains the point).
_PIXEL_JS = """
([frameSelector, id]) => {
  const f = document.querySelector(frameSelector);
  const w = f.contentWindow, L = w.L, map = w.map;
  const frame = f.getBoundingClientRect(), box = map.getContainer().getBoundingClientRect();
  const size = map.getSize();
  const drawn = [];
  map.eachLayer(l => { if (l.feature && l instanceof L.Path) drawn.push(l); });
  const layer = drawn.find(l => l.feature.properties.cluster_id === id);
  if (!layer) return {problem: 'not drawn alone'};
  if (!(layer._renderer instanceof L.Canvas)) return {problem: 'not on a canvas'};
  const at = layer.getLatLng ? layer.getLatLng() : layer.getCenter();
  const p = map.latLngToContainerPoint(at);
  if (p.x < 20 || p.y < 20 || p.x > size.x - 20 || p.y > size.y - 20)
    return {problem: 'outside the map'};
  if (!layer._containsPoint(map.latLngToLayerPoint(at))) return {problem: 'not at its centre'};
  if (drawn.some(l => l !== layer && l._containsPoint(map.latLngToLayerPoint(at))))
    return {problem: 'another cluster is there'};
  const x = box.left + p.x, y = box.top + p.y;
  const el = w.document.elementFromPoint(x, y);
  if (el !== layer._renderer._container) return {problem: 'covered by ' + (el && el.tagName)};
  return {x: frame.left + x, y: frame.top + y};
}
"""


@pytest.fixture(scope="module")
def canvas_app(app_server):
    """test_map_e2e's small registry (three clusters sharing a point, a polygon, a hostile
    name), drawn on canvas."""
    shared = dict(geometry=Point(*SHARED_POINT), location_precision="commune")
    return app_server(
        env=CANVAS,
        clusters=[
            cluster(name="CCN Alpha", stage="operating", **shared),
            cluster(name="CCN Bravo", stage="under_construction", **shared),
            cluster(name="CCN Charlie", stage="planned", **shared),
            cluster(
                name="CCN Delta", geometry=square(105.95, 20.95), location_precision="surveyed"
            ),
            cluster(name=HOSTILE, investor=HOSTILE),
        ],
    )


def chosen_ids(server, **query: str) -> list[int]:
    return sorted(c.id for c in chosen(server, **query) if c.id is not None)


def id_of(server, name: str) -> int:
    (found,) = [c for c in chosen(server) if c.name == name]
    assert found.id is not None
    return found.id


def open_map(page, url: str):
    page.goto(url)
    return loaded_map(page)


def loaded_map(page):
    """The map's frame (a Playwright Frame) once its clusters are loaded."""
    page.locator(MAP_FRAME).wait_for()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        window = next((f for f in page.frames if "st_folium" in f.url), None)
        if window is not None:
            try:
                if window.evaluate("!!(window.ClusterLayer && ClusterLayer.drawn() > 0)"):
                    return window
            except Exception:  # the frame navigated while we asked: ask the new one
                pass
        time.sleep(0.2)
    pytest.fail("the map never showed its clusters")


def drawn(window) -> int:
    return int(window.evaluate("ClusterLayer.drawn()"))


def wait_for_drawn(window, expected: int, timeout_s: float = 20) -> int:
    deadline = time.monotonic() + timeout_s
    count = drawn(window)
    while count != expected and time.monotonic() < deadline:
        time.sleep(0.2)
        count = drawn(window)
    return count


def shown_ids(window) -> list[int]:
    return list(window.evaluate(_SHOWN_IDS_JS))


def pixel_of(page, cluster_id: int) -> tuple[float, float]:
    found = page.evaluate(_PIXEL_JS, [MAP_FRAME, cluster_id])
    assert "problem" not in found, f"cluster {cluster_id}: {found.get('problem')}"
    return found["x"], found["y"]


def hover_tooltip(page, cluster_id: int) -> str:
    """The tooltip shown with the mouse on the cluster's pixel (after leaving every cluster)."""
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-control-scale").hover()
    frame.locator(".leaflet-tooltip").first.wait_for(state="detached")
    page.mouse.move(*pixel_of(page, cluster_id))
    tip = frame.locator(".leaflet-tooltip").last
    tip.wait_for()
    return tip.inner_text()


def click_cluster(page, cluster_id: int) -> None:
    x, y = pixel_of(page, cluster_id)
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def test_every_chosen_cluster_is_drawn_on_a_canvas(canvas_app, browser_page):
    page = browser_page.page
    window = open_map(page, canvas_app.url)
    want = chosen_ids(canvas_app)
    assert len(want) == 5
    assert wait_for_drawn(window, len(want)) == len(want)
    assert shown_ids(window) == want
    frame = page.frame_locator(MAP_FRAME)
    assert frame.locator(f"path.{CLUSTER_CLASS}").count() == 0
    assert frame.locator(".leaflet-overlay-pane canvas").count() >= 1
    # The polygon and the point drawn alone (the other three share a group's icon).
    renderers = window.evaluate(_RENDERERS_JS)
    assert len(renderers) == 2
    assert all(r == {"canvas": True, "tag": "CANVAS", "path": False} for r in renderers)


def test_clusters_come_once_from_the_data_route_and_then_from_the_cache(canvas_app, chromium):
    """The base map fetches the revision's file; after a reload the browser answers the same
    fetch from its disk cache without asking the server (``immutable``, a year's ``max-age``:
    not even a revalidation, so no 304 either).

    Its own context, without ``browser_page``'s routing: Playwright turns the HTTP cache off
    in a page whose requests it routes. So nothing here refuses a request to another host;
    the test says there was none.
    """
    context = chromium.new_context(viewport={"width": 1400, "height": 950}, locale="vi-VN")
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        requests: list[str] = []
        responses: list = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("response", lambda r: responses.append(r) if DATA_ROUTE.search(r.url) else None)
        # Chromium's own word on where each answer came from (Playwright does not say).
        from_cache: list[bool] = []
        cdp = context.new_cdp_session(page)
        cdp.on(
            "Network.responseReceived",
            lambda e: (
                from_cache.append(bool(e["response"].get("fromDiskCache")))
                if DATA_ROUTE.search(e["response"]["url"])
                else None
            ),
        )
        cdp.send("Network.enable")
        window = open_map(page, canvas_app.url)
        assert wait_for_drawn(window, 5) == 5
        page.wait_for_load_state("networkidle")
        (first,) = responses
        assert from_cache == [False]
        assert first.status == 200
        assert first.request.resource_type == "fetch"
        assert "immutable" in first.headers["cache-control"]
        assert "max-age=31536000" in first.headers["cache-control"]

        responses.clear()
        from_cache.clear()
        page.reload()
        window = loaded_map(page)
        assert wait_for_drawn(window, 5) == 5
        page.wait_for_load_state("networkidle")
        # Once asked again, answered by the disk cache: not a 304 (that would be a request to
        # the server, fromDiskCache false). Playwright still reports it, as a 200.
        (again,) = responses
        assert again.url == first.url
        assert again.status == 200
        assert from_cache == [True]
        # The frame's own record of the fetch: nothing came over the wire (a 304 would have
        # cost its headers), yet the whole file was read.
        (entry,) = window.evaluate(
            """() => performance.getEntriesByType('resource')
                 .filter(e => e.name.includes('/_clusters/map/'))
                 .map(e => ({name: e.name, transferSize: e.transferSize,
                             decodedBodySize: e.decodedBodySize}))"""
        )
        assert entry["name"] == first.url
        assert entry["transferSize"] == 0
        assert entry["decodedBodySize"] > 0
        assert {urlsplit(u).netloc for u in requests} == {canvas_app.host}
    finally:
        context.close()


def test_hovering_a_cluster_shows_its_tooltip_as_text(canvas_app, browser_page):
    page = browser_page.page
    window = open_map(page, canvas_app.url)
    assert wait_for_drawn(window, 5) == 5
    settle(page, window)
    delta = hover_tooltip(page, id_of(canvas_app, "CCN Delta"))
    assert delta.splitlines()[0] == "CCN Delta"
    hostile = hover_tooltip(page, id_of(canvas_app, HOSTILE))
    assert hostile.splitlines()[0] == HOSTILE
    assert "Vị trí gần đúng" in hostile  # the hostile one's place is a commune's point
    frame = page.frame_locator(MAP_FRAME)
    assert frame.locator(".leaflet-tooltip img, .leaflet-tooltip script").count() == 0
    assert browser_page.dialogs == []


@pytest.mark.parametrize("name", ["CCN Delta", HOSTILE], ids=["polygon", "hostile point"])
def test_clicking_a_cluster_on_the_canvas_shows_its_summary(canvas_app, browser_page, name):
    page = browser_page.page
    window = open_map(page, canvas_app.url)
    assert wait_for_drawn(window, 5) == 5
    settle(page, window)
    click_cluster(page, id_of(canvas_app, name))
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_role("link", name=OPEN_DETAILS)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert browser_page.dialogs == []
    assert page.locator("img[src=x]").count() == 0


def test_clusters_sharing_a_place_spread_out_and_each_can_be_opened(canvas_app, browser_page):
    page = browser_page.page
    window = open_map(page, canvas_app.url)
    assert wait_for_drawn(window, 5) == 5
    settle(page, window)
    page.frame_locator(MAP_FRAME).locator(".cluster-group").first.click()
    names = ("CCN Alpha", "CCN Bravo", "CCN Charlie")
    ids = {name: id_of(canvas_app, name) for name in names}
    # Spread out once they are all on the map and markercluster's animation has ended.
    window.wait_for_function(
        """ids => { const on = new Set();
          map.eachLayer(l => l.feature && on.add(l.feature.properties.cluster_id));
          return ids.every(i => on.has(i))
            && !map.getPane('mapPane').classList.contains('leaflet-cluster-anim'); }""",
        arg=list(ids.values()),
    )
    for name, cluster_id in ids.items():
        assert hover_tooltip(page, cluster_id).splitlines()[0] == name
    click_cluster(page, ids["CCN Bravo"])
    expect(page.get_by_role("heading", name="CCN Bravo")).to_be_visible()


def test_stage_filter_redraws_the_canvas_without_reloading_the_frame(canvas_app, browser_page):
    page = browser_page.page
    window = open_map(page, canvas_app.url)
    assert wait_for_drawn(window, 5) == 5
    settle(page, window)
    renderers = window.evaluate(_RENDERERS_JS)
    assert renderers and all(r["canvas"] for r in renderers)
    element = page.locator(MAP_FRAME).element_handle()
    window.evaluate("window.__kept = 'same map'")
    page.get_by_role("button", name=REMOVE_ESTABLISHED).click()
    want = chosen_ids(canvas_app, stages=NOT_ESTABLISHED)
    assert len(want) == 3  # Delta and the hostile one are "established"
    assert wait_for_drawn(window, len(want)) == len(want)
    assert shown_ids(window) == want
    page.wait_for_url(re.compile(r"stages="))
    assert window.evaluate("window.__kept") == "same map"
    assert element.evaluate("f => f.isConnected")
    expect(page.locator(MAP_FRAME)).to_have_count(1)
    assert page.frame_locator(MAP_FRAME).locator(f"path.{CLUSTER_CLASS}").count() == 0


def test_no_request_leaves_the_app(canvas_app, browser_page):
    page = browser_page.page
    window = open_map(page, canvas_app.url)
    assert wait_for_drawn(window, 5) == 5
    settle(page, window)
    click_cluster(page, id_of(canvas_app, "CCN Delta"))
    page.get_by_role("heading", name="CCN Delta").wait_for()
    page.wait_for_load_state("networkidle")
    assert any(DATA_ROUTE.search(u) for u in browser_page.requests)
    assert browser_page.hosts() == {canvas_app.host}
