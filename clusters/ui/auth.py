"""Sign-in: the sidebar form, the session's actor, idle expiry, sign-out; OIDC via st.login.

The actor kept in the session is only a name: every run (and every write) reads the account
again, so a disabled account or a changed role takes effect at once. The password typed in
the form is cleared from the session as soon as the form is submitted.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from clusters import accounts, clock
from clusters.accounts import Settings, SignInRefused
from clusters.roles import ROLE_LABELS, Actor
from clusters.store import database_url
from clusters.store.accounts import AccountStore, account_store
from clusters.ui import state, widgets

ACTOR_KEY = "auth_actor"
LAST_SEEN_KEY = "auth_last_seen"
NOTICE_KEY = "auth_notice"


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
    for key in (ACTOR_KEY, LAST_SEEN_KEY):
        st.session_state.pop(key, None)


def current_actor() -> Actor | None:
    """Who is signed in, as the accounts table says now; None when nobody (or expired)."""
    now = clock.now_utc()
    signed: Actor | None = st.session_state.get(ACTOR_KEY)
    idle = accounts.session_expired(st.session_state.get(LAST_SEEN_KEY), now, settings())
    if idle:
        _forget()
        st.session_state[NOTICE_KEY] = "auth.expired"
        if oidc_configured() and st.user.get("is_logged_in"):
            st.logout()
        return None
    actor = accounts.current_actor(account_store_(), signed) if signed else None
    if signed and actor is None:
        _forget()
    if actor is None:
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
    try:
        actor = accounts.sign_in(
            account_store_(), name, password, client=_client(), settings=settings()
        )
    except SignInRefused as exc:
        st.session_state[NOTICE_KEY] = exc
        return
    st.session_state[ACTOR_KEY] = actor
    st.session_state[LAST_SEEN_KEY] = clock.now_utc()
    st.session_state.pop(NOTICE_KEY, None)


def _sign_out() -> None:
    _forget()
    st.session_state[NOTICE_KEY] = "auth.signed_out"


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
    with st.form("auth_form", clear_on_submit=True, border=False):
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
