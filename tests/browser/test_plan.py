"""The weekly plan in a real browser: the police make one, download every format and save
it; then the council and the municipality go through every page and their downloads and
find no trace of it (DOM, every frame, every websocket message, every file), scanned with
tests/leaks.py for stop positions and times of day besides the plan's own words."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import gpxpy
import openpyxl
import pandas as pd
import pytest
from playwright.sync_api import expect

from geo.i18n import translator
from geo.model import LOCAL_TZ
from geo.plan import Plan
from geo.plan.export import shift_title
from geo.snapshot import load_snapshot
from geo.store import GeoPackageStore
from tests.browser.conftest import Watch, open_as, refuse_outside
from tests.browser.test_roles import (
    PUBLIC_PAGES,
    as_text,
    everything_seen,
    settle,
    wait_for_map,
)
from tests.leaks import _near, coordinates, exact_places, patrol_leaks, public_vertices

pytestmark = pytest.mark.browser
T = translator("sv")
WEEK = "2018-W39"  # a week of the demo year, so planned against done can be shown
WEEK_WORDS = T("week_label", week="39", year="2018")  # as the page writes it: "v. 39 2018"
SEED = "424242"
FILES = {
    "pdf": (T("plan_download_pdf"), f"veckoplan-{WEEK}.pdf"),
    "gpx": (T("plan_download_gpx"), f"veckoplan-{WEEK}.gpx"),
    "csv": (T("plan_download_csv"), f"veckoplan-{WEEK}.csv"),
    "html": (T("plan_download_html"), f"veckoplan-{WEEK}.html"),
}


def watched(browser):
    """A fresh browser context like the ``page_and_watch`` fixture: outside requests
    refused and recorded, errors and websocket messages kept."""
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    watch = Watch()
    refuse_outside(page, watch.outside)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    page.on("websocket", lambda ws: ws.on("framereceived", lambda m: watch.received.append(m)))
    return context, page, watch


@pytest.fixture(scope="module")
def police_plan(browser, app_url, app_store):
    """The police make the week's plan, download each format, save it, and see planned
    against done on the coverage page. Returns the files and the stored plan document."""
    context, page, watch = watched(browser)
    try:
        open_as(page, app_url, "police")
        page.get_by_role("link", name=T("page_plan")).click()
        expect(page.get_by_role("heading", name=T("page_plan"))).to_be_visible(timeout=60_000)
        page.get_by_label(T("plan_week")).fill(WEEK)
        page.get_by_role("spinbutton", name=T("plan_seed")).fill(SEED)
        page.get_by_role("button", name=T("plan_make")).click()
        expect(page.get_by_text("Med planen:")).to_be_visible(timeout=90_000)
        expect(page.get_by_text(f"{T('plan_seed')} {SEED}")).to_be_visible()
        got = {}
        for label, _ in FILES.values():
            got.update(fetch(page, page.get_by_role("button", name=label)))
        settle(page)
        page.get_by_role("button", name=T("plan_save")).click()
        saved = f"Planen för {WEEK_WORDS} är sparad"
        expect(page.get_by_text(saved)).to_be_visible(timeout=60_000)
        page.get_by_role("link", name=T("page_coverage")).click()
        expect(page.get_by_role("heading", name=T("plan_adherence"))).to_be_visible(timeout=90_000)
        expect(page.get_by_text(WEEK).first).to_be_visible()
        assert watch.outside == [] and watch.errors == [], (watch.outside, watch.errors)
    finally:
        context.close()
    stored = GeoPackageStore(app_store).query("plans")
    doc = json.loads(stored.loc[stored["week"] == WEEK, "document"].iloc[0])
    return got, doc


def test_police_get_every_format_of_the_plan(police_plan):
    files, doc = police_plan
    stops = [s for tour in doc["tours"] for s in tour["stops"]]
    assert doc["seed"] == int(SEED) and stops
    assert files[FILES["pdf"][1]].startswith(b"%PDF")
    gpx = gpxpy.parse(files[FILES["gpx"][1]].decode("utf-8"))
    assert len(gpx.waypoints) == len(stops) and len(gpx.routes) == len(doc["tours"])
    text = files[FILES["csv"][1]].decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text), delimiter=";"))) == 1 + len(stops)
    assert T("plan_doc_secret") in files[FILES["html"][1]].decode("utf-8")


def fetch(page, button) -> dict[str, bytes]:  # noqa: ANN001
    """Click a download button and return the file it gave, by name."""
    settle(page)
    with page.expect_download(timeout=120_000) as info:
        button.click()
    d = info.value
    return {d.suggested_filename: Path(d.path()).read_bytes()}


def every_download(page) -> dict[str, bytes]:  # noqa: ANN001
    """Every file the page offers: two-step exports made first, then each download."""
    for label in (T("download_html"),):
        make = page.get_by_role("button", name=label, exact=True)
        if make.count():
            settle(page)
            make.first.click()
            ready = re.compile("^" + re.escape(T("download_file", name="")))
            page.get_by_role("button", name=ready).first.wait_for(timeout=120_000)
    settle(page)
    buttons = page.get_by_test_id("stDownloadButton").locator("button")
    got: dict[str, bytes] = {}
    for i in range(buttons.count()):
        got.update(fetch(page, buttons.nth(i)))
    return got


def cell_text(value: object) -> str:
    """A spreadsheet cell as text; a date stored as a midnight datetime is a date (any
    other time of day stays, for the scan to find)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return str(value)


