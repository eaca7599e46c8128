"""The map's layers as folium FeatureGroups, built from a snapshot and filters.

Every user-supplied text that reaches a popup or tooltip is escaped here, for HTML and for
folium's Jinja templates (``esc``). GeoJSON is serialised once with rounded coordinates
(1e-5°, about 1 m). Presence is drawn raw (tracks simplified at 10 m, points) while the
filtered fixes number at most ``raw_points_max``; above that it is aggregated to 250 m
hexagons, so the map stays small whatever the data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import folium
import numpy as np
import pandas as pd
import shapely

from geo.aggregate import hexbin, simplify_tracks
from geo.coverage import (
    CoverageParams,
    had_presence,
    reported_by,
    road_controls,
    spot_follow_up,
)
from geo.filters import Filters
from geo.i18n import Translate
from geo.mapview import style
from geo.model import LOCAL_TZ, PresenceKind
from geo.publish import at_least
from geo.roles import TimeUnit
from geo.snapshot import KINDS, Snapshot
from geo.text import escape_html, without_braces


def esc(value: object) -> str:
    """A value as inert HTML text ('–' for null): escaped for HTML and for folium's Jinja
    templates (:func:`geo.text.escape_html`)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return escape_html(value)


def _inert(props: Mapping[str, object]) -> dict[str, object]:
    """Feature properties (HTML for tooltips and popups, style values) with no brace left
    for folium's Jinja templates, should a caller have missed ``esc``."""
    return {
        k: without_braces(v) if isinstance(v, str) else _inert(v) if isinstance(v, Mapping) else v
        for k, v in props.items()
    }


