"""Coverage arithmetic on small hand-made records whose answers are counted by hand,
stored in each backend (GeoPackage and PostGIS: the ``any_store`` fixture)."""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from geo.coverage import (
    CoverageParams,
    area_gaps,
    balance,
    presence_by_area,
    road_controls,
    spot_follow_up,
    spot_follow_up_naive,
    weekly_balance,
)
from geo.filters import Filters, custom_period
from geo.snapshot import load_snapshot
from tests.factories import LIATORP, foot_patrol, presence, spot, track, ts

MAY = custom_period("2018-05-01", "2018-05-31")


@pytest.fixture
def store(any_store):
    return any_store


@pytest.fixture
def snap(store):
    # Town: a 30-minute foot patrol standing at one point on 3 May (one visit).
    store.add(
        "presence",
        foot_patrol("2018-05-03 20:00", "2018-05-03 20:30"),
    )
    # Liatorp: a 60-minute traffic control on 4 May, 40 vehicles checked.
    store.add("presence", presence(start=ts("2018-05-04 10:00"), end=ts("2018-05-04 11:00")))
    # A car track town -> Diö -> Liatorp on 5 May; times interpolated over 60 minutes.
    store.add("presence", track(start=ts("2018-05-05 08:00"), end=ts("2018-05-05 09:00")))
    store.add("problem_spots", spot(reported="2018-05-01"))  # in town, followed on 3 May
    store.add(
        "problem_spots",
        spot(reported="2018-05-01", geometry=Point(14.30, 56.60), description="Ute på landet"),
    )  # nobody comes near
    return load_snapshot(store)


def test_hours_visits_days_and_controls_per_area(snap):
    table = presence_by_area(snap, Filters(MAY), CoverageParams()).set_index("area_id")
    # Town: 30 min foot patrol; the track's first leg (town -> Diö) is capped at 5 min.
    assert table.loc["almhult", "hours"] == pytest.approx(0.5 + 5 / 60, abs=0.05)
    assert table.loc["almhult", "visits"] == 1  # the 30-minute stay
    assert table.loc["almhult", "passes"] == 1  # the track's 5 capped minutes
    assert table.loc["almhult", "days"] == 2  # 3 and 5 May
    assert table.loc["liatorp", "hours"] == pytest.approx(1.0, abs=0.01)
    assert table.loc["liatorp", "controls"] == 1
    assert table.loc["liatorp", "vehicles_checked"] == 40
    assert table.loc["liatorp", "hours_per_1000"] == pytest.approx(
        table.loc["liatorp", "hours"] / 544 * 1000, abs=0.1
    )
    assert table.loc["hallaryd", "hours"] == 0 and pd.isna(table.loc["hallaryd", "last_presence"])
    assert table["share_hours"].sum() == pytest.approx(100, abs=0.5)


def test_dwell_threshold_turns_visits_into_passes(snap):
    long = CoverageParams(dwell_minutes=45)
    table = presence_by_area(snap, Filters(MAY), long).set_index("area_id")
    assert table.loc["almhult", "visits"] == 0
    assert table.loc["liatorp", "visits"] == 1  # the 60-minute control still counts


def test_kind_filter(snap):
    table = presence_by_area(snap, Filters(MAY, kinds=("foot_patrol",)), CoverageParams())
    assert table.set_index("area_id")["hours"].sum() == pytest.approx(0.5, abs=0.01)
    assert table["controls"].sum() == 0


def test_balance_between_town_and_countryside(snap):
    b = balance(presence_by_area(snap, Filters(MAY), CoverageParams()))
    assert b.town_population == 11003  # SCB 2020
    assert b.countryside_hours > b.town_hours  # the control and the track's far legs
    assert 0 < b.countryside_share_hours < 100
    expected = (b.countryside_hours / b.countryside_population) / (b.town_hours / 11003)
    assert b.ratio == pytest.approx(expected)


