"""File columns → candidate records, whole columns at a time (tables and map files alike).

Column names are matched to fields from common Swedish and English names; enum values may
be the stored value or a Swedish or English label (``Bilpatrull``, ``Ny``); numbers may use a
decimal comma and spaces; times follow :mod:`geo.imports.times`. Coordinates are lat/lon in
degrees or SWEREF 99 TM easting/northing in metres (EPSG:3006), detected from the values,
as are swapped columns. Each candidate keeps its cells as written for the report.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo.crs import WGS84, to_wgs84
from geo.errors import ImportRejected, Message
from geo.i18n import LANGUAGES, catalogue
from geo.imports.base import Rejection, stable_uids
from geo.imports.cells import as_text, numbers
from geo.imports.times import ParsedTimes, parse_times
from geo.model import LABEL_PREFIX, SCHEMAS, TEXT

COORDINATES = ("lat", "lon", "east", "north")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "lat": ("lat", "latitude", "latitud", "breddgrad"),
    "lon": ("lon", "lng", "long", "longitude", "longitud", "langdgrad"),
    "east": ("x", "e", "east", "easting", "ostlig", "e_sweref", "sweref_e"),
    "north": ("y", "n", "north", "northing", "nordlig", "n_sweref", "sweref_n"),
    "kind": ("kind", "typ", "type", "aktivitet"),
    "start": ("start", "starttid", "start_time", "fran", "from", "tid", "time"),
    "end": ("end", "slut", "sluttid", "end_time", "till", "to"),
    "unit": ("unit", "enhet", "patrull", "anropssignal"),
    "note": ("note", "anteckning", "kommentar", "notering", "plats"),
    "control_type": ("control_type", "kontrolltyp"),
    "vehicles_checked": ("vehicles_checked", "kontrollerade", "kontrollerade_fordon", "fordon"),
    "violations": ("violations", "overtradelser", "rapporterade"),
    "category": ("category", "kategori"),
    "description": ("description", "beskrivning"),
    "dialogue_uid": ("dialogue_uid", "dialog"),
    "reported": ("reported", "datum", "date", "rapporterad"),
    "residents": ("residents", "antal", "antal_invanare", "invanare"),
    "status": ("status",),
    "response": ("response", "svar", "atgard"),
    "uid": ("uid", "id"),
}


def plain(name: object) -> str:
    """A name folded for matching: ASCII, lower case, ``_`` between words."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def guess_mapping(columns: list[str], layer: str) -> dict[str, str]:
    """Target field → source column, from common Swedish and English column names."""
    wanted = [*COORDINATES, "uid", *SCHEMAS[layer].field_names]
    folded = {plain(c): c for c in columns}
    mapping: dict[str, str] = {}
    for target in wanted:
        names = SYNONYMS.get(target, (target,))
        for name in [*names, *(n[:10] for n in names)]:  # Shapefiles cut names at 10
            if name in folded and folded[name] not in mapping.values():
                mapping[target] = folded[name]
                break
    return mapping


@cache
def labels(field_name: str) -> dict[str, str]:
    """Enum labels in every language (folded) → stored value, for one field's choices."""
    prefix = LABEL_PREFIX.get(field_name)
    out: dict[str, str] = {}
    if prefix is None:
        return out
    for lang in LANGUAGES:
        for key, text in catalogue(lang).items():
            if key.startswith(prefix):
                out[plain(text)] = key[len(prefix) :]
    return out


@dataclass
class Coordinates:
    """How coordinates are read, decided on the first rows and kept for the rest."""

    metres: bool = False
    swapped: bool = False
    notes: list[Message] = field(default_factory=list)


def detect_coordinates(a: np.ndarray, b: np.ndarray, pair: tuple[str, str]) -> Coordinates:
    """Degrees or SWEREF 99 TM metres, and whether the columns are swapped."""
    if np.isnan(a).all():
        return Coordinates()
    if np.nanmedian(np.abs(a)) > 1000 or np.nanmedian(np.abs(b)) > 1000:
        east, north = (a, b) if pair == ("east", "north") else (b, a)
        swapped = bool(np.nanmedian(east) > 5e6 > np.nanmedian(north))
        notes = [Message("imp_note_sweref_swapped")] if swapped else []
        notes.append(Message("imp_note_sweref"))
        return Coordinates(True, swapped, notes)
    lon, lat = a, b
    if np.nanmedian(lat) < 30 and np.nanmedian(lon) > 30:  # Sweden: lat 55-69, lon 11-24
        return Coordinates(
            False, True, [Message("imp_note_latlon_swapped"), Message("imp_note_wgs84")]
        )
    return Coordinates(False, False, [Message("imp_note_wgs84")])