def _geojson(geoms: np.ndarray, props: Sequence[Mapping[str, object]]) -> str:
    """A FeatureCollection string with coordinates rounded to 1e-5°; braces in property
    texts as character references (see :func:`geo.text.escape_html`)."""
    geoms = shapely.set_precision(np.asarray(geoms, dtype=object), 1e-5)
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(g)),
            "properties": _inert(p),
        }
        for g, p in zip(geoms, props, strict=True)
    ]
    return json.dumps(
        {"type": "FeatureCollection", "features": features},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _style_from_props(feature: dict) -> dict:
    return feature["properties"]["style"]


@dataclass(frozen=True)
class LayerSet:
    """The map's data layers, in drawing order, with what the presence layer shows and
    what the legend lists (:data:`LEGEND_ENTRIES`: only what is drawn)."""

    groups: list[folium.FeatureGroup]
    presence_mode: str  # "raw", "hexagons" or "areas" (area figures only)
    presence_fixes: int
    legend: frozenset[str] = frozenset()


# What a legend may list: the areas' shading by share of days (``areas_days``) or by hours
# relative to the best-served area (``areas_hours``), tracks per kind, hexagons, traffic
# controls, through-traffic roads and problem spots.
LEGEND_ENTRIES: tuple[str, ...] = (
    "areas_days",
    "areas_hours",
    "track_car_patrol",
    "track_foot_patrol",
    "track_other",
    "hexagons",
    "controls",
    "roads",
    "spots",
)


def areas_layer(
    snap: Snapshot,
    table: pd.DataFrame,
    days_in_period: int,
    t: Translate,
    chosen: tuple[str, ...] | None = None,
) -> folium.FeatureGroup:
    """Areas shaded by the share of days with presence; red outline where none.

    Tiers that know presence only by week or month shade by hours per 1,000 residents
    relative to the best-served area instead (days are unknown there). With areas
    ``chosen`` (the area filter) the others are drawn neutral grey: not measured, not a gap.
    """
    fg = folium.FeatureGroup(name=t("layer_areas"), show=True)
    rows = table.set_index("area_id")
    present = dict(zip(table["area_id"], had_presence(table), strict=True))
    by_days = snap.tier.time_unit == TimeUnit.EXACT
    best = float(pd.to_numeric(table["hours_per_1000"], errors="coerce").max() or 0) or 1.0
    props = []
    for area_id, name, kind, approx in zip(
        snap.areas["id"],
        snap.areas["name"],
        snap.areas["kind"],
        snap.areas["approximate"],
        strict=True,
    ):
        if chosen and area_id not in chosen:
            props.append(
                {
                    "tip": f"<b>{esc(name)}</b><br>{esc(t('tip_outside_selection'))}",
                    "style": {
                        "fillColor": style.OUTSIDE_SELECTION,
                        "fillOpacity": 0.25,
                        "weight": 1,
                        "color": "#999999",
                    },
                }
            )
            continue
        r = rows.loc[area_id] if area_id in rows.index else None
        hours = float(r["hours"]) if r is not None else 0.0
        if by_days:
            days = int(r["days"]) if r is not None else 0
            pct = 100 * days / max(days_in_period, 1)
            shading = t("tip_days", days=days, pct=round(pct))
        else:
            per_1000 = r["hours_per_1000"] if r is not None else 0.0
            pct = 0.0 if pd.isna(per_1000) else 100 * float(per_1000) / best
            days = 1 if present.get(area_id, False) else 0  # rounded hours may be 0
            shading = t("tip_per_1000", value="–" if pd.isna(per_1000) else per_1000)
        colour = style.coverage_colour(pct)
        tip = (
            f"<b>{esc(name)}</b> ({esc(t('kind_' + kind))})<br>"
            f"{esc(shading)}<br>"
            f"{esc(t('tip_hours', hours=round(hours, 1)))}"
            + (f"<br><i>{esc(t('approximate_boundary'))}</i>" if approx == 1 else "")
        )
        props.append(
            {
                "tip": tip,
                "style": {
                    "fillColor": colour,
                    "fillOpacity": 0.55,
                    "weight": 2 if days == 0 else 1,
                    "color": style.NO_PRESENCE if days == 0 else "#555555",
                },
            }
        )
    folium.GeoJson(
        _geojson(snap.areas.geometry.array, props),
        style_function=_style_from_props,
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        name=t("layer_areas"),
    ).add_to(fg)
    return fg


def presence_layer(
    snap: Snapshot, filters: Filters, t: Translate, raw_points_max: int
) -> tuple[folium.FeatureGroup, str, int, frozenset[str]]:
    """Patrol presence: simplified tracks when few fixes, 250 m hexagons (hours) when many.

    Returns the group, the mode (``raw`` or ``hexagons``), the number of fixes and the
    kinds drawn as tracks (none for hexagons)."""
    fx = snap.fixes
    kinds = [k for k in (filters.kinds or KINDS) if k != PresenceKind.TRAFFIC_CONTROL.value]
    m = fx.mask(
        filters.period, kinds, snap.area_codes(list(filters.areas)) if filters.areas else None
    )
    n = int(m.sum())
    fg = folium.FeatureGroup(name=t("layer_presence"), show=True)
    if n == 0:
        return fg, "raw", 0, frozenset()
    if n <= raw_points_max:
        recs, lines = simplify_tracks(fx.lon[m], fx.lat[m], fx.rec[m])
        first_kind = pd.Series(fx.kind[m]).groupby(fx.rec[m]).first()
        props = [
            {
                "tip": esc(t("kind_" + KINDS[int(first_kind[r])])),
                "style": {
                    "color": style.TRACK_COLOURS[KINDS[int(first_kind[r])]],
                    "weight": 3,
                    "opacity": 0.8,
                },
            }
            for r in recs
        ]
        folium.GeoJson(
            _geojson(lines, props),
            style_function=_style_from_props,
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(fg)
        return fg, "raw", n, frozenset(KINDS[int(k)] for k in first_kind.unique())
    bins = hexbin(fx.x[m], fx.y[m], fx.dt[m] / 3600)
    colours = style.quantile_colours(bins["value"].to_numpy(), style.HEX_COLOURS)
    props = [
        {
            "tip": esc(t("tip_hex_hours", hours=round(v, 1))),
            "style": {"fillColor": c, "fillOpacity": 0.7, "weight": 0},
        }
        for v, c in zip(bins["value"], colours, strict=True)
    ]
    folium.GeoJson(
        _geojson(bins["geometry"].to_numpy(), props),
        style_function=_style_from_props,
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(fg)
    return fg, "hexagons", n, frozenset()


def _point_layer(
    fg: folium.FeatureGroup, geoms: np.ndarray, props: Sequence[Mapping[str, object]]
) -> None:
    """Points as one GeoJSON layer of circle markers, styled and with popups per feature."""
    folium.GeoJson(
        _geojson(geoms, props),
        marker=folium.CircleMarker(radius=6, fill=True),
        style_function=_style_from_props,
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=320),
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(fg)


def controls_layer(snap: Snapshot, filters: Filters, t: Translate) -> folium.FeatureGroup:
    """Traffic controls as circles sized by vehicles checked."""
    fg = folium.FeatureGroup(name=t("layer_controls"), show=True)
    p = snap.presence
    if filters.kinds is not None and PresenceKind.TRAFFIC_CONTROL.value not in filters.kinds:
        return fg
    m = (
        (p["kind"] == PresenceKind.TRAFFIC_CONTROL.value)
        & (p["start"] < filters.period.end)
        & (p["end"] >= filters.period.start)
    )
    if filters.areas:
        m &= p["area_id"].isin(filters.areas)
    rows = p[m]
    if rows.empty:
        return fg
    props = []
    for row in rows.itertuples():
        start = row.start.tz_convert(LOCAL_TZ)
        ctype = t("ctrl_" + row.control_type) if isinstance(row.control_type, str) else None
        popup = (
            f"<b>{esc(t('kind_traffic_control'))}</b><br>{esc(row.note)}<br>"
            f"{esc(start.strftime('%Y-%m-%d %H:%M'))}<br>"
            f"{esc(t('control_type'))}: {esc(ctype)}<br>"
            f"{esc(t('vehicles_checked'))}: {esc(row.vehicles_checked)}, "
            f"{esc(t('violations'))}: {esc(row.violations)}"
        )
        props.append(
            {
                "popup": popup,
                "tip": esc(row.note),
                "style": {
                    "radius": style.control_radius(row.vehicles_checked),
                    "color": style.CONTROL_COLOUR,
                    "fillColor": style.CONTROL_COLOUR,
                    "fillOpacity": 0.6,
                    "weight": 1,
                },
            }
        )
    geoms = shapely.centroid(np.asarray(rows.geometry.array, dtype=object))
    _point_layer(fg, geoms, props)
    return fg


def spots_layer(
    snap: Snapshot, filters: Filters, params: CoverageParams, t: Translate
) -> folium.FeatureGroup:
    """Problem spots coloured by category, outlined by status, with follow-up in the popup."""
    fg = folium.FeatureGroup(name=t("layer_spots"), show=True)
    spots = filter_spots(snap, filters)
    if spots.empty:
        return fg
    follow = spot_follow_up(snap, spots, params, filters.kinds).set_index("uid")
    radius, days = int(params.spot_radius_m), params.spot_days
    tier = snap.tier
    props = []
    for row in spots.itertuples():
        f = follow.loc[row.uid]
        category = t("cat_" + row.category)
        lines = [
            f"<b>{esc(category)}</b>",
            esc(row.description),
            f"{esc(t('status'))}: {esc(t('status_' + row.status))}",
            f"{esc(t('response'))}: {esc(row.response)}",
        ]
        lines.append(esc(t("residents_named", n=row.residents)))
        if tier.exact_presence:
            near = (
                t("followed_up_yes", minutes=int(f["minutes_within"]), radius=radius)
                if f["followed_up"]
                else t("followed_up_no", radius=radius, days=days)
            )
            nearest = "–" if pd.isna(f["nearest_m"]) else f"{int(f['nearest_m'])} m"
            lines.append(f"{esc(near)}; {esc(t('nearest_presence'))}: {esc(nearest)}")
        elif not pd.isna(f["followed_up"]):
            key = "followed_up_area_yes" if f["followed_up"] else "followed_up_area_no"
            lines.append(esc(t(key)))
        else:
            lines.append(f"<i>{esc(t('spot_generalised', grid=int(tier.spot_grid_m or 0)))}</i>")
        props.append(
            {
                "popup": "<br>".join(lines),
                "tip": esc(row.description),
                "style": style.spot_marker(row.category, row.status),
            }
        )
    _point_layer(fg, spots.geometry.array, props)
    return fg


def filter_spots(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    """Problem spots matching the category, status and area filters, reported by the
    period's end (:func:`geo.coverage.reported_by`: earlier spots stay open problems)."""
    s = snap.problem_spots
    m = reported_by(s, filters.period)
    if filters.categories is not None:
        m &= s["category"].isin(filters.categories).to_numpy()
    if filters.statuses is not None:
        m &= s["status"].isin(filters.statuses).to_numpy()
    if filters.areas:
        m &= s["area_id"].isin(filters.areas).to_numpy()
    return s[m]


def roads_layer(
    snap: Snapshot, filters: Filters, params: CoverageParams, t: Translate
) -> folium.FeatureGroup:
    """Through-traffic roads weighted by heavy traffic, red where no control in the period."""
    fg = folium.FeatureGroup(name=t("layer_roads"), show=True)
    if snap.roads.empty:
        return fg
    ctrl = road_controls(snap, filters, params).set_index("uid")
    props = []
    for _, row in snap.roads.iterrows():
        n = int(ctrl.loc[row["uid"], "controls"])  # a lower bound where cells are withheld
        withheld = ctrl.loc[row["uid"]].get("controls_withheld", 0)
        shown = t("controls_in_period", n=at_least(n, withheld, t))
        heavy = row["heavy_per_day"]
        tip = (
            f"<b>{esc(row['road'])}</b> – {esc(row['locality'])}<br>"
            f"{esc(t('heavy_per_day'))}: {esc(heavy)}"
            + (f" ({esc(t('example_value'))})" if row["heavy_per_day_is_example"] == 1 else "")
            + f"<br>{esc(shown)}"
        )
        props.append(
            {
                "tip": tip,
                "style": {
                    "color": style.ROAD_CONTROLLED if n else style.ROAD_UNCONTROLLED,
                    "weight": style.road_weight(heavy),
                    "opacity": 0.85,
                },
            }
        )
    folium.GeoJson(
        _geojson(snap.roads.geometry.array, props),
        style_function=_style_from_props,
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(fg)
    return fg


def build_layers(
    snap: Snapshot,
    filters: Filters,
    params: CoverageParams,
    table: pd.DataFrame,
    t: Translate,
    raw_points_max: int = 3000,
) -> LayerSet:
    """All data layers for the current filters, in drawing order."""
    days = int(round((filters.period.end - filters.period.start) / pd.Timedelta(days=1)))
    areas = areas_layer(snap, table, days, t, filters.areas)
    roads = roads_layer(snap, filters, params, t)
    spots = spots_layer(snap, filters, params, t)
    by_days = snap.tier.time_unit == TimeUnit.EXACT
    legend = {"areas_days" if by_days else "areas_hours", "roads", "spots"}
    if not snap.tier.exact_presence:  # only area figures: no patrol or control points
        return LayerSet([areas, roads, spots], "areas", 0, frozenset(legend))
    presence, mode, n, tracks = presence_layer(snap, filters, t, raw_points_max)
    legend |= {"hexagons"} if mode == "hexagons" else {"track_" + k for k in tracks}
    legend.add("controls")
    groups = [areas, presence, roads, controls_layer(snap, filters, t), spots]
    return LayerSet(groups, mode, n, frozenset(legend))
