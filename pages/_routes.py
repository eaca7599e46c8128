"""HTTP routes served beside the Streamlit app: the session cookie (see geo/sessions.py).

Streamlit's script cannot answer an HTTP request, so it cannot set an httpOnly cookie; these
two Starlette routes can. They are mounted through ``st.App`` by ``scripts/serve.py`` (the
server entry): ``POST {prefix}/_almhult/session`` exchanges a one-time handoff code (the
request body) for the signed session cookie; ``POST {prefix}/_almhult/session/end``
deletes the cookie unless it still holds an open session. Both answer only same-origin
requests (a page elsewhere cannot sign a visitor in or out).
"""

from __future__ import annotations

import time
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from geo.config import Settings

if TYPE_CHECKING:
    from geo.sessions import CookieSigner, SessionStore

SESSION_PATH = "/_almhult/session"
_mounted: list[str] = []  # the prefix the routes were mounted under, once they are


@cache
def _server() -> tuple[Settings, SessionStore, CookieSigner]:
    # geo.sessions (with the accounts' pandas) is imported on first use, not by the server
    # entry: the server then listens ~0.3 s sooner, and the import happens in its warm-up.
    from geo.sessions import CookieSigner, server_secret, session_store

    settings = Settings.from_env()
    return settings, session_store(settings), CookieSigner(server_secret(settings))


def _cookie_name() -> str:
    """The session cookie's name (geo.sessions, imported on first use as in ``_server``)."""
    from geo.sessions import COOKIE_NAME

    return COOKIE_NAME


def mounted_path() -> str | None:
    """Where the session route answers in this server process (None: not mounted, e.g.
    ``streamlit run dashboard.py`` or AppTest; sign-in then lasts one tab)."""
    return _mounted[0] + SESSION_PATH if _mounted else None


def _same_origin(request: Request) -> bool:
    """A browser's own page asked (the Origin header names this host, or the fetch
    metadata says same-origin)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return site == "same-origin"
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _secure(request: Request, settings: Settings) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return (
        request.url.scheme == "https"
        or forwarded == "https"
        or settings.public_url.startswith("https:")
    )


async def claim(request: Request) -> Response:
    """The handoff code (request body) for the session cookie; 403 for anything else."""
    if not _same_origin(request):
        return Response(status_code=403)
    handoff = (await request.body())[:200].decode("ascii", "replace").strip()
    settings, sessions, signer = _server()
    sid = await run_in_threadpool(sessions.claim, handoff, time.time())
    if sid is None:
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        _cookie_name(),
        signer.sign(sid),
        max_age=int(settings.session_max_hours * 3600),
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request, settings),
    )
    return response


async def end(request: Request) -> Response:
    """Delete the cookie unless it holds a session that is still open (a sign-in in another
    tab may have replaced the one this tab ended)."""
    if not _same_origin(request):
        return Response(status_code=403)
    settings, sessions, signer = _server()
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    cookie = request.cookies.get(_cookie_name())
    if cookie is None:
        return response
    sid = signer.unsign(cookie, settings.session_max_hours * 3600)
    if sid is not None:
        check = await run_in_threadpool(sessions.check, sid, time.time())
        if check.record is not None:
            return response
    response.delete_cookie(
        _cookie_name(),
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request, settings),
    )
    return response


def session_routes(base_url_path: str = "") -> list[Route]:
    """The session routes under Streamlit's ``server.baseUrlPath`` (``base_url_path``)."""
    prefix = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    _mounted[:] = [prefix]
    return [
        Route(prefix + SESSION_PATH, claim, methods=["POST"]),
        Route(prefix + SESSION_PATH + "/end", end, methods=["POST"]),
    ]
