"""The server entry: the dashboard plus its session-cookie routes, as one ASGI app.

Run from the project folder: ``streamlit run scripts/serve.py`` (``make run`` does), with
the usual ``--server.*`` options. ``streamlit run`` finds ``app`` below and serves it with
uvicorn; ``dashboard.py`` stays the Streamlit script. (``streamlit run dashboard.py`` also
works, but a sign-in then lasts only as long as its browser tab.)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # streamlit run puts only this file's folder on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from pages._routes import session_routes  # noqa: E402

app = st.App(
    ROOT / "dashboard.py", routes=session_routes(st.get_option("server.baseUrlPath") or "")
)
