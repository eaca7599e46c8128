"""Älmhult's built-in geography from the open data (see :mod:`geo.geography.sources`).

- outline: Lantmäteriet's municipality polygon, as it is;
- tätorter (Älmhult, Diö, Liatorp, Eneryda, Delary): SCB 2020's population and land area;
  the shape is a circle of SCB's land area around SCB's point (SCB's polygons are not in
  the open-data folder), flagged ``approximate``;
- villages without SCB figures: a 300 m circle around their parish church (GeoNames);
  Häradsbäck has no church point and sits at Lantmäteriet's label point of Härlunda
  parish, the parish it lies in; all flagged ``approximate``;
- countryside zones: each of the six parishes minus the localities in it, clipped to the
  outline (slivers between the two boundary files go to the neighbouring parish);
- main roads: approximate courses drawn through the SCB points and churches they pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

from geo.geography.shapes import disc, km2, tile_zones
from geo.geography.sources import (
    GEONAMES,
    LANTMATERIET_KOMMUN,
    LANTMATERIET_SOCKEN,
    SCB_TATORTER,
    Sources,
)
from geo.model import AreaKind

Feature = tuple[dict[str, object], BaseGeometry]

# SCB tätort code -> our area id (ids are used by URLs, tests and stored records).
TATORT_IDS: dict[str, str] = {
    "0765TC106": "almhult",
    "0765TB102": "dio",
    "0765TB105": "liatorp",
    "0765TB103": "eneryda",
    "0765TB101": "delary",
}
VILLAGE_RADIUS_M = 300.0


@dataclass(frozen=True)
class Village:
    """A village without SCB figures: where it is and what is known of its residents."""

    id: str
    name: str
    church: str | None  # the ``village`` of its GeoNames church, None if there is none
    population: int | None
    population_year: int | None
    population_source: str


_SMAORT = "SCB småort {year}, as published by Älmhults kommun (not in the open-data folder)"
VILLAGES: tuple[Village, ...] = (
    Village("pjatteryd", "Pjätteryd", "Pjätteryd", 112, 2020, _SMAORT.format(year=2020)),
    Village("virestad", "Virestad", "Virestad", 156, 2015, _SMAORT.format(year=2015)),
    Village("haradsback", "Häradsbäck", None, 155, None, "about 155, public pages; no year"),
    Village("goteryd", "Göteryd", "Göteryd", None, None, ""),
    Village("hallaryd", "Hallaryd", "Hallaryd", None, None, ""),
    Village("stenbrohult", "Stenbrohult", "Stenbrohult", None, None, ""),
)
HARADSBACK_PARISH = "Härlunda"

# Residents outside every tätort at the end of 2020 (SCB, as quoted by the municipality).
OUTSIDE_TATORT_2020 = 3_892

# Main roads: waypoints are area ids (the road passes that place's point) or approximate
# (lat, lon) positions between them, read off public descriptions of the courses.
Waypoint = str | tuple[float, float]
ROAD_COURSES: dict[str, tuple[str, tuple[Waypoint, ...]]] = {
    "rv23": (
        "Riksväg 23",
        (
            (56.495, 14.150),
            (56.520, 14.160),
            (56.545, 14.170),
            (56.575, 14.178),
            (56.600, 14.195),
            "liatorp",
            (56.685, 14.305),
            "eneryda",
            (56.722, 14.385),
        ),
    ),
    "lv120": (
        "Länsväg 120",
        (
            (56.596, 13.797),
            "goteryd",
            (56.560, 13.915),
            "delary",
            (56.548, 14.040),
            "almhult",
            (56.540, 14.220),
            (56.512, 14.300),
            (56.515, 14.420),
            "haradsback",
            (56.505, 14.600),
        ),
    ),
    "lv124": ("Länsväg 124", ((56.712, 14.200), (56.690, 14.230), (56.675, 14.250), "liatorp")),
    "v600": ("Väg 600", ("almhult", (56.590, 14.170), "stenbrohult", "dio", "liatorp")),
    "v592": ("Väg 592", ("pjatteryd", (56.610, 14.060), (56.580, 14.100), "almhult")),
}
ROAD_SOURCE = (
    "approximate course drawn through SCB's tätort points and GeoNames' church points "
    "(not Trafikverket geometry)"
)


def municipality_features(src: Sources) -> list[Feature]:
    """The outline as one feature."""
    props: dict[str, object] = {
        "id": src.municipality_code,
        "name": municipality_label(src.municipality_name),
        "municipality": src.municipality_name,
        "approximate": 0,
        "km2": round(km2(src.outline), 1),
        "source": LANTMATERIET_KOMMUN,
    }
    return [(props, src.outline)]


def municipality_label(name: str) -> str:
    """``Älmhult`` -> ``Älmhults kommun``: a genitive s unless the name ends in a vowel or
    s/x/z (``Ljungby kommun``, ``Kiruna kommun``); known exceptions listed."""
    exceptions = {"Falun": "Falu kommun", "Region Gotland": "Region Gotland"}
    if name in exceptions:
        return exceptions[name]
    suffix = "" if name[-1].lower() in "aeiouyåäösxz" else "s"
    return f"{name}{suffix} kommun"


def _parish_of(src: Sources, point: shapely.Point) -> str:
    hits = src.parishes[src.parishes.geometry.intersects(point)]
    return str(hits["name"].iloc[0]) if len(hits) else ""


def place_points(src: Sources) -> dict[str, shapely.Point]:
    """Each locality's point: SCB's for tätorter, the church (or parish label) for villages."""
    points: dict[str, shapely.Point] = {}
    for row in src.tatorter.itertuples():
        points[TATORT_IDS[row.code]] = row.geometry
    churches = dict(zip(src.churches["village"], src.churches.geometry, strict=True))
    labels = src.parishes.set_index("name")
    for v in VILLAGES:
        if v.church is not None:
            points[v.id] = churches[v.church]
        else:
            row = labels.loc[HARADSBACK_PARISH]
            points[v.id] = shapely.Point(float(row["label_lon"]), float(row["label_lat"]))
    return points


def locality_features(src: Sources) -> list[Feature]:
    """Tätorter then villages, each a disc around its point, clipped to the outline."""
    out: list[Feature] = []
    points = place_points(src)
    scb = src.tatorter.set_index("code")
    for code, aid in sorted(TATORT_IDS.items(), key=lambda kv: (kv[0][4:6] != "TC", kv[0])):
        row, p = scb.loc[code], points[aid]
        stated = float(row["area_ha"]) / 100
        props: dict[str, object] = {
            "id": aid,
            "name": str(row["name"]),
            "kind": (AreaKind.TOWN if aid == "almhult" else AreaKind.VILLAGE).value,
            "population": int(row["pop"]),
            "population_year": int(row["year"]),
            "population_estimated": 0,
            "approximate": 1,
            "parish": _parish_of(src, p),
            "place_lon": round(p.x, 5),
            "place_lat": round(p.y, 5),
            "stated_km2": stated,
            "scb_code": code,
            "source": f"{SCB_TATORTER}: population, land area, point",
            "note": (
                f"tätort; shape: a circle of SCB's land area ({stated:g} km²) around SCB's "
                "point, approximate until a real polygon is loaded"
            ),
        }
        out.append((props, disc(p.x, p.y, stated).intersection(src.outline)))
    village_km2 = 3.141592653589793 * VILLAGE_RADIUS_M**2 / 1e6
    for v in VILLAGES:
        p = points[v.id]
        where = (
            f"the parish church ({GEONAMES})"
            if v.church
            else f"Lantmäteriet's label point of {HARADSBACK_PARISH} parish (no church "
            "or SCB point locates it)"
        )
        props = {
            "id": v.id,
            "name": v.name,
            "kind": AreaKind.VILLAGE.value,
            "population": v.population,
            "population_year": v.population_year,
            "population_estimated": int(v.population is not None and v.population_year is None),
            "approximate": 1,
            "parish": _parish_of(src, p),
            "place_lon": round(p.x, 5),
            "place_lat": round(p.y, 5),
            "stated_km2": None,
            "scb_code": None,
            "source": (GEONAMES if v.church else LANTMATERIET_SOCKEN)
            + (f"; population: {v.population_source}" if v.population_source else ""),
            "note": f"village at {where}; shape: a {VILLAGE_RADIUS_M:g} m circle, approximate",
        }
        out.append((props, disc(p.x, p.y, village_km2).intersection(src.outline)))
    return out


def zone_features(src: Sources, localities: list[Feature]) -> list[Feature]:
    """One countryside zone per parish: the parish minus the localities in it."""
    parishes = dict(zip(src.parishes["name"], src.parishes.geometry, strict=True))
    zones = tile_zones(src.outline, parishes, [g for _, g in localities])
    known = sum(v.population or 0 for v in VILLAGES)
    rest = OUTSIDE_TATORT_2020 - known
    sizes = {name: km2(g) for name, g in zones.items()}
    total = sum(sizes.values())
    out: list[Feature] = []
    for name, geom in zones.items():
        props: dict[str, object] = {
            "id": "land_" + _ascii_id(name),
            "name": f"Landsbygd {name}",
            "kind": AreaKind.COUNTRYSIDE.value,
            "population": int(round(rest * sizes[name] / total, -1)),
            "population_year": 2020,
            "population_estimated": 1,
            "approximate": 0,
            "parish": name,
            "place_lon": None,
            "place_lat": None,
            "stated_km2": None,
            "scb_code": None,
            "source": f"{LANTMATERIET_SOCKEN} minus the localities",
            "note": (
                f"{name} parish outside its localities; population estimated: "
                f"{OUTSIDE_TATORT_2020:,} residents outside tätorter (2020) minus the "
                "villages' figures, split by area"
            ),
        }
        out.append((props, geom))
    return out


def _ascii_id(name: str) -> str:
    return name.lower().translate(str.maketrans("åäöé", "aaoe"))


def area_features(src: Sources) -> list[Feature]:
    """All areas in assignment order: town, villages, then the countryside zones."""
    localities = locality_features(src)
    return [*localities, *zone_features(src, localities)]


def road_features(src: Sources) -> list[Feature]:
    """The main roads as lines through the places they pass (approximate courses)."""
    points = place_points(src)
    out: list[Feature] = []
    for rid, (name, course) in ROAD_COURSES.items():
        coords = [
            (points[w].x, points[w].y) if isinstance(w, str) else (w[1], w[0]) for w in course
        ]
        passes = [w for w in course if isinstance(w, str)]
        props: dict[str, object] = {
            "id": rid,
            "road": name,
            "passes": ",".join(passes),
            "approximate": 1,
            "source": ROAD_SOURCE,
        }
        out.append((props, shapely.LineString(coords)))
    return out
