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
from shapely.geometry.base import BaseGeometry

from geo.errors import ValidationError

LOCAL_TZ = "Europe/Stockholm"
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
"""The dtype of validated text columns: Arrow strings (compact), NaN where empty."""


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


# -- validation: whole columns at once; only rows that fail are looked at one by one --

EARLIEST = pd.Timestamp("2000-01-01", tz="UTC")
"""Times before this are refused as implausible (a GPS without a fix says 1901 or 1970)."""
FUTURE_SLACK = pd.Timedelta(days=1)
"""Times more than this after now are refused (a wrong year or a swapped day and month)."""
LABEL_PREFIX = {"kind": "kind_", "category": "cat_", "status": "status_", "control_type": "ctrl_"}
"""Catalogue prefix of the labels of an enum field (for 'allowed: …' in messages)."""


def validate(
    layer: str,
    frame: pd.DataFrame,
    outline: BaseGeometry | None = None,
    *,
    now: pd.Timestamp | None = None,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Validate and normalise records for ``layer``; raise on the first bad one.

    Parameters
    ----------
    layer : a key of :data:`SCHEMAS`.
    frame : input records; a GeoDataFrame (any CRS, reprojected to EPSG:4326) for spatial
        layers. A ``uid`` column is kept where given and filled where missing.
    outline : the municipality (EPSG:4326); geometries must lie inside it.
    now : the present, for refusing times more than a day ahead (default: the clock).

    Returns
    -------
    A frame with ``uid``, every schema field (missing optional ones as null), datetimes as
    UTC timestamps, dates as ISO text and, for spatial layers, a geometry in EPSG:4326.

    Raises
    ------
    ValidationError naming the layer, the record (uid or 1-based row) and the field.
    """
    from geo.validation import check  # the checks build on this module's schemas

    data, c = check(layer, frame, outline, now)
    if c.errors:
        raise c.errors[min(c.errors)]
    return data


def validate_rows(
    layer: str,
    frame: pd.DataFrame,
    outline: BaseGeometry | None = None,
    *,
    now: pd.Timestamp | None = None,
) -> tuple[gpd.GeoDataFrame | pd.DataFrame, list[ValidationError]]:
    """Like :func:`validate`, but keep going: the valid rows and one error per bad row.

    Whole-input problems (unknown layer, no rows, no CRS, a missing required column) still
    raise, since no row could pass. A repeated uid rejects its later rows. Each error's
    ``position`` is its row's 0-based position in ``frame``.
    """
    from geo.validation import check

    data, c = check(layer, frame, outline, now)
    keep = ~c.bad
    clean = data[keep].reset_index(drop=True)
    return clean, [c.errors[p] for p in sorted(c.errors)]
