"""The running app in a real browser, with every request to the outside blocked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from geo.i18n import translator
from tests.browser.conftest import open_as, open_sections

pytestmark = pytest.mark.browser
T = translator("sv")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
MAP = 'iframe[title="streamlit_folium.st_folium"]'


def open_overview(page, url):
    open_as(page, url, "police")
    page.frame_locator(MAP).locator(".leaflet-container").wait_for(timeout=90_000)
    # the data layers arrive through feature_group_to_add: wait for the areas' canvas
    page.frame_locator(MAP).locator(".leaflet-overlay-pane canvas").first.wait_for()
    page.wait_for_timeout(1000)


def test_map_renders_offline_with_every_layer(app_url, page_and_watch):
    page, watch = page_and_watch
    open_overview(page, app_url)
    frame = page.frame_locator(MAP)
    labels = frame.locator(".leaflet-control-layers-overlays label")
    names = [labels.nth(i).inner_text().strip() for i in range(labels.count())]
    for key in ("layer_areas", "layer_presence", "layer_roads", "layer_controls", "layer_spots"):
        assert T(key) in names
    assert frame.locator(".leaflet-control-scale").count() == 1
    assert frame.locator(".almhult-legend").count() == 1
    assert watch.outside == [], f"requests to the outside: {watch.outside[:5]}"
    assert watch.failed == [], f"failed requests: {watch.failed[:5]}"
    assert watch.errors == [], f"console errors: {watch.errors[:5]}"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"))


LABEL_BOXES = """() => Array.from(document.querySelectorAll('.leaflet-tooltip'))
    .filter(el => getComputedStyle(el).visibility !== 'hidden')
    .map(el => { const r = el.getBoundingClientRect();
                 return {zone: el.classList.contains('almhult-zone-label'), text: el.innerText,
                         l: r.left, r: r.right, t: r.top, b: r.bottom}; })"""


def _overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    return [
        (a["text"], b["text"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if (a["zone"] or b["zone"])
        and not (a["r"] <= b["l"] or b["r"] <= a["l"] or a["b"] <= b["t"] or b["b"] <= a["t"])
    ]


def test_zone_names_give_way_to_place_names(app_url, page_and_watch):
    page, watch = page_and_watch
    open_overview(page, app_url)
    frame = next(f for f in page.frames if f.query_selector(".leaflet-container"))
    boxes = frame.evaluate(LABEL_BOXES)
    places = {b["text"].rstrip(" *") for b in boxes if not b["zone"]}
    assert {"Älmhult", "Diö", "Delary", "Hallaryd"} <= places  # every place keeps its name
    assert _overlapping(boxes) == []  # at the whole-municipality zoom, zones step aside
    frame.locator(".leaflet-control-zoom-in").click()
    frame.wait_for_timeout(800)
    zoomed = frame.evaluate(LABEL_BOXES)
    assert _overlapping(zoomed) == []
    assert sum(b["zone"] for b in zoomed) >= sum(b["zone"] for b in boxes)  # room: back
    assert watch.errors == [], watch.errors


def _town_hours(page) -> str:
    table = page.locator("table").first
    row = table.locator("tr", has_text="Älmhult").first
    return row.locator("td").nth(4).inner_text()


def test_filter_change_updates_the_coverage_table(app_url, page_and_watch):
    page, watch = page_and_watch
    open_overview(page, app_url)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)  # behind their summaries
    open_sections(page)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(3)
    year_hours = _town_hours(page)
    page.get_by_text(T("pick_4weeks"), exact=True).click()
    expect(
        page.locator("table").first.locator("tr", has_text="Älmhult").first.locator("td").nth(4)
    ).not_to_have_text(year_hours, timeout=30_000)

    def hours(text: str) -> float:
        return float(text.replace("\u202f", ""))

    assert hours(_town_hours(page)) < hours(year_hours)
    expect(page.get_by_text(re.compile("2018-12-03 – 2018-12-30"))).to_be_visible()
    assert watch.errors == [], watch.errors
    assert watch.outside == [], watch.outside


def test_stored_markup_is_shown_as_text_and_never_runs(app_url, page_and_watch):
    page, watch = page_and_watch
    open_overview(page, app_url)
    open_sections(page)
    # the spot table is a grid drawn as text (cells are never HTML): the markup arrives as
    # data and no element of it exists in the page
    page.wait_for_timeout(1000)
    assert "window.__xss=1" in watch.received_text()
    assert page.locator('img[src="x"]').count() == 0
    frame = page.frame(url=re.compile("streamlit_folium")) or page.main_frame
    assert page.evaluate("window.__xss") is None
    assert frame.evaluate("window.__xss") is None
    # open the spot's popup on the map: its description must stay text
    assert watch.dialogs == []


def test_filters_survive_page_changes(app_url, page_and_watch):
    page, watch = page_and_watch
    open_overview(page, app_url)
    caption = page.get_by_text(re.compile("Vald period")).first
    expect(caption).to_contain_text("2018-01-01 – 2018-12-31")  # the default: the year
    page.get_by_role("link", name=T("page_coverage")).click()
    expect(page.get_by_role("heading", name=T("page_coverage"))).to_be_visible(timeout=30_000)
    expect(caption).to_contain_text("2018-01-01 – 2018-12-31")
    page.get_by_text(T("pick_4weeks"), exact=True).click()
    expect(caption).to_contain_text("2018-12-03 – 2018-12-30", timeout=30_000)
    page.get_by_role("link", name=T("page_promise")).click()
    expect(page.get_by_role("heading", name=T("page_promise"))).to_be_visible(timeout=30_000)
    expect(caption).to_contain_text("2018-12-03 – 2018-12-30")
    assert watch.errors == [] and watch.outside == []


CUT_OFF = """sel => [...document.querySelectorAll(sel)]
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => e.textContent || e.value)"""


def test_sidebar_and_headline_fit_and_follow_the_language(app_url, page_and_watch):
    page, watch = page_and_watch
    open_overview(page, app_url)
    # the headline figures' labels are whole on a desktop screen
    expect(page.get_by_test_id("stMetricLabel").first).to_be_visible()
    assert page.evaluate(CUT_OFF, '[data-testid="stMetricLabel"] *') == []
    # multiselects: a Swedish placeholder, and no English "Select all" in the list
    sidebar = page.get_by_test_id("stSidebar")
    assert "Choose options" not in sidebar.inner_text()
    areas = sidebar.get_by_test_id("stMultiSelect").filter(has_text=T("areas"))
    areas.locator("input").click()
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(listbox).to_contain_text("Diö")
    assert "Select all" not in listbox.inner_text()
    page.keyboard.press("Escape")
    # a period of one's own: both dates whole in the sidebar
    sidebar.get_by_text(T("pick_custom"), exact=True).click()
    dates = sidebar.get_by_test_id("stDateInput").locator("input")
    expect(dates).to_have_count(2, timeout=30_000)
    expect(dates.first).to_have_value("2018-01-01")
    assert (
        page.evaluate(CUT_OFF, '[data-testid="stSidebar"] [data-testid="stDateInput"] input') == []
    )
    # English: the chosen kinds' chips too
    kinds = sidebar.get_by_test_id("stMultiSelect").filter(has_text=T("presence_kinds"))
    expect(kinds).to_contain_text(T("kind_car_patrol"))
    page.get_by_label("Språk / Language").click()
    page.get_by_role("option", name="English").click()
    expect(page.get_by_text("Signed in as")).to_be_visible(timeout=60_000)
    en = translator("en")
    kinds = sidebar.get_by_test_id("stMultiSelect").filter(has_text=en("presence_kinds"))
    expect(kinds).to_contain_text(en("kind_car_patrol"), timeout=30_000)
    assert T("kind_car_patrol") not in kinds.inner_text()
    assert T("kind_foot_patrol") not in kinds.inner_text()
    assert watch.errors == [] and watch.outside == []
