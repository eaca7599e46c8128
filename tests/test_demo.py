import json

import pandas as pd

from geo.areas import builtin_areas
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
