"""GPX tracks from patrol cars' GPS → presence tracks with their fix times.

Each track segment becomes one presence record (start and end from its first and last fix,
every fix time kept, in UTC as GPX stores them; a time without a zone is taken as UTC).
Points without a time – or with an implausible one (before 2000, a GPS without a fix
reporting 1901, or more than a day ahead) – are given a time interpolated along the track
between their timed neighbours; those at either end, with a timed neighbour on one side
only, are left out. Each is counted in a note. A segment with fewer than two plausibly
timed points is refused with the reason. Fixes outside the municipality are left out (cars
cross the border) and counted; segments with fewer than two points are skipped.

The file is read as a stream (one point at a time, each discarded once read) after its
points were counted against the upload budget.
"""

from __future__ import annotations

import io
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_xml
import numpy as np
import pandas as pd
import shapely
from defusedxml import DefusedXmlException
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from geo.errors import ImportRejected, Message
from geo.imports.base import ImportResult, Rejection, prepare, records_frame, stable_uid
from geo.imports.budget import UNLIMITED, Budget, over
from geo.model import EARLIEST, FUTURE_SLACK, LOCAL_TZ, PresenceKind


def count_points(data: bytes) -> int:
    """Track points in the file, counted in its bytes before it is parsed (an upper bound)."""
    return data.count(b"<trkpt") + data.count(b":trkpt")


class _Points:
    """Track points as columns: segment number, lon, lat, time text."""

    def __init__(self) -> None:
        self.segment: list[int] = []
        self.lon: list[str | None] = []
        self.lat: list[str | None] = []
        self.time: list[str | None] = []
        self.names: dict[int, str | None] = {}  # segment -> its track's name
        self.labels: dict[int, tuple[int, int]] = {}  # segment -> (track, segment in track)


def _parse(data: bytes) -> _Points:
    points = _Points()
    track, seg_in_track, seg = 1, 1, 0
    first_seg_of_track = 0
    try:
        for _, el in safe_xml.iterparse(io.BytesIO(data), events=("end",)):
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "trkpt":
                points.segment.append(seg)
                points.lon.append(el.get("lon"))
                points.lat.append(el.get("lat"))
                found = next((c.text for c in el if c.tag.rsplit("}", 1)[-1] == "time"), None)
                points.time.append(found)
                el.clear()
            elif tag == "trkseg":
                points.labels[seg] = (track, seg_in_track)
                seg, seg_in_track = seg + 1, seg_in_track + 1
                el.clear()
            elif tag == "trk":
                name = next((c.text for c in el if c.tag.rsplit("}", 1)[-1] == "name"), None)
                for s in range(first_seg_of_track, seg):
                    points.names[s] = name
                track, seg_in_track, first_seg_of_track = track + 1, 1, seg
                el.clear()
    except ParseError as exc:
        raise ImportRejected("imp_gpx_unreadable", line=exc.position[0]) from exc
    except DefusedXmlException as exc:  # entities, DTDs: XML bombs and outside files
        raise ImportRejected("imp_gpx_entities") from exc
    return points


