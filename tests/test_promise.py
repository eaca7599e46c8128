"""Scorecard arithmetic on hand-counted fixtures, "you said – we did", the public level."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.coverage import CoverageParams
from geo.crs import to_sweref
from geo.filters import Filters, custom_period, filters_from_query
from geo.i18n import translator
from geo.promise import civil_society_partners, elapsed_share, scorecard, you_said_we_did
from geo.snapshot import load_snapshot
from geo.tiers import generalise_points, public_area_months
from tests.factories import foot_patrol, spot

T = translator("en")
PROMISE = [
    {"id": "d", "metric": "dialogues", "target": 1, "sv": "Dialog", "en": "Dialogue"},
    {"id": "n", "metric": "narcotics_activities", "target": 4, "sv": "Narkotika"},
    {"id": "c", "metric": "civil_society_partners", "target": 2, "sv": "Civilsamhälle"},
]


@pytest.fixture
def snap(store):
    store.add("promises", pd.DataFrame([{"year": 2018, "commitments": json.dumps(PROMISE)}]))
    store.add(
        "dialogues",
        gpd.GeoDataFrame(
            [{"uid": "d1", "date": "2018-03-15", "place": "Kommunhuset"}], geometry=[None], crs=4326
        ),
    )
    acts = [
        ("2018-02-01", "narcotics", "youth", "Polisen; Älmhults kommun"),
        ("2018-04-01", "narcotics", "parents", "Polisen; Föräldranätverket"),
        ("2018-05-01", "burglary", "residents", "Grannsamverkan"),
        ("2017-05-01", "narcotics", "youth", "Svenska kyrkan"),
    ]  # another year
    store.add(
        "activities",
        gpd.GeoDataFrame(
            [
                {"date": d, "kind": "x", "focus": f, "target_group": g, "partners": p}
                for d, f, g, p in acts
            ],
            geometry=[None] * 4,
            crs=4326,
        ),
    )
    store.add("problem_spots", spot(dialogue_uid="d1", reported="2018-03-15"))
    store.add(
        "presence",
        foot_patrol("2018-03-20 20:00", "2018-03-20 22:00"),
    )
    return load_snapshot(store)


def test_scorecard_counts_by_hand(snap):
    mid_year = pd.Timestamp("2018-07-02", tz="Europe/Stockholm")
    cards = {c.id: c for c in scorecard(snap, 2018, mid_year, T, "en")}
    assert (cards["d"].progress, cards["d"].status, cards["d"].text) == (1, "met", "Dialogue")
    assert "1 problem spots" in cards["d"].evidence
    # two narcotics activities in 2018 (the 2017 one does not count); half the year gone:
    assert cards["n"].progress == 2 and cards["n"].status == "on_track"
    assert "1 aimed at young people" in cards["n"].evidence
    # partners that are neither police nor municipality, in 2018: two
    assert cards["c"].progress == 2 and cards["c"].status == "met"
    assert cards["c"].evidence == "Föräldranätverket; Grannsamverkan"
    late = {c.id: c for c in scorecard(snap, 2018, pd.Timestamp("2018-12-01", tz="UTC"), T)}
    assert late["n"].status == "behind"


def test_elapsed_share_and_partners():
    assert elapsed_share(2018, pd.Timestamp("2018-01-01", tz="Europe/Stockholm")) == 0
    assert elapsed_share(2018, pd.Timestamp("2019-06-01", tz="UTC")) == 1
    acts = pd.DataFrame({"partners": ["Polisen; NTF", "Älmhults kommun (fritid); NTF", None]})
    assert civil_society_partners(acts) == ["NTF"]


def test_demo_promise_presence_commitment_is_behind(demo_store):
    snap = load_snapshot(demo_store)
    cards = {
        c.id: c
        for c in scorecard(snap, 2018, pd.Timestamp("2019-01-01", tz="UTC"), translator("sv"))
    }
    assert cards["presence"].status == "behind"  # villages without presence in December
    assert "Hallaryd" in cards["presence"].evidence
    assert cards["narcotics"].status == "met" and cards["dialogue"].status == "met"


def test_you_said_we_did(snap):
    said = you_said_we_did(snap, CoverageParams())
    row = said.iloc[0]
    assert (row["area"], row["status"], bool(row["followed_up"])) == ("Älmhult", "new", True)
    assert row["area_hours_90_days"] == 2


def test_public_months_suppress_small_counts(snap):
    months = public_area_months(snap, Filters(custom_period("2018-03-01", "2018-03-31")))
    town = months.set_index("area_id").loc["almhult"]
    assert town["hours"] == 2 and pd.isna(town["visits"])  # 1 visit: suppressed (< 3)
    assert set(months["month"]) == {"2018-03"}


def test_generalised_points_sit_on_a_500_m_grid():
    pts = shapely.points([14.1391, 14.1393], [56.5511, 56.5512])
    out = generalise_points(pts)
    x, y = to_sweref(shapely.get_x(out), shapely.get_y(out))
    assert np.allclose((np.asarray(x) - 250) % 500, 0, atol=1.5)
    assert out[0].equals(out[1])  # two nearby spots land on the same point


def test_filters_from_query():
    ids = ["almhult", "dio"]
    assert filters_from_query({"pick": "4weeks"}, ids) == {"period_pick": "4weeks"}
    state = filters_from_query(
        {"pick": "custom", "start": "2018-01-01", "end": "2018-12-31", "areas": "dio,nowhere"}, ids
    )
    assert state["period_custom"][1].isoformat() == "2018-12-31"
    assert state["areas"] == ["dio"]
    assert filters_from_query({"pick": "custom", "start": "garbage"}, ids) == {}
    assert filters_from_query({"pick": "<script>"}, ids) == {}


def test_evidence_records_behind_the_numbers(snap):
    from geo.promise import evidence_records

    dialogues = evidence_records(snap, 2018, "dialogues")
    assert dialogues[["place", "spots"]].values.tolist() == [["Kommunhuset", 1]]
    narcotics = evidence_records(snap, 2018, "narcotics_activities")
    assert narcotics["target_group"].tolist() == ["youth", "parents"]
    civil = evidence_records(snap, 2018, "civil_society_partners")
    assert civil["civil_society"].tolist() == ["", "Föräldranätverket", "Grannsamverkan"]


def test_status_never_contradicts_the_numbers_shown(demo_store):
    from geo.promise import progress_text

    snap = load_snapshot(demo_store)
    sv = translator("sv")
    cards = {c.id: c for c in scorecard(snap, 2018, pd.Timestamp("2019-01-01", tz="UTC"), sv)}
    presence = cards["presence"]
    # every month had presence in both, but 2 of 10 villages had none at the end: the
    # figure that makes it "behind" is shown, not only "12 av 12"
    assert progress_text(presence, sv) == "12 av 12 mån. · 8 av 10 orter"
    for card in cards.values():
        below = [p for p in card.figures() if p.target is not None and p.progress < p.target]
        assert (card.status == "met") == (not below), (card.id, card.figures())


def test_verdict_counts_the_scorecard(demo_store):
    from geo.promise import verdict

    snap = load_snapshot(demo_store)
    sv = translator("sv")
    cards = scorecard(snap, 2018, pd.Timestamp("2019-01-01", tz="UTC"), sv)
    assert verdict(cards, 2018, sv) == "Löftet 2018 hålls delvis: 3 av 4 åtaganden uppfyllda."
    met = [c for c in cards if c.status == "met"]
    assert verdict(met, 2018, sv) == "Löftet 2018 hålls: alla 3 åtaganden är uppfyllda."
    assert verdict([], 2019, sv) == "Inget medborgarlöfte registrerat för 2019."
    assert verdict(cards, 2018, translator("en")).startswith("The 2018 promise is partly kept")


def test_the_public_verdict_says_it_is_judged_on_months(demo_store):
    from geo.promise import verdict
    from geo.roles import TIERS, Role
    from geo.tiers import view_for

    exact = load_snapshot(demo_store)
    later = pd.Timestamp("2026-11-25", tz="UTC")
    sv = translator("sv")
    public = view_for(exact, TIERS[Role.COUNCIL], later)
    cards = {c.id: c for c in scorecard(public, 2018, later, sv)}
    # The police see Hallaryd and Göteryd without presence in the year's last four weeks;
    # the public's month cells cannot show a gap shorter than a month, and say so.
    assert "den senaste hela månaden" in cards["presence"].evidence
    line = verdict(list(cards.values()), 2018, sv)
    assert line.endswith("ett uppehåll kortare än en månad syns inte här.)"), line
    municipality = view_for(exact, TIERS[Role.MUNICIPALITY], later)
    weekly = scorecard(municipality, 2018, later, sv)
    assert verdict(weekly, 2018, sv) == "Löftet 2018 hålls delvis: 3 av 4 åtaganden uppfyllda."


def test_months_without_logged_data_are_missing_not_zero(demo_store):
    from geo.promise import monthly_presence

    snap = load_snapshot(demo_store)
    before = monthly_presence(snap, 2017)  # the demo store starts in 2018
    assert before[["town_hours", "countryside_hours", "controls"]].isna().all().all()
    year = monthly_presence(snap, 2018)
    assert year["town_hours"].notna().all() and (year["town_hours"] > 0).all()


def test_the_months_are_kept_with_their_snapshot_and_not_shared_with_a_changed_copy(demo_store):
    from dataclasses import replace

    from geo.promise import monthly_presence

    snap = load_snapshot(demo_store)
    first = monthly_presence(snap, 2018)
    first.loc[0, "town_hours"] = -1.0  # a caller's change stays with the caller
    again = monthly_presence(snap, 2018)
    assert again.loc[0, "town_hours"] > 0
    assert ("monthly_presence", 2018) in snap._memo
    # a copy with other data (dataclasses.replace: tiers, live patches) starts empty
    assert replace(snap, version=snap.version + 1)._memo == {}


def test_you_said_we_did_for_an_area_without_spots_has_its_columns(demo_store):
    snap = load_snapshot(demo_store)
    empty = you_said_we_did(snap, CoverageParams(), ["no-such-area"])
    assert empty.empty
    assert list(empty.columns) == list(you_said_we_did(snap, CoverageParams()).columns)
