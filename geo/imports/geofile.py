"""GeoJSON, GeoPackage and zipped Shapefile → records (any CRS, reprojected to EPSG:4326).

Attribute columns are matched to the layer's fields like a table's (see
:mod:`geo.imports.tabular`); the geometry is taken as it is.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.crs import WGS84
from geo.errors import ImportRejected
from geo.imports.base import ImportResult, prepare, records_frame, rejection, stable_uid
from geo.imports.tabular import _labels, _plain, _when, guess_mapping
from geo.model import SCHEMAS
from geo.store.base import Store

SUFFIXES = ("geojson", "json", "gpkg", "zip")


def read_geofile(data: bytes, filename: str) -> gpd.GeoDataFrame:
    """Read a vector file from bytes; refuse one without CRS or features."""
    suffix = filename.lower().rsplit(".", 1)[-1]
    if suffix not in SUFFIXES:
        raise ImportRejected(f"{filename}: '.{suffix}' is not a supported map file")
    if suffix == "zip":
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile as exc:
            raise ImportRejected(f"{filename} is not a zip file") from exc
        if not any(n.lower().endswith(".shp") for n in names):
            raise ImportRejected(f"{filename} holds no .shp file")
        if not any(n.lower().endswith(".prj") for n in names):
            raise ImportRejected(f"{filename}: the shapefile has no .prj (coordinate system)")
    try:
        if suffix == "gpkg":  # GDAL wants a .gpkg name to trust a GeoPackage
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "upload.gpkg"
                path.write_bytes(data)
                frame = pyogrio.read_dataframe(path)
        else:
            frame = pyogrio.read_dataframe(io.BytesIO(data))
    except pyogrio.errors.DataSourceError as exc:
        raise ImportRejected(f"{filename} could not be read: {exc}") from exc
    if frame.crs is None:
        raise ImportRejected(f"{filename} has no coordinate system")
    if frame.empty:
        raise ImportRejected(f"{filename} has no features")
    return frame.to_crs(WGS84)


def prepare_geofile(store: Store, frame: gpd.GeoDataFrame, layer: str) -> ImportResult:
    """Check a vector file's features for ``layer``."""
    if layer not in SCHEMAS or not SCHEMAS[layer].spatial:
        raise ImportRejected(f"map files cannot be imported as {layer}")
    schema = SCHEMAS[layer]
    mapping = guess_mapping([c for c in frame.columns if c != "geometry"], layer)
    missing = [f.name for f in schema.fields if f.required and f.name not in mapping]
    if missing:
        raise ImportRejected("missing columns: " + ", ".join(missing))
    rows, numbers, rejected = [], [], []
    for pos in range(len(frame)):
        src, line = frame.iloc[pos], pos + 1
        record: dict[str, object] = {"geometry": frame.geometry.iloc[pos]}
        try:
            for f in schema.fields:
                value = src[mapping[f.name]] if f.name in mapping else None
                if value is not None and not (not isinstance(value, str) and pd.isna(value)):
                    if f.kind == "datetime" and not isinstance(value, pd.Timestamp):
                        value = _when(value)
                    elif f.kind == "enum":
                        value = _labels(f.name).get(_plain(value), str(value))
                record[f.name] = value
        except (ValueError, TypeError) as exc:
            rejected.append(rejection(line, f.name, f"'{value}' is not a date and time: {exc}"))
            continue
        given = src[mapping["uid"]] if "uid" in mapping else None
        record["uid"] = (
            str(given)
            if given is not None and not pd.isna(given)
            else stable_uid(
                layer,
                *[record.get(f) for f in schema.field_names],
                record["geometry"].wkt,  # type: ignore[attr-defined]
            )
        )
        rows.append(record)
        numbers.append(line)
    records = records_frame(rows)
    return prepare(
        store,
        layer,
        records,
        row_numbers=numbers,
        pre_rejected=rejected,
        notes=[f"{len(frame)} features read"],
    )
