"""A plan turned into presence as it would be logged, and snapshots to replay it in.

A car or foot tour becomes a GPS track (a fix a minute: driving the straight lines between
stops, standing at each stop); a traffic control becomes a point presence from its start
to its end, as controls are logged. :func:`truncated` keeps what was known before the
planned week; :func:`with_presence` adds presence to a snapshot the way
:func:`geo.snapshot.load_snapshot` would have read it from the store, so the coverage
functions give the figures the plan would produce. Times UTC epoch seconds.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import SWEREF99TM, WGS84, to_sweref, to_wgs84
from geo.fixes import fixes_from_presence
from geo.model import LocationPrecision
from geo.plan.model import CONTROL, Plan
from geo.snapshot import FixArrays, Snapshot, build_fix_arrays

FIX_STEP_S = 60  # one replayed GPS fix a minute


def assign_areas(areas: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Position in ``areas`` of each point (-1 outside), earlier areas winning ties as
    in :class:`geo.areas.AreaIndex` (exact tests: for the few thousand points of a plan)."""
    codes = np.full(np.shape(lon), -1, dtype=np.int16)
    for i, geom in enumerate(areas.geometry.array):
        todo = np.flatnonzero(codes == -1)
        if todo.size == 0:
            break
        hit = shapely.intersects_xy(geom, lon[todo], lat[todo])
        codes[todo[hit]] = i
    return codes


