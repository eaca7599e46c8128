"""Map-click entry in a real browser: click, fill the form, save, find it after a reload."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from geo.i18n import translator
from geo.numbers import number
from tests.browser.conftest import open_as

pytestmark = pytest.mark.browser
T = translator("sv")
MAP = 'iframe[title="streamlit_folium.st_folium"]'
TEXT = "Browsertest: otrygg busshållplats"


def degrees(text: str) -> float:
    """A coordinate field's Swedish text (``56,55100``) as a number: a comma, not a point."""
    assert "," in text and "." not in text, text
    return float(text.replace(",", "."))


def test_click_map_fill_form_and_see_the_spot_after_reload(app_url, page_and_watch):
    page, watch = page_and_watch
    open_as(page, app_url, "police")
    page.get_by_role("link", name=T("page_register")).click()
    container = page.frame_locator(MAP).locator(".leaflet-container")
    container.wait_for(timeout=90_000)
    page.wait_for_timeout(1500)
    latitude = page.get_by_label(T("register_lat"))
    expect(latitude).to_have_value("56,55100")  # a Swedish decimal comma
    box = container.bounding_box()
    container.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    expect(latitude).not_to_have_value("56,55100", timeout=30_000)
    clicked = degrees(latitude.input_value())
    assert 56.4 < clicked < 56.8  # inside Älmhult municipality's latitudes
    page.get_by_role("textbox", name=T("col_description")).first.fill(TEXT)
    page.get_by_role("button", name=T("register_save")).first.click()
    expect(page.get_by_text(T("register_saved"))).to_be_visible(timeout=30_000)

    # a fresh load of the app (reloading the /register sub-path makes Streamlit itself probe
    # /register/_stcore/health, a 404, before it falls back to the root)
    watch.received.clear()
    open_as(page, app_url, "police")
    # Saved without a dialogue, the spot is dated today: the demo year's map leaves it
    # out (a spot belongs to the periods from its report on), today's map shows it. The
    # sign-in survives the new address.
    today = dt.date.today().isoformat()
    watch.received.clear()
    page.goto(f"{app_url}/?pick=custom&start={today}&end={today}")
    page.frame_locator(MAP).locator(".leaflet-overlay-pane canvas").first.wait_for()
    page.wait_for_timeout(1500)
    from tests.leaks import decoded

    assert TEXT in decoded(watch.received_text()), "the new spot is not on the map"
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
    expect(page.locator("table").first).to_contain_text(T("record_presence"))
    assert watch.errors == [], watch.errors
    assert watch.outside == [], watch.outside


def _map_point(frame, lat: float, lon: float) -> dict[str, float]:
    """Where (lat, lon) is inside the map's container, in pixels."""
    p = frame.evaluate(f"JSON.stringify(window.map.latLngToContainerPoint([{lat}, {lon}]))")
    import json

    return json.loads(p)


def test_coordinator_registers_three_spots_by_map_click_one_on_a_marker(
    app_url, page_and_watch, app_store
):
    from geo.store import GeoPackageStore

    page, watch = page_and_watch
    open_as(page, app_url, "municipality")
    page.get_by_role("link", name=T("page_register")).click()
    container = page.frame_locator(MAP).locator(".leaflet-container")
    container.wait_for(timeout=90_000)
    page.wait_for_timeout(2000)
    frame = next(f for f in page.frames if "streamlit_folium" in f.url)
    # zoom in twice: the map must keep this view through every save
    frame.locator(".leaflet-control-zoom-in").click()
    page.wait_for_timeout(400)
    frame.locator(".leaflet-control-zoom-in").click()
    page.wait_for_timeout(800)
    zoom = frame.evaluate("window.map.getZoom()")
    # the dialogue's date becomes the spot's date, and stays for the next spot
    dialogue = page.get_by_label(T("register_dialogue"))
    dialogue.click()
    page.get_by_role("option").nth(1).click()
    page.wait_for_timeout(1500)
    chosen = page.get_by_label(T("register_dialogue")).input_value() or ""
    latitude = page.get_by_label(T("register_lat"))
    box = container.bounding_box()
    saved = []
    for i, (dx, dy) in enumerate(((-60, -40), (70, 30))):
        before = latitude.input_value()
        container.click(position={"x": box["width"] / 2 + dx, "y": box["height"] / 2 + dy})
        expect(latitude).not_to_have_value(before, timeout=30_000)
        saved.append(
            (
                degrees(latitude.input_value()),
                degrees(page.get_by_label(T("register_lon")).input_value()),
            )
        )
        text = f"Browsertest kommun {i + 1}"
        description = page.get_by_role("textbox", name=T("col_description")).first
        description.fill(text)
        page.get_by_role("button", name=T("register_save")).first.click()
        expect(page.get_by_text(T("register_saved")).first).to_be_visible(timeout=30_000)
        page.wait_for_timeout(1500)
        expect(page.get_by_role("textbox", name=T("col_description")).first).to_have_value("")
        assert frame.evaluate("window.map.getZoom()") == zoom, "the map lost its zoom on save"
        assert (page.get_by_label(T("register_dialogue")).input_value() or "") == chosen
    # click away, then on the first spot's marker: the point moves onto the marker
    container.click(position={"x": box["width"] / 2 + 10, "y": box["height"] / 2 + 90})
    page.wait_for_timeout(1500)
    away = degrees(latitude.input_value())
    marker = _map_point(frame, *saved[0])
    container.click(position={"x": marker["x"], "y": marker["y"]})
    expect(latitude).not_to_have_value(number(away, "sv", 5), timeout=30_000)
    page.wait_for_timeout(1000)
    on_marker = degrees(latitude.input_value())
    assert abs(on_marker - saved[0][0]) < 0.002, (on_marker, saved[0])
    page.get_by_role("textbox", name=T("col_description")).first.fill("Browsertest kommun 3")
    page.get_by_role("button", name=T("register_save")).first.click()
    expect(page.get_by_text(T("register_saved")).first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1500)
    assert frame.evaluate("window.map.getZoom()") == zoom

    spots = GeoPackageStore(app_store).query("problem_spots")
    mine = spots[spots["description"].str.startswith("Browsertest kommun")].sort_values(
        "description"
    )
    assert len(mine) == 3
    assert mine["updated_by"].eq("samordnare").all()
    dialogues = GeoPackageStore(app_store).query("dialogues").set_index("uid")
    assert mine["dialogue_uid"].notna().all() and mine["dialogue_uid"].nunique() == 1
    dialogue_date = dialogues.loc[mine["dialogue_uid"].iloc[0], "date"]
    assert (mine["reported"].astype(str) == str(dialogue_date)).all()
    third = mine.geometry.iloc[2]
    assert abs(third.y - saved[0][0]) < 0.002 and abs(third.x - saved[0][1]) < 0.002
    # the change log says what happened, in words, and undo names the change
    page.get_by_role("tab", name=T("register_tab_log")).click()
    expect(page.locator("table").first).to_contain_text(
        "Problemplats 'Browsertest kommun 3' registrerades", timeout=30_000
    )
    assert watch.errors == [], watch.errors
    assert watch.outside == [], watch.outside
