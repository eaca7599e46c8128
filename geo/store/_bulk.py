"""Large inserts into a GeoPackage table without GDAL's per-row triggers.

A GeoPackage keeps its spatial index (``rtree_<table>_geom``) and the feature count in
``gpkg_ogr_contents`` up to date with triggers that run once per inserted row: for a
million rows that is most of an import's time. For one large insert the triggers are
dropped, the rows inserted, the index filled once from the geometries' bounds (computed
on arrays) and the count set, and the triggers created again from their own SQL – all in
the caller's transaction, so a failure or a crash leaves the file as it was. GDAL does the
same for its bulk loads. Small inserts keep the triggers (cheaper than the bookkeeping).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import shapely

BULK_ROWS = 5_000
"""From this many rows on, an insert suspends the per-row triggers."""
INSERT_ROWS = 50_000
"""Rows turned into Python values and inserted at a time (bounds memory, not speed)."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def bulk_insert(
    conn: sqlite3.Connection, table: str, rows: int, geoms: np.ndarray | None = None
) -> Iterator[None]:
    """Around an insert of ``rows`` rows into ``table`` (geometries ``geoms``, EPSG:4326,
    in insertion order), inside an open transaction."""
    if rows < BULK_ROWS:
        yield
        return
    rtree, count = f"rtree_{table}_geom_insert", f"trigger_insert_feature_count_{table}"
    saved = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
        [rtree, count],
    ).fetchall()
    (before,) = conn.execute(f"SELECT coalesce(max(fid), 0) FROM {_quote(table)}").fetchone()
    for name, _ in saved:
        conn.execute(f"DROP TRIGGER {_quote(name)}")
    yield
    names = {name for name, _ in saved}
    if rtree in names and geoms is not None:
        fids = np.array(
            conn.execute(
                f"SELECT fid FROM {_quote(table)} WHERE fid > ? ORDER BY fid", [before]
            ).fetchall(),
            dtype=np.int64,
        ).reshape(-1)
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        minx, miny, maxx, maxy = shapely.bounds(geoms[present]).T
        conn.executemany(
            f"INSERT OR REPLACE INTO {_quote('rtree_' + table + '_geom')} VALUES (?, ?, ?, ?, ?)",
            zip(fids[present].tolist(), minx.tolist(), maxx.tolist(), miny.tolist(),
                maxy.tolist(), strict=True),
        )  # fmt: skip
    if count in names:
        conn.execute(
            "UPDATE gpkg_ogr_contents SET feature_count = "
            f"(SELECT count(*) FROM {_quote(table)}) WHERE lower(table_name) = lower(?)",
            [table],
        )
    for _, sql in saved:
        conn.execute(sql)
