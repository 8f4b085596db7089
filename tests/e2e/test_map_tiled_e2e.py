"""A big registry's map (``CLUSTERS_MAP_TILED_ABOVE``), in headless Chromium.

Beyond the threshold (20,000 clusters by default) the map loads an overview of where every
cluster is and, below ``mapping.DETAIL_ZOOM``, shows how many clusters each square of the view
holds; a count's click zooms in on them; from that zoom on, the clusters of the tiles in view
are loaded and drawn, clickable as on any map. Here the threshold is 0, so a small registry
is tiled, and drawn on canvas (so a cluster is clicked as the canvas tests click one).
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from shapely.geometry import Point

from clusters import mapping
from tests.builders import NGOC_HOI, cluster, square
from tests.e2e.conftest import MAP_FRAME
from tests.e2e.test_map_canvas_e2e import (
    NOT_ESTABLISHED,
    REMOVE_ESTABLISHED,
    chosen_ids,
    click_cluster,
    hover_tooltip,
    id_of,
    loaded_map,
    open_map,
    shown_ids,
    wait_for_drawn,
)
from tests.e2e.test_map_e2e import HOSTILE, SHARED_POINT, settle

pytestmark = pytest.mark.browser

TILED = {"CLUSTERS_MAP_TILED_ABOVE": "0", "CLUSTERS_MAP_CANVAS_ABOVE": "0"}
OVERVIEW = re.compile(r"/_clusters/map/\d+-[a-z]{2}\.bin$")
TILE = re.compile(r"/_clusters/map/\d+-[a-z]{2}-\d+-\d+\.json$")
FAR = (105.40, 21.25)  # two clusters far from the others, so the counts part

# The counts shown: [text, title] of each.
_COUNTS_JS = """
() => [...document.querySelectorAll('.cluster-count')].map(
  el => [el.textContent, el.getAttribute('title')])