def _inside(x: np.ndarray, y: np.ndarray, outline_m: BaseGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Points (EPSG:3006) outside ``outline_m`` moved to its nearest edge, 20 m in: a
    straight line between two stops may cut across a bay of the municipality's outline,
    the road would not."""
    out = ~shapely.intersects_xy(outline_m, x, y)
    if not out.any():
        return x, y
    inner = outline_m.buffer(-20)
    edge = shapely.get_exterior_ring(max(shapely.get_parts(inner), key=lambda g: g.area))
    pts = shapely.points(x[out], y[out])
    moved = shapely.line_interpolate_point(edge, shapely.line_locate_point(edge, pts))
    x, y = x.copy(), y.copy()
    x[out], y[out] = shapely.get_x(moved), shapely.get_y(moved)
    return x, y


def _track(
    plan: Plan, tour_ix: int, outline_m: BaseGeometry
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """lon, lat, t of the track a car or foot tour would log (fix a minute)."""
    tour = plan.tours[tour_ix]
    req = plan.request
    bx, by = to_sweref(np.array([req.base[0]]), np.array([req.base[1]]))
    sx, sy = to_sweref(np.array([s.lon for s in tour.stops]), np.array([s.lat for s in tour.stops]))
    xs, ys, ts = [np.array([bx[0]])], [np.array([by[0]])], [np.array([tour.start])]
    here_x, here_y, now = bx[0], by[0], tour.start
    legs = [
        (float(x), float(y), s.arrive, s.leave) for x, y, s in zip(sx, sy, tour.stops, strict=True)
    ]
    legs.append((float(bx[0]), float(by[0]), tour.end, tour.end))
    for x, y, arrive, leave in legs:
        n = max(1, (arrive - now) // FIX_STEP_S)
        f = np.arange(1, n + 1) / n
        xs.append(here_x + f * (x - here_x))
        ys.append(here_y + f * (y - here_y))
        ts.append(now + np.round(f * (arrive - now)).astype(np.int64))
        if leave > arrive:
            k = np.arange(1, (leave - arrive) // FIX_STEP_S + 1)
            stay = arrive + k * FIX_STEP_S
            if stay[-1] != leave:
                stay = np.r_[stay, leave]
            xs.append(np.full(stay.size, x))
            ys.append(np.full(stay.size, y))
            ts.append(stay)
        here_x, here_y, now = x, y, leave
    all_x, all_y = _inside(np.concatenate(xs), np.concatenate(ys), outline_m)
    lon, lat = to_wgs84(all_x, all_y)
    return np.round(lon, 6), np.round(lat, 6), np.concatenate(ts).astype(np.int64)


def plan_presence(
    plan: Plan, municipality: BaseGeometry
) -> tuple[gpd.GeoDataFrame, dict[str, np.ndarray]]:
    """The plan as presence records (EPSG:4326, UTC) ready for :meth:`Store.add`, and
    the per-vertex times of its tracks, kept inside ``municipality`` (EPSG:4326).
    Uids are ``plan-<week>-<tour>[-<stop>]``."""
    outline_m = gpd.GeoSeries([municipality], crs=WGS84).to_crs(SWEREF99TM).iloc[0]
    rows: list[dict[str, object]] = []
    times: dict[str, np.ndarray] = {}
    week = plan.request.week
    for i, tour in enumerate(plan.tours):
        if not tour.stops:
            continue
        if tour.kind == CONTROL:
            for j, s in enumerate(tour.stops):
                rows.append(
                    dict(
                        uid=f"plan-{week}-{i}-{j}",
                        kind=CONTROL,
                        start=pd.Timestamp(s.arrive, unit="s", tz="UTC"),
                        end=pd.Timestamp(s.leave, unit="s", tz="UTC"),
                        source="plan",
                        control_type="general",
                        geometry=shapely.Point(s.lon, s.lat),
                    )
                )
            continue
        lon, lat, t = _track(plan, i, outline_m)
        uid = f"plan-{week}-{i}"
        rows.append(
            dict(
                uid=uid,
                kind=tour.kind,
                start=pd.Timestamp(int(t[0]), unit="s", tz="UTC"),
                end=pd.Timestamp(int(t[-1]), unit="s", tz="UTC"),
                source="plan",
                geometry=shapely.LineString(np.column_stack([lon, lat])),
            )
        )
        times[uid] = t
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84) if rows else _no_presence()
    return frame, times


def _no_presence() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"uid": [], "kind": [], "start": [], "end": [], "source": []},
        geometry=gpd.GeoSeries([], crs=WGS84),
        crs=WGS84,
    )


def _subset(fx: FixArrays, keep: np.ndarray, end: int) -> FixArrays:
    """Fixes where ``keep``, their time cut at ``end`` (UTC s); time order kept."""
    new_pos = np.cumsum(keep) - 1
    order = fx.by_time[keep[fx.by_time]]
    t = fx.t[keep]
    return FixArrays(
        t=t,
        lon=fx.lon[keep],
        lat=fx.lat[keep],
        x=fx.x[keep],
        y=fx.y[keep],
        dt=np.minimum(fx.dt[keep], np.maximum(end - t, 0)),
        kind=fx.kind[keep],
        area=fx.area[keep],
        rec=fx.rec[keep],
        day=fx.day[keep],
        week=fx.week[keep],
        by_time=new_pos[order],
    )


def truncated(snap: Snapshot, end: int) -> Snapshot:
    """The snapshot as it was known at ``end`` (UTC s): presence and fixes before it,
    problem spots reported before its local date."""
    fx = _subset(snap.fixes, snap.fixes.t < end, end)
    p = snap.presence
    stamp = pd.Timestamp(end, unit="s", tz="UTC")
    presence = p[p["start"] < stamp]
    day = stamp.tz_convert("Europe/Stockholm").date().isoformat()
    spots = snap.problem_spots[snap.problem_spots["reported"].astype(str) < day]
    return replace(snap, fixes=fx, presence=presence, problem_spots=spots)


def _concat(a: FixArrays, b: FixArrays) -> FixArrays:
    """``b`` after ``a`` (records renumbered); ``b``'s fixes all later than ``a``'s."""
    offset = int(a.rec.max()) + 1 if len(a) else 0
    return FixArrays(
        t=np.r_[a.t, b.t],
        lon=np.r_[a.lon, b.lon],
        lat=np.r_[a.lat, b.lat],
        x=np.r_[a.x, b.x],
        y=np.r_[a.y, b.y],
        dt=np.r_[a.dt, b.dt],
        kind=np.r_[a.kind, b.kind].astype(np.int8),
        area=np.r_[a.area, b.area].astype(a.area.dtype),
        rec=np.r_[a.rec, b.rec + offset].astype(np.int32),
        day=np.r_[a.day, b.day],
        week=np.r_[a.week, b.week],
        by_time=np.r_[a.by_time, b.by_time + len(a)],
    )


def with_presence(
    snap: Snapshot,
    presence: gpd.GeoDataFrame,
    vertex_times: dict[str, np.ndarray],
    max_gap_minutes: float = 5.0,
) -> Snapshot:
    """``snap`` plus ``presence`` (all of it later than every fix in ``snap``), its fixes
    built and assigned to areas as the store and :func:`load_snapshot` would."""
    if presence.empty:
        return snap
    fixes = fixes_from_presence(presence, vertex_times)
    codes = assign_areas(snap.areas, fixes["lon"].to_numpy(), fixes["lat"].to_numpy())
    ids = np.array([*snap.area_ids, None], dtype=object)
    fixes["area_id"] = ids[codes]
    points = set(presence.loc[presence.geometry.geom_type == "Point", "uid"])
    added = build_fix_arrays(fixes, snap.area_ids, points, max_gap_minutes * 60)
    if len(snap.fixes) and added.t.min() < snap.fixes.t.max():
        raise ValueError("replayed presence must come after the snapshot's fixes")
    records = presence.copy()
    records["area_id"] = _first_area(records, snap)
    records["location_precision"] = LocationPrecision.EXACT.value
    merged = pd.concat([snap.presence, records], ignore_index=True)
    return replace(
        snap,
        fixes=_concat(snap.fixes, added) if len(snap.fixes) else added,
        presence=gpd.GeoDataFrame(merged, geometry="geometry", crs=WGS84),
    )


def _first_area(records: gpd.GeoDataFrame, snap: Snapshot) -> np.ndarray:
    """Area of each record's first point, as the store assigns ``area_id``."""
    first = shapely.get_point(records.geometry.array, 0)
    first = np.where(
        shapely.get_type_id(records.geometry.array) == 0, records.geometry.array, first
    )
    xy = shapely.get_coordinates(first)
    codes = assign_areas(snap.areas, xy[:, 0], xy[:, 1])
    return np.array([*snap.area_ids, None], dtype=object)[codes]
