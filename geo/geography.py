"""Älmhult's built-in geography, authored from ``shared/docs/almhult-facts.md``.

The facts (locality centres and populations, parish centres, road waypoints, an approximate
municipality outline) are written here as data; :func:`build` turns them into the area
polygons and road lines stored in ``data/``. Run ``python -m geo.geography`` to rewrite
those files. Everything marked ``approximate`` is approximate and the app says so.

Areas: the five tätorter and six villages as polygons of plausible size (Älmhult tätort
≈ 8.4 km²), and countryside zones, one per historic parish, that cover the rest of the
municipality. Localities are built as ellipses in SWEREF 99 TM (EPSG:3006) metres.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Polygon

from geo.config import DATA_DIR
from geo.crs import SWEREF99TM, WGS84, to_sweref, to_wgs84
from geo.model import AreaKind

# Approximate outline (lat, lon), drawn by hand along the public simplified boundary.
OUTLINE_LATLON: tuple[tuple[float, float], ...] = (
    (56.539, 14.579),
    (56.582, 14.432),
    (56.648, 14.437),
    (56.654, 14.401),
    (56.724, 14.387),
    (56.759, 14.287),
    (56.700, 14.230),
    (56.674, 14.198),
    (56.662, 14.130),
    (56.715, 14.048),
    (56.627, 13.968),
    (56.606, 13.793),
    (56.503, 13.822),
    (56.464, 13.720),
    (56.431, 13.716),
    (56.450, 13.870),
    (56.468, 14.025),
    (56.533, 14.091),
    (56.494, 14.180),
    (56.507, 14.267),
    (56.444, 14.580),
    (56.491, 14.606),
)

TOTAL_POPULATION_2020 = 17_800  # approx.: 17,651 (2019) and 17,963 (2021)
OUTSIDE_TATORT_2020 = 3_892


@dataclass(frozen=True)
class Locality:
    """A tätort, småort or village: centre (WGS84), size (km²) and population."""

    id: str
    name: str
    kind: AreaKind
    lat: float
    lon: float
    area_km2: float
    population: int | None
    population_year: int | None
    approximate: bool
    note: str
    elongation: float = 1.3  # ratio of the N-S to the E-W axis
    parish: str = ""


LOCALITIES: tuple[Locality, ...] = (
    Locality(
        "almhult",
        "Älmhult",
        AreaKind.TOWN,
        56.551,
        14.139,
        8.4,
        11_682,
        2020,
        False,
        "tätort, municipal seat; 8.4 km² (2005)",
        1.5,
        "almhult",
    ),
    Locality(
        "dio",
        "Diö",
        AreaKind.VILLAGE,
        56.636,
        14.219,
        1.3,
        915,
        2020,
        False,
        "tätort; railway station",
        1.3,
        "stenbrohult",
    ),
    Locality(
        "liatorp",
        "Liatorp",
        AreaKind.VILLAGE,
        56.663,
        14.266,
        0.9,
        544,
        2020,
        True,
        "tätort; junction of Rv 23 and Lv 124; centre approx.",
        1.2,
        "virestad",
    ),
    Locality(
        "eneryda",
        "Eneryda",
        AreaKind.VILLAGE,
        56.704,
        14.338,
        0.6,
        330,
        2020,
        True,
        "tätort on Rv 23; centre approx.",
        1.2,
        "virestad",
    ),
    Locality(
        "delary",
        "Delary",
        AreaKind.VILLAGE,
        56.549,
        13.954,
        0.5,
        222,
        2020,
        False,
        "tätort on Helge å and Lv 120",
        1.2,
        "pjatteryd",
    ),
    Locality(
        "pjatteryd",
        "Pjätteryd",
        AreaKind.VILLAGE,
        56.639,
        14.024,
        0.3,
        112,
        2020,
        False,
        "småort, church village on väg 592",
        1.0,
        "pjatteryd",
    ),
    Locality(
        "virestad",
        "Virestad",
        AreaKind.VILLAGE,
        56.624,
        14.340,
        0.35,
        156,
        2015,
        False,
        "småort, church village",
        1.0,
        "virestad",
    ),
    Locality(
        "haradsback",
        "Häradsbäck",
        AreaKind.VILLAGE,
        56.492,
        14.405,
        0.35,
        155,
        None,
        True,
        "village in Härlunda parish; position approximate (no verified coordinates)",
        1.0,
        "harlunda",
    ),
    Locality(
        "goteryd",
        "Göteryd",
        AreaKind.VILLAGE,
        56.575,
        13.862,
        0.25,
        None,
        None,
        True,
        "church village on Lv 120 beyond Delary; position approximate (no verified coordinates)",
        1.0,
        "goteryd",
    ),
    Locality(
        "hallaryd",
        "Hallaryd",
        AreaKind.VILLAGE,
        56.486,
        13.886,
        0.25,
        None,
        None,
        False,
        "church village on Helge å at the Skåne border",
        1.0,
        "hallaryd",
    ),
    Locality(
        "stenbrohult",
        "Stenbrohult",
        AreaKind.VILLAGE,
        56.617,
        14.182,
        0.25,
        None,
        None,
        False,
        "church village on lake Möckeln's east shore",
        1.0,
        "stenbrohult",
    ),
)

# Parish centres (lat, lon) seed the countryside zones; approximate by nature.
PARISHES: dict[str, tuple[str, float, float]] = {
    "almhult": ("Älmhult", 56.540, 14.150),
    "stenbrohult": ("Stenbrohult", 56.625, 14.170),
    "virestad": ("Virestad", 56.660, 14.330),
    "pjatteryd": ("Pjätteryd", 56.630, 14.000),
    "goteryd": ("Göteryd", 56.560, 13.850),
    "hallaryd": ("Hallaryd", 56.470, 13.880),
    "harlunda": ("Härlunda", 56.500, 14.380),
}

# Road waypoints (lat, lon), through the places the facts name; approximate courses.
ROADS: dict[str, tuple[str, tuple[tuple[float, float], ...]]] = {
    "rv23": (
        "Riksväg 23",
        (
            (56.440, 14.060),
            (56.500, 14.120),
            (56.535, 14.168),
            (56.560, 14.172),
            (56.600, 14.190),
            (56.625, 14.200),
            (56.650, 14.245),
            (56.663, 14.268),
            (56.685, 14.305),
            (56.704, 14.337),
            (56.722, 14.385),
        ),
    ),
    "lv120": (
        "Länsväg 120",
        (
            (56.596, 13.797),
            (56.575, 13.862),
            (56.560, 13.910),
            (56.549, 13.954),
            (56.548, 14.040),
            (56.551, 14.139),
            (56.540, 14.220),
            (56.512, 14.300),
            (56.492, 14.405),
            (56.475, 14.480),
            (56.462, 14.560),
        ),
    ),
    "lv124": (
        "Länsväg 124",
        ((56.705, 14.205), (56.690, 14.230), (56.675, 14.250), (56.663, 14.266)),
    ),
    "v600": (
        "Väg 600",
        (
            (56.560, 14.145),
            (56.590, 14.170),
            (56.617, 14.182),
            (56.636, 14.219),
            (56.650, 14.245),
            (56.663, 14.266),
        ),
    ),
    "v592": ("Väg 592", ((56.639, 14.024), (56.610, 14.060), (56.580, 14.100), (56.556, 14.133))),
}


def outline() -> Polygon:
    """The approximate municipality outline (EPSG:4326)."""
    return Polygon([(lon, lat) for lat, lon in OUTLINE_LATLON])


def _ellipse(loc: Locality, n: int = 48) -> Polygon:
    """An ellipse of ``loc.area_km2`` around the centre, built in EPSG:3006 metres."""
    (cx,), (cy,) = to_sweref(np.array([loc.lon]), np.array([loc.lat]))
    a = np.sqrt(loc.area_km2 * 1e6 / (np.pi * loc.elongation))  # E-W semi-axis, m
    b = a * loc.elongation
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    # A gentle wobble so shapes do not look machine-made; deterministic.
    r = 1 + 0.06 * np.sin(3 * t + len(loc.id))
    lon, lat = to_wgs84(cx + a * r * np.cos(t), cy + b * r * np.sin(t))
    return Polygon(np.column_stack([lon, lat]))


def build_areas(municipality: Polygon | None = None) -> gpd.GeoDataFrame:
    """Localities plus parish countryside zones that tile ``municipality`` (EPSG:4326).

    Every point of the municipality lies in exactly one area: localities are cut out of
    the zones, and zones are Voronoi cells of the parish centres clipped to the outline.
    """
    muni = outline() if municipality is None else municipality
    rows: list[dict[str, object]] = []
    polys = [_ellipse(loc).intersection(muni) for loc in LOCALITIES]
    for loc, poly in zip(LOCALITIES, polys, strict=True):
        rows.append(
            dict(
                id=loc.id,
                name=loc.name,
                kind=loc.kind.value,
                population=loc.population,
                population_year=loc.population_year,
                population_estimated=0,
                approximate=int(loc.approximate),
                note=loc.note,
                geometry=poly,
            )
        )
    towns = shapely.union_all(polys)
    seeds = shapely.MultiPoint([(lon, lat) for _, lat, lon in PARISHES.values()])
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=muni.buffer(0.5)))
    zone_geoms: dict[str, object] = {}
    for pid, (_, lat, lon) in PARISHES.items():
        cell = next(c for c in cells if c.intersects(shapely.Point(lon, lat)))
        zone_geoms[pid] = cell.intersection(muni).difference(towns)
    # Countryside population: residents outside tätorter minus known småort/village
    # figures, spread over the zones by land area (an estimate, flagged as such).
    known_small = sum(
        loc.population or 0
        for loc in LOCALITIES
        if loc.kind == AreaKind.VILLAGE and loc.id not in {"dio", "liatorp", "eneryda", "delary"}
    )
    rest = OUTSIDE_TATORT_2020 - known_small
    zone_area = gpd.GeoSeries(list(zone_geoms.values()), crs=WGS84).to_crs(SWEREF99TM).area
    shares = zone_area / zone_area.sum()
    for (pid, geom), share in zip(zone_geoms.items(), shares, strict=True):
        name = PARISHES[pid][0]
        rows.append(
            dict(
                id=f"land_{pid}",
                name=f"Landsbygd {name}",
                kind=AreaKind.COUNTRYSIDE.value,
                population=int(round(rest * share, -1)),
                population_year=2020,
                population_estimated=1,
                approximate=1,
                note=f"countryside of {name} parish; boundary approximate",
                geometry=geom,
            )
        )
    return gpd.GeoDataFrame(rows, crs=WGS84)


def build_roads() -> gpd.GeoDataFrame:
    """Main roads as lines through the places the facts name (EPSG:4326, approximate)."""
    rows = [
        dict(
            id=rid, road=name, approximate=1, geometry=LineString([(lon, lat) for lat, lon in pts])
        )
        for rid, (name, pts) in ROADS.items()
    ]
    return gpd.GeoDataFrame(rows, crs=WGS84)


AREAS_FILE = DATA_DIR / "areas.geojson"
ROADS_FILE = DATA_DIR / "roads.geojson"
MUNICIPALITY_FILE = DATA_DIR / "municipality.geojson"


def write(data_dir: Path = DATA_DIR) -> None:
    """Write the built-in geography files (rounded to 1e-5°, about 1 m)."""
    muni = gpd.GeoDataFrame(
        [dict(id="0765", name="Älmhults kommun", approximate=1, geometry=outline())], crs=WGS84
    )
    for frame, path in (
        (muni, data_dir / MUNICIPALITY_FILE.name),
        (build_areas(), data_dir / AREAS_FILE.name),
        (build_roads(), data_dir / ROADS_FILE.name),
    ):
        frame = frame.set_geometry(shapely.set_precision(frame.geometry.array, 1e-5))
        text = frame.to_json(drop_id=True, ensure_ascii=False)
        path.write_text(json.dumps(json.loads(text), ensure_ascii=False) + "\n", "utf-8")


if __name__ == "__main__":
    write()
