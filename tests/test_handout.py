"""Meeting exports: public level only, real images and documents."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from geo.filters import Filters, custom_period
from geo.handout import PAPER, HandoutSpec, handout_html, live_link, render_pages
from geo.i18n import translator
from geo.snapshot import load_snapshot
from tests.leaks import coordinates, decoded, patrol_leaks

T = translator("sv")
YEAR = Filters(custom_period("2018-01-01", "2018-12-31"))


@pytest.fixture(scope="module")
def snap(demo_store):
    return load_snapshot(demo_store)


@pytest.mark.parametrize("area", [None, "dio"])
def test_html_has_no_patrol_position_or_time(snap, area):
    doc = decoded(handout_html(snap, HandoutSpec(YEAR, area), T))
    assert coordinates(doc), "the map's coordinates were not found"
    assert patrol_leaks(doc, snap) == []
    assert "Ni sa – vi gjorde" in doc and "<3" in doc


def test_png_and_pdf(snap):
    spec = HandoutSpec(YEAR, "dio")
    png, pdf, renderer = render_pages(snap, spec, T)
    assert renderer == "chromium", "Debian chromium is needed for faithful exports"
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == PAPER["A4"]
    pixels = np.asarray(image)
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200  # a drawn map, not blank
    assert (
        pdf.startswith(b"%PDF")
        and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>") + pdf.count(b"/Type /Page ")
        >= 2
    )
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 2, f"expected a map page and a 'you said – we did' page, got {pages}"
    for blob in (png, pdf):
        assert b"demo-p-" not in blob


def test_a3_and_english(snap):
    png, _, _ = render_pages(snap, HandoutSpec(YEAR, None, "en", paper="A3"), translator("en"))
    assert Image.open(io.BytesIO(png)).size == PAPER["A3"]
    doc = handout_html(snap, HandoutSpec(YEAR, None, "en"), translator("en"))
    assert "You said – we did" in doc


def test_live_link_encodes_the_filters():
    link = live_link(HandoutSpec(YEAR, "dio", live_url="https://karta.example/"))
    assert link == ("https://karta.example/?pick=custom&start=2018-01-01&end=2018-12-31&areas=dio")


def test_fallback_render_without_a_browser(snap, monkeypatch):
    import geo.handout

    monkeypatch.setattr(geo.handout, "CHROMIUM", "/nonexistent/chromium")
    png, pdf, renderer = render_pages(snap, HandoutSpec(YEAR, None), T)
    assert renderer == "matplotlib"
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == PAPER["A4"]
    assert len(np.unique(np.asarray(image).reshape(-1, 3), axis=0)) > 20
    assert pdf.startswith(b"%PDF")


def test_only_the_asked_format_is_rendered(snap):
    png, pdf, _ = render_pages(snap, HandoutSpec(YEAR, "dio"), T, ("png",))
    assert png.startswith(b"\x89PNG") and pdf is None
    png, pdf, _ = render_pages(snap, HandoutSpec(YEAR, "dio"), T, ("pdf",))
    assert png is None and pdf.startswith(b"%PDF")
