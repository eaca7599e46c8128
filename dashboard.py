"""Streamlit entry: language, sidebar filters, navigation. Pages read the Context.

Run with ``streamlit run dashboard.py`` (or ``make run``).
"""

from __future__ import annotations

import json
import logging
import uuid

import pandas as pd
import streamlit as st
from streamlit.navigation.page import StreamlitPage

from geo.coverage import CoverageParams
from geo.filters import (
    QUICK_PICKS,
    Filters,
    choice_label,
    custom_period,
    filters_from_query,
    period_caption,
    period_for,
)
from geo.filters import choices as period_choices
from geo.geography.national import municipality_name
from geo.i18n import LANGUAGES
from geo.model import LOCAL_TZ, PresenceKind, SpotCategory, SpotStatus
from geo.roles import Role
from geo.text import escape_markdown
from geo.timeunits import align_period
from pages import _session as session
from pages._phone import close_sidebar_on_phones

# No page_icon: a material page icon makes Streamlit fetch the favicon from an external
# font server.
st.set_page_config(
    page_title="Medborgarlöfte " + municipality_name(session.settings().municipality_code).name,
    layout="wide",
)

# Streamlit's own English hints are hidden ("Press Enter to submit form": the forms have
# a save button; the upload limit: the import page says it in words) and so is the grid's
# raw CSV download (our exports are made for Swedish Excel). On phones the title shrinks so
# the headline is on the first screen, and the page starts below Streamlit's 60 px header
# (3.75rem; with 2.5rem its first line was hidden under it).
st.html(
    """<style>
    [data-testid="InputInstructions"] { display: none; }
    [data-testid="stElementToolbar"] button[aria-label="Download as CSV"] { display: none; }
    [data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
    [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] {
      display: none; }
    [data-testid="stFileUploaderDropzone"] button > div::after { content: UPLOAD_LABEL; }
    @media (max-width: 640px) {
      h1 { font-size: 1.55rem !important; line-height: 1.25 !important; }
      [data-testid="stMainBlockContainer"] { padding-top: 4.5rem; }
      [data-testid="stMetricValue"] { font-size: 1.6rem; }
    }
    </style>""".replace("UPLOAD_LABEL", json.dumps(session.tr()("upload_button")))
)
with st.sidebar:
    st.selectbox("Språk / Language", list(LANGUAGES), format_func=LANGUAGES.get, key="lang")
t = session.tr()
settings = session.settings()


def run_page(page: StreamlitPage) -> None:
    """Run the chosen page; an error is logged on the server with an id the user sees,
    never shown as a traceback (with ``client.showErrorDetails = "none"`` for the rest)."""
    try:
        page.run()
    except Exception:
        error_id = uuid.uuid4().hex[:8]
        logging.getLogger("almhult").exception("page error %s", error_id)
        st.error(t("error_with_id", id=error_id))


store = session.store(settings.store)

# Who is looking decides the detail level of everything below (geo.tiers).
viewer = session.current_viewer(settings, store)
signed_in = viewer.method != "public"
with st.sidebar:
    if signed_in:
        name = escape_markdown(viewer.name)  # a user name is user text
        st.markdown(t("signed_in_as", user=name, role=t("role_" + viewer.tier.role)))
        if viewer.role is None:
            st.caption(t("oidc_no_account"))
        if st.button(t("sign_out"), key="sign_out"):
            store.log_event(viewer.name, "sign_out", viewer.name)
            session.sign_out()
            st.rerun()
    else:
        if st.session_state.pop("_expired", False):
            st.warning(t("session_expired"))
        if st.session_state.pop("_ended_elsewhere", False):
            st.warning(t("session_ended_elsewhere"))
        if settings.public_view:
            st.caption(t("not_signed_in"))
    session.sync_cookie(settings, viewer)  # the browser's session cookie follows this tab
