"""HTTP keep-alive on the app's server: the page's scripts fetched as a browser fetches them.

Compares, in the same run, the server entry (``scripts/serve.py``: TCP_NODELAY set on its
listener, see scripts/tcp_nodelay.py) with Streamlit as shipped (``streamlit run
dashboard.py``: Nagle's algorithm on for every accepted connection). Fetched: the script
files Streamlit's index.html loads before anything shows (its module and modulepreloads),
over 6 keep-alive connections (what Chromium opens per host) and over one. Median of runs;
wall time on this machine. Not a test: it prints figures.

    python bench/bench_keepalive.py [--runs 5]
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_browser import start_server, stop  # noqa: E402

from geo.demo import load_demo_year  # noqa: E402
from geo.store import GeoPackageStore  # noqa: E402


def page_scripts(url: str) -> list[str]:
    """The script paths the app's index.html loads up front."""
    with urllib.request.urlopen(url + "/", timeout=10) as r:
        html = r.read().decode()
    return sorted(set(re.findall(r'(?:src|href)="\.?(/static/js/[^"]+\.js)"', html)))


def fetch_all(port: int, paths: list[str], connections: int) -> float:
    """Seconds to fetch ``paths`` over ``connections`` keep-alive connections."""

    def worker(chunk: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for path in chunk:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, (path, response.status)
        conn.close()

    chunks = [paths[i::connections] for i in range(connections)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(worker, chunks))
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = folder / "demo.gpkg"
        load_demo_year(GeoPackageStore(store))
        rows = []
        for entry, label in (
            ("dashboard.py", "streamlit run dashboard.py (Nagle on)"),
            ("scripts/serve.py", "scripts/serve.py (TCP_NODELAY)"),
        ):
            proc, url = start_server(entry, store, folder)
            try:
                port = int(url.rsplit(":", 1)[1])
                paths = page_scripts(url)
                fetch_all(port, paths, 6)  # the files in the OS's page cache
                six = [fetch_all(port, paths, 6) for _ in range(args.runs)]
                one = [fetch_all(port, paths, 1) for _ in range(args.runs)]
                rows.append((label, len(paths), statistics.median(six), statistics.median(one)))
            finally:
                stop(proc)
    print(f"the page's up-front scripts, median of {args.runs} runs")
    print(f"{'server':42s} {'files':>5s} {'6 connections':>14s} {'1 connection':>13s}")
    for label, n, six_s, one_s in rows:
        print(f"{label:42s} {n:5d} {six_s:12.3f} s {one_s:11.3f} s")


if __name__ == "__main__":
    main()
