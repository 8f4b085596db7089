"""What a planner waits for, measured in headless Chromium (Playwright), the same way for
ours and the naive baseline.

Drawn features are counted inside the map's iframe by walking the Leaflet map's layers
(``window.map`` of streamlit-folium's frame): every layer made from a GeoJSON feature that is
a vector (``L.Path``: polygon, circle marker; SVG or canvas alike) or a marker counts once;
markers held by a ``L.MarkerClusterGroup`` count through the group, whether shown alone or
inside a group icon. A map that draws its features some other way (one custom layer for all)
may define ``window.__benchDrawn()`` in the map frame returning how many it shows; the walk
is then skipped.

Times come from the browser's clock: first load is ``performance.now()`` when every expected
feature is drawn (milliseconds since navigation started); a filter change or a click runs
from the ``mousedown`` that starts it to the moment its result is on the page. Bytes come
from a CDP session: HTTP responses (``Network.loadingFinished``, bytes on the wire) and
websocket frames (``Network.webSocketFrameReceived``); the Streamlit bundle (``/static/``) is
counted apart, since every Streamlit page pays it.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# The browser tests' Chromium (CLUSTERS_CHROMIUM), the flags this machine needs, the map frame.
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, MAP_FRAME

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "MAP_FRAME"]  # used by benchmarks/run.py
VIEWPORT = {"width": 1400, "height": 950}
FILTER_BUTTON = "Remove Đã thành lập"  # the stage filter's chip for "established"
FLOOR_TEXT = "Trang trống"
QUIET_S = 1.0  # a page has settled after this long with no data, no run and no map move

_COUNTS_JS = """
() => {
  const out = [];
  for (const f of document.querySelectorAll('__FRAME__')) {
    const w = f.contentWindow;
    if (!w || !w.map || !w.L || !w.map.eachLayer) continue;
    if (typeof w.__benchDrawn === 'function') { out.push(w.__benchDrawn()); continue; }
    const L = w.L;
    let n = 0;
    w.map.eachLayer(layer => {
      if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup) {
        n += layer.getLayers().length;
        return;
      }
      if (L.MarkerCluster && layer instanceof L.MarkerCluster) return;
      if (layer.__parent) return;  // shown alone, counted with its group
      if (layer.feature && (layer instanceof L.Path || layer instanceof L.Marker)) n += 1;
    });
    out.push(n);
  }
  return out;
}
""".replace("__FRAME__", MAP_FRAME)

_DRAWN_JS = (
    "n => { const counts = (" + _COUNTS_JS + ")(); "
    "return counts.includes(n) ? performance.now() : false; }"
)
_DRAWN_AT_JS = (
    "n => { const counts = (" + _COUNTS_JS + ")(); "
    "return counts.includes(n) ? performance.timeOrigin + performance.now() : false; }"
)
_FLOOR_JS = "t => document.body && document.body.innerText.includes(t) ? performance.now() : false"
_SUMMARY_JS = """
prefix => [...document.querySelectorAll('h1, h2, h3, h4')].some(
    h => h.textContent.includes(prefix)) ? performance.timeOrigin + performance.now() : false
