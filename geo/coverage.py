"""Presence per area, the town-vs-countryside balance, and the gaps.

Inputs are a :class:`~geo.snapshot.Snapshot` and :class:`~geo.filters.Filters`. Presence
time is the sum of fix durations (seconds, see :class:`~geo.snapshot.FixArrays`). A *stay*
is a run of consecutive fixes of one presence record in one area; it is a *visit* when it
lasts at least ``dwell_minutes`` (Koper: 10-15 minutes on site deter longest), else a *pass*.
Distances are measured in SWEREF 99 TM (EPSG:3006) metres.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import shapely

from geo import publish
from geo.crs import to_sweref
from geo.filters import Filters
from geo.model import LOCAL_TZ, AreaKind, PresenceKind
from geo.snapshot import KINDS, FixArrays, Snapshot
from geo.store.base import TimeRange

TOWN = AreaKind.TOWN.value


@dataclass(frozen=True)
class CoverageParams:
    """Adjustable rules: dwell (minutes), spot radius (metres) and window (days)."""

    dwell_minutes: float = 10.0
    spot_radius_m: float = 300.0
    spot_days: int = 14
    gap_weeks: int = 4
    road_buffer_m: float = 300.0


def stays(fx: FixArrays, mask: np.ndarray) -> pd.DataFrame:
    """Runs of consecutive masked fixes with the same record and area.

    Returns area code, record code, first fix time (UTC s) and seconds for each stay.
    """
    ix = np.flatnonzero(mask)
    if ix.size == 0:
        return pd.DataFrame({"area": [], "rec": [], "t0": [], "seconds": []})
    rec, area = fx.rec[ix], fx.area[ix]
    new = np.r_[True, (rec[1:] != rec[:-1]) | (area[1:] != area[:-1]) | (np.diff(ix) != 1)]
    run = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    return pd.DataFrame(
        {
            "area": area[starts],
            "rec": rec[starts],
            "t0": fx.t[ix][starts],
            "seconds": np.bincount(run, weights=fx.dt[ix]),
        }
    )


def presence_by_area(snap: Snapshot, filters: Filters, params: CoverageParams) -> pd.DataFrame:
    """One row per area: presence hours, visits, passes, days, controls and the ratios.

    Columns: ``area_id, name, kind, population, km2, hours, visits, passes, days,
    controls, vehicles_checked, hours_per_1000, hours_per_km2, share_hours,
    share_population, last_presence`` (local time). Ratios use the stated denominators;
    an area with unknown population gets no per-1,000 figure. A coarse tier's table comes
    from its published cells (:func:`geo.publish.presence_table`).
    """
    if not snap.tier.exact_presence:
        return publish.presence_table(snap, filters)
    fx = snap.fixes
    areas = snap.areas
    n = len(areas)
    m = fx.mask(
        filters.period,
        list(filters.kinds) if filters.kinds else None,
        snap.area_codes(list(filters.areas)) if filters.areas else None,
    )
    inside = m & (fx.area >= 0)
    hours = np.bincount(fx.area[inside], weights=fx.dt[inside], minlength=n) / 3600
    st = stays(fx, inside)
    visit = st["seconds"] >= params.dwell_minutes * 60
    visits = np.bincount(st.loc[visit, "area"].astype(int), minlength=n)
    passes = np.bincount(st.loc[~visit, "area"].astype(int), minlength=n)
    pairs = np.unique(fx.area[inside].astype(np.int64) << 32 | fx.day[inside].astype(np.int64))
    days = np.bincount((pairs >> 32).astype(int), minlength=n)
    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, fx.area[inside].astype(int), fx.t[inside])

    controls = _controls(snap, filters)
    per_area = controls.groupby("area_id").agg(
        controls=("uid", "size"), vehicles_checked=("vehicles_checked", "sum")
    )
    table = pd.DataFrame(
        {
            "area_id": areas["id"],
            "name": areas["name"],
            "kind": areas["kind"],
            "population": pd.to_numeric(areas["population"], errors="coerce"),
            "km2": areas["km2"].round(2),
            "hours": hours.round(1),
            "visits": visits,
            "passes": passes,
            "days": days,
        }
    )
    table = table.join(per_area, on="area_id")
    table[["controls", "vehicles_checked"]] = (
        table[["controls", "vehicles_checked"]].fillna(0).astype(int)
    )
    table["hours_per_1000"] = (table["hours"] / table["population"] * 1000).round(1)
    table["hours_per_km2"] = (table["hours"] / table["km2"]).round(2)
    total_h, total_pop = table["hours"].sum(), table["population"].sum()
    table["share_hours"] = (table["hours"] / total_h * 100).round(1) if total_h else 0.0
    table["share_population"] = (table["population"] / total_pop * 100).round(1)
    table["last_presence"] = [
        pd.Timestamp(v, unit="s", tz="UTC").tz_convert(LOCAL_TZ) if v >= 0 else pd.NaT for v in last
    ]
    if filters.areas:
        table = table[table["area_id"].isin(filters.areas)]
    table = table.reset_index(drop=True)
    table.attrs["time_unit"] = snap.tier.time_unit
    return table


def had_presence(table: pd.DataFrame) -> pd.Series:
    """Per row of a :func:`presence_by_area` table: whether the area had any presence in
    the period – hours, a visit or a pass, counted or withheld. (A coarse tier rounds each
    cell's hours, so a month of short visits shows 0 hours; its visits still count.)"""
    present = pd.to_numeric(table["hours"], errors="coerce").fillna(0) > 0
    for column in ("visits", "passes", "visits_withheld", "passes_withheld"):
        if column in table.columns:
            present |= pd.to_numeric(table[column], errors="coerce").fillna(0) > 0
    return present


def _controls(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    p = snap.presence
    m = p["kind"] == PresenceKind.TRAFFIC_CONTROL.value
    m &= (p["start"] < filters.period.end) & (p["end"] >= filters.period.start)
    if filters.kinds is not None and PresenceKind.TRAFFIC_CONTROL.value not in filters.kinds:
        m &= False
    return p[m]


@dataclass(frozen=True)
class Balance:
    """Town vs countryside (villages and countryside zones) for one period."""

    town_hours: float
    countryside_hours: float
    town_population: float
    countryside_population: float

    @property
    def countryside_share_hours(self) -> float:
        total = self.town_hours + self.countryside_hours
        return 100 * self.countryside_hours / total if total else float("nan")

    @property
    def countryside_share_population(self) -> float:
        return (
            100 * self.countryside_population / (self.town_population + self.countryside_population)
        )

    @property
    def ratio(self) -> float:
        """Presence per resident in the countryside relative to the town (1 = equal)."""
        if not self.town_hours:
            return float("nan")
        per_town = self.town_hours / self.town_population
        return (self.countryside_hours / self.countryside_population) / per_town


def balance(table: pd.DataFrame) -> Balance:
    """Town vs countryside from a :func:`presence_by_area` table."""
    town = table["kind"] == TOWN
    return Balance(
        float(table.loc[town, "hours"].sum()),
        float(table.loc[~town, "hours"].sum()),
        float(table.loc[town, "population"].sum()),
        float(table.loc[~town, "population"].sum()),
    )


def table_and_balance(
    snap: Snapshot, filters: Filters, params: CoverageParams
) -> tuple[pd.DataFrame, Balance]:
    """The per-area table for ``filters`` and the town/countryside balance, which is always
    over every area (an area filter narrows the table, not the promise's question)."""
    table = presence_by_area(snap, filters, params)
    everywhere = (
        table
        if filters.areas is None
        else presence_by_area(snap, replace(filters, areas=None), params)
    )
    return table, balance(everywhere)


def weekly_balance(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    """Week by week (Monday starts, local time): town and countryside hours and shares.

    Coarse tiers sum their published cells (:func:`geo.publish.balance_rows`), by month
    (``month_start``) where the tier knows presence only by month.
    """
    if not snap.tier.exact_presence:
        return publish.balance_rows(snap, filters)
    fx = snap.fixes
    m = fx.mask(filters.period, list(filters.kinds) if filters.kinds else None) & (fx.area >= 0)
    town_codes = np.flatnonzero(snap.areas["kind"].to_numpy() == TOWN)
    is_town = np.isin(fx.area[m], town_codes)
    frame = pd.DataFrame({"week": fx.week[m], "town": is_town, "hours": fx.dt[m] / 3600})
    wide = frame.pivot_table(
        index="week", columns="town", values="hours", aggfunc="sum", fill_value=0.0
    )
    wide = wide.reindex(columns=[True, False], fill_value=0.0)
    wide.columns = ["town_hours", "countryside_hours"]
    total = wide.sum(axis=1)
    wide["countryside_share"] = (wide["countryside_hours"] / total * 100).where(total > 0)
    monday = pd.to_datetime(wide.index.to_numpy().astype(np.int64) * 7 - 3, unit="D")
    wide.index = pd.Index(monday.date, name="week_start")
    return wide.round(1).reset_index()


def area_gaps(snap: Snapshot, filters: Filters, params: CoverageParams) -> pd.DataFrame:
    """Areas with no presence in the last ``gap_weeks`` weeks of the period.

    Columns: ``area_id, name, kind, last_presence`` (local, before the period end, NaT if
    never) and ``days_without`` (days from the last presence to the period end). Coarse
    tiers read the last unit with presence from their published cells.
    """
    if not snap.tier.exact_presence:
        return publish.gaps(snap, filters, params.gap_weeks)
    fx = snap.fixes
    end = int(filters.period.end.timestamp())
    since = end - params.gap_weeks * 7 * 86400
    m = fx.mask(None, list(filters.kinds) if filters.kinds else None) & (fx.t < end)
    m &= fx.area >= 0
    last = np.full(len(snap.areas), -1, dtype=np.int64)
    np.maximum.at(last, fx.area[m].astype(int), fx.t[m])
    gap = last < since
    out = snap.areas.loc[gap, ["id", "name", "kind"]].rename(columns={"id": "area_id"})
    last_g = last[gap]
    out["last_presence"] = [
        pd.Timestamp(v, unit="s", tz="UTC").tz_convert(LOCAL_TZ) if v >= 0 else pd.NaT
        for v in last_g
    ]
    out["days_without"] = [int((end - v) // 86400) if v >= 0 else None for v in last_g]
    if filters.areas:
        out = out[out["area_id"].isin(filters.areas)]
    return out.sort_values("days_without", ascending=False, na_position="first").reset_index(
        drop=True
    )


def _local_midnight_epoch(dates: pd.Series) -> np.ndarray:
    """UTC epoch seconds of local (Europe/Stockholm) midnight of each ISO date."""
    stamps = pd.to_datetime(dates).dt.tz_localize(LOCAL_TZ)
    return ((stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy()


def reported_by(spots: pd.DataFrame, period: TimeRange) -> np.ndarray:
    """Which ``spots`` belong to ``period``: those reported on or before its last local
    (Europe/Stockholm) day. A spot reported before the period stays an open problem in
    it; one reported after the period's end was not known then and is left out. Spots
    without a readable date are kept. Every table, count, map layer and export selects
    spots for a period with this one rule (tiers dating spots by month: by that month).
    """
    if not len(spots):
        return np.zeros(0, dtype=bool)
    last_day = (period.end - pd.Timedelta(seconds=1)).tz_convert(LOCAL_TZ).tz_localize(None)
    reported = pd.to_datetime(spots["reported"], errors="coerce")
    return np.array(reported.isna() | (reported <= last_day.normalize()), dtype=bool)


def spot_follow_up(
    snap: Snapshot,
    spots: pd.DataFrame,
    params: CoverageParams,
    kinds: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """For each spot: presence within ``spot_radius_m`` in the ``spot_days`` after reporting.

    Returns ``uid, followed_up, nearest_m`` (closest presence in the window, any distance),
    ``first_within`` (local time of the first presence inside the radius) and
    ``minutes_within`` (presence time inside the radius in the window).
    Vectorised per spot over the time-sorted fixes in its window.

    Tiers without exact positions get it at their published granularity instead
    (:func:`geo.publish.follow_up`: presence in the spot's area in the units of the
    window), never decided per spot on exact data; the public gets unknown (``<NA>``).
    """
    if not snap.tier.exact_presence:
        return publish.follow_up(snap, spots, params.spot_days, kinds)
    fx = snap.fixes
    order = fx.by_time
    t_sorted = fx.t[order]
    keep = np.ones(order.size, dtype=bool)
    if kinds is not None:
        keep = np.isin(fx.kind[order], [KINDS.index(k) for k in kinds])
    geoms = np.asarray(spots.geometry.array, dtype=object)
    sx, sy = to_sweref(shapely.get_x(geoms), shapely.get_y(geoms))
    t0 = _local_midnight_epoch(spots["reported"])
    lo = np.searchsorted(t_sorted, t0, side="left")
    hi = np.searchsorted(t_sorted, t0 + params.spot_days * 86400, side="left")
    r2 = params.spot_radius_m**2
    nearest = np.full(len(spots), np.nan)
    first = np.full(len(spots), -1, dtype=np.int64)
    minutes = np.zeros(len(spots))
    for i in range(len(spots)):
        sel = order[lo[i] : hi[i]][keep[lo[i] : hi[i]]]
        if sel.size == 0:
            continue
        d2 = (fx.x[sel] - sx[i]) ** 2 + (fx.y[sel] - sy[i]) ** 2
        nearest[i] = np.sqrt(d2.min())
        within = d2 <= r2
        if within.any():
            first[i] = fx.t[sel][within].min()
            minutes[i] = fx.dt[sel][within].sum() / 60
    return pd.DataFrame(
        {
            "uid": spots["uid"].to_numpy(),
            "followed_up": first >= 0,
            "nearest_m": np.round(nearest),
            "minutes_within": np.round(minutes),
            "first_within": [
                pd.Timestamp(v, unit="s", tz="UTC").tz_convert(LOCAL_TZ) if v >= 0 else pd.NaT
                for v in first
            ],
        }
    )


def spot_follow_up_naive(snap: Snapshot, spots: pd.DataFrame, params: CoverageParams) -> list[bool]:
    """Reference: a Python loop over every spot and every fix (for tests and benchmarks)."""
    fx = snap.fixes
    geoms = list(spots.geometry)
    sx, sy = to_sweref(np.array([g.x for g in geoms]), np.array([g.y for g in geoms]))
    out = []
    for i, reported in enumerate(spots["reported"]):
        t0 = int(pd.Timestamp(reported).tz_localize(LOCAL_TZ).timestamp())  # the naive way
        t1 = t0 + params.spot_days * 86400
        hit = False
        for j in range(len(fx)):
            if t0 <= fx.t[j] < t1 and (fx.x[j] - sx[i]) ** 2 + (fx.y[j] - sy[i]) ** 2 <= (
                params.spot_radius_m**2
            ):
                hit = True
                break
        out.append(hit)
    return out


def road_controls(snap: Snapshot, filters: Filters, params: CoverageParams) -> pd.DataFrame:
    """Traffic controls within ``road_buffer_m`` of each through-traffic road in the period.

    Columns: ``uid, road, locality, heavy_per_day, controls, vehicles_checked``; coarse
    tiers sum their published control cells (lower bounds with ``_withheld`` companions).
    """
    if not snap.tier.exact_presence:
        return publish.road_totals(snap, filters)
    roads = snap.roads
    controls = _controls(snap, filters)
    counts = np.zeros(len(roads), dtype=int)
    checked = np.zeros(len(roads), dtype=int)
    if len(roads) and len(controls):
        roads_m = roads.geometry.to_crs(3006).array
        ctrl_m = controls.geometry.to_crs(3006).array
        tree = shapely.STRtree(ctrl_m)
        road_ix, ctrl_ix = tree.query(roads_m, predicate="dwithin", distance=params.road_buffer_m)
        counts = np.bincount(road_ix, minlength=len(roads))
        vc = controls["vehicles_checked"].fillna(0).to_numpy(dtype=float)[ctrl_ix]
        checked = np.bincount(road_ix, weights=vc, minlength=len(roads)).astype(int)
    out = roads[["uid", "road", "locality", "heavy_per_day"]].copy()
    out["controls"] = counts
    out["vehicles_checked"] = checked
    return out.reset_index(drop=True)
