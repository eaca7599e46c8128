"""Data exports of the current selection: CSV, GeoJSON and GeoPackage (one layer each).

Exports carry what the snapshot's tier holds: exact positions and times for the police;
for the coarse tiers their published cells (area × week for the municipality, area ×
month for the public) on the area outlines. GIS formats (GeoPackage, GeoJSON, the data
CSV) keep codes and ISO-8601 UTC times; the spreadsheets (Excel CSV, xlsx) are for
people: words, local time, the language's decimal mark. Every text cell of every CSV and
spreadsheet has formulas neutralised.

Problem spots are those of the period (:func:`geo.coverage.reported_by`: reported by its
end), each with its dialogue's date and place. Dates: where the tier knows them to the
day, a spot's date is a date cell in Excel (``2018-03-15``); where it dates by month (the
public), the spreadsheets say the month in words (``september 2018``, a text cell: a date
cell would show, filter and sort as the 1st, the false precision this avoids) and the GIS
files the ISO month (``2018-09``). The spreadsheets name a spot's dialogue by date and
place (``2018-09-20, Samlingslokalen, Diö``) instead of its id; the GIS files keep the id.
"""

from __future__ import annotations

import datetime
import io
import re
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.filters import Filters
from geo.i18n import Translate, language_of
from geo.mapview.layers import filter_spots
from geo.model import LOCAL_TZ
from geo.numbers import month_year
from geo.publish import export_cells
from geo.snapshot import Snapshot
from geo.tiers import RECORD_META
from geo.views import dates_by_month


def selected_layers(snap: Snapshot, filters: Filters) -> dict[str, gpd.GeoDataFrame]:
    """The records the filters select, by layer (EPSG:4326), at the snapshot's tier."""
    if not snap.tier.exact_presence:
        return published_layers(snap, filters)
    p = snap.presence
    m = (p["start"] < filters.period.end) & (p["end"] >= filters.period.start)
    if filters.kinds is not None:
        m &= p["kind"].isin(filters.kinds)
    if filters.areas:
        m &= p["area_id"].isin(filters.areas)
    return {"presence": p[m], "problem_spots": export_spots(snap, filters), "roads": snap.roads}


def published_layers(snap: Snapshot, filters: Filters) -> dict[str, gpd.GeoDataFrame]:
    """A coarse tier's export: its published cells (presence and controls per area and
    week or month, on the area outlines), its problem spots and the roads."""
    spots = export_spots(snap, filters)
    roads = snap.roads.drop(columns=list(RECORD_META), errors="ignore")
    return {**export_cells(snap, filters), "problem_spots": spots, "roads": roads}


def export_spots(snap: Snapshot, filters: Filters) -> gpd.GeoDataFrame:
    """The problem spots the filters select (:func:`geo.mapview.layers.filter_spots`),
    with their dialogue's ``dialogue_date`` and ``dialogue_place`` from the tier's
    dialogues. Where the tier dates by month (:func:`geo.views.dates_by_month`) every
    date is the ISO month (``2018-09``), not the month's first day, which would read as
    the date of the dialogue."""
    spots = filter_spots(snap, filters).copy()
    dialogues = pd.DataFrame(snap.dialogues)
    for column in ("date", "place"):
        if {"uid", column} <= set(dialogues.columns):
            lookup = dialogues.drop_duplicates("uid").set_index("uid")[column]
            values = spots["dialogue_uid"].map(lookup).astype(object)
            spots["dialogue_" + column] = values.where(values.notna(), None)
        else:
            spots["dialogue_" + column] = None
    if dates_by_month(snap.tier):
        for column in ("reported", "dialogue_date"):
            spots[column] = [_iso_month(v) for v in spots[column]]
    return spots