@dataclass
class Candidates:
    """Records as read (not validated), their cells as written, and rows refused so far."""

    records: gpd.GeoDataFrame
    written: pd.DataFrame
    rows: np.ndarray
    rejected: list[Rejection]
    notes: list[Message] = field(default_factory=list)


def _coordinate_columns(
    frame: pd.DataFrame, mapping: dict[str, str], how: Coordinates | None
) -> tuple[np.ndarray, np.ndarray, pd.Series, list[tuple[int, str, Message]], Coordinates]:
    pair = ("lon", "lat") if {"lat", "lon"} <= set(mapping) else ("east", "north")
    if not set(pair) <= set(mapping):
        raise ImportRejected("imp_file_no_coordinates", found=", ".join(map(str, frame.columns)))
    ta, tb = as_text(frame[mapping[pair[0]]]), as_text(frame[mapping[pair[1]]])
    a, b = numbers(ta).to_numpy(float), numbers(tb).to_numpy(float)
    problems: list[tuple[int, str, Message]] = []
    for text, values, which in ((ta, a, pair[0]), (tb, b, pair[1])):
        name = {"lon": "imp_longitude", "lat": "imp_latitude"}.get(which, "imp_" + which)
        for pos in np.flatnonzero(text.isna().to_numpy()):
            problems.append(
                (int(pos), which, Message("imp_err_coord_missing", {"which": Message(name)}))
            )
        for pos in np.flatnonzero(text.notna().to_numpy() & np.isnan(values)):
            problems.append((int(pos), which, Message("imp_err_number", {"value": text.iloc[pos]})))
    how = how or detect_coordinates(a, b, pair)
    if how.metres:
        east, north = (a, b) if pair == ("east", "north") else (b, a)
        if how.swapped:
            east, north = north, east
        lon, lat = (np.asarray(v, dtype=float) for v in to_wgs84(east, north))
    else:
        lon, lat = (b, a) if how.swapped else (a, b)
    first, second = (pair[1], pair[0]) if pair == ("lon", "lat") else pair
    written = (
        as_text(frame[mapping[first]]).fillna("").astype(str)
        + "; "
        + as_text(frame[mapping[second]]).fillna("").astype(str)
    )
    return lon, lat, written, problems, how


def candidates(
    frame: pd.DataFrame,
    layer: str,
    mapping: dict[str, str],
    *,
    first_row: int = 2,
    geometry: gpd.GeoSeries | None = None,
    coordinates: Coordinates | None = None,
    defaults: dict[str, object] | None = None,
    running_clock: bool = False,
) -> tuple[Candidates, Coordinates | None]:
    """Candidate records for ``layer`` from ``frame`` (one chunk of a file).

    ``first_row`` is the report's number of the chunk's first row. ``geometry`` (a map
    file's, EPSG:4326) replaces coordinate columns. ``defaults`` fill fields that have no
    column (``status``, ``reported``). Returns the candidates and how coordinates were
    read (pass it back for the next chunk so every chunk is read alike).
    """
    schema = SCHEMAS[layer]
    n = len(frame)
    rows = np.arange(n) + first_row
    problems: list[tuple[int, str, Message]] = []
    written = pd.DataFrame(index=frame.index)
    data: dict[str, object] = {}
    if geometry is None:
        lon, lat, written["geometry"], problems, coordinates = _coordinate_columns(
            frame, mapping, coordinates
        )
        for which in COORDINATES:
            if which in mapping:
                written[which] = as_text(frame[mapping[which]])
        geoms = gpd.points_from_xy(lon, lat)
    else:
        geoms = geometry.array
    times = [f.name for f in schema.fields if f.kind == "datetime" and f.name in mapping]
    parsed = parse_times({n_: frame[mapping[n_]] for n_ in times}, running_clock=running_clock)
    for (name, pos), message in parsed.problems.items():
        problems.append((pos, name, message))
    for f in schema.fields:
        if f.name not in mapping:
            value = (defaults or {}).get(f.name)
            data[f.name] = pd.Series([value] * n, index=frame.index, dtype=object)
            continue
        text = as_text(frame[mapping[f.name]])
        written[f.name] = text
        if f.kind == "datetime":
            data[f.name] = parsed.utc[f.name].set_axis(frame.index)
        elif f.kind == "enum":
            data[f.name] = _choices(text, f.name, (defaults or {}).get(f.name))
        elif f.kind in ("int", "float"):
            data[f.name] = number = numbers(text)
            what = "imp_err_int" if f.kind == "int" else "imp_err_number"
            for bad in np.flatnonzero((number.isna() & text.notna()).to_numpy()):
                problems.append((int(bad), f.name, Message(what, {"value": text.iloc[bad]})))
        elif f.kind == "date":
            data[f.name] = text.str.slice(0, 10)  # a date, or a date and time: its day
        else:
            data[f.name] = text
    records = gpd.GeoDataFrame(pd.DataFrame(data, index=frame.index), geometry=geoms, crs=WGS84)
    given = as_text(frame[mapping["uid"]]) if "uid" in mapping else None
    records.insert(0, "uid", _uids(layer, records, written, given))
    notes = _clock_notes(parsed, written, rows, mapping)
    keep = np.ones(n, dtype=bool)
    rejected: list[Rejection] = []
    first: dict[int, tuple[str, Message]] = {}
    for pos, name, message in sorted(problems, key=lambda p: p[0]):
        first.setdefault(pos, (name, message))
    for pos, (name, message) in sorted(first.items()):
        source = name if name in written.columns else "geometry"
        cell = written[source].iloc[pos] if source in written.columns else None
        rejected.append(Rejection(int(rows[pos]), name, cell, message))
        keep[pos] = False
    if not keep.all():
        records, written, rows = records[keep], written[keep], rows[keep]
    cand = Candidates(
        records.reset_index(drop=True), written.reset_index(drop=True), rows, rejected, notes
    )
    return cand, coordinates


