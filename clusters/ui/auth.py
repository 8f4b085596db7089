"""Sign-in: the sidebar form, the session's actor, idle expiry, sign-out; OIDC via st.login.

A local sign-in opens a session on the server (``clusters.accounts.start_session``); the tab
keeps its id. Served by ``clusters serve`` (``clusters.ui.asgi``), the page then hands a
one-time code to the session route, which gives the browser the session's token in an
HttpOnly cookie; a reload or a new tab finds the session again by that cookie
(``st.context.cookies``). Every run reads the session and its account again, so sign-out in
any tab, the idle time, a disabled account or a changed role end it at the next rerun of
every tab. Under ``streamlit run app.py`` there are no routes and a sign-in lasts as long as
its tab. The password typed in the form is cleared from the session as soon as the form is
submitted.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from clusters import accounts, clock
from clusters.accounts import SessionEnd, Settings, SignInRefused
from clusters.roles import ROLE_LABELS, Actor
from clusters.store import database_url
from clusters.store.accounts import AccountStore, account_store
from clusters.ui import asgi, state, widgets

ACTOR_KEY = "auth_actor"  # the actor this tab is signed in as (tests may set it directly)
SESSION_KEY = "auth_session"  # the id of the tab's server session (never sent to the browser)
LAST_SEEN_KEY = "auth_last_seen"  # when the tab last used its sign-in
NOTICE_KEY = "auth_notice"
HANDOFF_KEY = "auth_handoff"  # a one-time code for the browser to claim its cookie with
CLAIMED_KEY = "auth_claimed"  # the browser holds the tab's session cookie
CLEAR_KEY = "auth_clear_cookie"  # the browser is to clear its session cookie


@st.cache_resource(show_spinner=False)
def _accounts(url: str) -> AccountStore:
    return account_store(state.store())


def account_store_() -> AccountStore:
    """The accounts of the registry database."""
    return _accounts(database_url())


def settings() -> Settings:
    return Settings.from_env()


def oidc_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section for ``st.login``."""
    try:
        return "auth" in st.secrets
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return False


def _oidc_actor() -> Actor | None:
    if not oidc_configured():
        return None
    user = st.user
    if not user.get("is_logged_in"):
        return None
    if user.get("email_verified") is False:
        return None
    email = user.get("email")
    return accounts.actor_for_email(account_store_(), str(email) if email else None)


def _forget() -> None:
    for key in (ACTOR_KEY, SESSION_KEY, LAST_SEEN_KEY, HANDOFF_KEY, CLAIMED_KEY):
        st.session_state.pop(key, None)


def _cookie_token() -> str | None:
    """The session token the browser sent when this tab connected; only the server reads it
    (the cookie is HttpOnly). None without the session routes (``streamlit run app.py``)."""
    if not asgi.cookie_sign_in():
        return None
    token = st.context.cookies.get(asgi.COOKIE)
    return token if isinstance(token, str) and token else None


def _idle(now: datetime) -> bool:
    """True, and the tab's sign-in forgotten, when the tab has not used it for the idle time."""
    if not accounts.session_expired(st.session_state.get(LAST_SEEN_KEY), now, settings()):
        return False
    _forget()
    st.session_state[NOTICE_KEY] = "auth.expired"
    return True


def _local_actor(now: datetime) -> Actor | None:
    """The local sign-in: the tab's server session, or the one the browser's cookie holds."""
    session_id = st.session_state.get(SESSION_KEY)
    token = None if session_id is not None else _cookie_token()
    if session_id is None and token is None:
        # An actor set on the tab without a session (AppTest does): checked like one.
        signed: Actor | None = st.session_state.get(ACTOR_KEY)
        if signed is None or _idle(now):
            return None
        actor = accounts.current_actor(account_store_(), signed)
        if actor is None:
            _forget()
        return actor
    found = accounts.resume_session(
        account_store_(), session_id=session_id, token=token, settings=settings(), now=now
    )
    if isinstance(found, SessionEnd):
        _forget()
        if found is SessionEnd.IDLE:
            st.session_state[NOTICE_KEY] = "auth.expired"
        return None
    st.session_state[SESSION_KEY] = found.id
    st.session_state[ACTOR_KEY] = found.actor
    st.session_state[CLAIMED_KEY] = found.claimed
    if found.claimed:
        st.session_state.pop(HANDOFF_KEY, None)  # the cookie is set: nothing left to hand over
    return found.actor


def cookie_signed_in() -> bool:
    """True when this browser holds the cookie of the session this tab is signed in with
    (checked by the last ``current_actor``), so the app's routes know who it is."""
    return asgi.cookie_sign_in() and bool(st.session_state.get(CLAIMED_KEY))


def _oidc_signed_in() -> bool:
    return oidc_configured() and bool(st.user.get("is_logged_in"))


def current_actor() -> Actor | None:
    """Who is signed in, as the accounts table says now; None when nobody (or expired)."""
    now = clock.now_utc()
    actor = _local_actor(now)
    if actor is None and _oidc_signed_in():
        if _idle(now):
            st.logout()
            return None
        actor = _oidc_actor()
    if actor is not None:
        st.session_state[LAST_SEEN_KEY] = now
    return actor


def can(role: str) -> bool:
    actor = current_actor()
    return actor is not None and actor.can(role)


