"""Logga in: a local account's name and password, or the identity provider's button."""

from __future__ import annotations

import streamlit as st

from geo.text import escape_markdown
from pages import _session as session

t = session.tr()
settings = session.settings()
st.title(t("sign_in"))
viewer = st.session_state.get("_viewer")
if viewer is not None:  # a reload or bookmark of this page while signed in
    st.info(t("sign_in_already", user=escape_markdown(viewer.name)))  # a name is user text
else:
    if not settings.public_view:
        st.info(t("sign_in_required"))
    session.sign_in_form(settings, session.store(settings.store), t)
