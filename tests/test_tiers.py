"""The tier views: each role's snapshot holds nothing finer than its tier allows."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.config import Settings
from geo.coverage import (
    CoverageParams,
    area_gaps,
    presence_by_area,
    road_controls,
    spot_follow_up,
    weekly_balance,
)
from geo.crs import to_sweref
from geo.export_data import selected_layers, to_csv_zip
from geo.filters import Filters, custom_period
from geo.i18n import translator
from geo.mapview.basemap import build_base_map
from geo.mapview.layers import build_layers
from geo.model import LOCAL_TZ
from geo.roles import TIERS, Role, tier_for
from geo.snapshot import KINDS, Snapshot, load_snapshot
from geo.store import GeoPackageStore
from geo.tiers import cell_areas, view_for
from geo.views import area_table, control_table, spot_table
from tests.leaks import coordinates, decoded, patrol_leaks

YEAR = Filters(custom_period("2018-01-01", "2018-12-31"))
LATER = pd.Timestamp("2026-11-25", tz="UTC")
t = translator("sv")


@pytest.fixture(scope="module")
def exact(demo_store: GeoPackageStore) -> Snapshot:
    return load_snapshot(demo_store)


@pytest.fixture(scope="module")
def municipality(exact: Snapshot) -> Snapshot:
    return view_for(exact, TIERS[Role.MUNICIPALITY], LATER)


@pytest.fixture(scope="module")
def council(exact: Snapshot) -> Snapshot:
    return view_for(exact, TIERS[Role.COUNCIL], LATER)


def _local(epoch: np.ndarray) -> pd.DatetimeIndex:
    return pd.to_datetime(epoch, unit="s", utc=True).tz_convert(LOCAL_TZ)


def _area_points(snap: Snapshot) -> set[tuple[float, float]]:
    p = snap.areas.geometry.representative_point()
    return set(zip(np.round(p.x, 5), np.round(p.y, 5), strict=True))


def test_unknown_or_missing_role_gets_the_public_tier() -> None:
    assert tier_for(None) == TIERS[Role.COUNCIL]
    assert tier_for("admin") == TIERS[Role.COUNCIL]
    assert tier_for("police") == TIERS[Role.POLICE]


def test_police_view_is_the_exact_snapshot(exact: Snapshot) -> None:
    police = view_for(exact, TIERS[Role.POLICE], LATER)
    assert police.fixes is exact.fixes and police.presence is exact.presence


def test_municipality_fixes_are_area_points_on_monday_midnights(
    exact: Snapshot, municipality: Snapshot
) -> None:
    fx = municipality.fixes
    assert len(fx) > 0 and len(fx) < len(exact.fixes)
    places = set(zip(fx.lon, fx.lat, strict=True))
    assert places <= _area_points(exact)
    local = _local(fx.t)
    assert (local.day_of_week == 0).all() and (local.hour == 0).all() and (local.minute == 0).all()
    # No exact fix position survives anywhere in the arrays.
    exact_xy = set(zip(np.round(exact.fixes.lon, 5), np.round(exact.fixes.lat, 5), strict=True))
    assert not (places & exact_xy - _area_points(exact))


def test_municipality_keeps_hours_and_visits_per_area(
    exact: Snapshot, municipality: Snapshot
) -> None:
    ours = presence_by_area(municipality, YEAR, CoverageParams())
    theirs = presence_by_area(exact, YEAR, CoverageParams())
    # Sums of week cells rounded to 0.1 h: off by at most 0.05 h per week.
    weeks = municipality.published.presence.groupby("area_id").size()
    bound = weeks.reindex(ours["area_id"], fill_value=0).to_numpy() * 0.05 + 0.1
    assert (np.abs(ours["hours"] - theirs["hours"]).to_numpy() <= bound).all()
    assert (ours["visits"] == theirs["visits"]).all()
    assert (ours["controls"] == theirs["controls"]).all()
    assert (ours[["visits_withheld", "controls_withheld"]] == 0).all().all()  # no suppression
    assert ours["days"].isna().all()


def test_municipality_holds_cells_not_records(municipality: Snapshot) -> None:
    p = municipality.presence
    assert len(p) == 0  # no presence record at all: every figure comes from the cells
    assert not {"unit", "note", "updated_by", "created_utc"} & set(p.columns)
    for cells in (municipality.published.presence, municipality.published.controls):
        starts = _local(cells["t0"].to_numpy())
        assert (starts.day_of_week == 0).all() and (starts.hour == 0).all()
    hours = municipality.published.presence["hours"]
    assert np.allclose(hours, hours.round(1))
    assert set(municipality.published.presence["kind"]) <= set(KINDS)
    assert municipality.published.public is not None  # for its (public) handouts


def test_municipality_spots_exact_with_follow_up_read_from_its_week_cells(
    exact: Snapshot, municipality: Snapshot
) -> None:
    spots = municipality.problem_spots
    assert spots.geometry.equals(exact.problem_spots.geometry)
    assert not {"followed_up", "first_within", "updated_by"} & set(spots.columns)
    ours = spot_follow_up(municipality, spots, CoverageParams())
    assert ours["nearest_m"].isna().all()  # a distance to a patrol is finer than the area
    # The rule, by hand: a week cell of the spot's area overlapping the 14 days after.
    cells = municipality.published.presence
    for spot, flag in zip(spots.itertuples(), ours["followed_up"], strict=True):
        start = pd.Timestamp(spot.reported, tz=LOCAL_TZ).timestamp()
        weeks = cells.loc[cells["area_id"] == spot.area_id, "t0"]
        near = ((weeks < start + 14 * 86400) & (weeks + 7 * 86400 > start - 3600)).any()
        assert bool(flag) == bool(near), spot.uid
    firsts = pd.Series(ours["first_within"]).dropna()
    assert len(firsts) and all(v.hour == 0 and v.day_of_week == 0 for v in firsts)


def test_council_fixes_are_month_starts_and_delayed(exact: Snapshot) -> None:
    now = pd.Timestamp("2018-07-10", tz="UTC")
    view = view_for(exact, TIERS[Role.COUNCIL], now)
    local = _local(view.fixes.t)
    assert (local.day == 1).all() and (local.hour == 0).all()
    # Two weeks before 10 July is 26 June: June is not over then, so May is the last month.
    assert local.max() == pd.Timestamp("2018-05-01", tz=LOCAL_TZ)
    last = _local(view.published.controls["t0"].to_numpy()).max()
    assert last == pd.Timestamp("2018-05-01", tz=LOCAL_TZ)


def test_council_tables_withhold_small_counts(exact: Snapshot, council: Snapshot) -> None:
    march = Filters(custom_period("2018-03-01", "2018-03-31"))
    table = presence_by_area(council, march, CoverageParams())
    # Months count whole weeks: March 2018 is the weeks of 26 February to 1 April.
    march_weeks = Filters(custom_period("2018-02-26", "2018-04-01"))
    exact_table = presence_by_area(exact, march_weeks, CoverageParams())
    small = (exact_table["visits"] > 0) & (exact_table["visits"] < 3)
    assert small.any(), "the demo month should have an area with one or two visits"
    # One month is one cell per area: a withheld cell counts as its least value, 1.
    assert (table.loc[small, "visits_withheld"] == 1).all()
    assert (table.loc[small, "visits"] == 1).all()
    assert (table.loc[exact_table["visits"] == 0, "visits"] == 0).all()
    assert (table["hours"] == table["hours"].round(0)).all()
    shown = area_table(table, t)
    assert t("col_days") not in shown.columns
    assert set(shown.loc[small.to_numpy(), t("col_visits")]) == {"minst 1"}


def test_council_spots_on_the_grid_without_follow_up(exact: Snapshot, council: Snapshot) -> None:
    spots = council.problem_spots
    x, y = to_sweref(shapely.get_x(spots.geometry.array), shapely.get_y(spots.geometry.array))
    ex, ey = to_sweref(
        shapely.get_x(exact.problem_spots.geometry.array),
        shapely.get_y(exact.problem_spots.geometry.array),
    )
    # Cell centres (rounding to 5 decimals moves them by under a metre).
    assert np.allclose(np.asarray(x) % 500, 250, atol=2)
    assert np.allclose(np.asarray(y) % 500, 250, atol=2)
    moved = np.hypot(np.asarray(x) - ex, np.asarray(y) - ey)
    assert (moved <= 500 / np.sqrt(2) + 2).all() and moved.max() > 50
    assert {"updated_by", "created_utc"}.isdisjoint(spots.columns)
    assert all(d.endswith("-01") for d in spots["reported"])
    follow = spot_follow_up(council, spots, CoverageParams())
    assert follow["followed_up"].isna().all()
    table = spot_table(council, YEAR, CoverageParams(), t)
    assert t("col_followed_up") not in table.columns
    assert t("col_nearest_m") not in table.columns


def test_council_spots_stay_in_their_village_the_area_read_from_the_cell(
    exact: Snapshot, council: Snapshot
) -> None:
    shown = council.problem_spots.set_index("uid")["area_id"]
    true = exact.problem_spots.set_index("uid")["area_id"].reindex(shown.index)
    areas = exact.areas
    localities = set(areas.loc[areas["kind"] != "countryside", "id"])
    in_locality = true.isin(localities).to_numpy()
    assert in_locality.sum() > 20
    # A village's spot near its edge stays the village's (the demo's Delary spots, whose
    # cells are mostly countryside); what is told depends on the cell only.
    assert (shown[in_locality] == true[in_locality]).all()
    cells = cell_areas(areas, np.asarray(exact.problem_spots.geometry.array), 500.0)
    assert list(shown) == list(cells)


def test_council_dialogues_and_activities_carry_no_names(council: Snapshot) -> None:
    assert "organisers" not in council.dialogues.columns
    assert "note" not in council.activities.columns
    assert "updated_by" not in council.activities.columns
    assert all(d.endswith("-01") for d in council.activities["date"])


def test_council_control_table_is_area_by_month(council: Snapshot) -> None:
    table = control_table(council, YEAR, t)
    assert len(table) > 0
    assert table[t("col_start")].str.fullmatch(r"\d{4}-\d{2}").all()
    assert t("control_type") not in table.columns  # types are not in the public table
    counts = table[t("col_controls")].astype(str)
    withheld = counts.str.startswith("minst ")
    numbers = pd.to_numeric(counts[~withheld].str.replace("\u00a0", ""))
    assert not ((numbers > 0) & (numbers < 3)).any()  # a cell of 1-2 is never shown
    assert withheld.any()
    assert table.loc[withheld, t("col_vehicles_checked")].str.startswith("minst ").all()


def test_every_table_runs_on_a_month_with_withheld_counts(council: Snapshot) -> None:
    from geo.views import gap_table, incident_table, road_table

    december = Filters(custom_period("2018-12-01", "2018-12-31"))
    roads = road_table(council, december, CoverageParams(), t)
    assert roads[t("col_controls")].astype(str).str.startswith("minst").any()  # withheld
    assert len(spot_table(council, december, CoverageParams(), t))
    assert len(control_table(council, december, t))
    gap_table(area_gaps(council, december, CoverageParams()), t, council.tier.time_unit)
    incident_table(council.incidents, december, t)


def test_road_controls_survive_the_coarse_positions(
    exact: Snapshot, municipality: Snapshot
) -> None:
    ours = road_controls(municipality, YEAR, CoverageParams())
    theirs = road_controls(exact, YEAR, CoverageParams())
    assert (ours["controls"].to_numpy() == theirs["controls"].to_numpy()).all()


def test_council_balance_is_monthly(council: Snapshot) -> None:
    monthly = weekly_balance(council, YEAR)
    assert monthly.columns[0] == "month_start"
    assert len(monthly) == 12


def test_coarse_gaps_only_when_the_whole_unit_is_old(exact: Snapshot, council: Snapshot) -> None:
    period = Filters(custom_period("2018-06-01", "2018-06-30"))
    gaps = set(area_gaps(council, period, CoverageParams())["area_id"])
    exact_gaps = set(area_gaps(exact, period, CoverageParams())["area_id"])
    assert gaps <= exact_gaps  # never a gap the exact data does not have


def full_map(snap: Snapshot, filters: Filters) -> tuple[str, str]:
    """The overview map with every layer as HTML, and how it drew presence."""
    table = presence_by_area(snap, filters, CoverageParams())
    layers = build_layers(snap, filters, CoverageParams(), table, t)
    m = build_base_map(snap, Settings(tile_url=""), t)
    for group in layers.groups:
        group.add_to(m)
    return m.get_root().render(), layers.presence_mode


def test_council_map_and_export_hold_no_patrol_position(exact: Snapshot, council: Snapshot) -> None:
    html, mode = full_map(council, YEAR)
    assert mode == "areas"
    assert coordinates(decoded(html))
    assert patrol_leaks(html, exact) == []
    chosen = selected_layers(council, YEAR)
    assert set(chosen) == {"presence_area_month", "controls_area_month", "problem_spots", "roads"}
    with zipfile.ZipFile(io.BytesIO(to_csv_zip(chosen))) as z:
        files = {n: z.read(n).decode("utf-8") for n in z.namelist()}
    assert patrol_leaks("\n".join(files.values()), exact) == []
    by_month = pd.read_csv(io.StringIO(files["presence_area_month.csv"]))
    assert not ((by_month["visits"] > 0) & (by_month["visits"] < 3)).any()


def test_police_map_holds_the_exact_tracks(exact: Snapshot) -> None:
    html, mode = full_map(exact, Filters(custom_period("2018-05-01", "2018-05-03")))
    assert mode == "raw"
    assert any("exact fix" in p for p in patrol_leaks(html, exact))


def test_periods_widen_to_whole_units() -> None:
    from geo.roles import TimeUnit
    from geo.timeunits import align_period, label, unit_end, unit_start

    week = align_period(custom_period("2018-03-07", "2018-03-08"), TimeUnit.WEEK)
    assert (str(week.start.date()), str(week.end.date())) == ("2018-03-05", "2018-03-12")
    month = align_period(custom_period("2018-03-30", "2018-04-02"), TimeUnit.MONTH)
    assert (str(month.start.date()), str(month.end.date())) == ("2018-03-01", "2018-05-01")
    # Across the DST switch (25 March 2018) the unit still starts at local midnight.
    t = np.array([int(pd.Timestamp("2018-03-28 12:00", tz=LOCAL_TZ).timestamp())])
    start = pd.Timestamp(int(unit_start(t, TimeUnit.WEEK)[0]), unit="s", tz="UTC")
    assert start.tz_convert(LOCAL_TZ) == pd.Timestamp("2018-03-26", tz=LOCAL_TZ)
    end = pd.Timestamp(int(unit_end(t, TimeUnit.MONTH)[0]), unit="s", tz="UTC")
    assert end.tz_convert(LOCAL_TZ) == pd.Timestamp("2018-04-01", tz=LOCAL_TZ)
    when = pd.Timestamp("2018-03-28 14:05", tz=LOCAL_TZ)
    assert [label(when, u) for u in TimeUnit] == ["2018-03-28 14:05", "2018 v.13", "2018-03"]


def test_the_municipality_change_list_shows_roles_and_weeks() -> None:
    from geo.tiers import audit_for

    log = pd.DataFrame(
        {
            "id": [3, 2, 1],
            "ts_utc": ["2018-05-09T13:37:00Z", "2018-05-08T07:05:00Z", "2018-05-01T10:00:00Z"],
            "user": ["Planerare", "samordnare", "import"],
            "action": ["update", "add", "add"],
            "layer": ["problem_spots"] * 3,
            "uid": ["a", "b", "c"],
            "before": [None] * 3,
            "after": [None] * 3,
        }
    )
    names = {"planerare": "polis", "samordnare": "kommun"}
    shown = audit_for(log, TIERS[Role.MUNICIPALITY], names, "övriga")
    assert shown["user"].tolist() == ["polis", "kommun", "övriga"]
    assert shown["ts_utc"].tolist() == ["2018 v.19", "2018 v.19", "2018 v.18"]
    assert shown["id"].tolist() == [3, 2, 1]  # undo still names the entry
    assert audit_for(log, TIERS[Role.POLICE], names, "övriga") is log
