"""What every import shares: the result, the per-row report, stable ids, the size limit."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import WGS84
from geo.errors import ImportRejected, ValidationError
from geo.model import validate_rows
from geo.store.base import Store


@dataclass
class ImportResult:
    """An import checked and ready to commit.

    ``records`` are the valid new rows; ``rejected`` has one row per refused input row
    (``row``: the row number as a spreadsheet shows it, header = 1; ``field``; ``reason``);
    ``duplicates`` counts rows already stored; ``notes`` say what was detected or adjusted.
    """

    layer: str
    records: gpd.GeoDataFrame | pd.DataFrame
    rejected: pd.DataFrame
    duplicates: int = 0
    notes: list[str] = field(default_factory=list)
    vertex_times: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def accepted(self) -> int:
        return len(self.records)


def records_frame(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    """Reader output as a GeoDataFrame (EPSG:4326); an empty one when no row survived."""
    if not rows:
        return gpd.GeoDataFrame({"uid": []}, geometry=[], crs=WGS84)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def rejection(row: object, field_name: str, reason: str | None) -> dict[str, object]:
    return {"row": row, "field": field_name, "reason": reason}


def stable_uid(prefix: str, *parts: object) -> str:
    """An id derived from content, so the same row imported twice gets the same id."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:20]}"


def check_upload_size(n_bytes: int, limit_mb: int) -> None:
    """Refuse files above ``limit_mb`` megabytes before reading them."""
    if n_bytes > limit_mb * 1024 * 1024:
        raise ImportRejected(
            f"the file is {n_bytes / 1024 / 1024:.0f} MB; the limit is {limit_mb} MB "
            "(split it, or ask the administrator to raise ALMHULT_UPLOAD_MAX_MB)"
        )


def prepare(
    store: Store,
    layer: str,
    frame: pd.DataFrame,
    *,
    row_numbers: Sequence[object] | None = None,
    pre_rejected: list[dict[str, object]] | None = None,
    notes: list[str] | None = None,
    vertex_times: dict[str, np.ndarray] | None = None,
) -> ImportResult:
    """Validate ``frame`` row by row against the store's outline and drop known ids.

    ``row_numbers`` label each frame row in the report (default: position + 2, the
    spreadsheet row under a header). ``pre_rejected`` are rows a reader already refused.
    """
    rejected = list(pre_rejected or [])
    if len(frame) == 0:
        if rejected:
            return ImportResult(layer, frame, pd.DataFrame(rejected), notes=list(notes or []))
        raise ImportRejected("the file has no data rows")
    frame = frame.reset_index(drop=True)
    labels = row_numbers or [pos + 2 for pos in range(len(frame))]
    by_uid = dict(zip(frame["uid"], labels, strict=True)) if "uid" in frame.columns else {}
    outline = store.municipality()
    try:
        clean, errors = validate_rows(layer, frame, outline)
    except ValidationError as exc:  # the whole input is unusable
        raise ImportRejected(f"{exc.field}: {exc.reason}") from exc
    for err in errors:
        row = by_uid.get(err.record, err.record)
        if isinstance(err.record, int) and not by_uid:
            row = labels[err.record - 1]
        rejected.append(rejection(row, err.field, err.reason))
    known = store.existing(layer, clean["uid"].tolist()) if len(clean) else set()
    fresh = clean[~clean["uid"].isin(known)].reset_index(drop=True)
    times = {u: t for u, t in (vertex_times or {}).items() if u in set(fresh["uid"])}
    report = pd.DataFrame(rejected, columns=["row", "field", "reason"])
    if len(report):
        report = report.sort_values(
            "row", key=lambda r: r.astype(str).str.zfill(9), kind="stable"
        ).reset_index(drop=True)
    return ImportResult(layer, fresh, report, len(known), list(notes or []), times)


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
        )
    return store.add(result.layer, result.records, user=user)
