"""PostGIS at many years of GPS fixes: bulk writes, a period change, memory, area assignment.

Generates ``--copies`` demo years (each about 1.1 M fixes at a 3 s interval, moved a year
earlier each; several police units and years stand in for three municipalities × several
years: 18 copies ≈ 20 M fixes) into a throw-away PostGIS cluster (tests/pgcluster.py, or
``--pg CONNINFO``) and a GeoPackage, then measures, each in a fresh process so resident
memory is the page's own:

- the bulk write path: store.add of a demo year (COPY for PostGIS; sqlite3 in one
  transaction for the GeoPackage), and plain INSERTs through psycopg (the naive way);
- a period change (tables + map payload, server side) on a snapshot of the stored runs,
  PostGIS and GeoPackage, against holding every fix (the embedded default's snapshot);
- area assignment inside PostGIS (ST_Intersects join) for ``--points`` points beside the
  in-process AreaIndex on the same points.

Targets (issue 14): period change <= 1.5 s, app process <= 1.5 GB resident at 20 M fixes.

    python bench/bench_postgis.py [--copies 18] [--points 10000000] [--skip-gpkg]
                                  [--skip-every-fix]   (--points 0: no area assignment)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from geo.demo import build_demo_year  # noqa: E402
from geo.store import open_store  # noqa: E402

YEAR_S = 364 * 86400  # 52 weeks: weekdays stay weekdays


def rss_mb() -> float:
    """Peak resident memory of this process (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill(store, demo, copies: int) -> list[float]:  # noqa: ANN001
    """Write ``copies`` shifted copies of the demo year's presence; seconds per copy."""
    times = []
    for i in range(copies):
        frame = demo.presence.copy()
        shift = pd.Timedelta(seconds=-i * YEAR_S)  # earlier years: the future is refused
        frame["start"] += shift
        frame["end"] += shift
        frame["uid"] = [f"{u}-c{i}" for u in frame["uid"]]
        vt = {f"{u}-c{i}": t - i * YEAR_S for u, t in demo.vertex_times.items()}
        start = time.perf_counter()
        store.add("presence", frame, user="bench", vertex_times=vt)
        times.append(time.perf_counter() - start)
        print(f"  copy {i + 1}/{copies}: {times[-1]:.1f} s", flush=True)
    for layer in ("problem_spots", "roads", "dialogues", "activities", "promises"):
        store.add(layer, getattr(demo, layer), user="bench")
    return times


def page_phase(location: str, schema: str, mode: str) -> dict[str, object]:
    """In a fresh process: load the snapshot, then time period changes (year, quarter,
    4 weeks, week at the end of the data)."""
    from bench_coverage import period_change

    from geo.config import Settings
    from geo.coverage import CoverageParams
    from geo.filters import Filters, period_for
    from geo.i18n import translator
    from geo.live import LiveSnapshot

    store = open_store(location, schema=schema)
    start = time.perf_counter()
    live = LiveSnapshot(store, summary=mode == "runs")
    snap = live.at(store.data_version())
    load_s = time.perf_counter() - start
    t, settings, params = translator("sv"), Settings(tile_url=""), CoverageParams()
    end = snap.extent().end
    out: dict[str, object] = {"load_s": load_s, "rows": len(snap.fixes), "rss_load": rss_mb()}
    for pick in ("year", "quarter", "4weeks", "week"):
        filters = Filters(period_for(pick, end))
        period_change(snap, filters, params, t, settings)
        secs, size = min(period_change(snap, filters, params, t, settings) for _ in range(2))
        out[pick] = (secs, size)
    out["rss_peak"] = rss_mb()
    store.close()
    return out


def run_phase(location: str, schema: str, mode: str) -> dict:
    cmd = [sys.executable, __file__, "--phase", mode, "--location", location, "--schema", schema]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_page(label: str, got: dict) -> None:
    if "error" in got:
        print(f"{label:>36}: failed: {got['error']}")
        return
    picks = "  ".join(
        f"{p} {got[p][0]:.2f} s/{got[p][1] / 1e6:.2f} MB" for p in ("year", "quarter", "week")
    )
    print(
        f"{label:>36}: load {got['load_s']:.1f} s ({got['rows']:,} rows), {picks}; "
        f"resident {got['rss_peak']:.0f} MB"
    )


def area_assignment(conninfo: str, n: int) -> None:
    import psycopg

    from geo.store.postgis import PostGISStore

    store = PostGISStore(conninfo, schema="bench_assign", pool_size=1)
    index = store.area_index()
    muni = store.municipality()
    minx, miny, maxx, maxy = muni.bounds
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
    start = time.perf_counter()
    ours = index.assign_codes(lon, lat)
    ours_s = time.perf_counter() - start
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET search_path = bench_assign, public")
        conn.execute("DROP TABLE IF EXISTS pts")
        conn.execute("CREATE UNLOGGED TABLE pts (i bigint, lon float8, lat float8)")
        start = time.perf_counter()
        with conn.cursor().copy("COPY pts FROM STDIN WITH (FORMAT csv)") as copy:
            for s in range(0, n, 1_000_000):
                part = pd.DataFrame({"i": np.arange(s, min(s + 1_000_000, n))})
                part["lon"], part["lat"] = lon[s : s + 1_000_000], lat[s : s + 1_000_000]
                copy.write(part.to_csv(index=False, header=False))
        conn.execute("ALTER TABLE pts ADD COLUMN geom geometry(Point, 4326)")
        conn.execute("UPDATE pts SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326)")
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        rows = conn.execute(
            "SELECT DISTINCT ON (p.i) p.i, a.fid FROM pts p JOIN areas a "
            "ON ST_Intersects(a.geom, p.geom) ORDER BY p.i, a.fid"
        ).fetchall()
        sql_s = time.perf_counter() - start
        conn.execute("DROP TABLE pts")
    got = np.full(n, -1, dtype=np.int64)
    got[[r[0] for r in rows]] = [r[1] - 1 for r in rows]
    agree = float((got == ours).mean())
    print(
        f"area assignment, {n:,} points: in process (AreaIndex) {ours_s:.2f} s; inside "
        f"PostGIS (ST_Intersects join, areas by priority) {sql_s:.1f} s "
        f"({sql_s / ours_s:.0f}x; loading the points {load_s:.1f} s more); same area for "
        f"{agree:.4%} of points"
    )
    store.close()


def copy_vs_inserts(conninfo: str, demo, n: int = 200_000) -> tuple[float, float]:  # noqa: ANN001
    """Seconds for ``n`` fixes into a table like presence_fixes (generated point, GiST and
    attribute indexes): through the store's COPY path, and as parameterised INSERTs."""
    import psycopg

    from geo.fixes import fixes_from_presence
    from geo.store.backend import Tx
    from geo.store.postgis import PostGISStore

    fixes = fixes_from_presence(demo.presence, demo.vertex_times).head(n)
    fixes["area_id"] = "almhult"
    store = PostGISStore(conninfo, schema="bench", pool_size=1)
    out = []
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET search_path = bench, public")
        for way in ("copy", "insert"):
            conn.execute("CREATE TEMP TABLE f (LIKE presence_fixes INCLUDING ALL)")
            start = time.perf_counter()
            if way == "copy":
                store._insert(Tx(conn), "f", fixes)
            else:
                sql = "INSERT INTO f (presence_uid, seq, t, lon, lat, kind, area_id) "
                sql += "VALUES (%s, %s, %s, %s, %s, %s, %s)"
                with conn.cursor() as cur:
                    cur.executemany(sql, list(fixes.itertuples(index=False, name=None)))
            out.append(time.perf_counter() - start)
            conn.execute("DROP TABLE f")
    store.close()
    return out[0], out[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=18, help="demo years (~1.1 M fixes each)")
    parser.add_argument("--fix-interval", type=int, default=3)
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--pg", help="libpq connection string (default: throw-away cluster)")
    parser.add_argument("--skip-gpkg", action="store_true")
    parser.add_argument(
        "--skip-every-fix",
        action="store_true",
        help="only the runs snapshot (20 M fixes in memory need ~10 GB)",
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--location", help=argparse.SUPPRESS)
    parser.add_argument("--schema", default="almhult", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(page_phase(args.location, args.schema, args.phase)))
        return
    cluster = None
    if args.pg is None:
        from tests.pgcluster import start_cluster

        cluster = start_cluster()
        args.pg = cluster.create_database("bench")
    try:
        bench(args)
    finally:
        if cluster is not None:
            cluster.stop()


def bench(args: argparse.Namespace) -> None:
    from geo.areas import builtin_areas

    demo = build_demo_year(builtin_areas(), fix_interval_s=args.fix_interval)
    total = demo.n_fixes * args.copies
    print(f"{args.copies} demo years x {demo.n_fixes:,} fixes = {total:,} fixes")
    stores = [("PostGIS", args.pg, "bench")]
    if not args.skip_gpkg:
        stores.append(("GeoPackage", str(Path(tempfile.mkdtemp()) / "bench.gpkg"), "-"))
    for name, location, schema in stores:
        store = open_store(location, schema=schema)
        times = fill(store, demo, args.copies)
        rate = demo.n_fixes / np.median(times) / 1e3
        print(
            f"{name} bulk write, store.add of one demo year ({demo.n_fixes:,} fixes, runs, "
            f"sums, one transaction): median {np.median(times):.1f} s ({rate:.0f} k fixes/s), "
            f"all {sum(times) / 60:.1f} min"
        )
        store.close()
    copy_s, insert_s = copy_vs_inserts(args.pg, demo)
    print(
        f"PostGIS, 200,000 fixes into presence_fixes alone: COPY {copy_s:.1f} s "
        f"({200 / copy_s:.0f} k/s), INSERTs (executemany) {insert_s:.1f} s "
        f"({insert_s / copy_s:.1f}x)"
    )
    for name, location, schema in stores:
        print_page(f"{name}, runs in memory", run_phase(location, schema, "runs"))
        if not args.skip_every_fix:
            print_page(f"{name}, every fix in memory", run_phase(location, schema, "fixes"))
    if args.points:
        area_assignment(args.pg, args.points)


if __name__ == "__main__":
    main()
