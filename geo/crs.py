"""Coordinate reference systems and the one place coordinates change order or projection.

Store in WGS84 (EPSG:4326, lon/lat), measure in SWEREF 99 TM (EPSG:3006, metres).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from pyproj import Transformer

WGS84 = "EPSG:4326"
SWEREF99TM = "EPSG:3006"


@cache
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_sweref(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 lon/lat arrays (degrees) to SWEREF 99 TM easting/northing (metres)."""
    return _transformer(WGS84, SWEREF99TM).transform(np.asarray(lon), np.asarray(lat))


def to_wgs84(east: np.ndarray, north: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project SWEREF 99 TM easting/northing (metres) to WGS84 lon/lat (degrees)."""
    return _transformer(SWEREF99TM, WGS84).transform(np.asarray(east), np.asarray(north))


def latlon(lon: float, lat: float) -> list[float]:
    """Folium/Leaflet order ``[lat, lon]`` from a lon/lat pair: the only swap in the code."""
    return [float(lat), float(lon)]
