"""Out to the car: CSV for Excel, GPX for a navigator, the A4 page and its PDF; user text
stays text in every one of them."""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import replace

import geopandas as gpd
import gpxpy
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.i18n import translator
from geo.plan import PlanRequest, make_plan
from geo.plan.export import plan_csv, plan_gpx, plan_html, plan_pdf, stop_label
from geo.snapshot import load_snapshot
from tests.factories import TOWN

T = translator("sv")
WEEK = "2018-W39"
EVIL = "=HYPERLINK(\"http://x\")<script>alert(1)</script> & 'Ådalen'"


@pytest.fixture(scope="module")
def plan(demo_store):
    """A plan that must visit a spot whose description is hostile text."""
    snap = load_snapshot(demo_store)
    evil = gpd.GeoDataFrame(
        [
            dict(
                uid="evil-1",
                category="narcotics",
                description=EVIL,
                dialogue_uid=None,
                reported="2018-09-21",
                residents=3,
                status="new",
                response=None,
                area_id="almhult",
                geometry=Point(*TOWN),
            )
        ],
        crs="EPSG:4326",
    )
    spots = pd.concat([snap.problem_spots, evil], ignore_index=True)
    snap = replace(snap, problem_spots=gpd.GeoDataFrame(spots, crs="EPSG:4326"))
    hours = {"car_patrol": 30.0, "foot_patrol": 10.0, "traffic_control": 8.0}
    plan = make_plan(snap, PlanRequest(WEEK, hours, seed=3))
    assert any(s.asked == EVIL for s in plan.stops)
    return plan


@pytest.fixture(scope="module")
def names(demo_store):
    areas = demo_store.areas()
    return dict(zip(areas["id"], areas["name"], strict=True))


def test_csv_opens_in_swedish_excel_and_holds_no_formula(plan, names):
    data = plan_csv(plan, T, names)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Vecka", "Pass", "Nr"]
    assert len(rows) == 1 + len(plan.stops)
    cells = [c for r in rows[1:] for c in r]
    assert "'" + EVIL in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    assert re.fullmatch(r"2018-09-\d\d \d\d:\d\d", rows[1][3])  # local time
    assert "," in rows[1][9] and "." not in rows[1][9]  # decimal comma


def test_a_line_break_in_a_cell_never_starts_a_row_of_its_own(plan, names):
    """A bare CR inside what a resident said would end the row in a spreadsheet, and the
    next row would start with what followed it: here a formula."""
    first = plan.tours[0]
    said = replace(first.stops[0], asked="Lampa\r=cmd|' /C calc'!A0")
    tours = [replace(first, stops=[said, *first.stops[1:]]), *plan.tours[1:]]
    data = plan_csv(replace(plan, tours=tours), T, names).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data, newline=""), delimiter=";"))
    assert len(rows) == 1 + len(plan.stops)
    assert "Lampa\r=cmd|' /C calc'!A0" in rows[1]
    assert not any(c.startswith(("=", "+", "@")) for r in rows for c in r)


def test_gpx_has_a_route_per_shift_and_a_waypoint_per_stop(plan, names):
    doc = gpxpy.parse(plan_gpx(plan, T, names).decode("utf-8"))
    assert len(doc.routes) == len(plan.tours)
    assert len(doc.waypoints) == len(plan.stops)
    for route, tour in zip(doc.routes, plan.tours, strict=True):
        assert len(route.points) == len(tour.stops) + 2  # from the base and back
        first = tour.stops[0]
        assert (route.points[1].latitude, route.points[1].longitude) == (first.lat, first.lon)
        assert route.points[1].time.timestamp() == first.arrive
    assert any(EVIL in (w.description or "") for w in doc.waypoints)


def test_printable_page_escapes_what_residents_said(plan, names):
    page = plan_html(plan, T, names)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "ENDAST POLISEN" in page
    assert page.count("<section>") == len(plan.tours)
    for s in plan.stops:
        assert html.escape(stop_label(s, T)) in page


def test_pdf_is_an_a4_document(plan, names):
    pdf = plan_pdf(plan, T, names)
    assert pdf.startswith(b"%PDF")
    assert re.search(rb"/MediaBox\s*\[\s*0 0 59[45]\.?\d* 84[12]", pdf), "A4 portrait"
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2  # a week of shifts
