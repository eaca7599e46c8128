"""The weekly plan on the demo year: it closes the gaps it says it closes, replayed as
logged presence through a real store; stable per seed; inside its areas and its hours.

Expectations are computed from the data (the demo geography may change), never typed in.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from geo.areas import AreaIndex
from geo.coverage import (
    CoverageParams,
    area_gaps,
    balance,
    presence_by_area,
    road_controls,
    spot_follow_up,
)
from geo.filters import Filters
from geo.model import LOCAL_TZ
from geo.plan import Plan, PlanInputError, PlanRequest, default_shifts, make_plan
from geo.plan.effect import situation
from geo.plan.model import (
    PLAN_KINDS,
    normalise_week,
    shift_window,
    shifts_from_rows,
    week_bounds,
)
from geo.plan.replay import plan_presence, truncated
from geo.snapshot import load_snapshot
from geo.store import GeoPackageStore
from geo.store.base import TimeRange

AMPLE = {"car_patrol": 60.0, "foot_patrol": 20.0, "traffic_control": 16.0}
PARAMS = CoverageParams()


@pytest.fixture(scope="module")
def snap(demo_store):
    return load_snapshot(demo_store)


def weeks_of(snap) -> list[str]:
    start, end = snap.extent().start, snap.extent().end
    mondays = pd.date_range(
        start.tz_convert(LOCAL_TZ).normalize(), end.tz_convert(LOCAL_TZ), freq="W-MON"
    )
    return [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in mondays[5:]]


@pytest.fixture(scope="module")
def gap_week(snap) -> str:
    """The first week of the demo year that starts with villages without presence and
    spots whose follow-up is still open: what the plan is for."""
    for week in weeks_of(snap):
        ws, we = (int(t.timestamp()) for t in week_bounds(week))
        figures = situation(truncated(snap, ws), ws, we, PARAMS).figures()
        if figures["villages_without"] and figures["spots_without_follow_up"]:
            return week
    pytest.fail("the demo year has no week with both village gaps and open spots")


def test_replayed_through_the_store_the_plan_closes_the_gaps_it_states(
    demo_year, gap_week, tmp_path
):
    ws, we = week_bounds(gap_week)
    # The store as it stood when the week was planned: presence up to its start.
    store = GeoPackageStore(tmp_path / "planned.gpkg")
    known = demo_year.presence[demo_year.presence["end"] < ws]
    times = {u: demo_year.vertex_times[u] for u in known["uid"] if u in demo_year.vertex_times}
    store.add("presence", known, vertex_times=times)
    for layer in ("problem_spots", "roads", "dialogues"):
        store.add(layer, getattr(demo_year, layer))
    plan = make_plan(load_snapshot(store), PlanRequest(gap_week, AMPLE, seed=7))
    assert plan.before["villages_without"] > 0
    assert plan.before["spots_without_follow_up"] > 0
    assert plan.unplaced == []

    presence, vertex_times = plan_presence(plan, store.municipality())
    store.add("presence", presence, vertex_times=vertex_times, user="replay")
    done = load_snapshot(store)
    window = Filters(TimeRange(we - pd.Timedelta(weeks=PARAMS.gap_weeks), we))
    gaps = area_gaps(done, window, PARAMS)
    villages = int((gaps["kind"] == "village").sum())
    spots = done.problem_spots
    reported = pd.to_datetime(spots["reported"]).dt.tz_localize(LOCAL_TZ)
    in_week = (reported < ws) & (reported + pd.Timedelta(days=PARAMS.spot_days) > ws)
    follow = spot_follow_up(done, spots[in_week.to_numpy()], PARAMS)
    roads = road_controls(done, window, PARAMS)
    share = balance(presence_by_area(done, window, PARAMS)).countryside_share_hours

    assert villages == plan.after["villages_without"] == 0
    assert int((~follow["followed_up"]).sum()) == plan.after["spots_without_follow_up"] == 0
    assert int((roads["controls"] == 0).sum()) == plan.after["roads_without"]
    assert share == pytest.approx(plan.after["countryside_share"], abs=0.1)
    # Toward the residents' share, from wherever it was.
    target = plan.after["countryside_population_share"]
    assert (
        abs(plan.after["countryside_share"] - target)
        <= abs(plan.before["countryside_share"] - target) + 3.0
    )


def test_same_seed_same_plan_other_seed_another(snap, gap_week):
    a = make_plan(snap, PlanRequest(gap_week, AMPLE, seed=1)).to_dict()
    b = make_plan(snap, PlanRequest(gap_week, AMPLE, seed=1)).to_dict()
    c = make_plan(snap, PlanRequest(gap_week, AMPLE, seed=2)).to_dict()
    assert a == b
    assert json.dumps(a["tours"]) != json.dumps(c["tours"])
    times = lambda d: [s["arrive"] for t in d["tours"] for s in t["stops"]]  # noqa: E731
    assert times(a) != times(c)


@pytest.mark.parametrize("seed", [3, 11])
@pytest.mark.parametrize(
    "hours",
    [AMPLE, {"car_patrol": 4.0, "foot_patrol": 1.5, "traffic_control": 0.8}, {"car_patrol": 200.0}],
)
def test_stops_in_their_areas_and_hours_within_what_was_given(snap, gap_week, seed, hours):
    req = PlanRequest(gap_week, hours, seed=seed)
    plan = make_plan(snap, req)
    used = plan.hours_by_kind()
    for kind in PLAN_KINDS:
        assert used[kind] <= hours.get(kind, 0.0) + 1e-9, kind
    stops = plan.stops
    assert stops
    lon = np.array([s.lon for s in stops])
    lat = np.array([s.lat for s in stops])
    assert list(AreaIndex(snap.areas).assign(lon, lat)) == [s.area_id for s in stops]
    ws, we = week_bounds(req.week)
    for tour in plan.tours:
        t0, t1 = shift_window(req.shifts[tour.shift], ws, we)
        assert t0 <= tour.start <= tour.end <= t1
        assert tour.kind in req.shifts[tour.shift].kinds
        times = [tour.start, *[t for s in tour.stops for t in (s.arrive, s.leave)], tour.end]
        assert times == sorted(times)
        assert all(s.leave - s.arrive >= s.dwell_min * 60 for s in tour.stops)
        assert len({s.place for s in tour.stops}) == len(tour.stops)


def test_open_spots_are_visited_inside_their_follow_up_window(snap, gap_week):
    plan = make_plan(snap, PlanRequest(gap_week, AMPLE, seed=5))
    spots = snap.problem_spots.set_index("uid")
    visits = [s for s in plan.stops if s.reason == "spot_open"]
    assert {s.place.removeprefix("spot:") for s in visits} == set(plan.needs["open_spots"])
    for s in visits:
        day = pd.Timestamp(spots.loc[s.place.removeprefix("spot:"), "reported"], tz=LOCAL_TZ)
        assert day.timestamp() <= s.arrive < (day + pd.Timedelta(days=PARAMS.spot_days)).timestamp()


def test_areas_left_out_get_no_stop_and_are_listed(snap, gap_week):
    first = make_plan(snap, PlanRequest(gap_week, AMPLE, seed=1))
    gap_area = first.needs["gap_areas"][0]
    plan = make_plan(snap, PlanRequest(gap_week, AMPLE, seed=1, exclude=(gap_area,)))
    assert gap_area not in {s.area_id for s in plan.stops}
    assert {"reason": "left_out", "area_id": gap_area}.items() <= plan.unplaced[0].items()


def test_without_hours_nothing_is_planned_and_the_gaps_stay(snap, gap_week):
    plan = make_plan(snap, PlanRequest(gap_week, dict.fromkeys(PLAN_KINDS, 0.0), seed=1))
    assert plan.tours == []
    assert plan.after == plan.before
    assert {u["reason"] for u in plan.unplaced} >= {"gap", "spot_open"}


def test_plan_document_round_trips_through_json(snap, gap_week):
    plan = make_plan(snap, PlanRequest(gap_week, AMPLE, seed=9))
    doc = json.loads(json.dumps(plan.to_dict()))
    assert Plan.from_dict(doc).to_dict() == plan.to_dict()


def test_default_week_has_21_shifts_with_each_kind():
    shifts = default_shifts()
    assert len(shifts) == 21
    assert all(any(k in s.kinds for s in shifts) for k in PLAN_KINDS)


@pytest.mark.parametrize(
    ("rows", "row", "field"),
    [
        ([{"day": 0, "name": "day", "start": "25:00", "hours": 8}], 1, "start"),
        ([{"day": 0, "start": "07:00", "hours": 8}, {"day": 9, "start": "07:00"}], 2, "day"),
        ([{"day": 1, "start": "07:00", "hours": 0}], 1, "hours"),
    ],
)
def test_a_bad_shift_names_its_row_and_field(rows, row, field):
    with pytest.raises(PlanInputError) as err:
        shifts_from_rows(rows)
    assert (err.value.row, err.value.field) == (row, field)


@pytest.mark.parametrize(
    ("text", "week"),
    [
        ("2018-W39", "2018-W39"),
        ("2018-39", "2018-W39"),
        ("2018 v.9", "2018-W09"),
        ("2018 vecka 39", "2018-W39"),
        ("v. 2 2019", "2019-W02"),  # as the page writes it (week_label)
        ("vecka 2, 2019", "2019-W02"),
        ("wk 39 2018", "2018-W39"),
    ],
)
def test_weeks_are_read_as_people_write_them(text, week):
    assert normalise_week(text) == week


def test_a_week_is_written_in_the_readers_words():
    from geo.i18n import translator
    from geo.plan.model import week_words

    assert week_words("2019-W02", translator("sv")) == "v. 2 2019"
    assert week_words("2019-W02", translator("en")) == "wk 2 2019"
    assert normalise_week(week_words("2018-W39", translator("sv"))) == "2018-W39"


def test_hours_are_read_with_a_decimal_comma_or_point():
    from geo.plan.model import hours_from_values

    hours = hours_from_values({"car_patrol": "40", "foot_patrol": "12,5", "traffic_control": 2.5})
    assert hours == {"car_patrol": 40.0, "foot_patrol": 12.5, "traffic_control": 2.5}
    with pytest.raises(PlanInputError) as err:
        hours_from_values({"car_patrol": "40", "foot_patrol": "tolv"})
    assert err.value.field == "foot_patrol"


@pytest.mark.parametrize("week", ["2018-W60", "vecka 39", "39"])
def test_a_bad_week_is_refused(snap, week):
    with pytest.raises(PlanInputError) as err:
        make_plan(snap, PlanRequest(week, AMPLE))
    assert err.value.field == "week"


def test_an_unknown_area_to_leave_out_is_refused(snap, gap_week):
    with pytest.raises(PlanInputError) as err:
        make_plan(snap, PlanRequest(gap_week, AMPLE, exclude=("atlantis",)))
    assert err.value.field == "exclude"


def test_default_week_follows_the_data_but_never_beyond_next_week():
    from geo.plan.model import default_week

    now = pd.Timestamp("2026-03-04 10:00", tz="UTC")  # a Wednesday, week 10
    assert default_week(pd.Timestamp("2019-01-01", tz="UTC"), now) == "2019-W02"
    assert default_week(pd.Timestamp("2026-03-04 09:00", tz="UTC"), now) == "2026-W11"
