"""The app as an ASGI application (``st.App``), with the two routes a lasting sign-in needs.

A Streamlit script cannot set an HttpOnly cookie, and a cookie the page's scripts could read
is one any injected script could steal. So the sign-in form, once the password is right,
opens a session on the server and hands the page a one-time code; the page posts it here:

- ``POST <base>/_clusters/session`` (body: the code) mints the session's token and sets it as
  the cookie ``clusters_session``: HttpOnly, SameSite=Strict, Secure over https, no expiry
  date (it goes when the browser closes; the server ends the session long before if idle).
- ``POST <base>/_clusters/sign-out`` ends the cookie's session and clears the cookie.

And the map's data: ``GET <base>/_clusters/map/<revision>-<lang>.json`` answers the clusters as
the map draws them at that registry revision (``clusters.ui.map_data``; for a big registry,
``<revision>-<lang>.bin``, its overview, and ``<revision>-<lang>-<x>-<y>.json``, one tile's
clusters), gzipped when the browser accepts it, cached for a year (a revision's file never
changes); a revision that is no longer the registry's, and not kept in this process, is 404.
When reading needs a sign-in, it answers only a browser whose session cookie is valid.

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

from clusters import accounts, mapping
from clusters.store import ClusterStore, database_url, open_store
from clusters.store.accounts import AccountStore, account_store
from clusters.ui import map_data

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


def serves_map_data() -> bool:
    """True when the map may load its clusters from the data route: this process serves it
    and anyone may read (else the map carries its clusters itself, behind the page's gate)."""
    return bool(_served) and accounts.Settings.from_env().anonymous_read


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
        Route(f"{base}/{map_data.PATH}/{{name}}", _map_data, methods=["GET"]),
    ]


@lru_cache(maxsize=1)
def _store(url: str) -> ClusterStore:
    return open_store(url)


@lru_cache(maxsize=1)
def _accounts(url: str) -> AccountStore:
    return account_store(_store(url))


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


def _may_read(request: Request) -> bool:
    """Anyone may, unless reading needs a sign-in: then a valid session cookie is needed."""
    settings = accounts.Settings.from_env()
    if settings.anonymous_read:
        return True
    token = request.cookies.get(COOKIE)
    if not token:
        return False
    found = accounts.resume_session(_accounts(database_url()), token=token, settings=settings)
    return isinstance(found, accounts.Session)


def _make(url: str, name: map_data.Name) -> mapping.ClusterData | None:
    """The map's data at ``name.revision`` if that is still the registry's (checked before
    and after reading, so a write in between cannot be served under the older name)."""
    store = _store(url)
    if store.revision() != name.revision:
        return None
    clusters = store.list_clusters()
    if store.revision() != name.revision:
        return None
    return map_data.cluster_data(url, name.revision, name.lang, lambda: clusters, tiled=name.tiled)


def _part(data: mapping.ClusterData, name: map_data.Name) -> tuple[bytes, bytes] | None:
    """(body, gzipped) of the file ``name`` asks for: every cluster, the overview or a tile."""
    if name.tile is None:
        return data.body, data.gzipped
    return data.tiles.tile(*name.tile) if data.tiles is not None else None


async def _map_data(request: Request) -> Response:
    name = map_data.parse(request.path_params["name"])
    if name is None:
        return _answer(404)
    if not await run_in_threadpool(_may_read, request):
        return _answer(403)
    url = database_url()
    data = map_data.cached(url, name.revision, name.lang, name.tiled)
    if data is None:
        data = await run_in_threadpool(_make, url, name)
    found = None if data is None else await run_in_threadpool(_part, data, name)
    if found is None:
        return _answer(404)
    public = accounts.Settings.from_env().anonymous_read
    tag = request.path_params["name"].rsplit(".", 1)[0]
    headers = {
        "Cache-Control": f"{'public' if public else 'private'}, max-age=31536000, immutable",
        "ETag": f'"{tag}"',
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    body, gzipped = found
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = gzipped
        headers["Content-Encoding"] = "gzip"
    kind = (
        "application/octet-stream" if name.tiled and name.tile is None else "application/geo+json"
    )
    return Response(body, media_type=kind, headers=headers)
