"""The differencing attacks of issue 12, played against the coarse tiers.

Each attack is a pair of data sets, A and B, that differ only below the published
granularity (inside a withheld cell, inside one area and week, in the kind split the
public table does not publish, ...). The test first shows that the difference is real on
exact data (so the attack has something to find), then collects everything the tier can
see – every table, the balance, gaps, roads, controls, spots, "ni sa – vi gjorde", the
month table, the map's data, the exports and the handout – over the filter and rule
combinations the attack uses, and asserts that A and B look exactly alike: whatever a
viewer combines, they learn nothing finer than the published cell.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from geo.areas import builtin_areas
from geo.config import Settings
from geo.coverage import (
    CoverageParams,
    area_gaps,
    presence_by_area,
    spot_follow_up,
    table_and_balance,
    weekly_balance,
)
from geo.export_data import selected_layers, to_csv_zip
from geo.filters import Filters, custom_period
from geo.handout import HandoutSpec, handout_html
from geo.i18n import translator
from geo.mapview.basemap import build_base_map
from geo.mapview.layers import build_layers
from geo.promise import monthly_presence, year_period, you_said_we_did
from geo.roles import TIERS, Role, Tier
from geo.snapshot import Snapshot, load_snapshot
from geo.store import GeoPackageStore
from geo.tiers import public_view, view_for
from geo.timeunits import cell_start
from geo.views import area_table, control_table, gap_table, road_table, spot_table
from tests.factories import DIO, LIATORP, TOWN, presence, spot, ts

T = translator("sv")
LATER = pd.Timestamp("2026-11-25", tz="UTC")
PUBLIC = TIERS[Role.COUNCIL]
MUNICIPALITY = TIERS[Role.MUNICIPALITY]
RULES = CoverageParams()
_PJ = builtin_areas().set_index("id").geometry["pjatteryd"].representative_point()
PJATTERYD = (round(_PJ.x, 5), round(_PJ.y, 5))  # in the village, whatever its outline
LIATORP_OFF_ROAD = (14.270, 56.6605)  # in Liatorp, about 460 m from Lv 124


def period(first: str, last: str, kinds: tuple[str, ...] | None = None) -> Filters:
    return Filters(custom_period(first, last), kinds=kinds)


YEAR = period("2018-01-01", "2018-12-31")
MAY = period("2018-05-01", "2018-05-31")


def stay(kind: str, start: str, minutes: float, at: tuple[float, float]) -> gpd.GeoDataFrame:
    """Presence standing at one point (lon, lat) for ``minutes`` from ``start`` (local)."""
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


def control(start: str, at: tuple[float, float], vehicles: int, kind: str) -> gpd.GeoDataFrame:
    begin = ts(start)
    return presence(
        start=begin,
        end=begin + pd.Timedelta(hours=1),
        geometry=Point(*at),
        vehicles_checked=vehicles,
        control_type=kind,
    )


def base(store: GeoPackageStore) -> None:
    """What A and B share: town patrols every month, a road, a spot at Diö."""
    rows = [
        stay("foot_patrol", f"2018-{m:02d}-{d:02d} 20:00", 45, TOWN)
        for m in range(1, 13)
        for d in (3, 10, 17, 24)
    ]
    store.add("presence", pd.concat(rows, ignore_index=True))
    road = LineString([(LIATORP[0], LIATORP[1] + 0.001), (LIATORP[0] - 0.02, LIATORP[1] + 0.03)])
    store.add(
        "roads",
        gpd.GeoDataFrame(
            {
                "uid": ["road-lv124"],
                "road": ["Lv 124"],
                "locality": ["Liatorp"],
                "heavy_per_day": [450],
                "heavy_per_day_is_example": [0],
            },
            geometry=[road],
            crs=4326,
        ),
    )
    store.add("problem_spots", spot(reported="2018-05-07", geometry=Point(*DIO), uid="spot-dio"))


def build(folder: Path, records: Iterable[gpd.GeoDataFrame], spots=None) -> Snapshot:
    """Exact snapshot of a fresh store holding :func:`base` plus ``records``."""
    folder.mkdir(parents=True, exist_ok=True)
    store = GeoPackageStore(folder / "store.gpkg")
    base(store)
    store.add("presence", pd.concat(list(records), ignore_index=True))
    if spots is not None:
        store.add("problem_spots", spots)
    return load_snapshot(store)


# ---------------------------------------------------------------- what a viewer sees
Run = tuple[str, Filters, CoverageParams]
IDS = re.compile(r"_[0-9a-f]{32}")  # folium's random element ids


def _export_text(snap: Snapshot, filters: Filters) -> str:
    with zipfile.ZipFile(io.BytesIO(to_csv_zip(selected_layers(snap, filters)))) as z:
        return "\n".join(f"{n}\n{z.read(n).decode('utf-8')}" for n in sorted(z.namelist()))


def _map_text(snap: Snapshot, filters: Filters, params: CoverageParams, table) -> str:
    layers = build_layers(snap, filters, params, table, T)
    m = build_base_map(snap, Settings(tile_url=""), T)
    for group in layers.groups:
        group.add_to(m)
    return IDS.sub("_ID", m.get_root().render())


def seen(snap: Snapshot, runs: list[Run]) -> dict[str, str]:
    """Everything the tier's pages, map, exports and handout show, per run."""
    out: dict[str, str] = {}
    for label, filters, params in runs:
        table, bal = table_and_balance(snap, filters, params)
        tier = snap.tier.time_unit
        gaps = area_gaps(snap, filters, params)
        for name, text in (
            ("areas", area_table(table, T).to_csv()),
            ("balance", repr(bal)),
            ("weekly", weekly_balance(snap, filters).to_csv()),
            ("gaps", gap_table(gaps, T, tier).to_csv()),
            ("spots", spot_table(snap, filters, params, T).to_csv()),
            ("roads", road_table(snap, filters, params, T).to_csv()),
            ("controls", control_table(snap, filters, T).to_csv()),
            ("said", you_said_we_did(snap, params).to_csv()),
            ("map", _map_text(snap, filters, params, table)),
            ("export", _export_text(snap, filters)),
        ):
            out[f"{label}/{name}"] = text
    out["months"] = monthly_presence(snap, 2018).to_csv()
    # Handouts are public: the municipality's pages pass its public view (the carried table).
    handout = handout_html(public_view(snap), HandoutSpec(year_period(2018)), T)
    out["handout"] = IDS.sub("_ID", handout)
    return out


