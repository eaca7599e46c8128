"""Imports at GPS-log speed: a patrol CSV and a GPX log, against the import as it was.

Prints, for a 1,000,000-row patrol CSV, the dry run (read + check every row) and the
commit (one transaction into a new GeoPackage store) in wall-clock and CPU seconds and the
process's peak memory (into a new GeoPackage, and with ``--postgis`` into a new schema of a
throw-away PostGIS cluster, tests/pgcluster.py); the same for a GPX file of 1,000,000 fixes;
and, in the same run,
the import as it was before issue 14 (commit ``BASELINE`` of this repository, unpacked with
``git archive``: row-by-row validation) on 200,000 rows. Targets (issue 14): CSV dry run +
commit <= 30 s and <= 1.5 GB, GPX <= 30 s. Every measurement runs in its own process, so
peak memory is that import's alone; CPU seconds are the fairer figure on a shared machine.

    python bench/bench_import.py [--rows 1000000] [--fixes 1000000] [--naive-rows 200000]
                                 [--skip-naive] [--postgis]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.areas import builtin_municipality  # noqa: E402

BASELINE = "7121ef2"  # the last commit before the column-wise import (issue 13/14 work)


def patrol_csv(path: Path, rows: int, seed: int = 0) -> None:
    """A patrol log as police exports it: ``;``, decimal comma, local times, a note column."""
    rng = np.random.default_rng(seed)
    outline = builtin_municipality()
    minx, miny, maxx, maxy = outline.bounds
    lon = rng.uniform(minx, maxx, rows * 4)
    lat = rng.uniform(miny, maxy, rows * 4)
    inside = shapely.intersects_xy(outline, lon, lat)
    lon, lat = lon[inside][:rows], lat[inside][:rows]
    start = pd.Timestamp("2018-01-01") + pd.to_timedelta(
        rng.integers(0, 364 * 24 * 60, rows), unit="min"
    )
    end = start + pd.to_timedelta(rng.integers(5, 120, rows), unit="min")
    kinds = np.array(["Bilpatrull", "Fotpatrull", "Trafikkontroll", "Annan närvaro"])
    units = np.array(["Patrull 1", "Patrull 2", "Trafikgrupp"])
    frame = pd.DataFrame(
        {
            "Typ": kinds[rng.integers(0, 4, rows)],
            "Starttid": start.strftime("%Y-%m-%d %H:%M"),
            "Sluttid": end.strftime("%Y-%m-%d %H:%M"),
            "Latitud": pd.Series(np.round(lat, 6)).astype(str).str.replace(".", ","),
            "Longitud": pd.Series(np.round(lon, 6)).astype(str).str.replace(".", ","),
            "Enhet": units[rng.integers(0, 3, rows)],
            "Plats": "Pass " + pd.Series(np.arange(rows)).astype(str),
        }
    )
    frame.to_csv(path, sep=";", index=False)


def gps_log(path: Path, fixes: int, per_segment: int = 10_000, seed: int = 1) -> None:
    """A car's GPX log: a random drive around Älmhult, one fix every 5 s, 10k per segment."""
    rng = np.random.default_rng(seed)
    lon = 14.13 + np.cumsum(rng.normal(0, 2e-4, fixes)) % 0.04
    lat = 56.54 + np.cumsum(rng.normal(0, 1e-4, fixes)) % 0.02
    times = (np.datetime64("2018-03-01T06:00:00") + np.arange(fixes) * 5).astype(str)
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="bench" ')
        out.write('xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Bil 1</name>')
        for start in range(0, fixes, per_segment):
            out.write("<trkseg>")
            stop = min(start + per_segment, fixes)
            out.writelines(
                f'<trkpt lat="{lat[i]:.6f}" lon="{lon[i]:.6f}"><time>{times[i]}Z</time></trkpt>\n'
                for i in range(start, stop)
            )
            out.write("</trkseg>")
        out.write("</trk></gpx>")


def child(kind: str, file: Path, location: str) -> None:
    """One import in this process: the dry run, then the commit; prints JSON figures.
    ``location``: a GeoPackage path, or ``postgresql://…#schema`` for a PostGIS schema."""
    from geo.imports.base import commit, drop_stored
    from geo.imports.files import read_file
    from geo.store import open_store

    conninfo, _, schema = location.partition("#")
    store = open_store(conninfo, schema=schema or "almhult")
    wall, cpu = time.perf_counter(), time.process_time()
    results = read_file(store.municipality(), file.read_bytes(), file.name)  # as the CLI does
    dry = (time.perf_counter() - wall, time.process_time() - cpu)
    wall, cpu = time.perf_counter(), time.process_time()
    written = sum(len(commit(store, drop_stored(store, r), user="bench")) for r in results)
    done = (time.perf_counter() - wall, time.process_time() - cpu)
    refused = sum(len(r.rejected) for r in results)
    print(json.dumps({"dry": dry, "commit": done, "written": written, "refused": refused}))


