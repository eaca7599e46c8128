"""The base map: our own geography (outline, main roads, place names), legend, scale bar.

It holds nothing that changes with the filters, so Streamlit keeps the user's zoom while
data layers come and go through ``feature_group_to_add``. Without tiles (``tile_url=""``)
the map still shows the municipality, roads and names from our own data.
"""

from __future__ import annotations

import json
import math
from functools import cache

import folium
import geopandas as gpd
import shapely
from branca.element import Figure, MacroElement, Template
from folium.elements import JSCSSMixin

from geo.config import Settings
from geo.crs import latlon
from geo.geography import LOCALITIES, ROADS_FILE
from geo.geography.attribution import data_attribution, label_points
from geo.i18n import Translate
from geo.mapview import style
from geo.mapview.assets import AssetMode, localise
from geo.mapview.layers import LayerSet, _geojson, esc
from geo.model import SpotCategory, SpotStatus
from geo.snapshot import Snapshot


@cache
def main_roads() -> gpd.GeoDataFrame:
    """Built-in main roads (EPSG:4326, approximate courses)."""
    return gpd.read_file(ROADS_FILE, engine="pyogrio")


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (folium's shows miles too)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class GestureHandling(JSCSSMixin, MacroElement):
    """On touch screens and narrow windows a one-finger swipe scrolls the page, not the
    map: two fingers move it (``leaflet-gesture-handling``, served locally). Wide
    screens with a mouse keep dragging and wheel zoom."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            if (!map.gestureHandling) { return; }
            var narrow = window.matchMedia("(pointer: coarse), (max-width: 700px)").matches;
            try {  // the map's iframe may be wider than the phone's page says
                narrow = narrow || window.parent.innerWidth <= 700;
            } catch (e) {}
            if (!narrow) { return; }
            map.options.gestureHandlingOptions = {text: {{ this.texts_json }}, duration: 1200};
            map.gestureHandling.enable();
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )
    default_js = [("leaflet_gesture_handling", "")]
    default_css = [("leaflet_gesture_handling_css", "")]

    def __init__(self, t: Translate) -> None:
        super().__init__()
        self._name = "GestureHandling"
        texts = {
            "touch": t("map_gesture_touch"),
            "scroll": t("map_gesture_scroll"),
            "scrollMac": t("map_gesture_scroll_mac"),
        }
        self.texts_json = json.dumps(texts).replace("</", "<\\/")


class Legend(MacroElement):
    """An HTML legend as a Leaflet control (no branca colormap: that pulls d3 from a CDN)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "almhult-legend");
                div.innerHTML = {{ this.html_json }};
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.html_json = json.dumps(html).replace("</", "<\\/")


# Zone names as plain text on the map (Leaflet's tooltip box and arrow removed). Two
# classes, so the rule wins wherever Leaflet's own stylesheet lands (the handout inlines
# it after this, and its zone names had come out boxed like place names).
ZONE_LABEL_CSS = (
    "<style>.leaflet-tooltip.almhult-zone-label{background:none;border:none;box-shadow:none;"
    "text-shadow:0 0 3px #fff,0 0 3px #fff}"
    ".leaflet-tooltip.almhult-zone-label:before{display:none}</style>"
)


class ZoneLabelsGiveWay(MacroElement):
    """Countryside zone names step aside for place names: after every zoom or move, a zone
    label that would overlap a place's label (or an earlier zone's) is hidden until there
    is room (Leaflet's permanent tooltips have no collision handling of their own)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            function overlaps(a, b) {
                return !(a.right <= b.left || b.right <= a.left ||
                         a.bottom <= b.top || b.bottom <= a.top);
            }
            function tidy() {
                var pane = map.getPane("tooltipPane");
                var labels = pane.querySelectorAll(".leaflet-tooltip");
                var taken = [], zones = [];
                labels.forEach(function (el) {
                    if (el.classList.contains("almhult-zone-label")) { zones.push(el); }
                    else { taken.push(el.getBoundingClientRect()); }
                });
                zones.forEach(function (el) {
                    el.style.visibility = "";
                    var box = el.getBoundingClientRect();
                    var hit = taken.some(function (t) { return overlaps(box, t); });
                    el.style.visibility = hit ? "hidden" : "";
                    if (!hit) { taken.push(box); }
                });
            }
            map.on("zoomend moveend resize", tidy);
            map.whenReady(function () { setTimeout(tidy, 0); });
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ZoneLabelsGiveWay"


class Attribution(MacroElement):
    """Credits for our own map data in Leaflet's attribution control (beside the tiles')."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html_json }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.html_json = json.dumps(html).replace("</", "<\\/")


def _swatch(colour: str, label: str, *, outline: str | None = None, line: bool = False) -> str:
    shape = (
        "height:4px;margin-top:6px"
        if line
        else "height:12px;border-radius:50%"
        if outline
        else "height:12px"
    )
    border = f"border:2px solid {outline};" if outline else "border:1px solid #777;"
    return (
        f'<div style="display:flex;gap:6px;align-items:flex-start">'
        f'<span style="display:inline-block;width:14px;{shape};background:{colour};'
        f'{border}"></span><span>{esc(label)}</span></div>'
    )


