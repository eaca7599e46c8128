"""Meeting exports: public level only, real images and documents."""

from __future__ import annotations

import html
import io
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from PIL import Image
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from geo.coverage import CoverageParams
from geo.filters import Filters, custom_period
from geo.handout import (
    PAPER,
    HandoutError,
    HandoutSpec,
    handout_html,
    live_link,
    print_handout,
    public_url_problem,
    render,
)
from geo.handout.figures import said_rows
from geo.i18n import translator
from geo.numbers import quantity
from geo.promise import commitments, you_said_we_did
from geo.roles import TIERS, Role
from geo.snapshot import load_snapshot
from geo.store import GeoPackageStore
from geo.tiers import public_area_months, public_view, view_for
from pages._session import Viewer
from tests.conftest import ROOT
from tests.leaks import coordinates, decoded, patrol_leaks

T = translator("sv")
YEAR = Filters(custom_period("2018-01-01", "2018-12-31"))


@pytest.fixture(scope="module")
def snap(demo_store):
    return load_snapshot(demo_store)


@pytest.fixture(scope="module")
def public(snap):
    return public_view(snap)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text (pypdf), whitespace collapsed: what a reader of the page sees."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())


def flat(text: str) -> str:
    return " ".join(str(text).split())


@pytest.mark.parametrize("area", [None, "dio"])
def test_html_has_no_patrol_position_or_time(snap, area):
    doc = decoded(handout_html(snap, HandoutSpec(YEAR, area), T))
    assert coordinates(doc), "the map's coordinates were not found"
    assert patrol_leaks(doc, snap) == []
    assert "Ni sa – vi gjorde" in doc and "<3" in doc


@pytest.mark.parametrize("area", [None, "dio"])
def test_pdf_holds_every_spot_every_column_and_the_promise(snap, public, area):
    spec = HandoutSpec(YEAR, area, live_url="https://karta.example/")
    printed = print_handout(snap, spec, T)
    text = pdf_text(printed.pdf)
    spots = public.problem_spots
    if area:
        spots = spots[spots["area_id"] == area]
    assert len(spots) >= (3 if area else 40)
    missing = [d for d in spots["description"] if flat(d) not in text]
    assert missing == [], f"spots missing from the PDF: {missing}"
    for response in spots["response"].dropna():
        assert flat(response) in text  # the "Svar" column is whole
    for column in ("col_description", "col_status", "col_response", "handout_col_hours_90_days"):
        assert flat(T(column)) in text, column
    for c in commitments(public, 2018):
        assert flat(c["sv"]) in text
    # Table headers repeat on every page the spot table runs over.
    pages = [flat(p.extract_text()) for p in PdfReader(io.BytesIO(printed.pdf)).pages]
    with_spots = [p for p in pages[1:] if any(flat(d) in p for d in spots["description"])]
    assert with_spots and all(T("col_response") in p for p in with_spots)
    assert printed.pages == len(pages) >= 2


def test_png_holds_every_page_uncropped(snap):
    printed = print_handout(snap, HandoutSpec(YEAR, None), T)
    image = Image.open(io.BytesIO(printed.png)).convert("RGB")
    width, height = PAPER["A4"]
    assert image.width >= width
    assert image.height >= printed.pages * height  # every page, not only the first
    pixels = np.asarray(image)
    assert len(np.unique(pixels[: image.height // printed.pages].reshape(-1, 3), axis=0)) > 200
    for blob in (printed.png, printed.pdf):
        assert b"demo-p-" not in blob


def test_a3_paper_and_english(snap):
    printed = print_handout(snap, HandoutSpec(YEAR, None, "en", paper="A3"), translator("en"))
    page = PdfReader(io.BytesIO(printed.pdf)).pages[0]
    width_pt, height_pt = float(page.mediabox.width), float(page.mediabox.height)
    assert abs(width_pt - 420 / 25.4 * 72) < 3 and abs(height_pt - 297 / 25.4 * 72) < 3
    assert "You said – we did" in pdf_text(printed.pdf)


def test_a4_is_landscape_and_the_legend_is_beside_the_map(snap):
    doc = handout_html(snap, HandoutSpec(YEAR, None), T)
    assert "size: A4 landscape" in doc
    map_doc = decoded(doc)
    assert "almhult-legend" not in map_doc  # no legend over the villages
    assert "imperial: false" in map_doc and "almhult-north" in map_doc
    assert "control_scale" not in map_doc and "L.control.scale()" not in map_doc
    assert ".leaflet-control-zoom { display: none }" in map_doc  # no zoom buttons in print
    assert T("legend_public_hours") in doc.partition('<div class="side">')[2]


def test_live_link_encodes_the_filters():
    link = live_link(HandoutSpec(YEAR, "dio", live_url="https://karta.example/"))
    assert link == ("https://karta.example/?pick=custom&start=2018-01-01&end=2018-12-31&areas=dio")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "public_url_missing"),
        ("http://localhost:8501/", "public_url_local"),
        ("http://127.0.0.1:8501", "public_url_local"),
        ("http://[::1]/", "public_url_local"),
        ("http://0.0.0.0:8501/", "public_url_local"),
        ("karta.almhult.se", "public_url_invalid"),
        ("https://karta.almhult.se/", None),
        ("http://10.1.2.3:8501/", None),
    ],
)
def test_an_address_only_this_computer_reaches_is_never_printed(snap, url, problem):
    assert public_url_problem(url) == problem
    spec = HandoutSpec(YEAR, "dio", live_url=url)
    doc = handout_html(snap, spec, T)
    if problem:
        assert live_link(spec) is None
        assert "localhost" not in doc and "127.0.0.1" not in doc and "<svg" not in doc
        assert T("handout_no_link") in doc
    else:
        assert live_link(spec) in html.unescape(doc)


