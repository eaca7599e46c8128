"""Checks that a text (page, map, export) holds no patrol position or time of day.

Every coordinate pair found must be one the public may see: our geography (areas, roads,
outline, place labels), an area's representative point, a problem spot on the 500 m grid,
or a map view setting. No exact fix may appear, and no time of day.
"""

from __future__ import annotations

import html
import re

import numpy as np
import shapely

from geo.areas import builtin_municipality
from geo.geography import LOCALITIES
from geo.geography.attribution import label_points
from geo.mapview.basemap import main_roads
from geo.snapshot import Snapshot
from geo.tiers import generalise_points

PAIR = re.compile(r"\[(-?\d+\.\d+),\s*(-?\d+\.\d+)\]")
WKT_PAIR = re.compile(r"(1[34]\.\d+) (5[67]\.\d+)")
TIME_OF_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def decoded(doc: str) -> str:
    """Text with HTML entities and JSON \\u escapes undone (maps sit in srcdoc attributes;
    a map's data inside a component's arguments is escaped twice: ``\\\\u00e5``)."""
    text = html.unescape(doc)
    return re.sub(r"\\+u([0-9a-fA-F]{4})", lambda g: chr(int(g.group(1), 16)), text)


def public_vertices(snap: Snapshot) -> set[tuple[float, float]]:
    """Every coordinate a public map or export may contain (lon, lat, 4 decimals)."""
    geoms = [
        *snap.areas.geometry,
        *snap.roads.geometry,
        *main_roads().geometry,
        snap.municipality,
        builtin_municipality(),
    ]
    coords = shapely.get_coordinates(shapely.set_precision(np.array(geoms, dtype=object), 1e-5))
    spots = generalise_points(
        shapely.points(shapely.get_coordinates(snap.problem_spots.geometry.array))
    )
    reps = snap.areas.geometry.representative_point()
    coords = np.vstack(
        [
            coords,
            shapely.get_coordinates(spots),
            np.c_[reps.x, reps.y],
            [[loc.lon, loc.lat] for loc in LOCALITIES],
            [list(xy) for _, _, xy in label_points(snap.areas)],  # place names on the map
            [list(xy) for _, _, xy in label_points(snap.areas, zones=True)],
        ]
    )
    # view settings: the initial centre and the fitBounds corners of the outline and areas
    views = [snap.municipality.centroid.coords[0], *np.reshape(snap.municipality.bounds, (2, 2))]
    views.append(np.reshape(snap.municipality.bounds, (2, 2)).mean(axis=0))  # map's centre
    for geom in snap.areas.geometry:
        views += list(np.reshape(geom.buffer(0.02).bounds, (2, 2)))
    # the centres of the "show on the map" views (geo.mapview.basemap.place_views)
    for geom in [snap.municipality, *snap.areas.geometry]:
        minx, miny, maxx, maxy = geom.bounds
        views.append(((minx + maxx) / 2, (miny + maxy) / 2))
    coords = np.vstack([coords, views])
    return {_key(x, y) for x, y in coords}


def _key(x: float, y: float) -> tuple[float, float]:
    """Coordinates compared at 4 decimals (about 10 m): exports write 6, maps 5 or more."""
    return (round(float(x), 4), round(float(y), 4))


def _near(p: tuple[float, float], allowed: set[tuple[float, float]]) -> bool:
    """Whether ``p`` is an allowed coordinate, give or take one step of the 4th decimal
    (two writers may round the same point to neighbouring values)."""
    steps = (-1e-4, 0.0, 1e-4)
    return any(_key(p[0] + dx, p[1] + dy) in allowed for dx in steps for dy in steps)


def coordinates(text: str) -> set[tuple[float, float]]:
    """(lon, lat) pairs in Älmhult's range, from JSON/Leaflet arrays (either order) and WKT."""
    pairs = {_key(a, b) for a, b in PAIR.findall(text)}
    pairs |= {_key(a, b) for a, b in WKT_PAIR.findall(text)}
    lonlat = {p for p in pairs if 13 < p[0] < 15 and 56 < p[1] < 57}
    latlon = {(b, a) for a, b in pairs if 56 < a < 57 and 13 < b < 15}
    return lonlat | latlon


def exact_places(snap: Snapshot) -> set[tuple[float, float]]:
    """Problem spots, dialogues and activities where they are: the municipality sees them."""
    coords = [
        shapely.get_coordinates(frame.geometry.dropna().array)
        for frame in (snap.problem_spots, snap.dialogues, snap.activities)
    ]
    return {_key(x, y) for x, y in np.vstack(coords)}


def patrol_leaks(
    text: str, exact: Snapshot, also_allowed: set[tuple[float, float]] | None = None
) -> list[str]:
    """What in ``text`` is finer than the public tier (plus ``also_allowed`` places):
    stray coordinates, exact fixes, times of day. Empty when the text is clean."""
    text = decoded(text)
    allowed = public_vertices(exact) | (also_allowed or set())
    found = coordinates(text)
    stray = sorted(p for p in found if not _near(p, allowed))
    problems = [f"coordinate {p} is not public geography" for p in stray[:5]]
    fx = exact.fixes
    raw = {_key(x, y) for x, y in zip(fx.lon, fx.lat, strict=True)}
    problems += [f"exact fix {p}" for p in sorted(set(stray) & raw)[:5]]
    problems += [f"time of day {m!r}" for m in TIME_OF_DAY.findall(text)[:5]]
    return problems
