"""Record schemas, categories and statuses of every layer, and their validation.

All layers are stored in WGS84 (EPSG:4326); times are timezone-aware and stored in UTC,
shown in Europe/Stockholm. Validation turns an input frame into a clean frame or raises one
:class:`~geo.errors.ValidationError` naming the record and the field.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import WGS84
from geo.errors import ValidationError

LOCAL_TZ = "Europe/Stockholm"


class AreaKind(StrEnum):
    TOWN = "town"
    VILLAGE = "village"
    COUNTRYSIDE = "countryside"


class PresenceKind(StrEnum):
    CAR_PATROL = "car_patrol"
    FOOT_PATROL = "foot_patrol"
    TRAFFIC_CONTROL = "traffic_control"
    OTHER = "other"


class ControlType(StrEnum):
    SPEED = "speed"
    ALCOHOL_DRUGS = "alcohol_drugs"
    HEAVY_VEHICLES = "heavy_vehicles"
    GENERAL = "general"


class SpotCategory(StrEnum):
    NARCOTICS = "narcotics"
    BURGLARY = "burglary"
    SPEEDING = "speeding"
    HEAVY_TRAFFIC = "heavy_traffic"
    UNSAFE_PLACE = "unsafe_place"
    VANDALISM = "vandalism"
    YOUTH_DISTURBANCE = "youth_disturbance"
    OTHER = "other"


class LocationPrecision(StrEnum):
    """How exact a stored location is. ``municipality``: only the municipality is known
    (Polisen's feed gives the municipality centre), so no area is assigned. ``area``: a
    track past its retention time, reduced to its stays per area (geo.retention)."""

    EXACT = "exact"
    AREA = "area"
    MUNICIPALITY = "municipality"


class SpotStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ACTION_PLANNED = "action_planned"
    DONE = "done"


@dataclass(frozen=True)
class Field:
    """One attribute of a layer.

    ``kind`` is one of ``text``, ``int``, ``float``, ``datetime`` (tz-aware, stored UTC),
    ``date`` (calendar date) or ``enum`` (one of ``choices``).
    """

    name: str
    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None


@dataclass(frozen=True)
class LayerSchema:
    """The fields and geometry rule of one stored layer."""

    name: str
    fields: tuple[Field, ...]
    geometry_types: tuple[str, ...]  # empty: no geometry (attribute table)
    geometry_required: bool = True
    has_area: bool = False  # area_id assigned from the geometry when written

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def spatial(self) -> bool:
        return bool(self.geometry_types)


def _enum(name: str, enum: type[StrEnum], required: bool = True) -> Field:
    return Field(name, "enum", required, tuple(e.value for e in enum))


SCHEMAS: dict[str, LayerSchema] = {
    s.name: s
    for s in (
        LayerSchema(
            "presence",
            (
                _enum("kind", PresenceKind),
                Field("start", "datetime", True),
                Field("end", "datetime", True),
                Field("unit", "text"),
                Field("note", "text"),
                Field("control_type", "enum", False, tuple(c.value for c in ControlType)),
                Field("vehicles_checked", "int", minimum=0),
                Field("violations", "int", minimum=0),
                Field("source", "text"),
                Field(
                    "location_precision", "enum", False, tuple(p.value for p in LocationPrecision)
                ),
            ),
            ("Point", "LineString"),
            has_area=True,
        ),
        LayerSchema(
            "incidents",
            (
                Field("type", "text", True),
                Field("time", "datetime", True),
                Field("title", "text"),
                Field("summary", "text"),
                Field("url", "text"),
                _enum("location_precision", LocationPrecision),
                Field("source", "text"),
            ),
            ("Point",),
            has_area=True,
        ),
        LayerSchema(
            "problem_spots",
            (
                _enum("category", SpotCategory),
                Field("description", "text", True),
                Field("dialogue_uid", "text"),
                Field("reported", "date", True),
                Field("residents", "int", minimum=1),
                _enum("status", SpotStatus),
                Field("response", "text"),
            ),
            ("Point",),
            has_area=True,
        ),
        LayerSchema(
            "roads",
            (
                Field("road", "text", True),
                Field("locality", "text", True),
                Field("heavy_per_day", "int", minimum=0),
                Field("heavy_per_day_is_example", "int", minimum=0),
                Field("note", "text"),
            ),
            ("LineString",),
        ),
        LayerSchema(
            "dialogues",
            (
                Field("date", "date", True),
                Field("place", "text", True),
                Field("participants", "int", minimum=0),
                Field("organisers", "text"),
                Field("note", "text"),
            ),
            ("Point",),
            geometry_required=False,
        ),
        LayerSchema(
            "activities",
            (
                Field("date", "date", True),
                Field("kind", "text", True),
                Field("focus", "text", True),
                Field("target_group", "text"),
                Field("partners", "text"),
                Field("place", "text"),
                Field("note", "text"),
            ),
            ("Point",),
            geometry_required=False,
        ),
        LayerSchema(
            "promises",
            (
                Field("year", "int", True, minimum=2000),
                Field("commitments", "text", True),
                Field("signed_by", "text"),
            ),
            (),
        ),
        # Weekly patrol plans (geo.plan): one JSON document per ISO week, police only.
        LayerSchema(
            "plans",
            (
                Field("week", "text", True),
                Field("seed", "int", True, minimum=0),
                Field("document", "text", True),
            ),
            (),
        ),
    )
}

LAYERS: tuple[str, ...] = tuple(SCHEMAS)


def new_uid() -> str:
    """A fresh record id (UUID4 hex)."""
    return uuid.uuid4().hex


def _row_label(frame: pd.DataFrame, pos: int) -> object:
    """The record label used in messages: its uid if it has one, else the 1-based row."""
    if "uid" in frame.columns:
        value = frame["uid"].iloc[pos]
        if isinstance(value, str) and value:
            return value
    return pos + 1


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if value is pd.NaT or (not isinstance(value, str) and pd.isna(value) is True):
        return True
    return isinstance(value, str) and not value.strip()


def _to_utc(layer: str, label: object, name: str, value: object) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValidationError(layer, label, name, f"'{value}' is not a date and time") from exc
    if ts.tzinfo is None:
        raise ValidationError(layer, label, name, "time has no time zone (give e.g. +01:00 or UTC)")
    return ts.tz_convert("UTC")


def _to_date(layer: str, label: object, name: str, value: object) -> str:
    try:
        return pd.Timestamp(value).date().isoformat()
    except (ValueError, TypeError) as exc:
        raise ValidationError(layer, label, name, f"'{value}' is not a date") from exc


def _check_geometry(
    layer: str,
    schema: LayerSchema,
    label: object,
    geom: BaseGeometry | None,
    outline: BaseGeometry | None,
) -> None:
    if geom is None or geom.is_empty:
        if schema.geometry_required:
            raise ValidationError(layer, label, "geometry", "a location is required")
        return
    if geom.geom_type not in schema.geometry_types:
        allowed = " or ".join(schema.geometry_types)
        raise ValidationError(
            layer, label, "geometry", f"{geom.geom_type} given, {allowed} expected"
        )
    coords = shapely.get_coordinates(geom)
    lon, lat = coords[:, 0], coords[:, 1]
    if (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
        raise ValidationError(
            layer,
            label,
            "geometry",
            "coordinates are not degrees (SWEREF 99 TM metres given as lon/lat?)",
        )
    if outline is None:
        return
    inside = shapely.intersects_xy(outline, lon, lat)
    if inside.all():
        return
    first = int(np.argmin(inside))
    if shapely.intersects_xy(outline, lat[first], lon[first]):
        raise ValidationError(
            layer,
            label,
            "geometry",
            f"latitude and longitude look swapped ({lat[first]:.5f}, {lon[first]:.5f} "
            "lies outside; swapped it lies inside Älmhult municipality)",
        )
    raise ValidationError(
        layer,
        label,
        "geometry",
        f"point lon {lon[first]:.5f}, lat {lat[first]:.5f} lies outside Älmhult municipality",
    )


def _field_value(layer: str, label: object, f: Field, value: object) -> object:
    """One field's normalised value, or a ValidationError naming it."""
    if _is_blank(value):
        if f.required:
            raise ValidationError(layer, label, f.name, "a value is required")
        return None
    if f.kind == "enum":
        text = str(value).strip()
        if text not in f.choices:
            raise ValidationError(
                layer, label, f.name, f"unknown value '{text}' (allowed: {', '.join(f.choices)})"
            )
        return text
    if f.kind == "int":
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ValidationError(layer, label, f.name, f"'{value}' is not a whole number") from exc
        if not number.is_integer():
            raise ValidationError(layer, label, f.name, f"'{value}' is not a whole number")
        if f.minimum is not None and number < f.minimum:
            raise ValidationError(
                layer, label, f.name, f"{int(number)} is below the minimum {f.minimum:g}"
            )
        return int(number)
    if f.kind == "float":
        return float(value)  # type: ignore[arg-type]
    if f.kind == "datetime":
        return _to_utc(layer, label, f.name, value)
    if f.kind == "date":
        return _to_date(layer, label, f.name, value)
    return str(value)


def _validate_row(
    layer: str, schema: LayerSchema, frame: pd.DataFrame, pos: int, outline: BaseGeometry | None
) -> dict[str, object]:
    """The normalised values of row ``pos``, or the first ValidationError in it."""
    label = _row_label(frame, pos)
    row = frame.iloc[pos]
    values = {
        f.name: _field_value(layer, label, f, row[f.name] if f.name in frame.columns else None)
        for f in schema.fields
    }
    if "start" in values and "end" in values and values["end"] < values["start"]:  # type: ignore[operator]
        raise ValidationError(
            layer, label, "end", f"end {values['end']} is before start {values['start']}"
        )
    if layer == "presence":
        checked, found = values["vehicles_checked"], values["violations"]
        if checked is not None and found is not None and found > checked:  # type: ignore[operator]
            raise ValidationError(
                layer,
                label,
                "violations",
                f"{found} violations but only {checked} vehicles checked",
            )
    if schema.spatial:
        _check_geometry(layer, schema, label, frame.geometry.iloc[pos], outline)
    uid = frame["uid"].iloc[pos] if "uid" in frame.columns else None
    values["uid"] = uid if isinstance(uid, str) and uid else new_uid()
    return values


def _prepare(layer: str, frame: pd.DataFrame) -> tuple[LayerSchema, pd.DataFrame]:
    """Checks that concern the whole input: layer, emptiness, CRS, required columns."""
    if layer not in SCHEMAS:
        raise ValidationError(layer, "-", "layer", f"unknown layer (known: {', '.join(LAYERS)})")
    schema = SCHEMAS[layer]
    if len(frame) == 0:
        raise ValidationError(layer, "-", "-", "no records given")
    frame = frame.reset_index(drop=True)
    if schema.spatial:
        if not isinstance(frame, gpd.GeoDataFrame):
            raise ValidationError(layer, 1, "geometry", "records carry no geometry")
        if frame.crs is None:
            raise ValidationError(layer, 1, "geometry", "no coordinate reference system given")
        if frame.crs != WGS84:
            frame = frame.to_crs(WGS84)
    for f in schema.fields:
        if f.required and f.name not in frame.columns:
            raise ValidationError(layer, 1, f.name, "required column is missing")
    return schema, frame


def _assemble(
    schema: LayerSchema, rows: list[dict[str, object]], geoms: np.ndarray | None
) -> gpd.GeoDataFrame | pd.DataFrame:
    data = pd.DataFrame(rows, columns=["uid", *schema.field_names])
    for f in schema.fields:
        if f.kind == "datetime":
            data[f.name] = pd.to_datetime(data[f.name], utc=True)
        elif f.kind == "int":
            data[f.name] = data[f.name].astype("Int64")
    if schema.spatial:
        return gpd.GeoDataFrame(data, geometry=geoms, crs=WGS84)
    return data


def validate(
    layer: str, frame: pd.DataFrame, outline: BaseGeometry | None = None
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Validate and normalise records for ``layer``; raise on the first bad one.

    Parameters
    ----------
    layer : a key of :data:`SCHEMAS`.
    frame : input records; a GeoDataFrame (any CRS, reprojected to EPSG:4326) for spatial
        layers. A ``uid`` column is kept where given and filled where missing.
    outline : the municipality (EPSG:4326); geometries must lie inside it.

    Returns
    -------
    A frame with ``uid``, every schema field (missing optional ones as null), datetimes as
    UTC timestamps, dates as ISO text and, for spatial layers, a geometry in EPSG:4326.

    Raises
    ------
    ValidationError naming the layer, the record (uid or 1-based row) and the field.
    """
    schema, frame = _prepare(layer, frame)
    rows = [_validate_row(layer, schema, frame, pos, outline) for pos in range(len(frame))]
    uids = pd.Series([r["uid"] for r in rows])
    if uids.duplicated().any():
        dup = uids[uids.duplicated()].iloc[0]
        raise ValidationError(layer, dup, "uid", "the same id appears twice in the input")
    geoms = frame.geometry.to_numpy() if schema.spatial else None
    return _assemble(schema, rows, geoms)


def validate_rows(
    layer: str, frame: pd.DataFrame, outline: BaseGeometry | None = None
) -> tuple[gpd.GeoDataFrame | pd.DataFrame, list[ValidationError]]:
    """Like :func:`validate`, but keep going: the valid rows and one error per bad row.

    Whole-input problems (unknown layer, no rows, no CRS, a missing required column) still
    raise, since no row could pass. A repeated uid rejects its later rows.
    """
    schema, frame = _prepare(layer, frame)
    rows: list[dict[str, object]] = []
    keep: list[int] = []
    errors: list[ValidationError] = []
    seen: set[object] = set()
    for pos in range(len(frame)):
        try:
            values = _validate_row(layer, schema, frame, pos, outline)
        except ValidationError as exc:
            errors.append(exc)
            continue
        if values["uid"] in seen:
            errors.append(
                ValidationError(
                    layer, values["uid"], "uid", "the same id appears twice in the input"
                )
            )
            continue
        seen.add(values["uid"])
        rows.append(values)
        keep.append(pos)
    geoms = frame.geometry.to_numpy()[keep] if schema.spatial else None
    return _assemble(schema, rows, geoms), errors
