"""Sessions of a local sign-in: created at sign-in, found by the tab's id or the cookie's token,
ended by the idle time, a disabled account, a changed role, a new password or sign-out;
the cookie routes and their cross-site checks; the sign-in form handing the code over."""

from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response
from streamlit.testing.v1 import AppTest

from clusters import accounts
from clusters.accounts import Session, SessionEnd, Settings
from clusters.roles import CLI_ACTOR, Actor
from clusters.store import ClusterStore, open_store
from clusters.store import schema as s
from clusters.store.accounts import AccountStore, account_store
from clusters.ui import asgi, auth

PASSWORD = "Mật-khẩu-rất-bí-mật-42"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
IDLE = Settings(session_idle_minutes=30)
APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def acc(request, store: ClusterStore) -> Iterator[AccountStore]:
    """The account store on SQLite and on PostgreSQL (the same portable SQL)."""
    if request.param == "sqlite":
        yield account_store(store)
        return
    other = open_store(request.getfixturevalue("postgis_url"))
    yield account_store(other)
    other.close()


@pytest.fixture
def lan(acc: AccountStore) -> Actor:
    accounts.add_account(acc, CLI_ACTOR, "lan", "editor", password=PASSWORD, now=T0)
    return Actor("lan", "editor")


def resume(acc: AccountStore, at: datetime = T0, **key: object) -> Session | SessionEnd:
    return accounts.resume_session(acc, settings=IDLE, now=at, **key)


def signed_in_browser(acc: AccountStore, actor: Actor, at: datetime = T0) -> tuple[int, str]:
    """A sign-in whose browser has claimed its cookie: the tab's session id and the token."""
    started = accounts.start_session(acc, actor, settings=IDLE, now=at)
    assert started.code
    token = accounts.claim_session(acc, started.code, now=at + timedelta(seconds=2))
    assert token
    return started.id, token


# -- the store and the rules --------------------------------------------------------------


def test_a_session_is_found_by_the_tab_id_and_by_the_cookie_token(acc, lan):
    session_id, token = signed_in_browser(acc, lan)
    assert resume(acc, session_id=session_id) == Session(session_id, lan)
    assert resume(acc, token=token) == Session(session_id, lan)  # a reload, a new tab
    assert resume(acc, token=token + "x") is SessionEnd.GONE
    assert resume(acc, session_id=session_id + 1) is SessionEnd.GONE


def test_the_code_is_single_use_and_short_lived(acc, lan):
    first = accounts.start_session(acc, lan, settings=IDLE, now=T0)
    assert accounts.claim_session(acc, first.code, now=T0)
    assert accounts.claim_session(acc, first.code, now=T0) is None  # spent
    late = accounts.start_session(acc, lan, settings=IDLE, now=T0)
    after = T0 + timedelta(seconds=accounts.SESSION_CODE_SECONDS + 1)
    assert accounts.claim_session(acc, late.code, now=after) is None
    assert accounts.claim_session(acc, "made-up", now=T0) is None
    # The session whose code expired still serves its own tab.
    assert resume(acc, session_id=late.id) == Session(late.id, lan)


def test_without_the_cookie_routes_a_session_has_no_code(acc, lan):
    started = accounts.start_session(acc, lan, cookie=False, settings=IDLE, now=T0)
    assert started.code is None
    assert resume(acc, session_id=started.id) == Session(started.id, lan)


def test_an_idle_session_ends_and_every_use_keeps_it_alive(acc, lan):
    session_id, token = signed_in_browser(acc, lan)
    # Used every 20 minutes from one tab or the other: never idle for 30.
    for minutes in (20, 40, 60, 80):
        key = {"token": token} if minutes % 40 else {"session_id": session_id}
        assert resume(acc, T0 + timedelta(minutes=minutes), **key) == Session(session_id, lan)
    assert resume(acc, T0 + timedelta(minutes=111), token=token) is SessionEnd.IDLE
    assert resume(acc, T0 + timedelta(minutes=112), session_id=session_id) is SessionEnd.GONE


