"""The store protocol, run against both backends (GeoPackage and PostGIS) through the
parametrised ``any_store`` fixture; file- or server-specific checks say which they need."""

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point

from geo.areas import areas_for_outline, read_boundary_file
from geo.demo import build_demo_year
from geo.errors import ConflictError, NotFoundError, ValidationError
from geo.store import GeoPackageStore, TimeRange
from tests.conftest import ROOT, shared_file, store_location
from tests.factories import DIO, LIATORP, presence, spot, track, ts


@pytest.fixture
def store(any_store):
    return any_store


@pytest.fixture
def gpkg_store(tmp_path: Path) -> GeoPackageStore:
    return GeoPackageStore(tmp_path / "test.gpkg")


def test_presence_round_trip_with_area_and_fixes(store):
    uids = store.add("presence", pd.concat([presence(), track()], ignore_index=True))
    back = store.query("presence").set_index("uid")
    assert list(back.index) == uids
    ctrl = back.loc[uids[0]]
    assert ctrl["kind"] == "traffic_control"
    assert ctrl["start"] == ts("2018-05-03 14:30")
    assert ctrl["vehicles_checked"] == 40
    assert ctrl["area_id"] == "liatorp"
    assert ctrl["version"] == 1
    assert back.loc[uids[1]].geometry.geom_type == "LineString"
    fixes = store.fixes()
    assert fixes.groupby("presence_uid").size().to_dict() == {uids[0]: 2, uids[1]: 3}
    assert fixes.set_index("presence_uid").loc[uids[1], "area_id"].tolist() == [
        "almhult",
        "dio",
        "liatorp",
    ]


def _fix_rows(store, table: str = "presence_fixes") -> list[str]:
    with store._read() as tx:
        return [row[0] for row in store._exec(tx, f"SELECT presence_uid FROM {table}")]


def test_a_points_fixes_are_implied_by_the_record_not_stored(store):
    """A point presence's fixes (its start and its end, at its position, in its area) are
    no rows of their own: every read derives them from the record, alike on both
    backends, the same as the writer computes them for the runs and sums."""
    uids = store.add("presence", pd.concat([presence(), track()], ignore_index=True))
    assert sorted(set(_fix_rows(store))) == [uids[1]]  # only the track's vertices
    assert sorted(set(_fix_rows(store, "presence_runs"))) == [uids[1]]  # and its runs
    runs = store.runs()
    assert runs["presence_uid"].value_counts()[uids[0]] == 1  # the point's, computed
    mine = runs[runs["presence_uid"] == uids[0]].iloc[0]
    assert (mine["area_id"], mine["kind"], mine["n"], mine["seconds"]) == (
        "liatorp", "traffic_control", 2, 3600.0
    )  # fmt: skip
    pd.testing.assert_frame_equal(store.runs([uids[0]]), runs[runs["presence_uid"] == uids[0]]
                                  .reset_index(drop=True))  # fmt: skip
    start, end = ts("2018-05-03 14:30"), ts("2018-05-03 15:30")
    point = store.fixes().set_index("presence_uid").loc[[uids[0]]]
    assert point["seq"].tolist() == [0, 1]
    assert point["t"].tolist() == [int(start.timestamp()), int(end.timestamp())]
    assert point["lon"].tolist() == [LIATORP[0]] * 2 and point["lat"].tolist() == [LIATORP[1]] * 2
    assert point["kind"].tolist() == ["traffic_control"] * 2
    assert point["area_id"].tolist() == ["liatorp"] * 2
    # a period holding the start only gives the start; fixes_of gives the record's own
    half = store.fixes(TimeRange(start - pd.Timedelta(minutes=5), start + pd.Timedelta(minutes=5)))
    assert half[["presence_uid", "seq"]].values.tolist() == [[uids[0], 0]]
    of = store.fixes_of([uids[0]])
    assert of.values.tolist() == point.reset_index()[list(of.columns)].values.tolist()
    assert store.fixes_of(uids)["presence_uid"].tolist() == sorted(uids[:1] * 2 + uids[1:] * 3)
    assert store.sums()["fixes"].sum() == 5  # the runs and sums count every fix


