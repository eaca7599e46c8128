"""One entry for every file type: pick the reader by name and content."""

from __future__ import annotations

from shapely.geometry.base import BaseGeometry

from geo.errors import ImportRejected, Message
from geo.imports.base import ImportResult, Progress, drop_stored
from geo.imports.budget import UNLIMITED, Budget, check_bytes
from geo.imports.geofile import prepare_geofile, read_geofile
from geo.imports.gpx import prepare_gpx
from geo.imports.polisen import prepare_polisen
from geo.imports.tabular import TABLES, prepare_table, table_chunks
from geo.store.base import Store

FILE_TYPES = (*TABLES, "gpx", "json", "geojson", "gpkg", "zip")


def is_polisen_feed(data: bytes) -> bool:
    """A JSON array whose first item looks like a Polisen event."""
    head = data[:2000].decode("utf-8", "ignore").lstrip("\ufeff \n\r\t")
    return head.startswith("[") and ('"datetime"' in head or '"summary"' in head)


def _rows_in(data: bytes) -> int:
    """Data rows of a table, about (line breaks less the header), for progress."""
    return max(data.count(b"\n") - 1, 1)


def read_file(
    outline: BaseGeometry | None,
    data: bytes,
    filename: str,
    layer: str = "presence",
    *,
    lang: str = "sv",
    mapping: dict[str, str] | None = None,
    kind: str = "car_patrol",
    defaults: dict[str, object] | None = None,
    running_clock: bool = False,
    budget: Budget = UNLIMITED,
    progress: Progress | None = None,
) -> list[ImportResult]:
    """Read and check a file for import against the municipality ``outline`` (EPSG:4326).

    Needs no store, so it can run in a worker process; a Polisen feed gives two results
    (presence, incidents). Texts in the results are in ``lang``.
    """
    check_bytes(len(data), budget)
    if not data.strip():
        raise ImportRejected("imp_file_empty", name=filename)
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if progress is not None:
        progress(0.0, Message("imp_progress_reading"))
    if suffix in TABLES:
        chunks = table_chunks(data, filename, budget)
        return [
            prepare_table(
                outline,
                chunks,
                layer,
                mapping,
                lang=lang,
                defaults=defaults,
                running_clock=running_clock,
                progress=progress,
                total_rows=_rows_in(data),
            )
        ]
    if suffix == "gpx":
        return [prepare_gpx(outline, data, kind, lang=lang, budget=budget)]
    if suffix == "json" and is_polisen_feed(data):
        return list(prepare_polisen(outline, data, lang=lang))
    if suffix in ("json", "geojson", "gpkg", "zip"):
        frame = read_geofile(data, filename, budget)
        return [prepare_geofile(outline, frame, layer, lang=lang, defaults=defaults)]
    raise ImportRejected(
        "imp_file_type",
        name=filename,
        suffix=suffix,
        known=", ".join("." + s for s in FILE_TYPES),
    )


def prepare_file(
    store: Store, data: bytes, filename: str, layer: str = "presence", **options: object
) -> list[ImportResult]:
    """:func:`read_file` against the store's outline, then rows already stored counted out."""
    results = read_file(store.municipality(), data, filename, layer, **options)  # type: ignore[arg-type]
    return [drop_stored(store, r) for r in results]
