"""CSV and Excel (.xlsx) → records, with Swedish conventions and coordinate detection.

CSV: UTF-8 or cp1252, separator ``;`` ``,`` or tab (sniffed), decimal comma with ``;``.
Coordinates: lat/lon in degrees, or SWEREF 99 TM easting/northing in metres (EPSG:3006);
which one is detected from the values, as are swapped columns. Times without a zone are
read as Europe/Stockholm (``2018-05-03 14:30``). Enum values may be given as the stored
value or as the Swedish or English label (``Bilpatrull``, ``Trafikkontroll``, ``Ny``).
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import unicodedata

import numpy as np
import pandas as pd
from shapely.geometry import Point

from geo.crs import to_wgs84
from geo.errors import ImportRejected
from geo.i18n import LANGUAGES, catalogue
from geo.imports.base import ImportResult, prepare, records_frame, rejection, stable_uid
from geo.model import LOCAL_TZ, SCHEMAS
from geo.store.base import Store

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


def _plain(name: object) -> str:
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """The rows of a CSV or .xlsx file as text; refused whole when unreadable or empty."""
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix in ("xlsx", "xlsm"):
        try:
            frame = pd.read_excel(io.BytesIO(data), dtype=object)
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise ImportRejected(f"{filename} is not a readable Excel file: {exc}") from exc
    elif suffix in ("csv", "txt"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252")  # Excel's Swedish "CSV (semikolonavgränsad)"
        if not text.strip():
            raise ImportRejected(f"{filename} is empty")
        try:
            sep = csv.Sniffer().sniff(text[:4096], delimiters=";,\t").delimiter
        except csv.Error:
            sep = ";" if text.count(";") >= text.count(",") else ","
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
        )
    else:
        raise ImportRejected(
            f"{filename}: file type '.{suffix}' is not supported for tables (use .csv or .xlsx)"
        )
    frame = frame.dropna(how="all")
    if frame.empty:
        raise ImportRejected(f"{filename} has no data rows")
    return frame


def guess_mapping(columns: list[str], layer: str) -> dict[str, str]:
    """Target field → source column, from common Swedish and English column names."""
    wanted = [*COORDINATES, "uid", *SCHEMAS[layer].field_names]
    plain = {_plain(c): c for c in columns}
    mapping: dict[str, str] = {}
    for target in wanted:
        names = SYNONYMS.get(target, (target,))
        for name in [*names, *(n[:10] for n in names)]:  # Shapefiles cut names at 10
            if name in plain and plain[name] not in mapping.values():
                mapping[target] = plain[name]
                break
    return mapping


def _number(value: object) -> float:
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    return float(text)


def _labels(field: str) -> dict[str, str]:
    """Enum labels in every language → stored value, for one field's choices."""
    prefix = {
        "kind": "kind_",
        "category": "cat_",
        "status": "status_",
        "control_type": "ctrl_",
    }.get(field)
    out: dict[str, str] = {}
    if prefix is None:
        return out
    for lang in LANGUAGES:
        for key, text in catalogue(lang).items():
            if key.startswith(prefix):
                out[_plain(text)] = key[len(prefix) :]
    return out


