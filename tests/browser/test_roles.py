"""Who sees what, in a real browser: every page, URL and download per role.

The check is on everything the browser received: the page DOM, every frame, and every
websocket message the app server sent (tables, map scripts, widget state), scanned with
tests/leaks.py for coordinates that are not public geography and for times of day.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pyogrio
import pytest
from playwright.sync_api import expect

from geo.i18n import translator
from geo.snapshot import load_snapshot
from geo.store import GeoPackageStore
from tests.browser.conftest import LOCKOUT_USER, open_as, open_sections, settled, sign_in
from tests.leaks import coordinates, decoded, exact_places, patrol_leaks

pytestmark = pytest.mark.browser
T = translator("sv")
MAP = 'iframe[title="streamlit_folium.st_folium"]'
PUBLIC_PAGES = ("page_overview", "page_coverage", "page_promise")
EDIT_PAGES = ("page_register", "page_import")


@pytest.fixture
def exact(app_store):
    """The app's data as it is now (other browser tests add spots to it)."""
    return load_snapshot(GeoPackageStore(app_store))


def wait_for_map(page) -> None:
    frame = page.frame_locator(MAP)
    frame.locator(".leaflet-container").wait_for(timeout=90_000)
    frame.locator(".leaflet-overlay-pane canvas").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)


def everything_seen(page, watch) -> str:
    """Page DOM, every frame's DOM and every websocket message received so far."""
    parts = [page.content(), watch.received_text()]
    parts += [f.content() for f in page.frames if f != page.main_frame]
    return decoded("\n".join(parts))


def menu(page) -> list[str]:
    nav = page.locator('[data-testid="stSidebarNav"] a')
    return [nav.nth(i).inner_text().strip() for i in range(nav.count())]


DOWNLOADS = {
    "page_overview": (),
    "page_coverage": (
        ("GeoPackage", "almhult.gpkg"),
        ("GeoJSON (zip)", "almhult-geojson.zip"),
        (T("export_gis_csv"), "almhult-csv.zip"),
        (T("export_xlsx"), "almhult.xlsx"),
    ),
    "page_promise": ((T("download_html"), "medborgarlofte-2018-kommunen.html"),),
}


def settle(page) -> None:
    """Wait until the app's script has finished running (a download button rendered by a
    run that a later run replaced points at a file that no longer exists)."""
    page.wait_for_timeout(500)
    settled(page, timeout=90_000)
    page.wait_for_timeout(500)


def downloads(page, files: tuple[tuple[str, str], ...]) -> dict[str, bytes]:
    """Make each named export, download it, and return what arrived, by file name."""
    got = {}
    for label, file_name in files:
        settle(page)
        button = page.get_by_role("button", name=label, exact=True)
        one_click = page.get_by_test_id("stDownloadButton").get_by_role("button", name=label)
        if one_click.count():  # the file comes with the click
            with page.expect_download(timeout=90_000) as info:
                button.click()
            got[info.value.suggested_filename] = Path(info.value.path()).read_bytes()
            continue
        button.click()
        ready = page.get_by_role("button", name=T("download_file", name=file_name))
        ready.wait_for(timeout=90_000)
        settle(page)
        with page.expect_download(timeout=90_000) as info:
            ready.click()
        d = info.value
        got[d.suggested_filename] = Path(d.path()).read_bytes()
    return got


def as_text(name: str, data: bytes, tmp_path) -> str:
    """A download as text: zips unpacked, GeoPackages read back with pyogrio."""
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "\n".join(z.read(n).decode("utf-8") for n in z.namelist())
    if name.endswith(".gpkg"):
        path = tmp_path / name
        path.write_bytes(data)
        frames = [
            pyogrio.read_dataframe(path, layer=layer).to_json()
            for layer, _ in pyogrio.list_layers(path)
        ]
        return "\n".join(frames)
    if name.endswith((".png", ".pdf")):
        return ""
    if name.endswith(".xlsx"):
        import pandas as pd

        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
        return "\n".join(frame.to_csv(index=False) for frame in sheets.values())
    return data.decode("utf-8")


