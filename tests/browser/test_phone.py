"""A council member on a phone (390 × 844, touch): the headline is on the first screen, a
swipe over the map scrolls the page (the map needs two fingers), the sidebar closes after
picking a page, and tables scroll inside their own box instead of widening the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from geo.i18n import translator
from tests.browser.conftest import Watch, refuse_outside, sign_in

pytestmark = pytest.mark.browser
T = translator("sv")
MAP = 'iframe[title="streamlit_folium.st_folium"]'
MAIN = "document.querySelector('[data-testid=stMain]').scrollTop"
PHONE = {"width": 390, "height": 844}
# How far the first visible element of the page's content starts above the bottom of
# Streamlit's header (positive: partly hidden under it).
FIRST_UNDER_HEADER = """() => {
    const header = document.querySelector('[data-testid="stHeader"]').getBoundingClientRect();
    const first = [...document.querySelectorAll(
        '[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]'
    )].find(e => e.getBoundingClientRect().height > 0);
    return header.bottom - first.getBoundingClientRect().top;
}"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="sv-SE")
    page = context.new_page()
    watch = Watch()
    refuse_outside(page, watch.outside)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    yield page, context, watch
    context.close()


def _open(page, url):
    page.goto(url)
    page.frame_locator(MAP).locator(".leaflet-container").wait_for(timeout=90_000)
    page.frame_locator(MAP).locator(".leaflet-overlay-pane canvas").first.wait_for()
    page.wait_for_timeout(1500)


def _swipe(cdp, x: float, y0: float, y1: float) -> None:
    """One finger from (x, y0) to (x, y1) in small steps, as a real swipe."""
    steps = 8
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y0}]})
    for i in range(1, steps + 1):
        y = y0 + (y1 - y0) * i / steps
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_headline_is_on_the_first_screen(app_url, phone):
    page, _, watch = phone
    _open(page, app_url)
    assert page.evaluate(MAIN) == 0
    hidden = page.evaluate(FIRST_UNDER_HEADER)
    assert hidden <= 0, f"the page's first line starts {hidden} px under the header"
    for key in ("headline_countryside_share", "verdict_link"):
        box = page.get_by_text(T(key)).first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"], key
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a 390 px screen"
    assert watch.outside == [] and watch.errors == []


def test_a_swipe_over_the_map_scrolls_the_page(app_url, phone):
    page, context, watch = phone
    _open(page, app_url)
    iframe = page.locator(MAP)
    top = page.evaluate(
        "(() => { const m = document.querySelector('[data-testid=stMain]');"
        " const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]');"
        " return f.getBoundingClientRect().top + m.scrollTop; })()"
    )
    page.evaluate(f"{MAIN} = {int(top) - 150}")
    page.wait_for_timeout(500)
    frame = page.frame(url=lambda u: "streamlit_folium" in u)
    assert frame.evaluate("window.map.gestureHandling.enabled()")
    box = iframe.bounding_box()
    before_scroll = page.evaluate(MAIN)
    before_center = frame.evaluate("JSON.stringify(window.map.getCenter())")
    y0 = box["y"] + 400  # well inside the map
    assert box["y"] < y0 - 200 and y0 < PHONE["height"]
    _swipe(context.new_cdp_session(page), box["x"] + box["width"] / 2, y0, y0 - 200)
    page.wait_for_timeout(800)
    scrolled = page.evaluate(MAIN) - before_scroll
    assert scrolled > 100, f"the page moved {scrolled} px under a 200 px swipe over the map"
    assert frame.evaluate("JSON.stringify(window.map.getCenter())") == before_center
    assert watch.outside == [] and watch.errors == []


def test_sidebar_closes_after_picking_a_page_and_tables_stay_in_their_box(app_url, phone):
    page, _, watch = phone
    _open(page, app_url)
    sidebar = page.locator('[data-testid="stSidebar"]')

    def open_sidebar() -> None:
        if (sidebar.bounding_box() or {"x": -1})["x"] < 0:
            page.get_by_test_id("stExpandSidebarButton").click()
            page.wait_for_timeout(500)

    open_sidebar()
    sign_in(page, "council")
    expect(page.get_by_text("Inloggad som")).to_be_attached(timeout=60_000)
    page.wait_for_timeout(1000)
    open_sidebar()
    expect(page.get_by_role("link", name=T("page_coverage"))).to_be_in_viewport()
    page.get_by_role("link", name=T("page_coverage")).click()
    expect(page.get_by_role("heading", name=T("page_coverage"))).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1000)
    box = sidebar.bounding_box()
    assert box is None or box["x"] + box["width"] <= 0, f"sidebar still open: {box}"
    grids = page.get_by_test_id("stDataFrame")
    expect(grids.first).to_be_visible()
    for i in range(grids.count()):
        grid = grids.nth(i).bounding_box()
        if grid:
            assert grid["x"] >= 0 and grid["x"] + grid["width"] <= PHONE["width"] + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert watch.outside == [] and watch.errors == []