def test_validated_rows_are_only_checked_against_the_outline_as_it_is_now(store):
    """An import's accepted rows are not validated twice; their positions are, since the
    outline may have changed between the dry run and the commit."""
    from geo.model import validate

    outside = validate("presence", presence(geometry=Point(13.0, 55.6)), None)
    with pytest.raises(ValidationError) as err:
        store.add("presence", outside, validated=True)
    assert (err.value.field, err.value.position) == ("geometry", 0)
    assert store.query("presence").empty and store.audit_log().empty
    clean = validate("presence", presence(), store.municipality())
    assert store.add("presence", clean, validated=True) == clean["uid"].tolist()
    assert len(store.fixes()) == 2


def test_a_store_with_stored_point_fixes_drops_them_once_when_opened(store):
    """Stores written before a point's fixes and runs were implied hold them as rows;
    opening such a store deletes them once, so each is read once and the sums stay."""
    from geo.store import open_store
    from geo.store.common import IMPLIED_FIXES

    uids = store.add("presence", pd.concat([presence(), track()], ignore_index=True))
    every, runs, sums = store.fixes(), store.runs(), store.sums()
    with store._write(bump=False) as tx:  # as the older version wrote them
        old = every[every["presence_uid"] == uids[0]]
        store._insert(tx, "presence_fixes", old.reset_index(drop=True))
        store._insert(tx, "presence_runs", runs[runs["presence_uid"] == uids[0]])
        store._exec(tx, "DELETE FROM meta WHERE key = ?", [IMPLIED_FIXES])
    assert len(store.fixes()) == len(every) + 2  # read twice before the migration
    assert len(store.runs()) == len(runs) + 1
    location, schema = store_location(store)
    again = open_store(location, schema=schema)
    try:
        assert sorted(set(_fix_rows(again))) == [uids[1]]
        assert sorted(set(_fix_rows(again, "presence_runs"))) == [uids[1]]
        pd.testing.assert_frame_equal(again.fixes(), every)
        pd.testing.assert_frame_equal(again.runs(), runs)
        pd.testing.assert_frame_equal(again.sums(), sums)
        again.add("presence", presence(start=ts("2018-05-04 10:00"), end=ts("2018-05-04 11:00")))
        third = open_store(location, schema=schema)  # the migration ran once: nothing new
        assert sorted(set(_fix_rows(third))) == [uids[1]] and len(third.fixes()) == 7
        third.close()
    finally:
        again.close()


@pytest.mark.parametrize("layer", ["problem_spots", "roads", "dialogues", "activities", "promises"])
def test_every_layer_round_trips(store, demo_year, layer):
    frame = getattr(demo_year, layer)
    uids = store.add(layer, frame)
    back = store.query(layer)
    assert back["uid"].tolist() == uids == frame["uid"].tolist()
    for column in frame.columns:
        if column == "geometry":
            expected, got = frame.geometry, back.geometry
            assert all(
                (a is None and b is None) or a.equals_exact(b, 1e-9)
                for a, b in zip(expected, got, strict=True)
            )
        else:
            assert _plain(back[column]) == _plain(frame[column]), column


def _plain(values: pd.Series) -> list[object]:
    """Values with every kind of null as None, for comparing what went in and came out."""
    return [None if pd.isna(v) else v for v in values.astype(object)]


def test_query_by_period_area_and_bbox(store):
    store.add("presence", presence())
    store.add(
        "presence",
        presence(start=ts("2018-06-01 10:00"), end=ts("2018-06-01 11:00"), geometry=Point(*DIO)),
    )
    may = TimeRange(ts("2018-05-01"), ts("2018-06-01"))
    assert store.query("presence", period=may)["area_id"].tolist() == ["liatorp"]
    assert store.query("presence", areas=["dio"])["area_id"].tolist() == ["dio"]
    bbox = (DIO[0] - 0.01, DIO[1] - 0.01, DIO[0] + 0.01, DIO[1] + 0.01)
    assert store.query("presence", bbox=bbox)["area_id"].tolist() == ["dio"]
    assert len(store.fixes(may)) == 2


