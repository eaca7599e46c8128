"""A new geography from the current one and a user's file, for one layer.

- ``outline``: the file's feature for the municipality code (or its only feature) becomes
  the outline; localities are clipped to it, countryside zones clipped and widened to fill
  it;
- ``localities``: the file's polygons in the municipality (by code column, else by lying
  inside the outline) become the localities; ids come from the names (``Diö`` -> ``dio``),
  so places keep their ids; built-in localities the file does not cover are kept;
- ``zones``: the file's polygons become the countryside zones (``land_<name>``), fitted to
  the outline around the localities;
- ``roads``: the file's lines, clipped to the outline, become the through-traffic roads with
  the road number and heavy vehicles per day from the chosen columns.

All in EPSG:4326; areas measured in EPSG:3006 where sizes matter.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.areas import area_km2
from geo.crs import WGS84
from geo.errors import LayerFileError
from geo.geography.shapes import tile_zones
from geo.layers.columns import code_values, missing_roles, normalise
from geo.layers.read import LayerFile, lines, polygons
from geo.model import AreaKind


@dataclass
class NewGeography:
    """What accepting would store: areas in priority order, outline, roads (None: kept)."""

    layer: str
    areas: gpd.GeoDataFrame
    outline: BaseGeometry
    roads: gpd.GeoDataFrame | None
    source: str


def _source(lf: LayerFile) -> str:
    return f"{lf.filename} ({lf.source_crs})"


def _pick_municipality(
    frame: gpd.GeoDataFrame, mapping: dict[str, str | None], code: str, outline: BaseGeometry
) -> gpd.GeoDataFrame:
    """Features of the municipality: by the code column, else those lying in the outline."""
    column = mapping.get("code")
    if column:
        kept = frame[(code_values(frame[column]) == code).to_numpy()]
        if kept.empty:
            raise LayerFileError(
                f"no feature has {column} = {code}", "geo_err_code_absent", column=column, code=code
            )
        return kept
    inside = shapely.intersects(outline, frame.geometry.representative_point().array)
    kept = frame[np.asarray(inside)]
    if kept.empty:
        raise LayerFileError("no feature lies in the municipality", "geo_err_none_inside")
    return kept


def new_outline(
    lf: LayerFile, mapping: dict[str, str | None], code: str, areas: gpd.GeoDataFrame
) -> NewGeography:
    """The file's municipality as outline; current areas fitted into it."""
    from geo.areas import areas_for_outline

    frame = polygons(lf)
    if len(frame) > 1:
        if not mapping.get("code"):
            raise LayerFileError(
                f"{len(frame)} features: choose the column with the municipality code",
                "geo_err_need_code",
                n=len(frame),
            )
        frame = _pick_municipality(frame, mapping, code, shapely.Polygon())
    outline = shapely.make_valid(shapely.union_all(frame.geometry.array))
    return NewGeography("outline", areas_for_outline(outline, areas), outline, None, _source(lf))


def _slug(name: str) -> str:
    return normalise(name) or "area"


def _number(value: object) -> int | None:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return None if pd.isna(number) else int(round(float(number)))


def _by_name(
    frame: gpd.GeoDataFrame, name_col: str, extra: str | None
) -> list[tuple[str, BaseGeometry, int | None]]:
    """(name, geometry, sum of ``extra``) per distinct name: parts of one place merged."""
    out = []
    for name, group in frame.groupby(frame[name_col].astype(str).str.strip(), sort=False):
        geom = shapely.make_valid(shapely.union_all(group.geometry.array))
        values = [v for v in (_number(x) for x in group[extra]) if v is not None] if extra else []
        out.append((str(name), geom, sum(values) if values else None))
    return out


def _check(layer: str, mapping: dict[str, str | None]) -> None:
    missing = missing_roles(layer, mapping)
    if missing:
        raise LayerFileError(
            f"choose the column for: {', '.join(missing)}", "geo_err_need_column", roles=missing
        )