def test_no_idle_time_means_no_expiry(acc, lan):
    never = Settings(session_idle_minutes=0)
    started = accounts.start_session(acc, lan, settings=never, now=T0)
    found = accounts.resume_session(
        acc, session_id=started.id, settings=never, now=T0 + timedelta(days=40)
    )
    assert found == Session(started.id, lan)


def test_a_sign_in_forgets_sessions_idle_for_longer_than_the_idle_time(acc, lan):
    old = accounts.start_session(acc, lan, settings=IDLE, now=T0)
    accounts.start_session(acc, lan, settings=IDLE, now=T0 + timedelta(hours=2))
    assert acc.find_session(session_id=old.id) is None


@pytest.mark.parametrize("through", ["rules", "store"])
def test_disabling_the_account_ends_its_sessions(acc, lan, through):
    session_id, token = signed_in_browser(acc, lan)
    other_tab = accounts.start_session(acc, lan, cookie=False, settings=IDLE, now=T0)
    if through == "rules":  # every session deleted at once
        accounts.set_disabled(acc, CLI_ACTOR, "lan", now=T0)
        assert resume(acc, token=token) is SessionEnd.GONE
        assert resume(acc, session_id=other_tab.id) is SessionEnd.GONE
    else:  # written past the rules (another tool): each session ends at its next use
        acc.change("lan", {"disabled": True}, actor="dba", at=T0, action="disable")
        assert resume(acc, token=token) is SessionEnd.DISABLED
        assert resume(acc, session_id=other_tab.id) is SessionEnd.DISABLED
        assert resume(acc, session_id=other_tab.id) is SessionEnd.GONE
    assert resume(acc, session_id=session_id) is SessionEnd.GONE


@pytest.mark.parametrize("through", ["rules", "store"])
def test_a_role_change_ends_the_session(acc, lan, through):
    session_id, token = signed_in_browser(acc, lan)
    if through == "rules":
        accounts.set_role(acc, CLI_ACTOR, "lan", "admin", now=T0)
        assert resume(acc, token=token) is SessionEnd.GONE
    else:
        acc.change("lan", {"role": "viewer"}, actor="dba", at=T0, action="role")
        assert resume(acc, token=token) is SessionEnd.ROLE
    assert resume(acc, session_id=session_id) is SessionEnd.GONE


def test_setting_the_same_role_keeps_the_session(acc, lan):
    session_id, _ = signed_in_browser(acc, lan)
    accounts.set_role(acc, CLI_ACTOR, "lan", "editor", now=T0)
    assert resume(acc, session_id=session_id) == Session(session_id, lan)


def test_a_new_password_ends_the_sessions(acc, lan):
    session_id, _ = signed_in_browser(acc, lan)
    accounts.set_password(acc, CLI_ACTOR, "lan", PASSWORD + "-new", now=T0)
    assert resume(acc, session_id=session_id) is SessionEnd.GONE


def test_sign_out_in_one_tab_ends_the_session_in_every_tab(acc, lan):
    session_id, token = signed_in_browser(acc, lan)
    assert resume(acc, token=token) == Session(session_id, lan)  # a second tab, by cookie
    assert accounts.end_session(acc, session_id=session_id)
    assert resume(acc, token=token) is SessionEnd.GONE
    assert resume(acc, session_id=session_id) is SessionEnd.GONE
    assert not accounts.end_session(acc, session_id=session_id)


def test_sign_out_by_the_cookie_ends_only_that_session(acc, lan):
    first, token = signed_in_browser(acc, lan)
    second, _ = signed_in_browser(acc, lan)  # another browser
    assert accounts.end_session(acc, token=token)
    assert resume(acc, session_id=first) is SessionEnd.GONE
    assert resume(acc, session_id=second) == Session(second, lan)