def assert_alike(a: dict[str, str], b: dict[str, str]) -> None:
    differ = [k for k in a if a[k] != b[k]]
    assert not differ, f"A and B differ in {differ[:8]}"


def coarse(exact: Snapshot, tier: Tier) -> Snapshot:
    return view_for(exact, tier, LATER, RULES)


def with_params(runs: list[tuple[str, Filters]], params: CoverageParams = RULES) -> list[Run]:
    return [(label, f, params) for label, f in runs]


# ---------------------------------------------------------------- 1. control types
@pytest.fixture(scope="module")
def controls_pair(tmp_path_factory) -> tuple[Snapshot, Snapshot]:
    """Liatorp, May: three alcohol controls on Lv 124 (a published cell of 3) and, off the
    road, a withheld cell of one control: A a speed control that checked 31 vehicles, B a
    general one that checked 5. The same hour, so the presence cells are the same."""
    on_road = [control(f"2018-05-{d:02d} 14:00", LIATORP, 40, "alcohol_drugs") for d in (2, 9, 16)]
    root = tmp_path_factory.mktemp("controls")
    return (
        build(root / "a", [*on_road, control("2018-05-23 14:00", LIATORP_OFF_ROAD, 31, "speed")]),
        build(root / "b", [*on_road, control("2018-05-23 14:00", LIATORP_OFF_ROAD, 5, "general")]),
    )


def test_control_type_area_and_road_tables_do_not_give_away_a_withheld_control(controls_pair):
    a, b = controls_pair
    exact_a = presence_by_area(a, MAY, RULES).set_index("area_id").loc["liatorp"]
    exact_b = presence_by_area(b, MAY, RULES).set_index("area_id").loc["liatorp"]
    assert (exact_a["controls"], exact_a["vehicles_checked"]) == (4, 151)
    assert (exact_b["controls"], exact_b["vehicles_checked"]) == (4, 125)
    runs = with_params(
        [("may", MAY), ("year", YEAR), ("liatorp", Filters(MAY.period, areas=("liatorp",)))]
    )
    public_a, public_b = coarse(a, PUBLIC), coarse(b, PUBLIC)
    assert_alike(seen(public_a, runs), seen(public_b, runs))
    # What is shown: the road's own cell, and the area as a lower bound; no types.
    shown = area_table(presence_by_area(public_a, MAY, RULES), T).set_index(T("col_name"))
    assert shown.loc["Liatorp", T("col_controls")] == "minst 4"
    cells = public_a.published.controls
    assert cells["vehicles_checked"].isna().sum() == 1  # the off-road cell: withheld whole
    assert road_table(public_a, MAY, RULES, T)[T("col_controls")].tolist() == [3]
    assert T("control_type") not in control_table(public_a, MAY, T).columns
    # The municipality's table withholds nothing: it sees the types and the 31.
    rows = control_table(coarse(a, MUNICIPALITY), MAY, T)
    assert 31 in rows[T("col_vehicles_checked")].tolist()


