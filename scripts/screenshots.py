"""README screenshots of the overview with its verdict: desktop (1400 × 1000) and phone
(390 × 844), made with Playwright and Debian's chromium against the app on the demo year,
no map tiles, every request off the machine blocked.

    .venv/bin/python scripts/screenshots.py   # docs/screenshot.png, docs/screenshot-phone.png
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.demo import load_demo_year  # noqa: E402
from geo.handout import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from geo.store import GeoPackageStore  # noqa: E402

MAP = 'iframe[title="streamlit_folium.st_folium"]'
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")
SHOTS = {"screenshot.png": (1400, 1000, False), "screenshot-phone.png": (390, 844, True)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "demo.gpkg"
        load_demo_year(GeoPackageStore(store))
        port = free_port()
        env = {**os.environ, "ALMHULT_STORE": str(store), "ALMHULT_TILE_URL": ""}
        env["ALMHULT_ACCOUNTS"] = str(Path(tmp) / "accounts.db")
        app = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port",
             str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                try:
                    urllib.request.urlopen(url + "/_stcore/health", timeout=2)  # noqa: S310
                    break
                except OSError:
                    time.sleep(0.5)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for name, (width, height, phone) in SHOTS.items():
                    context = browser.new_context(
                        viewport={"width": width, "height": height},
                        is_mobile=phone,
                        has_touch=phone,
                        locale="sv-SE",
                        device_scale_factor=2 if phone else 1,
                    )
                    page = context.new_page()
                    page.route(
                        "**/*",
                        lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort(),
                    )
                    page.goto(url)
                    frame = page.frame_locator(MAP)
                    frame.locator(".leaflet-overlay-pane canvas").first.wait_for(timeout=120_000)
                    page.wait_for_timeout(2500)
                    page.screenshot(path=str(ROOT / "docs" / name))
                    context.close()
                    print("wrote", ROOT / "docs" / name)
                browser.close()
        finally:
            app.terminate()
            app.wait(20)


if __name__ == "__main__":
    main()