def test_a_disabled_account_cannot_open_a_session(acc, lan):
    accounts.set_disabled(acc, CLI_ACTOR, "lan", now=T0)
    with pytest.raises(accounts.SignInRefused):
        accounts.start_session(acc, lan, settings=IDLE, now=T0)


def all_values(acc: AccountStore) -> str:
    """Every value of the sessions table, as text, on either engine."""
    with acc.engine.connect() as conn:
        rows = conn.execute(sa.select(s.sessions)).all()
    return repr(rows)


def test_tokens_and_codes_are_never_stored_in_clear(acc, lan):
    session_id, token = signed_in_browser(acc, lan)
    pending = accounts.start_session(acc, lan, settings=IDLE, now=T0)
    stored = all_values(acc)
    assert token not in stored and pending.code not in stored
    assert str(session_id) in stored  # the table was read


def test_tokens_and_codes_are_not_in_the_sqlite_file(store, db_url):
    acc = account_store(store)
    accounts.add_account(acc, CLI_ACTOR, "lan", "editor", password=PASSWORD, now=T0)
    _, token = signed_in_browser(acc, Actor("lan", "editor"))
    pending = accounts.start_session(acc, Actor("lan", "editor"), settings=IDLE, now=T0)
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    try:
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    assert 'INSERT INTO "sessions"' in dump
    assert token not in dump and pending.code not in dump


# -- the cookie routes --------------------------------------------------------------------

HOST = "127.0.0.1:8501"


def post(
    handler, *, body: str = "", headers: dict[str, str] | None = None, cookie: str = ""
) -> Response:
    """Call a route's handler with a POST as a browser would send it."""
    sent = {"host": HOST, "content-type": "text/plain", **(headers or {})}
    if cookie:
        sent["cookie"] = f"{asgi.COOKIE}={cookie}"
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "path": "/_clusters/x",
        "query_string": b"",
        "server": ("127.0.0.1", 8501),
        "headers": [(k.encode(), v.encode()) for k, v in sent.items()],
    }

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body.encode(), "more_body": False}

    # In a thread of its own: in a full run the browser tests' Playwright (sync API) keeps an
    # event loop running in the main thread, and asyncio.run refuses to start inside it.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, handler(Request(scope, receive))).result()


SAME_ORIGIN = {"origin": f"http://{HOST}", "sec-fetch-site": "same-origin"}


@pytest.fixture
def routed(monkeypatch, store: ClusterStore, db_url: str) -> Iterator[AccountStore]:
    """The routes' account store is the test's registry."""
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    asgi._accounts.cache_clear()
    acc = account_store(store)
    accounts.add_account(acc, CLI_ACTOR, "lan", "editor", password=PASSWORD)
    yield acc
    asgi._accounts.cache_clear()


def set_cookie(response: Response) -> str:
    return response.headers.get("set-cookie", "")


def cookie_value(response: Response) -> str:
    return set_cookie(response).split(";")[0].split("=", 1)[1]


def test_the_session_route_sets_an_httponly_strict_cookie_holding_the_session(routed):
    started = accounts.start_session(routed, Actor("lan", "editor"))
    response = post(asgi._claim, body=started.code, headers=SAME_ORIGIN)
    assert response.status_code == 204
    flags = [f.strip().lower() for f in set_cookie(response).split(";")]
    assert {"httponly", "samesite=strict", "path=/"} <= set(flags)
    assert "secure" not in flags  # plain http here
    assert not any(f.startswith(("max-age", "expires")) for f in flags)  # dies with the browser
    assert response.headers["cache-control"] == "no-store"
    token = cookie_value(response)
    assert accounts.resume_session(routed, token=token) == Session(
        started.id, Actor("lan", "editor")
    )
    again = post(asgi._claim, body=started.code, headers=SAME_ORIGIN)
    assert again.status_code == 403 and not set_cookie(again)


