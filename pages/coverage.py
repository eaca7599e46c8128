"""Coverage: per-area table with denominators, week-by-week balance, every gap, and the
selection's downloads. Each table sorts and searches; long ones wait behind their summary."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from geo.coverage import area_gaps, table_and_balance, weekly_balance
from geo.export_data import (
    selected_layers,
    to_csv_zip,
    to_excel_csv_zip,
    to_geojson_zip,
    to_geopackage,
    to_xlsx,
)
from geo.filters import gap_words, period_words, until_data
from geo.numbers import percent, signed
from geo.plan.adherence import adherence_view, weekly_adherence
from geo.roles import Role
from geo.text import escape_markdown
from geo.views import (
    area_table,
    balance_chart_data,
    balance_trend,
    control_table,
    gap_table,
    incident_table,
    road_table,
    spot_table,
    summaries,
    weekly_table,
)
from pages._downloads import download
from pages._session import current_context
from pages._tables import boxed_table, collapsed_table, show_table, spot_rows

ctx = current_context()
t, snap, filters, params, lang = ctx.t, ctx.snap, ctx.filters, ctx.params, ctx.lang
latest = snap.extent().end - pd.Timedelta(seconds=1)
words = period_words(ctx.period_picked, t, latest=latest)
logged = until_data(filters, latest)  # gaps only where data is logged (or published)
gap_when = gap_words(logged.period, params.gap_weeks, t, latest=latest)

st.title(t("page_coverage"))
table, bal = table_and_balance(snap, filters, params)
weekly = weekly_balance(snap, filters)
trend = balance_trend(weekly)
if bal.countryside_share_hours != bal.countryside_share_hours:  # NaN: no presence at all
    st.markdown(t("headline_no_presence"))
else:
    sentence = t(
        "headline_sentence",
        share=percent(bal.countryside_share_hours, lang),
        pop=percent(bal.countryside_share_population, lang),
        words=words,
    )
    st.markdown("**" + sentence + "**")
if trend is not None:
    st.caption(t("trend_sentence", delta=signed(trend, lang, 1)))

areas = area_table(table, t)
gaps = gap_table(area_gaps(snap, logged, params), t, snap.tier.time_unit)
spots = spot_table(snap, filters, params, t)
roads = road_table(snap, filters, params, t)
controls = control_table(snap, filters, t)
incidents = incident_table(snap.incidents, filters, t)
said = summaries(table, gaps, spots, roads, controls, t)

st.subheader(t("table_areas_words", words=words))
st.caption(t("denominators_note"))
st.markdown(escape_markdown(said["areas"]))
show_table(ctx, areas)

st.subheader(t("weekly_balance"))
chart = balance_chart_data(weekly, t)
if len(chart):
    st.altair_chart(
        alt.Chart(chart)
        .mark_bar()
        .encode(
            x=alt.X("label:O", sort=list(dict.fromkeys(chart["label"])), title=None),
            y=alt.Y("hours:Q", title=t("hours"), stack=True),
            color=alt.Color("group:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("label:O", title=t("col_" + weekly.columns[0])),
                alt.Tooltip("group:N", title=t("col_area")),
                alt.Tooltip("hours_text:N", title=t("hours")),
            ],
        )
        .properties(height=260),
        use_container_width=True,
    )
boxed_table(ctx, weekly_table(weekly, t), key="coverage_weeks")

collapsed_table(ctx, t("table_gaps", when=gap_when), said["gaps"], gaps, key="coverage_gaps")

st.subheader(t("table_spots"))
st.caption(
    t("spots_rule", radius=int(params.spot_radius_m), days=params.spot_days)
    if snap.tier.exact_presence
    else t("follow_up_area_rule", days=params.spot_days)  # read from the area x week table
)
spot_rows(ctx, spots, said["spots"], key="coverage_spots")

collapsed_table(ctx, t("table_roads"), said["roads"], roads, key="coverage_roads")
collapsed_table(ctx, t("table_controls"), said["controls"], controls, key="coverage_controls")

if ctx.tier.role == Role.POLICE and len(snap.plans):  # plans exist in the police tier only
    adherence = weekly_adherence(snap, pd.Timestamp.now(tz="UTC"))
    st.subheader(t("plan_adherence"))
    st.caption(t("plan_adherence_caption"))
    if len(adherence):
        st.bar_chart(adherence.set_index("week")["stops_share"], y_label=t("plan_adherence_chart"))
        show_table(ctx, adherence_view(adherence, t))
    else:
        st.caption(t("plan_adherence_none"))

if len(incidents):
    st.subheader(t("table_incidents"))
    st.caption(t("incidents_caption"))
    boxed_table(ctx, incidents, key="coverage_incidents")

st.subheader(t("export_data"))
st.caption(
    t("export_caption")
    if ctx.tier.exact_presence
    else t("export_municipality_note")
    if ctx.tier.raw_export
    else t("export_public_note")
)
layers = selected_layers(snap, filters)  # at the viewer's tier
names = dict(zip(snap.areas["id"], snap.areas["name"], strict=True))
period = f"{filters.period.start:%Y-%m-%d}/{filters.period.end:%Y-%m-%d}"
stem = "almhult"  # the period is inside the files
c1, c2 = st.columns(2)
with c1:
    download(
        ctx,
        t("export_xlsx"),
        lambda: to_xlsx(layers, t, names),
        f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="xlsx",
        period=period,
    )
    st.caption(t("export_xlsx_help"))
with c2:
    download(
        ctx,
        t("export_excel_csv"),
        lambda: to_excel_csv_zip(layers, t, names),
        f"{stem}-excel-csv.zip",
        "application/zip",
        key="excel_csv",
        period=period,
    )
    st.caption(t("export_excel_csv_help"))
st.markdown("**" + t("export_gis") + "**")
g1, g2, g3 = st.columns(3)
with g1:
    download(
        ctx,
        "GeoPackage",
        lambda: to_geopackage(layers),
        f"{stem}.gpkg",
        "application/geopackage+sqlite3",
        key="gpkg",
        period=period,
    )
with g2:
    download(
        ctx,
        "GeoJSON (zip)",
        lambda: to_geojson_zip(layers),
        f"{stem}-geojson.zip",
        "application/zip",
        key="geojson",
        period=period,
    )
with g3:
    download(
        ctx,
        t("export_gis_csv"),
        lambda: to_csv_zip(layers),
        f"{stem}-csv.zip",
        "application/zip",
        key="csv",
        period=period,
    )
