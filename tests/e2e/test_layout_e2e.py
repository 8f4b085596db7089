"""Every label readable on a phone (390 × 844) and a desktop window (1400 × 900).

Each test saves a screenshot of what it checked under ``test-artifacts/layout/`` (or
``$CLUSTERS_TEST_ARTIFACTS/layout/``), named ``<page>-<width>.png``, for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_map_e2e import (
    DESKTOP,
    FIT,
    PHONE,
    SEARCH,
    SIZES,
    map_frame,
    map_window,
    settle,
    wait_for_drawn,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("CLUSTERS_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "layout"
SELECTED = "CCN Duyên Thái"  # a cluster with a long stage name and two badges
AREA = "Diện tích (ha)"

# Labels cut off on one line ("Thu phóng vừa kết …"): any element inside a button, a chip of
# a multiselect, a badge, an expander's header, a link or a widget label whose text is wider than
# the box that clips it (a closed sidebar is not shown).
_CUT_LABELS = """() => {
  const roots = document.querySelectorAll('button, [data-tag], .stMarkdownBadge, summary, a,'
    + ' [data-testid="stWidgetLabel"], [role="tab"]');
  const cut = [];
  for (const root of roots) {
    for (const el of [root, ...root.querySelectorAll('*')]) {
      const box = el.getBoundingClientRect();
      if (box.width < 2 || box.height < 2 || !el.textContent.trim()) continue;
      if (el.closest('[data-testid="stSidebar"][data-collapsed="true"]')) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.overflowX === 'visible') continue;
      if (el.scrollWidth > el.clientWidth + 1) {
        cut.push(`${el.textContent.trim().slice(0, 60)} (${el.scrollWidth} > ${el.clientWidth})`);
      }
    }
  }
  return [...new Set(cut)];
}"""


def shoot(page, name: str, viewport: dict[str, int]) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}-{viewport['width']}.png"
    page.screenshot(path=str(path))
    return path


def cut_labels(page) -> list[str]:
    return page.evaluate(_CUT_LABELS)


def open_sidebar(page) -> None:
    """On a phone the sidebar starts closed: open it to see the filter's chips."""
    if page.locator('[data-testid="stSidebar"][data-collapsed="false"]').count():
        return
    page.locator('[data-testid="stExpandSidebarButton"]').click()
    page.locator('[data-testid="stSidebar"][data-collapsed="false"]').wait_for()
    page.wait_for_timeout(500)  # the sidebar slides in


def close_sidebar(page) -> None:
    page.locator('[data-testid="stSidebarCollapseButton"] button').click()
    page.locator('[data-testid="stSidebar"][data-collapsed="true"]').wait_for(state="attached")
    page.wait_for_timeout(500)


def open_downloads(page) -> None:
    page.locator("summary", has_text="Tải xuống").click()
    page.get_by_role("button", name="GeoJSON (RFC 7946)").wait_for()


@pytest.mark.parametrize("viewport", SIZES)
def test_map_page_labels_are_whole(seeded_app, browser_page, viewport):
    page = browser_page.page
    page.set_viewport_size(viewport)
    page.goto(f"{seeded_app.url}/?text=duyen%20thai")
    frame = map_frame(page)
    wait_for_drawn(frame, 1)
    page.get_by_role("heading", name=SELECTED).wait_for()  # one result: opened
    if viewport == PHONE:
        open_sidebar(page)
    search = page.get_by_role("textbox", name=SEARCH)
    search.fill("")
    search.press("Enter")
    wait_for_drawn(frame, 101)
    assert cut_labels(page) == []
    if viewport == PHONE:
        close_sidebar(page)
    page.get_by_role("button", name=FIT).click()
    settle(page, map_window(page))
    open_downloads(page)
    assert cut_labels(page) == []
    page.locator('[data-testid="stMain"]').evaluate("main => main.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    shoot(page, "map", viewport)
    if viewport == PHONE:  # the summary sits under the map
        page.get_by_role("heading", name=SELECTED).scroll_into_view_if_needed()
        shoot(page, "map-summary", viewport)


@pytest.mark.parametrize("viewport", SIZES)
def test_map_page_with_every_cluster_has_whole_chips(seeded_app, browser_page, viewport):
    """Six stage chips, some long ("Đã khởi công, đang xây dựng hạ tầng")."""
    page = browser_page.page
    page.set_viewport_size(viewport)
    page.goto(seeded_app.url)
    frame = map_frame(page)
    wait_for_drawn(frame, 101)
    settle(page, map_window(page))
    if viewport == PHONE:
        open_sidebar(page)
    chips = page.locator("[data-tag]")
    assert chips.count() == 6
    for chip in chips.all():
        chip.scroll_into_view_if_needed()
        expect(chip).to_be_visible()
    assert cut_labels(page) == []
    shoot(page, "map-filters", viewport)


@pytest.mark.parametrize("viewport", SIZES)
def test_list_shows_name_and_area_without_scrolling_sideways(seeded_app, browser_page, viewport):
    page = browser_page.page
    page.set_viewport_size(viewport)
    page.goto(f"{seeded_app.url}/list")
    table = page.locator('[data-testid="stDataFrame"]')
    table.locator("th", has_text=AREA).wait_for(state="attached")
    box = table.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    # The grid renders the columns it shows: the one after the area being shown, the area
    # column is whole inside the table.
    headers = table.locator("th").all_text_contents()
    assert headers[:2] == ["Tên cụm", AREA]
    assert len(headers) >= 3
    assert cut_labels(page) == []
    shoot(page, "list", viewport)
    open_downloads(page)
    assert cut_labels(page) == []


@pytest.mark.parametrize("viewport", SIZES)
def test_record_page_labels_are_whole(seeded_app, browser_page, viewport):
    page = browser_page.page
    page.set_viewport_size(viewport)
    page.goto(f"{seeded_app.url}/cluster?id=3")
    page.get_by_role("heading", name=SELECTED).wait_for()
    page.wait_for_load_state("networkidle")
    assert cut_labels(page) == []
    shoot(page, "record", viewport)


def test_a_click_on_a_row_of_the_list_opens_its_cluster(seeded_app, browser_page):
    page = browser_page.page
    page.set_viewport_size(DESKTOP)
    page.goto(f"{seeded_app.url}/list?text=duyen%20thai")
    table = page.locator('[data-testid="stDataFrame"]')
    table.locator("th", has_text=AREA).wait_for(state="attached")
    canvas = table.locator("canvas").first
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 60, box["y"] + 52)  # the first row's name
    page.wait_for_url("**/cluster?id=3")
    page.get_by_role("heading", name=SELECTED).wait_for()