def new_localities(
    lf: LayerFile,
    mapping: dict[str, str | None],
    code: str,
    areas: gpd.GeoDataFrame,
    outline: BaseGeometry,
    *,
    year: int | None = None,
    keep_unmatched: bool = True,
) -> NewGeography:
    """The file's polygons as localities; zones refitted around them."""
    _check("localities", mapping)
    frame = _pick_municipality(polygons(lf), mapping, code, outline)
    old = areas.set_index("id", drop=False)
    old_locs = areas[areas["kind"] != AreaKind.COUNTRYSIDE]
    town = old_locs[old_locs["kind"] == AreaKind.TOWN]
    rows = []
    for name, geom, pop in _by_name(frame, str(mapping["name"]), mapping.get("population")):
        geom = geom.intersection(outline)
        if geom.is_empty or geom.area == 0:
            continue
        aid = _slug(name)
        prev = old.loc[aid] if aid in old.index else None
        if pop is not None:
            people = dict(population=pop, population_year=year, population_estimated=0)
        elif prev is not None:  # the same place: its known figure stays
            people = {k: prev[k] for k in ("population", "population_year", "population_estimated")}
        else:
            people = dict(population=None, population_year=None, population_estimated=0)
        rows.append(
            dict(
                id=aid,
                name=name,
                kind=AreaKind.VILLAGE.value,
                **people,
                approximate=0,
                note="",
                source=_source(lf),
                geometry=geom,
            )
        )
    if not rows:
        raise LayerFileError("no locality lies in the municipality", "geo_err_none_inside")
    new = gpd.GeoDataFrame(rows, crs=WGS84)
    # The town: the new locality covering most of the current town, else the most populous.
    if len(town):
        overlap = shapely.area(shapely.intersection(new.geometry.array, town.geometry.iloc[0]))
        best = int(np.argmax(overlap)) if overlap.max() > 0 else None
    else:
        best = None
    if best is None:
        best = int(np.argmax(new["population"].fillna(0).to_numpy(dtype=float)))
    new.loc[best, "kind"] = AreaKind.TOWN.value
    if keep_unmatched:
        covered = shapely.union_all(new.geometry.array)
        kept = old_locs[~old_locs["id"].isin(new["id"]) & ~old_locs.geometry.intersects(covered)]
        new = pd.concat([new, kept.assign(kind=AreaKind.VILLAGE.value)], ignore_index=True)
    new = new.sort_values("kind", key=lambda k: k != AreaKind.TOWN.value, kind="stable")
    zones = areas[areas["kind"] == AreaKind.COUNTRYSIDE]
    return NewGeography("localities", _with_zones(new, zones, outline), outline, None, _source(lf))


def _with_zones(
    locs: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, outline: BaseGeometry
) -> gpd.GeoDataFrame:
    """Localities then ``zones`` refitted around them (countryside population kept, split
    again by area where a zone changed)."""
    fitted = tile_zones(
        outline, dict(zip(zones["id"], zones.geometry, strict=True)), list(locs.geometry)
    )
    kept = zones[zones["id"].isin(list(fitted))].copy()
    kept["geometry"] = [fitted[i] for i in kept["id"]]
    return gpd.GeoDataFrame(pd.concat([locs, kept], ignore_index=True), crs=WGS84).reset_index(
        drop=True
    )


def new_zones(
    lf: LayerFile,
    mapping: dict[str, str | None],
    code: str,
    areas: gpd.GeoDataFrame,
    outline: BaseGeometry,
) -> NewGeography:
    """The file's polygons as countryside zones, fitted to the outline around the
    localities; the current countryside population is split over them by area."""
    _check("zones", mapping)
    frame = _pick_municipality(polygons(lf), mapping, code, outline)
    locs = areas[areas["kind"] != AreaKind.COUNTRYSIDE]
    parts = _by_name(frame, str(mapping["name"]), None)
    zones = {f"land_{_slug(n)}": g for n, g, _ in parts}
    names = {f"land_{_slug(n)}": n for n, _, _ in parts}
    fitted = tile_zones(outline, zones, list(locs.geometry))
    old = areas[areas["kind"] == AreaKind.COUNTRYSIDE]
    people = pd.to_numeric(old["population"], errors="coerce").sum()
    rows = [
        dict(
            id=zid,
            name=names[zid]
            if names[zid].lower().startswith("landsbygd")
            else f"Landsbygd {names[zid]}",
            kind=AreaKind.COUNTRYSIDE.value,
            population=None,
            population_year=None,
            population_estimated=1,
            approximate=0,
            note="",
            source=_source(lf),
            geometry=geom,
        )
        for zid, geom in fitted.items()
    ]
    new = gpd.GeoDataFrame(rows, crs=WGS84)
    if people > 0 and len(new):
        km2 = area_km2(new)
        new["population"] = (people * km2 / km2.sum()).round(-1).astype(int).to_numpy()
        years = pd.to_numeric(old["population_year"], errors="coerce").dropna()
        new["population_year"] = int(years.max()) if len(years) else None
    return NewGeography(
        "zones",
        gpd.GeoDataFrame(pd.concat([locs, new], ignore_index=True), crs=WGS84),
        outline,
        None,
        _source(lf),
    )


