"""Geometry helpers of the geography builders: discs of a stated area, zones that tile an
outline, and the one GeoJSON writer every committed ``data/`` file goes through.

Shapes are built in SWEREF 99 TM (EPSG:3006, metres) and stored in WGS84 (EPSG:4326),
rounded to 1e-5° (about 1 m).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import SWEREF99TM, WGS84, to_sweref, to_wgs84

PRECISION_DEG = 1e-5  # stored coordinates: about 1 m
DISC_VERTICES = 64


def to_metres(geom: BaseGeometry) -> BaseGeometry:
    """A geometry from EPSG:4326 to EPSG:3006."""
    return gpd.GeoSeries([geom], crs=WGS84).to_crs(SWEREF99TM).iloc[0]


def to_degrees(geom: BaseGeometry) -> BaseGeometry:
    """A geometry from EPSG:3006 to EPSG:4326."""
    return gpd.GeoSeries([geom], crs=SWEREF99TM).to_crs(WGS84).iloc[0]


def km2(geom: BaseGeometry) -> float:
    """Area of an EPSG:4326 geometry in km², measured in EPSG:3006."""
    return float(to_metres(geom).area) / 1e6


def disc(lon: float, lat: float, area_km2: float, n: int = DISC_VERTICES) -> shapely.Polygon:
    """A circle of ``area_km2`` around a point (EPSG:4326 in and out), built in metres.

    The polygon's vertices lie on a circle slightly larger than the one of the stated
    area, so the polygon itself has the stated area.
    """
    (cx,), (cy,) = to_sweref(np.array([lon]), np.array([lat]))
    # A regular n-gon of circumradius r has area n/2 r² sin(2π/n).
    r = np.sqrt(area_km2 * 1e6 / (n / 2 * np.sin(2 * np.pi / n)))
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x, y = to_wgs84(cx + r * np.cos(t), cy + r * np.sin(t))
    return shapely.Polygon(np.column_stack([x, y]))


def tile_zones(
    outline: BaseGeometry,
    zones: Mapping[str, BaseGeometry],
    localities: Sequence[BaseGeometry],
) -> dict[str, BaseGeometry]:
    """Zones that, with ``localities``, cover ``outline`` exactly once (EPSG:4326).

    Each zone is clipped to the outline; where two zones overlap the earlier keeps the
    overlap; pieces of the outline in no zone (slivers between two generalisations of one
    boundary) go to the zone that shares the longest border with them, else the nearest;
    then the localities are cut out. Zones left empty are dropped. The set operations run
    in degrees so that shared edges stay exactly shared (no reprojection in between).
    """
    muni = shapely.make_valid(outline)
    claimed: BaseGeometry = shapely.Polygon()
    parts: dict[str, BaseGeometry] = {}
    for zid, geom in zones.items():
        part = shapely.make_valid(geom).intersection(muni).difference(claimed)
        parts[zid] = part
        claimed = claimed.union(part)
    for gap in shapely.get_parts(muni.difference(claimed)):
        if gap.geom_type != "Polygon" or gap.is_empty:
            continue
        edge = gap.boundary
        border = {z: edge.intersection(g.buffer(1e-6)).length for z, g in parts.items()}
        best = max(border, key=lambda z: border[z])
        if border[best] <= 0:
            best = min(parts, key=lambda z: parts[z].distance(gap))
        parts[best] = parts[best].union(gap)
    towns = shapely.union_all(list(localities)) if localities else None
    out: dict[str, BaseGeometry] = {}
    for zid, geom in parts.items():
        if towns is not None:
            geom = geom.difference(towns)
        geom = _polygonal(geom)
        if not geom.is_empty:
            out[zid] = geom
    return out


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygons of a geometry (set operations may leave lines and points)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def rounded(geom: BaseGeometry) -> BaseGeometry:
    """``geom`` on the stored 1e-5° grid, valid, each coordinate the shortest decimal."""
    snapped = shapely.set_precision(geom, PRECISION_DEG)
    return shapely.transform(snapped, lambda xy: np.round(xy, 5))


def feature_collection(
    features: Sequence[tuple[Mapping[str, object], BaseGeometry]], name: str
) -> str:
    """GeoJSON text (EPSG:4326) of ``(properties, geometry)`` pairs, coordinates rounded.

    The text depends only on its inputs (no timestamps, fixed key order), so a rebuild
    from the same sources gives the same bytes.
    """
    feats = [
        {
            "type": "Feature",
            "properties": dict(props),
            "geometry": shapely.geometry.mapping(rounded(geom)),
        }
        for props, geom in features
    ]
    doc = {"type": "FeatureCollection", "name": name, "features": feats}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    # mapping() gives tuples; json writes them as lists. One feature per line: diffable.
    return text.replace('{"type":"Feature",', '\n{"type":"Feature",') + "\n"


def write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 with ``\\n`` line ends (the same bytes on every system)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
