"""Make a week's plan: the situation before the week, the stops, and the expected effect.

The effect is not estimated: the plan is replayed as the presence it would log
(:mod:`geo.plan.replay`) and the same :mod:`geo.coverage` functions that judge logged
presence give the figures with and without it.
"""

from __future__ import annotations

from dataclasses import replace

from geo.coverage import presence_by_area
from geo.filters import Filters
from geo.plan.allocate import allocate
from geo.plan.effect import situation
from geo.plan.model import Plan, PlanInputError, PlanRequest, normalise_week, week_bounds
from geo.plan.replay import plan_presence, truncated, with_presence
from geo.plan.stops import build_places
from geo.snapshot import Snapshot
from geo.store.base import TimeRange


def make_plan(snap: Snapshot, req: PlanRequest) -> Plan:
    """The plan for ``req.week`` from what ``snap`` (police tier) knew before the week.

    Raises :class:`PlanInputError` for a bad week or an unknown area to leave out.
    """
    if not snap.tier.exact_presence:
        raise PlanInputError(0, "tier", "tier")
    req = replace(req, week=normalise_week(req.week))
    ws, we = week_bounds(req.week)
    unknown = sorted(set(req.exclude) - set(snap.area_ids))
    if unknown:
        raise PlanInputError(0, "exclude", "area", value=unknown[0])
    t0, t1 = int(ws.timestamp()), int(we.timestamp())
    past = truncated(snap, t0)
    before = situation(past, t0, t1, req.params)
    places = build_places(past, before, req)
    tours, unplaced = allocate(past, places, before, req, ws, we)
    plan = Plan(req, t0, t1, tours, unplaced=places.left_out + unplaced)
    plan.needs = {
        "gap_areas": before.gaps["area_id"].tolist(),
        "open_spots": list(before.open_spots),
        "stale_spots": list(before.stale_spots),
        "roads": list(before.roads_without),
    }
    presence, times = plan_presence(plan, snap.municipality)
    replayed = with_presence(past, presence, times)
    after = situation(replayed, t0, t1, req.params)
    plan.before, plan.after = before.figures(), after.figures()
    week = Filters(TimeRange(ws, we))
    hours = presence_by_area(replayed, week, req.params).set_index("area_id")["hours"]
    plan.planned_hours = {a: float(h) for a, h in hours.items() if h > 0}
    return plan


def replayed_snapshot(snap: Snapshot, plan: Plan) -> Snapshot:
    """What was known before the plan's week plus the plan as logged presence."""
    past = truncated(snap, plan.week_start)
    presence, times = plan_presence(plan, snap.municipality)
    return with_presence(past, presence, times)


__all__ = ["make_plan", "replayed_snapshot"]
