"""Map builders: offline assets, escaping, size limits and the raw/hexagon switch."""

import dataclasses
import html as html_lib
import json
import os
import re
from collections import namedtuple

import branca
import folium
import numpy as np
import pytest
from folium.plugins import MiniMap
from shapely.geometry import Point

from geo.config import Settings
from geo.coverage import CoverageParams, presence_by_area
from geo.filters import Filters, custom_period, period_for
from geo.handout import HandoutSpec, handout_html
from geo.i18n import translator
from geo.mapview.assets import (
    AssetMode,
    MissingAssetError,
    check_offline,
    localise,
    needs_jquery,
)
from geo.mapview.basemap import build_base_map, build_full_map
from geo.mapview.layers import _geojson, build_layers
from geo.snapshot import load_snapshot
from geo.tiers import public_view
from tests.factories import TOWN, presence, spot
from tests.leaks import decoded

T = translator("sv")
Rendered = namedtuple("Rendered", "html layers size_bytes")
NO_TILES = Settings(tile_url="")


@pytest.fixture(scope="module")
def demo_snap(demo_store):
    return load_snapshot(demo_store)


def render(snap, filters, mode=AssetMode.INLINE, raw_points_max=3000, settings=NO_TILES):
    """The map's HTML (JS string escapes (\\u00e4, \\u003c) decoded), its layers, raw size."""
    params = CoverageParams()
    table = presence_by_area(snap, filters, params)
    layers = build_layers(snap, filters, params, table, T, raw_points_max)
    m = build_full_map(snap, settings, T, layers, mode)
    html = m.get_root().render()
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda g: chr(int(g.group(1), 16)), html)
    return Rendered(text, layers, len(html.encode()))


def test_year_map_is_offline_small_and_aggregated(demo_snap):
    year = Filters(period_for("year", demo_snap.extent().end))
    html, layers, size = render(demo_snap, year)
    assert check_offline(html) == []
    assert "cdn." not in html and "code.jquery.com" not in html
    assert layers.presence_mode == "hexagons"
    assert size <= 2.5 * 1024 * 1024
    for key in ("layer_areas", "layer_presence", "layer_controls", "layer_spots", "layer_roads"):
        assert T(key) in html


def test_served_mode_points_at_the_apps_own_static_files(demo_snap):
    html, *_ = render(
        demo_snap, Filters(custom_period("2018-05-01", "2018-05-07")), AssetMode.SERVED
    )
    assert "/app/static/node_modules/leaflet/dist/leaflet.js" in html
    assert check_offline(html) == []


def test_jquery_only_where_code_calls_it(demo_snap):
    """The map's frame fetches its scripts one after another: jQuery (unused by our layers)
    is left out, and kept (local) when a folium Popup needs it."""
    year = Filters(period_for("year", demo_snap.extent().end))
    html, layers, _ = render(demo_snap, year, AssetMode.SERVED)
    assert "jquery" not in html.lower()
    assert not any(needs_jquery(group) for group in layers.groups)  # st_folium adds these
    m = build_base_map(demo_snap, NO_TILES, T)
    folium.CircleMarker([56.6, 14.1], popup=folium.Popup("x")).add_to(m)
    html = localise(m).get_root().render()
    assert "/app/static/node_modules/jquery/dist/jquery.min.js" in html
    assert check_offline(html) == []


def test_few_points_are_drawn_as_tracks(demo_snap):
    week = Filters(custom_period("2018-05-01", "2018-05-02"))
    _, layers, _ = render(demo_snap, week, raw_points_max=10_000)
    assert layers.presence_mode == "raw"
    _, layers, _ = render(demo_snap, week, raw_points_max=10)
    assert layers.presence_mode == "hexagons"


def test_user_text_is_escaped_in_popups_and_tooltips(store):
    store.add("problem_spots", spot(description='<script>alert("x")</script><img src=x>'))
    snap = load_snapshot(store)
    html, *_ = render(snap, Filters(custom_period("2018-01-01", "2018-12-31")))
    assert "<script>alert" not in html and "<img src=x>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


# Jinja syntax in user text: folium reads every element's rendered script again as a
# Jinja template, so text that is not made inert would run on the server (here: an
# expression, a statement, a comment, and a reach into the server's os module).
JINJA = (
    '{{ "evaluated" ~ "-on-server" }} {% if true %}statement{% endif %} {# comment #} '
    "{{ cycler.__init__.__globals__.os.getcwd() }}"
)


def assert_inert(rendered: str) -> None:
    """``JINJA`` came out as typed (once decoded for the reader), never evaluated."""
    text = html_lib.unescape(decoded(rendered))
    assert "evaluated-on-server" not in text
    assert os.getcwd() not in text
    assert JINJA in text


