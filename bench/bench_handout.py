"""Meeting handout: HTML, and PDF + PNG, our way and the previous way, in the same run.

Our way: the "you said – we did" hours in one numpy pass per (area, dialogue month), and one
warm Chromium that prints the PDF once and rasterises its pages into the PNG.
Previous way (same run): the hours from a full per-area table per spot
(``geo.promise.you_said_we_did``), and a Chromium launched for every render.
Targets (issue 11): handout HTML <= 1 s, PNG/PDF <= 3 s on the 2-core machine.
Wall time is what a user waits; the machine is shared, so the process CPU time (Chromium's
own CPU not included) is printed beside it.

    python bench/bench_handout.py [--runs 5] [--store PATH]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from geo.coverage import CoverageParams  # noqa: E402
from geo.demo import load_demo_year  # noqa: E402
from geo.handout import HandoutSpec, handout_html, render  # noqa: E402
from geo.handout import document as handout_document  # noqa: E402
from geo.i18n import translator  # noqa: E402
from geo.promise import year_period, you_said_we_did  # noqa: E402
from geo.snapshot import load_snapshot  # noqa: E402
from geo.store import GeoPackageStore  # noqa: E402
from geo.tiers import public_view  # noqa: E402


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds of ``runs`` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), result


def per_spot_rows(snap, area_id):  # noqa: ANN001, ANN201 - the previous way, for comparison
    rows = you_said_we_did(snap, CoverageParams(), [area_id] if area_id else None)
    rows["response"] = rows["response"].fillna("")
    return rows.sort_values(["area", "reported", "description"], kind="stable")


def cold_print(doc: str, paper: str, png: bool) -> render.Printed:
    """A Chromium started for this one render and closed after it (the previous way)."""
    browser = render.WarmChromium(render.CHROMIUM)
    try:
        return browser.print(doc, paper, png)
    finally:
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--store", help="GeoPackage (default: a new demo year in a temp folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.store) if args.store else Path(tmp) / "bench.gpkg"
        store = GeoPackageStore(path)
        if not args.store:
            load_demo_year(store)
        snap = public_view(load_snapshot(store), pd.Timestamp("2019-06-01", tz="UTC"))
        t = translator("sv")
        warm = render.chromium()
        print(f"{len(snap.problem_spots)} problem spots, runs={args.runs} (medians)")
        print(f"{'handout':<34} {'ours wall/cpu':>16} {'previous wall/cpu':>19}  pages")
        for area, paper in ((None, "A4"), ("dio", "A4"), (None, "A3")):
            spec = HandoutSpec(year_period(2018), area, "sv", "https://karta.example/", paper)
            label = f"{area or 'whole municipality'} {paper}"
            ours = timed(lambda spec=spec: handout_html(snap, spec, t), args.runs)
            with mock.patch.object(handout_document, "said_rows", per_spot_rows):
                before = timed(lambda spec=spec: handout_html(snap, spec, t), args.runs)
            print(
                f"{label + ' HTML':<34} {ours[0]:7.2f}/{ours[1]:5.2f} s "
                f"{before[0]:9.2f}/{before[1]:5.2f} s"
            )
            doc = ours[2]
            warm.print(doc, paper, True)  # started before timing: it stays warm in the app
            pr = timed(lambda doc=doc, paper=paper: warm.print(doc, paper, True), args.runs)
            cold = timed(
                lambda doc=doc, paper=paper: (
                    cold_print(doc, paper, False),
                    cold_print(doc, paper, True),
                ),
                max(1, args.runs // 2),
            )
            print(
                f"{label + ' PDF + PNG':<34} {pr[0]:7.2f}/{pr[1]:5.2f} s "
                f"{cold[0]:9.2f}/{cold[1]:5.2f} s  {pr[2].pages}"
            )
        print(
            "previous way for PDF + PNG: a Chromium started per format (two launches); "
            f"ours: one warm Chromium, {warm.launches} launch(es) in this run"
        )
        warm.close()


if __name__ == "__main__":
    main()
