"""What only the PostGIS backend has: connection settings and credentials, the schema QGIS
reads, a pool shared by threads, a clear error where PostGIS is missing. The protocol
itself is tested against both backends in test_store.py and test_coverage.py."""

from __future__ import annotations

import threading

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from geo.config import Settings
from geo.errors import ConflictError
from geo.store import is_postgres, open_store
from geo.store.postgis import PostGISStore
from geo.store.postgis_schema import layer_ddl
from tests.factories import presence, spot, track


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("postgresql://db.example/almhult", True),
        ("postgres://u@h/db", True),
        ("service=almhult", True),
        ("host=/tmp dbname=almhult", True),
        ("dbname=almhult", True),
        ("data/almhult.gpkg", False),
        ("/srv/data/host=1.gpkg", False),
    ],
)
def test_store_setting_names_the_backend(location, expected):
    assert is_postgres(location) is expected
    settings = Settings.from_env({"ALMHULT_STORE": location})
    assert settings.store == location
    assert bool(settings.store_url) is expected


def test_service_file_supplies_the_connection(pg_store, tmp_path, monkeypatch):
    """A ``service=NAME`` setting reads host, database and user from the service file
    named by PGSERVICEFILE, so nothing but the service name is configured in the app."""
    params = conninfo_to_dict(pg_store.conninfo)
    service_file = tmp_path / "pg_service.conf"
    lines = [f"{k}={v}" for k, v in params.items() if k in ("host", "port", "dbname", "user")]
    service_file.write_text("[almhult_test]\n" + "\n".join(lines) + "\n")
    monkeypatch.setenv("PGSERVICEFILE", str(service_file))
    (uid,) = pg_store.add("problem_spots", spot())
    other = open_store("service=almhult_test", schema=pg_store.schema)
    try:
        assert other.get("problem_spots", uid)["description"].iloc[0] == "Langning vid stationen"
    finally:
        other.close()


def test_schema_is_what_qgis_lists(pg_store):
    """Every layer is a geometry column in EPSG:4326 with a GiST index, in one schema."""
    with psycopg.connect(pg_store.conninfo) as conn:
        columns = dict(
            conn.execute(
                "SELECT f_table_name, type FROM geometry_columns "
                "WHERE f_table_schema = %s AND srid = 4326",
                [pg_store.schema],
            ).fetchall()
        )
        gist = {
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_indexes WHERE schemaname = %s AND indexdef LIKE "
                "'%%USING gist%%'",
                [pg_store.schema],
            )
        }
    assert columns["problem_spots"] == "POINT"
    assert columns["presence"] == "GEOMETRY"  # points and tracks
    assert columns["presence_fixes"] == "POINT"
    assert columns["areas"] == "MULTIPOLYGON"
    assert {"problem_spots", "presence", "presence_fixes", "areas", "roads"} <= gist
    assert "geometry(Point, 4326)" in layer_ddl("problem_spots")


def test_fix_points_are_generated_from_lon_lat(pg_store):
    pg_store.add("presence", track())
    with psycopg.connect(pg_store.conninfo) as conn:
        rows = conn.execute(
            f'SELECT lon, lat, ST_X(geom), ST_Y(geom) FROM "{pg_store.schema}".presence_fixes'
        ).fetchall()
    assert len(rows) == 3 and all(r[0] == r[2] and r[1] == r[3] for r in rows)


def test_threads_share_the_pool_and_lose_nothing(pg_store):
    errors: list[BaseException] = []

    def writer(who: int) -> None:
        try:
            for i in range(8):
                pg_store.add("problem_spots", spot(description=f"{who}-{i}"), user=f"t{who}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(pg_store.query("problem_spots")["description"]) == sorted(
        f"{w}-{i}" for w in range(4) for i in range(8)
    )
    assert pg_store.data_version() == 32


def test_two_servers_editing_one_record(pg_store):
    """Two app servers (two stores on one database): the second save of the same version
    is refused, the first one stays."""
    other = PostGISStore(pg_store.conninfo, schema=pg_store.schema, pool_size=1)
    try:
        (uid,) = pg_store.add("problem_spots", spot())
        other.update("problem_spots", uid, {"status": "done"}, expected_version=1)
        with pytest.raises(ConflictError):
            pg_store.update("problem_spots", uid, {"status": "new"}, expected_version=1)
        assert pg_store.get("problem_spots", uid)["status"].iloc[0] == "done"
    finally:
        other.close()


def test_database_without_postgis_is_refused_clearly(pg_store):
    plain = make_conninfo(pg_store.conninfo, dbname="postgres")
    with pytest.raises(psycopg.OperationalError, match="CREATE EXTENSION postgis"):
        PostGISStore(plain, schema="never_created")


def test_a_failed_write_leaves_no_trace(pg_store):
    before = pg_store.data_version()
    bad = presence(kind="helicopter")
    with pytest.raises(ValueError, match="kind"):
        pg_store.add("presence", bad)
    # the database refuses mid-transaction (a record is not a fix): the version stays
    with pytest.raises(psycopg.errors.Error), pg_store._write() as tx:
        pg_store._insert(tx, "presence_fixes", presence().drop(columns="geometry"))
    assert pg_store.data_version() == before
    assert pg_store.fixes().empty and pg_store.audit_log().empty