# ---------------------------------------------------------------- 2. the kind filter
@pytest.fixture(scope="module")
def kinds_pair(tmp_path_factory) -> tuple[Snapshot, Snapshot]:
    """Diö, May: four 30-minute visits; A three by car and one on foot, B two and two."""

    def visits(car: int) -> list[gpd.GeoDataFrame]:
        return [
            stay(
                "car_patrol" if i < car else "foot_patrol",
                f"2018-05-{3 + 7 * i:02d} 10:00",
                30,
                DIO,
            )
            for i in range(4)
        ]

    root = tmp_path_factory.mktemp("kinds")
    return build(root / "a", visits(3)), build(root / "b", visits(2))


KIND_CHOICES = [
    None,
    ("car_patrol", "foot_patrol", "traffic_control", "other"),
    ("car_patrol", "traffic_control", "other"),
    ("foot_patrol",),
    ("car_patrol",),
    (),
]


def test_the_kind_filter_cannot_split_the_public_table(kinds_pair):
    a, b = kinds_pair
    no_foot = Filters(MAY.period, kinds=("car_patrol", "traffic_control", "other"))
    assert presence_by_area(a, no_foot, RULES).set_index("area_id").loc["dio", "visits"] == 3
    assert presence_by_area(b, no_foot, RULES).set_index("area_id").loc["dio", "visits"] == 2
    runs = with_params([(f"kinds={k}", Filters(MAY.period, kinds=k)) for k in KIND_CHOICES])
    public_a = coarse(a, PUBLIC)
    assert_alike(seen(public_a, runs), seen(coarse(b, PUBLIC), runs))
    # And within one data set every kind choice shows the same (all-kinds) figures.
    tables = {
        k: presence_by_area(public_a, Filters(MAY.period, kinds=k), RULES) for k in KIND_CHOICES
    }
    first = tables[None]
    assert first.set_index("area_id").loc["dio", "visits"] == 4
    assert all(t.equals(first) for t in tables.values())


# ---------------------------------------------------------------- 3. overlapping periods
@pytest.fixture(scope="module")
def periods_pair(tmp_path_factory) -> tuple[Snapshot, Snapshot]:
    """Diö: three visits in September; in October A one of 30 minutes, B two of 25."""
    september = [stay("car_patrol", f"2018-09-{d:02d} 10:00", 30, DIO) for d in (4, 11, 18)]
    a = [*september, stay("car_patrol", "2018-10-09 10:00", 30, DIO)]
    b = [*september, *(stay("car_patrol", f"2018-10-{d:02d} 10:00", 25, DIO) for d in (9, 16))]
    root = tmp_path_factory.mktemp("periods")
    return build(root / "a", a), build(root / "b", b)


PERIODS = [
    ("sep", period("2018-09-01", "2018-09-30")),
    ("oct", period("2018-10-01", "2018-10-31")),
    ("sep-oct", period("2018-09-01", "2018-10-31")),
    ("sep-oct4", period("2018-09-01", "2018-10-04")),
    ("sep3", period("2018-09-01", "2018-09-03")),
    ("q3", period("2018-07-01", "2018-09-30")),
    ("q4", period("2018-10-01", "2018-12-31")),
    ("year", YEAR),
]


def test_two_overlapping_periods_do_not_give_away_a_withheld_month(periods_pair):
    a, b = periods_pair
    october = PERIODS[1][1]
    assert presence_by_area(a, october, RULES).set_index("area_id").loc["dio", "visits"] == 1
    assert presence_by_area(b, october, RULES).set_index("area_id").loc["dio", "visits"] == 2
    runs = with_params(PERIODS)
    public_a = coarse(a, PUBLIC)
    assert_alike(seen(public_a, runs), seen(coarse(b, PUBLIC), runs))
    both = area_table(presence_by_area(public_a, PERIODS[2][1], RULES), T).set_index(T("col_name"))
    assert both.loc["Diö", T("col_visits")] == "minst 4"


