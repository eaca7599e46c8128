"""Read a file that is to replace a geography layer: GeoJSON, GeoPackage or zipped
Shapefile, in any coordinate system (read from the file; a file without one is refused),
reprojected to EPSG:4326.

For polygon layers (outline, localities, zones) closed LineStrings and MultiLineStrings are
taken as rings; an open line is refused with the feature's number. Size and work are
limited: the upload's bytes, a zip's unpacked size, features and vertices.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import WGS84
from geo.errors import LayerFileError

SUFFIXES = ("geojson", "json", "gpkg", "zip")
POLYGON_LAYERS = ("outline", "localities", "zones")
LAYERS = (*POLYGON_LAYERS, "roads")
MAX_FEATURES = 50_000
MAX_VERTICES = 5_000_000


@dataclass
class LayerFile:
    """A read file: features in EPSG:4326, the CRS they came in, what the file held."""

    filename: str
    frame: gpd.GeoDataFrame
    source_crs: str
    layer_names: list[str]
    layer_name: str

    @property
    def columns(self) -> list[str]:
        """Attribute columns (no geometry)."""
        return [c for c in self.frame.columns if c != "geometry"]


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f}"


def _check_zip(data: bytes, filename: str, limit_mb: int) -> None:
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile as exc:
        raise LayerFileError(f"{filename} is not a zip file", "geo_err_not_zip") from exc
    names = [i.filename.lower() for i in infos]
    if not any(n.endswith(".shp") for n in names):
        raise LayerFileError(f"{filename} holds no .shp file", "geo_err_no_shp")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > limit_mb * 1024 * 1024 * 4:
        raise LayerFileError(
            f"{filename} unpacks to {_mb(unpacked)} MB; the limit is {limit_mb * 4} MB",
            "geo_err_too_big",
            size=_mb(unpacked),
            limit=limit_mb * 4,
        )


def read_layer_file(
    data: bytes, filename: str, *, limit_mb: int = 50, layer_name: str | None = None
) -> LayerFile:
    """Read ``data`` (the bytes of ``filename``); one layer of it (``layer_name``, or the
    only/first one with geometry). Raises :class:`LayerFileError` with a translatable key."""
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix not in SUFFIXES:
        raise LayerFileError(
            f"{filename}: '.{suffix}' is not a map file (GeoJSON, GeoPackage, zipped Shapefile)",
            "geo_err_suffix",
            suffix=suffix,
        )
    if len(data) > limit_mb * 1024 * 1024:
        raise LayerFileError(
            f"{filename} is {_mb(len(data))} MB; the limit is {limit_mb} MB",
            "geo_err_too_big",
            size=_mb(len(data)),
            limit=limit_mb,
        )
    if not data.strip():
        raise LayerFileError(f"{filename} is empty", "geo_err_empty")
    if suffix == "zip":
        _check_zip(data, filename, limit_mb)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload.{suffix}"  # GDAL trusts a GeoPackage by its name
        path.write_bytes(data)
        source = f"/vsizip/{path}" if suffix == "zip" else str(path)
        try:
            layers = pyogrio.list_layers(source)
        except pyogrio.errors.DataSourceError as exc:
            raise LayerFileError(
                f"{filename} could not be read: {exc}", "geo_err_unreadable", detail=str(exc)
            ) from exc
        spatial = [str(n) for n, g in layers if g is not None]
        if not spatial:
            raise LayerFileError(f"{filename} holds no map layer", "geo_err_no_layer")
        chosen = layer_name if layer_name in spatial else spatial[0]
        info = pyogrio.read_info(source, layer=chosen)
        if not info.get("crs"):
            raise LayerFileError(
                f"{filename} has no coordinate system (a shapefile needs its .prj)",
                "geo_err_no_crs",
            )
        if int(info.get("features") or 0) > MAX_FEATURES:
            raise LayerFileError(
                f"{filename} has {info['features']} features; the limit is {MAX_FEATURES}",
                "geo_err_too_many",
                n=info["features"],
                limit=MAX_FEATURES,
            )
        frame = pyogrio.read_dataframe(source, layer=chosen)
    if frame.empty:
        raise LayerFileError(f"{filename} has no features", "geo_err_empty")
    if shapely.get_num_coordinates(frame.geometry.array).sum() > MAX_VERTICES:
        raise LayerFileError(
            f"{filename} has more than {MAX_VERTICES} vertices",
            "geo_err_too_many_vertices",
            limit=MAX_VERTICES,
        )
    crs = frame.crs
    label = f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else crs.name
    return LayerFile(filename, frame.to_crs(WGS84), label, spatial, chosen)


def _ring_polygon(geom: BaseGeometry) -> BaseGeometry | None:
    """A polygon from closed (Multi)LineStrings (each closed line one ring; rings inside
    others become holes through make_valid's even-odd rule); None if a line is open."""
    lines = shapely.get_parts(shapely.line_merge(geom) if geom.geom_type != "LineString" else geom)
    if any(not line.is_closed or len(line.coords) < 4 for line in lines):
        return None
    polys = [shapely.Polygon(line.coords) for line in lines]
    merged = polys[0]
    for p in polys[1:]:
        merged = merged.symmetric_difference(p)
    return shapely.make_valid(merged)


def polygons(layer_file: LayerFile) -> gpd.GeoDataFrame:
    """The file's features as valid (Multi)Polygons (EPSG:4326); closed lines taken as
    rings. Raises :class:`LayerFileError` naming the first feature that is no area."""
    frame = layer_file.frame.copy()
    out: list[BaseGeometry] = []
    for pos, geom in enumerate(frame.geometry, 1):
        if geom is None or geom.is_empty:
            raise LayerFileError(f"feature {pos} has no geometry", "geo_err_no_geometry", n=pos)
        kind = geom.geom_type
        if kind in ("Polygon", "MultiPolygon"):
            poly: BaseGeometry | None = shapely.make_valid(geom)
        elif kind in ("LineString", "MultiLineString", "LinearRing"):
            poly = _ring_polygon(geom)
            if poly is None:
                raise LayerFileError(
                    f"feature {pos}: the line is not closed, so it bounds no area",
                    "geo_err_open_line",
                    n=pos,
                )
        else:
            raise LayerFileError(
                f"feature {pos}: a {kind} is not an area", "geo_err_not_area", n=pos, kind=kind
            )
        out.append(_only_polygons(poly))
    frame["geometry"] = out
    return frame.set_geometry("geometry", crs=WGS84)


def _only_polygons(geom: BaseGeometry | None) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def lines(layer_file: LayerFile) -> gpd.GeoDataFrame:
    """The file's features as single LineStrings (EPSG:4326), multi-lines split into their
    parts (``part_of`` keeps the 1-based feature number). Refuses non-line features."""
    frame = layer_file.frame.reset_index(drop=True)
    kinds = frame.geometry.geom_type.to_numpy()
    bad = np.flatnonzero(~np.isin(kinds, ["LineString", "MultiLineString"]))
    if bad.size:
        pos = int(bad[0]) + 1
        raise LayerFileError(
            f"feature {pos}: a {kinds[bad[0]]} is not a road line",
            "geo_err_not_line",
            n=pos,
            kind=kinds[bad[0]],
        )
    frame = frame.assign(part_of=np.arange(1, len(frame) + 1))
    return frame.explode(index_parts=False).reset_index(drop=True)
