"""A period change on a store with about a million GPS fixes, our way and the naive way.

Our way: one columnar snapshot per data version, numpy masks per filter change, hexagons
above 3,000 points. Naive way (same run): re-read the period's fixes from the GeoPackage
on every change and assign areas with geopandas.sjoin, and one CircleMarker per point.
Also times problem spot -> nearest presence for 1,000 spots against all fixes.
Targets (coverage issue): period change <= 1 s server side, map HTML <= 2.5 MB,
1k spots x 1M points <= 0.5 s.

    python bench/bench_coverage.py [--fix-interval 3] [--store PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streamlit_folium import _get_feature_group_string  # noqa: E402

from geo.config import Settings  # noqa: E402
from geo.coverage import (  # noqa: E402
    CoverageParams,
    area_gaps,
    presence_by_area,
    spot_follow_up,
    weekly_balance,
)
from geo.demo import load_demo_year  # noqa: E402
from geo.filters import Filters, period_for  # noqa: E402
from geo.i18n import translator  # noqa: E402
from geo.mapview.basemap import build_base_map  # noqa: E402
from geo.mapview.layers import build_layers  # noqa: E402
from geo.model import LOCAL_TZ  # noqa: E402
from geo.roles import TIERS, Role  # noqa: E402
from geo.snapshot import load_snapshot  # noqa: E402
from geo.store import GeoPackageStore  # noqa: E402
from geo.tiers import publish_table, view_for  # noqa: E402
from geo.views import spot_table  # noqa: E402


def period_change(snap, filters, params, t, settings) -> tuple[float, int]:  # noqa: ANN001
    """Server-side work of one rerun after a filter change; returns seconds, map bytes."""
    start = time.perf_counter()
    table = presence_by_area(snap, filters, params)
    weekly_balance(snap, filters)
    area_gaps(snap, filters, params)
    spot_table(snap, filters, params, t)
    layers = build_layers(snap, filters, params, table, t, settings.raw_points_max)
    base = build_base_map(snap, settings, t)
    size = len(base.get_root().render())
    for i, group in enumerate(layers.groups):  # what st_folium sends for the layers
        size += len(_get_feature_group_string(group, base, i))
    return time.perf_counter() - start, size


def naive_period_change(store, areas, filters) -> tuple[float, float, int]:  # noqa: ANN001
    """Re-read the period's fixes, sjoin them to areas, sum per area; per-point markers.

    Returns data seconds, map seconds and map bytes; the map figures are measured on 10,000
    markers and scaled to the period's point count (all of them would take minutes).
    """
    start = time.perf_counter()
    fixes = store.fixes(filters.period)
    points = gpd.GeoDataFrame(fixes, geometry=gpd.points_from_xy(fixes.lon, fixes.lat), crs=4326)
    joined = gpd.sjoin(points, areas[["id", "geometry"]], predicate="intersects")
    joined.groupby("id").size()
    seconds = time.perf_counter() - start
    sample = fixes.head(10_000)
    start = time.perf_counter()
    m = folium.Map(tiles=None, prefer_canvas=True)
    for lon, lat in zip(sample.lon, sample.lat, strict=True):
        folium.CircleMarker([lat, lon], radius=2).add_to(m)
    html = m.get_root().render()
    scale = len(fixes) / max(len(sample), 1)
    return seconds, (time.perf_counter() - start) * scale, int(len(html) * scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fix-interval", type=int, default=3, help="seconds between fixes")
    parser.add_argument("--store", type=Path, help="reuse a filled store")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    path = args.store or tmp / "bench.gpkg"
    store = GeoPackageStore(path)
    if store.audit_log(limit=1).empty:
        start = time.perf_counter()
        demo = load_demo_year(store, fix_interval_s=args.fix_interval)
        print(f"demo year written: {demo.n_fixes:,} fixes in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    snap = load_snapshot(store)
    print(
        f"snapshot load (once per data version): {time.perf_counter() - start:.2f} s, "
        f"{len(snap.fixes):,} fixes"
    )
    t, settings, params = translator("sv"), Settings(tile_url=""), CoverageParams()
    end = snap.extent().end
    print(
        f"{'period':>8} {'ours s':>7} {'map MB':>7} {'naive data s':>13} "
        f"{'naive map s':>12} {'naive MB':>9} {'ratio':>6}"
    )
    for pick in ("week", "4weeks", "quarter", "year"):
        filters = Filters(period_for(pick, end))
        period_change(snap, filters, params, t, settings)  # warm caches as a rerun would
        ours, size = min(period_change(snap, filters, params, t, settings) for _ in range(3))
        naive, naive_map, naive_size = naive_period_change(store, snap.areas, filters)
        print(
            f"{pick:>8} {ours:>7.2f} {size / 1e6:>7.2f} {naive:>13.2f} {naive_map:>12.1f} "
            f"{naive_size / 1e6:>9.1f} {(naive + naive_map) / ours:>5.0f}x"
        )

    rng = np.random.default_rng(1)
    muni = snap.municipality
    minx, miny, maxx, maxy = muni.bounds
    pts = [
        p
        for p in shapely.points(rng.uniform(minx, maxx, 3000), rng.uniform(miny, maxy, 3000))
        if muni.contains(p)
    ][:1000]
    days = pd.Series(pd.date_range("2018-01-01", "2018-12-15", periods=len(pts)).date.astype(str))
    spots = gpd.GeoDataFrame(
        {"uid": [f"s{i}" for i in range(len(pts))], "reported": days}, geometry=pts, crs=4326
    )
    spot_follow_up(snap, spots, params)
    start = time.perf_counter()
    ours = spot_follow_up(snap, spots, params)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    fx = gpd.GeoDataFrame(geometry=gpd.points_from_xy(snap.fixes.x, snap.fixes.y), crs=3006)
    gpd.sjoin_nearest(spots.to_crs(3006), fx, max_distance=params.spot_radius_m)
    sjoin_s = time.perf_counter() - start
    print(
        f"spot follow-up, {len(spots)} spots x {len(snap.fixes):,} fixes (14-day windows): "
        f"{ours_s:.3f} s, {int(ours['followed_up'].sum())} followed up; "
        f"geopandas sjoin_nearest without time windows: {sjoin_s:.2f} s "
        f"({sjoin_s / ours_s:.1f}x slower, and it cannot apply the time window)"
    )

    for role in (Role.MUNICIPALITY, Role.COUNCIL):
        now = pd.Timestamp("2026-11-25", tz="UTC")
        start = time.perf_counter()
        view = view_for(snap, TIERS[role], now)
        view_s = time.perf_counter() - start
        tier = TIERS[role]
        start = time.perf_counter()
        publish_table(snap, tier, now, params)  # the stays, dated and summed per cell
        ours_s = time.perf_counter() - start
        naive_s = naive_stays(snap, "W" if role == Role.MUNICIPALITY else "M")
        print(
            f"tier view for {role} (once per data version and role, cached): {view_s:.2f} s, "
            f"{len(view.fixes):,} published cells; the table alone {ours_s:.3f} s vs pandas "
            f"per-fix datetimes + groupby {naive_s:.3f} s ({naive_s / ours_s:.1f}x)"
        )


def naive_stays(snap, freq: str) -> float:  # noqa: ANN001
    """The straightforward way to the coarse stays: per-fix local datetimes, groupby runs."""
    start = time.perf_counter()
    fx = snap.fixes
    df = pd.DataFrame(
        {
            "rec": fx.rec,
            "area": fx.area,
            "dt": fx.dt,
            "t": pd.to_datetime(fx.t, unit="s", utc=True).tz_convert(LOCAL_TZ),
        }
    )
    df = df[df["area"] >= 0]
    df["run"] = ((df["rec"] != df["rec"].shift()) | (df["area"] != df["area"].shift())).cumsum()
    runs = df.groupby("run").agg(area=("area", "first"), t0=("t", "first"), s=("dt", "sum"))
    runs["unit"] = runs["t0"].dt.tz_localize(None).dt.to_period(freq).dt.start_time
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