def test_update_checks_version_and_reassigns_area(store):
    (uid,) = store.add("problem_spots", spot())
    v2 = store.update(
        "problem_spots",
        uid,
        {"status": "done", "response": "Belysning satt upp", "geometry": Point(*DIO)},
        expected_version=1,
    )
    assert v2 == 2
    row = store.get("problem_spots", uid).iloc[0]
    assert (row["status"], row["area_id"], row["version"]) == ("done", "dio", 2)
    with pytest.raises(ConflictError, match="changed by someone else"):
        store.update("problem_spots", uid, {"status": "new"}, expected_version=1)
    assert store.get("problem_spots", uid).iloc[0]["status"] == "done"


def test_invalid_update_changes_nothing(store):
    (uid,) = store.add("problem_spots", spot())
    with pytest.raises(ValidationError, match="status"):
        store.update("problem_spots", uid, {"status": "solved"}, expected_version=1)
    assert store.get("problem_spots", uid).iloc[0]["version"] == 1


def test_delete_is_all_or_nothing(store):
    uids = store.add("presence", pd.concat([presence(), presence()], ignore_index=True))
    with pytest.raises(NotFoundError):
        store.delete("presence", [uids[0], "no-such-id"])
    assert len(store.query("presence")) == 2
    store.delete("presence", uids)
    assert store.query("presence").empty and store.fixes().empty


def test_bad_batch_writes_nothing(store):
    before = store.data_version()
    frame = pd.concat([presence(), presence(), presence(kind="helicopter")], ignore_index=True)
    with pytest.raises(ValidationError, match="record 3, field 'kind'"):
        store.add("presence", frame)
    assert store.query("presence").empty and store.fixes().empty
    assert store.data_version() == before


def test_same_uid_twice_is_refused(store):
    store.add("problem_spots", spot(uid="abc"))
    with pytest.raises(ValidationError, match="record abc, field 'uid'"):
        store.add("problem_spots", spot(uid="abc"))


def test_writes_are_audited(store):
    (uid,) = store.add("problem_spots", spot(), user="anna")
    store.update("problem_spots", uid, {"status": "done"}, expected_version=1, user="bo")
    log = store.audit_log()
    assert log[["user", "action"]].values.tolist() == [["bo", "update"], ["anna", "add"]]
    assert '"status": "new"' in log["before"].iloc[0]


def _start_writer(code: str, *args: object) -> subprocess.Popen:
    """Another process writing to the store, like a second person saving."""
    script = "import sys\nfrom geo.store import open_store\n" + code
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen) -> None:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, f"writer failed:\n{err}"


SPOT_WRITER = """
from tests.factories import spot
path, schema, who, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s = open_store(path, schema=schema)
for i in range(n):
    s.add("problem_spots", spot(description=f"writer {who} spot {i}"), user=f"w{who}")
"""


def test_concurrent_writers_lose_nothing(store):
    procs = [_start_writer(SPOT_WRITER, *store_location(store), w, 15) for w in range(4)]
    for p in procs:
        _finish(p)
    got = sorted(store.query("problem_spots")["description"])
    assert got == sorted(f"writer {w} spot {i}" for w in range(4) for i in range(15))
    assert store.data_version() == 60


def test_two_editors_of_one_record_do_not_overwrite_each_other(store):
    (uid,) = store.add("problem_spots", spot())
    store.update("problem_spots", uid, {"response": "first"}, expected_version=1)
    with pytest.raises(ConflictError):
        store.update("problem_spots", uid, {"response": "second"}, expected_version=1)
    assert store.get("problem_spots", uid).iloc[0]["response"] == "first"


def test_replace_areas_with_the_real_outline_reassigns(store):
    store.add("presence", pd.concat([presence(), track()], ignore_index=True))
    outline = read_boundary_file(shared_file("sweden-municipalities.geojson"), code="0765")
    store.replace_areas(areas_for_outline(outline), outline)
    assert store.municipality().equals_exact(outline, 1e-9)
    assert store.fixes()["area_id"].notna().all()
    assert set(store.query("presence")["area_id"]) == {"liatorp", "almhult"}


def test_the_area_index_is_built_on_first_use_and_again_after_the_areas_change(store):
    assert len(store.areas()) and store._index_cache is None  # reading areas: no raster
    index = store.area_index()
    assert store.area_index() is index
    outline = read_boundary_file(shared_file("sweden-municipalities.geojson"), code="0765")
    store.replace_areas(areas_for_outline(outline), outline)
    assert store.area_index() is not index
    assert list(store.area_index().ids) == list(store.areas()["id"])