def _choices(text: pd.Series, field_name: str, default: object) -> pd.Series:
    """Stored values of an enum column from values or labels in any language (each distinct
    cell looked up once); blank cells take ``default``."""
    codes, uniques = pd.factorize(text)
    known = labels(field_name)
    stored = pd.array([known.get(plain(u), u) for u in uniques] + [default], dtype=TEXT)
    return pd.Series(stored.take(np.where(codes < 0, len(uniques), codes)), index=text.index)


def _uids(
    layer: str, records: gpd.GeoDataFrame, written: pd.DataFrame, given: pd.Series | None
) -> np.ndarray:
    """The file's own ids where given, else a hash of the row as written (stable when the
    same file is imported again). The row's cells are joined by Arrow in one pass."""
    n = len(records)
    parts: list[pa.Array] = [pa.array([layer] * n, type=pa.string())]
    for name in SCHEMAS[layer].field_names:
        if name in written.columns:
            parts.append(pa.array(written[name].astype(TEXT), type=pa.string()))
        else:  # a default for the whole file, or nothing
            parts.append(
                pa.array(
                    records[name].astype(object).map(str, na_action="ignore"), type=pa.string()
                )
            )
    if "geometry" in written.columns:
        parts.append(pa.array(written["geometry"].astype(TEXT), type=pa.string()))
    else:
        parts.append(pa.array(shapely.to_wkb(records.geometry.array, hex=True), type=pa.string()))
    joined = pc.binary_join_element_wise(
        *parts, "\x1f", null_handling="replace", null_replacement=""
    )
    uids = stable_uids(layer, joined.to_pylist())
    if given is not None:
        uids = np.where(given.notna().to_numpy(), given.to_numpy(dtype=object), uids)
    return uids


def _clock_notes(
    parsed: ParsedTimes, written: pd.DataFrame, rows: np.ndarray, mapping: dict[str, str]
) -> list[Message]:
    """Say how each time in a clock-change hour was read (one by one, or summed up)."""
    notes: list[Message] = []
    decided = sorted(parsed.by_order.items(), key=lambda kv: kv[0][1])
    if 0 < len(decided) <= 5:
        for (name, pos), which in decided:
            notes.append(
                Message(
                    "imp_note_ambiguous",
                    {
                        "row": int(rows[pos]),
                        "field": mapping.get(name, name),
                        "value": written[name].iloc[pos],
                        "which": Message("imp_which_" + which),
                    },
                )
            )
    elif decided:
        firsts = sum(1 for _, w in decided if w == "first")
        notes.append(
            Message(
                "imp_note_ambiguous_many",
                {
                    "count": len(decided),
                    "first": int(rows[decided[0][0][1]]),
                    "last": int(rows[decided[-1][0][1]]),
                    "n_first": firsts,
                    "n_second": len(decided) - firsts,
                },
            )
        )
    shifted = sorted(pos for _, pos in parsed.running_clock)
    if shifted:
        notes.append(
            Message(
                "imp_note_running_clock",
                {
                    "count": len(shifted),
                    "first": int(rows[shifted[0]]),
                    "last": int(rows[shifted[-1]]),
                },
            )
        )
    return notes
