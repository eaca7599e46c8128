"""Areas (town, villages, countryside zones): loading, replacing, and fast point assignment.

Assignment is vectorised: a raster of area codes over the municipality answers most points by
one array lookup, and only points in raster cells that straddle a boundary are tested exactly
with ``shapely.intersects_xy``. Areas earlier in the frame win ties (localities before the
countryside zones), so every point inside the municipality gets exactly one area.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import SWEREF99TM, WGS84
from geo.errors import ValidationError
from geo.geography import AREAS_FILE, MUNICIPALITY_FILE
from geo.geography.shapes import tile_zones
from geo.model import AreaKind

OUTSIDE = -1
_MIXED = -2


def builtin_areas() -> gpd.GeoDataFrame:
    """The built-in areas shipped in ``data/areas.geojson`` (EPSG:4326)."""
    return gpd.read_file(AREAS_FILE, engine="pyogrio")


def builtin_municipality() -> BaseGeometry:
    """The built-in municipality outline, Lantmäteriet's (EPSG:4326)."""
    return gpd.read_file(MUNICIPALITY_FILE, engine="pyogrio").geometry.iloc[0]


def area_km2(areas: gpd.GeoDataFrame) -> pd.Series:
    """Area of each polygon in km², measured in SWEREF 99 TM (EPSG:3006)."""
    return areas.to_crs(SWEREF99TM).area / 1e6


