"""Detail levels: :func:`view_for` turns the full snapshot into what one role may see.

Applied once per data version and role, before any page, table, map or export sees the
data, so a page cannot show more than its tier by mistake. For the coarse tiers:

- presence fixes become *stays* (consecutive fixes of one record in one area), each placed
  on its area's representative point and dated to the local start of its week or month, so
  hours, visits and passes per area stay right while routes and times of day are gone;
- presence records lose their position (area point), time (week/month), unit, note and
  who logged them; controls keep which through-traffic road they were near;
- the public tier also drops units that ended less than ``delay_days`` ago, snaps problem
  spots to a 500 m grid, dates spots, dialogues and activities by month, and drops notes,
  organisers and who edited what (people's names).

Counts below the tier's threshold are withheld by :func:`suppress`, which the table
functions in :mod:`geo.coverage` and :mod:`geo.views` apply.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.coverage import CoverageParams, presence_by_area, spot_follow_up, stays
from geo.crs import WGS84, to_sweref, to_wgs84
from geo.filters import Filters, custom_period
from geo.model import LOCAL_TZ, PresenceKind
from geo.roles import PUBLIC_TIER, Tier, suppress
from geo.snapshot import FixArrays, Snapshot, fix_arrays
from geo.timeunits import unit_end, unit_start

SPOT_GRID_M = float(PUBLIC_TIER.spot_grid_m or 500.0)


def public_area_months(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    """Area × month: whole presence hours and visits; visits and controls below 3 are
    suppressed (None). Months are calendar months overlapping the period."""
    start = filters.period.start.tz_convert("Europe/Stockholm")
    end = (filters.period.end - pd.Timedelta(seconds=1)).tz_convert("Europe/Stockholm")
    rows = []
    for month in pd.period_range(start.strftime("%Y-%m"), end.strftime("%Y-%m"), freq="M"):
        f = Filters(
            custom_period(month.start_time.date(), month.end_time.date()), areas=filters.areas
        )
        table = presence_by_area(snap, f, CoverageParams())
        visits = suppress(table["visits"], PUBLIC_TIER)  # already so in a public snapshot
        controls = suppress(table["controls"], PUBLIC_TIER)
        for r, n_visits, n_controls in zip(table.itertuples(), visits, controls, strict=True):
            rows.append(
                {
                    "area_id": r.area_id,
                    "name": r.name,
                    "kind": r.kind,
                    "month": str(month),
                    "hours": int(round(r.hours)),
                    "visits": None if pd.isna(n_visits) else int(n_visits),
                    "controls": None if pd.isna(n_controls) else int(n_controls),
                }
            )
    return pd.DataFrame(rows)


def generalise_points(geoms: np.ndarray, cell_m: float = SPOT_GRID_M) -> np.ndarray:
    """Points (EPSG:4326) moved to the centre of their ``cell_m`` grid cell (EPSG:3006)."""
    x, y = to_sweref(shapely.get_x(geoms), shapely.get_y(geoms))
    cx = (np.floor(np.asarray(x) / cell_m) + 0.5) * cell_m
    cy = (np.floor(np.asarray(y) / cell_m) + 0.5) * cell_m
    lon, lat = to_wgs84(cx, cy)
    return shapely.points(np.round(lon, 5), np.round(lat, 5))


# Columns that say who logged a record and when it was typed in, and free text that may
# name people. A spot's description and response stay: they are what residents said and
# the answer they get ("ni sa - vi gjorde"), written for publication (the form says so).
RECORD_META = ("version", "created_utc", "updated_utc", "updated_by")
_FREE_TEXT = {
    "presence": ["unit", "note"],
    "problem_spots": [],
    "dialogues": ["organisers", "note"],
    "activities": ["note"],
}


def view_for(
    snap: Snapshot, tier: Tier, now: pd.Timestamp, params: CoverageParams | None = None
) -> Snapshot:
    """The snapshot as ``tier`` may see it (see the module docstring).

    ``now`` (UTC) sets the publication delay; ``params`` are the follow-up rules evaluated
    on exact positions for tiers that cannot evaluate them themselves.
    """
    if tier.exact_presence:
        return replace(snap, tier=tier)
    params = params or CoverageParams()
    cutoff = int(now.timestamp()) - tier.delay_days * 86400
    anchor_lon, anchor_lat = _area_points(snap)
    spots = _spots_for(snap, tier, params)
    return replace(
        snap,
        tier=tier,
        fixes=_coarse_fixes(snap.fixes, tier, cutoff, anchor_lon, anchor_lat),
        presence=_coarse_presence(snap, tier, cutoff, anchor_lon, anchor_lat),
        problem_spots=spots,
        dialogues=_plain_records(snap.dialogues, "dialogues", tier, "date"),
        activities=_plain_records(snap.activities, "activities", tier, "date"),
        plans=pd.DataFrame(),  # patrol plans and their adherence are the police's alone
    )


def public_view(snap: Snapshot, now: pd.Timestamp | None = None) -> Snapshot:
    """The snapshot at the public tier (unchanged when it already is); ``now`` defaults
    to the current time."""
    if snap.tier == PUBLIC_TIER:
        return snap
    return view_for(snap, PUBLIC_TIER, now or pd.Timestamp.now(tz="UTC"))


def _area_points(snap: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    """Representative point (lon, lat, EPSG:4326) of every area, in area-code order."""
    points = snap.areas.geometry.representative_point()
    return np.round(points.x.to_numpy(), 5), np.round(points.y.to_numpy(), 5)


def _coarse_fixes(
    fx: FixArrays, tier: Tier, cutoff: int, anchor_lon: np.ndarray, anchor_lat: np.ndarray
) -> FixArrays:
    """One synthetic fix per stay: at the area point, at the start of its unit."""
    st = stays(fx, fx.area >= 0)
    area = st["area"].to_numpy(dtype=np.int16)
    t = unit_start(st["t0"].to_numpy(dtype=np.int64), tier.time_unit)
    keep = unit_end(t, tier.time_unit) <= cutoff
    rec_kind = np.zeros(int(fx.rec.max()) + 1 if len(fx) else 0, dtype=np.int8)
    rec_kind[fx.rec] = fx.kind
    kind = rec_kind[st["rec"].to_numpy(dtype=np.int64)] if len(st) else np.zeros(0, np.int8)
    area, t, kind = area[keep], t[keep], kind[keep]
    seconds = st["seconds"].to_numpy(dtype=float)[keep]
    # Every stay is its own record, so the stays stay apart in coverage.stays.
    rec = np.arange(t.size, dtype=np.int32)
    return fix_arrays(t, anchor_lon[area], anchor_lat[area], seconds, kind, area, rec)


def _epoch(values: pd.Series) -> np.ndarray:
    return ((values - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(np.int64)


def _as_time(epoch: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(epoch, unit="s", utc=True))


def _coarse_presence(
    snap: Snapshot, tier: Tier, cutoff: int, anchor_lon: np.ndarray, anchor_lat: np.ndarray
) -> gpd.GeoDataFrame:
    """Presence records at area points and unit starts, with no unit, note or author."""
    p = snap.presence
    start = unit_start(_epoch(p["start"]), tier.time_unit)
    keep = unit_end(start, tier.time_unit) <= cutoff
    near_road = _nearest_road(snap, p)
    out = pd.DataFrame(p.drop(columns=[*_FREE_TEXT["presence"], *RECORD_META, "geometry"]))
    out["start"] = _as_time(start).to_numpy()
    out["end"] = _as_time(unit_end(start, tier.time_unit)).to_numpy()
    out["near_road"] = near_road
    codes = pd.Index(snap.areas["id"]).get_indexer(out["area_id"])
    geoms = np.where(codes >= 0, shapely.points(anchor_lon[codes], anchor_lat[codes]), None)
    frame = gpd.GeoDataFrame(out, geometry=list(geoms), crs=WGS84)
    return frame[keep].reset_index(drop=True)


def _nearest_road(snap: Snapshot, presence: gpd.GeoDataFrame, buffer_m: float = 300.0) -> list:
    """The through-traffic road (uid) each traffic control was within ``buffer_m`` of, if
    any (patrol tracks are not asked: only controls are counted per road)."""
    out: list[object] = [None] * len(presence)
    roads = snap.roads
    is_control = (presence["kind"] == PresenceKind.TRAFFIC_CONTROL.value).to_numpy()
    has_geom = presence.geometry.notna().to_numpy() & is_control
    if not len(roads) or not has_geom.any():
        return out
    tree = shapely.STRtree(roads.geometry.to_crs(3006).array)
    geoms = presence.geometry[has_geom].to_crs(3006).array
    rec_ix, road_ix = tree.query_nearest(geoms, max_distance=buffer_m, all_matches=False)
    uids = roads["uid"].to_numpy()
    positions = np.flatnonzero(has_geom)
    for r, road in zip(rec_ix, road_ix, strict=True):
        out[positions[r]] = uids[road]
    return out


def _month_date(values: pd.Series) -> pd.Series:
    """ISO dates moved to the first of their month (``2018-03-15`` -> ``2018-03-01``)."""
    dates = pd.to_datetime(values, errors="coerce")
    return pd.Series(
        [d.strftime("%Y-%m-01") if not pd.isna(d) else None for d in dates],
        index=values.index,
        dtype=values.dtype,
    )


def _plain_records(
    frame: gpd.GeoDataFrame, layer: str, tier: Tier, date_col: str
) -> gpd.GeoDataFrame:
    """Dialogues and activities: as stored for tiers with free text, else without text,
    authors or exact dates."""
    if tier.free_text:
        return frame
    out = frame.drop(columns=[*_FREE_TEXT[layer], *RECORD_META], errors="ignore").copy()
    out[date_col] = _month_date(out[date_col])
    return out


def _spots_for(snap: Snapshot, tier: Tier, params: CoverageParams) -> gpd.GeoDataFrame:
    """Problem spots with their follow-up decided on exact presence, dated at the tier's
    time unit; for the public instead snapped to the grid, dated by month, without who
    edited them and without follow-up (it would trace patrols near one place)."""
    spots = snap.problem_spots.copy()
    if tier.spot_grid_m is None:
        follow = spot_follow_up(snap, spots, params)
        first = pd.Series(follow["first_within"])
        known = first.notna().to_numpy()
        week = unit_start(_epoch(first[known]), tier.time_unit)
        shown = pd.Series(pd.NaT, index=first.index, dtype=f"datetime64[us, {LOCAL_TZ}]")
        shown[known] = pd.to_datetime(week, unit="s", utc=True).tz_convert(LOCAL_TZ)
        spots["followed_up"] = follow["followed_up"].to_numpy()
        spots["first_within"] = shown.to_numpy()
        return spots
    spots = spots.drop(columns=[*_FREE_TEXT["problem_spots"], *RECORD_META], errors="ignore")
    spots["reported"] = _month_date(spots["reported"])
    if len(spots):
        spots = spots.set_geometry(
            list(generalise_points(np.asarray(spots.geometry.array), tier.spot_grid_m)), crs=WGS84
        )
    return spots
