"""Detail levels: :func:`view_for` turns the full snapshot into what one role may see.

Applied once per data version and role, before any page, table, map or export sees the
data, so a page cannot show more than its tier by mistake. For the coarse tiers:

- presence becomes the tier's one published table (:mod:`geo.publish`): cells of area ×
  week or month (months counted in whole weeks), hours rounded, small counts withheld,
  computed here from exact data with the fixed rules; every figure the tier sees is
  computed from those cells alone. The snapshot keeps one synthetic fix per presence
  cell (at the area's point, at the unit start, the cell's published hours) and no
  presence records at all;
- the public tier's cells cover only units that ended ``delay_days`` ago; it also gets
  problem spots snapped to a 500 m grid (their area read from the cell alone),
  spots, dialogues and activities dated by month, and no notes, organisers or names of
  who edited what;
- no follow-up is decided on exact data for a coarse tier: it is read from the published
  cells (presence in the spot's area in the weeks after the report).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.coverage import CoverageParams, stays
from geo.crs import WGS84, to_sweref, to_wgs84
from geo.errors import GeoError
from geo.filters import Filters
from geo.model import AreaKind, PresenceKind
from geo.publish import CONTROL_CELLS, PRESENCE_CELLS, Published, area_unit_table, unit_label
from geo.roles import PUBLIC_TIER, Tier, suppress
from geo.snapshot import KINDS, FixArrays, Snapshot, fix_arrays
from geo.timeunits import cell_end, cell_start, label, unit_start

SPOT_GRID_M = float(PUBLIC_TIER.spot_grid_m or 500.0)


def public_area_months(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    """Area × month from the public table: whole hours; ``visits`` withheld (``None``)
    below 3; ``controls`` and ``vehicles_checked`` as lower bounds with
    ``controls_withheld`` (withheld road cells in them). Months starting in the period."""
    table = area_unit_table(public_view(snap), filters)
    table.insert(3, "month", unit_label(table["t0"], PUBLIC_TIER.time_unit))
    table["hours"] = table["hours"].round(0).astype(int)
    out = table.drop(columns=["t0", "passes", "passes_withheld", "visits_withheld"])
    return out.drop(columns=["vehicles_checked_withheld"])


def grid_corners(geoms: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """South-west corner (x, y, EPSG:3006 metres) of each point's ``cell_m`` grid cell;
    points in EPSG:4326."""
    x, y = to_sweref(shapely.get_x(geoms), shapely.get_y(geoms))
    return np.floor(np.asarray(x) / cell_m) * cell_m, np.floor(np.asarray(y) / cell_m) * cell_m


def generalise_points(geoms: np.ndarray, cell_m: float = SPOT_GRID_M) -> np.ndarray:
    """Points (EPSG:4326) moved to the centre of their ``cell_m`` grid cell (EPSG:3006)."""
    x0, y0 = grid_corners(geoms, cell_m)
    lon, lat = to_wgs84(x0 + cell_m / 2, y0 + cell_m / 2)
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

    ``now`` (UTC) sets the publication delay; ``params`` are the rules (visit length)
    the published table is computed with. A coarse view can be made from exact data, or
    the public view from the municipality's (which carries the public table).
    """
    if tier.exact_presence:
        if not snap.tier.exact_presence:
            raise GeoError(f"the {tier.role} view needs exact data")
        return replace(snap, tier=tier)
    if snap.tier == tier:
        return snap
    if snap.tier.exact_presence:
        params = params or CoverageParams()
        table = publish_table(snap, tier, now, params)
        if tier != PUBLIC_TIER:  # carried for this tier's handouts, which are public
            table = replace(table, public=publish_table(snap, PUBLIC_TIER, now, params))
    elif tier == PUBLIC_TIER and snap.published is not None and snap.published.public:
        table = snap.published.public
    else:
        raise GeoError(f"the {tier.role} view cannot be made from the {snap.tier.role} view")
    anchor_lon, anchor_lat = _area_points(snap)
    return replace(
        snap,
        tier=tier,
        published=table,
        fixes=_cell_fixes(table, snap.areas["id"].to_numpy(), anchor_lon, anchor_lat),
        presence=_no_presence(snap.presence),
        problem_spots=_spots_for(snap, tier),
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


def _epoch(values: pd.Series) -> np.ndarray:
    return ((values - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(np.int64)


def _round_hours(hours: np.ndarray, step: float) -> np.ndarray:
    """Hours rounded half up to whole ``step``s (0: unrounded)."""
    if not step:
        return hours
    return np.round(np.floor(hours / step + 0.5) * step, 6)


def publish_table(
    exact: Snapshot, tier: Tier, now: pd.Timestamp, params: CoverageParams
) -> Published:
    """``tier``'s published table (:class:`geo.publish.Published`) from exact data.

    Stays (runs of fixes of one record in one area) are dated to the unit they start
    in, months counted in whole weeks (:func:`geo.timeunits.cell_start`: a month cell is
    the sum of its weeks' cells); units ending later than ``delay_days`` before ``now``
    are left out. A stay of at
    least ``params.dwell_minutes`` is a visit, else a pass.
    """
    cutoff = int(now.timestamp()) - tier.delay_days * 86400
    fx = exact.fixes
    st = stays(fx, fx.area >= 0)
    begun = st["t0"].to_numpy(dtype=np.int64)
    t0 = cell_start(begun, tier.time_unit)
    rec_kind = np.zeros(int(fx.rec.max()) + 1 if len(fx) else 0, dtype=np.int8)
    rec_kind[fx.rec] = fx.kind
    kind = np.asarray(KINDS)[rec_kind[st["rec"].to_numpy(dtype=np.int64)]] if len(st) else []
    seconds = st["seconds"].to_numpy(dtype=float)
    frame = pd.DataFrame(
        {
            "area_id": exact.areas["id"].to_numpy()[st["area"].to_numpy(dtype=np.int64)],
            "t0": t0,
            "kind": kind if tier.split_kinds else "",
            "hours": seconds / 3600,
            "visits": (seconds >= params.dwell_minutes * 60).astype(np.int64),
        }
    )
    frame["passes"] = 1 - frame["visits"]
    frame = frame[cell_end(begun, tier.time_unit) <= cutoff]
    cells = frame.groupby(["area_id", "t0", "kind"], as_index=False).sum()
    cells["hours"] = _round_hours(cells["hours"].to_numpy(), tier.hours_step)
    for column in ("visits", "passes"):
        cells[column] = suppress(cells[column], tier).astype("Int64")
    return Published(tier, cells[PRESENCE_CELLS], _control_cells(exact, tier, cutoff, params))


def _control_cells(
    exact: Snapshot, tier: Tier, cutoff: int, params: CoverageParams
) -> pd.DataFrame:
    """Traffic controls per area, unit, nearest road (and type where split), withheld
    together with their count."""
    p = exact.presence
    p = p[p["kind"] == PresenceKind.TRAFFIC_CONTROL.value]
    begun = _epoch(p["start"])
    t0 = cell_start(begun, tier.time_unit)
    frame = pd.DataFrame(
        {
            "area_id": p["area_id"].fillna("").to_numpy(),
            "t0": t0,
            "road": _nearest_road(exact, p, params.road_buffer_m),
            "control_type": p["control_type"].fillna("").to_numpy()
            if tier.split_control_types
            else "",
            "controls": 1,
            "vehicles_checked": pd.to_numeric(p["vehicles_checked"]).fillna(0).to_numpy(),
            "violations": pd.to_numeric(p["violations"]).fillna(0).to_numpy(),
        }
    )
    frame = frame[cell_end(begun, tier.time_unit) <= cutoff]
    keys = ["area_id", "t0", "road", "control_type"]
    cells = frame.groupby(keys, as_index=False).sum()
    counts = suppress(cells["controls"], tier)
    hidden = counts.isna().to_numpy()
    for column in ("controls", "vehicles_checked", "violations"):
        cells[column] = pd.array(cells[column].astype(np.int64), "Int64")
        cells.loc[hidden, column] = pd.NA
    return cells[CONTROL_CELLS]


def _cell_fixes(
    table: Published, area_ids: np.ndarray, anchor_lon: np.ndarray, anchor_lat: np.ndarray
) -> FixArrays:
    """One synthetic fix per presence cell: at the area point, at the unit start,
    standing for the cell's published hours (so nothing finer is left to compute from)."""
    cells = table.presence
    area = pd.Index(area_ids).get_indexer(cells["area_id"]).astype(np.int16)
    other = KINDS.index(PresenceKind.OTHER.value)
    kind = np.array([KINDS.index(k) if k else other for k in cells["kind"]], dtype=np.int8)
    t = cells["t0"].to_numpy(dtype=np.int64)
    order = np.argsort(t, kind="stable")
    return fix_arrays(
        t[order],
        anchor_lon[area][order],
        anchor_lat[area][order],
        cells["hours"].to_numpy(dtype=float)[order] * 3600,
        kind[order],
        area[order],
        np.arange(t.size, dtype=np.int32),
    )


def _no_presence(presence: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """No presence records (their columns kept): coarse figures come from the cells."""
    drop = [*_FREE_TEXT["presence"], *RECORD_META]
    return presence.drop(columns=drop, errors="ignore").iloc[:0].copy()


def _nearest_road(snap: Snapshot, presence: gpd.GeoDataFrame, buffer_m: float) -> list[str]:
    """The through-traffic road (uid) each record lies within ``buffer_m`` of, nearest
    first, or ``""``: every control is counted for one road only."""
    out = [""] * len(presence)
    roads = snap.roads
    has_geom = presence.geometry.notna().to_numpy()
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
    if tier.free_text:  # but not who edited (police names) for a coarse tier
        return frame.drop(columns=["updated_by"], errors="ignore")
    out = frame.drop(columns=[*_FREE_TEXT[layer], *RECORD_META], errors="ignore").copy()
    out[date_col] = _month_date(out[date_col])
    return out


def _spots_for(snap: Snapshot, tier: Tier) -> gpd.GeoDataFrame:
    """Problem spots without who edited them and with edit times at the tier's unit; for
    the public also snapped to the grid and dated by month. No follow-up is attached:
    coarse tiers read it from their published cells (:func:`geo.publish.follow_up`)."""
    spots = snap.problem_spots.drop(columns=["updated_by"], errors="ignore")
    spots = spots.drop(columns=["followed_up", "first_within"], errors="ignore")
    for column in ("created_utc", "updated_utc"):
        if column in spots.columns:
            stamps = pd.to_datetime(spots[column], utc=True, errors="coerce")
            known = stamps.notna().to_numpy()
            floored = unit_start(_epoch(stamps[known]), tier.time_unit)
            values = spots[column].astype(object)
            values[known] = pd.to_datetime(floored, unit="s", utc=True).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            spots[column] = values
    if tier.spot_grid_m is None:
        return spots
    spots = spots.drop(columns=[*_FREE_TEXT["problem_spots"], *RECORD_META], errors="ignore")
    spots["reported"] = _month_date(spots["reported"])
    if len(spots):
        exact = np.asarray(spots.geometry.array)
        # The area too comes from the cell: the exact point's area would cut the cell
        # down to its part inside that area (a village's edge: an eighth of the cell).
        spots["area_id"] = cell_areas(snap.areas, exact, tier.spot_grid_m)
        spots = spots.set_geometry(list(generalise_points(exact, tier.spot_grid_m)), crs=WGS84)
    return spots


def cell_areas(areas: gpd.GeoDataFrame, points: np.ndarray, cell_m: float) -> np.ndarray:
    """The area (id) a coarse tier is told each point is in, from the point's ``cell_m``
    grid cell (EPSG:3006) alone: the first locality (town or village, in ``areas`` order)
    the cell touches, else the countryside zone holding most of it; ``None`` for a cell
    outside every area. Points are EPSG:4326.

    The exact point's own area would cut the published cell down to its part inside that
    area (at a village's edge, an eighth of the cell).
    """
    out = np.full(len(points), None, dtype=object)
    if not len(points) or not len(areas):
        return out
    x0, y0 = grid_corners(points, cell_m)
    cells = shapely.box(x0, y0, x0 + cell_m, y0 + cell_m)
    shapes = np.asarray(areas.geometry.to_crs(3006).array)
    ids = areas["id"].to_numpy()
    locality = (areas["kind"] != AreaKind.COUNTRYSIDE.value).to_numpy()
    cell_ix, area_ix = shapely.STRtree(shapes).query(cells, predicate="intersects")
    for i in np.unique(cell_ix):
        touched = np.sort(area_ix[cell_ix == i])  # priority order
        towns = touched[locality[touched]]
        if towns.size:
            out[i] = ids[towns[0]]
            continue
        shares = shapely.area(shapely.intersection(cells[i], shapes[touched]))
        out[i] = ids[touched[int(np.argmax(shares))]]  # ties: the earlier zone
    return out


def audit_for(
    log: pd.DataFrame, tier: Tier, role_names: Mapping[str, str], other: str
) -> pd.DataFrame:
    """The audit entries as ``tier`` may see them (same columns).

    A tier that may read the audit log gets it as stored. Any other (the municipality's
    own change list) gets every user name replaced by the name of its role
    (``role_names``: user name -> role as shown; ``other`` for names that are no account,
    such as imports), and every time floored to the tier's unit and shown as its label
    (``2018 v.19``): who in the police changed what, and when to the minute, is the police's
    own business.
    """
    if tier.read_audit:
        return log
    out = log.copy()
    out["user"] = [role_names.get(str(u).strip().lower(), other) for u in log["user"]]
    stamps = pd.to_datetime(log["ts_utc"], utc=True, errors="coerce")
    out["ts_utc"] = ["–" if pd.isna(s) else label(s, tier.time_unit) for s in stamps]
    return out
