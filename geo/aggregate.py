"""Aggregation for maps: hexagon bins and track simplification, in SWEREF 99 TM metres.

Hexagons are pointy-top, ``size_m`` the centre-to-corner distance (250 m: cells of about
0.16 km²). Output geometries are WGS84 (EPSG:4326), rounded to 1e-5° (about 1 m).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo.crs import to_sweref, to_wgs84

SQRT3 = np.sqrt(3.0)


def hex_cells(x: np.ndarray, y: np.ndarray, size_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Axial hexagon coordinates (q, r) of points in metres (cube rounding, vectorised)."""
    q = (SQRT3 / 3 * x - y / 3) / size_m
    r = (2 / 3 * y) / size_m
    s = -q - r
    rq, rr, rs = np.round(q), np.round(r), np.round(s)
    dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs - s)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    rq = np.where(fix_q, -rr - rs, rq)
    rr = np.where(fix_r, -rq - rs, rr)
    return rq.astype(np.int64), rr.astype(np.int64)


def hex_polygons(q: np.ndarray, r: np.ndarray, size_m: float) -> np.ndarray:
    """Hexagon polygons (EPSG:4326) for axial cells."""
    cx = size_m * SQRT3 * (q + r / 2)
    cy = size_m * 1.5 * r
    angles = np.radians(30 + 60 * np.arange(6))
    xs = cx[:, None] + size_m * np.cos(angles)[None, :]
    ys = cy[:, None] + size_m * np.sin(angles)[None, :]
    lon, lat = to_wgs84(xs.ravel(), ys.ravel())
    ring = np.stack([np.round(lon, 5), np.round(lat, 5)], axis=-1).reshape(-1, 6, 2)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    return shapely.polygons(ring)


def hexbin(
    x: np.ndarray, y: np.ndarray, weights: np.ndarray, size_m: float = 250.0
) -> pd.DataFrame:
    """Sum ``weights`` per hexagon; columns ``q, r, value, count, geometry`` (EPSG:4326)."""
    if x.size == 0:
        return pd.DataFrame({"q": [], "r": [], "value": [], "count": [], "geometry": []})
    q, r = hex_cells(x, y, size_m)
    key = (q << 32) | (r & 0xFFFFFFFF)  # one int64 per cell, ordered by (q, r)
    codes, uniq = pd.factorize(key)  # by hashing: O(n), where sorting every key is not
    order = np.argsort(uniq)  # cells in key order, as np.unique gives them
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    inverse = rank[codes]
    counts = np.bincount(inverse, minlength=order.size)
    value = np.bincount(inverse, weights=weights, minlength=order.size)
    cells = uniq[order]
    cq, cr = cells >> 32, (cells & 0xFFFFFFFF).astype(np.uint32).view(np.int32).astype(np.int64)
    return pd.DataFrame(
        {
            "q": cq,
            "r": cr,
            "value": value,
            "count": counts,
            "geometry": hex_polygons(cq, cr, size_m),
        }
    )


def simplify_tracks(
    lon: np.ndarray, lat: np.ndarray, rec: np.ndarray, tolerance_m: float = 10.0
) -> tuple[np.ndarray, np.ndarray]:
    """One simplified line per record (Douglas-Peucker in EPSG:3006, ``tolerance_m``).

    ``rec`` groups consecutive points; returns (record codes, LineStrings in EPSG:4326).
    Records with a single point are left out.
    """
    x, y = to_sweref(lon, lat)
    starts = np.flatnonzero(np.r_[True, rec[1:] != rec[:-1]])
    sizes = np.diff(np.r_[starts, rec.size])
    keep = sizes >= 2
    take = np.repeat(keep, sizes)  # a line needs two points: single-fix records go
    owner = np.repeat(np.arange(int(keep.sum())), sizes[keep])
    lines = shapely.linestrings(np.column_stack([x, y])[take], indices=owner)
    lines = shapely.simplify(lines, tolerance_m, preserve_topology=False)
    coords, idx = shapely.get_coordinates(lines, return_index=True)
    wlon, wlat = to_wgs84(coords[:, 0], coords[:, 1])
    out = shapely.linestrings(np.column_stack([np.round(wlon, 5), np.round(wlat, 5)]), indices=idx)
    return rec[starts][keep], out