# The sign-in form is a page of its own: text typed into widgets of this entry script is
# lost under st.navigation (Streamlit 1.67), in a page script it is kept.
sign_in_page = st.Page("pages/sign_in.py", title=t("sign_in"), url_path="sign_in")
# Every page's URL answers for everyone: a page this viewer may not open is a hidden stand-in
# saying why (with the sign-in form), so a reload or bookmark never ends in "page not found".
PAGES = {  # url path: (script, title key)
    "overview": ("pages/overview.py", "page_overview"),
    "coverage": ("pages/coverage.py", "page_coverage"),
    "promise": ("pages/promise.py", "page_promise"),
    "register": ("pages/register.py", "page_register"),
    "import_data": ("pages/import_data.py", "page_import"),
    "plan": ("pages/plan.py", "page_plan"),
    "audit": ("pages/audit.py", "page_audit"),
    "geography": ("pages/geography.py", "page_geography"),
}
# A stand-in's title names the page, except the patrol plan's: to other roles (and in the
# page list Streamlit sends every browser) it is only "a police page".
STAND_IN_TITLE = {url: key for url, (_, key) in PAGES.items()} | {"plan": "page_police_only"}
if not signed_in and not settings.public_view:
    run_page(
        st.navigation(
            [
                st.Page("pages/sign_in.py", title=t("sign_in"), default=True),
                *(session.restricted_page(t(STAND_IN_TITLE[url]), url) for url in PAGES),
            ]
        )
    )
    st.stop()
tier = viewer.tier
snap = session.tiered_snapshot(
    settings.store,
    store.data_version(),
    settings,
    tier.role.value,
    pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d"),
)

# Filters from the URL (live links) become the widgets' defaults. They are kept under
# shadow keys: a widget key set through session state is dropped when the page changes.
if "_url_state" not in st.session_state:
    st.session_state["_url_state"] = filters_from_query(
        dict(st.query_params), snap.areas["id"].tolist()
    )
url_state = st.session_state["_url_state"]

with st.sidebar:
    st.header(t("filters"))
    extent = snap.extent()
    pick = st.radio(
        t("period"),
        QUICK_PICKS,
        index=QUICK_PICKS.index(url_state.get("period_pick", "year")),
        key="period_pick",
        format_func=lambda p: t("pick_" + p),
        horizontal=True,
    )
    latest = extent.end - pd.Timedelta(seconds=1)
    if pick == "custom":
        # Two single dates: the range picker adds presets with English labels.
        first = extent.start.tz_convert(LOCAL_TZ).date()
        last = latest.tz_convert(LOCAL_TZ).date()
        start_day, end_day = url_state.get("period_custom", (first, last))
        # One under the other: side by side in the sidebar a date was cut ("2018 - 05 - 0").
        chosen_from = st.date_input(
            t("period_from"), start_day, key="period_from", format="YYYY-MM-DD"
        )
        chosen_to = st.date_input(t("period_to"), end_day, key="period_to", format="YYYY-MM-DD")
        if chosen_to < chosen_from:
            st.warning(t("period_reversed"))
            chosen_from, chosen_to = chosen_to, chosen_from
        period = custom_period(chosen_from, chosen_to)
    elif pick in ("week", "month"):
        options = period_choices(pick, extent)
        session.follow_language("period_" + pick)
        chosen = st.selectbox(
            t("pick_" + pick),
            options,
            key="period_" + pick,
            format_func=lambda d: choice_label(pick, d, t),
        )
        period = period_for(pick, chosen)
    else:
        period = period_for(pick, latest)
    chosen_period, period = period, align_period(period, tier.time_unit)
    st.caption(period_caption(chosen_period, period, tier.time_unit, t, latest=latest))
    # Every multiselect: a placeholder in words and no "Select all" (Streamlit's own
    # English, which it offers no way to translate); chosen words follow the language.
    session.follow_language("kinds", "cats", "statuses")
    kinds = st.multiselect(
        t("presence_kinds"),
        [k.value for k in PresenceKind],
        default=[k.value for k in PresenceKind],
        key="kinds",
        format_func=lambda k: t("kind_" + k),
        disabled=not tier.split_kinds,  # the public table is not split by kind
        help=None if tier.split_kinds else t("kinds_not_split"),
        placeholder=t("all"),
        select_all=False,
    )
    if not tier.split_kinds:
        kinds = [k.value for k in PresenceKind]
    area_ids = snap.areas["id"].tolist()
    area_names = dict(zip(snap.areas["id"], snap.areas["name"], strict=True))
    areas = st.multiselect(
        t("areas"),
        area_ids,
        default=url_state.get("areas", []),
        key="areas",
        format_func=area_names.get,
        placeholder=t("all_areas"),
        select_all=False,
    )
    categories = st.multiselect(
        t("categories"),
        [c.value for c in SpotCategory],
        key="cats",
        format_func=lambda c: t("cat_" + c),
        placeholder=t("all"),
        select_all=False,
    )
    statuses = st.multiselect(
        t("statuses"),
        [s.value for s in SpotStatus],
        key="statuses",
        format_func=lambda s: t("status_" + s),
        placeholder=t("all"),
        select_all=False,
    )
    show_tiles = st.toggle(
        t("show_tiles"),
        value=bool(settings.tile_url),
        key="tiles",
        disabled=not settings.tile_url,
        help=t("show_tiles_help"),
    )
    # The rules' sliders are made only while their section is open (on a first visit
    # four sliders and their scripts delayed the map by ~0.2 s); their values are kept
    # under keys of their own, so a closed section keeps what was set.
    fixed = not tier.adjust_rules  # coarse tiers: one table computed with fixed rules
    rules = {
        name: st.session_state.get("_rule_" + name, default)
        for name, default in (
            ("radius", int(settings.spot_radius_m)),
            ("days", settings.spot_follow_up_days),
            ("dwell", int(settings.dwell_minutes)),
            ("gap_weeks", 4),
        )
    }
    rules_box = st.expander(t("rules"), key="rules_open", on_change="rerun")
    with rules_box:
        if rules_box.open:
            if fixed:
                st.caption(t("rules_fixed_tier"))
            rules["radius"] = st.slider(
                t("spot_radius"), 50, 2000, rules["radius"], 50, key="radius", disabled=fixed
            )
            rules["days"] = st.slider(
                t("spot_days"), 1, 60, rules["days"], key="days", disabled=fixed
            )
            rules["dwell"] = st.slider(
                t("dwell"), 1, 60, rules["dwell"], key="dwell", disabled=fixed
            )
            rules["gap_weeks"] = st.slider(
                t("gap_weeks"), 1, 12, rules["gap_weeks"], key="gap_weeks"
            )
            st.session_state.update({"_rule_" + name: v for name, v in rules.items()})
    radius, days, dwell, gap_weeks = (
        rules["radius"],
        rules["days"],
        rules["dwell"],
        rules["gap_weeks"],
    )

