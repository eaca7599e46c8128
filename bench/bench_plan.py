"""A week's plan for the whole municipality: 200 problem spots, 3 kinds, 21 shifts.

Ours: :func:`geo.plan.make_plan` (situation, stops, tours in driving order, and the effect
by replaying the plan in memory through geo.coverage). Beside it, in the same run:

- the tours in the order the stops were placed (no routing) and in a random order, and
  the brute-force optimum for every tour of up to 8 stops (how far 2-opt is from best),
  with what brute force would cost for the longest tour;
- the effect computed the naive way: the plan written to a copy of the GeoPackage as
  presence, the snapshot read back, the same figures computed.

The store holds the demo year up to the planned week (what a planner knows) plus random
problem spots up to 200. Target (issue 15): the plan in ≤ 2 s.

    python bench/bench_plan.py [--week 2018-W39] [--fix-interval 60] [--runs 3]
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.coverage import CoverageParams  # noqa: E402
from geo.crs import to_sweref  # noqa: E402
from geo.demo import build_demo_year  # noqa: E402
from geo.model import SpotCategory, SpotStatus  # noqa: E402
from geo.plan import PlanRequest, make_plan  # noqa: E402
from geo.plan.effect import situation  # noqa: E402
from geo.plan.model import week_bounds  # noqa: E402
from geo.plan.planner import replayed_snapshot  # noqa: E402
from geo.plan.replay import plan_presence  # noqa: E402
from geo.plan.route import (  # noqa: E402
    brute_force,
    closed_cost,
    distance_matrix,
    minutes_matrix,
)
from geo.snapshot import load_snapshot  # noqa: E402
from geo.store import GeoPackageStore  # noqa: E402

HOURS = {"car_patrol": 40.0, "foot_patrol": 16.0, "traffic_control": 12.0}
SPOTS = 200


def add_spots(store: GeoPackageStore, week: str, total: int, seed: int = 15) -> None:
    """Random problem spots up to ``total``, a third reported in the two weeks before
    ``week`` (their follow-up is due), the rest over the year."""
    have = len(store.query("problem_spots"))
    n = total - have
    if n <= 0:
        return
    rng = np.random.default_rng(seed)
    areas = store.areas()
    ws, _ = week_bounds(week)
    rows = []
    polys = list(areas.geometry)
    for i in range(n):
        poly = polys[int(rng.integers(len(polys)))]
        minx, miny, maxx, maxy = poly.bounds
        while True:
            lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if poly.contains(shapely.Point(lon, lat)):
                break
        due = i % 3 == 0
        day = ws - pd.Timedelta(days=int(rng.integers(1, 14) if due else rng.integers(20, 250)))
        rows.append(
            dict(
                uid=f"bench-s-{i:03d}",
                category=str(rng.choice([c.value for c in SpotCategory])),
                description=f"Bänkplats {i}",
                reported=day.date().isoformat(),
                residents=int(rng.integers(1, 20)),
                status=str(rng.choice([s.value for s in SpotStatus])),
                geometry=shapely.Point(lon, lat),
            )
        )
    store.add("problem_spots", gpd.GeoDataFrame(rows, crs="EPSG:4326"), user="bench")


def timed(fn, runs: int) -> tuple[float, object]:  # noqa: ANN001
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week", default="2018-W39")
    parser.add_argument("--fix-interval", type=int, default=60, help="seconds between fixes")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.gpkg"
        store = GeoPackageStore(path)
        demo = build_demo_year(store.areas(), fix_interval_s=args.fix_interval)
        ws_local, _ = week_bounds(args.week)
        known = demo.presence[demo.presence["end"] < ws_local]
        times = {u: demo.vertex_times[u] for u in known["uid"] if u in demo.vertex_times}
        store.add("presence", known, vertex_times=times, user="bench")
        for layer in ("problem_spots", "roads", "dialogues"):
            store.add(layer, getattr(demo, layer), user="bench")
        add_spots(store, args.week, SPOTS)
        snap = load_snapshot(store)
        req = PlanRequest(args.week, HOURS, seed=1)
        print(
            f"store: {len(snap.fixes):,} fixes, {len(snap.problem_spots)} spots, "
            f"{len(snap.areas)} areas, {len(req.shifts)} shifts, {len(HOURS)} kinds"
        )
        seconds, plan = timed(lambda: make_plan(snap, req), args.runs)
        stops = plan.stops
        print(f"\nplan {args.week}: {len(stops)} stops in {len(plan.tours)} tours")
        print(f"  ours, make_plan (median of {args.runs}):      {seconds:6.2f} s  (target ≤ 2 s)")
        print(f"  unplaced needs: {len(plan.unplaced)}")
        print(f"  before: {plan.before}")
        print(f"  after:  {plan.after}")

        # Routing: ours against no routing, a random order and brute force, on the
        # travel minutes each tour is ordered by (foot patrols walk short legs).
        rng = np.random.default_rng(0)
        totals = {"ours": [0.0, 0.0], "reasons": [0.0, 0.0], "random": [0.0, 0.0]}
        gaps, brute_s, sizes = [], [], []
        for tour in plan.tours:
            lon = np.r_[req.base[0], [s.lon for s in tour.stops]]
            lat = np.r_[req.base[1], [s.lat for s in tour.stops]]
            x, y = to_sweref(lon, lat)
            dist = distance_matrix(np.asarray(x), np.asarray(y))
            foot = tour.kind == "foot_patrol"
            cost = minutes_matrix(dist, req.car_kmh, req.foot_kmh if foot else None, req.walk_max_m)
            ours = list(range(1, len(tour.stops) + 1))
            orders = {
                "ours": ours,
                "reasons": sorted(ours, key=lambda i: (tour.stops[i - 1].reason, i)),
                "random": [int(i) for i in rng.permutation(ours)],
            }
            for name, order in orders.items():
                totals[name][0] += closed_cost(order, cost)
                totals[name][1] += closed_cost(order, dist) / 1000
            sizes.append(len(ours))
            if 3 <= len(ours) <= 8:
                start = time.perf_counter()
                best = closed_cost(brute_force(ours, cost), cost)
                brute_s.append((len(ours), time.perf_counter() - start))
                gaps.append(closed_cost(ours, cost) / best - 1)
        print("\nroutes (straight line; travel minutes and km per week)")
        labels = {
            "ours": "ours (insertion + nearest neighbour + 2-opt)",
            "reasons": "stops in the order of their reasons",
            "random": "stops in random order",
        }
        for name, (minutes, km) in totals.items():
            print(f"  {labels[name]:<46} {minutes:7.0f} min {km:8.1f} km")
        if gaps:
            print(
                f"  brute force on {len(gaps)} tours of 3-8 stops: ours is "
                f"{100 * max(gaps):.1f} % above the optimum at worst, "
                f"{100 * statistics.mean(gaps):.2f} % on average"
            )
            n, s = max(brute_s)
            longest = max(sizes)
            scale = math.factorial(longest) / math.factorial(n)
            print(
                f"  brute force took {s:.3f} s for {n} stops; the longest tour "
                f"({longest} stops) would take ≈ {s * scale:,.1f} s"
            )

        # The effect, the naive way: write the plan to the store and read it all back.
        ws, we = (int(t.timestamp()) for t in week_bounds(args.week))

        def through_the_store() -> dict:
            copy = Path(tmp) / "replay.gpkg"
            shutil.copy(path, copy)
            other = GeoPackageStore(copy)
            presence, times = plan_presence(plan, other.municipality())
            other.add("presence", presence, vertex_times=times, user="bench")
            snap2 = load_snapshot(other)
            return situation(snap2, ws, we, CoverageParams()).figures()

        def in_memory() -> dict:
            return situation(replayed_snapshot(snap, plan), ws, we, CoverageParams()).figures()

        ours_s, _ = timed(in_memory, args.runs)
        naive_s, naive = timed(through_the_store, 1)
        print("\neffect of the plan")
        print(f"  ours (replayed in memory, part of make_plan): {ours_s:6.2f} s")
        print(f"  naive (write to the GeoPackage, read back):   {naive_s:6.2f} s")
        same = {k: naive[k] for k in plan.after} == plan.after
        print(f"  same figures both ways: {same}")


if __name__ == "__main__":
    main()
