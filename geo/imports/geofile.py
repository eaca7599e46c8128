"""GeoJSON, GeoPackage and zipped Shapefile → records (any CRS, reprojected to EPSG:4326).

Attribute columns are matched to the layer's fields like a table's
(:mod:`geo.imports.columns`); the geometry is taken as it is. Before GDAL parses anything
the file is measured against the upload :class:`~geo.imports.budget.Budget`: zip members
and packing ratios, feature counts (the Shapefile index, the GeoPackage's tables counted
in SQLite), and only plain tables of a GeoPackage are read – a view can compute without
end, so a GeoPackage layer that is a view is refused. GDAL's own texts never reach the user.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import WGS84
from geo.errors import ImportRejected, Message
from geo.imports.base import ImportResult, prepare
from geo.imports.budget import UNLIMITED, Budget, check_zip, over
from geo.imports.columns import candidates, guess_mapping
from geo.imports.tabular import ignored_columns
from geo.model import SCHEMAS, SpotStatus

SUFFIXES = ("geojson", "json", "gpkg", "zip")
_SQLITE_STEPS = 5_000_000  # VM steps allowed while measuring a GeoPackage (well under 1 s)


def _gpkg_layer(path: Path, filename: str, budget: Budget) -> str:
    """The first feature layer that is a plain table, its rows counted in SQLite."""
    uri = f"file:{path}?mode=ro&immutable=1"
    steps = 0

    def stop() -> int:
        nonlocal steps
        steps += 1
        return 1 if steps * 1000 > _SQLITE_STEPS else 0

    try:
        with sqlite3.connect(uri, uri=True) as conn:
            conn.set_progress_handler(stop, 1000)
            contents = conn.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'"
            ).fetchall()
            kinds = dict(conn.execute("SELECT name, type FROM sqlite_master").fetchall())
            tables = [name for (name,) in contents if kinds.get(name) == "table"]
            if not tables:
                views = [name for (name,) in contents if kinds.get(name) == "view"]
                if views:
                    raise ImportRejected("imp_gpkg_view", name=filename, layer=views[0])
                raise ImportRejected("imp_file_no_features", name=filename)
            quoted = '"' + tables[0].replace('"', '""') + '"'
            (count,) = conn.execute(f"SELECT count(*) FROM {quoted}").fetchone()
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise over("gpkg_work", _SQLITE_STEPS, _SQLITE_STEPS) from exc
        raise ImportRejected("imp_file_unreadable", name=filename) from exc
    except sqlite3.DatabaseError as exc:
        raise ImportRejected("imp_file_unreadable", name=filename) from exc
    if count > budget.max_features:
        raise over("features", int(count), budget.max_features)
    return str(tables[0])


def _read(
    source: str | Path, filename: str, budget: Budget, layer: str | None = None
) -> gpd.GeoDataFrame:
    """Count features from the file's own index, then read at most the budget's."""
    try:
        info = pyogrio.read_info(source, layer=layer)
        count = int(info.get("features", -1))
        if count > budget.max_features:
            raise over("features", count, budget.max_features)
        most = budget.max_features + 1 if budget.max_features < 2**31 - 1 else None
        return pyogrio.read_dataframe(source, layer=layer, max_features=most)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ImportRejected("imp_file_unreadable", name=filename) from exc


def read_geofile(data: bytes, filename: str, budget: Budget = UNLIMITED) -> gpd.GeoDataFrame:
    """Read a vector file from bytes within ``budget``; refuse one without CRS or features."""
    suffix = filename.lower().rsplit(".", 1)[-1]
    if suffix not in SUFFIXES:
        raise ImportRejected(
            "imp_file_type", name=filename, suffix=suffix, known=", ".join(SUFFIXES)
        )
    with tempfile.TemporaryDirectory() as tmp:
        # GDAL trusts a GeoPackage or a zip only by its name; the name is ours, not the user's
        path = Path(tmp) / f"upload.{suffix}"
        path.write_bytes(data)
        if suffix == "zip":
            names = check_zip(data, filename, budget).namelist()
            shp = [n for n in names if n.lower().endswith(".shp")]
            if not shp:
                raise ImportRejected("imp_zip_no_shp", name=filename)
            if not any(n.lower().endswith(".prj") for n in names):
                raise ImportRejected("imp_zip_no_prj", name=filename)
            frame = _read(f"/vsizip/{path}/{shp[0]}", filename, budget)
        elif suffix == "gpkg":
            frame = _read(path, filename, budget, _gpkg_layer(path, filename, budget))
        else:
            frame = _read(path, filename, budget)
    if len(frame) > budget.max_features:
        raise over("features", len(frame), budget.max_features)
    vertices = int(shapely.get_num_coordinates(frame.geometry.array).sum())
    if vertices > budget.max_vertices:
        raise over("vertices", vertices, budget.max_vertices)
    if frame.crs is None:
        raise ImportRejected("imp_file_no_crs", name=filename)
    if frame.empty:
        raise ImportRejected("imp_file_no_features", name=filename)
    return frame.to_crs(WGS84)


def prepare_geofile(
    outline: BaseGeometry | None,
    frame: gpd.GeoDataFrame,
    layer: str,
    *,
    lang: str = "sv",
    defaults: dict[str, object] | None = None,
) -> ImportResult:
    """Check a vector file's features for ``layer``."""
    if layer not in SCHEMAS or not SCHEMAS[layer].spatial:
        raise ImportRejected("imp_file_map_layer", layer=layer)
    attributes = frame.drop(columns=frame.geometry.name)
    columns = [str(c) for c in attributes.columns]
    mapping = guess_mapping(columns, layer)
    defaults = dict(defaults or {})
    notes: list[Message] = [Message("imp_note_features", {"count": len(frame)})]
    if layer == "problem_spots":
        if "status" not in mapping:
            notes.append(Message("imp_note_status_default", {"status": Message("status_new")}))
        defaults.setdefault("status", SpotStatus.NEW.value)
    missing = [
        f.name
        for f in SCHEMAS[layer].fields
        if f.required and f.name not in mapping and defaults.get(f.name) is None
    ]
    if missing:
        raise ImportRejected(
            "imp_file_missing_columns",
            missing=tuple(Message("imp_field_" + m) for m in missing),
            found=", ".join(columns),
        )
    ignored = ignored_columns(columns, mapping)
    if ignored:
        notes.append(Message("imp_note_ignored", {"columns": ", ".join(ignored)}))
    cand, _ = candidates(
        attributes, layer, mapping, first_row=1, geometry=frame.geometry, defaults=defaults
    )
    written = cand.written
    written["geometry"] = [g.wkt[:60] if g is not None else None for g in cand.records.geometry]
    labels = {k: v for k, v in mapping.items()}
    result = prepare(
        outline,
        layer,
        cand.records,
        lang=lang,
        row_numbers=np.asarray(cand.rows),
        pre_rejected=cand.rejected,
        notes=[*notes, *cand.notes],
        written=written,
        columns=labels,
        ignored_columns=ignored,
    )
    return result