"""
# The next mousedown, in the page or any of its frames, starts the clock.
_ARM_JS = """
() => {
  window.__benchT0 = null;
  const mark = () => {
    if (window.__benchT0 === null) window.__benchT0 = performance.timeOrigin + performance.now();
  };
  window.addEventListener('mousedown', mark, {capture: true, once: true});
  for (const f of document.querySelectorAll('iframe')) {
    try { f.contentWindow.addEventListener('mousedown', mark, {capture: true, once: true}); }
    catch (e) {}
  }
}
"""
_STATE_JS = """
() => {
  const views = [];
  for (const f of document.querySelectorAll('__FRAME__')) {
    const m = f.contentWindow && f.contentWindow.map;
    if (m && m.getCenter) views.push([m.getCenter().lat, m.getCenter().lng, m.getZoom()]);
  }
  return {running: !!document.querySelector('[data-testid="stStatusWidget"]'), views};
}
""".replace("__FRAME__", MAP_FRAME)
# A feature to click: drawn alone, inside the map and the window, on top at its centre.
_TARGET_JS = """
() => {
  for (const f of document.querySelectorAll('__FRAME__')) {
    const w = f.contentWindow;
    if (!w || !w.map || !w.L) continue;
    const L = w.L, map = w.map, frame = f.getBoundingClientRect();
    const box = map.getContainer().getBoundingClientRect();
    const size = map.getSize();
    const found = [];
    map.eachLayer(l => {
      if (!l.feature || (L.MarkerCluster && l instanceof L.MarkerCluster)) return;
      if (!(l instanceof L.Path || l instanceof L.Marker)) return;
      let at = null;
      try { at = l.getLatLng ? l.getLatLng() : l.getCenter(); } catch (e) { return; }
      const p = map.latLngToContainerPoint(at);
      if (p.x < 60 || p.y < 60 || p.x > size.x - 60 || p.y > size.y - 60) return;
      const x = box.left + p.x, y = box.top + p.y;
      if (frame.top + y > window.innerHeight - 10 || frame.left + x > window.innerWidth - 10)
        return;
      const el = w.document.elementFromPoint(x, y);
      const canvas = el && el.tagName === 'CANVAS' && l._renderer && l._renderer._container === el;
      if (el && (el === l._path || el === l._icon || canvas))
        found.push([frame.left + x, frame.top + y]);
    });
    if (found.length) return found[Math.floor(found.length / 2)];
  }
  return null;
}
""".replace("__FRAME__", MAP_FRAME)


# A big registry's map (tiled) shows counts until zoomed in: the count to click to zoom in on
# (the biggest inside the map's middle), or null once the map shows the clusters themselves.
_ZOOM_TARGET_JS = """
() => {
  for (const f of document.querySelectorAll('__FRAME__')) {
    const w = f.contentWindow;
    if (!w || !w.ClusterLayer || !w.ClusterLayer.detailed) continue;
    if (w.ClusterLayer.detailed()) return null;
    const frame = f.getBoundingClientRect();
    const box = w.map.getContainer().getBoundingClientRect();
    let best = null, most = 0;
    for (const el of w.document.querySelectorAll('.cluster-count')) {
      const r = el.getBoundingClientRect();
      const x = r.left + r.width / 2, y = r.top + r.height / 2;
      if (x < box.left + box.width * 0.25 || x > box.right - box.width * 0.25) continue;
      if (y < box.top + box.height * 0.25 || y > box.bottom - box.height * 0.25) continue;
      const n = parseInt(el.textContent, 10);
      if (n > most) { most = n; best = [frame.left + x, frame.top + y]; }
    }
    return best || 'none';
  }
  return null;
}
""".replace("__FRAME__", MAP_FRAME)
ZOOM_CLICKS = 8  # at most, to reach the clusters themselves from the whole city


class Timeout(RuntimeError):
    pass


def _b64_len(data: str) -> int:
    return len(base64.b64decode(data)) if data else 0


@dataclass
class Net:
    """Bytes a page receives, from a CDP session on it (its same-origin frames included)."""

    http: int = 0
    bundle: int = 0
    websocket: int = 0
    foreign: set[str] = field(default_factory=set)
    last_data: float = field(default_factory=time.monotonic)
    _urls: dict[str, str] = field(default_factory=dict)
    _host: str = ""

    @classmethod
    def attach(cls, page: Any, url: str) -> Net:
        net = cls(_host=urlsplit(url).netloc)
        cdp = page.context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", net._request)
        cdp.on("Network.loadingFinished", net._finished)
        cdp.on("Network.webSocketFrameReceived", net._frame)
        cdp.send("Network.enable")
        return net

    def _request(self, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        self._urls[event["requestId"]] = url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self._host:
            self.foreign.add(parts.netloc)

    def _finished(self, event: dict[str, Any]) -> None:
        size = int(event.get("encodedDataLength") or 0)
        path = urlsplit(self._urls.get(event["requestId"], "")).path
        if path.startswith("/static/"):
            self.bundle += size
        else:
            self.http += size
        self.last_data = time.monotonic()

    def _frame(self, event: dict[str, Any]) -> None:
        frame = event["response"]
        if frame.get("opcode") == 1:
            self.websocket += len(frame.get("payloadData", "").encode())
        elif frame.get("opcode") == 2:
            self.websocket += _b64_len(frame.get("payloadData", ""))
        else:
            return
        self.last_data = time.monotonic()

    def counts(self) -> tuple[int, int, int]:
        return self.http, self.websocket, self.bundle


def bytes_since(net: Net, before: tuple[int, int, int]) -> dict[str, int]:
    http, ws, bundle = (a - b for a, b in zip(net.counts(), before, strict=True))
    return {"bytes": http + ws, "http": http, "websocket": ws, "bundle": bundle}


def drawn_counts(page: Any) -> list[int]:
    return list(page.evaluate(_COUNTS_JS))


def settle(page: Any, net: Net | None, timeout_s: float) -> None:
    """Wait until no run is under way, no map moves and no data came for ``QUIET_S``."""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    since = time.monotonic()
    while time.monotonic() < deadline:
        state = page.evaluate(_STATE_JS)
        now = time.monotonic()
        if state["running"] or state["views"] != last:
            since = now
        last = state["views"]
        if net is not None:
            since = max(since, net.last_data)
        if now - since >= QUIET_S:
            return
        page.wait_for_timeout(100)
    raise Timeout("the page did not settle")


def _wait(page: Any, script: str, arg: Any, timeout_s: float, what: str) -> float:
    try:
        handle = page.wait_for_function(script, arg=arg, polling="raf", timeout=timeout_s * 1000)
    except Exception as exc:  # Playwright's TimeoutError, or the page crashed
        raise Timeout(f"{what}: {exc}".splitlines()[0]) from exc
    return float(handle.json_value())


def first_load(page: Any, url: str, expected: int, timeout_s: float) -> float:
    """Seconds from navigation to every expected feature drawn."""
    page.goto(url, wait_until="commit")
    return _wait(page, _DRAWN_JS, expected, timeout_s, f"{expected} features drawn") / 1000


def floor_load(page: Any, url: str, timeout_s: float) -> float:
    page.goto(url, wait_until="commit")
    return _wait(page, _FLOOR_JS, FLOOR_TEXT, timeout_s, "the empty page's text") / 1000


def _timed(page: Any, act: Callable[[], None], script: str, arg: Any, timeout_s: float) -> float:
    page.evaluate(_ARM_JS)
    act()
    end = _wait(page, script, arg, timeout_s, str(arg))
    start = page.evaluate("window.__benchT0")
    if start is None:
        raise Timeout("the action sent no mousedown")
    return (end - float(start)) / 1000


def filter_change(page: Any, expected: int, timeout_s: float) -> float:
    """Seconds from removing "established" in the stage filter to the new count drawn."""
    button = page.get_by_role("button", name=FILTER_BUTTON).first
    button.scroll_into_view_if_needed()
    return _timed(page, button.click, _DRAWN_AT_JS, expected, timeout_s)


def zoom_in(page: Any, net: Net, timeout_s: float) -> int:
    """On a tiled map, click counts (as a planner does) until the map shows the clusters
    themselves; how many clicks it took (0: the map already shows them)."""
    for clicks in range(ZOOM_CLICKS + 1):
        target = page.evaluate(_ZOOM_TARGET_JS)
        if target is None:
            return clicks
        if target == "none" or clicks == ZOOM_CLICKS:
            raise Timeout("zooming in by the counts did not reach the clusters")
        page.mouse.click(*target)
        settle(page, net, timeout_s)
    return ZOOM_CLICKS


def click_summary(page: Any, prefix: str, timeout_s: float) -> float:
    """Seconds from a click on a drawn feature to its summary's heading on the page."""
    target = page.evaluate(_TARGET_JS)
    if target is None:
        raise Timeout("no feature to click")
    x, y = target
    page.mouse.move(x, y)
    return _timed(page, lambda: page.mouse.click(x, y), _SUMMARY_JS, prefix, timeout_s)


