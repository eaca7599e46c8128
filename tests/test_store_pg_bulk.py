"""Large inserts into PostGIS (geo/store/_pg_bulk.py): CSV that PostgreSQL reads back
exactly, indexes and uniqueness built once after a large insert and back afterwards, and a
failed import that leaves every index, constraint and row as it was."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import psycopg
import pytest

from geo.imports import commit
from geo.imports.files import prepare_file
from geo.store import _pg_bulk
from geo.store._writer import background_writer
from tests.test_imports_commit import patrols


def schema_objects(store) -> set[tuple[str, str]]:
    """Every index and constraint of the store's schema, as PostgreSQL defines them."""
    with psycopg.connect(store.conninfo) as conn:
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s", [store.schema]
        ).fetchall()
        constraints = conn.execute(
            "SELECT conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %s",
            [store.schema],
        ).fetchall()
    return set(indexes) | set(constraints)


def test_csv_reads_back_exactly(pg_store):
    """Text with the characters CSV is made of, empty text against missing values, NaN,
    times to the microsecond and large integers survive COPY unchanged."""
    frame = pd.DataFrame(
        {
            "t": ['a;b,"c"\nd', "", None, "Åke's ÄÖ ü"],
            "f": [1.5, np.nan, -0.1, 14.303779873649043],
            "n": pd.array([1, None, 2**53 + 1, 0], dtype="Int64"),
            "ts": pd.to_datetime(
                [
                    "2018-05-03T06:07:08.123456Z",
                    None,
                    "2026-11-26T00:00:00Z",
                    "1999-12-31T23:59:59Z",
                ],
                utc=True,
                format="ISO8601",
            ),
        }
    )
    with psycopg.connect(pg_store.conninfo) as conn:
        conn.execute("SET TimeZone = 'Europe/Stockholm'")
        conn.execute(
            "CREATE TEMP TABLE rows (t text, f double precision, n bigint, ts timestamptz)"
        )
        _pg_bulk.copy_rows(conn, "rows", frame)
        back = conn.execute("SELECT t, f, n, ts FROM rows").fetchall()
    assert [r[0] for r in back] == ['a;b,"c"\nd', "", None, "Åke's ÄÖ ü"]
    assert back[0][1] == 1.5 and back[1][1] is None and back[3][1] == 14.303779873649043
    assert [r[2] for r in back] == [1, None, 2**53 + 1, 0]
    assert [None if r[3] is None else pd.Timestamp(r[3]) for r in back] == [
        None if pd.isna(v) else v for v in frame["ts"]
    ]


def _table_indexes(conn, table: str) -> set[str]:
    """The index names of ``table`` in the connection's own schema (others share names)."""
    sql = "SELECT indexname FROM pg_indexes WHERE tablename = %s AND schemaname = current_schema()"
    return {r[0] for r in conn.execute(sql, [table])}


def test_large_inserts_build_indexes_afterwards_small_ones_keep_them(pg_store):
    """Inside the block a large insert into an empty table runs without its B-trees, GiST
    and UNIQUE index (the primary key stays); after it, all are back. An insert under half
    the table's size keeps them all the time."""
    with psycopg.connect(
        pg_store.conninfo, options=f"-c search_path={pg_store.schema},public"
    ) as conn:
        every = _table_indexes(conn, "presence_fixes")
        assert {"fixes_t", "fixes_uid", "fixes_geom", "presence_fixes_pkey"} <= every
        with conn.transaction():
            with _pg_bulk.bulk_insert(conn, "presence_fixes", _pg_bulk.BULK_ROWS):
                assert _table_indexes(conn, "presence_fixes") == {"presence_fixes_pkey"}
                conn.execute(
                    "INSERT INTO presence_fixes (presence_uid, seq, t, lon, lat, kind) "
                    "SELECT 'p' || g, 0, g, 14.1, 56.5, 'car_patrol' "
                    "FROM generate_series(1, %s) g",
                    [_pg_bulk.BULK_ROWS * 3],
                )
            assert _table_indexes(conn, "presence_fixes") == every
            with _pg_bulk.bulk_insert(conn, "presence_fixes", _pg_bulk.BULK_ROWS):
                assert _table_indexes(conn, "presence_fixes") == every
        with conn.transaction(), _pg_bulk.bulk_insert(conn, "presence", _pg_bulk.BULK_ROWS):
            assert _table_indexes(conn, "presence") == {"presence_pkey"}  # uid UNIQUE too
        assert "presence_uid_key" in _table_indexes(conn, "presence")


