"""CSV and Excel (.xlsx) → records, with Swedish conventions and coordinate detection.

CSV: UTF-8 or cp1252, separator ``;`` ``,`` or tab (sniffed), decimal comma with ``;``;
read in chunks of :data:`CHUNK_ROWS` rows, each checked as whole columns
(:mod:`geo.imports.columns`), so a million-row GPS export costs seconds and bounded memory.
Times without a zone are Swedish local time (:mod:`geo.imports.times`). Problem-spot lists
from a dialogue need no ``status`` (``new``) and may take the reported date from the user.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from shapely.geometry.base import BaseGeometry

from geo.errors import ImportRejected, Message
from geo.imports.base import (
    ImportResult,
    Progress,
    Rejection,
    prepare,
    records_frame,
    report_frame,
)
from geo.imports.budget import UNLIMITED, Budget, check_zip, count_in_member, over
from geo.imports.columns import COORDINATES, Coordinates, candidates, guess_mapping
from geo.model import SCHEMAS, SpotStatus

TABLES = ("csv", "txt", "xlsx", "xlsm")
CHUNK_ROWS = 200_000
LAYERS = ("presence", "problem_spots")


def _suffix(filename: str) -> str:
    return filename.lower().rsplit(".", 1)[-1] if "." in filename else ""


def _csv_text(data: bytes, filename: str) -> tuple[str, str]:
    """The CSV's text and separator."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV (semikolonavgränsad)"
    if not text.strip():
        raise ImportRejected("imp_file_empty", name=filename)
    try:
        sep = csv.Sniffer().sniff(text[:4096], delimiters=";,\t").delimiter
    except csv.Error:
        sep = ";" if text.count(";") >= text.count(",") else ","
    return text, sep


def _check_sheet(data: bytes, filename: str, budget: Budget) -> None:
    """Count the first sheet's rows and cells in its XML before any parsing."""
    archive = check_zip(data, filename, budget)
    sheets = sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
    if not sheets:
        raise ImportRejected("imp_file_not_excel", name=filename)
    counts = count_in_member(archive, sheets[0], (b"<row ", b"<row>", b"<c ", b"<c>"), budget)
    rows, cells = counts[0] + counts[1] - 1, counts[2] + counts[3]  # less the header row
    if rows > budget.max_sheet_rows:
        raise over("sheet_rows", rows, budget.max_sheet_rows)
    if cells > budget.max_sheet_cells:
        raise over("sheet_cells", cells, budget.max_sheet_cells)


def table_chunks(
    data: bytes, filename: str, budget: Budget = UNLIMITED, *, rows: int = CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """The rows of a CSV or .xlsx as text, ``rows`` at a time, within ``budget``."""
    suffix = _suffix(filename)
    if suffix in ("xlsx", "xlsm"):
        _check_sheet(data, filename, budget)
        try:
            frame = pd.read_excel(io.BytesIO(data), dtype=object)
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise ImportRejected("imp_file_not_excel", name=filename) from exc
        frame = frame.dropna(how="all")
        for start in range(0, max(len(frame), 1), rows):
            yield frame.iloc[start : start + rows]
        return
    if suffix not in ("csv", "txt"):
        raise ImportRejected("imp_file_table_type", name=filename, suffix=suffix)
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1) - 1
    if lines > budget.max_rows:
        raise over("rows", lines, budget.max_rows)
    yield from _csv_chunks(data, filename, rows)