def file_text(name: str, data: bytes, tmp_path) -> str:  # noqa: ANN001
    """A download as text: spreadsheets cell by cell, zips member by member (UTF-8 or
    Windows-1252), the rest as tests/browser/test_roles reads them."""
    if name.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            " ".join(cell_text(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = []
            for member in z.namelist():
                raw = z.read(member)
                try:
                    parts.append(raw.decode("utf-8-sig"))
                except UnicodeDecodeError:
                    parts.append(raw.decode("cp1252"))
            return "\n".join(parts)
    return as_text(name, data, tmp_path)


def traces(doc: dict) -> list[str]:
    """Words and numbers only the plan holds: its week label, seed, record id, the page
    and section names, and the local times of its first stops."""
    words = [WEEK, SEED, f"plan-{WEEK}", T("page_plan"), T("plan_adherence"), "Veckoplaner"]
    plan = Plan.from_dict(doc)
    words += [shift_title(plan, tour, T) for tour in plan.tours[:3]]
    for stop in plan.stops:  # when each stop is planned, local and UTC, as any file writes it
        for t in (stop.arrive, stop.leave):
            when = pd.Timestamp(t, unit="s", tz="UTC")
            words += [f"{when.tz_convert(LOCAL_TZ):%Y-%m-%d %H:%M}", f"{when:%Y-%m-%dT%H:%M}"]
    return words


def stop_positions(doc: dict, exact) -> set[tuple[float, float]]:  # noqa: ANN001
    """Where the plan stops, except where anyone may see a place anyway: public geography
    (a village's centre is its label) and problem spots (exact for the municipality)."""
    public = public_vertices(exact)
    stops = {
        (round(s["lon"], 4), round(s["lat"], 4))
        for tour in doc["tours"]
        for s in tour["stops"]
        if s["what"] != "spot"
    }
    return {p for p in stops if not _near(p, public)}


@pytest.mark.parametrize("role", ["council", "municipality"])
def test_other_roles_find_no_trace_of_the_plan(
    police_plan, role, page_and_watch, app_url, app_store, tmp_path
):
    _, doc = police_plan
    exact = load_snapshot(GeoPackageStore(app_store))
    page, watch = page_and_watch
    open_as(page, app_url, role)
    wait_for_map(page)
    nav = page.locator('[data-testid="stSidebarNav"] a')
    assert T("page_plan") not in [nav.nth(i).inner_text().strip() for i in range(nav.count())]
    exported: dict[str, bytes] = {}
    for name in PUBLIC_PAGES:
        page.get_by_role("link", name=T(name)).click()
        expect(page.get_by_role("heading", level=1).first).to_be_visible(timeout=60_000)
        page.wait_for_timeout(2500)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        exported.update(every_download(page))
    assert len(exported) >= 4, sorted(exported)  # the coverage exports and the handout
    seen = everything_seen(page, watch)
    assert coordinates(seen), "the map data was not seen: the scan would prove nothing"
    allowed = exact_places(exact) if role == "municipality" else set()
    files = {n: file_text(n, data, tmp_path) for n, data in exported.items()}
    private = stop_positions(doc, exact)
    assert private, "the plan has stops away from public places: the scan would prove nothing"
    for name, text in {"page": seen, **files}.items():
        leaks = patrol_leaks(text, exact, also_allowed=allowed)
        if role == "municipality" and name != "page":
            # Its raw exports carry dates and times that are not patrols' (weeks starting
            # at local midnight in UTC, when a spot was recorded): the plan's own times
            # are looked for below instead.
            leaks = [x for x in leaks if not x.startswith("time of day")]
        assert leaks == [], name
        assert not {p for p in coordinates(text) if _near(p, private)}, name
        found = [w for w in traces(doc) if w in text]
        assert found == [], (name, found)
    # The page is not served to this role by its address either.
    page.goto(app_url + "/plan")
    page.get_by_role("heading", level=1).first.wait_for(timeout=90_000)
    expect(page.get_by_role("heading", name=T("page_plan"))).to_have_count(0)
    expect(page.get_by_label(T("plan_week"))).to_have_count(0)
    assert watch.outside == [], watch.outside
