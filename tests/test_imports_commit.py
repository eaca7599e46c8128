"""Committing a large import: one transaction, and a GeoPackage GDAL still reads right.

Large inserts suspend GeoPackage's per-row triggers (spatial index, feature count) and do
their work once (geo/store/_bulk.py); these tests check the file afterwards with SQLite and
with GDAL, and that a failed commit leaves nothing behind – not even dropped triggers.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pyogrio
import pytest

from geo.imports import commit
from geo.imports.files import prepare_file
from geo.store._bulk import BULK_ROWS

HEADER = "Typ;Starttid;Sluttid;Latitud;Longitud\n"


def patrols(n: int, seed: int = 0) -> bytes:
    """``n`` car patrols in Älmhult town on random days of 2018 (a CSV as police export it)."""
    rng = np.random.default_rng(seed)
    lat, lon = rng.uniform(56.53, 56.57, n), rng.uniform(14.11, 14.16, n)
    start = pd.Timestamp("2018-01-01 06:00") + pd.to_timedelta(rng.integers(0, 300, n), "D")
    start = start + pd.to_timedelta(rng.integers(0, 600, n), "min")
    end = start + pd.Timedelta(minutes=45)
    rows = [
        f"Bilpatrull;{a:%Y-%m-%d %H:%M};{b:%Y-%m-%d %H:%M};{y:.6f};{x:.6f}\n".replace(".", ",")
        for a, b, y, x in zip(start, end, lat, lon, strict=True)
    ]
    return (HEADER + "".join(rows)).encode()


def triggers(path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}


def indexes(path) -> set[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return set(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))


def index_ok(path) -> bool:
    with sqlite3.connect(path) as conn:
        tree = conn.execute("SELECT rtreecheck('rtree_presence_geom')").fetchone()
        return tree == ("ok",) and conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_large_import_leaves_a_complete_geopackage(store):
    before, indexed_before = triggers(store.path), indexes(store.path)
    (result,) = prepare_file(store, patrols(BULK_ROWS + 500), "pass.csv")
    assert result.accepted > BULK_ROWS
    commit(store, result, user="bulk")
    assert triggers(store.path) == before  # every suspended trigger is back
    assert indexes(store.path) == indexed_before  # and every dropped index
    assert index_ok(store.path)  # the packed spatial index and the file pass SQLite's checks
    with sqlite3.connect(store.path) as conn:
        counts = dict(conn.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents"))
        (indexed,) = conn.execute("SELECT count(*) FROM rtree_presence_geom").fetchone()
        (stored,) = conn.execute("SELECT count(*) FROM presence").fetchone()
        (fixes,) = conn.execute("SELECT count(*) FROM presence_fixes").fetchone()
        (logged,) = conn.execute("SELECT count(*) FROM audit").fetchone()
    assert indexed == stored == result.accepted
    assert counts["presence"] == stored and counts["presence_fixes"] == fixes == 0
    assert len(store.fixes()) == 2 * stored  # a point's start and end: implied, not rows
    assert counts["audit"] == logged
    assert pyogrio.read_info(store.path, layer="presence")["features"] == stored
    # the spatial index answers bounding-box queries like the geometries do
    bbox = (14.12, 56.54, 14.14, 56.56)
    inside = store.query("presence", bbox=bbox)
    everything = store.query("presence")
    x, y = everything.geometry.x, everything.geometry.y
    expected = ((x >= bbox[0]) & (x <= bbox[2]) & (y >= bbox[1]) & (y <= bbox[3])).sum()
    assert len(inside) == expected > 0
    # a small write afterwards goes through the restored triggers
    (small,) = prepare_file(store, patrols(3, seed=9), "tre.csv")
    commit(store, small, user="bulk")
    with sqlite3.connect(store.path) as conn:
        (indexed,) = conn.execute("SELECT count(*) FROM rtree_presence_geom").fetchone()
    assert indexed == stored + small.accepted


def test_imports_into_a_filled_store_keep_the_index_whole(store):
    """A second large import repacks the spatial index with the old entries; a smaller one
    (under a quarter of the table) adds its boxes one by one. Both leave a valid tree."""
    first, second, third = (
        prepare_file(store, patrols(n, seed=s), f"{s}.csv")[0]
        for n, s in ((BULK_ROWS * 4, 1), (BULK_ROWS * 2, 2), (BULK_ROWS + 1, 3))
    )
    total = 0
    for result in (first, second, third):
        commit(store, result, user="bulk")
        total += result.accepted
        assert index_ok(store.path)
        with sqlite3.connect(store.path) as conn:
            assert conn.execute("SELECT count(*) FROM rtree_presence_geom").fetchone() == (total,)
    bbox = (14.12, 56.54, 14.14, 56.56)
    everything = store.query("presence")
    x, y = everything.geometry.x, everything.geometry.y
    expected = ((x >= bbox[0]) & (x <= bbox[2]) & (y >= bbox[1]) & (y <= bbox[3])).sum()
    assert len(store.query("presence", bbox=bbox)) == expected > 0


def test_a_failed_large_commit_leaves_nothing(store, monkeypatch):
    before = triggers(store.path)
    (result,) = prepare_file(store, patrols(BULK_ROWS + 10), "pass.csv")

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(store), "_changed", fail)  # after the rows and fixes went in
    with pytest.raises(RuntimeError, match="disk full"):
        commit(store, result, user="bulk")
    assert triggers(store.path) == before
    assert index_ok(store.path)
    assert store.query("presence").empty and store.fixes().empty
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT count(*) FROM rtree_presence_geom").fetchone() == (0,)
