"""Creating and migrating the GeoPackage file.

Layers are created by GDAL (through pyogrio) so the file carries GDAL's R-tree index and
triggers and lists every table in ``gpkg_contents`` (QGIS and ``ogrinfo`` open them all);
indexes and the internal tables (``meta``, ``changes``) are plain SQL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import WGS84
from geo.model import SCHEMAS
from geo.store import _gpkg_blob as blob
from geo.store.common import AUDIT_COLUMNS, IMPLIED_FIXES, META, RUN_TYPES, area_frame, quote

_DTYPES = {
    "text": str,
    "enum": str,
    "date": str,
    "datetime": str,
    "int": "int64",
    "float": "float64",
}
_INDEXES = """
CREATE INDEX IF NOT EXISTS fixes_t ON presence_fixes (t);
CREATE INDEX IF NOT EXISTS fixes_uid ON presence_fixes (presence_uid);
CREATE INDEX IF NOT EXISTS runs_uid ON presence_runs (presence_uid);
DROP INDEX IF EXISTS runs_day;
CREATE UNIQUE INDEX IF NOT EXISTS sums_key ON presence_sums (area_id, day, kind);
CREATE INDEX IF NOT EXISTS presence_start ON presence ("start");
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('data_version', 0);
CREATE TABLE IF NOT EXISTS changes (version INTEGER NOT NULL, layer TEXT NOT NULL,
                                    uid TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS changes_version ON changes (version);
"""


def _columns(spec: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in spec.items()})


FIXES = {
    "presence_uid": "str",
    "seq": "int64",
    "t": "int64",
    "lon": "float64",
    "lat": "float64",
    "kind": "str",
    "area_id": "str",
}
RUNS: dict[str, str] = {c: "str" if t is str else str(t) for c, t in RUN_TYPES.items()}
SUMS = {
    "area_id": "str",
    "day": "str",
    "kind": "str",
    "seconds": "float64",
    "fixes": "int64",
    "visits": "int64",
    "passes": "int64",
}


def empty_layer_frame(layer: str) -> pd.DataFrame:
    """A record layer with no rows and the stored column types."""
    schema = SCHEMAS[layer]
    cols: dict[str, pd.Series] = {"uid": pd.Series([], dtype=str)}
    for f in schema.fields:
        cols[f.name] = pd.Series([], dtype=_DTYPES[f.kind])
    if schema.has_area:
        cols["area_id"] = pd.Series([], dtype=str)
    cols["version"] = pd.Series([], dtype="int64")
    for name in META[1:]:
        cols[name] = pd.Series([], dtype=str)
    frame = pd.DataFrame(cols)
    if schema.spatial:
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    return frame


def _geometry_type(layer: str) -> str | None:
    types = SCHEMAS[layer].geometry_types
    if not types:
        return None
    return types[0] if len(types) == 1 else "Unknown"


def create(
    path: Path, areas: gpd.GeoDataFrame, municipality: BaseGeometry, name: str = "Älmhults kommun"
) -> None:
    """Write a new, empty store file at ``path`` (appears whole or not at all)."""
    tmp = path.with_suffix(".creating.gpkg")
    tmp.unlink(missing_ok=True)
    for layer in SCHEMAS:
        pyogrio.write_dataframe(
            empty_layer_frame(layer), tmp, layer=layer, geometry_type=_geometry_type(layer)
        )
    pyogrio.write_dataframe(
        area_frame(areas), tmp, layer="areas", geometry_type="MultiPolygon", promote_to_multi=True
    )
    muni = gpd.GeoDataFrame({"name": [name]}, geometry=[municipality], crs=WGS84)
    pyogrio.write_dataframe(
        muni, tmp, layer="municipality", geometry_type="MultiPolygon", promote_to_multi=True
    )
    pyogrio.write_dataframe(_columns(FIXES), tmp, layer="presence_fixes")
    pyogrio.write_dataframe(_columns(RUNS), tmp, layer="presence_runs")
    pyogrio.write_dataframe(_columns(SUMS), tmp, layer="presence_sums")
    pyogrio.write_dataframe(_columns({c: "str" for c in AUDIT_COLUMNS}), tmp, layer="audit")
    with sqlite3.connect(tmp) as conn:
        conn.executescript(_INDEXES)
        conn.execute("INSERT INTO meta VALUES (?, 1)", [IMPLIED_FIXES])
        for layer in SCHEMAS:
            conn.execute(f"CREATE UNIQUE INDEX {quote(layer + '_uid')} ON {quote(layer)} (uid)")
    tmp.replace(path)


def migrate(path: Path) -> bool:
    """Bring a file written by an older version up to the current schema (additive).

    Returns True when the runs and sums tables were new: the caller fills them from the
    stored fixes.
    """
    with sqlite3.connect(path) as conn:  # areas from before they had a source column
        have = {r[1] for r in conn.execute('PRAGMA table_info("areas")')}
        if "source" not in have:
            conn.execute('ALTER TABLE "areas" ADD COLUMN "source" TEXT')
    layers = {name for name, _ in pyogrio.list_layers(path)}
    for layer in SCHEMAS:
        if layer not in layers:
            pyogrio.write_dataframe(
                empty_layer_frame(layer), path, layer=layer, geometry_type=_geometry_type(layer)
            )
            with sqlite3.connect(path) as conn:
                conn.execute(f"CREATE UNIQUE INDEX {quote(layer + '_uid')} ON {quote(layer)} (uid)")
            continue
        with sqlite3.connect(path) as conn:
            have = {r[1] for r in conn.execute(f"PRAGMA table_info({quote(layer)})")}
            for f in SCHEMAS[layer].fields:
                if f.name not in have:
                    kind = {"int": "INTEGER", "float": "REAL"}.get(f.kind, "TEXT")
                    conn.execute(f"ALTER TABLE {quote(layer)} ADD COLUMN {quote(f.name)} {kind}")
    fresh = "presence_runs" not in layers
    for name, spec in (("presence_runs", RUNS), ("presence_sums", SUMS)):
        if name not in layers:
            pyogrio.write_dataframe(_columns(spec), path, layer=name)
    with sqlite3.connect(path) as conn:
        conn.executescript(_INDEXES)
        _drop_point_fixes(conn)
    return fresh


def _drop_point_fixes(conn: sqlite3.Connection) -> None:
    """Files written before a point presence's fixes and runs were implied by the record
    (issue 14) hold them as rows: delete those once, in the caller's transaction."""
    if conn.execute("SELECT 1 FROM meta WHERE key = ?", [IMPLIED_FIXES]).fetchone():
        return
    rows = conn.execute("SELECT uid, geom FROM presence").fetchall()
    if rows:
        geoms = blob.decode([geom for _, geom in rows])
        points = np.flatnonzero(shapely.get_type_id(geoms) == 0)
        conn.execute("CREATE TEMP TABLE implied (uid TEXT PRIMARY KEY)")
        conn.executemany("INSERT INTO temp.implied VALUES (?)", ((rows[i][0],) for i in points))
        conn.execute("DELETE FROM presence_fixes WHERE presence_uid IN (SELECT uid FROM implied)")
        conn.execute("DELETE FROM presence_runs WHERE presence_uid IN (SELECT uid FROM implied)")
        conn.execute("DROP TABLE temp.implied")
    conn.execute("INSERT INTO meta VALUES (?, 1)", [IMPLIED_FIXES])