def test_a_large_import_keeps_every_index_and_constraint(pg_store):
    before = schema_objects(pg_store)
    (result,) = prepare_file(pg_store, patrols(_pg_bulk.BULK_ROWS + 500), "pass.csv")
    commit(pg_store, result, user="bulk")
    assert schema_objects(pg_store) == before
    assert len(pg_store.query("presence")) == result.accepted
    assert len(pg_store.fixes()) == 2 * result.accepted
    bbox = (14.12, 56.54, 14.14, 56.56)
    everything = pg_store.query("presence")
    x, y = everything.geometry.x, everything.geometry.y
    expected = ((x >= bbox[0]) & (x <= bbox[2]) & (y >= bbox[1]) & (y <= bbox[3])).sum()
    assert len(pg_store.query("presence", bbox=bbox)) == expected > 0
    uid = everything["uid"].iloc[0]
    with psycopg.connect(pg_store.conninfo) as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(
            f'INSERT INTO "{pg_store.schema}".presence (uid, version) VALUES (%s, 1)', [uid]
        )


def test_a_failed_large_import_leaves_nothing(pg_store, monkeypatch):
    before = schema_objects(pg_store)
    (result,) = prepare_file(pg_store, patrols(_pg_bulk.BULK_ROWS + 10), "pass.csv")

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(pg_store), "_changed", fail)  # after the rows and fixes went in
    with pytest.raises(RuntimeError, match="disk full"):
        commit(pg_store, result, user="bulk")
    assert schema_objects(pg_store) == before
    assert pg_store.query("presence").empty and pg_store.fixes().empty


def _rows(conn, *values) -> partial:
    """A job copying ``values`` into the temporary table ``seen``."""
    return partial(_pg_bulk.copy_rows, conn, "seen", pd.DataFrame({"n": pd.array(values, "Int64")}))


def test_the_writer_copies_in_order_and_raises_the_first_failure(pg_store):
    """Jobs land in the order given; a failing job's error is raised (not a later job's),
    so the caller rolls back."""
    with psycopg.connect(pg_store.conninfo) as conn:
        conn.execute("CREATE TEMP TABLE seen (n bigint NOT NULL)")
        with background_writer() as writer:
            for n in range(6):
                writer.submit(_rows(conn, n, n))
        assert [r[0] for r in conn.execute("SELECT n FROM seen")] == sorted([*range(6)] * 2)
        conn.commit()
        with pytest.raises(psycopg.errors.NotNullViolation), background_writer() as writer:  # noqa: PT012
            writer.submit(_rows(conn, 7))
            writer.submit(_rows(conn, None))  # the first failure: the one raised
            writer.submit(_rows(conn, 8))
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM seen WHERE n >= 7").fetchone() == (0,)


def test_a_failure_while_rows_are_queued_stops_the_writer_first(pg_store):
    """The block's own failure is raised, after the writer has stopped: the connection is
    free for the rollback."""
    with psycopg.connect(pg_store.conninfo) as conn:
        conn.execute("CREATE TEMP TABLE seen (n bigint)")
        conn.commit()
        with pytest.raises(KeyError), background_writer() as writer:  # noqa: PT012
            writer.submit(_rows(conn, *range(50_000)))
            raise KeyError("prepared rows were wrong")
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM seen").fetchone() == (0,)
