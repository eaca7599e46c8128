"""Meeting exports: public level only, real images and documents."""

from __future__ import annotations

import io
import re
import shutil
import time
from unittest import mock

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

from geo.filters import Filters, custom_period
from geo.handout import (
    PAPER,
    HandoutError,
    HandoutSpec,
    handout_html,
    live_link,
    render_pages,
)
from geo.i18n import translator
from geo.roles import TIERS, Role
from geo.snapshot import load_snapshot
from geo.store import GeoPackageStore
from geo.tiers import view_for
from pages._session import Viewer
from tests.conftest import ROOT
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


def test_a_coarse_non_public_level_is_refused_clearly(snap):
    """The municipality's weekly level cannot become the public one: a clear error, not a
    KeyError from deep inside the tier code."""
    weekly = view_for(snap, TIERS[Role.MUNICIPALITY], pd.Timestamp("2019-06-01", tz="UTC"))
    with pytest.raises(HandoutError, match="public level"):
        handout_html(weekly, HandoutSpec(YEAR, None), T)


@pytest.fixture
def app_env(demo_store, tmp_path, monkeypatch):
    """The app on a copy of the demo store; the map component replaced (AppTest cannot
    drive it), everything else real, Chromium included."""
    path = tmp_path / "app.gpkg"
    shutil.copy(demo_store.path, path)
    monkeypatch.setenv("ALMHULT_STORE", str(path))
    monkeypatch.setenv("ALMHULT_TILE_URL", "")
    monkeypatch.setenv("ALMHULT_ACCOUNTS", str(tmp_path / "accounts.db"))
    st.cache_resource.clear()
    with mock.patch("streamlit_folium.st_folium", lambda *a, **k: {}):
        yield path
    st.cache_resource.clear()


HANDOUT_FILES = {
    "download_html": "medborgarlofte-2018-kommunen.html",
    "download_png": "medborgarlofte-2018-kommunen.png",
    "download_pdf": "medborgarlofte-2018-kommunen.pdf",
}


@pytest.mark.parametrize("role", ["police", "municipality", "council", None])
def test_every_handout_format_for_every_role(app_env, role):
    """The promise page makes every handout format as each role (None: a visitor)."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    if role:
        now = time.time()
        at.session_state["_viewer"] = Viewer(f"test-{role}", Role(role), "password")
        at.session_state["_signed_in"] = now
        at.session_state["_last_seen"] = now
    at.run()
    at.switch_page("pages/promise.py")
    at.run()
    assert not at.exception, at.exception
    exact = load_snapshot(GeoPackageStore(app_env))
    for label, file_name in HANDOUT_FILES.items():
        [button] = [b for b in at.button if b.label == T(label)]
        button.click().run()
        assert not at.exception, f"{label} as {role}: {at.exception}"
        assert not at.error, f"{label} as {role}: {[e.value for e in at.error]}"
        data = at.session_state["_export_" + file_name][1]
        if file_name.endswith(".html"):
            doc = decoded(data)
            assert "Ni sa – vi gjorde" in doc
            assert patrol_leaks(doc, exact) == []
        elif file_name.endswith(".png"):
            assert data.startswith(b"\x89PNG")
        else:
            assert data.startswith(b"%PDF")
