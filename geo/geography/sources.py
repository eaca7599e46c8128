"""The open data the geography is built from (``../shared/data/geo/``), read at build time.

Only ``python -m geo.geography`` and the tests read these files; the app reads the
``data/`` files built from them. Sources and licences:

- Lantmäteriet "Kommun, län och rike": municipality outlines (CC0 1.0);
- Lantmäteriet "Socken och stad", simplified 100 m: Älmhult's six parishes (CC0 1.0);
- SCB Tätorter 2020: code, name, land area, population and a point inside each (CC0);
- GeoNames: the parish churches (CC BY 4.0, credit "GeoNames").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geo.config import PROJECT_ROOT
from geo.crs import WGS84

SOURCE_DIR = PROJECT_ROOT.parent / "shared" / "data" / "geo"

MUNICIPALITY_SOURCE = "almhult_municipality_lantmateriet.geojson"
PARISH_SOURCE = "almhult_socknar_lantmateriet.geojson"
TATORT_SOURCE = "almhult_tatorter_2020_scb_points.geojson"
CHURCH_SOURCE = "almhult_churches_geonames.geojson"
NATIONAL_MUNICIPALITIES = "sweden_kommuner_lantmateriet.geojson"
NATIONAL_TATORTER = "sweden_tatorter_2020_scb_points.csv"

LANTMATERIET_KOMMUN = "Lantmäteriet, Kommun, län och rike (CC0 1.0)"
LANTMATERIET_SOCKEN = "Lantmäteriet, Socken och stad, förenklad 100 m (CC0 1.0)"
SCB_TATORTER = "SCB, Tätorter 2020 (CC0)"
GEONAMES = "GeoNames (CC BY 4.0)"


class SourceMissing(FileNotFoundError):
    """A source file of ``../shared/data/geo/`` is not there."""


def _path(name: str, source_dir: Path) -> Path:
    path = source_dir / name
    if not path.exists():
        raise SourceMissing(
            f"{path} is missing: the geography is built from the open data in "
            "../shared/data/geo/ (see its README)"
        )
    return path


@dataclass(frozen=True)
class Sources:
    """Älmhult's open data, in EPSG:4326 (SCB's national points converted from 3006)."""

    outline: BaseGeometry
    municipality_code: str
    municipality_name: str
    parishes: gpd.GeoDataFrame  # name, label_lon, label_lat, geometry
    tatorter: gpd.GeoDataFrame  # code, name, area_ha, pop, year, geometry (point)
    churches: gpd.GeoDataFrame  # village, name, geometry (point)


def read_sources(source_dir: Path = SOURCE_DIR) -> Sources:
    """Read Älmhult's outline, parishes, tätort points and churches."""
    muni = gpd.read_file(_path(MUNICIPALITY_SOURCE, source_dir), engine="pyogrio").to_crs(WGS84)
    parishes = gpd.read_file(_path(PARISH_SOURCE, source_dir), engine="pyogrio").to_crs(WGS84)
    tatorter = gpd.read_file(_path(TATORT_SOURCE, source_dir), engine="pyogrio").to_crs(WGS84)
    churches = gpd.read_file(_path(CHURCH_SOURCE, source_dir), engine="pyogrio").to_crs(WGS84)
    return Sources(
        outline=muni.geometry.iloc[0],
        municipality_code=str(muni["kommunkod"].iloc[0]),
        municipality_name=str(muni["kommun"].iloc[0]),
        parishes=parishes[["name", "label_lon", "label_lat", "geometry"]].sort_values("name"),
        tatorter=tatorter[["code", "name", "area_ha", "pop", "year", "geometry"]],
        churches=churches[["village", "name", "geometry"]],
    )


def read_national_municipalities(source_dir: Path = SOURCE_DIR) -> gpd.GeoDataFrame:
    """All 290 municipality outlines: ``kommunkod``, ``kommun``, geometry (EPSG:4326)."""
    path = _path(NATIONAL_MUNICIPALITIES, source_dir)
    frame = gpd.read_file(path, engine="pyogrio", columns=["kommunkod", "kommun"])
    return frame.to_crs(WGS84).sort_values("kommunkod").reset_index(drop=True)


def read_national_tatorter(source_dir: Path = SOURCE_DIR) -> pd.DataFrame:
    """All 2,017 tätorter 2020 with their point in SWEREF 99 TM (``x``, ``y``, metres)."""
    path = _path(NATIONAL_TATORTER, source_dir)
    frame = pd.read_csv(path, dtype={"code": str, "mun_code": str, "lan_code": str})
    frame = frame.rename(columns={"x_sweref": "x", "y_sweref": "y"})
    return frame[["code", "name", "mun_code", "area_ha", "pop", "year", "x", "y"]]