def test_council_reaches_no_patrol_position_or_time(app_url, page_and_watch, exact, tmp_path):
    page, watch = page_and_watch
    # Query parameters that try to ask for more detail are ignored.
    open_as(page, app_url + "/?pick=week&role=police&tier=police&exact=1", "council")
    wait_for_map(page)
    expect(page.get_by_text(T("tier_council"))).to_be_visible()
    assert menu(page) == [T(p) for p in PUBLIC_PAGES]  # signed in: no sign-in link
    frame = page.frame_locator(MAP)
    labels = frame.locator(".leaflet-control-layers-overlays label")
    names = {labels.nth(i).inner_text().strip() for i in range(labels.count())}
    assert T("layer_presence") not in names and T("layer_controls") not in names
    exported = {}
    for name in PUBLIC_PAGES:
        page.get_by_role("link", name=T(name)).click()
        expect(page.get_by_role("heading", level=1).first).to_be_visible(timeout=60_000)
        page.wait_for_timeout(2500)
        open_sections(page)  # the tables' data too: made only when their section opens
        expect(page.get_by_test_id("stException")).to_have_count(0)
        exported.update(downloads(page, DOWNLOADS[name]))
    assert {"almhult.gpkg", "almhult-geojson.zip", "almhult-csv.zip"} <= set(exported)
    assert any(n.endswith(".html") for n in exported)
    seen = everything_seen(page, watch)
    assert coordinates(seen), "the map data was not seen: the scan would prove nothing"
    assert patrol_leaks(seen, exact) == []
    for name, data in exported.items():
        assert patrol_leaks(as_text(name, data, tmp_path), exact) == [], name
    assert watch.outside == [] and watch.errors == [], (watch.outside, watch.errors)
    # Pages outside the role's menu cannot be opened by URL either: the session survives
    # the new load, and the URL answers that the role has no access.
    for path in ("/register", "/import_data", "/audit"):
        page.goto(app_url + path)
        page.get_by_text(T("page_not_allowed")).wait_for(timeout=90_000)
        expect(page.get_by_role("button", name=T("register_save"))).to_have_count(0)
        expect(page.locator('input[type="file"]')).to_have_count(0)
    assert watch.outside == []


def test_police_sees_exact_tracks_times_and_the_log(app_url, page_and_watch, exact, tmp_path):
    page, watch = page_and_watch
    open_as(page, app_url + "/?pick=custom&start=2018-05-01&end=2018-05-02", "police")
    wait_for_map(page)
    police_pages = (*PUBLIC_PAGES, *EDIT_PAGES, "page_plan", "page_audit", "page_geography")
    assert menu(page) == [T(p) for p in police_pages]
    open_sections(page)
    seen = everything_seen(page, watch)
    leaks = patrol_leaks(seen, exact)
    assert any(p.startswith("exact fix") for p in leaks), "police should get exact tracks"
    page.get_by_role("link", name=T("page_coverage")).click()
    expect(page.get_by_role("heading", name=T("page_coverage"))).to_be_visible(timeout=60_000)
    page.wait_for_timeout(2000)
    got = downloads(page, DOWNLOADS["page_coverage"])
    csv = as_text("almhult-csv.zip", got["almhult-csv.zip"], tmp_path)
    assert any(p.startswith("time of day") for p in patrol_leaks(csv, exact))
    page.get_by_role("link", name=T("page_audit")).click()
    log = page.locator("table").first
    expect(log).to_contain_text(T("audit_sign_in"), timeout=60_000)
    expect(log).to_contain_text(T("audit_export", file="almhult-csv.zip"))
    expect(log).to_contain_text("planerare")


def test_municipality_sees_weeks_and_edits_spots_only(app_url, page_and_watch, exact):
    page, watch = page_and_watch
    open_as(page, app_url, "municipality")
    wait_for_map(page)
    expect(page.get_by_text(T("tier_municipality"))).to_be_visible()
    assert menu(page) == [T(p) for p in (*PUBLIC_PAGES, *EDIT_PAGES)]
    open_sections(page)
    seen = everything_seen(page, watch)
    assert coordinates(seen)
    assert patrol_leaks(seen, exact, also_allowed=exact_places(exact)) == []
    expect(page.locator("table").first).to_contain_text(" v.")
    page.get_by_role("link", name=T("page_register")).click()
    expect(page.get_by_role("tab", name=T("register_tab_spot"), exact=True)).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_role("tab", name=T("register_tab_presence"))).to_have_count(0)
    expect(page.get_by_role("tab", name=T("register_tab_control"))).to_have_count(0)


def test_stored_script_never_runs_for_the_public(app_url, page_and_watch):
    page, watch = page_and_watch
    open_as(page, app_url, None)
    wait_for_map(page)
    open_sections(page)
    # The spot reached the browser (map data and the sortable table, drawn on a canvas)...
    page.wait_for_timeout(2000)
    assert "Belysning saknas" in watch.received_text()
    # ... and its stored markup ran nowhere.
    assert page.evaluate("window.__xss") is None
    for f in page.frames:
        assert f.evaluate("window.__xss") is None
    assert watch.dialogs == []


def test_repeated_wrong_passwords_lock_the_name(app_url, page_and_watch):
    page, watch = page_and_watch
    open_as(page, app_url, None)
    name, right = LOCKOUT_USER
    for _ in range(5):
        sign_in(page, None, user=name, password="fel-fel-fel-fel")
        page.wait_for_timeout(700)
    sign_in(page, None, user=name, password=right)
    expect(page.get_by_text("För många misslyckade försök")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Inloggad som")).to_have_count(0)
