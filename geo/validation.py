"""Validation of whole columns at once (``geo.model.validate`` / ``validate_rows`` call it).

Each field is converted and checked as one array; a row's first failure (in field order,
then the cross-field rules, then the geometry) becomes one :class:`ValidationError` with a
catalogue :class:`Message`, so the report can be shown in any language. Only failing rows
are visited one by one. Times become UTC; coordinates are checked on one coordinate array
for every geometry against the prepared municipality outline (EPSG:4326).
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import WGS84
from geo.errors import Message, ValidationError
from geo.model import (
    EARLIEST,
    FUTURE_SLACK,
    LABEL_PREFIX,
    LAYERS,
    LOCAL_TZ,
    SCHEMAS,
    TEXT,
    Field,
    LayerSchema,
    new_uid,
)

_GEOMETRY_IDS = {"Point": 0, "LineString": 1, "Polygon": 3}


def _allowed(f: Field) -> tuple[object, ...]:
    prefix = LABEL_PREFIX.get(f.name)
    return tuple(Message(prefix + c) if prefix else c for c in f.choices)


def _local_text(ts: pd.Timestamp) -> str:
    return ts.tz_convert(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


class _Checker:
    """Collects the first error of every row while the columns are checked in turn."""

    def __init__(self, layer: str, frame: pd.DataFrame) -> None:
        self.layer, self.frame, self.n = layer, frame, len(frame)
        self.bad = np.zeros(self.n, dtype=bool)
        self.errors: dict[int, ValidationError] = {}
        uids = frame["uid"] if "uid" in frame.columns else None
        self.uids = uids.to_numpy(dtype=object) if uids is not None else None

    def label(self, pos: int) -> object:
        if self.uids is not None and isinstance(self.uids[pos], str) and self.uids[pos]:
            return self.uids[pos]
        return pos + 1

    def flag(self, mask: np.ndarray, field: str, key: str, params: Callable[[int], dict]) -> None:
        """Rows in ``mask`` fail ``field`` (unless an earlier field already failed)."""
        for pos in np.flatnonzero(np.asarray(mask, dtype=bool) & ~self.bad):
            message = Message(key, params(int(pos)))
            self.errors[int(pos)] = ValidationError(
                self.layer, self.label(int(pos)), field, message=message, position=int(pos)
            )
        self.bad |= mask


def _blank(values: pd.Series) -> np.ndarray:
    blank = np.array(values.isna(), dtype=bool)
    if values.dtype == object:
        text = values.map(lambda v: isinstance(v, str) and not v.strip(), na_action="ignore")
        blank |= np.array(text.fillna(False), dtype=bool)
    elif pd.api.types.is_string_dtype(values.dtype):
        blank |= np.array(values.str.strip().eq("").fillna(False), dtype=bool)
    return blank


def _datetimes(c: _Checker, f: Field, values: pd.Series, now: pd.Timestamp) -> pd.Series:
    """UTC timestamps; text, naive and implausible times flagged."""
    tz = getattr(values.dtype, "tz", None)
    if tz is not None:
        out = values.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_dtype(values.dtype):
        c.flag(
            np.array(values.notna(), dtype=bool),
            f.name,
            "imp_err_no_zone",
            lambda p: {"value": values.iloc[p]},
        )
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    else:
        stamps: list[pd.Timestamp | None] = [None] * c.n
        for pos, v in enumerate(values.to_numpy(dtype=object)):
            if v is None or (not isinstance(v, str) and pd.isna(v)) or str(v).strip() == "":
                continue
            try:
                ts = pd.Timestamp(v)
            except (ValueError, TypeError):
                c.flag(_one(c.n, pos), f.name, "imp_err_datetime", _value(v))
                continue
            if ts.tzinfo is None:
                c.flag(_one(c.n, pos), f.name, "imp_err_no_zone", _value(v))
                continue
            stamps[pos] = ts.tz_convert("UTC")
        out = pd.Series(pd.to_datetime(stamps, utc=True), index=values.index)
    shown = lambda p: {"value": _local_text(out.iloc[p])}  # noqa: E731
    early = (out < EARLIEST).fillna(False).to_numpy(dtype=bool)
    c.flag(early, f.name, "imp_err_time_early", lambda p: {**shown(p), "earliest": "2000-01-01"})
    late = (out > now + FUTURE_SLACK).fillna(False).to_numpy(dtype=bool)
    c.flag(
        late,
        f.name,
        "imp_err_time_future",
        lambda p: {**shown(p), "latest": _local_text(now + FUTURE_SLACK)},
    )
    return out


def _value(value: object, name: str = "value") -> Callable[[int], dict[str, object]]:
    """Message parameters that are the same whatever the row."""
    return lambda _pos: {name: value}


def _one(n: int, pos: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[pos] = True
    return mask


def _column(c: _Checker, f: Field, values: pd.Series, now: pd.Timestamp) -> pd.Series:
    """One field's normalised column; bad values flagged on ``c``."""
    blank = _blank(values)
    if f.required:
        c.flag(blank, f.name, "imp_err_required", lambda p: {})
    given = ~blank
    shown = lambda p: {"value": values.iloc[p]}  # noqa: E731
    if f.kind == "enum":
        text = _text(values).str.strip()
        c.flag(
            given & ~text.isin(f.choices).to_numpy(),
            f.name,
            "imp_err_enum",
            lambda p: {"value": text.iloc[p], "allowed": _allowed(f)},
        )
        return text.where(given)
    if f.kind in ("int", "float"):
        number = pd.to_numeric(values.where(given, None), errors="coerce")
        c.flag(
            given & number.isna().to_numpy(),
            f.name,
            "imp_err_int" if f.kind == "int" else "imp_err_number",
            shown,
        )
        if f.kind == "int":
            c.flag(
                np.array(number.notna() & (number % 1 != 0), dtype=bool),
                f.name,
                "imp_err_int",
                shown,
            )
        if f.minimum is not None:
            c.flag(
                (number < f.minimum).fillna(False).to_numpy(),
                f.name,
                "imp_err_min",
                lambda p: {"value": values.iloc[p], "minimum": int(f.minimum or 0)},
            )
        return number.round().astype("Int64") if f.kind == "int" else number
    if f.kind == "datetime":
        return _datetimes(
            c, f, values.where(given, None) if values.dtype == object else values, now
        )
    if f.kind == "date":
        return _dates(c, f, values, given)
    return _text(values).where(given)


