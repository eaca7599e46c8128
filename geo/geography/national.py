"""Any Swedish municipality: a first geography from the national open data.

``python -m geo.geography`` turns the national files into two committed ones:

- ``data/national/kommuner.geojson``: Lantmäteriet's 290 municipality outlines (CC0),
  simplified at 50 m in EPSG:3006 and rounded to 1e-4° (about 10 m): about 0.9 MB;
- ``data/national/tatorter_2020.csv``: SCB's 2,017 tätorter 2020 (CC0): code, name,
  municipality, land area, population, a point inside each (SWEREF 99 TM, whole metres).

:func:`geography_for` builds from those, for a municipality code, the outline, the
tätorter (a circle of SCB's land area around SCB's point, flagged ``approximate``; the most
populous is the town) and generated countryside zones (the Voronoi cells of the tätort
points, clipped to the outline, minus the localities; flagged ``approximate``, population
unknown) until real files replace them (:mod:`geo.layers`). Älmhult (0765) uses its curated
built-in geography instead.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import SWEREF99TM, WGS84, to_wgs84
from geo.errors import GeoError
from geo.geography import NATIONAL_DIR
from geo.geography.almhult import municipality_label
from geo.geography.shapes import disc, feature_collection, tile_zones
from geo.geography.sources import (
    LANTMATERIET_KOMMUN,
    SCB_TATORTER,
    SOURCE_DIR,
    read_national_municipalities,
    read_national_tatorter,
)
from geo.i18n import Translate, Translator, language_of
from geo.model import AreaKind
from geo.store.base import Store

MUNICIPALITIES_FILE = "national/kommuner.geojson"
TATORTER_FILE = "national/tatorter_2020.csv"
SIMPLIFY_M = 50.0
ROUND_DEG = 1e-4
BUILTIN_CODE = "0765"


class UnknownMunicipality(GeoError, KeyError):
    """No municipality has that code."""

    def __str__(self) -> str:
        return str(self.args[0])


# ------------------------------------------------------------------ build time (sources)
def national_files(source_dir: Path = SOURCE_DIR) -> dict[str, str]:
    """The national data files' texts (``data/``-relative name -> text)."""
    k = read_national_municipalities(source_dir)
    simple = k.to_crs(SWEREF99TM).geometry.simplify(SIMPLIFY_M, preserve_topology=True)
    geoms = gpd.GeoSeries(simple, crs=SWEREF99TM).to_crs(WGS84).array
    geoms = shapely.set_precision(geoms, ROUND_DEG)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, 4))
    features = [
        (
            {
                "kommunkod": code,
                "kommun": name,
                "source": f"{LANTMATERIET_KOMMUN}, förenklad {SIMPLIFY_M:g} m",
            },
            geom,
        )
        for code, name, geom in zip(k["kommunkod"], k["kommun"], geoms, strict=True)
    ]
    t = read_national_tatorter(source_dir).sort_values("code")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "name", "mun_code", "area_ha", "pop", "year", "x", "y"])
    for r in t.itertuples():
        writer.writerow(
            [
                r.code,
                r.name,
                r.mun_code,
                int(r.area_ha),
                int(r.pop),
                int(r.year),
                int(round(r.x)),
                int(round(r.y)),
            ]
        )
    return {
        MUNICIPALITIES_FILE: feature_collection(features, "kommuner"),
        TATORTER_FILE: out.getvalue(),
    }


# ------------------------------------------------------------------ run time (data/)
@cache
def municipalities(data_dir: Path = NATIONAL_DIR.parent) -> gpd.GeoDataFrame:
    """All municipality outlines from ``data/national`` (EPSG:4326), indexed by code."""
    frame = gpd.read_file(data_dir / MUNICIPALITIES_FILE, engine="pyogrio")
    return frame.set_index("kommunkod", drop=False)


@cache
def tatorter(data_dir: Path = NATIONAL_DIR.parent) -> pd.DataFrame:
    """All tätorter 2020 from ``data/national`` (points in EPSG:3006 metres)."""
    return pd.read_csv(data_dir / TATORTER_FILE, dtype={"code": str, "mun_code": str})


@dataclass(frozen=True)
class MunicipalityName:
    """A municipality's code, name (``Älmhult``) and label (``Älmhults kommun``)."""

    code: str
    name: str
    label: str


def municipality_name(code: str) -> MunicipalityName:
    """The name of municipality ``code`` (:class:`UnknownMunicipality` if none)."""
    frame = municipalities()
    if code not in frame.index:
        raise UnknownMunicipality(f"no Swedish municipality has the code {code!r}")
    name = str(frame.loc[code, "kommun"])
    return MunicipalityName(code, name, municipality_label(name))