filters = Filters(
    period=period,
    kinds=tuple(kinds),
    areas=tuple(areas) or None,
    categories=tuple(categories) or None,
    statuses=tuple(statuses) or None,
)
if fixed:  # the values the view was built with, whatever the widgets say
    radius, days = int(settings.spot_radius_m), settings.spot_follow_up_days
    dwell = int(settings.dwell_minutes)
params = CoverageParams(
    dwell_minutes=dwell, spot_radius_m=radius, spot_days=days, gap_weeks=gap_weeks
)
st.session_state["_context"] = session.Context(
    settings,
    store,
    snap,
    filters,
    params,
    t,
    session.language(),
    show_tiles,
    viewer,
    chosen_period,
)

# The detail level is part of every page: say which one and why (a line, not a banner:
# on a phone the headline must stay on the first screen).
if tier.role == Role.POLICE:
    st.caption(t("tier_police"))
else:
    st.caption(
        ":material/visibility: " + t("tier_" + tier.role),
        help=t("tier_why") + " " + t("tier_why_text") + " " + t("published_note_" + tier.time_unit),
    )

allowed = {"overview", "coverage", "promise"}
if tier.can_edit:
    allowed |= {"register", "import_data"}
if tier.role == Role.POLICE:  # patrol plans never reach another role
    allowed.add("plan")
if tier.read_audit:
    allowed.add("audit")
if tier.role == Role.POLICE:  # replacing the map's geography: police planners only
    allowed.add("geography")
pages = [
    st.Page(script, title=t(key), default=url == "overview")
    if url in allowed
    else session.restricted_page(t(STAND_IN_TITLE[url]), url)
    for url, (script, key) in PAGES.items()
]
pages.append(
    sign_in_page
    if not signed_in
    else st.Page("pages/sign_in.py", title=t("sign_in"), url_path="sign_in", visibility="hidden")
)
current = st.navigation(pages)
with st.sidebar:
    close_sidebar_on_phones(current.url_path)
run_page(current)