def _coordinates(
    frame: pd.DataFrame, mapping: dict[str, str], notes: list[str]
) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """lon, lat (degrees) per row and a per-row error (None when fine)."""
    pair = ("lon", "lat") if {"lat", "lon"} <= set(mapping) else ("east", "north")
    if not set(pair) <= set(mapping):
        raise ImportRejected("no coordinate columns found: map lat/lon or easting/northing")
    a = np.full(len(frame), np.nan)
    b = np.full(len(frame), np.nan)
    errors: list[str | None] = [None] * len(frame)
    for i, (x, y) in enumerate(zip(frame[mapping[pair[0]]], frame[mapping[pair[1]]], strict=True)):
        try:
            a[i], b[i] = _number(x), _number(y)
        except (TypeError, ValueError):
            errors[i] = f"coordinates '{x}', '{y}' are not numbers"
    ok = ~np.isnan(a)
    if not ok.any():
        return a, b, errors
    big = np.nanmedian(np.abs(a)) > 1000 or np.nanmedian(np.abs(b)) > 1000
    if big:  # metres: SWEREF 99 TM easting ~ 400k-500k, northing ~ 6.2M-6.3M here
        east, north = (a, b) if pair == ("east", "north") else (b, a)
        if np.nanmedian(east) > 5e6 > np.nanmedian(north):
            east, north = north, east
            notes.append("easting and northing were swapped in the file; read the other way")
        if pair == ("lon", "lat"):
            notes.append("lat/lon columns hold metres: read as SWEREF 99 TM (EPSG:3006)")
        else:
            notes.append("coordinates read as SWEREF 99 TM (EPSG:3006) metres")
        lon, lat = to_wgs84(east, north)
        return np.asarray(lon), np.asarray(lat), errors
    lon, lat = a, b  # (lon, lat) or (east, north) holding degrees
    if np.nanmedian(lat) < 30 and np.nanmedian(lon) > 30:  # Sweden: lat 55-69, lon 11-24
        lon, lat = lat, lon
        notes.append("latitude and longitude columns were swapped in the file; read the other way")
    notes.append("coordinates read as WGS84 degrees (EPSG:4326)")
    return lon, lat, errors


def _when(value: object) -> pd.Timestamp:
    ts = pd.Timestamp(str(value).strip())
    if ts.tzinfo is None:
        ts = ts.tz_localize(LOCAL_TZ, ambiguous="raise", nonexistent="raise")
    return ts


def prepare_table(
    store: Store, frame: pd.DataFrame, layer: str, mapping: dict[str, str] | None = None
) -> ImportResult:
    """Check a table for ``layer`` with a column ``mapping`` (target → source column)."""
    if layer not in ("presence", "problem_spots"):
        raise ImportRejected(f"tables can be imported as presence or problem spots, not {layer}")
    mapping = mapping or guess_mapping(list(frame.columns), layer)
    schema = SCHEMAS[layer]
    missing = [f.name for f in schema.fields if f.required and f.name not in mapping]
    if missing:
        raise ImportRejected(
            "missing columns: "
            + ", ".join(missing)
            + f" (found: {', '.join(map(str, frame.columns))})"
        )
    notes: list[str] = []
    lon, lat, coord_errors = _coordinates(frame, mapping, notes)
    labels = {f.name: _labels(f.name) for f in schema.fields if f.kind == "enum"}
    rows, numbers, rejected = [], [], []
    for pos in range(len(frame)):
        line = pos + 2  # the spreadsheet row under the header
        src = frame.iloc[pos]
        if coord_errors[pos]:
            rejected.append(rejection(line, "coordinates", coord_errors[pos]))
            continue
        record: dict[str, object] = {}
        problem = None
        for f in schema.fields:
            if f.name not in mapping:
                continue
            value = src[mapping[f.name]]
            if pd.isna(value) or str(value).strip() == "":
                record[f.name] = None
                continue
            if f.kind == "datetime":
                try:
                    value = _when(value)
                except (ValueError, TypeError) as exc:
                    problem = rejection(
                        line,
                        f.name,
                        f"'{value}' is not a date and time (expected e.g. 2018-05-03 14:30): {exc}",
                    )
                    break
            elif f.kind == "enum":
                value = labels[f.name].get(_plain(value), str(value).strip())
            elif f.kind == "int":
                with contextlib.suppress(ValueError):  # validation names a bad number
                    value = _number(value)
            record[f.name] = value
        if problem:
            rejected.append(problem)
            continue
        record["geometry"] = Point(lon[pos], lat[pos])
        given = src[mapping["uid"]] if "uid" in mapping else None
        record["uid"] = (
            str(given)
            if given is not None and not pd.isna(given)
            else stable_uid(
                layer,
                *[record.get(f) for f in schema.field_names],
                round(lon[pos], 6),
                round(lat[pos], 6),
            )
        )
        rows.append(record)
        numbers.append(line)
    records = records_frame(rows)
    return prepare(store, layer, records, row_numbers=numbers, pre_rejected=rejected, notes=notes)
