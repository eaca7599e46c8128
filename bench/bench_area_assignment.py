"""Area assignment of presence points: AreaIndex vs geopandas.sjoin vs a Python loop.

Prints seconds and ratios for 1M and 10M random points over the municipality's bounding
box (the loop is timed on 20k points and scaled, as it would take minutes). Target from
the foundation issue: 10M points in <= 4 s on 2 cores, at least 7x faster than sjoin.

    python bench/bench_area_assignment.py [--sizes 1000000 10000000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.areas import AreaIndex, assign_naive, builtin_areas, builtin_municipality  # noqa: E402


def timed(fn, *args, repeat: int = 3):  # noqa: ANN001, ANN202 - tiny helper
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, out


def sjoin_assign(areas: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)
    joined = gpd.sjoin(points, areas[["id", "geometry"]], how="left", predicate="intersects")
    return joined[~joined.index.duplicated()]["id"].to_numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = parser.parse_args()
    areas = builtin_areas()
    start = time.perf_counter()
    index = AreaIndex(areas)
    print(f"AreaIndex build (raster + exact edges): {time.perf_counter() - start:.2f} s")
    minx, miny, maxx, maxy = builtin_municipality().bounds
    rng = np.random.default_rng(0)
    loop_n = 20_000
    lon, lat = rng.uniform(minx, maxx, loop_n), rng.uniform(miny, maxy, loop_n)
    loop_s, naive = timed(assign_naive, areas, lon, lat, repeat=1)
    fast = index.assign(lon, lat)
    assert list(fast) == naive, "AreaIndex disagrees with the naive loop"
    per_point = loop_s / loop_n
    print(
        f"{'points':>11} {'AreaIndex s':>12} {'sjoin s':>9} {'loop s (est.)':>14} "
        f"{'vs sjoin':>9} {'vs loop':>9}"
    )
    for n in args.sizes:
        lon, lat = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
        fast_s, codes = timed(index.assign_codes, lon, lat)
        sjoin_s, ids = timed(sjoin_assign, areas, lon, lat, repeat=1)
        check = np.append(index.ids.astype(object), None)[codes]
        same = np.mean(
            [
                a == b or (a is None and b != b)
                for a, b in zip(check[:100_000], ids[:100_000], strict=True)
            ]
        )
        assert same > 0.9999, f"sjoin and AreaIndex disagree on {1 - same:.4%} of points"
        print(
            f"{n:>11,} {fast_s:>12.3f} {sjoin_s:>9.2f} {per_point * n:>14.0f} "
            f"{sjoin_s / fast_s:>8.1f}x {per_point * n / fast_s:>8.0f}x"
        )


if __name__ == "__main__":
    main()
