"""Retention: old GPS tracks become area stays; hours and visits per area stay the same."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd

from geo.coverage import CoverageParams, presence_by_area
from geo.filters import Filters, custom_period
from geo.retention import apply_retention, area_anchors
from geo.snapshot import load_snapshot
from geo.store import GeoPackageStore

MAY = Filters(custom_period("2018-05-01", "2018-05-31"))


def test_old_tracks_lose_their_route_but_keep_area_hours(demo_store, tmp_path):
    path = tmp_path / "copy.gpkg"
    shutil.copy(demo_store.path, path)
    store = GeoPackageStore(path)
    before = load_snapshot(store)
    # "Now" is 1 July 2018 and tracks are kept 45 days: everything up to mid-May is reduced.
    n = apply_retention(store, 45, pd.Timestamp("2018-07-01", tz="UTC"))
    assert n > 0
    after = load_snapshot(store)
    anchors = set(area_anchors(store).values())
    presence = after.presence
    reduced = presence["location_precision"] == "area"
    assert reduced.sum() == n
    assert (presence.loc[reduced, "end"] < pd.Timestamp("2018-05-17", tz="UTC")).all()
    old = after.fixes.t < int(pd.Timestamp("2018-05-10", tz="UTC").timestamp())
    old_places = set(zip(after.fixes.lon[old], after.fixes.lat[old], strict=True))
    points = presence[presence.geometry.geom_type == "Point"].geometry  # not tracks: kept
    assert old_places - set(zip(points.x, points.y, strict=True)) <= anchors
    old_before = before.fixes.t < int(pd.Timestamp("2018-05-10", tz="UTC").timestamp())
    assert old.sum() < old_before.sum() / 4  # two fixes per stay instead of one a minute
    early_may = Filters(custom_period("2018-05-01", "2018-05-09"))
    for f in (early_may, MAY):
        a = presence_by_area(before, f, CoverageParams())
        b = presence_by_area(after, f, CoverageParams())
        assert np.allclose(a["hours"], b["hours"], atol=0.3)
        assert (a["visits"] == b["visits"]).all()
    # Recent tracks are untouched, and a second run finds nothing more to do.
    recent = presence["start"] > pd.Timestamp("2018-06-01", tz="UTC")
    assert (presence.loc[recent, "location_precision"] != "area").all()
    assert apply_retention(store, 45, pd.Timestamp("2018-07-01", tz="UTC")) == 0
    assert store.audit_log(limit=1)["action"].tolist() == ["reduce"]