class AreaIndex:
    """Assigns lon/lat points (EPSG:4326) to areas, vectorised.

    Parameters
    ----------
    areas : polygons in priority order with an ``id`` column (EPSG:4326).
    cell_deg : raster cell size in degrees of latitude (longitude cells are scaled to be
        about square on the ground). Smaller cells: fewer exact tests, slower build.
    """

    def __init__(self, areas: gpd.GeoDataFrame, cell_deg: float = 0.001) -> None:
        if areas.crs is None or areas.crs != WGS84:
            raise ValueError("AreaIndex needs areas in EPSG:4326")
        self.ids: np.ndarray = areas["id"].astype(str).to_numpy()
        self._geoms = np.asarray(areas.geometry.array, dtype=object)
        shapely.prepare(self._geoms)
        minx, miny, maxx, maxy = shapely.total_bounds(self._geoms)
        self._dy = cell_deg
        self._dx = cell_deg / np.cos(np.radians((miny + maxy) / 2))
        self._x0, self._y0 = minx, miny
        self._nx = int(np.ceil((maxx - minx) / self._dx)) + 1
        self._ny = int(np.ceil((maxy - miny) / self._dy)) + 1
        self._grid = self._build_grid()

    def _build_grid(self) -> np.ndarray:
        xs = self._x0 + np.arange(self._nx) * self._dx
        ys = self._y0 + np.arange(self._ny) * self._dy
        gx, gy = np.meshgrid(xs, ys)
        cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + self._dx, gy.ravel() + self._dy)
        grid = np.full(cells.size, OUTSIDE, dtype=np.int16)
        tree = shapely.STRtree(self._geoms)
        cell_ix, area_ix = tree.query(cells, predicate="intersects")
        touched = np.bincount(cell_ix, minlength=cells.size)
        covered = shapely.covers(self._geoms[area_ix], cells[cell_ix])
        # A cell is pure when exactly one area touches it and that area covers it whole.
        pure = covered & (touched[cell_ix] == 1)
        grid[touched > 0] = _MIXED
        grid[cell_ix[pure]] = area_ix[pure]
        return grid.reshape(self._ny, self._nx)

    def assign_codes(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Area position (into ``ids``) of each point, or ``OUTSIDE`` (-1). Degrees in."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        ix = np.floor((lon - self._x0) / self._dx).astype(np.int64)
        iy = np.floor((lat - self._y0) / self._dy).astype(np.int64)
        inside = (ix >= 0) & (ix < self._nx) & (iy >= 0) & (iy < self._ny)
        codes = np.full(lon.shape, OUTSIDE, dtype=np.int16)
        codes[inside] = self._grid[iy[inside], ix[inside]]
        mixed = np.flatnonzero(codes == _MIXED)
        if mixed.size:
            codes[mixed] = self._exact(lon[mixed], lat[mixed])
        return codes

    def _exact(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        out = np.full(lon.shape, OUTSIDE, dtype=np.int16)
        todo = np.ones(lon.shape, dtype=bool)
        for code, geom in enumerate(self._geoms):
            minx, miny, maxx, maxy = geom.bounds
            cand = np.flatnonzero(
                todo & (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)
            )
            if cand.size == 0:
                continue
            hit = cand[shapely.intersects_xy(geom, lon[cand], lat[cand])]
            out[hit] = code
            todo[hit] = False
        return out

    def assign(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Area id of each point (object array; None outside every area)."""
        codes = self.assign_codes(lon, lat)
        ids = np.array([*self.ids, None], dtype=object)  # code -1 indexes the None
        return ids[codes]


def assign_naive(areas: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray) -> list[str | None]:
    """Reference assignment with a Python loop over points (for tests and benchmarks)."""
    out: list[str | None] = []
    geoms = list(areas.geometry)
    for x, y in zip(lon, lat, strict=True):
        point = shapely.Point(x, y)
        out.append(
            next((i for i, g in zip(areas["id"], geoms, strict=True) if g.intersects(point)), None)
        )
    return out


def read_boundary_file(
    path: str | Path, *, code: str | None = None, code_field: str = "id"
) -> BaseGeometry:
    """Read a municipality outline from an official file (GeoJSON, GPKG, zipped Shapefile).

    Any CRS is accepted and reprojected to EPSG:4326; a layer without CRS is refused.
    With ``code``, the feature whose ``code_field`` equals it is taken (Älmhult: "0765"),
    otherwise the file must hold exactly one feature.
    """
    info = pyogrio.read_info(path)
    if not info.get("crs"):
        raise ValidationError("areas", "-", "crs", f"{Path(path).name} has no coordinate system")
    frame = gpd.read_file(path, engine="pyogrio")
    if code is not None:
        if code_field not in frame.columns:
            raise ValidationError("areas", "-", code_field, "column not found in the file")
        frame = frame[frame[code_field].astype(str) == code]
        if frame.empty:
            raise ValidationError("areas", "-", code_field, f"no feature with {code_field}={code}")
    if len(frame) != 1:
        raise ValidationError(
            "areas", "-", "geometry", f"{len(frame)} features found; expected one municipality"
        )
    geom = frame.to_crs(WGS84).geometry.iloc[0]
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValidationError("areas", 1, "geometry", f"{geom.geom_type} is not a polygon")
    return shapely.make_valid(geom)


def read_areas_file(path: str | Path) -> gpd.GeoDataFrame:
    """Read a full set of areas (columns ``id``, ``name``, ``kind``, optional ``population``).

    Any CRS, reprojected to EPSG:4326; rows are validated and kept in file order (which is
    the assignment priority: list localities before countryside zones).
    """
    info = pyogrio.read_info(path)
    if not info.get("crs"):
        raise ValidationError("areas", "-", "crs", f"{Path(path).name} has no coordinate system")
    frame = gpd.read_file(path, engine="pyogrio").to_crs(WGS84)
    for column in ("id", "name", "kind"):
        if column not in frame.columns:
            raise ValidationError("areas", 1, column, "required column is missing")
    kinds = {k.value for k in AreaKind}
    for pos, (kind, geom) in enumerate(zip(frame["kind"], frame.geometry, strict=True), 1):
        if kind not in kinds:
            raise ValidationError("areas", pos, "kind", f"'{kind}' is not one of {sorted(kinds)}")
        if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValidationError("areas", pos, "geometry", "a polygon is required")
    if frame["id"].duplicated().any():
        dup = frame.loc[frame["id"].duplicated(), "id"].iloc[0]
        raise ValidationError("areas", dup, "id", "the same id appears twice")
    for column in ("population", "population_year", "population_estimated", "approximate"):
        if column not in frame.columns:
            frame[column] = None
    if "note" not in frame.columns:
        frame["note"] = ""
    return frame


def areas_for_outline(
    municipality: BaseGeometry, areas: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """``areas`` (default: the built-in ones) fitted into another outline (EPSG:4326).

    Localities are clipped to it (those left outside are dropped); countryside zones are
    clipped and widened so that, with the localities, they cover the outline once (see
    :func:`geo.geography.shapes.tile_zones`).
    """
    base = (builtin_areas() if areas is None else areas).reset_index(drop=True)
    is_zone = (base["kind"] == AreaKind.COUNTRYSIDE).to_numpy()
    locs = base[~is_zone].copy()
    locs["geometry"] = locs.geometry.intersection(municipality)
    locs = locs[~locs.geometry.is_empty & (shapely.area(locs.geometry.array) > 0)]
    zones = tile_zones(
        municipality,
        dict(zip(base.loc[is_zone, "id"], base.geometry[is_zone], strict=True)),
        list(locs.geometry),
    )
    kept = base[is_zone & base["id"].isin(list(zones)).to_numpy()].copy()
    kept["geometry"] = [zones[i] for i in kept["id"]]
    return gpd.GeoDataFrame(pd.concat([locs, kept], ignore_index=True), crs=WGS84)