def _text(values: pd.Series) -> pd.Series:
    """A column as Arrow text (compact), whatever it held."""
    if isinstance(values.dtype, pd.StringDtype):
        return values.astype(TEXT)
    return values.astype(object).map(str, na_action="ignore").astype(TEXT)


def _dates(c: _Checker, f: Field, values: pd.Series, given: np.ndarray) -> pd.Series:
    """ISO dates (text); the common forms in one pass, anything else value by value."""
    dates = pd.Series(np.nan, index=values.index, dtype=TEXT)
    if not given.any():
        return dates
    parsed = pd.to_datetime(_text(values)[given], format="ISO8601", errors="coerce")
    dates[given] = parsed.dt.strftime("%Y-%m-%d").astype(TEXT).to_numpy()
    for pos in np.flatnonzero(given & dates.isna().to_numpy()):
        try:
            dates.iloc[pos] = pd.Timestamp(values.iloc[pos]).date().isoformat()
        except (ValueError, TypeError):
            c.flag(_one(c.n, int(pos)), f.name, "imp_err_date", _value(values.iloc[pos]))
    return dates


def _check_geometry(
    c: _Checker, schema: LayerSchema, geoms: np.ndarray, outline: BaseGeometry | None
) -> None:
    """Type, degrees and inside-the-outline, on coordinate arrays of every geometry."""
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if schema.geometry_required:
        c.flag(missing, "geometry", "imp_err_geom_missing", lambda p: {})
    types = shapely.get_type_id(geoms)
    wanted = [_GEOMETRY_IDS[g] for g in schema.geometry_types]
    c.flag(
        ~missing & ~np.isin(types, wanted),
        "geometry",
        "imp_err_geom_type",
        lambda p: {"given": geoms[p].geom_type, "allowed": " / ".join(schema.geometry_types)},
    )
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    lon, lat = coords[:, 0], coords[:, 1]

    def first_where(bad: np.ndarray) -> dict[int, int]:
        rows, first = np.unique(index[bad], return_index=True)
        return dict(zip(rows.tolist(), np.flatnonzero(bad)[first].tolist(), strict=True))

    def at(i: int) -> str:
        return f"{lat[i]:.5f} N, {lon[i]:.5f} E"

    for which, values in (("imp_longitude", lon), ("imp_latitude", lat)):
        nan = first_where(np.isnan(values))
        c.flag(
            _rows(c.n, nan),
            "geometry",
            "imp_err_coord_missing",
            _value(Message(which), "which"),
        )
    wild = first_where((np.abs(lat) > 90) | (np.abs(lon) > 180))
    c.flag(_rows(c.n, wild), "geometry", "imp_err_not_degrees", lambda p: {"value": at(wild[p])})
    if outline is None or not len(coords):
        return
    shapely.prepare(outline)
    outside = first_where(~shapely.intersects_xy(outline, lon, lat))
    swapped = {p: i for p, i in outside.items() if shapely.intersects_xy(outline, lat[i], lon[i])}
    c.flag(_rows(c.n, swapped), "geometry", "imp_err_swapped", lambda p: {"value": at(swapped[p])})
    c.flag(_rows(c.n, outside), "geometry", "imp_err_outside", lambda p: {"value": at(outside[p])})