def new_roads(
    lf: LayerFile,
    mapping: dict[str, str | None],
    code: str,
    areas: gpd.GeoDataFrame,
    outline: BaseGeometry,
) -> NewGeography:
    """The file's lines, clipped to the outline, as through-traffic road records."""
    _check("roads", mapping)
    frame = lines(lf)
    if mapping.get("code"):
        frame = _pick_municipality(frame, mapping, code, outline)
    # Clipped a centimetre inside, so that cut ends do not round to just outside.
    clipped = shapely.intersection(frame.geometry.array, outline.buffer(-1e-7))
    rows = []
    road_col, heavy_col = str(mapping["road"]), mapping.get("heavy")
    locs = areas[areas["kind"] != AreaKind.COUNTRYSIDE]
    for (_, src), geom in zip(frame.iterrows(), clipped, strict=True):
        for part in shapely.get_parts(shapely.line_merge(geom) if not geom.is_empty else geom):
            if part.geom_type != "LineString" or part.length == 0:
                continue
            heavy = _number(src[heavy_col]) if heavy_col else None
            road = "" if pd.isna(src[road_col]) else str(src[road_col]).strip()
            rows.append(
                dict(
                    uid=_road_uid(road, part),
                    road=road or "–",
                    locality=_locality_of(part, locs, areas),
                    heavy_per_day=heavy,
                    heavy_per_day_is_example=0,
                    note=f"{_source(lf)}, feature {src['part_of']}",
                    geometry=part,
                )
            )
    if not rows:
        raise LayerFileError("no road line lies in the municipality", "geo_err_none_inside")
    roads = gpd.GeoDataFrame(rows, crs=WGS84).drop_duplicates("uid")
    return NewGeography("roads", areas, outline, roads, _source(lf))


def _road_uid(road: str, line: BaseGeometry) -> str:
    digest = hashlib.sha256(f"{road}\x1f{shapely.to_wkb(line, hex=True)}".encode()).hexdigest()
    return f"road-{digest[:20]}"


def _locality_of(line: BaseGeometry, locs: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> str:
    """The locality the line passes (the nearest within 1.5 km), else the area it runs in."""
    if len(locs):
        dist = shapely.distance(locs.geometry.array, line)
        near = int(np.argmin(dist))
        if dist[near] < 0.02:  # degrees: about 1.5 km here
            return str(locs["name"].iloc[near])
    length = shapely.length(shapely.intersection(areas.geometry.array, line))
    return str(areas["name"].iloc[int(np.argmax(length))])


def build_new(
    layer: str,
    lf: LayerFile,
    mapping: dict[str, str | None],
    code: str,
    areas: gpd.GeoDataFrame,
    outline: BaseGeometry,
    *,
    year: int | None = None,
    keep_unmatched: bool = True,
) -> NewGeography:
    """The geography after replacing ``layer`` (one of ``outline``, ``localities``,
    ``zones``, ``roads``) from ``lf`` with the columns in ``mapping``."""
    if layer == "outline":
        return new_outline(lf, mapping, code, areas)
    if layer == "localities":
        return new_localities(
            lf, mapping, code, areas, outline, year=year, keep_unmatched=keep_unmatched
        )
    if layer == "zones":
        return new_zones(lf, mapping, code, areas, outline)
    if layer == "roads":
        return new_roads(lf, mapping, code, areas, outline)
    raise ValueError(f"unknown layer {layer!r}")