def legend_html(
    t: Translate,
    *,
    open_: bool = True,
    public: bool = False,
    entries: frozenset[str] | None = None,
) -> str:
    """The legend's HTML (escaped texts); collapsed to its title unless ``open_``.

    ``entries``: what the map draws (:data:`geo.mapview.layers.LEGEND_ENTRIES`, e.g.
    :attr:`LayerSet.legend`); the legend lists only those. None: every layer of the
    police map, or with ``public`` those of the public map (relative presence hours,
    plain roads, no patrol layers).
    """
    if entries is None:
        entries = frozenset(
            {"areas_hours", "spots"}
            if public
            else {
                "areas_days",
                "track_car_patrol",
                "track_foot_patrol",
                "hexagons",
                "controls",
                "roads",
                "spots",
            }
        )
    parts = []
    if entries & {"areas_days", "areas_hours"}:
        title = "legend_coverage" if "areas_days" in entries else "legend_public_hours"
        parts.append(f"<b>{esc(t(title))}</b>")
        bounds = [*style.COVERAGE_BREAKS[1:], 100]
        for lo, hi, colour in zip(
            style.COVERAGE_BREAKS, bounds, style.COVERAGE_COLOURS, strict=True
        ):
            parts.append(_swatch(colour, f"{lo:g}–{hi:g} %"))
        parts.append(_swatch("#ffffff", t("legend_no_presence"), outline=style.NO_PRESENCE))
        parts.append(_swatch(style.OUTSIDE_SELECTION, t("legend_outside_selection")))
    presence = [
        _swatch(style.TRACK_COLOURS[kind], t("kind_" + kind), line=True)
        for kind in ("car_patrol", "foot_patrol", "other")
        if "track_" + kind in entries
    ]
    if "hexagons" in entries:
        presence.append(_swatch(style.HEX_COLOURS[3], t("legend_hexagons")))
    if "controls" in entries:
        presence.append(
            _swatch(style.CONTROL_COLOUR, t("legend_controls"), outline=style.CONTROL_COLOUR)
        )
    if presence:
        parts += [f"<b>{esc(t('layer_presence'))}</b>", *presence]
    if "roads" in entries:
        parts.append(f"<b>{esc(t('layer_roads'))}</b>")
        parts.append(_swatch(style.ROAD_CONTROLLED, t("legend_road_controlled"), line=True))
        parts.append(_swatch(style.ROAD_UNCONTROLLED, t("legend_road_uncontrolled"), line=True))
    elif public:
        parts.append(_swatch("#404040", t("layer_roads"), line=True))
    if "spots" in entries:
        parts.append(f"<b>{esc(t('layer_spots'))}</b>")
        for cat in SpotCategory:
            parts.append(
                _swatch(style.CATEGORY_COLOURS[cat.value], t("cat_" + cat.value), outline="#555")
            )
        for status in SpotStatus:
            parts.append(
                _swatch(
                    "#ffffff",
                    t("status_" + status.value),
                    outline=style.STATUS_OUTLINE[status.value],
                )
            )
    box = (
        "background:rgba(255,255,255,.92);padding:4px 8px;font:11px/1.3 sans-serif;"
        "max-height:300px;overflow:auto;border-radius:4px;box-shadow:0 1px 4px #0004"
    )
    return (
        f'<details{" open" if open_ else ""} style="{box}" aria-label="{esc(t("legend"))}">'
        f'<summary style="cursor:pointer;font-weight:600">{esc(t("legend"))}</summary>'
        + "".join(parts)
        + "</details>"
    )


