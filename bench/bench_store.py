"""One edit with about a million GPS fixes stored, then the next page: ours vs the naive way.

Ours: the server's LiveSnapshot reads the change feed and patches in the changed records
(geo/live.py). Naive (the previous way, same run): the edit bumps the data version and
the next page reloads the whole snapshot. Both then do the page's server work (tables,
map payload) at the new version. Also the bulk write path of the GeoPackage: a million
presence fixes with their runs and sums in one transaction, against writing the same
fixes through GDAL (pyogrio) into a file of their own. Target (issue 14): next page
after an edit <= 0.5 s server side (previously about 2.4 s reload).

    python bench/bench_store.py [--fix-interval 3] [--store PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyogrio
from shapely.geometry import Point

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_coverage import period_change  # noqa: E402

from geo.config import Settings  # noqa: E402
from geo.coverage import CoverageParams  # noqa: E402
from geo.demo import build_demo_year, load_demo_year  # noqa: E402
from geo.filters import Filters, period_for  # noqa: E402
from geo.fixes import fixes_from_presence  # noqa: E402
from geo.i18n import translator  # noqa: E402
from geo.live import LiveSnapshot  # noqa: E402
from geo.snapshot import load_snapshot  # noqa: E402
from geo.store import GeoPackageStore  # noqa: E402
from tests.factories import DIO, spot, track, ts  # noqa: E402

EDITS = {
    "new problem spot": lambda s, uid: s.add("problem_spots", spot(description="bench")),
    "spot status": lambda s, uid: s.update(
        "problem_spots",
        uid,
        {"status": "done"},
        expected_version=int(s.get("problem_spots", uid)["version"].iloc[0]),
    ),
    "new patrol track": lambda s, uid: s.add(
        "presence", track(start=ts("2018-12-20 08:00"), end=ts("2018-12-20 09:00"))
    ),
    "move a spot": lambda s, uid: s.update(
        "problem_spots",
        uid,
        {"geometry": Point(*DIO)},
        expected_version=int(s.get("problem_spots", uid)["version"].iloc[0]),
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fix-interval", type=int, default=3, help="seconds between fixes")
    parser.add_argument("--store", type=Path, help="reuse a filled store (it is written to)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    store = GeoPackageStore(args.store or tmp / "bench.gpkg")
    if store.audit_log(limit=1).empty:
        start = time.perf_counter()
        demo = load_demo_year(store, fix_interval_s=args.fix_interval)
        print(f"demo year written: {demo.n_fixes:,} fixes in {time.perf_counter() - start:.1f} s")
    t, settings, params = translator("sv"), Settings(tile_url=""), CoverageParams()
    live = LiveSnapshot(store)
    snap = live.at(store.data_version())
    print(f"{len(snap.fixes):,} fixes stored; page = tables + map payload, year selected")
    filters = Filters(period_for("year", snap.extent().end))
    period_change(snap, filters, params, t, settings)  # warm caches as a running app would
    filter_s = min(period_change(snap, filters, params, t, settings)[0] for _ in range(3))
    print(f"a filter change (no edit), for comparison: {filter_s:.2f} s")
    spot_uid = str(snap.problem_spots["uid"].iloc[0])
    print(
        f"{'edit':>18} {'ours: patch':>12} {'+ page':>8} {'= next page':>12} "
        f"{'naive: reload':>14} {'+ page':>8} {'= next page':>12} {'ratio':>6}"
    )
    for name, edit in EDITS.items():
        edit(store, spot_uid)
        start = time.perf_counter()
        patched = live.at(store.data_version())
        patch_s = time.perf_counter() - start
        page_s, _ = period_change(patched, filters, params, t, settings)
        start = time.perf_counter()
        reloaded = load_snapshot(store)
        reload_s = time.perf_counter() - start
        naive_page_s, _ = period_change(reloaded, filters, params, t, settings)
        ours, naive = patch_s + page_s, reload_s + naive_page_s
        print(
            f"{name:>18} {patch_s:>12.3f} {page_s:>8.2f} {ours:>12.2f} "
            f"{reload_s:>14.2f} {naive_page_s:>8.2f} {naive:>12.2f} {naive / ours:>5.1f}x"
        )
    print(f"full reloads by the live snapshot: {live.reloads}, patches: {live.patches}")
    bulk_write(tmp, args.fix_interval)


def bulk_write(tmp: Path, fix_interval: int) -> None:
    """A million presence fixes into a new GeoPackage store, one transaction."""
    store = GeoPackageStore(tmp / "bulk.gpkg")
    demo = build_demo_year(store.areas(), fix_interval_s=fix_interval)
    start = time.perf_counter()
    store.add("presence", demo.presence, vertex_times=demo.vertex_times)
    ours = time.perf_counter() - start
    fixes = fixes_from_presence(demo.presence, demo.vertex_times)
    start = time.perf_counter()
    pyogrio.write_dataframe(pd.DataFrame(fixes), tmp / "gdal.gpkg", layer="presence_fixes")
    gdal = time.perf_counter() - start
    print(
        f"bulk write, {demo.n_fixes:,} fixes of {len(demo.presence):,} records: store.add "
        f"(validate, areas, fixes, runs, sums, one transaction) {ours:.1f} s "
        f"({demo.n_fixes / ours / 1e3:.0f} k fixes/s); the fixes alone through GDAL "
        f"(pyogrio, own file, no transaction with the records) {gdal:.1f} s"
    )


if __name__ == "__main__":
    main()