def test_weekly_balance_sums_to_the_period(snap):
    weekly = weekly_balance(snap, Filters(MAY))
    table = presence_by_area(snap, Filters(MAY), CoverageParams())
    assert weekly["town_hours"].sum() + weekly["countryside_hours"].sum() == pytest.approx(
        table["hours"].sum(), abs=0.1
    )
    assert str(weekly["week_start"].iloc[0]) == "2018-04-30"  # the Monday of 3-5 May


def test_gaps_list_areas_without_recent_presence(snap):
    gaps = area_gaps(snap, Filters(MAY), CoverageParams(gap_weeks=4)).set_index("area_id")
    assert "almhult" not in gaps.index and "liatorp" not in gaps.index
    assert "hallaryd" in gaps.index and pd.isna(gaps.loc["hallaryd", "days_without"])
    short = area_gaps(
        snap, Filters(custom_period("2018-05-01", "2018-06-30")), CoverageParams(gap_weeks=4)
    ).set_index("area_id")
    # the track ends in Liatorp on 5 May 09:00; 1 July 00:00 is 56.6 days later
    assert short.loc["liatorp", "days_without"] == 56


def test_spot_follow_up_radius_and_window(snap):
    spots = snap.problem_spots
    out = spot_follow_up(snap, spots, CoverageParams()).set_index("uid")
    town_uid, far_uid = spots["uid"]
    assert bool(out.loc[town_uid, "followed_up"]) is True
    assert out.loc[town_uid, "nearest_m"] == 0
    assert out.loc[town_uid, "first_within"] == ts("2018-05-03 20:00")
    assert bool(out.loc[far_uid, "followed_up"]) is False
    assert out.loc[far_uid, "nearest_m"] > 300
    narrow = spot_follow_up(snap, spots, CoverageParams(spot_days=1)).set_index("uid")
    assert not narrow["followed_up"].any()  # nothing on 1 May itself
    assert out["followed_up"].tolist() == spot_follow_up_naive(snap, spots, CoverageParams())


def test_roads_without_controls(store):
    store.add("presence", presence())  # at Liatorp
    roads = pd.DataFrame(
        {
            "road": ["Lv 124", "Väg 592"],
            "locality": ["Liatorp", "Pjätteryd"],
            "heavy_per_day": [450, None],
        }
    )
    store.add(
        "roads",
        gpd.GeoDataFrame(
            roads,
            geometry=[
                LineString(
                    [(LIATORP[0], LIATORP[1] + 0.001), (LIATORP[0] - 0.02, LIATORP[1] + 0.03)]
                ),
                LineString([(14.024, 56.639), (14.06, 56.61)]),
            ],
            crs=4326,
        ),
    )
    snap = load_snapshot(store)
    out = road_controls(snap, Filters(MAY), CoverageParams())
    assert out["controls"].tolist() == [1, 0]
    assert out["vehicles_checked"].tolist() == [40, 0]


def test_balance_ignores_the_area_filter_but_the_table_does_not(snap):
    from geo.coverage import table_and_balance

    table, everywhere = table_and_balance(snap, Filters(MAY), CoverageParams())
    dio_table, dio_balance = table_and_balance(snap, Filters(MAY, areas=("dio",)), CoverageParams())
    assert dio_table["area_id"].tolist() == ["dio"] and len(table) > 1
    assert dio_balance == everywhere == balance(table)


def test_spots_belong_to_a_period_from_their_report_on():
    """Reported by the period's last local day: in it (earlier ones stay open problems);
    reported after its end: not yet known then. A date that cannot be read is kept."""
    from geo.coverage import reported_by

    spots = pd.DataFrame(
        {"reported": ["2018-03-15", "2018-05-01", "2018-05-31", "2018-06-01", "2018-09-20", None]}
    )
    assert reported_by(spots, MAY).tolist() == [True, True, True, False, False, True]
    assert reported_by(spots.iloc[:0], MAY).tolist() == []
