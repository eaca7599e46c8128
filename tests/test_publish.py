"""The published tables: cells counted by hand on small records, and the arithmetic that
every coarse figure is built with."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from folium import GeoJson
from shapely.geometry import Point

from geo.coverage import CoverageParams, area_gaps, had_presence, presence_by_area
from geo.errors import GeoError
from geo.filters import Filters, custom_period
from geo.handout import HandoutSpec, handout_html
from geo.i18n import translator
from geo.mapview import style
from geo.mapview.layers import areas_layer
from geo.publish import (
    WITHHELD,
    area_unit_table,
    export_cells,
    lower_bounds,
    units_in,
    with_at_least,
)
from geo.roles import TIERS, Role, TimeUnit
from geo.snapshot import load_snapshot
from geo.tiers import public_view, view_for
from geo.views import area_sentence, summaries
from tests.factories import DIO, TOWN, presence, ts
from tests.leaks import decoded

T = translator("sv")
LATER = pd.Timestamp("2026-11-25", tz="UTC")
PUBLIC, MUNICIPALITY = TIERS[Role.COUNCIL], TIERS[Role.MUNICIPALITY]


def stay(kind: str, start: str, minutes: float, at=TOWN):
    begin = ts(start)
    return presence(
        kind=kind,
        control_type=None,
        vehicles_checked=None,
        violations=None,
        geometry=Point(*at),
        start=begin,
        end=begin + pd.Timedelta(minutes=minutes),
    )


@pytest.fixture
def exact(store):
    rows = [
        stay("foot_patrol", "2018-05-07 10:00", 30),  # town, week 19: a visit
        stay("car_patrol", "2018-05-08 10:00", 5),  # town, week 19: a pass
        stay("car_patrol", "2018-05-15 10:00", 45),  # town, week 20
        stay("car_patrol", "2018-05-16 10:00", 12, DIO),  # Diö: one visit of 12 min
        stay("car_patrol", "2018-06-04 10:00", 30, DIO),
    ]
    store.add("presence", pd.concat(rows, ignore_index=True))
    for day in (2, 9, 16):  # three controls at Liatorp in May, one in June
        begin = ts(f"2018-05-{day:02d} 14:00")
        store.add("presence", presence(start=begin, end=begin + pd.Timedelta(hours=1)))
    store.add("presence", presence(start=ts("2018-06-05 14:00"), end=ts("2018-06-05 15:00")))
    return load_snapshot(store)


def test_public_cells_are_area_by_month_in_whole_hours_with_small_counts_withheld(exact):
    cells = view_for(exact, PUBLIC, LATER).published.presence.set_index(["area_id", "t0"])
    may = int(pd.Timestamp("2018-05-01", tz="Europe/Stockholm").timestamp())
    town = cells.loc[("almhult", may)]
    # 30 + 5 + 45 min = 1.33 h -> 1; 2 visits (withheld), 1 pass (withheld); no kind split
    assert (town["kind"], town["hours"]) == ("", 1.0)
    assert pd.isna(town["visits"]) and pd.isna(town["passes"])
    dio = cells.loc[("dio", may)]
    assert dio["hours"] == 0.0 and pd.isna(dio["visits"]) and dio["passes"] == 0
    liatorp = cells.loc[("liatorp", may)]
    assert (liatorp["hours"], liatorp["visits"], liatorp["passes"]) == (3.0, 3, 0)


def test_municipality_cells_are_area_week_and_kind_in_tenths_of_hours(exact):
    pub = view_for(exact, MUNICIPALITY, LATER).published
    cells = pub.presence
    week19 = int(pd.Timestamp("2018-05-07", tz="Europe/Stockholm").timestamp())
    town = cells[(cells["area_id"] == "almhult") & (cells["t0"] == week19)].set_index("kind")
    assert town.loc["foot_patrol", "hours"] == 0.5 and town.loc["foot_patrol", "visits"] == 1
    assert town.loc["car_patrol", "hours"] == 0.1 and town.loc["car_patrol", "passes"] == 1
    assert cells["visits"].notna().all()  # the municipality's table withholds nothing
    controls = pub.controls
    assert set(controls["control_type"]) == {"speed"} and controls["controls"].sum() == 4


def test_the_public_delay_leaves_out_months_not_yet_two_weeks_old(exact):
    early = view_for(exact, PUBLIC, pd.Timestamp("2018-06-20", tz="UTC")).published
    june = int(pd.Timestamp("2018-06-01", tz="Europe/Stockholm").timestamp())
    assert (early.presence["t0"] < june).all() and len(early.presence)
    assert (early.controls["t0"] < june).all()
    # June 2018 counts the weeks of 4 June to 1 July (months are whole weeks): it ends
    # on Monday 2 July and is two weeks old on 16 July.
    before = view_for(exact, PUBLIC, pd.Timestamp("2018-07-15T21:00", tz="UTC")).published
    assert not (before.presence["t0"] == june).any()
    later = view_for(exact, PUBLIC, pd.Timestamp("2018-07-15T22:00", tz="UTC")).published
    assert (later.presence["t0"] == june).any()


def test_controls_withheld_with_their_vehicles(exact):
    controls = view_for(exact, PUBLIC, LATER).published.controls
    june = controls[
        controls["t0"] == int(pd.Timestamp("2018-06-01", tz="Europe/Stockholm").timestamp())
    ]
    assert june[["controls", "vehicles_checked", "violations"]].isna().all().all()
    may = controls.dropna(subset=["controls"]).iloc[0]
    assert (may["controls"], may["vehicles_checked"], may["control_type"]) == (3, 120, "")


def test_lower_bounds_add_the_least_value_of_each_withheld_cell() -> None:
    cells = pd.DataFrame(
        {
            "area_id": ["a", "a", "a", "b"],
            "controls": pd.array([5, pd.NA, pd.NA, pd.NA], "Int64"),
            "vehicles_checked": pd.array([50, pd.NA, pd.NA, pd.NA], "Int64"),
        }
    )
    out = lower_bounds(cells, ["area_id"], {"controls": 1, "vehicles_checked": 0})
    assert out.loc["a", "controls"] == 7 and out.loc["a", "controls" + WITHHELD] == 2
    assert out.loc["a", "vehicles_checked"] == 50
    assert out.loc["b", "controls"] == 1
    shown = with_at_least(out.reset_index(), T)
    assert shown["controls"].tolist() == ["minst 7", "minst 1"]
    assert "controls" + WITHHELD not in shown.columns


def test_units_starting_in_a_period() -> None:
    months = units_in(custom_period("2018-03-15", "2018-06-30"), TimeUnit.MONTH)
    local = [pd.Timestamp(t, unit="s", tz="UTC").tz_convert("Europe/Stockholm") for t in months]
    assert [d.strftime("%Y-%m-%d") for d in local] == ["2018-04-01", "2018-05-01", "2018-06-01"]
    weeks = units_in(custom_period("2018-03-19", "2018-04-01"), TimeUnit.WEEK)
    assert len(weeks) == 2  # 19 and 26 March (across the DST switch)


def test_area_unit_table_has_every_area_and_month(exact):
    view = view_for(exact, PUBLIC, LATER)
    table = area_unit_table(view, Filters(custom_period("2018-05-01", "2018-06-30")))
    assert len(table) == 2 * len(exact.areas)
    assert table["hours"].sum() == view.published.presence["hours"].sum()
    town_may = table[(table["area_id"] == "almhult")].iloc[0]
    assert pd.isna(town_may["visits"])  # one withheld cell stays withheld ("<3")


def test_exports_carry_the_cells_on_the_area_outlines(exact):
    view = view_for(exact, MUNICIPALITY, LATER)
    layers = export_cells(view, Filters(custom_period("2018-05-01", "2018-06-30")))
    assert set(layers) == {"presence_area_week", "controls_area_week"}
    pres = layers["presence_area_week"]
    assert {"kind", "hours", "visits", "passes", "week"} <= set(pres.columns)
    assert set(pres.geom_type) <= {"Polygon", "MultiPolygon"}
    assert "control_type" in layers["controls_area_week"].columns
    public = export_cells(
        view_for(exact, PUBLIC, LATER), Filters(custom_period("2018-05-01", "2018-06-30"))
    )
    assert "kind" not in public["presence_area_month"].columns
    assert "control_type" not in public["controls_area_month"].columns


def test_the_public_view_from_the_municipality_view_needs_no_exact_data(exact):
    municipality = view_for(exact, MUNICIPALITY, LATER)
    from_muni = public_view(municipality)
    from_exact = view_for(exact, PUBLIC, LATER)
    pd.testing.assert_frame_equal(from_muni.published.presence, from_exact.published.presence)
    pd.testing.assert_frame_equal(from_muni.published.controls, from_exact.published.controls)
    assert from_muni.problem_spots.geometry.equals(from_exact.problem_spots.geometry)
    with pytest.raises(GeoError):
        view_for(municipality, TIERS[Role.POLICE], LATER)
    with pytest.raises(GeoError):
        view_for(from_exact, MUNICIPALITY, LATER)


def test_coarse_fixes_stand_for_the_cells_only(exact):
    view = view_for(exact, PUBLIC, LATER)
    fx, cells = view.fixes, view.published.presence
    assert len(fx) == len(cells)
    assert np.isclose(fx.dt.sum() / 3600, cells["hours"].sum())
    assert len(view.presence) == 0


def test_short_visits_are_presence_though_their_rounded_hours_are_zero(exact):
    """Diö's one visit of 12 minutes in May is 0 whole hours at the public level: the
    summary, the map's outline and the handout's map must not call Diö an area without
    presence while its table row shows the visit and the gap list leaves it out."""
    public = view_for(exact, PUBLIC, LATER)
    may = Filters(custom_period("2018-05-01", "2018-05-31"))
    table = presence_by_area(public, may, CoverageParams())
    dio = table.set_index("area_id").loc["dio"]
    assert dio["hours"] == 0 and dio["visits_withheld"] == 1
    assert "dio" not in set(area_gaps(public, may, CoverageParams(gap_weeks=4))["area_id"])
    present = set(table.loc[had_presence(table), "area_id"])
    assert present == {"almhult", "dio", "liatorp"}
    said = summaries(table, pd.DataFrame({T("col_name"): []}), pd.DataFrame(), None, None, T)
    assert said["areas"] == area_sentence(
        len(table), float(table["hours"].sum()), len(table) - 3, T
    )
    geojson = next(
        c for c in areas_layer(public, table, 31, T)._children.values() if isinstance(c, GeoJson)
    )
    red = {
        name
        for name, f in zip(public.areas["id"], geojson.data["features"], strict=True)
        if f["properties"]["style"]["color"] == style.NO_PRESENCE
    }
    assert red == set(public.areas["id"]) - present
    handout = handout_html(public, HandoutSpec(may, None), T)
    assert handout.count(style.NO_PRESENCE) >= 1
    for name, f in zip(public.areas["id"], _handout_features(handout), strict=True):
        assert (f["style"]["color"] == style.NO_PRESENCE) == (name not in present), name


def _handout_features(doc: str) -> list[dict]:
    """The areas' feature properties in a handout's map (its collection with fill colours)."""
    text = decoded(doc)
    for at in (m.start() for m in re.finditer(r'\{"features": \[', text)):
        collection, _ = json.JSONDecoder().raw_decode(text[at:])
        props = [f["properties"] for f in collection["features"]]
        if props and "fillColor" in props[0].get("style", {}):
            return props
    raise AssertionError("no area layer in the handout's map")
