"""Stops placed into the shifts' tours within the hours given per kind.

A tour is one unit (kind) in one shift, from the base to its stops and back: travel
(straight line, minutes) plus time on site. A tour never outlasts its shift, and the
tours of a kind together never use more than the hours given for it. Each shift has a
fair share of a kind's hours (in proportion to its length); a tour beyond its share pays
a penalty when stops are placed, so the week is covered evenly while a far control or a
remote village can still take a longer tour.

Stops are placed greedily, each into the tour where it adds the least travel plus a
random amount (seeded), preferring shifts that suit the place (evening for youth and
narcotics, night for burglary):

1. the needs in priority order: areas without presence longest first, spots in their
   follow-up window, roads without a control, spots left without presence;
2. then, per kind (controls, foot patrols, car patrols): the countryside gets the next
   stop while its share of the hours in the gap weeks (presence before the week plus the
   plan so far, travel counted where the stop is) is below its share of the residents,
   else the town; the town keeps at least ``town_min_share`` of the plan's hours. Within
   the countryside the area with the least presence per resident comes first.

Then every tour is put in driving order (nearest neighbour, 2-opt) and given a start at a
random point of its shift, so no two weeks look alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from geo.crs import to_wgs84
from geo.model import AreaKind
from geo.plan.effect import Situation
from geo.plan.model import CONTROL, FOOT, PlanRequest, Stop, Tour, shift_window
from geo.plan.route import (
    cheapest_insertion,
    closed_cost,
    distance_matrix,
    minutes_matrix,
    order_tour,
)
from geo.plan.stops import Place, Places
from geo.snapshot import Snapshot

NOT_PREFERRED_MIN = 30.0  # a shift that does not suit the place counts as this much detour
JITTER_MIN = 20.0  # mean of the random minutes added when choosing a tour
OVER_SHARE_MIN = 60.0  # penalty (minutes) per fair share a tour goes beyond its own


@dataclass
class _Draft:
    shift: int
    kind: str
    name: str
    t0: int
    t1: int
    budget: float  # fair share of the kind's hours, minutes
    route: list[int] = field(default_factory=list)
    minutes: list[float] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    travel: float = 0.0

    @property
    def used(self) -> float:
        return self.travel + sum(self.minutes)


def shift_budgets(req: PlanRequest, ws: pd.Timestamp, we: pd.Timestamp) -> list[_Draft]:
    """One empty tour per shift and kind, with its budget in minutes."""
    windows = [shift_window(s, ws, we) for s in req.shifts]
    drafts: list[_Draft] = []
    for kind, hours in req.hours.items():
        ix = [
            i for i, s in enumerate(req.shifts) if kind in s.kinds and windows[i][1] > windows[i][0]
        ]
        lengths = np.array([(windows[i][1] - windows[i][0]) / 60 for i in ix])
        if not ix or hours <= 0:
            continue
        budgets = np.floor(np.minimum(lengths, hours * 60 * lengths / lengths.sum()) * 10) / 10
        for i, budget in zip(ix, budgets, strict=True):
            drafts.append(_Draft(i, kind, req.shifts[i].name, *windows[i], float(budget)))
    return drafts


class _Allocator:
    def __init__(
        self,
        snap: Snapshot,
        places: Places,
        before: Situation,
        req: PlanRequest,
        rng: np.random.Generator,
    ) -> None:
        self.req, self.rng, self.places = req, rng, places
        x, y = places.xy
        self.dist = distance_matrix(x, y)
        car = minutes_matrix(self.dist, req.car_kmh)
        foot = minutes_matrix(self.dist, req.car_kmh, req.foot_kmh, req.walk_max_m)
        self.cost = {k: (foot if k == FOOT else car) for k in req.hours}
        self.tours: list[_Draft] = []
        areas = snap.areas
        pop = pd.to_numeric(areas["population"], errors="coerce")
        known = pop[areas["kind"] == AreaKind.VILLAGE.value].dropna()
        fallback = float(known.min()) if len(known) else 100.0
        self.pop = dict(zip(areas["id"], pop.fillna(fallback).clip(lower=1.0), strict=True))
        self.past = before.hours.to_dict()
        self.planned = dict.fromkeys(areas["id"], 0.0)
        self.visits = np.zeros(len(places.items), dtype=int)
        self.used = dict.fromkeys(req.hours, 0.0)
        self.town = set(areas.loc[areas["kind"] == AreaKind.TOWN.value, "id"])
        self.population_share = before.countryside_population_share / 100
        self.town_frac = _town_fraction(snap, places)

    def minutes(self, kind: str) -> float:
        if kind == CONTROL:
            return float(self.req.control_minutes)
        extra = int(self.rng.integers(0, int(self.req.patrol_max_minutes) + 1))
        return float(self.req.params.dwell_minutes + extra)

    def place(self, p: int, kind: str, minutes: float, reason: str) -> bool:
        """Insert place ``p`` into the best tour of ``kind`` that has room; False if none."""
        place: Place = self.places.items[p]
        cost = self.cost[kind]
        best: tuple[float, _Draft, int, float] | None = None
        left = self.req.hours[kind] * 60 - self.used[kind]
        for tour in self.tours:
            room = min(left, (tour.t1 - tour.t0) / 60 - tour.used)
            if tour.kind != kind or room + 1e-9 < minutes or p in tour.route:
                continue
            if place.window and not (place.window[0] <= tour.t0 and tour.t1 <= place.window[1]):
                continue
            pos, extra = cheapest_insertion(tour.route, p, cost)
            if extra + minutes > room + 1e-9:
                continue
            after = tour.used + extra + minutes
            score = extra + self.rng.exponential(JITTER_MIN)
            score += OVER_SHARE_MIN * max(0.0, after / max(tour.budget, 1.0) - 1.0)
            if not place.preferred(tour.name):
                score += NOT_PREFERRED_MIN
            if best is None or score < best[0]:
                best = (score, tour, pos, extra)
        if best is None:
            return False
        _, tour, pos, extra = best
        tour.route.insert(pos, p)
        tour.minutes.insert(pos, minutes)
        tour.reasons.insert(pos, reason)
        tour.travel += extra
        self.used[kind] += extra + minutes
        self.visits[p] += 1
        # The drive is presence too: the part of the way from the base inside the town
        # counts for the town, the rest for the stop's area.
        in_town = extra * self.town_frac[p] if self.town else 0.0
        self.planned[place.area_id] += (minutes + extra - in_town) / 60
        if self.town:
            self.planned[next(iter(sorted(self.town)))] += in_town / 60
        return True

    def needs(self) -> list[dict[str, str]]:
        unplaced = []
        for need in self.places.needs:
            kinds = [k for k in need.kinds if self.req.hours.get(k, 0) > 0]
            if not any(self.place(need.place, k, self.minutes(k), need.reason) for k in kinds):
                p = self.places.items[need.place]
                unplaced.append({"reason": need.reason, "name": p.name, "area_id": p.area_id})
        return unplaced

    def _next_area(self, left: list[str]) -> str:
        """Town or countryside by the shares, then the least presence per resident."""
        town = [a for a in left if a in self.town]
        country = [a for a in left if a not in self.town]
        hours_town = sum(self.past.get(a, 0.0) + self.planned[a] for a in self.town)
        hours_all = sum(self.past.values()) + sum(self.planned.values())
        plan_town = sum(self.planned[a] for a in self.town)
        plan_all = sum(self.planned.values())
        if town and (
            not country
            or plan_town < self.req.town_min_share * plan_all
            or (hours_all > 0 and 1 - hours_town / hours_all >= self.population_share)
        ):
            return town[0]
        level = np.array([(self.past.get(a, 0.0) + self.planned[a]) / self.pop[a] for a in country])
        level += self.rng.uniform(0, 1e-9, level.size)  # random among equals
        return country[int(np.argmin(level))]

    def balance(self, kind: str) -> None:
        by_area: dict[str, list[int]] = {}
        for i, p in enumerate(self.places.items[1:], 1):
            if kind in p.kinds:
                by_area.setdefault(p.area_id, []).append(i)
        done: set[str] = set()
        while len(done) < len(by_area):
            area = self._next_area([a for a in by_area if a not in done])
            candidates = by_area[area]
            order = np.lexsort((self.rng.random(len(candidates)), self.visits[candidates]))
            minutes = self.minutes(kind)
            if not any(self.place(candidates[j], kind, minutes, "balance") for j in order[:4]):
                done.add(area)

    def finish(self) -> list[Tour]:
        out = []
        for d in sorted(self.tours, key=lambda d: (d.shift, d.kind)):
            if not d.route:
                continue
            cost = self.cost[d.kind]
            order = order_tour(d.route, cost)
            rank = {p: i for i, p in enumerate(d.route)}
            minutes = [d.minutes[rank[p]] for p in order]
            reasons = [d.reasons[rank[p]] for p in order]
            travel = closed_cost(order, cost)
            used = travel + sum(minutes)
            slack = max(0.0, (d.t1 - d.t0) / 60 - used)
            start = d.t0 + int(self.rng.integers(0, int(slack // 5) + 1)) * 300
            now, prev, stops = start, 0, []
            for p, m, reason in zip(order, minutes, reasons, strict=True):
                now += int(round(cost[prev, p] * 60))
                place = self.places.items[p]
                stops.append(
                    Stop(
                        place=place.key,
                        what=place.what,
                        area_id=place.area_id,
                        lon=place.lon,
                        lat=place.lat,
                        name=place.name,
                        reason=reason,
                        kind=d.kind,
                        dwell_min=float(self.req.params.dwell_minutes),
                        minutes=m,
                        arrive=now,
                        leave=now + int(m * 60),
                        category=place.category,
                        asked=place.asked,
                        dialogue=place.dialogue,
                    )
                )
                now += int(m * 60)
                prev = p
            end = now + int(round(cost[prev, 0] * 60))
            km = closed_cost(order, self.dist) / 1000
            out.append(Tour(d.shift, d.kind, d.budget, stops, travel, round(km, 1), start, end))
        return out


def _town_fraction(snap: Snapshot, places: Places, samples: int = 24) -> np.ndarray:
    """Share of the straight way from the base to each place that lies in the town."""
    x, y = places.xy
    f = (np.arange(samples) + 0.5) / samples
    px = x[0] + np.outer(x - x[0], f)
    py = y[0] + np.outer(y - y[0], f)
    lon, lat = to_wgs84(px.ravel(), py.ravel())
    town = snap.areas[snap.areas["kind"] == AreaKind.TOWN.value]
    if town.empty:
        return np.zeros(x.size)
    inside = shapely.intersects_xy(shapely.union_all(town.geometry.array), lon, lat)
    return inside.reshape(px.shape).mean(axis=1)


def allocate(
    snap: Snapshot,
    places: Places,
    before: Situation,
    req: PlanRequest,
    ws: pd.Timestamp,
    we: pd.Timestamp,
) -> tuple[list[Tour], list[dict[str, str]]]:
    """The week's tours and the needs that found no room (see the module docstring)."""
    rng = np.random.default_rng(req.seed)
    alloc = _Allocator(snap, places, before, req, rng)
    alloc.tours = shift_budgets(req, ws, we)
    unplaced = alloc.needs()
    for kind in (CONTROL, FOOT, *[k for k in req.hours if k not in (CONTROL, FOOT)]):
        if req.hours.get(kind, 0) > 0:
            alloc.balance(kind)
    return alloc.finish(), unplaced
