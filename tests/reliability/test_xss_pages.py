"""Hostile text in every text field, on every page, in headless Chromium against the real app.

Each cluster's every free-text field holds one of ``PAYLOADS`` (rotated, so each payload
lands in many fields and every field meets many payloads): HTML that runs script on error or
load, quotes and tags that close an attribute, a ``<textarea>`` or a ``<script>``, JavaScript
template-literal and JSON string breaks, ``javascript:`` links as text, Markdown and
Markdown-in-HTML links, math. So do the clusters' decisions (number, issuer, note), history
(a reason and an import file name) and the reported figures (source, note). The fields whose
format the rules check (``as_of``, the commune code) hold valid values: no door lets other
text in.

Every payload would set ``window.__pwned``, change ``document.title`` or open a dialog. Each
page — the map with every tooltip hovered and a cluster clicked, the list, the overview, the
history, the cluster records, the edit pages signed in as an editor (each tab) and the
administration page signed in as an admin — is then probed in every frame (the page and the
map's iframe): no canary, no changed title, no dialog, and no element that hostile text
became: an ``on…`` attribute carrying the payload, or a ``javascript:`` URL in ``href`` or
``src`` (a link that would run when clicked counts as executed). A page showing an exception
counts crashed. CI opens three cluster and edit pages (between them every payload in several
fields); ``CLUSTERS_RELIABILITY_FULL=1`` opens every cluster's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from clusters import accounts
from clusters.mapping import CLUSTER_CLASS
from clusters.model import Decision, ReportedFigure
from clusters.roles import CLI_ACTOR
from clusters.store.accounts import account_store
from tests.builders import CHECKED_TEXT_FIELDS, cluster, square, text_fields
from tests.e2e.conftest import MAP_FRAME
from tests.reliability.counts import FULL

pytestmark = pytest.mark.browser

CANARY = "window.__pwned=1;document.title='PWNED';alert('PWNED')"
PAYLOADS = (
    f'<img src=x onerror="{CANARY}">',
    f'"><script>{CANARY}</script>',
    f"'><svg/onload={CANARY}>",
    "${window.__pwned=1}${alert('PWNED')}",
    f"`;{CANARY};`",
    f"</textarea><img src=x onerror={CANARY}>",
    f"</script><script>{CANARY}</script>",
    f"javascript:{CANARY}",
    f'[bấm vào đây](javascript:{CANARY}) <a href="javascript:{CANARY}">liên kết</a>',
    "{{constructor.constructor('window.__pwned=1')()}}",
    f'<iframe srcdoc="<script>parent.__pwned=1;{CANARY}</script>"></iframe>',
    f'\\"}};{CANARY};//',
    "$$\\href{javascript:window.__pwned=1}{x}$$ $\\htmlData{x=1}{y}$",
    f"<details open ontoggle={CANARY}>x</details>",
)
# A URL a source may hold, written to break out of the link the record page makes of it.
HOSTILE_URL = f"https://example.org/?q=\"><img src=x onerror={CANARY}>&r='onmouseover='{CANARY}"
HOSTILE_FIELDS = tuple(f for f in text_fields() if f not in CHECKED_TEXT_FIELDS)
LIST_FIELDS = ("aliases", "sources")
PASSWORDS = {"lan": "lan-mat-khau-2025", "quan-tri": "quan-tri-mat-khau-25"}
SETTLE_MS = 15_000

# Run in every frame: what hostile text has done there.
PROBE = """() => {
  const hits = [];
  if (window.__pwned !== undefined) hits.push("window.__pwned is set");
  if (document.title.includes("PWNED")) hits.push("document.title changed");
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      const v = a.value || "";
      const tag = el.tagName.toLowerCase();
      if (/^on/i.test(a.name) && v.includes("__pwned")) hits.push(`<${tag} ${a.name}=…>`);
      if (/^(href|src|action|formaction|xlink:href)$/i.test(a.name) && /^\\s*javascript:/i.test(v))
        hits.push(`<${tag} ${a.name}="javascript:…">`);
    }
  }
  return hits;
}"""


def payload(k: int, j: int) -> str:
    return PAYLOADS[(k + j) % len(PAYLOADS)]


def hostile_cluster(k: int) -> Any:
    values: dict[str, Any] = {}
    for j, f in enumerate(HOSTILE_FIELDS):
        if f == "sources":
            values[f] = [HOSTILE_URL, payload(k, j)]
        elif f in LIST_FIELDS:
            values[f] = [payload(k, j), payload(k, j + 1)]
        else:
            values[f] = payload(k, j)
    values["name"] = f"CCN {k + 1} {payload(k, 0)}"  # names differ: every page can find one
    return cluster(
        id=k + 1,
        geometry=square(105.55 + (k % 4) * 0.12, 20.85 + (k // 4) * 0.12, side_deg=0.04),
        location_precision="surveyed",
        as_of="2025-06",
        commune_2025_code="09955",
        **values,
    )


CLUSTERS = [hostile_cluster(k) for k in range(len(PAYLOADS))]
OPENED = range(len(CLUSTERS)) if FULL else (0, 4, 9)


@pytest.fixture(scope="module")
def hostile_app(app_server):
    server = app_server(clusters=CLUSTERS)
    store = server.store()
    try:
        for k, c in enumerate(CLUSTERS):
            assert c.id is not None
            store.update(
                c.id,
                {"notes": payload(k, 5)},
                based_on=1,
                actor="cli",
                kind="import",
                reason=payload(k, 3),
                source=f"{payload(k, 7)}.csv",
                decisions=[
                    Decision(
                        doc_type="establishment",
                        number=payload(k, 1),
                        date=date(2024, 5, 2),
                        issuer=payload(k, 2),
                        note=payload(k, 4),
                    )
                ],
            )
        for n, p in enumerate(PAYLOADS[:4]):
            store.add_reported_figure(
                ReportedFigure(date(2024, 1, 1 + n), "established", 70 + n, p, note=p),
                actor="cli",
            )
        acc = account_store(store)
        accounts.add_account(acc, CLI_ACTOR, "lan", "editor", password=PASSWORDS["lan"])
        accounts.add_account(acc, CLI_ACTOR, "quan-tri", "admin", password=PASSWORDS["quan-tri"])
    finally:
        store.close()
    return server


class Probe:
    """What every page view found, counted into the suite's table."""

    def __init__(self, browser_page, outcome) -> None:
        self.browser_page = browser_page
        self.page = browser_page.page
        self.outcome = outcome

    def check(self, view: str) -> None:
        self.outcome.attempted += 1
        page = self.page
        hits: list[str] = []
        for frame in page.frames:
            try:
                hits += [f"{frame.name or frame.url[:60]}: {h}" for h in frame.evaluate(PROBE)]
            except Exception as exc:  # a frame gone while probing is not a finding
                if "detached" not in str(exc) and "destroyed" not in str(exc):
                    raise
        hits += [f"dialog: {d}" for d in self.browser_page.dialogs]
        self.browser_page.dialogs.clear()
        if hits:
            self.outcome.note("executed", f"{view}: {'; '.join(hits[:5])}")
        errors = page.locator('[data-testid="stException"]')
        if errors.count():
            self.outcome.note("crashed", f"{view}: {errors.first.inner_text()[:200]}")
        self.outcome.committed += not hits and not errors.count()

    def open(self, url: str, view: str, ready: str | None = None) -> None:
        self.page.goto(url)
        self.page.locator("h1").first.wait_for()
        if ready:
            self.page.get_by_role("heading", name=ready).first.wait_for()
        try:  # images the page asked for (an injected <img src=x> too) have been answered
            self.page.wait_for_load_state("networkidle", timeout=SETTLE_MS)
        except Exception as exc:  # Playwright's TimeoutError: the page never settled
            self.outcome.note("hung", f"{view}: {type(exc).__name__}")


