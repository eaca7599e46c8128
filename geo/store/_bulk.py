"""Large inserts into a GeoPackage table without GDAL's per-row triggers.

A GeoPackage keeps its spatial index (``rtree_<table>_geom``) and the feature count in
``gpkg_ogr_contents`` up to date with triggers that run once per inserted row: for a
million rows that is most of an import's time. For one large insert the triggers are
dropped, the rows inserted, the index filled once from the geometries' bounds (computed
on arrays; packed in one pass when the insert is large against the index) and the count
set, the table's B-tree indexes rebuilt by one sort when the insert outgrows them, and the
triggers created again from their own SQL – all in the caller's transaction, so a failure
or a crash leaves the file as it was. GDAL does the same for its bulk loads. Small inserts
keep the triggers (cheaper than the bookkeeping).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from geo.store import _rtree
from geo.store.common import quote

BULK_ROWS = 5_000
"""From this many rows on, an insert suspends the per-row triggers."""
INSERT_ROWS = 50_000
"""Rows turned into Python values and inserted at a time (bounds memory, not speed)."""


def _rebuild(rows: int, existing: int, ratio: int) -> bool:
    """Whether rebuilding a structure for ``existing + rows`` entries beats ``rows`` single
    inserts into it (each costs about ``ratio`` times one entry of a rebuild)."""
    return rows >= BULK_ROWS and rows * ratio >= existing


class BulkInsert:
    """One table's open bulk insert: the caller's inserts add their geometries' bounds
    (``n x 4``: minx, miny, maxx, maxy, NaN for none) in insertion order."""

    def __init__(self) -> None:
        self.bounds: list[np.ndarray] = []


@contextmanager
def bulk_insert(conn: sqlite3.Connection, table: str, rows: int) -> Iterator[BulkInsert | None]:
    """Around inserts of about ``rows`` rows into ``table`` (in as many statements as the
    caller likes), inside an open transaction; yields None for a small insert.

    Per-row triggers are suspended and their work done once; the table's own indexes are
    dropped and created again (one sort) when the insert at least half doubles the table,
    and its R*Tree packed anew (:mod:`geo.store._rtree`) when the insert adds a quarter or
    more to it; smaller bulk inserts fill the R*Tree row by row from the bounds.
    """
    if rows < BULK_ROWS:
        yield None
        return
    rtree, count = f"rtree_{table}_geom_insert", f"trigger_insert_feature_count_{table}"
    saved = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
        [rtree, count],
    ).fetchall()
    (before,) = conn.execute(f"SELECT coalesce(max(fid), 0) FROM {quote(table)}").fetchone()
    indexes = []
    if _rebuild(rows, before, 2):
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            [table],
        ).fetchall()
    for name, _ in saved:
        conn.execute(f"DROP TRIGGER {quote(name)}")
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {quote(name)}")
    bulk = BulkInsert()
    yield bulk
    names = {name for name, _ in saved}
    if rtree in names and bulk.bounds:
        _fill_rtree(conn, table, before, np.concatenate(bulk.bounds))
    if count in names:
        conn.execute(
            "UPDATE gpkg_ogr_contents SET feature_count = "
            f"(SELECT count(*) FROM {quote(table)}) WHERE lower(table_name) = lower(?)",
            [table],
        )
    if indexes:
        conn.execute("PRAGMA temp_store = MEMORY")  # the index sorts: in memory, not temp files
    for _, sql in [*saved, *indexes]:
        conn.execute(sql)


def _fill_rtree(conn: sqlite3.Connection, table: str, before: int, bounds: np.ndarray) -> None:
    """Index the rows inserted after fid ``before`` (``bounds`` in fid order)."""
    index = "rtree_" + table + "_geom"
    fids = np.array(
        conn.execute(
            f"SELECT fid FROM {quote(table)} WHERE fid > ? ORDER BY fid", [before]
        ).fetchall(),
        dtype=np.int64,
    ).reshape(-1)
    present = ~np.isnan(bounds[:, 0])
    fids, bounds = fids[present], bounds[present]
    (existing,) = conn.execute(f"SELECT count(*) FROM {quote(index + '_rowid')}").fetchone()
    if _rebuild(len(fids), existing, 4):
        old = np.array(
            conn.execute(f"SELECT id, minx, miny, maxx, maxy FROM {quote(index)}").fetchall(),
            dtype=np.float64,
        ).reshape(-1, 5)
        ids = np.concatenate([old[:, 0].astype(np.int64), fids])
        _rtree.pack(conn, index, ids, np.concatenate([old[:, 1:], bounds]))
        return
    minx, miny, maxx, maxy = bounds.T
    conn.executemany(
        f"INSERT OR REPLACE INTO {quote(index)} VALUES (?, ?, ?, ?, ?)",
        zip(fids.tolist(), minx.tolist(), maxx.tolist(), miny.tolist(), maxy.tolist(),
            strict=True),
    )  # fmt: skip
