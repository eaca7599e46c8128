"""One entry for every file type: pick the reader by name and content."""

from __future__ import annotations

from geo.errors import ImportRejected
from geo.imports.base import ImportResult, check_upload_size
from geo.imports.geofile import prepare_geofile, read_geofile
from geo.imports.gpx import prepare_gpx
from geo.imports.polisen import prepare_polisen
from geo.imports.tabular import prepare_table, read_table
from geo.store.base import Store

TABLES = ("csv", "txt", "xlsx", "xlsm")
FILE_TYPES = (*TABLES, "gpx", "json", "geojson", "gpkg", "zip")


def is_polisen_feed(data: bytes) -> bool:
    """A JSON array whose first item looks like a Polisen event."""
    head = data[:2000].decode("utf-8", "ignore").lstrip("\ufeff \n\r\t")
    return head.startswith("[") and '"location"' in head and '"summary"' in head


def prepare_file(
    store: Store,
    data: bytes,
    filename: str,
    layer: str = "presence",
    *,
    mapping: dict[str, str] | None = None,
    kind: str = "car_patrol",
    limit_mb: int = 50,
) -> list[ImportResult]:
    """Check a file for import; a Polisen feed gives two results (presence, incidents)."""
    check_upload_size(len(data), limit_mb)
    if not data.strip():
        raise ImportRejected(f"{filename} is empty")
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix in TABLES:
        return [prepare_table(store, read_table(data, filename), layer, mapping)]
    if suffix == "gpx":
        return [prepare_gpx(store, data, kind)]
    if suffix == "json" and is_polisen_feed(data):
        return list(prepare_polisen(store, data))
    if suffix in ("json", "geojson", "gpkg", "zip"):
        return [prepare_geofile(store, read_geofile(data, filename), layer)]
    raise ImportRejected(
        f"{filename}: '.{suffix}' is not supported (use {', '.join('.' + s for s in FILE_TYPES)})"
    )