def require_role(role: str) -> Actor | None:
    """The actor when they hold ``role``; otherwise a notice (no form) and None."""
    actor = current_actor()
    if actor is not None and actor.can(role):
        return actor
    label = ROLE_LABELS[role][1 if state.lang() == "en" else 0]
    if actor is None:
        st.info(state.t("auth.need_sign_in", role=label), icon=":material/lock:")
    else:
        st.warning(
            state.t("auth.need_role", role=label, name=widgets.md(actor.name)),
            icon=":material/lock:",
        )
    return None


def _client() -> str | None:
    """The browser's address as the server sees it, for the per-address sign-in count; None
    on this machine (and behind a proxy on it, where every browser has the proxy's)."""
    ip = st.context.ip_address
    return ip if isinstance(ip, str) else None  # AppTest gives a mock


def _sign_in() -> None:
    name = st.session_state.get("auth_name", "")
    password = st.session_state.get("auth_password", "")
    st.session_state["auth_password"] = ""
    store = account_store_()
    try:
        actor = accounts.sign_in(store, name, password, client=_client(), settings=settings())
        started = accounts.start_session(
            store, actor, cookie=asgi.cookie_sign_in(), settings=settings()
        )
    except SignInRefused as exc:
        st.session_state[NOTICE_KEY] = exc
        return
    st.session_state[SESSION_KEY] = started.id
    st.session_state[ACTOR_KEY] = actor
    st.session_state[LAST_SEEN_KEY] = clock.now_utc()
    if started.code:
        until = clock.now_utc() + timedelta(seconds=accounts.SESSION_CODE_SECONDS)
        st.session_state[HANDOFF_KEY] = (started.code, until)
    st.session_state.pop(NOTICE_KEY, None)


def _sign_out() -> None:
    """End the session, for every tab using it; the browser then clears its cookie."""
    session_id = st.session_state.get(SESSION_KEY)
    if session_id is not None:
        accounts.end_session(account_store_(), session_id=session_id)
    _forget()
    st.session_state[NOTICE_KEY] = "auth.signed_out"
    if asgi.cookie_sign_in():
        st.session_state[CLEAR_KEY] = True


def _post_from_page(path: str, body: str = "") -> None:
    """Have the page POST ``body`` to a session route (``path`` relative to the app's base
    URL), so that the route's answer sets or clears the HttpOnly cookie in this browser."""
    script = (
        f"fetch(new URL({json.dumps(path)}, document.baseURI), {{method: 'POST', "
        f"body: {json.dumps(body)}, headers: {{'Content-Type': 'text/plain'}}, "
        "credentials: 'same-origin', cache: 'no-store'});"
    )
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


def _browser_errands() -> None:
    """The session cookie's changes asked for by the last sign-in or sign-out. The code is
    offered on every run until the browser has claimed it or it expires (a run can be
    superseded before the page ran its script); the page posts it again only if the script
    is drawn anew, and a spent code is refused harmlessly."""
    handoff: tuple[str, datetime] | None = st.session_state.get(HANDOFF_KEY)
    if handoff is not None:
        code, until = handoff
        if clock.now_utc() < until:
            _post_from_page(asgi.SESSION_PATH, code)
        else:
            st.session_state.pop(HANDOFF_KEY, None)
    if st.session_state.pop(CLEAR_KEY, False):
        _post_from_page(asgi.SIGN_OUT_PATH)


def _notice() -> None:
    notice = st.session_state.pop(NOTICE_KEY, None)
    if isinstance(notice, SignInRefused):
        widgets.show_error(notice)
    elif isinstance(notice, str):
        st.info(state.t(notice))


def _role_label(role: str | None) -> str:
    if role is None:
        return ""
    return ROLE_LABELS[role][1 if state.lang() == "en" else 0]


def _form() -> None:
    # No "Press Enter to submit form" in English under the inputs: the button signs in.
    with st.form("auth_form", clear_on_submit=True, border=False, enter_to_submit=False):
        st.text_input(state.t("auth.name"), key="auth_name", autocomplete="username")
        st.text_input(
            state.t("auth.password"),
            key="auth_password",
            type="password",
            autocomplete="current-password",
        )
        st.form_submit_button(state.t("auth.sign_in"), on_click=_sign_in, key="auth_submit")


def sidebar() -> Actor | None:
    """The sign-in box in the sidebar; returns the current actor."""
    actor = current_actor()
    with st.sidebar:
        st.divider()
        _browser_errands()
        _notice()
        if actor is not None:
            st.markdown(
                state.t("auth.signed_in_as", name=widgets.md(actor.name))
                + f" · {_role_label(actor.role)}"
            )
            if st.session_state.get(ACTOR_KEY) is not None:
                st.button(state.t("auth.sign_out"), on_click=_sign_out, key="auth_sign_out")
            elif st.button(state.t("auth.sign_out"), key="auth_oidc_sign_out"):
                st.logout()
            return actor
        if oidc_configured():
            if st.user.get("is_logged_in"):
                st.warning(state.t("auth.oidc_no_account", email=widgets.md(st.user.get("email"))))
                if st.button(state.t("auth.sign_out"), key="auth_oidc_sign_out"):
                    st.logout()
            elif st.button(state.t("auth.oidc_sign_in"), key="auth_oidc", type="primary"):
                st.login()
            with st.expander(state.t("auth.local_accounts")):
                _form()
        else:
            st.caption(state.t("auth.header"))
            _form()
    return actor


def gate() -> Actor | None:
    """The sidebar box; stops the page when reading needs a sign-in and nobody is signed in."""
    actor = sidebar()
    if not accounts.can_read(actor, settings()):
        st.info(state.t("auth.read_needs_sign_in"), icon=":material/lock:")
        st.stop()
    return actor