def test_the_cookie_is_secure_over_https(routed):
    started = accounts.start_session(routed, Actor("lan", "editor"))
    response = post(
        asgi._claim, body=started.code, headers={"origin": f"https://{HOST}", "host": HOST}
    )
    assert "secure" in [f.strip().lower() for f in set_cookie(response).split(";")]


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no Origin: not a page of the app
        {"origin": "http://evil.example"},
        {"origin": "null"},
        {"origin": f"http://{HOST}", "sec-fetch-site": "cross-site"},
        {"origin": f"http://{HOST}", "sec-fetch-site": "same-site"},
        {"origin": "http://evil.example", "host": "evil.example", "sec-fetch-site": "cross-site"},
    ],
)
def test_another_site_can_neither_sign_a_browser_in_nor_out(routed, headers, caplog):
    started = accounts.start_session(routed, Actor("lan", "editor"))
    refused = post(asgi._claim, body=started.code, headers=headers)
    assert refused.status_code == 403 and not set_cookie(refused)
    assert "refused" in caplog.text
    token = cookie_value(post(asgi._claim, body=started.code, headers=SAME_ORIGIN))
    kept = post(asgi._sign_out, headers=headers, cookie=token)
    assert kept.status_code == 403 and not set_cookie(kept)
    assert isinstance(accounts.resume_session(routed, token=token), Session)


def test_the_session_route_refuses_an_oversized_or_empty_body(routed):
    assert post(asgi._claim, body="x" * 1000, headers=SAME_ORIGIN).status_code == 400
    assert post(asgi._claim, body="", headers=SAME_ORIGIN).status_code == 400


def test_the_sign_out_route_ends_the_cookie_session_and_clears_the_cookie(routed):
    started = accounts.start_session(routed, Actor("lan", "editor"))
    token = cookie_value(post(asgi._claim, body=started.code, headers=SAME_ORIGIN))
    response = post(asgi._sign_out, headers=SAME_ORIGIN, cookie=token)
    assert response.status_code == 204
    cleared = set_cookie(response).lower()
    assert cleared.startswith(f'{asgi.COOKIE}=""') and "max-age=0" in cleared
    assert "httponly" in cleared and "samesite=strict" in cleared
    assert accounts.resume_session(routed, token=token) is SessionEnd.GONE


def test_the_routes_sit_under_the_base_url_path(monkeypatch):
    monkeypatch.setattr(asgi, "_base", lambda: "/clusters")
    monkeypatch.setattr(asgi, "_served", [])  # routes() marks the process as serving them
    assert [r.path for r in asgi.routes()] == [
        "/clusters/_clusters/session",
        "/clusters/_clusters/sign-out",
        "/clusters/_clusters/map/{name}",
    ]


# -- the sign-in form in the app (AppTest) ------------------------------------------------


@pytest.fixture
def app_db(db_url, monkeypatch) -> Iterator[AccountStore]:
    """An empty registry with the editor lan; the app opens it with the session routes on."""
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    monkeypatch.delenv("CLUSTERS_ANONYMOUS_READ", raising=False)
    monkeypatch.delenv("CLUSTERS_SESSION_IDLE_MINUTES", raising=False)
    monkeypatch.setattr(asgi, "_served", [True])
    store = open_store(db_url)
    acc = account_store(store)
    accounts.add_account(acc, CLI_ACTOR, "lan", "editor", password=PASSWORD)
    yield acc
    store.close()