def _iso_month(value: object) -> object:
    """``2018-09`` for a date (ISO text or date), missing or unreadable values as they are."""
    stamp = pd.to_datetime(value, errors="coerce") if _known(value) else pd.NaT
    return value if pd.isna(stamp) else f"{stamp:%Y-%m}"


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
    """A zip with one CSV per dataset for GIS tools: codes, UTC times, geometry as WKT in
    EPSG:4326; text formulas neutralised."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, frame in layers.items():
            plain = pd.DataFrame(_plain(frame))
            plain["geometry"] = frame.geometry.to_wkt(rounding_precision=6)
            # CRLF rows: a line break inside a text cell is then quoted, not a new row
            # (a bare CR would start a row that could begin with a formula)
            csv = neutralise_frame(plain).to_csv(index=False, lineterminator="\r\n")
            z.writestr(f"{name}.csv", csv)
    return buf.getvalue()


# ---------------------------------------------------------------- spreadsheets
# A cell that starts with one of these is a formula to Excel and LibreOffice (OWASP, CSV
# injection): such text gets a leading apostrophe, so it is shown, never run.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Coded columns and the catalogue prefix of their words.
CODED = {
    "kind": "kind_",
    "category": "cat_",
    "status": "status_",
    "control_type": "ctrl_",
    "focus": "focus_",
    "target_group": "target_",
    "location_precision": "precision_",
}
# Date columns (ISO text; an ISO month where the tier dates by month) and the columns
# that export_spots adds to say which dialogue a spot came from.
DATES = ("reported", "date")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MONTH = re.compile(r"\d{4}-\d{2}")
DIALOGUE = ("dialogue_uid", "dialogue_date", "dialogue_place")
YES_NO = ("heavy_per_day_is_example", "approximate", "population_estimated", "followed_up")


def neutralise(value: object) -> object:
    """``value`` safe for a spreadsheet cell: text starting with ``= + - @``, tab or CR
    gets a leading ``'``; numbers, dates and other text are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell of ``frame`` through :func:`neutralise` (numbers stay numbers), and
    the column names too."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def for_people(
    frame: gpd.GeoDataFrame | pd.DataFrame, t: Translate, area_names: dict[str, str]
) -> pd.DataFrame:
    """A layer as a table for people: columns named in the reader's language, codes as
    words, area ids as names, times in local time (Europe/Stockholm, no zone suffix),
    positions as longitude/latitude (WGS 84; a point on each line or area), no geometry."""
    out = pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).copy()
    lang = language_of(t)
    if set(DIALOGUE) <= set(out.columns):  # a spot's dialogue in words, not its id
        words = [
            _dialogue(uid, date, place, lang)
            for uid, date, place in zip(*(out[c] for c in DIALOGUE), strict=True)
        ]
        out.insert(list(out.columns).index("dialogue_uid"), "dialogue", words)
        out = out.drop(columns=list(DIALOGUE))
    for column in out.columns:
        values = out[column]
        if str(column).endswith("_utc") and not isinstance(values.dtype, pd.DatetimeTZDtype):
            values = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            out[column] = values.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
        elif column in CODED:
            out[column] = [_word(t, CODED[column] + str(v)) if _known(v) else v for v in values]
        elif column == "area_id":
            out[column] = [area_names.get(str(v), v) if _known(v) else v for v in values]
        elif column in DATES:
            out[column] = [_date_cell(v, lang) for v in values]
        elif column in YES_NO:
            out[column] = [
                (t("yes") if bool(v) else t("no")) if _known(v) else None for v in values
            ]
    if isinstance(frame, gpd.GeoDataFrame) and len(frame):
        points = frame.geometry.representative_point()
        out["lon"] = points.x.round(6).to_numpy()
        out["lat"] = points.y.round(6).to_numpy()
    return out.rename(columns=lambda c: _word(t, "col_" + str(c)))


def _date_cell(value: object, lang: str) -> object:
    """A stored date for people: an ISO date as a date (a date cell in Excel), an ISO month
    (``2018-09``, tiers that date by month) as the month in words (``september 2018``),
    anything else as it is."""
    if not isinstance(value, str):
        return value
    if ISO_MONTH.fullmatch(value):
        return month_year(value + "-01", lang)
    if ISO_DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:  # "2018-02-30": shown as stored, not hidden
            return value
    return value


def _dialogue(uid: object, date: object, place: object, lang: str) -> object:
    """A spot's dialogue in words, ``2018-09-20, Samlingslokalen, Diö``; the stored id
    where the dialogue is not among the tier's (an unexpected code is shown, not hidden)."""
    if not _known(date) and not _known(place):
        return uid
    when = _date_cell(date, lang)
    parts = [when.isoformat() if isinstance(when, datetime.date) else when, place]
    return ", ".join(str(p) for p in parts if _known(p))


def _known(value: object) -> bool:
    return not (value is None or (not isinstance(value, str) and pd.isna(value)))


def _word(t: Translate, key: str) -> str:
    """The catalogue text of ``key``, or the key's last part where there is none (an
    unexpected code is shown, never hidden)."""
    try:
        return t(key)
    except KeyError:
        return key.split("_", 1)[-1]


def to_excel_csv_zip(
    layers: dict[str, gpd.GeoDataFrame], t: Translate, area_names: dict[str, str]
) -> bytes:
    """A zip with one CSV per dataset that Excel opens as it is: UTF-8 with BOM, ``;``
    between fields, decimal comma in Swedish, local times, columns and codes in words,
    formulas neutralised."""
    lang = language_of(t)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, frame in layers.items():
            table = neutralise_frame(for_people(frame, t, area_names))
            text = table.to_csv(
                index=False,
                sep=";" if lang == "sv" else ",",
                decimal="," if lang == "sv" else ".",
                date_format="%Y-%m-%d %H:%M",
                lineterminator="\r\n",
            )
            z.writestr(f"{_word(t, 'layer_' + name)}.csv", "\ufeff" + text)
    return buf.getvalue()


def to_xlsx(layers: dict[str, gpd.GeoDataFrame], t: Translate, area_names: dict[str, str]) -> bytes:
    """One Excel workbook, a sheet per dataset: numbers as numbers, local times as dates,
    columns and codes in words, formulas neutralised."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in layers.items():
            table = neutralise_frame(for_people(frame, t, area_names))
            sheet = _word(t, "layer_" + name)[:31]
            for bad in "[]:*?/\\":
                sheet = sheet.replace(bad, " ")
            table.to_excel(writer, sheet_name=sheet, index=False)
            cells = writer.sheets[sheet]
            for col_cells in cells.iter_cols(min_row=1, max_row=1):
                letter = col_cells[0].column_letter
                cells.column_dimensions[letter].width = min(
                    max(12, len(str(col_cells[0].value)) + 2), 60
                )
            for row in cells.iter_rows(min_row=2):
                for cell in row:
                    if cell.data_type == "f":  # never: text was neutralised above
                        cell.data_type = "s"
                    if hasattr(cell.value, "hour"):
                        cell.number_format = "yyyy-mm-dd hh:mm"
    return buf.getvalue()
