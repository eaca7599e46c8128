"""Data exports of the current selection: CSV, GeoJSON and GeoPackage (one layer each).

Exports carry what the snapshot's tier holds: exact positions and times for the police;
for the coarse tiers their published cells (area × week for the municipality, area ×
month for the public) on the area outlines. Times are written as ISO-8601 UTC.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.filters import Filters
from geo.mapview.layers import filter_spots
from geo.publish import export_cells
from geo.snapshot import Snapshot
from geo.tiers import RECORD_META


def selected_layers(snap: Snapshot, filters: Filters) -> dict[str, gpd.GeoDataFrame]:
    """The records the filters select, by layer (EPSG:4326), at the snapshot's tier."""
    if not snap.tier.exact_presence:
        return published_layers(snap, filters)
    p = snap.presence
    m = (p["start"] < filters.period.end) & (p["end"] >= filters.period.start)
    if filters.kinds is not None:
        m &= p["kind"].isin(filters.kinds)
    if filters.areas:
        m &= p["area_id"].isin(filters.areas)
    return {"presence": p[m], "problem_spots": filter_spots(snap, filters), "roads": snap.roads}


def published_layers(snap: Snapshot, filters: Filters) -> dict[str, gpd.GeoDataFrame]:
    """A coarse tier's export: its published cells (presence and controls per area and
    week or month, on the area outlines), its problem spots and the roads."""
    spots = filter_spots(snap, filters)
    roads = snap.roads.drop(columns=list(RECORD_META), errors="ignore")
    return {**export_cells(snap, filters), "problem_spots": spots, "roads": roads}


def _plain(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


def to_geopackage(layers: dict[str, gpd.GeoDataFrame]) -> bytes:
    """One GeoPackage with a layer per dataset (empty layers are left out)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.gpkg"
        for name, frame in layers.items():
            if len(frame):
                gtype = "Unknown" if frame.geom_type.nunique() > 1 else None
                pyogrio.write_dataframe(_plain(frame), path, layer=name, geometry_type=gtype)
        return path.read_bytes() if path.exists() else b""


def to_geojson_zip(layers: dict[str, gpd.GeoDataFrame]) -> bytes:
    """A zip with one GeoJSON file per dataset."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, frame in layers.items():
            z.writestr(f"{name}.geojson", _plain(frame).to_json(drop_id=True, ensure_ascii=False))
    return buf.getvalue()


def to_csv_zip(layers: dict[str, gpd.GeoDataFrame]) -> bytes:
    """A zip with one CSV per dataset; geometry as WKT in EPSG:4326."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, frame in layers.items():
            plain = pd.DataFrame(_plain(frame))
            plain["geometry"] = frame.geometry.to_wkt(rounding_precision=6)
            z.writestr(f"{name}.csv", plain.to_csv(index=False))
    return buf.getvalue()