def tab() -> AppTest:
    """A browser tab on the page of recent changes (any page has the sign-in box)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("clusters/ui/pages/history_page.py")
    at.run()
    assert not at.exception, at.exception
    return at


def sign_in(at: AppTest) -> None:
    at.sidebar.text_input(key="auth_name").input("lan")
    at.sidebar.text_input(key="auth_password").input(PASSWORD)
    at.sidebar.button(key="auth_submit").click().run()


def scripts(at: AppTest) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def signed_in(at: AppTest) -> bool:
    return any("lan" in str(m.value) for m in at.sidebar.markdown) and any(
        b.key == "auth_sign_out" for b in at.sidebar.button
    )


def test_the_form_hands_a_code_to_the_page_and_a_new_tab_finds_the_session(app_db, monkeypatch):
    first = tab()
    sign_in(first)
    assert signed_in(first)
    html = scripts(first)
    assert asgi.SESSION_PATH in html and "method: 'POST'" in html
    [row] = _session_rows(app_db)
    code = html.split('body: "')[1].split('"')[0]
    assert row.code_hash and code not in repr(row)
    first.run()  # a rerun before the page has claimed it: the code is offered again
    assert code in scripts(first)
    token = accounts.claim_session(app_db, code)  # what the route does for the page
    assert token
    first.run()
    assert asgi.SESSION_PATH not in scripts(first)  # claimed: nothing more to hand over

    monkeypatch.setattr(auth, "_cookie_token", lambda: token)
    second = tab()  # a new tab (or a reload) sends the cookie
    assert signed_in(second)

    second.sidebar.button(key="auth_sign_out").click().run()
    assert not signed_in(second)
    assert asgi.SIGN_OUT_PATH in scripts(second)  # the page clears the cookie
    first.run()  # the first tab's next rerun
    assert not signed_in(first)
    assert _session_rows(app_db) == []


def test_disabling_the_account_signs_the_tab_out_at_its_next_rerun(app_db):
    at = tab()
    sign_in(at)
    assert signed_in(at)
    accounts.set_disabled(app_db, CLI_ACTOR, "lan")
    at.run()
    assert not signed_in(at)
    assert auth.ACTOR_KEY not in at.session_state and auth.SESSION_KEY not in at.session_state


def test_without_the_routes_a_sign_in_lasts_for_its_tab_only(app_db, monkeypatch):
    monkeypatch.setattr(asgi, "_served", [])
    at = tab()
    sign_in(at)
    assert signed_in(at)
    assert asgi.SESSION_PATH not in scripts(at)
    [row] = _session_rows(app_db)
    assert row.code_hash is None and row.token_hash is None
    at.sidebar.button(key="auth_sign_out").click().run()
    assert asgi.SIGN_OUT_PATH not in scripts(at)
    assert _session_rows(app_db) == []


def _session_rows(acc: AccountStore) -> list[sa.Row]:
    with acc.engine.connect() as conn:
        return list(conn.execute(sa.select(s.sessions)).all())


def test_clusters_serve_runs_the_entry_script_as_an_asgi_app_with_the_routes(tmp_path):
    from streamlit.web.server.app_discovery import discover_asgi_app

    from clusters import serving

    script = serving.prepare_app_folder(tmp_path / "app")
    launcher = script.with_name(serving.ASGI_LAUNCHER)
    found = discover_asgi_app(launcher)  # what `streamlit run` decides on
    assert found.is_asgi_app and found.import_string == "clusters_asgi:app"
    assert f'st.App("{serving.ENTRY_SCRIPT}", routes=asgi.routes())' in launcher.read_text()


def test_when_reading_needs_a_sign_in_a_browser_holding_the_cookie_loads_the_map_data(
    app_db, monkeypatch
):
    """Behind the gate the map carries its clusters itself, until the browser holds the
    session cookie (the data route then answers it): from then on it loads them by address,
    as an open registry's map does, so a big registry can be tiled behind the gate too."""
    from tests.map_view import attach_config
    from tests.test_ui_pages import map_args

    monkeypatch.setenv("CLUSTERS_ANONYMOUS_READ", "0")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    sign_in(at)
    assert signed_in(at)
    config = attach_config(map_args(at)["script"])
    assert config["url"] is None and "data" in config  # the code not yet claimed
    code = scripts(at).split('body: "')[1].split('"')[0]
    assert accounts.claim_session(app_db, code)
    at.run()
    config = attach_config(map_args(at)["script"])
    assert config["url"].endswith(".json") and "data" not in config
    at.sidebar.button(key="auth_sign_out").click().run()
    assert not signed_in(at)
    assert auth.CLAIMED_KEY not in at.session_state
