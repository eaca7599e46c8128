"""Planned against done: once a planned week has passed, what of the plan happened.

For each stored plan whose week the logged presence covers:

- a stop is *visited* when presence (any kind) stayed within the plan's ``spot_radius_m``
  of it for at least the dwell, in one run of fixes, during the week; several stops at one
  place need as many such stays;
- hours per area: presence hours logged in the week against the hours the plan would
  have logged (its replay, :attr:`Plan.planned_hours`);
- gaps closed: of the areas without presence, spots waiting for follow-up, roads without a
  control and spots left without presence that the plan gave a stop, those that got
  presence (a control, for roads) in the week.

Police only: plans are not in the snapshots of coarser tiers (:func:`geo.tiers.view_for`).
Distances in EPSG:3006 metres, times UTC epoch seconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from geo.coverage import presence_by_area, road_controls, spot_follow_up
from geo.crs import to_sweref
from geo.filters import Filters
from geo.i18n import Translate
from geo.model import LOCAL_TZ
from geo.plan.model import Plan
from geo.snapshot import FixArrays, Snapshot
from geo.store.base import TimeRange


@dataclass
class Adherence:
    """One week's plan against what was logged."""

    week: str
    stops_planned: int
    stops_visited: int
    hours_planned: float
    hours_done: float
    gaps_planned: int
    gaps_closed: int
    by_area: pd.DataFrame  # area_id, planned, done (hours)
    visited: dict[str, int]  # place key -> stops at it that were visited

    @property
    def share(self) -> float:
        """Percent of planned stops visited (NaN for a plan without stops)."""
        return 100 * self.stops_visited / self.stops_planned if self.stops_planned else float("nan")


def _week_fixes(fx: FixArrays, t0: int, t1: int) -> FixArrays:
    """The fixes in ``[t0, t1)``, found through the time order (no pass over all fixes)."""
    t_sorted = fx.t[fx.by_time]
    lo, hi = np.searchsorted(t_sorted, [t0, t1], side="left")
    ix = np.sort(fx.by_time[lo:hi])  # record order, as stays need
    return FixArrays(
        t=fx.t[ix],
        lon=fx.lon[ix],
        lat=fx.lat[ix],
        x=fx.x[ix],
        y=fx.y[ix],
        dt=np.minimum(fx.dt[ix], t1 - fx.t[ix]),
        kind=fx.kind[ix],
        area=fx.area[ix],
        rec=fx.rec[ix],
        day=fx.day[ix],
        week=fx.week[ix],
        by_time=np.argsort(fx.t[ix], kind="stable"),
    )


def stays_near(fx: FixArrays, x: float, y: float, radius_m: float) -> np.ndarray:
    """Seconds of each stay (consecutive fixes of one record) within ``radius_m`` of x, y."""
    within = np.flatnonzero((fx.x - x) ** 2 + (fx.y - y) ** 2 <= radius_m**2)
    if within.size == 0:
        return np.zeros(0)
    rec = fx.rec[within]
    new = np.r_[True, (np.diff(within) != 1) | (rec[1:] != rec[:-1])]
    return np.bincount(np.cumsum(new) - 1, weights=fx.dt[within])


def adherence(snap: Snapshot, plan: Plan) -> Adherence:
    """How ``plan`` was kept, from the presence in ``snap`` (police tier)."""
    params = plan.request.params
    ws, we = plan.week_start, plan.week_end
    fx = _week_fixes(snap.fixes, ws, we)
    week = replace(snap, fixes=fx)
    visited: dict[str, int] = {}
    groups: dict[str, list] = {}
    for s in plan.stops:
        groups.setdefault(s.place, []).append(s)
    for key, stops in groups.items():
        x, y = to_sweref(np.array([stops[0].lon]), np.array([stops[0].lat]))
        seconds = stays_near(fx, float(x[0]), float(y[0]), params.spot_radius_m)
        visited[key] = min(len(stops), int((seconds >= stops[0].dwell_min * 60).sum()))
    period = Filters(
        TimeRange(pd.Timestamp(ws, unit="s", tz="UTC"), pd.Timestamp(we, unit="s", tz="UTC"))
    )
    table = presence_by_area(week, period, params).set_index("area_id")
    done = table.loc[table["hours"] > 0, "hours"]
    by_area = pd.DataFrame(
        {"planned": pd.Series(plan.planned_hours, dtype=float), "done": done}
    ).fillna(0.0)
    closed, planned = _gaps_closed(week, plan, period, table)
    return Adherence(
        week=plan.request.week,
        stops_planned=len(plan.stops),
        stops_visited=sum(visited.values()),
        hours_planned=round(float(by_area["planned"].sum()), 1),
        hours_done=round(float(by_area["done"].sum()), 1),
        gaps_planned=planned,
        gaps_closed=closed,
        by_area=by_area.rename_axis("area_id").reset_index(),
        visited=visited,
    )


