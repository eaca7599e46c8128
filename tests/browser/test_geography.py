"""The real geography in a real browser with tiles off, and replacing a layer on the
Geografi page: upload, preview before/after, accept, undo."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from playwright.sync_api import expect

from geo.areas import builtin_municipality
from geo.geography import main_roads
from geo.i18n import translator
from tests.browser.conftest import open_as
from tests.conftest import shared_file

pytestmark = pytest.mark.browser
T = translator("sv")
MAP = 'iframe[title="streamlit_folium.st_folium"]'
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PARISHES = ("Göteryd", "Hallaryd", "Härlunda", "Pjätteryd", "Stenbrohult", "Virestad")


def test_tiles_off_the_map_is_the_real_outline_and_the_six_parishes(app_url, page_and_watch):
    page, watch = page_and_watch
    open_as(page, app_url, "police")
    frame = page.frame_locator(MAP)
    frame.locator(".leaflet-overlay-pane canvas").first.wait_for(timeout=90_000)
    page.wait_for_timeout(1000)
    assert frame.locator(".leaflet-tile").count() == 0  # no background map at all
    received = watch.received_text()
    # The outline drawn is Lantmäteriet's: its vertices (rounded to 1e-5°) are in the map.
    source = gpd.read_file(shared_file("geo/almhult_municipality_lantmateriet.geojson"))
    vertices = shapely.get_coordinates(source.geometry.iloc[0])
    pairs = set(re.findall(r"\[(1[34]\.\d+),\s*(5[67]\.\d+)\]", received))
    found = {(round(float(x), 5), round(float(y), 5)) for x, y in pairs}
    share = sum((round(x, 5), round(y, 5)) in found for x, y in vertices) / len(vertices)
    assert share > 0.95, f"only {share:.0%} of Lantmäteriet's outline vertices are on the map"
    # The six parish zones reach the page (map and area table) by name.
    for parish in PARISHES:
        assert f"Landsbygd {parish}" in received, parish
    assert "Landsbygd Älmhult" not in received
    # The zones are named on the map itself, and the sources are credited there.
    for parish in PARISHES:
        expect(frame.locator(".leaflet-tooltip", has_text=f"Landsbygd {parish}")).to_have_count(1)
    credits = frame.locator(".leaflet-control-attribution")
    for source in ("Lantmäteriet", "SCB", "GeoNames"):
        expect(credits).to_contain_text(source)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "geography-tiles-off.png", full_page=True)
    assert watch.outside == [] and watch.errors == []


def _parishes_gpkg(tmp_path: Path) -> bytes:
    frame = gpd.read_file(shared_file("geo/almhult_socknar_lantmateriet.geojson"))
    path = tmp_path / "distrikt.gpkg"
    frame.rename(columns={"name": "distriktsnamn"}).to_crs(3006).to_file(path)
    return path.read_bytes()


def _outline_ring_zip(tmp_path: Path) -> bytes:
    """The built-in outline as a closed LineString, zipped Shapefile in RT 90 (EPSG:3021)."""
    ring = shapely.LineString(shapely.get_parts(builtin_municipality())[0].exterior.coords)
    folder = tmp_path / "kommun"
    folder.mkdir()
    gpd.GeoDataFrame({"KnKod": ["0765"]}, geometry=[ring], crs=4326).to_crs(3021).to_file(
        folder / "kommun.shp"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in folder.iterdir():
            zf.write(path, path.name)
    return buf.getvalue()


def _roads_geojson(tmp_path: Path) -> bytes:
    roads = main_roads().rename(columns={"road": "ref"}).assign(hgv=[900, 400, 300, 150, 100])
    return roads.to_json().encode()


CASES = {
    "zones": ("distrikt.gpkg", _parishes_gpkg, 6, "EPSG:3006"),
    "outline": ("kommun.zip", _outline_ring_zip, 1, "EPSG:3021"),
    "roads": ("vagar.geojson", _roads_geojson, 5, "EPSG:4326"),
}


@pytest.mark.parametrize("layer", list(CASES))
def test_replace_a_layer_on_the_page_then_undo(app_url, page_and_watch, tmp_path, layer):
    name, make, n, crs = CASES[layer]
    page, watch = page_and_watch
    open_as(page, app_url, "police")
    page.get_by_role("link", name=T("page_geography")).click()
    page.get_by_text(T("geo_layer_" + layer), exact=True).click()
    expect(page.get_by_text(T("geo_layer_help_" + layer))).to_be_visible(timeout=30_000)
    expect(page.locator('input[type="file"]')).to_have_count(1, timeout=30_000)
    page.locator('input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": make(tmp_path)}]
    )
    expect(page.get_by_text(T("geo_read", n=n, crs=crs))).to_be_visible(timeout=90_000)
    expect(page.get_by_role("heading", name=T("geo_before"))).to_be_visible(timeout=90_000)
    expect(page.locator(MAP)).to_have_count(2)  # before and after, side by side
    for i in range(2):
        page.frame_locator(MAP).nth(i).locator(".leaflet-container").wait_for(timeout=60_000)
    if layer == "roads":
        expect(page.get_by_text(T("geo_roads_count", old=7, new=5))).to_be_visible()
    page.wait_for_timeout(1500)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"geography-replace-{layer}.png", full_page=True)
    page.get_by_role("button", name=T("geo_accept")).click()
    done = page.get_by_text(re.compile(r"Sparat \(loggpost (\d+)\)"))
    expect(done).to_be_visible(timeout=60_000)
    entry = int(re.search(r"loggpost (\d+)", done.inner_text()).group(1))
    # The history below lists it (newest first); undo restores the previous geography.
    expect(page.get_by_role("heading", name=T("geo_history"))).to_be_visible(timeout=60_000)
    # The history is a sortable grid drawn on a canvas; its cells live in the grid's
    # accessible table, so they are attached but not "visible" to Playwright.
    cell = page.locator('td[role="gridcell"]', has_text=T("geo_layer_" + layer))
    expect(cell.first).to_be_attached(timeout=30_000)
    page.get_by_role("button", name=T("geo_undo")).click()
    undone = re.escape(T("geo_undone", n=str(entry), m="@")).replace("@", r"\d+")
    expect(page.get_by_text(re.compile(undone))).to_be_visible(timeout=60_000)
    assert watch.outside == [] and watch.errors == [], (watch.outside, watch.errors)
    assert json.dumps(watch.failed) == "[]"