def test_user_text_is_never_run_as_a_template(store):
    store.add("problem_spots", spot(description=JINJA, response=JINJA))
    store.add("presence", presence(note=JINJA))
    snap = load_snapshot(store)
    snap = dataclasses.replace(snap, areas=snap.areas.assign(name=JINJA))
    year = Filters(custom_period("2018-01-01", "2018-12-31"))
    table = presence_by_area(snap, year, CoverageParams())
    layers = build_layers(snap, year, CoverageParams(), table, T, 3000)
    full = build_full_map(snap, NO_TILES, T, layers, AssetMode.INLINE)
    assert_inert(full.get_root().render())  # the handouts' and exports' maps
    # st_folium renders the base map's figure (labels, legend, attribution) on the server
    base = build_base_map(snap, NO_TILES, T)
    assert_inert(base.get_root().render())
    # the meeting handout's public map (spot tooltips, area names)
    assert_inert(handout_html(public_view(snap), HandoutSpec(year, None), T))


def test_feature_texts_lose_their_braces_even_unescaped():
    """The GeoJSON every layer is drawn from: a text a caller forgot to escape still
    reaches folium's templates without braces."""
    collection = _geojson(np.array([Point(*TOWN)]), [{"tip": "{{ 7*7 }}", "style": {"c": "#f00"}}])
    assert "{{" not in collection and "&#123;&#123; 7*7 &#125;&#125;" in collection
    assert '"style":{"c":"#f00"}' in collection


def test_tiles_are_configurable_and_optional(demo_snap):
    f = Filters(custom_period("2018-05-01", "2018-05-07"))
    html, *_ = render(
        demo_snap,
        f,
        settings=Settings(
            tile_url="https://tiles.example/{z}/{x}/{y}.png", tile_attribution="Intranät"
        ),
    )
    assert "https://tiles.example/{z}/{x}/{y}.png" in html and "Intranät" in html
    html, *_ = render(demo_snap, f)
    assert "tile.openstreetmap.org" not in html
    assert "Älmhult" in html and "Riksväg 23" in html  # our own geography without tiles


def test_no_branca_colormap_anywhere(demo_snap):
    """A ColorMap makes streamlit-folium fetch d3 from a CDN."""
    f = Filters(period_for("year", demo_snap.extent().end))
    params = CoverageParams()
    layers = build_layers(demo_snap, f, params, presence_by_area(demo_snap, f, params), T)
    m = build_full_map(demo_snap, NO_TILES, T, layers)

    def walk(el):
        yield el
        for child in el._children.values():
            yield from walk(child)

    assert not any(isinstance(el, branca.colormap.ColorMap) for el in walk(m))


def test_unknown_asset_raises_rather_than_using_a_cdn(demo_snap):
    m = build_base_map(demo_snap, NO_TILES, T)
    MiniMap().add_to(m)
    with pytest.raises(MissingAssetError, match="MiniMap needs asset"):
        localise(m)


def test_legend_is_html_and_escaped():
    from geo.mapview.basemap import legend_html

    html = legend_html(translator("en"))
    assert "Share of days with presence" in html and "<script" not in html
    assert isinstance(folium.Map, type)


def test_point_outside_map_area_is_not_silently_dropped(store):
    store.add("problem_spots", spot(geometry=Point(14.30, 56.60)))
    snap = load_snapshot(store)
    html, *_ = render(snap, Filters(custom_period("2018-01-01", "2018-12-31")))
    assert "14.3" in html and "56.6" in html


def test_draw_plugin_assets_are_local(demo_snap):
    from folium.plugins import Draw

    m = build_base_map(demo_snap, NO_TILES, T, AssetMode.INLINE)
    Draw().add_to(m)
    localise(m, AssetMode.INLINE)
    html = m.get_root().render()
    assert check_offline(html) == [] and "cdnjs" not in html


def test_layer_control_lists_only_named_layers_and_scale_is_metric(demo_snap):
    m = build_base_map(demo_snap, NO_TILES, T)
    f = Filters(period_for("year", demo_snap.extent().end))
    table = presence_by_area(demo_snap, f, CoverageParams())
    for group in build_layers(demo_snap, f, CoverageParams(), table, T).groups:
        group.add_to(m)
    control = folium.LayerControl()
    control.add_to(m)
    html = m.get_root().render()
    names = list(control.overlays) + list(control.base_layers)
    assert names == [
        T("layer_areas"),
        T("layer_presence"),
        T("layer_roads"),
        T("layer_controls"),
        T("layer_spots"),
    ]
    assert "imperial: false" in html and "L.control.scale()" not in html


def test_gesture_handling_is_served_locally_and_in_the_language(demo_snap):
    html = build_base_map(demo_snap, NO_TILES, translator("sv")).get_root().render()
    assert "/app/static/node_modules/leaflet-gesture-handling/dist/" in html
    assert "gestureHandling.enable()" in html
    assert "Använd två fingrar" in re.sub(
        r"\\u([0-9a-fA-F]{4})", lambda g: chr(int(g.group(1), 16)), html
    )
    assert check_offline(html) == []