def _fill_times(lon: np.ndarray, lat: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Interpolate missing (NaN) epoch seconds along the track between timed neighbours."""
    step = np.hypot(np.diff(lon) * np.cos(np.radians(lat[:-1])), np.diff(lat))
    along = np.concatenate([[0.0], np.cumsum(step)])
    timed = ~np.isnan(t)
    if np.ptp(along[timed]) == 0:  # standing still: by point order instead
        along = np.arange(len(t), dtype=float)
    filled = t.copy()
    filled[~timed] = np.interp(along[~timed], along[timed], t[timed])
    return filled


def prepare_gpx(
    outline: BaseGeometry | None,
    data: bytes,
    kind: str = PresenceKind.CAR_PATROL.value,
    unit: str | None = None,
    *,
    lang: str = "sv",
    budget: Budget = UNLIMITED,
    now: pd.Timestamp | None = None,
) -> ImportResult:
    """Presence tracks from a GPX file (times read as UTC, as GPX stores them)."""
    n_points = count_points(data)
    if n_points > budget.max_points:
        raise over("points", n_points, budget.max_points)
    points = _parse(data)
    now = pd.Timestamp.now(tz="UTC") if now is None else now
    seg_ids = np.asarray(points.segment, dtype=np.int64)
    lon_all = pd.to_numeric(pd.Series(points.lon, dtype=object), errors="coerce").to_numpy(float)
    lat_all = pd.to_numeric(pd.Series(points.lat, dtype=object), errors="coerce").to_numpy(float)
    times = pd.to_datetime(
        pd.Series(points.time, dtype=object), format="ISO8601", utc=True, errors="coerce"
    )
    millis = np.asarray(times.dt.tz_localize(None), dtype="datetime64[ms]").astype(np.int64)
    epoch = np.where(times.isna().to_numpy(), np.nan, millis / 1000.0)
    implausible = (epoch < EARLIEST.timestamp()) | (epoch > (now + FUTURE_SLACK).timestamp())
    rows, numbers, rejected, vertex_times = [], [], [], {}
    notes: list[Message] = []
    outside_total = 0
    bounds = np.flatnonzero(np.diff(seg_ids)) + 1
    starts = np.concatenate([[0], bounds]) if len(seg_ids) else np.zeros(0, dtype=int)
    ends = np.concatenate([bounds, [len(seg_ids)]]) if len(seg_ids) else np.zeros(0, dtype=int)
    present = {int(seg_ids[a]): (int(a), int(b)) for a, b in zip(starts, ends, strict=True)}
    for seg in sorted(set(points.labels) | set(present)):
        track_no, seg_no = points.labels.get(seg, (0, 0))
        label = Message("imp_gpx_segment", {"track": track_no, "segment": seg_no}).text(lang)
        a, b = present.get(seg, (0, 0))
        lon, lat, t = lon_all[a:b], lat_all[a:b], epoch[a:b].copy()
        if b - a < 2:
            notes.append(Message("imp_gpx_short", {"segment": label, "count": b - a}))
            continue
        bad_time = implausible[a:b]
        if bad_time.any():
            first_bad = times.iloc[a + int(np.argmax(bad_time))].tz_convert(LOCAL_TZ)
            if (~np.isnan(t) & ~bad_time).sum() < 2:
                rejected.append(
                    Rejection(
                        label,
                        "time",
                        f"{first_bad:%Y-%m-%d %H:%M}",
                        Message(
                            "imp_gpx_time_window",
                            {"value": f"{first_bad:%Y-%m-%d %H:%M}", "earliest": "2000-01-01"},
                        ),
                    )
                )
                continue
            notes.append(
                Message(
                    "imp_gpx_implausible",
                    {
                        "segment": label,
                        "count": int(bad_time.sum()),
                        "value": f"{first_bad:%Y-%m-%d %H:%M}",
                    },
                )
            )
            t[bad_time] = np.nan
        untimed = np.isnan(t)
        if (~untimed).sum() < 2:
            rejected.append(
                Rejection(label, "time", None, Message("imp_gpx_untimed", {"count": b - a}))
            )
            continue
        if untimed.any():
            first, last = np.flatnonzero(~untimed)[[0, -1]]
            inner = int(untimed[first:last].sum())
            dropped = int(untimed.sum()) - inner
            notes.append(
                Message(
                    "imp_gpx_partly_timed",
                    {
                        "segment": label,
                        "untimed": int(untimed.sum()),
                        "count": b - a,
                        "interpolated": inner,
                        "dropped": dropped,
                    },
                )
            )
            lon, lat, t = lon[first : last + 1], lat[first : last + 1], t[first : last + 1]
            t = _fill_times(lon, lat, t)
        t = np.round(t).astype(np.int64)
        inside = (
            shapely.intersects_xy(outline, lon, lat)
            if outline is not None
            else np.ones(len(t), bool)
        )
        outside_total += int((~inside).sum())
        if inside.sum() < 2:
            rejected.append(Rejection(label, "geometry", None, Message("imp_gpx_outside")))
            continue
        lon, lat, t = lon[inside], lat[inside], t[inside]
        order = np.argsort(t, kind="stable")
        lon, lat, t = lon[order], lat[order], t[order]
        uid = stable_uid(
            "gpx", kind, t.tolist(), np.round(lon, 6).tolist(), np.round(lat, 6).tolist()
        )
        name = points.names.get(seg)
        rows.append(
            dict(
                uid=uid,
                kind=kind,
                unit=unit or name,
                start=pd.Timestamp(int(t[0]), unit="s", tz="UTC"),
                end=pd.Timestamp(int(t[-1]), unit="s", tz="UTC"),
                note=name,
                source="gpx",
                geometry=LineString(np.column_stack([lon, lat])),
            )
        )
        vertex_times[uid] = t
        numbers.append(label)
    if outside_total:
        notes.append(Message("imp_gpx_outside_fixes", {"count": outside_total}))
    if not rows and not rejected:
        raise ImportRejected("imp_gpx_no_tracks")
    return prepare(
        outline,
        "presence",
        records_frame(rows),
        lang=lang,
        row_numbers=numbers,
        pre_rejected=rejected,
        notes=notes,
        vertex_times=vertex_times,
        now=now,
    )
