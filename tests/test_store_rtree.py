"""The packed R*Tree (geo/store/_rtree.py) is one SQLite accepts and answers like its own.

Every case checks SQLite's ``rtreecheck()``, compares box queries with a tree SQLite built
row by row from the same boxes, and edits the packed tree afterwards.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
import shapely

from geo.store._gpkg_blob import decode, encode
from geo.store._rtree import float32_outwards, pack

QUERIES = [(14.0, 56.4, 14.1, 56.5), (13.0, 55.0, 15.0, 57.0), (14.2, 56.6, 14.2005, 56.6005)]


def trees(n: int, seed: int) -> tuple[sqlite3.Connection, np.ndarray]:
    """An in-memory database with ``packed`` (by :func:`pack`) and ``built`` (row by row)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    for name in ("packed", "built"):
        conn.execute(f"CREATE VIRTUAL TABLE {name} USING rtree(id, minx, maxx, miny, maxy)")
    rng = np.random.default_rng(seed)
    x, y, w = rng.uniform(13.9, 14.5, n), rng.uniform(56.3, 56.7, n), rng.uniform(0, 0.01, n)
    ids = rng.permutation(np.arange(1, n + 1) * 3)
    conn.execute("BEGIN")
    pack(conn, "packed", ids, np.column_stack([x, y, x + w, y + w]))
    conn.execute("COMMIT")
    conn.executemany(
        "INSERT INTO built VALUES (?, ?, ?, ?, ?)",
        zip(ids.tolist(), x.tolist(), (x + w).tolist(), y.tolist(), (y + w).tolist(), strict=True),
    )
    return conn, ids


def found(conn: sqlite3.Connection, name: str, box: tuple[float, ...]) -> list[int]:
    sql = f"SELECT id FROM {name} WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?"
    return sorted(r[0] for r in conn.execute(sql, [box[0], box[2], box[1], box[3]]))


@pytest.mark.parametrize("n", [0, 1, 51, 52, 2_601, 2_602, 20_000])
def test_a_packed_tree_is_valid_and_answers_like_sqlites_own(n):
    conn, ids = trees(n, seed=n)
    assert conn.execute("SELECT rtreecheck('packed')").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM packed").fetchone() == (n,)
    for box in QUERIES:
        assert found(conn, "packed", box) == found(conn, "built", box)
    # single-row edits on the packed tree, as SQLite's triggers make them later
    gone = ids[:40].tolist()
    conn.executemany("DELETE FROM packed WHERE id = ?", [(i,) for i in gone])
    conn.execute("INSERT INTO packed VALUES (1000000001, 14.0, 14.1, 56.0, 56.1)")
    assert conn.execute("SELECT rtreecheck('packed')").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM packed").fetchone() == (max(n - 40, 0) + 1,)


def test_a_packed_tree_is_deep_enough_for_many_entries():
    conn, _ = trees(200_000, seed=1)
    depth = conn.execute("SELECT hex(substr(data, 1, 2)) FROM packed_node WHERE nodeno = 1")
    assert int(depth.fetchone()[0], 16) == 3  # 200,000 / 51 leaves -> 77 -> 2 -> root
    assert conn.execute("SELECT rtreecheck('packed')").fetchone() == ("ok",)


def test_boxes_are_rounded_outwards_to_32_bit_floats():
    low = np.array([14.123456789, -0.1, 1e-9])
    high = np.array([14.123456789, 0.1, 3e-9])
    lo, hi = float32_outwards(low, high)
    assert (lo.astype(np.float64) <= low).all() and (hi.astype(np.float64) >= high).all()


def test_point_blobs_match_the_general_encoding():
    """Points take a fast path on arrays; its blobs equal the ones built from WKB."""
    points = np.array([shapely.Point(14.1, 56.5), None, shapely.Point(-1.5, 2.25)], dtype=object)
    mixed = np.array([*points, shapely.LineString([(0, 0), (1, 1)])], dtype=object)
    assert encode(points) == encode(mixed)[:3]  # the line sends it down the general path
    assert list(decode(encode(points))) == list(points)
    assert encode(np.array([shapely.Point()], dtype=object))[0][3] & 0b1_0000  # empty flag
