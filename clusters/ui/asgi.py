"""The app as an ASGI application (``st.App``), with the two routes a lasting sign-in needs.

A Streamlit script cannot set an HttpOnly cookie, and a cookie the page's scripts could read
is one any injected script could steal. So the sign-in form, once the password is right,
opens a session on the server and hands the page a one-time code; the page posts it here:

- ``POST <base>/_clusters/session`` (body: the code) mints the session's token and sets it as
  the cookie ``clusters_session``: HttpOnly, SameSite=Strict, Secure over https, no expiry
  date (it goes when the browser closes; the server ends the session long before if idle).
- ``POST <base>/_clusters/sign-out`` ends the cookie's session and clears the cookie.

Scripts read the cookie with ``st.context.cookies`` (from the tab's WebSocket handshake).
Both routes refuse a request whose ``Origin`` is not the app's own host, or that the browser
says comes from another site, so another site cannot sign a browser in or out; neither takes
a token or a code in its URL. ``clusters serve`` runs the launcher
``clusters_asgi.py`` (``streamlit run`` of an ``st.App`` script serves it with uvicorn);
``streamlit run app.py`` has no routes, and ``cookie_sign_in()`` is then false.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from streamlit import config

from clusters import accounts
from clusters.store import database_url, open_store
from clusters.store.accounts import AccountStore, account_store

log = logging.getLogger(__name__)

COOKIE = "clusters_session"
# Relative to the app's base URL, as the page resolves them (like Streamlit's own assets).
SESSION_PATH = "_clusters/session"
SIGN_OUT_PATH = "_clusters/sign-out"
_MAX_BODY = 256  # a code is 43 characters

_served: list[bool] = []  # not empty once ``routes()`` has built the routes in this process


def cookie_sign_in() -> bool:
    """True when this process serves the session routes, so a sign-in can outlast the tab."""
    return bool(_served)


def _base() -> str:
    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def routes() -> list[Route]:
    """The session routes, under Streamlit's ``server.baseUrlPath``."""
    base = _base()
    _served.append(True)
    return [
        Route(f"{base}/{SESSION_PATH}", _claim, methods=["POST"]),
        Route(f"{base}/{SIGN_OUT_PATH}", _sign_out, methods=["POST"]),
    ]


@lru_cache(maxsize=1)
def _accounts(url: str) -> AccountStore:
    return account_store(open_store(url))


def _same_origin(request: Request) -> bool:
    """The request comes from a page of this app: the browser's ``Origin`` names the host
    the request was sent to, and ``Sec-Fetch-Site`` (when sent) says same-origin."""
    origin = request.headers.get("origin")
    host = request.headers.get("host")
    site = request.headers.get("sec-fetch-site")
    if not origin or not host or site not in (None, "same-origin"):
        return False
    return urlsplit(origin).netloc.lower() == host.lower()


def _https(request: Request) -> bool:
    origin = request.headers.get("origin") or ""
    return request.url.scheme == "https" or origin.startswith("https://")


def _answer(status: int) -> Response:
    return Response(status_code=status, headers={"Cache-Control": "no-store"})


def _refused(request: Request) -> Response:
    log.warning(
        "refused %s from origin %r (host %r)",
        request.url.path,
        request.headers.get("origin"),
        request.headers.get("host"),
    )
    return _answer(403)


async def _body(request: Request) -> str | None:
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > _MAX_BODY:
            return None
    return data.decode("ascii", errors="replace").strip()


def _cookie(response: Response, request: Request, token: str | None) -> None:
    """Set the session cookie to ``token``, or clear it (None)."""
    path, secure = _base() or "/", _https(request)
    if token is None:
        response.delete_cookie(COOKIE, path=path, secure=secure, httponly=True, samesite="strict")
    else:
        response.set_cookie(
            COOKIE, token, path=path, secure=secure, httponly=True, samesite="strict"
        )


async def _claim(request: Request) -> Response:
    if not _same_origin(request):
        return _refused(request)
    code = await _body(request)
    if not code:
        return _answer(400)
    token = await run_in_threadpool(lambda: accounts.claim_session(_accounts(database_url()), code))
    if token is None:
        return _answer(403)
    response = _answer(204)
    _cookie(response, request, token)
    return response


async def _sign_out(request: Request) -> Response:
    if not _same_origin(request):
        return _refused(request)
    token = request.cookies.get(COOKIE)
    if token:
        await run_in_threadpool(
            lambda: accounts.end_session(_accounts(database_url()), token=token)
        )
    response = _answer(204)
    _cookie(response, request, None)
    return response