def _answered(plan: Plan, reason: str, prefix: str = "") -> list[str]:
    """Ids of the needs of one kind that the plan gave a stop (areas, spot or road uids)."""
    ids = [
        s.area_id if not prefix else s.place.removeprefix(prefix)
        for s in plan.stops
        if s.reason == reason
    ]
    return list(dict.fromkeys(ids))


def _gaps_closed(
    week: Snapshot, plan: Plan, period: Filters, table: pd.DataFrame
) -> tuple[int, int]:
    """(closed, planned): the needs the plan answered with a stop that got presence (a
    control, for roads) in the week."""
    params = plan.request.params
    areas = [a for a in _answered(plan, "gap") if a in table.index]
    closed = int((table.loc[areas, "hours"] > 0).sum())
    spots = week.problem_spots.set_index("uid")
    open_ids = spots.index.intersection(_answered(plan, "spot_open", "spot:"))
    open_spots = spots.loc[open_ids].reset_index()
    if len(open_spots):
        closed += int(spot_follow_up(week, open_spots, params)["followed_up"].sum())
    stale = spots.loc[spots.index.intersection(_answered(plan, "spot_stale", "spot:"))]
    stale = stale.reset_index()
    if len(stale):
        stale["reported"] = period.period.start.tz_convert(LOCAL_TZ).date().isoformat()
        in_week = replace(params, spot_days=7)
        closed += int(spot_follow_up(week, stale, in_week)["followed_up"].sum())
    roads = road_controls(week, period, params).set_index("uid")
    wanted = roads.index.intersection(_answered(plan, "road", "road:"))
    closed += int((roads.loc[wanted, "controls"].fillna(0) > 0).sum())
    planned = len(areas) + len(open_spots) + len(stale) + len(wanted)
    return closed, planned


def stored_plans(snap: Snapshot) -> list[Plan]:
    """The newest stored plan of each week, oldest week first (police snapshots only)."""
    frame = snap.plans
    if frame is None or frame.empty:
        return []
    latest = frame.sort_values("updated_utc").groupby("week").tail(1).sort_values("week")
    return [Plan.from_dict(json.loads(doc)) for doc in latest["document"]]


def passed_plans(snap: Snapshot, now: pd.Timestamp) -> list[Plan]:
    """Stored plans whose week is over (before ``now``) and covered by logged presence."""
    if not snap.tier.exact_presence:
        return []
    end = min(int(now.timestamp()), int(snap.extent().end.timestamp()))
    return [plan for plan in stored_plans(snap) if plan.week_end <= end]


def area_view(a: Adherence, names: dict[str, str], t: Translate) -> pd.DataFrame:
    """Hours per area, planned and done, for people (area names, translated columns)."""
    return pd.DataFrame(
        {
            t("plan_stop_area"): [names.get(x, x) for x in a.by_area["area_id"]],
            t("plan_col_hours_planned"): a.by_area["planned"].round(1),
            t("plan_col_hours_done"): a.by_area["done"].round(1),
        }
    )


def weekly_adherence(snap: Snapshot, now: pd.Timestamp) -> pd.DataFrame:
    """Week by week, for plans whose week has passed (before ``now`` and covered by the
    logged presence): stops planned and visited, hours planned and done, gaps closed."""
    rows = []
    for plan in passed_plans(snap, now):
        a = adherence(snap, plan)
        rows.append(
            {
                "week": a.week,
                "stops_planned": a.stops_planned,
                "stops_visited": a.stops_visited,
                "stops_share": round(a.share, 1),
                "hours_planned": a.hours_planned,
                "hours_done": a.hours_done,
                "gaps_planned": a.gaps_planned,
                "gaps_closed": a.gaps_closed,
            }
        )
    return pd.DataFrame(rows)


def adherence_view(table: pd.DataFrame, t: Translate) -> pd.DataFrame:
    """The week-by-week table with translated column names."""
    return table.rename(columns=lambda c: t("plan_col_" + c))


def plan_evidence(snap: Snapshot, year: int, as_of: pd.Timestamp, t: Translate) -> str:
    """A clause for the promise scorecard's presence evidence: how the weekly plans of
    ``year`` were kept up to ``as_of``; empty where there are none (or no plans at this
    tier)."""
    table = weekly_adherence(snap, as_of)
    if table.empty:
        return ""
    table = table[table["week"].str.startswith(f"{year}-")]
    if table.empty:
        return ""
    planned = int(table["stops_planned"].sum())
    visited = int(table["stops_visited"].sum())
    share = round(100 * visited / planned) if planned else 0
    return t(
        "ev_plans",
        weeks=len(table),
        visited=visited,
        planned=planned,
        share=share,
        closed=int(table["gaps_closed"].sum()),
        gaps=int(table["gaps_planned"].sum()),
    )
