"""GPX tracks from patrol cars' GPS → presence tracks with their fix times.

Each track segment with at least two timed points becomes one presence record (start and
end from its first and last fix, every fix time kept). Fixes outside the municipality are
left out (cars cross the border) and counted in a note; empty segments are skipped.
"""

from __future__ import annotations

import gpxpy
import gpxpy.gpx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from geo.errors import ImportRejected
from geo.imports.base import ImportResult, prepare, records_frame, rejection, stable_uid
from geo.model import PresenceKind
from geo.store.base import Store


def _utc_seconds(time: object) -> int:
    """Epoch seconds of a GPX time (GPX times are UTC; a time without zone is taken so)."""
    ts = pd.Timestamp(time)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.timestamp())


def prepare_gpx(
    store: Store, data: bytes, kind: str = PresenceKind.CAR_PATROL.value, unit: str | None = None
) -> ImportResult:
    """Presence tracks from a GPX file (times read as UTC, as GPX stores them)."""
    try:
        doc = gpxpy.parse(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, gpxpy.gpx.GPXException) as exc:
        raise ImportRejected(f"not a readable GPX file: {exc}") from exc
    outline = store.municipality()
    rows, numbers, rejected, times = [], [], [], {}
    notes: list[str] = []
    outside_total = 0
    for ti, track in enumerate(doc.tracks, 1):
        for si, seg in enumerate(track.segments, 1):
            label = f"track {ti} segment {si}"
            pts = seg.points
            if len(pts) < 2:
                notes.append(f"{label}: {len(pts)} point(s), skipped")
                continue
            if any(p.time is None for p in pts):
                rejected.append(rejection(label, "time", "track points have no times"))
                continue
            lon = np.array([p.longitude for p in pts])
            lat = np.array([p.latitude for p in pts])
            t = np.array(
                [
                    int(pd.Timestamp(p.time).tz_convert("UTC").timestamp())
                    if pd.Timestamp(p.time).tzinfo
                    else int(pd.Timestamp(p.time).tz_localize("UTC").timestamp())
                    for p in pts
                ]
            )
            inside = shapely.intersects_xy(outline, lon, lat)
            outside_total += int((~inside).sum())
            if inside.sum() < 2:
                rejected.append(
                    rejection(label, "geometry", "fewer than two fixes inside Älmhult municipality")
                )
                continue
            lon, lat, t = lon[inside], lat[inside], t[inside]
            order = np.argsort(t, kind="stable")
            lon, lat, t = lon[order], lat[order], t[order]
            uid = stable_uid(
                "gpx", kind, t.tolist(), np.round(lon, 6).tolist(), np.round(lat, 6).tolist()
            )
            rows.append(
                dict(
                    uid=uid,
                    kind=kind,
                    unit=unit or track.name,
                    start=pd.Timestamp(int(t[0]), unit="s", tz="UTC"),
                    end=pd.Timestamp(int(t[-1]), unit="s", tz="UTC"),
                    note=track.name,
                    source="gpx",
                    geometry=LineString(np.column_stack([lon, lat])),
                )
            )
            times[uid] = t
            numbers.append(label)
    if outside_total:
        notes.append(f"{outside_total} fixes outside the municipality were left out")
    if not rows and not rejected:
        raise ImportRejected("the GPX file holds no track with timed points")
    frame = records_frame(rows)
    return prepare(
        store,
        "presence",
        frame,
        row_numbers=numbers,
        pre_rejected=rejected,
        notes=notes,
        vertex_times=times,
    )
