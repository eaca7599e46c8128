"""The standalone HTML handout opens with the network cut: no request, no error."""

from __future__ import annotations

import pytest

from geo.filters import Filters, custom_period
from geo.handout import HandoutSpec, handout_html
from geo.i18n import translator
from geo.snapshot import load_snapshot

pytestmark = pytest.mark.browser


def test_handout_renders_offline(demo_store, page_and_watch, tmp_path):
    page, watch = page_and_watch
    doc = handout_html(
        load_snapshot(demo_store),
        HandoutSpec(Filters(custom_period("2018-01-01", "2018-12-31")), "dio"),
        translator("sv"),
    )
    path = tmp_path / "handout.html"
    path.write_text(doc, "utf-8")
    page.goto(path.as_uri())
    frame = page.frame_locator("iframe[title=map]")
    frame.locator(".leaflet-container").wait_for(timeout=30_000)
    frame.locator(".leaflet-overlay-pane canvas").first.wait_for()
    assert frame.locator(".almhult-legend").count() == 1
    assert page.get_by_text("Ni sa – vi gjorde").count() == 1
    assert watch.outside == [], watch.outside
    assert watch.failed == [], watch.failed
    assert watch.errors == [], watch.errors