def test_threads_asking_for_the_area_index_at_once_share_one(store):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        indexes = list(pool.map(lambda _: store.area_index(), range(16)))
    assert all(index is indexes[0] for index in indexes)


def test_tables_open_in_gdal_as_in_qgis(store, demo_year):
    """The file, or the PostGIS schema, lists its layers with their CRS in GDAL's
    ``ogrinfo`` (the GeoPackage and PostgreSQL drivers QGIS also reads through)."""
    store.add("problem_spots", demo_year.problem_spots)
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "ogrinfo not found: install Debian's gdal-bin (.ci/run does)"
    location, schema = store_location(store)
    source = location if schema == "-" else f"PG:{location} schemas={schema}"
    out = subprocess.run(
        [ogrinfo, "-ro", "-so", source, "problem_spots"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Feature Count: 40" in out
    assert "GEOGCRS" in out or "WGS 84" in out


def test_gdal_reads_what_sqlite_wrote(gpkg_store, demo_year):
    import pyogrio

    gpkg_store.add("problem_spots", demo_year.problem_spots)
    frame = pyogrio.read_dataframe(
        gpkg_store.path, layer="problem_spots", bbox=(14.10, 56.53, 14.18, 56.57)
    )
    assert len(frame) > 0
    assert set(frame["area_id"]) <= {"almhult", "land_stenbrohult"}


def test_demo_is_seeded_and_repeatable(demo_year):
    from geo.areas import builtin_areas

    again = build_demo_year(builtin_areas())
    assert_geodataframe_equal(demo_year.presence, again.presence)
    assert demo_year.n_fixes == again.n_fixes


TRACK_WRITER = """
import pandas as pd
from tests.factories import track
s = open_store(sys.argv[1], schema=sys.argv[2])
for _ in range(int(sys.argv[3])):
    s.add("presence", pd.concat([track()] * 20, ignore_index=True))
"""


def test_reading_fixes_while_another_process_writes(store):
    writer = _start_writer(TRACK_WRITER, *store_location(store), 40)
    counts = []
    while writer.poll() is None:
        fixes = store.fixes()
        assert len(fixes) % 60 == 0  # whole transactions only: 20 tracks x 3 fixes
        counts.append(len(fixes))
    _finish(writer)
    assert len(store.fixes()) == 40 * 60
    assert counts == sorted(counts) and len(counts) > 1


def _drop_column(store, table: str, column: str) -> None:
    """Make the store look written by an older version (without ``column``)."""
    location, schema = store_location(store)
    if schema == "-":
        import sqlite3

        with sqlite3.connect(location) as conn:
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        return
    import psycopg

    with psycopg.connect(location, autocommit=True) as conn:
        conn.execute(f'ALTER TABLE "{schema}".{table} DROP COLUMN {column}')


def test_older_store_is_migrated_on_open(store):
    from geo.store import open_store

    _drop_column(store, "presence", "location_precision")  # from before location_precision
    location, schema = store_location(store)
    reopened = open_store(location, schema=schema)
    (uid,) = reopened.add("presence", presence(location_precision="municipality"))
    row = reopened.get("presence", uid).iloc[0]
    reopened.close()
    assert row["location_precision"] == "municipality" and pd.isna(row["area_id"])


def _entry(store, action):
    log = store.audit_log()
    return int(log.loc[log["action"] == action, "id"].iloc[0])


def test_undo_an_update_restores_values_and_position(store):
    (uid,) = store.add("problem_spots", spot())
    store.update(
        "problem_spots",
        uid,
        {"status": "done", "response": "Lampor uppsatta", "geometry": Point(*DIO)},
        expected_version=1,
    )
    store.undo(_entry(store, "update"), user="anna")
    row = store.get("problem_spots", uid).iloc[0]
    assert (row["status"], row["area_id"]) == ("new", "almhult")
    assert pd.isna(row["response"])


def test_undo_an_add_and_a_delete(store):
    (uid,) = store.add("presence", presence())
    store.undo(_entry(store, "add"), user="anna")
    assert store.query("presence").empty and store.fixes().empty
    store.undo(_entry(store, "delete"), user="anna")  # the undo's own delete, undone
    back = store.get("presence", uid).iloc[0]
    assert back["vehicles_checked"] == 40 and back["area_id"] == "liatorp"
    assert len(store.fixes()) == 2


def test_undo_is_refused_after_a_later_change(store):
    from geo.errors import GeoError

    (uid,) = store.add("problem_spots", spot())
    store.update("problem_spots", uid, {"status": "acknowledged"}, expected_version=1)
    first = _entry(store, "update")
    store.update("problem_spots", uid, {"status": "done"}, expected_version=2)
    with pytest.raises(GeoError, match="changed again after this entry"):
        store.undo(first)
    assert store.get("problem_spots", uid).iloc[0]["status"] == "done"


def test_a_large_add_written_in_slices_stores_what_one_slice_would(
    any_store, demo_year, monkeypatch, tmp_path
):
    """``add`` prepares and writes big batches a slice of records at a time (memory); the
    records, fixes (GPS times included), runs and sums are the same as in one go."""
    from geo.store import writes

    presence = demo_year.presence.iloc[:60]
    times = {u: t for u, t in demo_year.vertex_times.items() if u in set(presence["uid"])}
    assert times, "the sample needs GPS tracks with their own times"
    whole = GeoPackageStore(tmp_path / "whole.gpkg")  # the same records in one slice
    whole.add("presence", presence, vertex_times=times)
    monkeypatch.setattr(writes, "ADD_SLICE", 7)
    any_store.add("presence", presence, vertex_times=times)
    key = ["presence_uid", "seq"]
    for read in ("fixes", "runs"):
        got = getattr(any_store, read)().sort_values(key).reset_index(drop=True)
        want = getattr(whole, read)().sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)
    sums_key = ["area_id", "day", "kind"]
    got = any_store.sums().sort_values(sums_key).reset_index(drop=True)
    want = whole.sums().sort_values(sums_key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)
    assert any_store.query("presence")["uid"].tolist() == presence["uid"].tolist()


def test_a_simplifying_query_keeps_every_record_and_lines_close(any_store, demo_year):
    """``simplify_m`` (summary snapshots of large stores): the same records, lines with
    fewer vertices, none further than the tolerance from the stored line (EPSG:3006)."""
    import numpy as np
    import shapely

    from geo.store import reads

    presence = demo_year.presence.iloc[:80]
    any_store.add("presence", presence)
    full = any_store.query("presence")
    monkey_rows = reads.SIMPLIFY_ROWS
    reads.SIMPLIFY_ROWS = 7  # several slices
    try:
        thin = any_store.query("presence", simplify_m=25.0)
    finally:
        reads.SIMPLIFY_ROWS = monkey_rows
    assert thin["uid"].tolist() == full["uid"].tolist()
    pd.testing.assert_frame_equal(thin.drop(columns="geometry"), full.drop(columns="geometry"))
    a = np.asarray(full.geometry.to_crs(3006).array)
    b = np.asarray(thin.geometry.to_crs(3006).array)
    lines = shapely.get_type_id(a) == 1
    assert lines.any() and (~lines).any()
    assert (shapely.hausdorff_distance(a[lines], b[lines]) <= 25.0).all()
    assert (
        shapely.get_num_coordinates(b[lines]).sum()
        < shapely.get_num_coordinates(a[lines]).sum() / 3
    )
    assert shapely.equals(a[~lines], b[~lines]).all()  # points as they are
    # both backends keep the same vertices (PostGIS simplifies in SQL, the GeoPackage here)
    here = np.asarray(reads.simplified(full, 25.0).geometry.array)
    assert shapely.equals_exact(np.asarray(thin.geometry.array), here, tolerance=1e-9).all()


def test_large_reads_typed_a_slice_at_a_time_equal_one_read(gpkg_store, demo_year, monkeypatch):
    """The GeoPackage reads many rows (all runs) a slice at a time: the same frame."""
    from geo.store import gpkg

    gpkg_store.add("presence", demo_year.presence.iloc[:40])
    whole = gpkg_store.runs()
    monkeypatch.setattr(gpkg, "READ_ROWS", 13)
    sliced = gpkg_store.runs()
    assert len(whole) > 13 * 3
    pd.testing.assert_frame_equal(sliced, whole)
    assert gpkg_store.runs([]).empty  # and a read of nothing
