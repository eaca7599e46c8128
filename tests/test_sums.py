"""Runs and sums kept on write give today's coverage numbers exactly.

The demo year is stored in each backend; a snapshot built from the stored runs must give
the same per-area table, weekly balance, gaps and map hexagons as one built from every
fix, for any day-aligned period, kinds, areas and dwell; the presence_sums table must
equal per-day sums of the fixes and stay right when records are changed or deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from geo.aggregate import hexbin
from geo.coverage import (
    CoverageParams,
    area_gaps,
    presence_by_area,
    stays,
    weekly_balance,
)
from geo.demo import load_demo_year
from geo.filters import Filters, custom_period, period_for
from geo.snapshot import KINDS, Snapshot, load_snapshot
from geo.store import Store
from geo.sums import day_text, runs_from_fixes, sums_from_runs
from tests.factories import DIO, TOWN, presence, track, ts


@pytest.fixture(scope="module")
def demo_pg(pg_database: str) -> Iterator[Store]:
    import psycopg

    from geo.store.postgis import PostGISStore

    schema = "demo_" + uuid.uuid4().hex[:8]
    store = PostGISStore(pg_database, schema=schema, pool_size=2)
    load_demo_year(store)
    try:
        yield store
    finally:
        store.close()
        with psycopg.connect(pg_database, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="module", params=["gpkg", "postgis"])
def demo_both(request: pytest.FixtureRequest) -> Store:
    """The demo year in a GeoPackage and in PostGIS (read only)."""
    return request.getfixturevalue("demo_store" if request.param == "gpkg" else "demo_pg")


@pytest.fixture(scope="module")
def both_snapshots(demo_both: Store) -> tuple[Snapshot, Snapshot]:
    return load_snapshot(demo_both), load_snapshot(demo_both, summary=True)


END = pd.Timestamp("2018-12-31 12:00", tz="Europe/Stockholm")
FILTERS = [
    Filters(period_for("year", END)),
    Filters(period_for("quarter", END)),
    Filters(period_for("4weeks", END)),
    Filters(period_for("week", END)),
    Filters(custom_period("2018-03-25", "2018-03-25")),  # the day summer time starts
    Filters(custom_period("2018-06-10", "2018-07-02"), kinds=("car_patrol",)),
    Filters(custom_period("2018-02-01", "2018-09-30"), areas=("almhult", "dio", "land_dio")),
    Filters(custom_period("2018-10-28", "2018-11-03"), kinds=("foot_patrol", "other")),
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: f"{f.period.start:%m%d}-{f.kinds}")
@pytest.mark.parametrize("dwell", [5.0, 10.0, 45.0])
def test_runs_give_the_coverage_of_every_fix(both_snapshots, filters, dwell):
    full, summary = both_snapshots
    assert summary.fixes.summary and len(summary.fixes) < len(full.fixes)
    params = CoverageParams(dwell_minutes=dwell)
    pd.testing.assert_frame_equal(
        presence_by_area(summary, filters, params), presence_by_area(full, filters, params)
    )
    pd.testing.assert_frame_equal(weekly_balance(summary, filters), weekly_balance(full, filters))
    pd.testing.assert_frame_equal(
        area_gaps(summary, filters, params), area_gaps(full, filters, params)
    )


@pytest.mark.parametrize("filters", FILTERS[:4], ids=lambda f: f"{f.period.start:%m%d}")
def test_runs_give_the_map_hexagons_of_every_fix(both_snapshots, filters):
    full, summary = both_snapshots

    def cells(snap: Snapshot) -> pd.DataFrame:
        fx = snap.fixes
        m = fx.mask(filters.period)
        bins = hexbin(fx.x[m], fx.y[m], fx.dt[m] / 3600).drop(columns=["count", "geometry"])
        return bins.sort_values(["q", "r"]).reset_index(drop=True)

    got, want = cells(summary), cells(full)
    pd.testing.assert_frame_equal(got[["q", "r"]], want[["q", "r"]])
    np.testing.assert_allclose(got["value"], want["value"], rtol=1e-9)


def test_sums_table_is_the_per_day_sum_of_the_fixes(demo_both, both_snapshots):
    full, _ = both_snapshots
    fx = full.fixes
    inside = fx.area >= 0
    frame = pd.DataFrame(
        {
            "area_id": full.area_ids[fx.area[inside]],
            "day": day_text(fx.day[inside]),
            "kind": np.asarray(KINDS)[fx.kind[inside]],
            "seconds": fx.dt[inside],
        }
    )
    want = frame.groupby(["area_id", "day", "kind"], as_index=False).agg(
        seconds=("seconds", "sum"), fixes=("seconds", "size")
    )
    st = stays(fx, inside)  # every stay whole, counted on the day it starts
    first = _first_fixes(fx)
    assert len(first) == len(st)
    st["visit"] = st["seconds"].to_numpy() >= 600
    st["key"] = list(
        zip(
            full.area_ids[fx.area[first]],
            day_text(fx.day[first]),
            np.asarray(KINDS)[fx.kind[first]],
            strict=True,
        )
    )
    got = demo_both.sums()
    assert (
        got[["area_id", "day", "kind"]].values.tolist()
        == want[["area_id", "day", "kind"]].values.tolist()
    )
    np.testing.assert_allclose(got["seconds"], want["seconds"], rtol=1e-9)
    assert got["fixes"].tolist() == want["fixes"].tolist()
    visits = st[st["visit"]].groupby("key").size()
    passes = st[~st["visit"]].groupby("key").size()
    keys = list(zip(got["area_id"], got["day"], got["kind"], strict=True))
    assert got["visits"].tolist() == [int(visits.get(k, 0)) for k in keys]
    assert got["passes"].tolist() == [int(passes.get(k, 0)) for k in keys]
    assert got["visits"].sum() == (st["visit"]).sum() > 0


def _first_fixes(fx) -> np.ndarray:  # noqa: ANN001
    """Index of the first fix of each stay of all fixes inside an area, in order."""
    inside = np.flatnonzero(fx.area >= 0)
    rec, area = fx.rec[inside], fx.area[inside]
    new = np.r_[True, (rec[1:] != rec[:-1]) | (area[1:] != area[:-1]) | (np.diff(inside) != 1)]
    return inside[new]


def test_sums_follow_updates_and_deletes(any_store):
    store = any_store
    uids = store.add(
        "presence",
        pd.concat(
            [track(), track(start=ts("2018-05-04 23:30"), end=ts("2018-05-05 00:30"))],
            ignore_index=True,
        ),
    )
    store.update(
        "presence", uids[0], {"end": ts("2018-05-03 08:20")}, expected_version=1
    )  # the track now ends sooner: new fixes, runs and sums
    expected = sums_from_runs(store.runs())
    got = store.sums()
    assert got["day"].tolist() == day_text(expected["day"].to_numpy())
    np.testing.assert_allclose(got["seconds"], expected["seconds"])
    assert got[["fixes", "visits", "passes"]].values.tolist() == (
        expected[["fixes", "visits", "passes"]].values.tolist()
    )
    assert set(got["day"]) == {"2018-05-03", "2018-05-04", "2018-05-05"}  # over midnight
    store.delete("presence", uids)
    assert store.sums().empty and store.runs().empty


def _sums_agree(store) -> None:  # noqa: ANN001
    expected, got = sums_from_runs(store.runs()), store.sums()
    assert got["day"].tolist() == day_text(expected["day"].to_numpy())
    np.testing.assert_allclose(got["seconds"], expected["seconds"])
    assert got[["area_id", "kind", "fixes", "visits", "passes"]].values.tolist() == (
        expected[["area_id", "kind", "fixes", "visits", "passes"]].values.tolist()
    )


def test_sums_follow_edits_of_point_presence(any_store):
    """A point's runs are computed from its record, not stored: an edit must take off
    what the record counted before it changed (time, place, point to track) and a delete
    what it counted while it still existed."""
    store = any_store
    late = presence(start=ts("2018-05-04 23:30"), end=ts("2018-05-05 00:30"))  # over midnight
    uids = store.add("presence", pd.concat([presence(), late], ignore_index=True))
    _sums_agree(store)
    assert set(store.sums()["day"]) == {"2018-05-03", "2018-05-04", "2018-05-05"}
    store.update("presence", uids[0], {"end": ts("2018-05-03 16:30")}, expected_version=1)
    store.update("presence", uids[1], {"geometry": Point(*DIO)}, expected_version=1)
    _sums_agree(store)
    assert set(store.sums()["area_id"]) == {"liatorp", "dio"}
    store.update(
        "presence", uids[0], {"geometry": LineString([TOWN, DIO])}, expected_version=2
    )  # a point becomes a track: its runs are stored from now on
    _sums_agree(store)
    store.delete("presence", uids)
    assert store.sums().empty and store.runs().empty and store.fixes().empty


def test_runs_split_at_midnight_cells_and_areas():
    fixes = pd.DataFrame(
        {
            "presence_uid": ["a"] * 5 + ["b"] * 2,
            "seq": [0, 1, 2, 3, 4, 0, 1],
            "t": [
                int(ts(x).timestamp())
                for x in (
                    "2018-05-04 23:58",
                    "2018-05-04 23:59",
                    "2018-05-05 00:01",  # next local day: a new run, the same stay
                    "2018-05-05 00:02",
                    "2018-05-05 00:30",  # 28 minutes later: capped at 5 minutes
                    "2018-05-05 10:00",
                    "2018-05-05 11:00",
                )
            ],
            "lon": [14.139, 14.139, 14.139, 14.139, 14.219, 14.139, 14.139],
            "lat": [56.551, 56.551, 56.551, 56.551, 56.636, 56.551, 56.551],
            "kind": ["car_patrol"] * 5 + ["foot_patrol"] * 2,
            "area_id": ["almhult"] * 4 + ["dio"] + ["almhult"] * 2,
        }
    )
    runs = runs_from_fixes(fixes, uncapped={"b"})
    assert runs["stay"].tolist() == [0, 0, 1, 0]
    assert runs["n"].tolist() == [2, 2, 1, 2]
    assert runs["seconds"].tolist() == [180.0, 60.0 + 300.0, 0.0, 3600.0]
    sums = sums_from_runs(runs)
    almhult_car = sums[(sums["area_id"] == "almhult") & (sums["kind"] == "car_patrol")]
    assert almhult_car["seconds"].tolist() == [180.0, 360.0]
    assert almhult_car["visits"].tolist() == [0, 0] and almhult_car["passes"].tolist() == [1, 0]
    foot = sums[sums["kind"] == "foot_patrol"]
    assert foot[["seconds", "visits", "passes"]].values.tolist() == [[3600.0, 1, 0]]