@dataclass(frozen=True)
class App:
    """One app under test: ``map`` apps draw ``expected`` features, ``after_filter`` once
    "established" is removed from the stage filter; the floor only shows its text."""

    name: str
    url: str
    kind: str  # "map" or "floor"
    expected: int = 0
    after_filter: int = 0


def new_page(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def _click(page: Any, net: Net, out: dict[str, Any], prefix: str, timeout_s: float) -> None:
    before = net.counts()
    out["zoom_clicks"] = zoom_in(page, net, timeout_s)
    if out["zoom_clicks"]:
        out["zoom_in_bytes"] = bytes_since(net, before)
    before = net.counts()
    out["click_s"] = click_summary(page, prefix, timeout_s)
    settle(page, net, timeout_s)
    out["click_bytes"] = bytes_since(net, before)


def _filter(page: Any, net: Net, out: dict[str, Any], after: int, timeout_s: float) -> None:
    before = net.counts()
    out["filter_s"] = filter_change(page, after, timeout_s)
    settle(page, net, timeout_s)
    out["filter_bytes"] = bytes_since(net, before)


def one_run(browser: Any, app: App, prefix: str, timeout_s: float) -> dict[str, Any]:
    """A fresh browser context: first load, then (maps) click → summary, filter change. A
    tiled map changes the filter first, while its counts show the whole registry, and then
    zooms in by its counts to click a cluster."""
    context, page = new_page(browser)
    out: dict[str, Any] = {}
    try:
        net = Net.attach(page, app.url)
        before = net.counts()
        if app.kind == "floor":
            out["first_load_s"] = floor_load(page, app.url, timeout_s)
            settle(page, net, timeout_s)
            out["first_load_bytes"] = bytes_since(net, before)
            return out
        out["first_load_s"] = first_load(page, app.url, app.expected, timeout_s)
        settle(page, net, timeout_s)
        out["first_load_bytes"] = bytes_since(net, before)
        if page.evaluate(_ZOOM_TARGET_JS) is None:
            _click(page, net, out, prefix, timeout_s)
            _filter(page, net, out, app.after_filter, timeout_s)
        else:
            _filter(page, net, out, app.after_filter, timeout_s)
            _click(page, net, out, prefix, timeout_s)
        out["foreign_hosts"] = sorted(net.foreign)
        return out
    finally:
        context.close()


def sessions_memory(
    browser: Any, app: App, rss_mb: Callable[[], float], sessions: int, timeout_s: float
) -> dict[str, float]:
    """Server memory with one session open, then with ``sessions`` (each page loaded and
    settled before the next opens); the first page's load is the server's cold start."""
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    out: dict[str, float] = {}
    try:
        for i in range(sessions):
            page = context.new_page()
            page.set_default_timeout(60_000)
            if app.kind == "floor":
                took = floor_load(page, app.url, timeout_s)
            else:
                took = first_load(page, app.url, app.expected, timeout_s)
            settle(page, None, timeout_s)
            if i == 0:
                out["cold_first_load_s"] = took
                page.wait_for_timeout(1000)
                out["rss_1_mb"] = rss_mb()
        page.wait_for_timeout(1000)
        out[f"rss_{sessions}_mb"] = rss_mb()
        out["per_extra_session_mb"] = (out[f"rss_{sessions}_mb"] - out["rss_1_mb"]) / max(
            sessions - 1, 1
        )
        return out
    finally:
        context.close()
