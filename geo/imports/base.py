"""What every import shares: the result, the per-row report, stable ids, the size limit.

Readers turn a file into candidate records plus what was written in the file (``written``:
each field's text as the user typed it, ``columns``: which file column each field came
from). :func:`prepare` validates the candidates against the municipality outline and builds
the report in the reader's language: one row per refused input row with the row number, the
column as named in the file, the value as written and why (with what would be accepted).
:func:`drop_stored` then counts rows already in the store; :func:`commit` writes the rest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geo.crs import WGS84
from geo.errors import ImportRejected, Message, ValidationError
from geo.i18n import catalogue
from geo.model import validate_rows
from geo.store.base import Store

REPORT_COLUMNS = ["row", "field", "value", "reason"]
Progress = Callable[[float, Message], None]
"""``progress(fraction_done, what)``: called while a file is read and checked."""


@dataclass
class ImportResult:
    """An import checked and ready to commit.

    ``records`` are the valid new rows; ``rejected`` has one row per refused input row
    (``row``: the row number as a spreadsheet shows it, header = 1, or a GPX segment / feed
    item; ``field``: the column as named in the file; ``value``: as written; ``reason``);
    ``duplicates`` counts rows already stored; ``notes`` say what was detected, assumed or
    adjusted; ``ignored_columns`` are file columns the import does not use; ``left_out``
    lists input items that are not for this import at all (``row``, ``value``, ``reason``:
    e.g. feed events of other municipalities). Texts are in ``lang``.
    """

    layer: str
    records: gpd.GeoDataFrame | pd.DataFrame
    rejected: pd.DataFrame
    duplicates: int = 0
    notes: list[str] = field(default_factory=list)
    vertex_times: dict[str, np.ndarray] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    left_out: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["row", "value", "reason"])
    )
    lang: str = "sv"

    @property
    def accepted(self) -> int:
        return len(self.records)


@dataclass
class Rejection:
    """One refused input row, before it is put into words."""

    row: object
    field: str
    value: object
    message: Message


def records_frame(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    """Reader output as a GeoDataFrame (EPSG:4326); an empty one when no row survived."""
    if not rows:
        return gpd.GeoDataFrame({"uid": []}, geometry=[], crs=WGS84)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def stable_uid(prefix: str, *parts: object) -> str:
    """An id derived from content, so the same row imported twice gets the same id."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:20]}"


def stable_uids(prefix: str, texts: list[str]) -> np.ndarray:
    """:func:`stable_uid`'s form for each of ``texts`` (each a row's content, joined)."""
    sha = hashlib.sha256
    return np.array([f"{prefix}-{sha(s.encode()).hexdigest()[:20]}" for s in texts], dtype=object)


def check_upload_size(n_bytes: int, limit_mb: int) -> None:
    """Refuse files above ``limit_mb`` megabytes before reading them."""
    if n_bytes > limit_mb * 1024 * 1024:
        raise ImportRejected(
            "imp_file_too_large", size=round(n_bytes / 1024 / 1024), limit=limit_mb
        )


def field_label(name: str, lang: str, columns: dict[str, str] | None = None) -> str:
    """A field as the user knows it: the file's column name, else its name in ``lang``."""
    if columns and name in columns:
        return columns[name]
    if "imp_field_" + name in catalogue(lang):
        return Message("imp_field_" + name).text(lang)
    return name


def _reason(err: ValidationError, written: pd.DataFrame | None, pos: int) -> Message:
    """The error's message with the values as written in the file, not as parsed."""
    message = err.message or Message("imp_err_plain", {"reason": err.reason})
    if written is None:
        return message
    params = dict(message.params)
    for name in ("value", "start", "end"):
        source = err.field if name == "value" else name
        if name in params and source in written.columns:
            text = written[source].iloc[pos]
            if text is not None and not (isinstance(text, float) and np.isnan(text)):
                params[name] = text
    return Message(message.key, params)


