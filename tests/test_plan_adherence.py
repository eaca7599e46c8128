"""Planned against done, and plans in the store: versioned, audited, police only."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from geo.editing import Editor, NotAllowedError
from geo.errors import ConflictError
from geo.i18n import translator
from geo.plan import PlanRequest, make_plan
from geo.plan.adherence import (
    adherence,
    plan_evidence,
    stays_near,
    stored_plans,
    weekly_adherence,
)
from geo.plan.planner import replayed_snapshot
from geo.plan.record import plan_uid, save_plan
from geo.promise import scorecard
from geo.roles import TIERS, Role
from geo.snapshot import fix_arrays, load_snapshot
from geo.store import GeoPackageStore
from geo.tiers import view_for

HOURS = {"car_patrol": 30.0, "foot_patrol": 10.0, "traffic_control": 8.0}
WEEK = "2018-W39"  # a week in the demo year; expectations come from the plan itself
NOW = pd.Timestamp("2026-01-01", tz="UTC")


@pytest.fixture(scope="module")
def snap(demo_store):
    return load_snapshot(demo_store)


@pytest.fixture(scope="module")
def plan(snap):
    return make_plan(snap, PlanRequest(WEEK, HOURS, seed=4))


@pytest.fixture
def store(demo_store, tmp_path):
    path = tmp_path / "plans.gpkg"
    shutil.copy(demo_store.path, path)
    return GeoPackageStore(path)


def test_a_plan_kept_to_the_letter_is_fully_kept(snap, plan):
    a = adherence(replayed_snapshot(snap, plan), plan)
    assert a.stops_planned == len(plan.stops) > 0
    assert a.stops_visited == a.stops_planned
    assert a.share == 100
    assert a.gaps_closed == a.gaps_planned > 0
    assert a.hours_done == pytest.approx(a.hours_planned, abs=0.2)


def test_half_a_plan_visits_fewer_stops(snap, plan):
    half = make_plan(snap, PlanRequest(WEEK, HOURS, seed=4))
    half.tours = half.tours[::2]
    a = adherence(replayed_snapshot(snap, half), plan)
    kept = sum(len(t.stops) for t in half.tours)
    assert kept <= a.stops_visited < a.stops_planned
    assert a.hours_done < a.hours_planned


def test_nothing_done_nothing_visited(snap, plan):
    a = adherence(replayed_snapshot(snap, make_plan(snap, PlanRequest(WEEK, {}, seed=1))), plan)
    assert (a.stops_visited, a.gaps_closed, a.hours_done) == (0, 0, 0)


def test_a_stay_counts_when_long_enough_and_near_enough():
    t = np.r_[np.arange(0, 601, 60), np.arange(0, 301, 60) + 5000]
    n1, n2 = 11, 6
    lon = np.r_[np.full(n1, 14.1390), np.full(n2, 14.1391)]
    lat = np.r_[np.full(n1, 56.5510), np.full(n2, 56.5510)]
    rec = np.r_[np.zeros(n1), np.ones(n2)].astype(np.int32)
    dt = np.r_[np.diff(t[:n1]), 0, np.diff(t[n1:]), 0].astype(float)
    fx = fix_arrays(t, lon, lat, dt, np.zeros(t.size, np.int8), np.zeros(t.size, np.int16), rec)
    x, y = fx.x[0], fx.y[0]
    assert list(stays_near(fx, x, y, 50.0)) == [600.0, 300.0]
    assert list(stays_near(fx, x + 5000, y, 300.0)) == []


def test_plans_are_stored_versioned_and_read_back(store, plan):
    police = Editor(store, "planerare", TIERS[Role.POLICE])
    before = load_snapshot(store)
    assert save_plan(police, plan, before.plans) == 1
    snap = load_snapshot(store)
    assert stored_plans(snap)[0].to_dict() == plan.to_dict()
    other = make_plan(snap, PlanRequest(WEEK, HOURS, seed=5))
    assert save_plan(police, other, snap.plans) == 2
    with pytest.raises(ConflictError):
        save_plan(police, other, snap.plans)  # read before the save above
    log = store.audit_log()
    assert {"add", "update"} <= set(log.loc[log["uid"] == plan_uid(WEEK), "action"])
    with pytest.raises(NotAllowedError):
        save_plan(Editor(store, "samordnare", TIERS[Role.MUNICIPALITY]), plan, snap.plans)


def test_adherence_week_by_week_and_in_the_scorecard_for_the_police_only(store, plan):
    save_plan(Editor(store, "planerare", TIERS[Role.POLICE]), plan, load_snapshot(store).plans)
    snap = load_snapshot(store)
    table = weekly_adherence(snap, NOW)
    assert table["week"].tolist() == [WEEK]
    row = table.iloc[0]
    assert 0 <= row["stops_visited"] <= row["stops_planned"] == len(plan.stops)
    t = translator("sv")
    evidence = plan_evidence(snap, 2018, NOW, t)
    assert f"{row['stops_visited']} av {row['stops_planned']}" in evidence
    presence = next(c for c in scorecard(snap, 2018, NOW, t) if c.metric.startswith("presence"))
    assert evidence in presence.evidence
    for role in (Role.MUNICIPALITY, Role.COUNCIL):
        coarse = view_for(snap, TIERS[role], NOW)
        assert coarse.plans.empty
        assert weekly_adherence(coarse, NOW).empty
        assert plan_evidence(coarse, 2018, NOW, t) == ""
        card = next(c for c in scorecard(coarse, 2018, NOW, t) if c.metric.startswith("presence"))
        assert "Veckoplan" not in card.evidence


def test_a_week_not_yet_over_has_no_adherence(store, plan):
    save_plan(Editor(store, "planerare", TIERS[Role.POLICE]), plan, load_snapshot(store).plans)
    snap = load_snapshot(store)
    assert weekly_adherence(snap, pd.Timestamp(plan.week_end - 3600, unit="s", tz="UTC")).empty