# ---------------------------------------------------------------- 4. the dwell slider
@pytest.fixture(scope="module")
def dwell_pair(tmp_path_factory) -> tuple[Snapshot, Snapshot]:
    """Diö, the week of 7 May: four stays of 2 h in all; A 4 × 30 min, B 20, 40, 20, 40."""

    def stays(minutes: list[int]) -> list[gpd.GeoDataFrame]:
        return [
            stay("car_patrol", f"2018-05-{8 + i:02d} 10:00", m, DIO) for i, m in enumerate(minutes)
        ]

    root = tmp_path_factory.mktemp("dwell")
    return build(root / "a", stays([30, 30, 30, 30])), build(root / "b", stays([20, 40, 20, 40]))


@pytest.mark.parametrize("tier", [PUBLIC, MUNICIPALITY], ids=["public", "municipality"])
def test_the_visit_length_cannot_recut_the_stays(dwell_pair, tier):
    a, b = dwell_pair
    long_visits = CoverageParams(dwell_minutes=25)
    assert presence_by_area(a, MAY, long_visits).set_index("area_id").loc["dio", "visits"] == 4
    assert presence_by_area(b, MAY, long_visits).set_index("area_id").loc["dio", "visits"] == 2
    runs = [(f"dwell={d}", MAY, CoverageParams(dwell_minutes=d)) for d in (1, 10, 15, 25, 35, 60)]
    view_a = coarse(a, tier)
    assert_alike(seen(view_a, runs), seen(coarse(b, tier), runs))
    per_dwell = {d: presence_by_area(view_a, MAY, CoverageParams(dwell_minutes=d)) for d in (1, 35)}
    assert per_dwell[1].equals(per_dwell[35])


# ---------------------------------------------------------------- 5. ratios
@pytest.fixture(scope="module")
def ratio_pair(tmp_path_factory) -> tuple[Snapshot, Snapshot]:
    """Pjätteryd (112 residents), May: A one stay of 30 min (0.50 h), B one of 42 min."""
    root = tmp_path_factory.mktemp("ratio")
    return (
        build(root / "a", [stay("car_patrol", "2018-05-08 10:00", 30, PJATTERYD)]),
        build(root / "b", [stay("car_patrol", "2018-05-08 10:00", 42, PJATTERYD)]),
    )


@pytest.mark.parametrize("tier", [PUBLIC, MUNICIPALITY], ids=["public", "municipality"])
def test_ratios_and_shares_come_from_the_published_hours(ratio_pair, tier):
    a, b = ratio_pair
    view_a = coarse(a, tier)
    table = presence_by_area(view_a, MAY, RULES)
    # per 1,000 × residents and per km² × km² give back the published hours, no finer.
    known = table["population"].notna()
    assert np.allclose(
        table.loc[known, "hours_per_1000"] * table.loc[known, "population"] / 1000,
        table.loc[known, "hours"],
        atol=0.05 * table.loc[known, "population"] / 1000 + 1e-9,
    )
    assert np.allclose(table["share_hours"].sum(), 100, atol=0.5)
    row = table.set_index("area_id").loc["pjatteryd"]
    assert row["hours"] == (1.0 if tier == PUBLIC else 0.5)  # 0.50 h rounds half up
    if tier == PUBLIC:  # 0.5 and 0.7 h are both 1 published hour: nothing tells them apart
        runs = with_params([("may", MAY), ("year", YEAR)])
        assert_alike(seen(view_a, runs), seen(coarse(b, tier), runs))


# ---------------------------------------------------------------- the municipality's oracle
GRID_STEP_M = 100


def probe_spots() -> gpd.GeoDataFrame:
    """The attacker's import: 144 made-up spots on a 100 m grid around Diö, reported on
    Monday 7 May, and one spot in Diö re-dated to every day of May (31 copies)."""
    lon0, lat0 = DIO
    dlon, dlat = GRID_STEP_M / 61_400, GRID_STEP_M / 111_200
    grid = [
        (lon0 + (i - 5.5) * dlon, lat0 + (j - 5.5) * dlat) for i in range(12) for j in range(12)
    ]
    rows = [
        {"uid": f"grid-{k:03d}", "reported": "2018-05-07", "geometry": Point(*p)}
        for k, p in enumerate(grid)
    ]
    rows += [
        {"uid": f"day-{d:02d}", "reported": f"2018-05-{d:02d}", "geometry": Point(*DIO)}
        for d in range(1, 32)
    ]
    frame = gpd.GeoDataFrame(rows, crs=4326)
    frame["category"], frame["description"], frame["residents"] = "other", "Prov", 1
    frame["status"] = "new"
    return frame