def measured(args: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """Run a process; its wall seconds, CPU seconds, peak memory (MB) and output."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{out}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def ours(kind: str, file: Path, tmp: Path, pg: str | None = None) -> dict[str, object]:
    script = str(Path(__file__).resolve())
    schema = f"bench_{kind}_{file.stem.replace('-', '_')}"
    store = f"{pg}#{schema}" if pg else str(tmp / f"ours-{kind}-{file.stem}.gpkg")  # a new one each
    _, cpu, peak, out = measured([sys.executable, script, "--child", kind, str(file), store], ROOT)
    figures = json.loads(out.strip().splitlines()[-1])
    figures.update(cpu_total=cpu, peak_mb=peak)
    return figures


def naive(file: Path, tmp: Path) -> dict[str, float]:
    """The import at ``BASELINE``: its command line, a dry run and then a real import."""
    old = tmp / "baseline"
    archive = subprocess.run(
        ["git", "archive", BASELINE, "geo", "data"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(old, filter="data")
    store = tmp / "naive.gpkg"
    cli = [sys.executable, "-m", "geo.imports", str(file), "--store", str(store)]
    dry_wall, dry_cpu, dry_peak, _ = measured([*cli, "--dry-run"], old)
    full_wall, full_cpu, full_peak, _ = measured(cli, old)
    return {
        "dry": dry_wall, "dry_cpu": dry_cpu, "full": full_wall, "full_cpu": full_cpu,
        "peak_mb": max(dry_peak, full_peak),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--fixes", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=200_000)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--postgis", action="store_true", help="also import into PostGIS")
    parser.add_argument(
        "--child", nargs=3, metavar=("KIND", "FILE", "STORE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.child[2])
        return
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        csv_file, small, gpx_file = tmp / "pass.csv", tmp / "pass-small.csv", tmp / "bil.gpx"
        patrol_csv(csv_file, args.rows)
        patrol_csv(small, args.naive_rows)
        gps_log(gpx_file, args.fixes)
        print(f"{'what':<44} {'dry run':>8} {'commit':>7} {'total':>7} {'CPU':>6} {'peak MB':>7}")

        def row(what: str, dry: float, commit: float, cpu: float, peak: float) -> None:
            total = dry + commit
            print(f"{what:<44} {dry:>8.1f} {commit:>7.1f} {total:>7.1f} {cpu:>6.1f} {peak:>7.0f}")

        csv = ours("csv", csv_file, tmp)
        row(f"ours: patrol CSV, {args.rows:,} rows", csv["dry"][0], csv["commit"][0],
            csv["cpu_total"], csv["peak_mb"])  # fmt: skip
        csv_small = ours("csv", small, tmp)
        row(f"ours: patrol CSV, {args.naive_rows:,} rows", csv_small["dry"][0],
            csv_small["commit"][0], csv_small["cpu_total"], csv_small["peak_mb"])  # fmt: skip
        if args.postgis:
            from tests.pgcluster import start_cluster

            cluster = start_cluster()
            try:
                pg = cluster.create_database("bench_import")
                into = ours("csv", csv_file, tmp, pg)
                row(f"ours: the same {args.rows:,} rows into PostGIS", into["dry"][0],
                    into["commit"][0], into["cpu_total"], into["peak_mb"])  # fmt: skip
            finally:
                cluster.stop()
        gpx = ours("gpx", gpx_file, tmp)
        row(f"ours: GPX, {args.fixes:,} fixes", gpx["dry"][0], gpx["commit"][0],
            gpx["cpu_total"], gpx["peak_mb"])  # fmt: skip
        if not args.skip_naive:
            old = naive(small, tmp)
            row(f"before ({BASELINE}): patrol CSV, {args.naive_rows:,} rows", old["dry"],
                old["full"] - old["dry"], old["full_cpu"], old["peak_mb"])  # fmt: skip
            print(
                f"  (its import command reads and checks again before writing: {old['full']:.1f} s)"
            )
        print("seconds (wall-clock; CPU: user + system of the whole process)")
        print(
            f"rows written: CSV {csv['written']:,} (refused {csv['refused']:,}), "
            f"GPX {gpx['written']:,} tracks"
        )


if __name__ == "__main__":
    main()