"""
# Where to click to zoom in towards [lat, lon]: the count nearest its pixel, in the page's
# coordinates; null once the map shows the clusters themselves.
_COUNT_NEAR_JS = """
([frameSelector, lat, lon]) => {
  const f = document.querySelector(frameSelector);
  const w = f.contentWindow;
  if (w.ClusterLayer.detailed()) return null;
  const frame = f.getBoundingClientRect(), box = w.map.getContainer().getBoundingClientRect();
  const p = w.map.latLngToContainerPoint([lat, lon]);
  let best = null, nearest = Infinity;
  for (const el of w.document.querySelectorAll('.cluster-count')) {
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const d = Math.hypot(x - box.left - p.x, y - box.top - p.y);
    if (d < nearest) { nearest = d; best = [frame.left + x, frame.top + y]; }
  }
  return best;
}
"""


@pytest.fixture(scope="module")
def tiled_app(app_server):
    shared = dict(geometry=Point(*SHARED_POINT), location_precision="commune")
    return app_server(
        env=TILED,
        clusters=[
            cluster(name="CCN Alpha", stage="operating", **shared),
            cluster(name="CCN Bravo", stage="under_construction", **shared),
            cluster(name="CCN Charlie", stage="planned", **shared),
            cluster(
                name="CCN Delta", geometry=square(105.95, 20.95), location_precision="surveyed"
            ),
            cluster(name=HOSTILE, investor=HOSTILE, location_precision="surveyed"),
            cluster(name="CCN Echo", stage="operating", geometry=Point(*FAR)),
            cluster(name="CCN Foxtrot", stage="planned", geometry=square(FAR[0] + 0.01, FAR[1])),
        ],
    )


def counts(window) -> list[tuple[int, str]]:
    return [(int(text), title) for text, title in window.evaluate(_COUNTS_JS)]


def zoom_towards(page, window, lon: float, lat: float) -> int:
    """Click the counts nearest (lon, lat) until the map shows the clusters; the clicks."""
    for clicks in range(10):
        target = page.evaluate(_COUNT_NEAR_JS, [MAP_FRAME, lat, lon])
        if target is None:
            return clicks
        zoom = window.evaluate("map.getZoom()")
        page.mouse.click(*target)
        window.wait_for_function(f"map.getZoom() > {zoom}")
        settle(page, window)
    pytest.fail("the counts never zoomed in to the clusters")


def wait_detailed(window, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not window.evaluate("ClusterLayer.detailed()"):
        assert time.monotonic() < deadline, "the tiles in view never loaded"
        time.sleep(0.2)


def test_the_whole_registry_shows_as_counts_from_one_overview(tiled_app, browser_page):
    page = browser_page.page
    window = open_map(page, tiled_app.url)
    want = chosen_ids(tiled_app)
    assert len(want) == 7
    assert wait_for_drawn(window, 7) == 7
    settle(page, window)
    shown = counts(window)
    assert len(shown) >= 2  # the far pair apart from the rest
    assert sum(n for n, _ in shown) == 7
    for n, title in shown:
        assert title == f"{n} cụm ở đây; nhấn để phóng to"
    assert shown_ids(window) == []  # no cluster drawn itself yet
    assert window.evaluate("map.getZoom()") < mapping.DETAIL_ZOOM
    assert len([u for u in browser_page.requests if OVERVIEW.search(u)]) == 1
    assert not [u for u in browser_page.requests if TILE.search(u)]
    assert browser_page.hosts() <= {urlsplit(tiled_app.url).netloc}


def test_counts_zoom_in_to_the_clusters_and_a_click_shows_the_summary(tiled_app, browser_page):
    page = browser_page.page
    window = open_map(page, tiled_app.url)
    assert wait_for_drawn(window, 7) == 7
    settle(page, window)
    clicks = zoom_towards(page, window, NGOC_HOI.x, NGOC_HOI.y)
    assert clicks >= 1
    wait_detailed(window)
    assert window.evaluate("map.getZoom()") >= mapping.DETAIL_ZOOM
    assert counts(window) == []
    hostile = id_of(tiled_app, HOSTILE)
    assert hostile in shown_ids(window)
    assert set(shown_ids(window)) <= set(chosen_ids(tiled_app))
    assert [u for u in browser_page.requests if TILE.search(u)]
    # The tooltip is the name as text, never markup.
    assert hover_tooltip(page, hostile).splitlines()[0] == HOSTILE
    click_cluster(page, hostile)
    expect(page.get_by_role("heading", name=HOSTILE)).to_be_visible()
    assert browser_page.dialogs == []
    assert page.locator("img[src=x]").count() == 0
    assert browser_page.hosts() <= {urlsplit(tiled_app.url).netloc}


def test_the_filter_changes_the_counts_without_reloading_the_frame(tiled_app, browser_page):
    page = browser_page.page
    window = open_map(page, tiled_app.url)
    assert wait_for_drawn(window, 7) == 7
    settle(page, window)
    element = page.locator(MAP_FRAME).element_handle()
    window.evaluate("window.__kept = 'same map'")
    page.get_by_role("button", name=REMOVE_ESTABLISHED).click()
    want = chosen_ids(tiled_app, stages=NOT_ESTABLISHED)
    assert len(want) == 5  # Delta and the hostile one are "established"
    assert wait_for_drawn(window, 5) == 5
    assert sum(n for n, _ in counts(window)) == 5
    page.wait_for_url(re.compile(r"stages="))
    assert window.evaluate("window.__kept") == "same map"
    assert element.evaluate("f => f.isConnected")
    # Zoomed in where the hostile one is, the filter keeps it off the map.
    zoom_towards(page, window, NGOC_HOI.x, NGOC_HOI.y)
    wait_detailed(window)
    assert id_of(tiled_app, HOSTILE) not in shown_ids(window)
    # And a reload with the filter in the URL shows the same counts.
    page.reload()
    window = loaded_map(page)
    assert wait_for_drawn(window, 5) == 5
