"""Helpers shared by every backend: identifiers, record frames, audit values, area lookup.

Nothing here talks to a database. Positions are WGS84 (EPSG:4326) degrees; stored times
are UTC.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.areas import AreaIndex
from geo.crs import WGS84
from geo.fixes import FIX_COLUMNS
from geo.model import SCHEMAS
from geo.sums import RUN_COLUMNS

META = ["version", "created_utc", "updated_utc", "updated_by"]
TIME_FMT = "%Y-%m-%dT%H:%M:%SZ"
AREA_COLUMNS = [
    "id",
    "name",
    "kind",
    "population",
    "population_year",
    "population_estimated",
    "approximate",
    "note",
    "source",
]
AUDIT_COLUMNS = ("ts_utc", "user", "action", "layer", "uid", "before", "after")
# Layers whose records carry an area; presence also has fixes and runs.
AREA_LAYERS = tuple(name for name, s in SCHEMAS.items() if s.has_area)
# More changed records than this since a cached version: reload rather than patch.
FEED_LIMIT = 5000


def now_text() -> str:
    """The current UTC time as stored in text columns (``2018-05-03T12:30:00Z``)."""
    return pd.Timestamp.now(tz="UTC").strftime(TIME_FMT)


def quote(name: str) -> str:
    """Quote an identifier that comes from our own schema (never from user input)."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"bad identifier {name!r}")
    return f'"{name}"'


def municipality_level(frame: pd.DataFrame) -> np.ndarray:
    """Rows located only to the municipality: they get no area."""
    if "location_precision" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return (frame["location_precision"] == "municipality").to_numpy(dtype=bool)


def as_multi(geoms: np.ndarray) -> np.ndarray:
    """Polygons as MultiPolygons (the areas tables are MultiPolygon layers)."""
    return np.array(
        [g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in geoms],
        dtype=object,
    )


def area_frame(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Areas with exactly the stored columns (EPSG:4326), in priority order."""
    frame = areas.to_crs(WGS84).copy()
    for column in AREA_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    return frame[[*AREA_COLUMNS, "geometry"]]


def areas_of(index: AreaIndex, geoms: np.ndarray) -> np.ndarray:
    """Area id of a point, or of a track's first vertex (its fixes carry the rest)."""
    geoms = np.asarray(geoms, dtype=object)
    first = shapely.get_point(geoms, 0)
    first = np.where(shapely.get_type_id(geoms) == 0, geoms, first)
    xy = shapely.get_coordinates(first)
    return index.assign(xy[:, 0], xy[:, 1])


IMPLIED_FIXES = "point_fixes_implied"
"""Meta key set once a store no longer holds rows for the fixes of point presence."""

_FIX_TYPES: dict[str, str] = {"seq": "int64", "t": "int64", "lon": "float64", "lat": "float64"}


def joined_fixes(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Fix frames one after the other, typed alike (text as Python objects, None for
    missing) whether or not a part is empty."""
    columns = [*FIX_COLUMNS, "area_id"]
    parts = [p[columns] for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype=_FIX_TYPES.get(c, object)) for c in columns})
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    for column in columns:
        if column in _FIX_TYPES:
            out[column] = out[column].astype(_FIX_TYPES[column])
        else:
            values = out[column].astype(object)
            out[column] = values.where(values.notna(), None)
    return out


RUN_TYPES: dict[str, object] = {
    "presence_uid": str,
    "seq": "int64",
    "stay": "int64",
    "area_id": str,
    "kind": str,
    "day": "int64",
    "t_first": "int64",
    "t_last": "int64",
    "seconds": "float64",
    "n": "int64",
    "q": "int64",
    "r": "int64",
}
"""pandas dtypes of the runs' columns as read (text: Python objects, None for missing)."""


def joined_runs(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Run frames (:data:`geo.sums.RUN_COLUMNS`) one after the other, typed alike."""
    parts = [p[RUN_COLUMNS] for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(
            {c: pd.Series([], dtype=object if t is str else t) for c, t in RUN_TYPES.items()}
        )
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    for column, kind in RUN_TYPES.items():
        if kind is str:
            values = out[column].astype(object)
            out[column] = values.where(values.notna(), None)
        else:
            out[column] = out[column].astype(kind)  # type: ignore[call-overload]
    return out


def stay_ends(fixes: pd.DataFrame, anchors: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """First and last fix of every run of one record in one area, at the area's point;
    fixes outside every area are dropped."""
    fixes = fixes[fixes["area_id"].notna()].reset_index(drop=True)
    if fixes.empty:
        return fixes
    rec, area = fixes["presence_uid"].to_numpy(), fixes["area_id"].to_numpy()
    new_run = np.r_[True, (rec[1:] != rec[:-1]) | (area[1:] != area[:-1])]
    last_of_run = np.r_[new_run[1:], True]
    kept = fixes[new_run | last_of_run].copy()
    kept["lon"] = [anchors[a][0] for a in kept["area_id"]]
    kept["lat"] = [anchors[a][1] for a in kept["area_id"]]
    kept["seq"] = kept.groupby("presence_uid").cumcount()
    return kept.reset_index(drop=True)


def jsonable(values: object) -> str | None:
    """Audit values as JSON text; scalars as strings, nulls as null, lists kept."""
    if values is None or isinstance(values, str):
        return values
    if not isinstance(values, dict):
        raise TypeError(f"audit values must be a dict, got {type(values).__name__}")

    def plain(v: object) -> object:
        if isinstance(v, list | tuple):
            return [plain(x) for x in v]
        return None if v is None or pd.isna(v) else str(v)

    return json.dumps({k: plain(v) for k, v in values.items()}, ensure_ascii=False)


def record_values(frame: pd.DataFrame, layer: str) -> dict[str, object]:
    """One stored record (first row of ``frame``) as audit values, geometry as WKT."""
    out: dict[str, object] = {k: frame[k].iloc[0] for k in ["uid", *SCHEMAS[layer].field_names]}
    if SCHEMAS[layer].spatial and frame.geometry.iloc[0] is not None:
        out["geometry"] = frame.geometry.iloc[0].wkt
    return out


@dataclass(frozen=True)
class Changes:
    """What changed in a store between two data versions (a change feed).

    ``layers`` maps a layer to the uids written (added, updated or deleted) since
    ``since``; read them again to see their state at ``version``. ``reload`` is true when
    the change cannot be applied record by record (areas replaced, retention, or more
    than :data:`FEED_LIMIT` records): read everything again.
    """

    since: int
    version: int
    layers: dict[str, frozenset[str]] = field(default_factory=dict)
    reload: bool = False

    @property
    def empty(self) -> bool:
        return not self.reload and not any(self.layers.values())
