"""GeoPackage geometry blobs and WKB read on arrays (geo/store/_gpkg_blob.py) and the
GeoPackage's stored times as epoch seconds."""

import numpy as np
import pyarrow as pa
import shapely
from shapely.geometry import LineString, Point

from geo.store import _gpkg_blob as blob
from geo.store.gpkg import _epoch_seconds


def test_points_are_read_from_wkb_buffers_and_everything_else_through_shapely():
    values = [
        shapely.to_wkb(Point(14.1, 56.5), byte_order=1),  # the fast path
        shapely.to_wkb(Point(14.2, 56.6), byte_order=0),  # big endian: shapely
        shapely.to_wkb(LineString([(14.0, 56.0), (14.1, 56.1)])),
        None,
        shapely.to_wkb(Point()),  # empty
        shapely.to_wkb(Point(1.5, 2.5, 3.5)),  # 3D: not 21 bytes, read by shapely
    ]
    wkb = pa.chunked_array([pa.array(values[:2], pa.binary()), pa.array(values[2:], pa.binary())])
    point, x, y = blob.wkb_point_xy(wkb)
    assert point.tolist() == [True, True, False, False, False, True]
    np.testing.assert_array_equal(x[point], [14.1, 14.2, 1.5])
    np.testing.assert_array_equal(y[point], [56.5, 56.6, 2.5])
    assert np.isnan(x[~point]).all() and np.isnan(y[~point]).all()
    assert [a.tolist() for a in blob.wkb_point_xy(pa.array([], pa.binary()))] == [[], [], []]


def test_a_slice_of_an_arrow_array_is_read_at_its_own_offset():
    values = [shapely.to_wkb(Point(float(i), 56.0)) for i in range(5)]
    point, x, _ = blob.wkb_point_xy(pa.array(values, pa.binary()).slice(2, 2))
    assert point.tolist() == [True, True] and x.tolist() == [2.0, 3.0]


def test_stored_times_become_utc_epoch_seconds_whatever_iso_form_they_have():
    text = pa.chunked_array(
        [["2018-05-03T12:30:00Z", "2018-05-03T12:30:00.700+02:00", "2018-05-03 10:30:05"]]
    )
    assert _epoch_seconds(text).tolist() == [1525350600, 1525343400, 1525343405]


def test_every_point_record_is_read_alike_through_arrow_and_through_sqlite(tmp_path):
    """The whole-table read (GDAL's Arrow interface, tracks filtered out by blob size)
    gives what the per-record sqlite3 read gives."""
    import pandas as pd

    from geo.store import GeoPackageStore
    from tests.factories import presence, track, ts

    store = GeoPackageStore(tmp_path / "t.gpkg")
    late = presence(start=ts("2018-05-04 23:30"), end=ts("2018-05-05 00:30"))
    store.add("presence", pd.concat([track(), presence(), track(), late], ignore_index=True))
    with store._read() as tx:
        by_sqlite = store._point_rows(tx, "uid IS NOT NULL", [])
    by_arrow = store._point_rows(None, "", [])  # type: ignore[arg-type]
    assert len(by_arrow) == 2
    assert by_arrow.values.tolist() == by_sqlite.values.tolist()