def ensure_inside(layer: str, clean: pd.DataFrame, outline: BaseGeometry) -> None:
    """Raise :class:`ValidationError` for the first record of already validated ``clean``
    (EPSG:4326) with a position outside ``outline`` – the one check that depends on the
    store and may change between an import's dry run and its commit."""
    geoms = np.asarray(clean.geometry.array, dtype=object)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    if not len(coords):
        return
    shapely.prepare(outline)
    outside = np.flatnonzero(~shapely.intersects_xy(outline, coords[:, 0], coords[:, 1]))
    if len(outside):
        i, pos = outside[0], int(index[outside[0]])
        value = f"{coords[i, 1]:.5f} N, {coords[i, 0]:.5f} E"
        raise ValidationError(
            layer,
            clean["uid"].iloc[pos],
            "geometry",
            message=Message("imp_err_outside", {"value": value}),
            position=pos,
        )


def _rows(n: int, positions: dict[int, int]) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[list(positions)] = True
    return mask


def _prepare(layer: str, frame: pd.DataFrame) -> tuple[LayerSchema, pd.DataFrame]:
    """Checks that concern the whole input: layer, emptiness, CRS, required columns."""
    if layer not in SCHEMAS:
        raise ValidationError(
            layer, "-", "layer", message=Message("imp_err_layer", {"known": ", ".join(LAYERS)})
        )
    schema = SCHEMAS[layer]
    if len(frame) == 0:
        raise ValidationError(layer, "-", "-", message=Message("imp_err_no_records"))
    frame = frame.reset_index(drop=True)
    if schema.spatial:
        if not isinstance(frame, gpd.GeoDataFrame):
            raise ValidationError(layer, 1, "geometry", message=Message("imp_err_no_geometry"))
        if frame.crs is None:
            raise ValidationError(layer, 1, "geometry", message=Message("imp_err_no_crs"))
        if frame.crs != WGS84:
            frame = frame.to_crs(WGS84)
    for f in schema.fields:
        if f.required and f.name not in frame.columns:
            raise ValidationError(layer, 1, f.name, message=Message("imp_err_column_missing"))
    return schema, frame


def check(
    layer: str, frame: pd.DataFrame, outline: BaseGeometry | None, now: pd.Timestamp | None
) -> tuple[gpd.GeoDataFrame | pd.DataFrame, _Checker]:
    """Every row normalised (bad ones too) and the checker holding each bad row's error."""
    schema, frame = _prepare(layer, frame)
    now = pd.Timestamp.now(tz="UTC") if now is None else now
    c = _Checker(layer, frame)
    empty = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    data = pd.DataFrame(
        {
            f.name: _column(c, f, frame[f.name] if f.name in frame.columns else empty, now)
            for f in schema.fields
        },
        index=frame.index,
    )
    if "start" in data.columns and "end" in data.columns:
        c.flag(
            (data["end"] < data["start"]).fillna(False).to_numpy(),
            "end",
            "imp_err_end_before_start",
            lambda p: {
                "start": _local_text(data["start"].iloc[p]),
                "end": _local_text(data["end"].iloc[p]),
            },
        )
    if layer == "presence":
        over = (data["violations"] > data["vehicles_checked"]).fillna(False).to_numpy(dtype=bool)
        c.flag(
            over,
            "violations",
            "imp_err_violations",
            lambda p: {
                "found": int(data["violations"].iloc[p]),
                "checked": int(data["vehicles_checked"].iloc[p]),
            },
        )
    geoms = None
    if schema.spatial:
        geoms = np.asarray(frame.geometry.array, dtype=object)
        _check_geometry(c, schema, geoms, outline)
    uids = np.array(c.uids if c.uids is not None else [None] * len(frame), dtype=object)
    given = np.array([isinstance(u, str) and bool(u) for u in uids], dtype=bool)
    uids[~given] = [new_uid() for _ in range(int((~given).sum()))]
    twice = pd.Series(uids).where(~c.bad).duplicated().to_numpy() & ~c.bad
    c.flag(twice, "uid", "imp_err_uid_twice", lambda p: {})
    data.insert(0, "uid", pd.array(uids, dtype=TEXT))  # Arrow text: a tenth of the memory
    if schema.spatial:
        return gpd.GeoDataFrame(data, geometry=geoms, crs=WGS84), c
    return data, c
