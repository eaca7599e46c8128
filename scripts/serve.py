"""The server entry: the dashboard plus its session-cookie routes, as one ASGI app.

Run from the project folder: ``streamlit run scripts/serve.py`` (``make run`` does), with
the usual ``--server.*`` options. ``streamlit run`` finds ``app`` below and serves it with
uvicorn; ``dashboard.py`` stays the Streamlit script. (``streamlit run dashboard.py`` also
works, but a sign-in then lasts only as long as its browser tab.)
"""

from __future__ import annotations

import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # streamlit run puts only this file's folder on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.runtime.pages_manager import PagesManager  # noqa: E402

from geo.config import Settings  # noqa: E402
from geo.session_secret import CookieSigner, SessionSecretError, server_secret  # noqa: E402
from pages._routes import session_routes  # noqa: E402
from scripts.tcp_nodelay import nodelay_listeners  # noqa: E402

# Streamlit 1.67 takes a ``pages/`` folder beside the script for old-style pages until the
# script has called st.navigation once: a first visitor who opened /overview (a bookmark)
# had pages/overview.py run on its own, and every later visitor got the old navigation and
# errors until someone opened the root. dashboard.py always navigates with st.navigation.
PagesManager.uses_pages_directory = False


def _check_secret() -> None:
    """Refuse to start on a cookie secret that cannot sign (too short, unreadable): else
    every sign-in would silently last one tab."""
    try:
        CookieSigner(server_secret(Settings.from_env()))
    except SessionSecretError as exc:
        raise SystemExit(f"Älmhult: the server does not start: {exc}") from None


def _warm_up() -> None:
    # The app's modules (geopandas, folium, ...) and its data load while the first
    # visitor's browser is still fetching the page: not after it connects.
    from pages import _session

    _session.warm_up()


@asynccontextmanager
async def _lifespan(_app: st.App) -> AsyncIterator[None]:
    # Runs before the server accepts: its listening socket is bound, and without this each
    # keep-alive request waits ~40 ms on Nagle's algorithm (see scripts/tcp_nodelay.py).
    nodelay_listeners()
    threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
    yield


_check_secret()
app = st.App(
    ROOT / "dashboard.py",
    routes=session_routes(st.get_option("server.baseUrlPath") or ""),
    lifespan=_lifespan,
)