@pytest.fixture(scope="module")
def patrol_pair(tmp_path_factory) -> tuple[Snapshot, Snapshot]:
    """Diö, week of 7 May, 30 minutes on foot: A at the west edge on Tuesday, B at the
    east edge on Thursday. Same area, same week, same published cell."""
    lon0, lat0 = DIO
    west = stay("foot_patrol", "2018-05-08 21:00", 30, (lon0 - 0.004, lat0))
    east = stay("foot_patrol", "2018-05-10 09:00", 30, (lon0 + 0.004, lat0))
    root = tmp_path_factory.mktemp("patrol")
    return build(root / "a", [west], probe_spots()), build(root / "b", [east], probe_spots())


def test_grid_probe_and_redating_learn_nothing_beyond_the_area_week_table(patrol_pair):
    a, b = patrol_pair
    # On exact data the probes work: the flags trace where and on which day the patrol was.
    exact_a = spot_follow_up(a, a.problem_spots, RULES).set_index("uid")["followed_up"]
    exact_b = spot_follow_up(b, b.problem_spots, RULES).set_index("uid")["followed_up"]
    grid = [u for u in exact_a.index if u.startswith("grid-")]
    assert exact_a[grid].any() and not exact_a[grid].all()  # a line across the grid
    assert (exact_a[grid] != exact_b[grid]).any()
    assert exact_a["day-09"] != exact_b["day-09"]  # re-dating finds the day
    # The municipality's view of both data sets is the same, everywhere.
    runs = with_params([("may", MAY), ("year", YEAR), ("dio", Filters(MAY.period, areas=("dio",)))])
    view_a, view_b = coarse(a, MUNICIPALITY), coarse(b, MUNICIPALITY)
    assert_alike(seen(view_a, runs), seen(view_b, runs))
    follow_a = spot_follow_up(view_a, view_a.problem_spots, RULES).set_index("uid")
    follow_b = spot_follow_up(view_b, view_b.problem_spots, RULES).set_index("uid")
    pd.testing.assert_frame_equal(follow_a, follow_b)
    # Within the view, a flag depends on the spot's area and date only: every grid spot
    # of one area gets the same answer, from that area's week cells.
    spots = view_a.problem_spots.set_index("uid")
    by_area = follow_a.loc[grid, "followed_up"].groupby(spots.loc[grid, "area_id"]).nunique()
    assert (by_area == 1).all()
    assert follow_a.loc[
        spots.index[spots["area_id"] == "dio"].intersection(grid), "followed_up"
    ].all()
    firsts = follow_a.loc[[f"day-{d:02d}" for d in range(1, 32)], "first_within"].dropna()
    assert all(v.day_of_week == 0 and v.hour == 0 for v in firsts)  # a week, never a day


# ---------------------------------------------------------------- 7. weeks against months
@pytest.fixture(scope="module")
def month_end_pair(tmp_path_factory) -> tuple[Snapshot, Snapshot]:
    """Diö, week 35 of 2018 (Monday 27 August to Sunday 2 September): three 45-minute foot
    patrols, A on 28, 29 and 30 August, B on 30 August, 1 and 2 September. The same week
    cell; on the calendar, B put two of them in September."""
    days = {"a": ("08-28", "08-29", "08-30"), "b": ("08-30", "09-01", "09-02")}
    root = tmp_path_factory.mktemp("month_end")
    return tuple(  # type: ignore[return-value]
        build(root / k, [stay("foot_patrol", f"2018-{d} 19:00", 45, DIO) for d in v])
        for k, v in days.items()
    )


AUGUST = period("2018-08-01", "2018-08-31")
SEPTEMBER = period("2018-09-01", "2018-09-30")


