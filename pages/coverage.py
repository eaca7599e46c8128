"""Coverage: per-area table with denominators, week-by-week balance, and every gap."""

from __future__ import annotations

import streamlit as st

from geo.coverage import area_gaps, table_and_balance, weekly_balance
from geo.export_data import selected_layers, to_csv_zip, to_geojson_zip, to_geopackage
from geo.views import (
    area_table,
    balance_trend,
    control_table,
    gap_table,
    incident_table,
    road_table,
    spot_table,
    styled,
)
from pages._session import current_context

ctx = current_context()
t, snap, filters, params = ctx.t, ctx.snap, ctx.filters, ctx.params

st.title(t("page_coverage"))
table, bal = table_and_balance(snap, filters, params)
weekly = weekly_balance(snap, filters)
trend = balance_trend(weekly)

st.markdown(
    t(
        "headline_sentence",
        share=round(bal.countryside_share_hours),
        pop=round(bal.countryside_share_population),
    )
    if bal.countryside_share_hours == bal.countryside_share_hours  # NaN: no presence at all
    else t("headline_no_presence")
)
if trend is not None:
    st.caption(t("trend_sentence", delta=f"{trend:+.1f}"))

st.subheader(t("table_areas"))
st.caption(t("denominators_note"))
st.table(styled(area_table(table, t)))

st.subheader(t("weekly_balance"))
chart = weekly.set_index(weekly.columns[0])[["town_hours", "countryside_hours"]].rename(
    columns={"town_hours": t("town"), "countryside_hours": t("countryside")}
)
if len(chart):  # an empty chart cannot infer its axis types
    st.bar_chart(chart, stack=True, y_label=t("hours"), x_label=t("col_" + weekly.columns[0]))
st.table(styled(weekly.rename(columns=lambda c: t("col_" + c))))

st.subheader(t("table_gaps", weeks=params.gap_weeks))
st.table(styled(gap_table(area_gaps(snap, filters, params), t, snap.tier.time_unit)))
st.subheader(t("table_spots"))
st.caption(
    t("spots_rule", radius=int(params.spot_radius_m), days=params.spot_days)
    if snap.tier.exact_presence
    else t("follow_up_area_rule", days=params.spot_days)  # read from the area x week table
)
st.table(styled(spot_table(snap, filters, params, t)))
st.subheader(t("table_roads"))
st.table(styled(road_table(snap, filters, params, t)))
st.subheader(t("table_controls"))
st.table(styled(control_table(snap, filters, t)))

incidents = incident_table(snap.incidents, filters, t)
if len(incidents):
    st.subheader(t("table_incidents"))
    st.caption(t("incidents_caption"))
    st.table(styled(incidents))

st.subheader(t("export_data"))
st.caption(
    t("export_caption")
    if ctx.tier.exact_presence
    else t("export_municipality_note")
    if ctx.tier.raw_export
    else t("export_public_note")
)
layers = selected_layers(snap, filters)  # at the viewer's tier
period = f"{filters.period.start:%Y-%m-%d}/{filters.period.end:%Y-%m-%d}"
c1, c2, c3 = st.columns(3)
with c1:
    ctx.export_button(
        "GeoPackage",
        lambda: to_geopackage(layers),
        "almhult.gpkg",
        "application/geopackage+sqlite3",
        period=period,
    )
with c2:
    ctx.export_button(
        "GeoJSON (zip)",
        lambda: to_geojson_zip(layers),
        "almhult-geojson.zip",
        "application/zip",
        period=period,
    )
with c3:
    ctx.export_button(
        "CSV (zip)", lambda: to_csv_zip(layers), "almhult-csv.zip", "application/zip", period=period
    )