def test_without_chromium_png_and_pdf_say_why(snap, monkeypatch):
    monkeypatch.setattr(render, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(HandoutError, match="chromium"):
        print_handout(snap, HandoutSpec(YEAR, None), T)


def test_one_warm_chromium_serves_renders_from_many_threads(snap):
    warm = render.chromium()
    doc = handout_html(snap, HandoutSpec(YEAR, "dio"), T)
    warm.print(doc, "A4", False)  # started
    launches = warm.launches
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: warm.print(doc, "A4", False), range(3)))
    assert all(r.pdf.startswith(b"%PDF") and r.png is None for r in results)
    assert warm.launches == launches  # no browser started per render


def test_said_rows_match_you_said_we_did(public):
    fast = said_rows(public, None)
    slow = you_said_we_did(public, CoverageParams())
    slow = slow.sort_values(["area", "reported", "description"], kind="stable")
    assert fast["area_hours_90_days"].tolist() == slow["area_hours_90_days"].tolist()
    assert fast["description"].tolist() == slow["description"].tolist()
    assert len(fast) == len(public.problem_spots)


def test_a_coarse_non_public_level_is_refused_clearly(snap):
    """The municipality's weekly level cannot become the public one: a clear error, not a
    KeyError from deep inside the tier code."""
    weekly = view_for(snap, TIERS[Role.MUNICIPALITY], pd.Timestamp("2019-06-01", tz="UTC"))
    with pytest.raises(HandoutError, match="public level"):
        handout_html(weekly, HandoutSpec(YEAR, None), T)


def test_public_dates_print_as_months(snap, public):
    """The public level dates a spot by month (the 1st): the handout says "september 2018"
    for the dialogue of 20 September, never "2018-09-01", which reads as exact."""
    doc = handout_html(snap, HandoutSpec(YEAR, "dio"), T)
    dio = public.problem_spots[public.problem_spots["area_id"] == "dio"]
    assert len(dio) == 4 and set(dio["reported"]) == {"2018-09-01"}
    assert doc.count("<td>september 2018</td>") == 4
    assert "2018-09-01" not in doc
    english = handout_html(snap, HandoutSpec(YEAR, "dio", "en"), translator("en"))
    assert english.count("<td>September 2018</td>") == 4


def test_key_figures_group_thousands_and_count_in_words(snap, public):
    """ "1182 timmar polisiär närvaro" read like a year: the figure is grouped."""
    total = int(public_area_months(public, YEAR)["hours"].sum())
    assert total >= 1000
    doc = handout_html(snap, HandoutSpec(YEAR, None), T)
    assert T("hours_in_period", hours=quantity(total)) in doc
    assert f"{total} timmar" not in doc
    assert "40 problemplatser från medborgardialogerna" in doc


def test_spots_named_after_the_period_are_not_in_its_handout(snap):
    """A handout for May lists no spot of September's dialogue (the tables, the map and
    the exports leave them out of May too); a spot named before the period stays."""
    may = Filters(custom_period("2018-05-01", "2018-05-31"))
    doc = handout_html(snap, HandoutSpec(may, "dio"), T)
    assert "0 problemplatser från medborgardialogerna" in doc
    assert "september 2018" not in doc
    town = handout_html(snap, HandoutSpec(may, "almhult"), T)
    assert town.count("<td>mars 2018</td>") == len(said_rows(public_view(snap), "almhult"))


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
            doc = decoded(data.decode("utf-8"))
            assert "Ni sa – vi gjorde" in doc
            assert patrol_leaks(doc, exact) == []
        elif file_name.endswith(".png"):
            assert data.startswith(b"\x89PNG")
        else:
            text = pdf_text(data)
            assert all(flat(d) in text for d in exact.problem_spots["description"])


def test_the_period_line_gives_the_whole_weeks_the_months_count(public):
    # The public's months count whole weeks: the year 2018 is Monday 1 January to Sunday
    # 30 December (31 December is in week 1 of 2019, counted in January 2019).
    html = handout_html(public, HandoutSpec(YEAR), T)
    assert "2018-01-01 – 2018-12-30" in html
    assert "2018-12-31" not in html