def build_base_map(
    snap: Snapshot,
    settings: Settings,
    t: Translate,
    mode: AssetMode = AssetMode.SERVED,
    *,
    legend_open: bool = False,
    public: bool = False,
    legend: frozenset[str] | None = None,
) -> folium.Map:
    """The base map with local assets (``mode``) and optional tiles from ``settings``;
    its legend lists ``legend`` (what the map draws, :attr:`LayerSet.legend`; see
    :func:`legend_html`)."""
    c = snap.municipality.centroid
    m = folium.Map(
        location=latlon(c.x, c.y),
        zoom_start=10,
        tiles=None,
        prefer_canvas=True,
        control_scale=False,  # MetricScale below: no miles
        max_zoom=18,
        min_zoom=8,
    )
    if settings.tile_url:
        folium.TileLayer(
            settings.tile_url,
            attr=settings.tile_attribution,
            name=t("base_tiles"),
            max_zoom=18,
            control=False,
        ).add_to(m)
    muni = gpd.GeoSeries([snap.municipality], crs=4326)
    folium.GeoJson(
        _geojson(muni.array, [{"style": {"color": "#222", "weight": 2, "fill": False}}]),
        style_function=lambda f: f["properties"]["style"],
        interactive=False,
        control=False,  # not a layer to switch off (and unnamed in the layer control)
    ).add_to(m)
    roads = main_roads()
    roads = roads[roads.intersects(snap.municipality)]  # built-in roads: Älmhult's only
    folium.GeoJson(
        _geojson(
            roads.geometry.array,
            [
                {"style": {"color": "#888", "weight": 2, "opacity": 0.8}, "tip": esc(r)}
                for r in roads["road"]
            ],
        ),
        style_function=lambda f: f["properties"]["style"],
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        control=False,
    ).add_to(m)
    # Place names: a dot with a permanent tooltip. (A folium Marker would first create
    # Leaflet's default image icon, which the browser then fetches.)
    # Countryside zones by name (grey, no dot): with tiles off they tell the parishes apart.
    for name, _approximate, (lon, lat) in label_points(snap.areas, zones=True):
        folium.CircleMarker(
            latlon(lon, lat),
            radius=2,
            opacity=0,
            fill_opacity=0,
            interactive=False,
            tooltip=folium.Tooltip(
                esc(name),
                permanent=True,
                direction="right",
                class_name="almhult-zone-label",
                style="font-size:11px;font-style:italic;color:#333",
            ),
        ).add_to(m)
    root = m.get_root()
    if isinstance(root, Figure):  # a map always sits in a Figure
        root.header.add_child(folium.Element(ZONE_LABEL_CSS))
    for name, approximate, (lon, lat) in label_points(snap.areas):
        label = esc(name) + (" *" if approximate else "")
        folium.CircleMarker(
            latlon(lon, lat),
            radius=2,
            color="#222",
            weight=1,
            fill=True,
            fill_opacity=1,
            interactive=False,
            tooltip=folium.Tooltip(
                label,
                permanent=True,
                direction="right",
                opacity=0.85,
                style="font-size:11px;padding:0 3px;font-weight:600",
            ),
        ).add_to(m)
    m.fit_bounds([latlon(*snap.municipality.bounds[:2]), latlon(*snap.municipality.bounds[2:])])
    Legend(legend_html(t, open_=legend_open, public=public, entries=legend)).add_to(m)
    MetricScale().add_to(m)
    ZoneLabelsGiveWay().add_to(m)
    GestureHandling(t).add_to(m)
    Attribution(data_attribution(snap.areas, t("geo_map_data"))).add_to(m)
    localise(m, mode)
    return m


def build_full_map(
    snap: Snapshot,
    settings: Settings,
    t: Translate,
    layers: LayerSet,
    mode: AssetMode = AssetMode.SERVED,
) -> folium.Map:
    """Base map plus data layers and an open layer control (exports and tests)."""
    m = build_base_map(snap, settings, t, mode, legend_open=True, legend=layers.legend or None)
    for group in layers.groups:
        group.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    localise(m, mode)
    return m


def view_for_bounds(
    bounds: tuple[float, float, float, float], width_px: int = 700, height_px: int = 560
) -> tuple[list[float], int]:
    """Centre (lat, lon) and the largest whole Web Mercator zoom that shows ``bounds``
    (minx, miny, maxx, maxy in EPSG:4326) in a map of about ``width_px`` × ``height_px``,
    with a margin; between zoom 9 and 15."""
    minx, miny, maxx, maxy = bounds

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    dx = max(maxx - minx, 1e-4) * 1.2
    dy = max(merc(maxy) - merc(miny), 1e-6) * 1.2
    zoom_x = math.log2(width_px * 360 / (dx * 256))
    zoom_y = math.log2(height_px * 2 * math.pi / (dy * 256))
    zoom = int(min(max(math.floor(min(zoom_x, zoom_y)), 9), 15))
    return latlon((minx + maxx) / 2, (miny + maxy) / 2), zoom


def place_views(snap: Snapshot) -> dict[str, tuple[list[float], int]]:
    """Where the map goes for each place a user may pick: ``""`` the whole municipality,
    then every area by id (villages, the town, countryside zones), then the named
    localities of the built-in geography that are not areas themselves (by name)."""
    views = {"": view_for_bounds(tuple(snap.municipality.bounds))}
    for area_id, geom in zip(snap.areas["id"], snap.areas.geometry, strict=True):
        views[str(area_id)] = view_for_bounds(tuple(geom.bounds))
    names = set(snap.areas["name"].astype(str))
    for loc in LOCALITIES:  # (Älmhult's: only where the stored municipality is Älmhult)
        if loc.name not in names and shapely.intersects_xy(snap.municipality, loc.lon, loc.lat):
            views[loc.name] = (latlon(loc.lon, loc.lat), 14)
    return views


def selection_view(snap: Snapshot, areas: tuple[str, ...] | None) -> tuple[list[float], int]:
    """The view that shows the chosen areas together (the whole municipality for None)."""
    if not areas:
        return view_for_bounds(tuple(snap.municipality.bounds))
    chosen = snap.areas[snap.areas["id"].isin(areas)]
    if chosen.empty:
        return view_for_bounds(tuple(snap.municipality.bounds))
    return view_for_bounds(tuple(chosen.total_bounds))
