"""Presence fixes: the time-stamped positions behind every presence record.

A track (LineString) yields one fix per vertex; a point presence yields a fix at its start
and one at its end. Coverage is computed over fixes, so tracks and points count alike.
Times are UTC epoch seconds; positions WGS84 degrees.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import to_sweref

FIX_COLUMNS = ["presence_uid", "seq", "t", "lon", "lat", "kind"]


def fixes_from_presence(
    presence: gpd.GeoDataFrame,
    vertex_times: dict[str, np.ndarray] | None = None,
    *,
    with_record: bool = False,
) -> pd.DataFrame:
    """Fixes for validated presence records (EPSG:4326, ``start``/``end`` UTC timestamps).

    Parameters
    ----------
    presence : validated presence records with ``uid``, ``kind``, ``start``, ``end``.
    vertex_times : optional per-track UTC epoch seconds, one per vertex (from GPS); tracks
        without them get times interpolated by distance along the line (EPSG:3006 metres).
    with_record : also return ``rec``, each fix's row position in ``presence``.
    """
    vertex_times = vertex_times or {}
    geoms = np.asarray(presence.geometry.array, dtype=object)
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    counts = np.bincount(owner, minlength=len(geoms))
    start = presence["start"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    end = presence["end"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    is_point = shapely.get_type_id(geoms) == 0

    # Points: two fixes, at start and at end.
    pts_ix = np.flatnonzero(is_point)
    line_ix = np.flatnonzero(~is_point)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    parts: list[pd.DataFrame] = []
    if pts_ix.size:
        c = coords[first[pts_ix]]
        parts.append(
            pd.DataFrame(
                {
                    "rec": np.repeat(pts_ix, 2),
                    "seq": np.tile([0, 1], pts_ix.size),
                    "t": np.column_stack([start[pts_ix], end[pts_ix]]).ravel(),
                    "lon": np.repeat(c[:, 0], 2),
                    "lat": np.repeat(c[:, 1], 2),
                }
            )
        )
    if line_ix.size:
        sel = np.isin(owner, line_ix)
        c, o = coords[sel], owner[sel]
        x, y = to_sweref(c[:, 0], c[:, 1])
        step = np.hypot(np.diff(x, prepend=x[0]), np.diff(y, prepend=y[0]))
        new_line = np.r_[True, o[1:] != o[:-1]]
        step[new_line] = 0.0
        cum = np.cumsum(step)
        base = np.maximum.accumulate(np.where(new_line, cum, 0.0))
        along = cum - base
        total = np.zeros(len(geoms))
        np.maximum.at(total, o, along)
        frac = np.divide(along, total[o], out=np.zeros_like(along), where=total[o] > 0)
        t = start[o] + np.round(frac * (end[o] - start[o])).astype(np.int64)
        seq = np.arange(o.size) - np.flatnonzero(new_line).repeat(
            np.diff(np.r_[np.flatnonzero(new_line), o.size])
        )
        rec_of_uid = {u: i for i, u in enumerate(presence["uid"].to_numpy())}
        for uid, given in vertex_times.items():
            mask = o == rec_of_uid[uid]
            if len(given) != mask.sum():
                raise ValueError(f"track {uid}: {len(given)} times for {mask.sum()} vertices")
            t[mask] = np.asarray(given, dtype=np.int64)
        parts.append(pd.DataFrame({"rec": o, "seq": seq, "t": t, "lon": c[:, 0], "lat": c[:, 1]}))
    fixes = pd.concat(parts, ignore_index=True).sort_values(["rec", "seq"], kind="stable")
    fixes.insert(0, "presence_uid", presence["uid"].to_numpy()[fixes["rec"].to_numpy()])
    fixes["kind"] = presence["kind"].to_numpy()[fixes["rec"].to_numpy()]
    return fixes.reset_index(drop=True)[[*FIX_COLUMNS, *(["rec"] if with_record else [])]]


POINT_COLUMNS = ["presence_uid", "kind", "t0", "t1", "lon", "lat", "area_id"]
"""A point presence as :func:`point_fixes` reads it: its uid and kind, start and end (UTC
epoch seconds), position (degrees) and area."""


def point_fixes(points: pd.DataFrame) -> pd.DataFrame:
    """The two fixes of each point presence (:data:`POINT_COLUMNS`), start then end, in the
    records' order: what :func:`fixes_from_presence` gives for points, with the record's
    area. Stores keep these implied by the record instead of writing them."""
    n = len(points)
    at = np.repeat(np.arange(n), 2)
    times = np.column_stack(
        [points["t0"].to_numpy(dtype=np.int64), points["t1"].to_numpy(dtype=np.int64)]
    )
    return pd.DataFrame(
        {
            "presence_uid": points["presence_uid"].to_numpy(dtype=object)[at],
            "seq": np.tile(np.array([0, 1], dtype=np.int64), n),
            "t": times.ravel(),
            "lon": points["lon"].to_numpy(dtype=float)[at],
            "lat": points["lat"].to_numpy(dtype=float)[at],
            "kind": points["kind"].to_numpy(dtype=object)[at],
            "area_id": points["area_id"].astype(object).where(points["area_id"].notna(), None)
            .to_numpy(dtype=object)[at],
        }
    )  # fmt: skip
