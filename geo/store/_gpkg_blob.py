"""GeoPackage geometry blobs (OGC 12-128r18 §2.1.3) and the SQL functions GDAL's R-tree
triggers call, so that plain ``sqlite3`` can write rows of a GDAL-created GeoPackage in one
transaction.
"""

from __future__ import annotations

import sqlite3
import struct

import numpy as np
import shapely

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_EMPTY_FLAG = 0b0001_0000
_ENVELOPE_XY = 0b0000_0010
_LITTLE_ENDIAN = 0b0000_0001


def encode(geoms: np.ndarray, srs_id: int = 4326) -> list[bytes | None]:
    """Encode shapely geometries (EPSG ``srs_id``) as GeoPackage blobs; None stays None."""
    geoms = np.asarray(geoms, dtype=object)
    out: list[bytes | None] = [None] * len(geoms)
    present = ~shapely.is_missing(geoms)
    if not present.any():
        return out
    idx = np.flatnonzero(present)
    wkbs = shapely.to_wkb(geoms[idx], output_dimension=2, byte_order=1)
    bounds = shapely.bounds(geoms[idx])
    empty = shapely.is_empty(geoms[idx])
    for i, wkb, (minx, miny, maxx, maxy), is_empty in zip(idx, wkbs, bounds, empty, strict=True):
        if is_empty:
            header = struct.pack("<2sBBi", b"GP", 0, _LITTLE_ENDIAN | _EMPTY_FLAG, srs_id)
            out[i] = header + wkb
        else:
            header = struct.pack(
                "<2sBBi4d",
                b"GP",
                0,
                _LITTLE_ENDIAN | _ENVELOPE_XY,
                srs_id,
                minx,
                maxx,
                miny,
                maxy,
            )
            out[i] = header + wkb
    return out


def _wkb_offset(blob: bytes) -> int:
    return 8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 0b111]


def decode(blobs: list[bytes | None]) -> np.ndarray:
    """Decode GeoPackage blobs to an array of shapely geometries (None for null)."""
    wkbs = [None if b is None else bytes(b[_wkb_offset(b) :]) for b in blobs]
    return shapely.from_wkb(np.array(wkbs, dtype=object))


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
