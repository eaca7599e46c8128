import json

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.areas import builtin_areas
from geo.crs import to_sweref
from geo.demo import build_demo_year
from geo.geography import LOCALITIES, main_roads
from geo.store import TimeRange


def _presence_hours(fixes: pd.DataFrame) -> pd.Series:
    f = fixes.sort_values(["presence_uid", "seq"])
    dt = f.groupby("presence_uid")["t"].diff().shift(-1).fillna(0).clip(upper=300)
    return (dt / 3600).groupby(f["area_id"]).sum()


def test_town_gets_more_presence_than_the_countryside(demo_store):
    hours = _presence_hours(demo_store.fixes())
    kinds = builtin_areas().set_index("id")["kind"]
    by_kind = hours.groupby(kinds.reindex(hours.index)).sum()
    town = by_kind["town"]
    countryside = by_kind["village"] + by_kind["countryside"]
    assert town > 1.2 * countryside


def test_every_village_gets_some_presence_in_the_year(demo_store):
    areas = builtin_areas()
    villages = set(areas.loc[areas["kind"] != "countryside", "id"])
    assert villages <= set(demo_store.fixes()["area_id"])


def test_some_villages_go_weeks_without_presence(demo_store):
    december = TimeRange(pd.Timestamp("2018-12-01", tz="UTC"), pd.Timestamp("2019-01-01", tz="UTC"))
    seen = set(demo_store.fixes(december)["area_id"])
    assert "hallaryd" not in seen and "goteryd" not in seen
    assert "almhult" in seen and "liatorp" in seen


def test_dialogues_spots_activities_and_promise(demo_store):
    assert len(demo_store.query("dialogues")) == 2
    spots = demo_store.query("problem_spots")
    assert 35 <= len(spots) <= 45
    assert spots["area_id"].notna().all()
    acts = demo_store.query("activities")
    narcotics = acts[acts["focus"] == "narcotics"]
    assert len(narcotics) >= 4 and (narcotics["partners"].str.len() > 0).all()
    promise = demo_store.query("promises").iloc[0]
    assert promise["year"] == 2018
    assert {c["id"] for c in json.loads(promise["commitments"])} == {
        "dialogue",
        "presence",
        "narcotics",
        "civil_society",
    }


def test_presence_kinds_and_controls_on_the_named_roads(demo_store):
    presence = demo_store.query("presence")
    assert set(presence["kind"]) == {"car_patrol", "foot_patrol", "traffic_control"}
    notes = " ".join(presence.loc[presence["kind"] == "traffic_control", "note"])
    for road in ("Rv 23", "Lv 120", "Lv 124"):
        assert road in notes


def test_countryside_patrols_drive_along_the_built_in_roads(demo_year):
    """Beats on numbered roads stay on them (or in town); Virestad's and Hallaryd's beats,
    which have no road in the built-in set, drive straight from Liatorp and Delary."""
    presence = demo_year.presence
    beats = presence[presence["note"].str.startswith("Landsbygd:", na=False)]
    network = shapely.union_all(
        [*main_roads().to_crs(3006).geometry, builtin_areas().to_crs(3006).geometry.iloc[0]]
    )
    on_roads = beats[~beats["note"].isin(["Landsbygd: virestad", "Landsbygd: hallaryd"])]
    assert len(on_roads) > 200
    pts = shapely.points(shapely.get_coordinates(on_roads.to_crs(3006).geometry.array))
    assert (shapely.distance(network, pts) < 50).mean() > 0.99


def test_village_stops_are_at_the_real_villages(demo_store):
    """Stays in a village happen around its SCB point or church, not somewhere near it."""
    fixes = demo_store.fixes()
    for loc in LOCALITIES:
        if loc.id == "almhult":
            continue
        here = fixes[fixes["area_id"] == loc.id]
        assert len(here) > 0, loc.id
        x, y = to_sweref(here["lon"].to_numpy(), here["lat"].to_numpy())
        (px,), (py,) = to_sweref(np.array([loc.lon]), np.array([loc.lat]))
        assert np.median(np.hypot(x - px, y - py)) < 300, loc.id


def test_traffic_controls_stand_on_the_road_they_name(demo_year):
    roads = main_roads().set_index("road").to_crs(3006).geometry
    names = {"Rv 23": "Riksväg 23", "Lv 120": "Länsväg 120", "Lv 124": "Länsväg 124"}
    names |= {"Väg 600": "Väg 600", "Väg 592": "Väg 592"}
    controls = demo_year.presence[demo_year.presence["kind"] == "traffic_control"]
    controls = controls.to_crs(3006)
    checked = 0
    for note, geom in zip(controls["note"], controls.geometry, strict=True):
        road = next((names[k] for k in names if note.startswith(k)), None)
        if road is not None:
            assert roads[road].distance(geom) < 60, note
            checked += 1
    assert checked > 150


def test_through_roads_pass_their_locality(demo_year):
    places = {loc.name: shapely.Point(loc.lon, loc.lat) for loc in LOCALITIES}
    for locality, line in zip(demo_year.roads["locality"], demo_year.roads.geometry, strict=True):
        assert line.distance(places[locality]) < 1e-5, locality


@pytest.mark.parametrize("fix_interval_s", [60, 120])
def test_the_demo_year_is_the_iso_year_whatever_the_fix_interval(fix_interval_s):
    # Monday 31 December 2018 is week 1 of 2019: dropped, so the year's weeks and
    # whole-week months are complete (tracks and point controls alike).
    demo = build_demo_year(builtin_areas(), fix_interval_s=fix_interval_s)
    local = demo.presence["start"].dt.tz_convert("Europe/Stockholm")
    assert local.min().date().isoformat() == "2018-01-01"
    assert local.max().date().isoformat() == "2018-12-30"
    tracks = demo.presence.geometry.geom_type == "LineString"
    assert set(demo.presence.loc[tracks, "uid"]) == set(demo.vertex_times)
