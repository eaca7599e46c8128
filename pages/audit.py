"""Logg: who signed in, exported or changed what, and when (police only)."""

from __future__ import annotations

import streamlit as st

from geo.views import audit_table, styled
from pages._session import current_context

ctx = current_context()
t = ctx.t

st.title(t("page_audit"))
if not ctx.tier.read_audit:  # the page is not in this role's menu; refuse a direct visit too
    st.info(t("no_edit_rights"))
    st.stop()
st.caption(t("audit_caption"))
log = ctx.store.audit_log(limit=2000)
actions = sorted(log["action"].dropna().unique())
chosen = st.multiselect(
    t("audit_action"), actions, key="audit_actions", placeholder=t("audit_actions_all")
)
who = st.text_input(t("sign_in_user"), key="audit_user")
st.table(styled(audit_table(log, chosen or None, who or None)))
