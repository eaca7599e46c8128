"""Logg: who signed in, exported or changed what, and when (police only)."""

from __future__ import annotations

import streamlit as st

from geo.changelog import AUDIT_ACTIONS, audit_table, record_names
from pages._session import current_context, follow_language
from pages._tables import show_table

ctx = current_context()
t = ctx.t

st.title(t("page_audit"))
if not ctx.tier.read_audit:  # the page is not in this role's menu; refuse a direct visit too
    st.info(t("no_edit_rights"))
    st.stop()
st.caption(t("audit_caption"))
# The log as this viewer may see it (a reduction per tier, if any, is applied here).
log = ctx.store.audit_log(limit=2000)
follow_language("audit_actions")  # the chosen kinds' chips follow the language
chosen = st.multiselect(
    t("audit_action"),
    list(AUDIT_ACTIONS),
    key="audit_actions",
    format_func=lambda a: t("audit_kind_" + a),
    placeholder=t("audit_actions_all"),
    select_all=False,  # Streamlit's "Select all" is English only
)
who = st.text_input(t("sign_in_user"), key="audit_user")
show_table(
    ctx,
    audit_table(log, t, record_names(ctx.snap, t), chosen or None, who or None),
    empty=t("table_empty"),
)