def _encoding(data: bytes) -> str:
    """UTF-8 when the bytes are UTF-8, else Excel's Swedish cp1252."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf8"


def _csv_chunks(data: bytes, filename: str, rows: int) -> Iterator[pd.DataFrame]:
    """A CSV as text columns, streamed by Arrow's reader in blocks, ``rows`` at a time."""
    columns = table_columns(data, filename)
    head = data[:65536]
    _, sep = _csv_text(head[: head.rfind(b"\n") + 1] or head, filename)
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    try:
        reader = pacsv.open_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(
                encoding=_encoding(data), block_size=16 << 20, column_names=columns, skip_rows=1
            ),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(columns, pa.string()), strings_can_be_null=True
            ),
        )
        for batch in reader:
            frame = batch.to_pandas(types_mapper={pa.string(): text}.get)
            frame = frame.dropna(how="all")
            for start in range(0, len(frame), rows):
                yield frame.iloc[start : start + rows]
    except pa.ArrowInvalid as exc:
        found = re.search(r"Expected (\d+) columns, got (\d+): (.*)", str(exc))
        if not found:
            raise ImportRejected("imp_file_csv_unreadable", name=filename) from exc
        expected, got, line = found.groups()
        raise ImportRejected(
            "imp_file_csv_broken", name=filename, got=int(got), expected=int(expected),
            line=line[:80],
        ) from exc  # fmt: skip


def table_columns(data: bytes, filename: str, budget: Budget = UNLIMITED) -> list[str]:
    """The header of a CSV or .xlsx, read without parsing the rest (for column mapping)."""
    if _suffix(filename) in ("xlsx", "xlsm"):
        _check_sheet(data, filename, budget)
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            first = next(book.worksheets[0].iter_rows(max_row=1, values_only=True), ())
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise ImportRejected("imp_file_not_excel", name=filename) from exc
        return [str(c) for c in first if c is not None]
    head = data[:65536]
    head = head[: head.rfind(b"\n") + 1] or head  # whole lines: no character cut in two
    text, sep = _csv_text(head, filename)
    return next(csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True), [])


def read_table(data: bytes, filename: str, budget: Budget = UNLIMITED) -> pd.DataFrame:
    """The whole table as text; refused whole when unreadable or without rows."""
    frames = list(table_chunks(data, filename, budget))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if frame.empty:
        raise ImportRejected("imp_file_no_rows")
    return frame


def _check_columns(
    columns: list[str], layer: str, mapping: dict[str, str], defaults: dict[str, object]
) -> list[Message]:
    """Refuse a table missing a required column that has no default; say what defaults."""
    schema = SCHEMAS[layer]
    notes: list[Message] = []
    if layer == "problem_spots" and "status" not in mapping:
        defaults.setdefault("status", SpotStatus.NEW.value)
        notes.append(Message("imp_note_status_default", {"status": Message("status_new")}))
    elif layer == "problem_spots":
        defaults.setdefault("status", SpotStatus.NEW.value)  # blank cells
    if layer == "problem_spots" and "reported" not in mapping and defaults.get("reported"):
        notes.append(Message("imp_note_reported_default", {"date": str(defaults["reported"])}))
    missing = [
        f.name
        for f in schema.fields
        if f.required and f.name not in mapping and defaults.get(f.name) is None
    ]
    if missing == ["reported"]:
        raise ImportRejected("imp_file_missing_reported", found=", ".join(columns))
    if missing:
        raise ImportRejected(
            "imp_file_missing_columns",
            missing=tuple(Message("imp_field_" + m) for m in missing),
            found=", ".join(columns),
        )
    return notes


def ignored_columns(columns: list[str], mapping: dict[str, str]) -> list[str]:
    """The file's columns that no field is read from."""
    used = set(mapping.values())
    return [str(c) for c in columns if c not in used]


