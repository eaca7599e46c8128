"""A replacement's preview for people: two maps (before, after) and translated tables.

Names from files are user text: escaped in the maps' tooltips, plain text in the tables.
Numbers in the user's language (Swedish ``1 234,56``).
"""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geo.crs import latlon
from geo.i18n import Translate
from geo.layers.preview import Preview
from geo.mapview.assets import AssetMode, localise
from geo.mapview.layers import _geojson, esc

KIND_COLOURS = {"town": "#6a3d9a", "village": "#1f78b4", "countryside": "#b2df8a"}
CHANGE_COLOUR = "#e6550d"


def number(value: float | None, lang: str, decimals: int = 1) -> str:
    """``1234.5`` -> ``1 234,5`` (sv) or ``1,234.5`` (en); ``–`` for none."""
    if value is None or pd.isna(value):
        return "–"
    value = round(float(value), decimals) + 0.0  # no "-0,00"
    text = f"{value:,.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def _map(
    areas: gpd.GeoDataFrame,
    outline: BaseGeometry,
    roads: gpd.GeoDataFrame | None,
    changed: set[str],
    tile_url: str,
    tile_attribution: str,
) -> folium.Map:
    minx, miny, maxx, maxy = outline.bounds
    m = folium.Map(tiles=None, prefer_canvas=True, max_zoom=18, min_zoom=5, control_scale=True)
    if tile_url:
        folium.TileLayer(tile_url, attr=tile_attribution, max_zoom=18, control=False).add_to(m)
    props: list[dict[str, object]] = [
        {
            "tip": esc(name) + (" *" if aid in changed else ""),
            "style": {
                "color": CHANGE_COLOUR if aid in changed else "#555",
                "weight": 3 if aid in changed else 1,
                "fillColor": KIND_COLOURS.get(kind, "#ccc"),
                "fillOpacity": 0.45,
            },
        }
        for aid, name, kind in zip(areas["id"], areas["name"], areas["kind"], strict=True)
    ]
    folium.GeoJson(
        _geojson(areas.geometry.array, props),
        style_function=lambda f: f["properties"]["style"],
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(m)
    folium.GeoJson(
        _geojson(gpd.GeoSeries([outline]).array, [{"style": {"color": "#111", "weight": 2.5}}]),
        style_function=lambda f: {**f["properties"]["style"], "fill": False},
        interactive=False,
    ).add_to(m)
    if roads is not None and len(roads):
        folium.GeoJson(
            _geojson(
                roads.geometry.array,
                [{"tip": esc(r), "style": {"color": "#c00", "weight": 3}} for r in roads["road"]],
            ),
            style_function=lambda f: f["properties"]["style"],
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(m)
    m.fit_bounds([latlon(minx, miny), latlon(maxx, maxy)])
    return m


def comparison_maps(
    pv: Preview, tile_url: str = "", tile_attribution: str = "", mode: AssetMode = AssetMode.SERVED
) -> tuple[folium.Map, folium.Map]:
    """The geography before and after, same style; changed and gained areas outlined
    orange (and starred in their tooltip) on the second."""
    changed = set(pv.areas.loc[pv.areas["change"].isin(["changed", "gained"]), "id"])
    new_roads = pv.new.roads if pv.new.roads is not None else pv.old_roads
    old = _map(pv.old_areas, pv.old_outline, pv.old_roads, set(), tile_url, tile_attribution)
    new = _map(pv.new.areas, pv.new.outline, new_roads, changed, tile_url, tile_attribution)
    localise(old, mode)
    localise(new, mode)
    return old, new


def change_table(pv: Preview, t: Translate, lang: str) -> pd.DataFrame:
    """Areas that are gained, lost or changed (unchanged ones left out), with km²."""
    rows = pv.areas[pv.areas["change"] != "same"]
    return pd.DataFrame(
        {
            t("geo_col_area"): rows["name"].astype(str),
            t("geo_col_kind"): [t("kind_" + k) for k in rows["kind"]],
            t("geo_col_change"): [t("geo_change_" + c) for c in rows["change"]],
            t("geo_col_km2_old"): [number(v, lang, 2) for v in rows["km2_old"]],
            t("geo_col_km2_new"): [number(v, lang, 2) for v in rows["km2_new"]],
            t("geo_col_km2_change"): [number(v, lang, 2) for v in rows["km2_change"]],
        }
    )


def outside_table(pv: Preview, t: Translate) -> pd.DataFrame:
    """Records that would fall outside the new outline, one row each."""
    out = pv.outside
    return pd.DataFrame(
        {
            t("geo_col_layer"): [t("layer_" + x) for x in out["layer"]],
            t("geo_col_what"): out["what"].astype(str),
            t("geo_col_area_now"): out["area"].astype(str),
            t("geo_col_position"): [
                f"{lat:.5f}, {lon:.5f}" for lon, lat in zip(out["lon"], out["lat"], strict=True)
            ],
        }
    )


def history_table(log: pd.DataFrame, t: Translate) -> pd.DataFrame:
    """Geography replacements from the audit log: when (UTC shown as Stockholm), who, what."""
    rows = log[log["action"] == "replace_geography"]
    when = pd.to_datetime(rows["ts_utc"], utc=True).dt.tz_convert("Europe/Stockholm")
    return pd.DataFrame(
        {
            t("geo_col_entry"): rows["id"].astype(int).astype(str),  # an id, not a number
            t("geo_col_when"): when.dt.strftime("%Y-%m-%d %H:%M"),
            t("geo_col_who"): rows["user"].astype(str),
            t("geo_col_layer"): [_what(u, t) for u in rows["uid"]],
        }
    )


def _what(uid: str, t: Translate) -> str:
    if uid.startswith("undo:"):
        return t("geo_undo_of", n=uid.split(":", 1)[1])
    known = ("outline", "localities", "zones", "roads", "builtin")
    return t("geo_layer_" + uid) if uid in known else uid