@pytest.mark.parametrize("tier", [PUBLIC, MUNICIPALITY], ids=["public", "municipality"])
def test_weeks_and_months_nest_so_a_month_end_cannot_be_cut_out_of_a_week(month_end_pair, tier):
    a, b = month_end_pair
    # On the calendar the two differ: September minus its whole weeks is 1-2 September.
    sep_a = presence_by_area(a, SEPTEMBER, RULES).set_index("area_id").loc["dio", "visits"]
    sep_b = presence_by_area(b, SEPTEMBER, RULES).set_index("area_id").loc["dio", "visits"]
    assert (sep_a, sep_b) == (0, 2)
    # The municipality sees week cells on its pages and the public month cells in its
    # handouts (and anyone signed out sees them): neither view tells A from B.
    dio = Filters(SEPTEMBER.period, areas=("dio",))
    runs = with_params([("aug", AUGUST), ("sep", SEPTEMBER), ("year", YEAR), ("dio", dio)])
    assert_alike(seen(coarse(a, tier), runs), seen(coarse(b, tier), runs))


def test_every_public_month_is_the_sum_of_the_municipality_weeks(demo_store):
    exact = load_snapshot(demo_store)
    weeks = coarse(exact, MUNICIPALITY).published.presence
    months = coarse(exact, PUBLIC).published.presence
    week_month = cell_start(weeks["t0"].to_numpy(np.int64) + 3 * 86400, PUBLIC.time_unit)
    summed = weeks.assign(t0=week_month).groupby(["area_id", "t0"])[["visits", "passes"]].sum()
    shown = months.set_index(["area_id", "t0"])
    assert len(shown) > 100
    for column in ("visits", "passes"):
        published = shown[column].dropna()
        assert (summed.loc[published.index, column] == published).all(), column
        withheld = shown.index[shown[column].isna()]
        assert summed.loc[withheld, column].between(1, 2).all(), column


# ---------------------------------------------------------------- 8. a spot at an edge
def _cell_astride(area_id: str, cell_m: float = 500.0) -> tuple[Point, Point, str]:
    """Two points (EPSG:4326) in one ``cell_m`` grid cell: one in ``area_id``, one in the
    area around it (returned too)."""
    areas = builtin_areas().set_index("id").to_crs(3006)
    village = areas.geometry[area_id]
    for x, y in (
        village.exterior.coords
        if village.geom_type == "Polygon"
        else (village.geoms[0].exterior.coords)
    ):
        x0, y0 = np.floor(x / cell_m) * cell_m, np.floor(y / cell_m) * cell_m
        cell = shapely.box(x0, y0, x0 + cell_m, y0 + cell_m)
        inside, outside = cell.intersection(village), cell.difference(village)
        around = [i for i, g in areas.geometry.items() if i != area_id and g.covers(outside)]
        if inside.area > 5_000 and outside.area > 5_000 and around:
            a, b = inside.representative_point(), outside.representative_point()
            pts = gpd.GeoSeries([a, b], crs=3006).to_crs(4326)
            return (
                Point(round(pts[0].x, 6), round(pts[0].y, 6)),
                Point(round(pts[1].x, 6), round(pts[1].y, 6)),
                around[0],
            )
    raise AssertionError(f"no grid cell straddles {area_id}'s edge")


@pytest.fixture(scope="module")
def edge_pair(tmp_path_factory) -> tuple[Snapshot, Snapshot, str]:
    """One spot in a 500 m cell across Delary's edge: A inside the village, B outside."""
    inside, outside, around = _cell_astride("delary")
    root = tmp_path_factory.mktemp("edge")
    town = [stay("foot_patrol", "2018-05-08 19:00", 45, TOWN)]
    a, b = (
        build(root / k, town, spot(reported="2018-05-07", geometry=p, uid="spot-edge"))
        for k, p in (("a", inside), ("b", outside))
    )
    return a, b, around


def test_a_spots_area_comes_from_its_cell_not_its_exact_point(edge_pair):
    a, b, around = edge_pair
    exact_area = {s.problem_spots.set_index("uid").loc["spot-edge", "area_id"] for s in (a, b)}
    assert exact_area == {"delary", around}  # the exact point's area tells the two apart
    runs = with_params(
        [
            ("year", YEAR),
            ("delary", Filters(YEAR.period, areas=("delary",))),
            ("around", Filters(YEAR.period, areas=(around,))),
        ]
    )
    view_a, view_b = coarse(a, PUBLIC), coarse(b, PUBLIC)
    assert_alike(seen(view_a, runs), seen(view_b, runs))
    shown = view_a.problem_spots.set_index("uid").loc["spot-edge"]
    assert shown["area_id"] in exact_area
    # The municipality registers spots: it keeps the exact point and its area.
    kept = coarse(a, MUNICIPALITY).problem_spots.set_index("uid").loc["spot-edge", "area_id"]
    assert kept == "delary"