def prepare_table(
    outline: BaseGeometry | None,
    chunks: Iterator[pd.DataFrame] | pd.DataFrame,
    layer: str,
    mapping: dict[str, str] | None = None,
    *,
    lang: str = "sv",
    defaults: dict[str, object] | None = None,
    running_clock: bool = False,
    progress: Progress | None = None,
    total_rows: int | None = None,
) -> ImportResult:
    """Check a table for ``layer`` chunk by chunk with a column ``mapping`` (field → column).

    ``defaults`` fill fields without a column (``reported``: a date the user picked);
    ``running_clock``: times come from a GPS log whose clock ran on through the clock
    change (see :mod:`geo.imports.times`). ``progress`` is told the share of rows done
    out of ``total_rows``.
    """
    if layer not in LAYERS:
        raise ImportRejected("imp_file_table_layer", layer=Message("layer_" + layer))
    if isinstance(chunks, pd.DataFrame):
        chunks = iter([chunks])
    defaults = dict(defaults or {})
    first = next(chunks, None)
    if first is None or first.empty:
        raise ImportRejected("imp_file_no_rows")
    columns = [str(c) for c in first.columns]
    mapping = mapping or guess_mapping(columns, layer)
    notes = _check_columns(columns, layer, mapping, defaults)
    ignored = ignored_columns(columns, mapping)
    if ignored:
        notes.append(Message("imp_note_ignored", {"columns": ", ".join(ignored)}))
    how: Coordinates | None = None
    parts: list[ImportResult] = []
    rejected: list[Rejection] = []
    row, seen = 2, set()
    chunk: pd.DataFrame | None = first
    while chunk is not None:
        cand, how = candidates(
            chunk,
            layer,
            mapping,
            first_row=row,
            coordinates=how,
            defaults=defaults,
            running_clock=running_clock,
        )
        if row == 2 and how is not None:
            notes = [*how.notes, *notes]
        notes += cand.notes
        rejected += cand.rejected
        uids = cand.records["uid"].tolist()
        again = np.fromiter((u in seen for u in uids), dtype=bool, count=len(uids))
        for pos in np.flatnonzero(again):
            rejected.append(
                Rejection(int(cand.rows[pos]), "uid", None, Message("imp_err_uid_twice"))
            )
        if again.any():
            cand.records, cand.written = cand.records[~again], cand.written[~again]
            cand.rows = cand.rows[~again]
        if len(cand.records):
            part = prepare(
                outline,
                layer,
                cand.records,
                lang=lang,
                row_numbers=cand.rows,
                written=cand.written,
                columns=_labels(mapping),
            )
            seen.update(part.records["uid"].tolist())  # a set: Arrow's isin is slow on many
            parts.append(part)
        row += len(chunk)
        if progress is not None and total_rows:
            progress(
                min(1.0, (row - 2) / total_rows), Message("imp_progress_rows", {"rows": row - 2})
            )
        chunk = next(chunks, None)
    merged = _merge(layer, parts, rejected, notes, ignored, lang, _labels(mapping))
    pa.default_memory_pool().release_unused()  # what the chunks used goes back to the system
    return merged


def _labels(mapping: dict[str, str]) -> dict[str, str]:
    """Field → the file's column name(s) for the report (coordinates as one field)."""
    labels = {k: v for k, v in mapping.items() if k not in COORDINATES}
    pair = [mapping[c] for c in ("lat", "lon", "north", "east") if c in mapping]
    labels["geometry"] = "/".join(pair[:2]) if pair else "geometry"
    for c in COORDINATES:
        if c in mapping:
            labels[c] = mapping[c]
    return labels


def _merge(
    layer: str,
    parts: list[ImportResult],
    rejected: list[Rejection],
    notes: list[Message],
    ignored: list[str],
    lang: str,
    columns: dict[str, str],
) -> ImportResult:
    """One result from the chunks' results; a row repeating an earlier chunk's id is refused."""
    reports = [p.rejected for p in parts]
    reports.append(report_frame(rejected, lang, columns))
    report = pd.concat([r for r in reports if len(r)] or [reports[-1]], ignore_index=True)
    if len(report):
        report = report.sort_values(
            "row", key=lambda r: r.astype(str).str.zfill(9), kind="stable"
        ).reset_index(drop=True)
    records = (
        pd.concat([p.records for p in parts], ignore_index=True) if parts else records_frame([])
    )
    texts = list(dict.fromkeys(n.text(lang) for n in notes))
    return ImportResult(layer, records, report, 0, texts, {}, ignored, lang=lang)
