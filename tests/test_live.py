"""Edits reach a cached snapshot through the change feed: the patched snapshot equals a
fresh load, in both backends, with fixes or runs, also when another process wrote."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.areas import areas_for_outline, builtin_municipality
from geo.coverage import CoverageParams, presence_by_area, weekly_balance
from geo.filters import Filters, custom_period
from geo.live import RECORD_FIELDS, LiveSnapshot
from geo.snapshot import FixArrays, Snapshot, load_snapshot
from tests.conftest import ROOT, store_location
from tests.factories import DIO, foot_patrol, presence, spot, track, ts

MAY = Filters(custom_period("2018-05-01", "2018-05-31"))


def assert_same_fixes(a: FixArrays, b: FixArrays) -> None:
    """The same fixes, each record's together and in sequence; the order of the records
    may differ (a patch appends an edited record, a fresh load reads a point presence's
    fixes in the records' order) and so may the numbering of their codes."""
    for fx in (a, b):
        blocks = np.r_[True, fx.rec[1:] != fx.rec[:-1]]
        assert blocks.sum() == len(np.unique(fx.rec))  # each record's fixes together
        assert (np.diff(fx.t[fx.by_time]) >= 0).all()  # by_time orders by time
    in_a = np.argsort(a.rec_uids[a.rec], kind="stable")  # by record, sequence kept
    in_b = np.argsort(b.rec_uids[b.rec], kind="stable")
    np.testing.assert_array_equal(a.rec_uids[a.rec][in_a], b.rec_uids[b.rec][in_b])
    for name in ("t", "lon", "lat", "x", "y", "dt", "kind", "area", "day", "week"):
        np.testing.assert_array_equal(getattr(a, name)[in_a], getattr(b, name)[in_b], name)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Values as objects, every null as None: a column all null on one side may have
    another dtype there, the values must still agree."""
    out = pd.DataFrame(frame).reset_index(drop=True).astype(object)
    return out.where(out.notna(), None)


def assert_same(patched: Snapshot, fresh: Snapshot) -> None:
    assert patched.version == fresh.version
    for name in RECORD_FIELDS:
        a, b = getattr(patched, name), getattr(fresh, name)
        pd.testing.assert_frame_equal(_plain(a), _plain(b))
    assert_same_fixes(patched.fixes, fresh.fixes)
    params = CoverageParams()
    pd.testing.assert_frame_equal(
        presence_by_area(patched, MAY, params), presence_by_area(fresh, MAY, params)
    )
    pd.testing.assert_frame_equal(weekly_balance(patched, MAY), weekly_balance(fresh, MAY))


@pytest.mark.parametrize("summary", [False, True], ids=["fixes", "runs"])
def test_every_kind_of_edit_is_patched_not_reloaded(any_store, summary):
    store = any_store
    store.add("presence", pd.concat([presence(), track()], ignore_index=True))
    store.add("problem_spots", spot())
    live = LiveSnapshot(store, summary=summary)
    live.at(store.data_version())
    ctrl, car = store.query("presence")["uid"]
    (spot_uid,) = store.query("problem_spots")["uid"]
    edits = [
        lambda: store.add("problem_spots", spot(description="Ny plats")),
        lambda: store.update("problem_spots", spot_uid, {"status": "done"}, expected_version=1),
        lambda: store.add("presence", foot_patrol("2018-05-07 10:00", "2018-05-07 11:00")),
        lambda: store.update(
            "presence",
            car,
            {"start": ts("2018-05-03 07:30"), "geometry": Point(*DIO)},
            expected_version=1,
        ),
        lambda: store.delete("presence", [ctrl]),
        lambda: store.add(
            "presence", track(start=ts("2018-05-20 22:00"), end=ts("2018-05-21 01:00"))
        ),
    ]
    for edit in edits:
        edit()
        assert_same(live.at(store.data_version()), load_snapshot(store, summary=summary))
    assert (live.reloads, live.patches) == (1, len(edits))


def test_new_areas_make_it_reload(any_store):
    store = any_store
    store.add("presence", track())
    live = LiveSnapshot(store)
    live.at(store.data_version())
    outline = builtin_municipality()
    store.replace_areas(areas_for_outline(outline), outline)
    assert_same(live.at(store.data_version()), load_snapshot(store))
    assert live.reloads == 2


def test_an_edit_through_another_process_is_patched_in(any_store):
    """Two app servers on one store: the writer is another process, the reader patches."""
    store = any_store
    store.add("problem_spots", spot())
    live = LiveSnapshot(store)
    before = live.at(store.data_version())
    location, schema = store_location(store)
    script = (
        "import sys\nfrom geo.store import open_store\nfrom tests.factories import track\n"
        "s = open_store(sys.argv[1], schema=sys.argv[2])\n"
        "s.add('presence', track(), user='server-b')\n"
    )
    subprocess.run([sys.executable, "-c", script, location, schema], cwd=ROOT, check=True)
    after = live.at(store.data_version())
    assert len(before.presence) == 0 and len(before.fixes) == 0  # the old one is untouched
    assert len(after.presence) == 1 and len(after.fixes) == 3
    assert (live.reloads, live.patches) == (1, 1)
    assert_same(after, load_snapshot(store))


def test_large_stores_keep_runs(any_store, monkeypatch):
    from geo import live

    any_store.add("presence", track())
    assert not live.wants_summary(any_store, "auto")
    assert live.wants_summary(any_store, "runs") and not live.wants_summary(any_store, "fixes")
    monkeypatch.setattr(live, "SUMMARY_ABOVE", 2)
    assert live.wants_summary(any_store, "auto")
    with pytest.raises(ValueError, match="auto, fixes or runs"):
        live.wants_summary(any_store, "all")


def test_a_summary_snapshot_keeps_tracks_simplified_also_when_patched(store, demo_year):
    """With runs (large stores) the tracks are kept simplified (``SUMMARY_TRACK_M``), in a
    fresh load and in a record patched in after an edit alike."""
    import shapely

    from geo.snapshot import SUMMARY_TRACK_M

    # (the GeoPackage store of conftest)
    sample = demo_year.presence.iloc[:30]
    lines = sample[sample.geometry.geom_type == "LineString"]
    store.add("presence", sample.iloc[:20])
    live = LiveSnapshot(store, summary=True)
    live.at(store.data_version())
    store.add("presence", sample.iloc[20:])
    patched = live.at(store.data_version())
    full = store.query("presence").set_index("uid").geometry
    kept = patched.presence.set_index("uid").geometry
    assert live.patches == 1 and len(lines) > 3
    a = full.loc[lines["uid"]].to_crs(3006).array
    b = kept.loc[lines["uid"]].to_crs(3006).array
    assert (shapely.hausdorff_distance(a, b) <= SUMMARY_TRACK_M).all()
    assert shapely.get_num_coordinates(b).sum() < shapely.get_num_coordinates(a).sum() / 3
    assert_same(patched, load_snapshot(store, summary=True))
