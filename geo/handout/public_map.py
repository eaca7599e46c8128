"""The handout's map: public level only, every asset inlined, made for print.

The legend is not on the map (it sits beside it on the page, so it hides no village); the
scale is metric only; a north arrow marks the top; zoom buttons show on screen but not in
print.
"""

from __future__ import annotations

import folium
import pandas as pd
import shapely
from branca.element import Element, MacroElement, Template

from geo.config import Settings
from geo.coverage import reported_by
from geo.crs import latlon
from geo.i18n import Translate
from geo.mapview import style
from geo.mapview.assets import AssetMode, localise
from geo.mapview.basemap import Legend, MetricScale, build_base_map
from geo.mapview.layers import _geojson, _style_from_props, esc
from geo.snapshot import Snapshot
from geo.store.base import TimeRange
from geo.tiers import generalise_points

NEUTRAL = {"fillOpacity": 0.05, "color": "#999", "weight": 1, "fillColor": "#ffffff"}


class PrintControls(MacroElement):
    """A metric-only scale bar and a north arrow, as Leaflet controls."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            L.control.scale({metric: true, imperial: false, maxWidth: 160,
                             position: "bottomleft"}).addTo(map);
            var north = L.control({position: "topright"});
            north.onAdd = function () {
                var div = L.DomUtil.create("div", "almhult-north");
                div.innerHTML = "&#9650;<br>N";
                return div;
            };
            north.addTo(map);
        })();
        {% endmacro %}
        """
    )


PRINT_CSS = """<style>
.almhult-north { background: #fff; padding: 2px 7px; border-radius: 4px;
  font: 700 13px/1.1 sans-serif; text-align: center; box-shadow: 0 1px 4px #0004 }
@media print { .leaflet-control-zoom { display: none } }
</style>"""


def public_map_html(
    snap: Snapshot,
    area_id: str | None,
    hours: pd.Series,
    t: Translate,
    present: set[str] | None = None,
    period: TimeRange | None = None,
) -> str:
    """The map document (all assets inlined) of a public snapshot.

    Parameters
    ----------
    snap : a snapshot at the public level (areas EPSG:4326, spots already on the grid).
    area_id : the handout's area (others drawn neutral and the view fitted to it), or None.
    hours : whole presence hours per area id in the period.
    t : texts in the handout's language.
    present : ids of the areas with any presence in the period (visits and passes count
        where rounded hours are 0); None: those with hours.
    period : the handout's period: only spots reported by its end are drawn
        (:func:`geo.coverage.reported_by`); None: every spot.
    """
    m = build_base_map(snap, Settings(tile_url=""), t, AssetMode.INLINE, public=True)
    # The legend goes beside the map; PrintControls below draw the scale for print.
    for name, child in list(m._children.items()):
        if isinstance(child, Legend | MetricScale):
            del m._children[name]
    areas = snap.areas
    top = max(float(hours.max()) if len(hours) else 0.0, 1.0)
    props = []
    for aid, name in zip(areas["id"], areas["name"], strict=True):
        h = int(hours.get(aid, 0))
        none = aid not in present if present is not None else h == 0
        if area_id and aid != area_id:
            props.append({"tip": esc(name), "style": NEUTRAL})
            continue
        props.append(
            {
                "tip": f"<b>{esc(name)}</b><br>{esc(t('tip_hours', hours=h))}",
                "style": {
                    "fillColor": style.coverage_colour(100 * h / top),
                    "fillOpacity": 0.6,
                    "color": style.NO_PRESENCE if none else "#555",
                    "weight": 2 if none else 1,
                },
            }
        )
    folium.GeoJson(
        _geojson(areas.geometry.array, props),
        style_function=_style_from_props,
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        name=t("layer_areas"),
    ).add_to(m)
    if len(snap.roads):
        rprops = [
            {"tip": esc(r.road), "style": {"color": "#404040", "weight": style.road_weight(h)}}
            for r, h in zip(snap.roads.itertuples(), snap.roads["heavy_per_day"], strict=True)
        ]
        folium.GeoJson(
            _geojson(snap.roads.geometry.array, rprops),
            style_function=_style_from_props,
            name=t("layer_roads"),
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(m)
    spots = snap.problem_spots
    if period is not None:
        spots = spots[reported_by(spots, period)]
    if area_id:
        spots = spots[spots["area_id"] == area_id]
    if len(spots):
        points = generalise_points(shapely.points(shapely.get_coordinates(spots.geometry.array)))
        sprops = [
            {"tip": esc(r.description), "style": style.spot_marker(r.category, r.status)}
            for r in spots.itertuples()
        ]
        folium.GeoJson(
            _geojson(points, sprops),
            marker=folium.CircleMarker(radius=7, fill=True),
            style_function=_style_from_props,
            name=t("layer_spots"),
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(m)
    if area_id:
        minx, miny, maxx, maxy = areas.set_index("id").geometry[area_id].buffer(0.02).bounds
        m.fit_bounds([latlon(minx, miny), latlon(maxx, maxy)])
    PrintControls().add_to(m)
    m.get_root().header.add_child(Element(PRINT_CSS))  # type: ignore[attr-defined]
    localise(m, AssetMode.INLINE)
    return m.get_root().render()
