"""Data exports of the current selection: CSV, GeoJSON and GeoPackage (one layer each).

Exports carry what the snapshot's tier holds: exact positions and times for the police,
area points by week for the municipality. Tiers without raw exports (the public) get the
area × month figures on the area outlines instead. Times are written as ISO-8601 UTC.
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
from geo.snapshot import Snapshot
from geo.tiers import RECORD_META, public_area_months


def selected_layers(snap: Snapshot, filters: Filters) -> dict[str, gpd.GeoDataFrame]:
    """The records the filters select, by layer (EPSG:4326), at the snapshot's tier."""
    if not snap.tier.raw_export:
        return public_layers(snap, filters)
    p = snap.presence
    m = (p["start"] < filters.period.end) & (p["end"] >= filters.period.start)
    if filters.kinds is not None:
        m &= p["kind"].isin(filters.kinds)
    if filters.areas:
        m &= p["area_id"].isin(filters.areas)
    return {"presence": p[m], "problem_spots": filter_spots(snap, filters), "roads": snap.roads}


def public_layers(snap: Snapshot, filters: Filters) -> dict[str, gpd.GeoDataFrame]:
    """Public export: area × month figures on the area outlines, generalised spots, roads."""
    months = public_area_months(snap, filters)
    outlines = snap.areas[["id", "geometry"]].rename(columns={"id": "area_id"})
    by_month = outlines.merge(months, on="area_id", how="inner")
    for column in ("visits", "controls"):
        by_month[column] = pd.array(by_month[column], "Int64")
    spots = filter_spots(snap, filters)
    roads = snap.roads.drop(columns=list(RECORD_META), errors="ignore")
    return {"presence_area_month": by_month, "problem_spots": spots, "roads": roads}


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