def sign_in(page, name: str) -> None:
    """Sign in from the sidebar as ``name``, signing out first whoever is signed in (a session
    cookie may have kept someone across the reload)."""
    sign_out = page.get_by_role("button", name="Đăng xuất")
    name_box = page.get_by_label("Tên tài khoản")
    sign_out.or_(name_box).first.wait_for()
    if sign_out.count():
        sign_out.click()
        name_box.wait_for()
    name_box.fill(name)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORDS[name])
    page.get_by_role("button", name="Đăng nhập").click()
    sign_out.wait_for()


def test_hostile_text_runs_nowhere_on_any_page(hostile_app, browser_page, outcome):
    outcome.name = f"XSS corpus · chromium · {len(PAYLOADS)} payloads"
    probe = Probe(browser_page, outcome)
    page = browser_page.page
    base = hostile_app.url

    probe.open(base, "map")
    frame = page.frame_locator(MAP_FRAME)
    paths = frame.locator(f"path.{CLUSTER_CLASS}")
    paths.first.wait_for()
    tooltip = frame.locator(".leaflet-tooltip")
    for n in range(paths.count()):
        frame.locator(".leaflet-control-scale").hover()  # leave the last feature
        tooltip.first.wait_for(state="detached")
        paths.nth(n).hover()
        tooltip.last.wait_for()
        probe.check(f"map tooltip {n + 1}")
    paths.first.click()
    page.get_by_text("Mở trang chi tiết").wait_for()
    probe.check("map summary")

    for path, view in (("list", "list"), ("overview", "overview"), ("changes", "history")):
        probe.open(f"{base}/{path}", view)
        probe.check(view)
    for k in OPENED:
        probe.open(f"{base}/cluster?id={k + 1}", f"cluster {k + 1}", ready=CLUSTERS[k].name)
        probe.check(f"cluster {k + 1}")
    for k in OPENED:
        probe.open(f"{base}/edit?id={k + 1}", f"edit {k + 1}")
        sign_in(page, "lan")
        page.get_by_role("heading", name=CLUSTERS[k].name).wait_for()
        for tab in page.get_by_role("tab").all():
            tab.click()
            probe.check(f"edit {k + 1} · {tab.inner_text()}")
    probe.open(f"{base}/admin", "admin")
    sign_in(page, "quan-tri")
    page.get_by_role("button", name="Thêm số liệu").first.wait_for()
    probe.check("admin")
    outcome.verify()
