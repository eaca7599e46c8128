"""Credits and labels for the map, from the stored areas (whatever geography is loaded)."""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.ops import polylabel

from geo.model import AreaKind
from geo.text import escape_html

# Who to credit when an area's ``source`` names them (CC BY needs it; CC0 gets it anyway).
CREDITS: tuple[tuple[str, str], ...] = (
    ("Lantmäteriet", '<a href="https://www.lantmateriet.se/">Lantmäteriet</a> (CC0)'),
    ("SCB", '<a href="https://www.scb.se/">SCB</a> (CC0)'),
    ("GeoNames", '© <a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0)'),
)


def data_attribution(areas: gpd.GeoDataFrame, prefix: str = "Kartdata") -> str:
    """HTML crediting every open-data source the areas name, e.g. ``Kartdata: Lantmäteriet
    (CC0), SCB (CC0), © GeoNames (CC BY 4.0)``; other sources (a user's file) by name."""
    sources = [str(s) for s in areas.get("source", []) if isinstance(s, str) and s]
    parts = [credit for name, credit in CREDITS if any(name in s for s in sources)]
    known = [name for name, _ in CREDITS]
    files = sorted({s for s in sources if not any(name in s for name in known)})
    parts += [escape_html(f) for f in files[:3]]
    return f"{escape_html(prefix)}: " + ", ".join(parts) if parts else ""


def label_points(
    areas: gpd.GeoDataFrame, *, zones: bool = False
) -> list[tuple[str, bool, tuple[float, float]]]:
    """(name, approximate, (lon, lat)) of each town and village: its centroid when inside
    it (a circle's centre is SCB's point or the church), else a point surely inside. With
    ``zones``, of each countryside zone instead: the point farthest inside its largest part
    (away from the villages, which sit near the parish centres)."""
    out = []
    pick = areas["kind"] == AreaKind.COUNTRYSIDE
    chosen = areas[pick if zones else ~pick]
    for name, approx, geom in zip(
        chosen["name"], chosen["approximate"], chosen.geometry, strict=True
    ):
        if zones:
            largest = max(shapely.get_parts(geom), key=lambda p: p.area)
            point = polylabel(largest, tolerance=1e-4)
        else:
            point = geom.centroid
        if not shapely.contains(geom, point):
            point = geom.representative_point()
        out.append((str(name), bool(approx == 1), (round(point.x, 5), round(point.y, 5))))
    return out