def _cell(value: object) -> str:
    """A value as the report shows it: as written, blank when there was none."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def report_frame(rejections: list[Rejection], lang: str, columns: dict[str, str]) -> pd.DataFrame:
    """The per-row report in ``lang``, sorted by row."""
    report = pd.DataFrame(
        [
            (r.row, field_label(r.field, lang, columns), _cell(r.value), r.message.text(lang))
            for r in rejections
        ],
        columns=REPORT_COLUMNS,
    )
    if len(report):
        report = report.sort_values(
            "row", key=lambda r: r.astype(str).str.zfill(9), kind="stable"
        ).reset_index(drop=True)
    return report


def prepare(
    outline: BaseGeometry | None,
    layer: str,
    frame: pd.DataFrame,
    *,
    lang: str = "sv",
    row_numbers: Sequence[object] | np.ndarray | None = None,
    pre_rejected: list[Rejection] | None = None,
    notes: list[Message] | None = None,
    vertex_times: dict[str, np.ndarray] | None = None,
    written: pd.DataFrame | None = None,
    columns: dict[str, str] | None = None,
    ignored_columns: list[str] | None = None,
    now: pd.Timestamp | None = None,
) -> ImportResult:
    """Validate ``frame`` against ``outline`` (EPSG:4326) and build the report.

    ``row_numbers`` label each frame row in the report (default: position + 2, the
    spreadsheet row under a header). ``pre_rejected`` are rows a reader already refused.
    ``written`` (same rows as ``frame``) holds each field's text as written in the file
    and ``columns`` the file column of each field, so messages quote the file.
    """
    rejected = list(pre_rejected or [])
    columns = dict(columns or {})
    text_notes = [n.text(lang) for n in notes or []]
    ignored = list(ignored_columns or [])
    if len(frame) == 0:
        if rejected:
            report = report_frame(rejected, lang, columns)
            return ImportResult(
                layer, frame, report, notes=text_notes, ignored_columns=ignored, lang=lang
            )
        raise ImportRejected("imp_file_no_rows")
    frame = frame.reset_index(drop=True)
    if written is not None:
        written = written.reset_index(drop=True)
    labels = np.asarray(
        row_numbers if row_numbers is not None else np.arange(len(frame)) + 2, dtype=object
    )
    try:
        clean, errors = validate_rows(layer, frame, outline, now=now)
    except ValidationError as exc:  # the whole input is unusable
        raise ImportRejected(
            "imp_file_unusable",
            field=field_label(exc.field, lang, columns),
            reason=exc.message or exc.reason,
        ) from exc
    for err in errors:
        pos = int(err.position or 0)
        value = None
        if written is not None and err.field in written.columns:
            value = written[err.field].iloc[pos]
        elif err.message is not None:
            value = err.message.params.get("value")
        rejected.append(Rejection(labels[pos], err.field, value, _reason(err, written, pos)))
    times = {u: t for u, t in (vertex_times or {}).items() if u in set(clean["uid"])}
    report = report_frame(rejected, lang, columns)
    return ImportResult(layer, clean, report, 0, text_notes, times, ignored, lang=lang)


def drop_stored(store: Store, result: ImportResult) -> ImportResult:
    """Count records already in the store as duplicates and keep only the new ones."""
    if result.accepted == 0:
        return result
    known = store.existing(result.layer, result.records["uid"].tolist())
    if not known:
        return result
    stored = np.fromiter((u in known for u in result.records["uid"]), bool, result.accepted)
    fresh = result.records[~stored].reset_index(drop=True)
    result.records = fresh
    result.duplicates += len(known)
    result.vertex_times = {u: t for u, t in result.vertex_times.items() if u not in known}
    return result


def commit(store: Store, result: ImportResult, *, user: str) -> list[str]:
    """Write the accepted records in one transaction; returns their ids."""
    if result.accepted == 0:
        return []
    if result.layer == "presence":
        return store.add(
            result.layer,
            result.records,
            user=user,
            vertex_times=result.vertex_times,
            validated=True,
        )
    return store.add(result.layer, result.records, user=user, validated=True)


def preview_frame(result: ImportResult, rows: int = 100) -> pd.DataFrame:
    """The first ``rows`` new records as people read them: fields named in the result's
    language, times in Swedish local time, choices as their labels, no ids or geometry."""
    from geo.model import LABEL_PREFIX, LOCAL_TZ, SCHEMAS

    lang = result.lang
    head = result.records.head(rows)
    out = pd.DataFrame(index=head.index)
    for f in SCHEMAS[result.layer].fields:
        if f.name not in head.columns or head[f.name].isna().all():
            continue
        values = head[f.name]
        if f.kind == "datetime":
            values = values.dt.tz_convert(LOCAL_TZ).dt.strftime("%Y-%m-%d %H:%M")
        elif f.name in LABEL_PREFIX:
            prefix = LABEL_PREFIX[f.name]
            values = values.map(lambda v, p=prefix: Message(p + v).text(lang) if v else v)
        out[field_label(f.name, lang)] = values.astype(object).where(values.notna(), "")
    return out.reset_index(drop=True)
