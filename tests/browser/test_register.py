"""Map-click entry in a real browser: click, fill the form, save, find it after a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from geo.i18n import translator
from tests.browser.conftest import open_as

pytestmark = pytest.mark.browser
T = translator("sv")
MAP = 'iframe[title="streamlit_folium.st_folium"]'
TEXT = "Browsertest: otrygg busshållplats"


def test_click_map_fill_form_and_see_the_spot_after_reload(app_url, page_and_watch):
    page, watch = page_and_watch
    open_as(page, app_url, "police")
    page.get_by_role("link", name=T("page_register")).click()
    container = page.frame_locator(MAP).locator(".leaflet-container")
    container.wait_for(timeout=90_000)
    page.wait_for_timeout(1500)
    latitude = page.get_by_label(T("register_lat"))
    expect(latitude).to_have_value("56.55100")
    box = container.bounding_box()
    container.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    expect(latitude).not_to_have_value("56.55100", timeout=30_000)
    clicked = float(latitude.input_value())
    assert 56.4 < clicked < 56.8  # inside Älmhult municipality's latitudes
    page.get_by_role("textbox", name=T("col_description")).first.fill(TEXT)
    page.get_by_role("button", name=T("register_save")).first.click()
    expect(page.get_by_text(T("register_saved"))).to_be_visible(timeout=30_000)

    # a fresh load of the app (reloading the /register sub-path makes Streamlit itself probe
    # /register/_stcore/health, a 404, before it falls back to the root)
    open_as(page, app_url, "police")
    expect(page.get_by_text(TEXT)).to_be_visible(timeout=60_000)
    assert watch.errors == [], watch.errors
    assert watch.outside == [], watch.outside


def test_draw_a_patrol_route_and_save_it(app_url, page_and_watch):
    page, watch = page_and_watch
    open_as(page, app_url, "police")
    page.get_by_role("link", name=T("page_register")).click()
    frame = page.frame_locator(MAP)
    container = frame.locator(".leaflet-container")
    container.wait_for(timeout=90_000)
    page.wait_for_timeout(1500)
    frame.locator(".leaflet-draw-draw-polyline").click()
    box = container.bounding_box()
    cx, cy = box["width"] / 2, box["height"] / 2
    for dx, dy in ((-40, 0), (0, -20), (40, 0)):
        container.click(position={"x": cx + dx, "y": cy + dy})
        page.wait_for_timeout(300)
    frame.get_by_role("link", name="Finish", exact=True).click()
    page.get_by_role("tab", name=T("register_tab_presence")).click()
    use_line = page.get_by_role("checkbox", name=T("register_use_line"))
    expect(use_line).to_be_checked(timeout=30_000)
    page.get_by_role("tabpanel").get_by_role("button", name=T("register_save")).click()
    expect(page.get_by_text(T("register_saved"))).to_be_visible(timeout=30_000)
    page.get_by_role("tab", name=T("register_tab_log")).click()
    expect(page.locator("table").first.locator("tr").nth(1)).to_contain_text("presence")
    assert watch.errors == [], watch.errors
    assert watch.outside == [], watch.outside
