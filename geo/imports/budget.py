"""Upload budgets: what a file may cost to read, checked before or while it is read.

A small file can be expensive: a zipped Shapefile of 150,000 points, an .xlsx whose sheet
unpacks to 30 MB of XML, a GeoPackage whose "layer" is a view computing 30 million rows.
Each reader counts what it is about to read – bytes, zip members and their packing ratio,
table rows, spreadsheet cells, map features and vertices, GPX points – from the file's
structure (line breaks, the sheet's XML, the Shapefile index, the GeoPackage's own tables)
and refuses it with :class:`~geo.errors.OverBudget` before the expensive parse starts. The
parse itself runs in a worker process with CPU-time and memory limits
(:mod:`geo.imports.worker`) as the last line of defence.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from geo.config import Settings
from geo.errors import ImportRejected, OverBudget

MB = 1024 * 1024


@dataclass(frozen=True)
class Budget:
    """Limits for one upload.

    Attributes
    ----------
    max_bytes : the file's size.
    max_rows : rows of a CSV table.
    max_sheet_rows, max_sheet_cells : rows and cells of an Excel sheet (about 25 µs of
        parsing per cell: the defaults cost a few seconds at most).
    max_features, max_vertices : features and coordinate pairs of a map file.
    max_points : GPX track, route and way points.
    max_unzipped_bytes, max_zip_ratio : a zip's (or .xlsx's) unpacked size, and how much
        smaller than that any member may be packed (a Shapefile's padded .dbf packs up to
        about 300:1, a zip bomb about 1000:1).
    cpu_seconds, memory_mb : the worker process's CPU time and memory above its start.
    """

    max_bytes: int = 50 * MB
    max_rows: int = 1_000_000
    max_sheet_rows: int = 50_000
    max_sheet_cells: int = 500_000
    max_features: int = 100_000
    max_vertices: int = 2_000_000
    max_points: int = 2_000_000
    max_unzipped_bytes: int = 300 * MB
    max_zip_ratio: int = 500
    cpu_seconds: int = 120
    memory_mb: int = 2048

    @classmethod
    def from_settings(cls, settings: Settings) -> Budget:
        """The web upload budget of a deployment (``ALMHULT_UPLOAD_*``)."""
        return cls(
            max_bytes=settings.upload_max_mb * MB,
            max_rows=settings.upload_max_rows,
            max_features=settings.upload_max_features,
            max_points=settings.upload_max_points,
            cpu_seconds=settings.upload_cpu_seconds,
            memory_mb=settings.upload_memory_mb,
        )


UNLIMITED = Budget(
    max_bytes=1 << 62,
    max_rows=1 << 62,
    max_sheet_rows=1 << 62,
    max_sheet_cells=1 << 62,
    max_features=1 << 62,
    max_vertices=1 << 62,
    max_points=1 << 62,
    max_unzipped_bytes=1 << 62,
    max_zip_ratio=1 << 62,
)
"""For files an operator imports on the server (the command line): no upload limits."""


def over(what: str, found: int, limit: int) -> OverBudget:
    """The refusal for ``found`` of ``what`` against ``limit``."""
    return OverBudget("imp_over_" + what, found=found, limit=limit)


def check_bytes(n_bytes: int, budget: Budget) -> None:
    """Refuse a file larger than the budget before reading it."""
    if n_bytes > budget.max_bytes:
        raise OverBudget(
            "imp_file_too_large", size=round(n_bytes / MB), limit=round(budget.max_bytes / MB)
        )


def check_zip(data: bytes, filename: str, budget: Budget) -> zipfile.ZipFile:
    """Open a zip (or .xlsx) and refuse it when it unpacks too large or too densely.

    Uses the sizes in the zip's directory; :func:`count_in_member` checks them again while
    unpacking, since the directory can lie.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportRejected("imp_file_not_zip", name=filename) from exc
    total = sum(m.file_size for m in members)
    if total > budget.max_unzipped_bytes:
        raise over("unzipped", round(total / MB), round(budget.max_unzipped_bytes / MB))
    for m in members:
        if m.file_size > 1 * MB and m.file_size > budget.max_zip_ratio * max(m.compress_size, 1):
            raise over(
                "zip_ratio", round(m.file_size / max(m.compress_size, 1)), budget.max_zip_ratio
            )
    return archive


def count_in_member(
    archive: zipfile.ZipFile, name: str, needles: tuple[bytes, ...], budget: Budget
) -> list[int]:
    """Occurrences of each of ``needles`` in one zip member, unpacked in 1 MB pieces.

    Stops (refusing) as soon as more than the budget's unpacked size came out.
    """
    counts = [0] * len(needles)
    tail = b""
    seen = 0
    with archive.open(name) as member:
        while piece := member.read(MB):
            seen += len(piece)
            if seen > budget.max_unzipped_bytes:
                raise over("unzipped", round(seen / MB), round(budget.max_unzipped_bytes / MB))
            window = tail + piece
            for i, needle in enumerate(needles):
                counts[i] += window.count(needle) - tail.count(needle)
            tail = piece[-16:]
    return counts
