"""Two app servers on one PostGIS database: a problem spot saved through one server's
register page shows on the other server's overview, which had the data cached before."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from geo.accounts import AccountStore
from geo.demo import load_demo_year
from geo.i18n import translator
from tests.browser.conftest import ACCOUNTS, _free_port, open_as
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
T = translator("sv")
TEXT = "Tvåservertest: mörk gångtunnel"
MAP = 'iframe[title="streamlit_folium.st_folium"]'


def _serve(env: dict[str, str], out) -> tuple[subprocess.Popen, str]:  # noqa: ANN001
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "dashboard.py",
            "--server.port", str(port), "--server.address", "127.0.0.1",
            "--server.headless", "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    return proc, f"http://127.0.0.1:{port}"


def _wait_healthy(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"streamlit did not start:\n{log.read_text()}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def two_servers(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """Server A and server B, each its own process, on one PostGIS schema with the demo
    year; the same accounts file for both."""
    import psycopg

    from geo.store.postgis import PostGISStore

    folder = tmp_path_factory.mktemp("two")
    schema = "app_" + uuid.uuid4().hex[:10]
    store = PostGISStore(pg_database, schema=schema, pool_size=2)
    load_demo_year(store)
    store.close()
    accounts = AccountStore(folder / "accounts.db")
    name, password = ACCOUNTS["police"]
    accounts.add(name, "police", password)
    env = {
        **os.environ,
        "ALMHULT_STORE": pg_database,
        "ALMHULT_STORE_SCHEMA": schema,
        "ALMHULT_TILE_URL": "",
        "ALMHULT_ACCOUNTS": str(folder / "accounts.db"),
    }
    logs = [open(folder / f"server-{n}.log", "w") for n in "ab"]  # noqa: SIM115
    servers = [_serve(env, log) for log in logs]
    try:
        for (proc, url), n in zip(servers, "ab", strict=True):
            _wait_healthy(proc, url, folder / f"server-{n}.log")
        yield servers[0][1], servers[1][1]
    finally:
        for (proc, _), log in zip(servers, logs, strict=True):
            proc.terminate()
            proc.wait(20)
            log.close()
        with psycopg.connect(pg_database, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _map_data(page, url: str, frames: list, query: str = "") -> str:  # noqa: ANN001
    """Open the overview at ``url`` (then at ``/?query``, still signed in) and return what
    the server sent (the map's data)."""
    from tests.leaks import decoded

    frames.clear()
    open_as(page, url, "police")
    if query:
        frames.clear()
        page.goto(f"{url}/?{query}")
    page.frame_locator(MAP).locator(".leaflet-overlay-pane canvas").first.wait_for()
    page.wait_for_timeout(1500)
    return decoded("\n".join(m.decode("utf-8", "ignore") if isinstance(m, bytes) else str(m)
                              for m in frames))  # fmt: skip


def test_a_spot_saved_on_one_server_shows_on_the_other(two_servers, browser):
    url_a, url_b = two_servers
    pages, frames = [], []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1400, "height": 1600})
        pages.append(context.new_page())
    page_a, page_b = pages
    page_b.on("websocket", lambda ws: ws.on("framereceived", lambda m: frames.append(m)))
    # B shows the data first, so its snapshot is cached before the edit
    assert TEXT not in _map_data(page_b, url_b, frames)

    open_as(page_a, url_a, "police")
    page_a.get_by_role("link", name=T("page_register")).click()
    page_a.get_by_role("textbox", name=T("col_description")).first.fill(TEXT)
    page_a.get_by_role("button", name=T("register_save")).first.click()
    expect(page_a.get_by_text(T("register_saved"))).to_be_visible(timeout=30_000)

    # a new page run on server B: the spot is on its map (saved without a dialogue, it is
    # dated today, so on today's map: a spot belongs to the periods from its report on)
    today = dt.date.today().isoformat()
    seen = _map_data(page_b, url_b, frames, f"pick=custom&start={today}&end={today}")
    assert TEXT in seen, "the spot saved on A is not on B's map"
    for page in pages:
        page.context.close()
