"""Overview: the promise's verdict, the headline for the chosen areas and period, the map,
and the map's facts as tables behind their summaries."""

from __future__ import annotations

from dataclasses import replace

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.coverage import area_gaps, presence_by_area, weekly_balance
from geo.filters import gap_words, period_words, until_data
from geo.headline import headline
from geo.mapview.basemap import build_base_map, place_views, selection_view
from geo.mapview.layers import build_layers
from geo.model import LOCAL_TZ
from geo.numbers import number, percent, signed
from geo.promise import scorecard, verdict
from geo.text import escape_markdown
from geo.views import area_table, balance_trend, gap_table, spot_table, summaries
from pages._session import current_context
from pages._tables import collapsed_table, spot_rows

ctx = current_context()
t, snap, filters, params, lang = ctx.t, ctx.snap, ctx.filters, ctx.params, ctx.lang
latest = snap.extent().end - pd.Timedelta(seconds=1)
words = period_words(ctx.period_picked, t, latest=latest)
logged = until_data(filters, latest)  # gaps only where data is logged (or published)
gap_when = gap_words(logged.period, params.gap_weeks, t, latest=latest)

st.title(t("app_title"))

# The council member's question first: is the promise kept? (the period's year) Its box
# and the headline's are placed here and filled after the map is sent: the browser starts
# loading the map while the server works out the figures above it.
verdict_box = st.container()
headline_box = st.container()

table = presence_by_area(snap, filters, params)
layers = build_layers(snap, filters, params, table, t, ctx.settings.raw_points_max)
if layers.presence_mode == "hexagons":
    st.info(t("hexagon_note", n=layers.presence_fixes))

views = place_views(snap)
area_names = dict(zip(snap.areas["id"], snap.areas["name"], strict=True))


@st.fragment
def show_map() -> None:
    """The map, and a place picker that moves it (only this fragment reruns; the map is
    not rebuilt, so layers and the legend stay as they are)."""
    place = st.selectbox(
        t("map_go_to"),
        list(views),
        format_func=lambda p: (
            area_names.get(p)
            or p
            or t("map_selection" if filters.areas else "map_whole_municipality")
        ),
        key="map_place",
        help=t("map_go_to_help"),
    )
    center, zoom = views[place] if place else selection_view(snap, filters.areas)
    base = build_base_map(snap, ctx.map_settings, t, legend=layers.legend)
    st_folium(
        base,
        key="overview_map",
        height=560,
        use_container_width=True,
        feature_group_to_add=layers.groups,
        layer_control=folium.LayerControl(collapsed=True),
        returned_objects=[],
        center=center,
        zoom=zoom,
        render=False,  # see tests/test_mapview.py: the same map, ~15 ms less per run
    )


show_map()
st.caption(t("map_caption"))

everywhere = (
    table if filters.areas is None else presence_by_area(snap, replace(filters, areas=None), params)
)
head = headline(everywhere, filters.areas)
trend = balance_trend(weekly_balance(snap, filters)) if not head.chosen else None
gaps = area_gaps(snap, logged, params)
spots = spot_table(snap, filters, params, t)
known = t("col_followed_up") in spots.columns  # not in the public tier
not_followed = int((spots[t("col_followed_up")] == t("no")).sum()) if known else 0
village_gaps = gaps[gaps["kind"] != "countryside"]
gap_view = gap_table(gaps, t, snap.tier.time_unit)


with verdict_box:
    year = int((filters.period.end - pd.Timedelta(seconds=1)).tz_convert(LOCAL_TZ).year)
    as_of = min(pd.Timestamp.now(tz=LOCAL_TZ), snap.extent().end.tz_convert(LOCAL_TZ))
    cards = scorecard(snap, year, as_of, t, lang, params)
    if cards:
        with st.container(key="verdict"):
            st.markdown("**" + verdict(cards, year, t) + "**")
            st.page_link("pages/promise.py", label=t("verdict_link"), icon=":material/checklist:")

with headline_box:
    c1, c2, c3, c4 = st.columns(4)
    if head.chosen:
        c1.metric(
            t("headline_selection_share"),
            percent(head.share_hours, lang),
            help=t("headline_selection_help", pop=percent(head.share_population, lang)),
        )
        c2.metric(
            t("headline_selection_ratio"),
            number(head.ratio, lang, 2),
            help=t("selection_ratio_help"),
        )
    else:
        c1.metric(
            t("headline_countryside_share"),
            percent(head.share_hours, lang),
            delta=None if trend is None else t("trend_delta", delta=signed(trend, lang)),
            help=t("headline_help", pop=percent(head.share_population, lang)),
        )
        c2.metric(t("headline_ratio"), number(head.ratio, lang, 2), help=t("ratio_help"))
    c3.metric(t("headline_gaps"), len(village_gaps), help=t("headline_gaps_help", when=gap_when))
    c4.metric(
        t("headline_spots_without"),
        t("n_of_m", n=not_followed, m=len(spots)) if known else "–",
        help=(
            t("spots_rule", radius=int(params.spot_radius_m), days=params.spot_days)
            if snap.tier.exact_presence
            else t("follow_up_area_rule", days=params.spot_days)
        )
        if known
        else t("follow_up_hidden"),
    )
    shares = {
        "share": percent(head.share_hours, lang),
        "pop": percent(head.share_population, lang),
        "words": words,
    }
    if head.share_hours != head.share_hours:  # NaN: no presence at all in the period
        st.markdown(t("headline_no_presence"))
    else:
        if head.chosen:
            names = escape_markdown(", ".join(head.names))  # area names may come from a file
            sentence = t("selection_sentence", names=names, **shares)
        else:
            sentence = t("headline_sentence", **shares)
        st.markdown("**" + sentence + "**")
    if len(village_gaps):
        st.warning(
            t("villages_without", when=gap_when)
            + " "
            + escape_markdown(", ".join(village_gaps["name"]))
        )

# The tables wait behind their summaries: made and sent only when opened.
said = summaries(table, gap_view, spots, None, None, t)
collapsed_table(
    ctx,
    t("table_areas_words", words=words),
    said["areas"],
    area_table(table, t),
    key="overview_areas",
)
collapsed_table(ctx, t("table_gaps", when=gap_when), said["gaps"], gap_view, key="overview_gaps")
st.subheader(t("table_spots"))
spot_rows(ctx, spots, said["spots"], key="overview_spots")
