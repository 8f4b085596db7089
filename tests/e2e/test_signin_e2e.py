"""A local sign-in in headless Chromium against ``clusters serve``, on a phone and a desktop:
it survives a reload and a new tab, ends in every tab at sign-out or when an administrator
disables the account, lives in an HttpOnly SameSite=Strict cookie and never in a URL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from clusters import accounts
from clusters.roles import CLI_ACTOR
from clusters.store.accounts import account_store
from clusters.ui.asgi import COOKIE, SESSION_PATH, SIGN_OUT_PATH
from tests.builders import cluster, square
from tests.e2e.conftest import AppServer

pytestmark = pytest.mark.browser

PASSWORD = "lan-mat-khau-2025"
VIEWPORTS = {"phone": (390, 844), "desktop": (1400, 900)}
SIGN_OUT = "Đăng xuất"
SIGN_IN = "Đăng nhập"


@pytest.fixture(scope="module")
def server(app_server: Callable[..., AppServer]) -> AppServer:
    return app_server(
        clusters=[cluster(id=1, name="CCN Thử nghiệm", geometry=square(), area_ha=10.3)]
    )


def add_editor(server: AppServer, name: str) -> None:
    store = server.store()
    try:
        accounts.add_account(account_store(store), CLI_ACTOR, name, "editor", password=PASSWORD)
    finally:
        store.close()


def disable(server: AppServer, name: str) -> None:
    """What ``clusters users disable`` or the Administration page does."""
    store = server.store()
    try:
        accounts.set_disabled(account_store(store), CLI_ACTOR, name)
    finally:
        store.close()


@dataclass
class Browser:
    """One browser profile (a Playwright context): its tabs share the cookie jar."""

    context: object
    base: str
    requests: list[str] = field(default_factory=list)

    def tab(self, path: str = "changes"):
        page = self.context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{self.base}/{path}")
        page.locator("h1").first.wait_for()
        return page

    def session_cookie(self) -> dict | None:
        return next((c for c in self.context.cookies() if c["name"] == COOKIE), None)


@pytest.fixture(params=list(VIEWPORTS))
def browser(request, chromium, server: AppServer) -> Iterator[Browser]:
    width, height = VIEWPORTS[request.param]
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    recorded = Browser(context, server.url)

    def route(r):
        if urlsplit(r.request.url).hostname in ("127.0.0.1", "localhost", None):
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    context.on("request", lambda req: recorded.requests.append(req.url))
    yield recorded
    context.close()


def sidebar(page) -> None:
    """Open the sidebar where the phone's screen has collapsed it."""
    expand = page.get_by_test_id("stExpandSidebarButton")
    if expand.count() and expand.is_visible():
        expand.click()
        page.get_by_test_id("stSidebarUserContent").wait_for()


def sign_in(page, name: str) -> None:
    sidebar(page)
    page.get_by_label("Tên tài khoản").fill(name)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name=SIGN_IN, exact=True).click()
    page.get_by_role("button", name=SIGN_OUT).wait_for()


def signed_in(page, name: str) -> None:
    """The sidebar names the account and offers to sign out (waits for it)."""
    page.get_by_text(f"Đã đăng nhập: {name}").wait_for()
    expect(page.get_by_role("button", name=SIGN_OUT)).to_have_count(1)
    expect(page.get_by_label("Tên tài khoản")).to_have_count(0)


def signed_out(page) -> None:
    """The sidebar offers the sign-in form and nothing else (waits for it)."""
    page.get_by_label("Tên tài khoản").wait_for()
    expect(page.get_by_role("button", name=SIGN_OUT)).to_have_count(0)
    expect(page.get_by_text("Đã đăng nhập:")).to_have_count(0)


def rerun(page, title: str = "Thêm cụm") -> None:
    """The tab's next rerun: a click in the page menu (no reload, the same Streamlit session)."""
    sidebar(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title).first.wait_for()


def wait_for_cookie(browser: Browser) -> dict:
    page = browser.context.pages[0]
    for _ in range(50):
        cookie = browser.session_cookie()
        if cookie:
            return cookie
        page.wait_for_timeout(100)
    pytest.fail("the browser never got the session cookie")


def assert_no_secret_in_urls(browser: Browser, *secrets: str) -> None:
    urls = browser.requests + [p.url for p in browser.context.pages]
    assert any(SESSION_PATH in u for u in urls)  # the hand-over was requested …
    for url in urls:
        for secret in secrets:
            assert secret not in url
        if SESSION_PATH in url or SIGN_OUT_PATH in url:
            assert not urlsplit(url).query  # … with nothing in its URL


def test_a_sign_in_survives_reloads_and_new_tabs_and_sign_out_ends_it_everywhere(
    server, browser, request
):
    name = f"lan-{request.node.callspec.id}"
    add_editor(server, name)
    first = browser.tab()
    signed_out(first)
    sign_in(first, name)

    cookie = wait_for_cookie(browser)
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/"
    assert cookie["expires"] == -1  # a browser-session cookie, no date written down
    assert first.evaluate("document.cookie").find(COOKIE) == -1  # scripts cannot read it

    first.reload()
    first.locator("h1").first.wait_for()
    signed_in(first, name)

    second = browser.tab("overview")
    signed_in(second, name)

    sidebar(second)
    second.get_by_role("button", name=SIGN_OUT).click()
    second.get_by_text("Đã đăng xuất").wait_for()
    signed_out(second)

    rerun(first)  # the other tab's next rerun
    signed_out(first)
    for _ in range(50):  # the page's call to the sign-out route clears the cookie
        if browser.session_cookie() is None:
            break
        first.wait_for_timeout(100)
    assert browser.session_cookie() is None
    third = browser.tab()
    signed_out(third)
    assert_no_secret_in_urls(browser, cookie["value"])


def test_disabling_the_account_signs_every_tab_out_at_its_next_rerun(server, browser, request):
    name = f"hoa-{request.node.callspec.id}"
    add_editor(server, name)
    first = browser.tab()
    sign_in(first, name)
    token = wait_for_cookie(browser)["value"]
    second = browser.tab("overview")
    signed_in(second, name)

    disable(server, name)

    rerun(first)
    signed_out(first)
    second.reload()
    second.locator("h1").first.wait_for()
    signed_out(second)
    # The old cookie, sent again, is nobody's.
    third = browser.tab()
    signed_out(third)
    assert_no_secret_in_urls(browser, token)
