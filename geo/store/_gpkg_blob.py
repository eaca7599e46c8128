"""GeoPackage geometry blobs (OGC 12-128r18 §2.1.3) and the SQL functions GDAL's R-tree
triggers call, so that plain ``sqlite3`` can write rows of a GDAL-created GeoPackage in one
transaction.
"""

from __future__ import annotations

import sqlite3
import struct

import numpy as np
import pyarrow as pa
import shapely

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_EMPTY_FLAG = 0b0001_0000
MAX_POINT_WKB = 37
"""Bytes of the largest point WKB (x, y, z, m); anything longer is not a point."""
MAX_POINT_BLOB = 8 + max(_ENVELOPE_BYTES.values()) + MAX_POINT_WKB
"""Bytes of the largest GeoPackage blob that can hold a point (header, envelope, WKB)."""
_ENVELOPE_XY = 0b0000_0010
_LITTLE_ENDIAN = 0b0000_0001
_HEADER = np.dtype(
    [("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs_id", "<i4"), ("envelope", "<f8", 4)]
)  # packed: 40 bytes, the XY envelope (minx, maxx, miny, maxy) last
_POINT = np.dtype(_HEADER.descr + [("order", "u1"), ("type", "<u4"), ("xy", "<f8", 2)])


def encode(geoms: np.ndarray, srs_id: int = 4326) -> list[bytes | None]:
    """Encode shapely geometries (EPSG ``srs_id``) as GeoPackage blobs; None stays None."""
    geoms = np.asarray(geoms, dtype=object)
    out: list[bytes | None] = [None] * len(geoms)
    present = ~shapely.is_missing(geoms)
    if not present.any():
        return out
    idx = np.flatnonzero(present)
    if (shapely.get_type_id(geoms[idx]) == 0).all() and not shapely.is_empty(geoms[idx]).any():
        blobs = _points(geoms[idx], srs_id)
        if len(idx) == len(geoms):
            return list[bytes | None](blobs)
        for i, blob in zip(idx.tolist(), blobs, strict=True):
            out[i] = blob
        return out
    wkbs = shapely.to_wkb(geoms[idx], output_dimension=2, byte_order=1).tolist()
    empty = shapely.is_empty(geoms[idx])
    headers = np.zeros(len(idx), dtype=_HEADER)
    headers["magic"], headers["srs_id"] = b"GP", srs_id
    headers["flags"] = _LITTLE_ENDIAN | _ENVELOPE_XY
    headers["flags"][empty] = _LITTLE_ENDIAN | _EMPTY_FLAG
    minx, miny, maxx, maxy = shapely.bounds(geoms[idx]).T
    headers["envelope"] = np.column_stack([minx, maxx, miny, maxy])
    raw, size = headers.tobytes(), _HEADER.itemsize
    empty_size = size - _ENVELOPE_BYTES[1]  # an empty geometry's header has no envelope
    for n, (i, wkb, is_empty) in enumerate(zip(idx.tolist(), wkbs, empty.tolist(), strict=True)):
        start = n * size
        out[i] = raw[start : start + (empty_size if is_empty else size)] + wkb
    return out


def _points(points: np.ndarray, srs_id: int) -> list[bytes]:
    """Blobs of non-empty 2D points, built on arrays (header and WKB in one record)."""
    xy = shapely.get_coordinates(points)
    rows = np.zeros(len(points), dtype=_POINT)
    rows["magic"], rows["srs_id"] = b"GP", srs_id
    rows["flags"] = _LITTLE_ENDIAN | _ENVELOPE_XY
    rows["envelope"] = xy[:, [0, 0, 1, 1]]  # minx, maxx, miny, maxy
    rows["order"], rows["type"], rows["xy"] = 1, 1, xy  # WKB: little endian, Point
    raw, size = rows.tobytes(), _POINT.itemsize
    return [raw[start : start + size] for start in range(0, len(raw), size)]


def _wkb_offset(blob: bytes) -> int:
    return 8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 0b111]


def decode(blobs: list[bytes | None]) -> np.ndarray:
    """Decode GeoPackage blobs to an array of shapely geometries (None for null)."""
    wkbs = [None if b is None else bytes(b[_wkb_offset(b) :]) for b in blobs]
    return shapely.from_wkb(np.array(wkbs, dtype=object))


def wkb_point_xy(wkb: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per WKB value of an Arrow binary array: whether it is a non-empty point, and its x
    and y (NaN otherwise). Little-endian points (21 bytes) are read straight from the Arrow
    buffers; other values go through shapely."""
    wkb = wkb.combine_chunks() if isinstance(wkb, pa.ChunkedArray) else wkb
    n = len(wkb)
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    point = np.zeros(n, dtype=bool)
    if n == 0:
        return point, x, y
    buffers = wkb.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32, count=n + 1, offset=wkb.offset * 4)
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0)
    sizes = np.diff(offsets)
    valid = np.asarray(wkb.is_valid())
    at = offsets[:-1]
    fast = valid & (sizes == 21)
    fast[fast] = (
        (data[at[fast]] == 1)
        & (data[at[fast] + 1] == 1)
        & (data[at[fast][:, None] + np.arange(2, 5)] == 0).all(axis=1)
    )
    if fast.any():
        rows = data[at[fast][:, None] + np.arange(5, 21)].copy().view("<f8")
        x[fast], y[fast] = rows[:, 0], rows[:, 1]
        point[fast] = ~np.isnan(rows[:, 0])  # an empty point is written as NaN, NaN
    slow = np.flatnonzero(valid & ~fast & (sizes <= MAX_POINT_WKB))  # longer: never a point
    if len(slow):
        geoms = shapely.from_wkb(np.array(wkb.take(pa.array(slow)).to_pylist(), dtype=object))
        is_point = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
        point[slow[is_point]] = True
        x[slow[is_point]] = shapely.get_x(geoms[is_point])
        y[slow[is_point]] = shapely.get_y(geoms[is_point])
    return point, x, y


def _is_empty(blob: bytes | None) -> int | None:
    if blob is None:
        return None
    return int(bool(blob[3] & _EMPTY_FLAG))


def _bound(which: int):  # noqa: ANN202 - sqlite callback factory
    def fn(blob: bytes | None) -> float | None:
        if blob is None or blob[3] & _EMPTY_FLAG:
            return None
        code = (blob[3] >> 1) & 0b111
        if code:
            # envelope order: minx, maxx, miny, maxy
            return struct.unpack_from("<d", blob, 8 + 8 * which)[0]
        geom = shapely.from_wkb(bytes(blob[8:]))
        minx, miny, maxx, maxy = geom.bounds
        return (minx, maxx, miny, maxy)[which]

    return fn


def register_functions(conn: sqlite3.Connection) -> None:
    """Register ST_IsEmpty and ST_MinX/MaxX/MinY/MaxY, used by GDAL's R-tree triggers."""
    conn.create_function("ST_IsEmpty", 1, _is_empty, deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        conn.create_function(name, 1, _bound(i), deterministic=True)