def test_place_views_zoom_to_a_village(demo_snap):
    from geo.mapview.basemap import place_views, selection_view

    views = place_views(demo_snap)
    (lat, lon), zoom = views["dio"]
    whole = views[""]
    assert 56.6 < lat < 56.7 and 14.1 < lon < 14.3 and zoom >= 13 > whole[1]
    assert selection_view(demo_snap, ("dio",)) == views["dio"]
    assert selection_view(demo_snap, None) == whole


def test_areas_outside_the_filter_are_neutral_not_gaps(demo_snap):
    from geo.mapview import style

    f = Filters(custom_period("2018-05-01", "2018-05-31"), areas=("dio",))
    table = presence_by_area(demo_snap, f, CoverageParams())
    group = build_layers(demo_snap, f, CoverageParams(), table, T).groups[0]
    (geojson,) = group._children.values()
    styles = {
        f["properties"]["tip"].split("</b>")[0][3:]: f["properties"]["style"]
        for f in geojson.data["features"]
    }
    assert styles["Diö"]["fillColor"] != style.OUTSIDE_SELECTION
    others = [s for name, s in styles.items() if name != "Diö"]
    assert all(s["fillColor"] == style.OUTSIDE_SELECTION for s in others)
    assert all(s["color"] != style.NO_PRESENCE for s in others)


def test_st_folium_sends_the_same_map_without_its_extra_render(demo_snap, monkeypatch):
    """The pages call st_folium with render=False: by default it first renders the whole
    figure and throws the result away (~15 ms of each run's server time). Whatever it
    sends the browser must be the same either way, for the overview's map and the
    register page's (its drawing plugin adds scripts)."""
    import streamlit_folium
    from folium.plugins import Draw

    sent: list[dict] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: sent.append(kw))
    f = Filters(period_for("year", demo_snap.extent().end))
    params = CoverageParams()
    for render in (True, False):
        layers = build_layers(demo_snap, f, params, presence_by_area(demo_snap, f, params), T, 3000)
        streamlit_folium.st_folium(
            build_base_map(demo_snap, NO_TILES, T),
            key="overview",
            feature_group_to_add=layers.groups,
            layer_control=folium.LayerControl(collapsed=True),
            returned_objects=[],
            render=render,
        )
        drawing = build_base_map(demo_snap, NO_TILES, T)
        Draw(draw_options={"polygon": False}).add_to(drawing)
        localise(drawing)
        streamlit_folium.st_folium(drawing, key="register", returned_objects=[], render=render)

    def same(args: dict) -> dict:
        ids = re.compile(r"[0-9a-f]{32}")  # folium's random element ids
        return {k: ids.sub("ID", str(v)) for k, v in args.items() if k != "on_change"}

    assert same(sent[0]) == same(sent[2]) and same(sent[1]) == same(sent[3])
    assert any("leaflet.draw" in link for link in sent[3]["js_links"])


def _legend_texts(m: folium.Map) -> str:
    """The legend's HTML in a built map."""
    from geo.mapview.basemap import Legend

    (legend,) = [c for c in m._children.values() if isinstance(c, Legend)]
    return html_lib.unescape(json.loads(legend.html_json.replace("<\\/", "</")))


def test_legend_lists_only_the_layers_drawn(demo_snap):
    import pandas as pd

    from geo.roles import TIERS, Role
    from geo.tiers import view_for

    later = pd.Timestamp("2026-11-25", tz="UTC")
    params = CoverageParams()
    # The public (council) level: area figures only, no patrol or control layer drawn.
    public = view_for(demo_snap, TIERS[Role.COUNCIL], later)
    f = Filters(period_for("year", public.extent().end))
    layers = build_layers(public, f, params, presence_by_area(public, f, params), T)
    text = _legend_texts(build_base_map(public, NO_TILES, T, legend=layers.legend))
    for never in ("Bilpatrull", "Fotpatrull", "250 m-ruta", "Trafikkontroll (storlek"):
        assert never not in text, never
    assert T("legend_public_hours") in text and T("cat_narcotics") in text
    # The police: a month of tracks lists the kinds drawn, no hexagons.
    month = Filters(period_for("month", demo_snap.extent().end), kinds=("foot_patrol",))
    police = build_layers(demo_snap, month, params, presence_by_area(demo_snap, month, params), T)
    assert police.presence_mode == "raw"
    text = _legend_texts(build_base_map(demo_snap, NO_TILES, T, legend=police.legend))
    assert "Fotpatrull" in text and "Bilpatrull" not in text and "250 m-ruta" not in text
    assert T("legend_coverage") in text
    # Many fixes: hexagons, no tracks.
    year = Filters(period_for("year", demo_snap.extent().end))
    hexes = build_layers(demo_snap, year, params, presence_by_area(demo_snap, year, params), T)
    assert hexes.presence_mode == "hexagons"
    text = _legend_texts(build_base_map(demo_snap, NO_TILES, T, legend=hexes.legend))
    assert "250 m-ruta" in text and "Bilpatrull" not in text