def _unique_ids(names: list[str]) -> list[str]:
    from geo.layers.columns import normalise

    seen: dict[str, int] = {}
    out = []
    for name in names:
        base = normalise(name) or "ort"
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return out


def _voronoi_zones(points: list[shapely.Point], outline: BaseGeometry) -> list[BaseGeometry]:
    """One cell per point (in order), covering the outline's envelope."""
    if len(points) < 2:
        return [outline.envelope.buffer(1.0)] * len(points)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=outline.envelope.buffer(1.0))
    )
    return [next(c for c in cells if c.intersects(p)) for p in points]


def geography_for(code: str) -> tuple[gpd.GeoDataFrame, BaseGeometry, MunicipalityName]:
    """Areas (priority order), outline and name of municipality ``code`` (EPSG:4326)."""
    names = municipality_name(code)
    outline = shapely.make_valid(municipalities().geometry[code])
    # SCB files a tätort that spans a border under one municipality: take the code's own
    # and any other whose point lies inside the outline.
    towns = tatorter()
    all_lon, all_lat = to_wgs84(towns["x"].to_numpy(float), towns["y"].to_numpy(float))
    inside = shapely.contains_xy(outline, all_lon, all_lat)
    towns = towns[(towns["mun_code"] == code).to_numpy() | inside]
    towns = towns.sort_values(["pop", "code"], ascending=[False, True])
    lon, lat = to_wgs84(towns["x"].to_numpy(float), towns["y"].to_numpy(float))
    ids = _unique_ids(towns["name"].tolist())
    rows: list[dict[str, object]] = []
    taken: BaseGeometry = shapely.Polygon()
    points = []
    for i, r in enumerate(towns.itertuples()):
        point = shapely.Point(lon[i], lat[i])
        shape = disc(point.x, point.y, r.area_ha / 100).intersection(outline).difference(taken)
        if shape.is_empty or shape.area == 0:
            continue
        taken = taken.union(shape)
        points.append((ids[i], str(r.name), point))
        rows.append(
            dict(
                id=ids[i],
                name=str(r.name),
                kind=(AreaKind.TOWN if not rows else AreaKind.VILLAGE).value,
                population=int(r.pop),
                population_year=int(r.year),
                population_estimated=0,
                approximate=1,
                note=f"tätort; a circle of SCB's land area ({r.area_ha / 100:g} km²) around "
                "SCB's point, approximate until a real polygon is loaded",
                source=f"{SCB_TATORTER}: population, land area, point",
                geometry=shape,
            )
        )
    cells = _voronoi_zones([p for _, _, p in points], outline) if points else [outline]
    seeds = [(f"land_{aid}", f"Landsbygd kring {name}") for aid, name, _ in points] or [
        ("land_kommun", f"Landsbygd {names.name}")
    ]
    zones = tile_zones(
        outline, dict(zip([s for s, _ in seeds], cells, strict=True)), [r["geometry"] for r in rows]
    )  # type: ignore[misc]
    labels = dict(seeds)
    for zid, geom in zones.items():
        rows.append(
            dict(
                id=zid,
                name=labels[zid],
                kind=AreaKind.COUNTRYSIDE.value,
                population=None,
                population_year=None,
                population_estimated=0,
                approximate=1,
                note="countryside nearest this tätort: generated, approximate until a zone "
                "file (e.g. Lantmäteriet's distrikt) is loaded; population unknown",
                source=f"generated from {SCB_TATORTER} points and {LANTMATERIET_KOMMUN}",
                geometry=geom,
            )
        )
    return gpd.GeoDataFrame(rows, crs=WGS84), outline, names


def builtin_geography_for(code: str) -> tuple[gpd.GeoDataFrame, BaseGeometry, MunicipalityName]:
    """The curated built-in geography for Älmhult, the national one for any other code."""
    if code == BUILTIN_CODE:
        from geo.areas import builtin_areas, builtin_municipality

        return builtin_areas(), builtin_municipality(), municipality_name(code)
    return geography_for(code)


def store_for(location: str | Path, code: str, *, schema: str = "almhult") -> Store:
    """The store at ``location`` (a GeoPackage path or a PostGIS connection, see
    :func:`geo.store.open_store`); a new one starts with municipality ``code``'s built-in
    geography, an existing one keeps the geography stored in it."""
    from geo.store import open_store

    areas, outline, names = builtin_geography_for(code)
    return open_store(location, schema=schema, areas=areas, municipality=outline, name=names.label)


def with_municipality(t: Translate, code: str) -> Translate:
    """A translator in ``t``'s language filling ``{municipality}`` (``Älmhult``) and
    ``{municipality_label}`` (``Älmhults kommun``) with municipality ``code``'s names."""
    names = municipality_name(code)
    return Translator(
        language_of(t), {"municipality": names.name, "municipality_label": names.label}
    )
