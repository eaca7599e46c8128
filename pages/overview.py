"""Overview: the town-vs-countryside headline, the map, and the map's facts as tables."""

from __future__ import annotations

import folium
import streamlit as st
from streamlit_folium import st_folium

from geo.coverage import area_gaps, table_and_balance, weekly_balance
from geo.mapview.basemap import build_base_map
from geo.mapview.layers import build_layers
from geo.text import escape_markdown
from geo.views import area_table, balance_trend, gap_table, spot_table, styled
from pages._session import current_context

ctx = current_context()
t, snap, filters, params = ctx.t, ctx.snap, ctx.filters, ctx.params

st.title(t("app_title"))
st.caption(t("app_subtitle"))

table, bal = table_and_balance(snap, filters, params)
weekly = weekly_balance(snap, filters)
trend = balance_trend(weekly)
gaps = area_gaps(snap, filters, params)

spots = spot_table(snap, filters, params, t)
known = t("col_followed_up") in spots.columns  # not in the public tier
not_followed = int((spots[t("col_followed_up")] == t("no")).sum()) if known else 0
c1, c2, c3, c4 = st.columns(4)
c1.metric(
    t("headline_countryside_share"),
    "–"
    if bal.countryside_share_hours != bal.countryside_share_hours  # NaN: no presence
    else f"{bal.countryside_share_hours:.0f} %",
    delta=None if trend is None else f"{trend:+.0f} %-enh. " + t("vs_previous_4_weeks"),
    help=t("headline_help", pop=round(bal.countryside_share_population)),
)
c2.metric(
    t("headline_ratio"), "–" if bal.ratio != bal.ratio else f"{bal.ratio:.2f}", help=t("ratio_help")
)
village_gaps = gaps[gaps["kind"] != "countryside"]
c3.metric(t("headline_gaps", weeks=params.gap_weeks), len(village_gaps))
c4.metric(
    t("headline_spots_without"),
    f"{not_followed} / {len(spots)}" if known else "–",
    help=(
        t("spots_rule", radius=int(params.spot_radius_m), days=params.spot_days)
        if snap.tier.exact_presence
        else t("follow_up_area_rule", days=params.spot_days)
    )
    if known
    else t("follow_up_hidden"),
)
st.markdown(
    t(
        "headline_sentence",
        share=round(bal.countryside_share_hours),
        pop=round(bal.countryside_share_population),
    )
    if bal.countryside_share_hours == bal.countryside_share_hours  # NaN: no presence at all
    else t("headline_no_presence")
)
if len(village_gaps):
    st.warning(
        t("villages_without", weeks=params.gap_weeks)
        + " "
        + escape_markdown(", ".join(village_gaps["name"]))
    )

layers = build_layers(snap, filters, params, table, t, ctx.settings.raw_points_max)
if layers.presence_mode == "hexagons":
    st.info(t("hexagon_note", n=layers.presence_fixes))


@st.fragment
def show_map() -> None:
    base = build_base_map(snap, ctx.map_settings, t)
    st_folium(
        base,
        key="overview_map",
        height=620,
        use_container_width=True,
        feature_group_to_add=layers.groups,
        layer_control=folium.LayerControl(collapsed=True),
        returned_objects=[],
    )


show_map()
st.caption(t("map_caption"))

st.subheader(t("table_areas"))
st.table(styled(area_table(table, t)))
st.subheader(t("table_gaps", weeks=params.gap_weeks))
st.table(styled(gap_table(gaps, t, snap.tier.time_unit)))
st.subheader(t("table_spots"))
st.table(styled(spots))
