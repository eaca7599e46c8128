"""The built-in geography: municipality outline, areas and main roads in ``data/``.

The files are built from open data by ``python -m geo.geography`` (see
:mod:`geo.geography.build`); at run time the app reads only the committed ``data/`` files,
never the sources. Coordinates are WGS84 (EPSG:4326).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import geopandas as gpd

from geo.config import DATA_DIR
from geo.model import AreaKind

AREAS_FILE = DATA_DIR / "areas.geojson"
ROADS_FILE = DATA_DIR / "roads.geojson"
MUNICIPALITY_FILE = DATA_DIR / "municipality.geojson"
NATIONAL_DIR = DATA_DIR / "national"


@dataclass(frozen=True)
class Locality:
    """A tätort or village of the built-in geography and the point that places it
    (SCB's point for tätorter, the parish church for villages; lon/lat, EPSG:4326)."""

    id: str
    name: str
    kind: AreaKind
    lon: float
    lat: float
    population: int | None
    population_year: int | None
    approximate: bool
    parish: str


def read_localities(path: Path = AREAS_FILE) -> tuple[Locality, ...]:
    """The localities of an areas file written by the builder, in file order."""
    doc = json.loads(path.read_text("utf-8"))
    out = []
    for feat in doc["features"]:
        p = feat["properties"]
        if p["kind"] == AreaKind.COUNTRYSIDE or p.get("place_lon") is None:
            continue
        out.append(
            Locality(
                id=p["id"],
                name=p["name"],
                kind=AreaKind(p["kind"]),
                lon=float(p["place_lon"]),
                lat=float(p["place_lat"]),
                population=p.get("population"),
                population_year=p.get("population_year"),
                approximate=bool(p.get("approximate")),
                parish=p.get("parish") or "",
            )
        )
    return tuple(out)


LOCALITIES: tuple[Locality, ...] = read_localities()


@cache
def main_roads() -> gpd.GeoDataFrame:
    """The built-in main roads (EPSG:4326; approximate courses through the real places)."""
    return gpd.read_file(ROADS_FILE, engine="pyogrio")
