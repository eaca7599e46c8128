"""PostGIS store: one database that several app servers share, and QGIS opens directly.

Same protocol and semantics as the GeoPackage (:mod:`geo.store.writes`,
:mod:`geo.store.reads`); tables in :mod:`geo.store.postgis_schema`. Connections come from a
pool (``psycopg_pool``); credentials never live in the repository: the connection string
is a libpq one (``postgresql://host/db`` or ``service=NAME``), and libpq reads the password
from ``PGPASSWORD``, ``~/.pgpass`` or the service file (``~/.pg_service.conf`` or
``PGSERVICEFILE``). Writers serialise on the data-version row (taken first in every write
transaction), so versions commit in order and optimistic checks see every earlier write;
reads are REPEATABLE READ snapshots. Bulk rows go through ``COPY``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg_pool import ConnectionPool
from shapely.geometry.base import BaseGeometry

from geo.crs import WGS84
from geo.fixes import FIX_COLUMNS, POINT_COLUMNS
from geo.model import SCHEMAS
from geo.store import _pg_bulk
from geo.store import postgis_schema as ddl
from geo.store._writer import background_writer
from geo.store.backend import Tx
from geo.store.base import TimeRange
from geo.store.common import IMPLIED_FIXES, TIME_FMT, area_frame, as_multi, quote
from geo.store.geography_ops import GeographyOps
from geo.store.reads import METRES_PER_DEGREE, Reads

_UID_ARRAY = 100_000  # uids bound as one array parameter
_FIX_TYPES = {"presence_uid": str, "seq": "int64", "t": "int64", "lon": float, "lat": float}


def _py(value: object) -> object:
    """A bound value as psycopg adapts it (numpy scalars, pandas nulls and times)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


class PostGISStore(GeographyOps, Reads):
    """The shared-database store (see module docstring).

    Parameters
    ----------
    conninfo : libpq connection string or URI (no password in it: use the environment,
        ``~/.pgpass`` or a service file).
    schema : the PostgreSQL schema holding the tables; created with the given (or
        built-in) areas when it holds none.
    pool_size : connections kept by this process.
    """

    GEOM_SQL = "ST_GeomFromWKB(?, 4326)"
    GEOM_OUT_SQL = "ST_AsBinary(geom)"

    def __init__(
        self,
        conninfo: str,
        *,
        schema: str = "almhult",
        areas: gpd.GeoDataFrame | None = None,
        municipality: BaseGeometry | None = None,
        name: str = "Älmhults kommun",
        pool_size: int = 4,
    ) -> None:
        self.conninfo = conninfo
        self.schema = schema
        self._geo_cache = None
        self._pool = ConnectionPool(
            conninfo,
            kwargs={"options": f"-c search_path={quote(schema)},public -c TimeZone=UTC"},
            min_size=1,
            max_size=pool_size,
            open=True,
            name=f"almhult-{schema}",
        )
        try:
            self._ensure_schema(areas, municipality, name)
        except BaseException:
            self._pool.close()
            raise

    def __repr__(self) -> str:
        return f"PostGISStore(schema={self.schema!r})"

    def close(self) -> None:
        """Close this process's connections."""
        self._pool.close()

    def _ensure_schema(
        self,
        areas: gpd.GeoDataFrame | None,
        municipality: BaseGeometry | None,
        name: str = "Älmhults kommun",
    ) -> None:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"almhult:{self.schema}"])
            if not conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone():
                raise psycopg.OperationalError(
                    "PostGIS is not enabled in this database: run CREATE EXTENSION postgis "
                    "as its owner"
                )
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(self.schema)}")
            conn.execute(ddl.schema_ddl().encode())
            have: dict[str, set[str]] = {}
            for table, column in conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = %s",
                [self.schema],
            ):
                have.setdefault(table, set()).add(column)
            for statement in ddl.migrate_ddl(have):
                conn.execute(statement.encode())
            if not conn.execute("SELECT 1 FROM meta WHERE key = %s", [IMPLIED_FIXES]).fetchone():
                for table in ("presence_fixes", "presence_runs"):  # rows written before a
                    conn.execute(  # point's fixes and runs were implied (issue 14)
                        f"DELETE FROM {table} f USING presence p "
                        "WHERE f.presence_uid = p.uid AND GeometryType(p.geom) = 'POINT'"
                    )
                conn.execute("INSERT INTO meta VALUES (%s, 1)", [IMPLIED_FIXES])
            if conn.execute("SELECT count(*) FROM areas").fetchone()[0] == 0:  # type: ignore[index]
                from geo.areas import builtin_areas, builtin_municipality

                frame = area_frame(builtin_areas() if areas is None else areas)
                outline = builtin_municipality() if municipality is None else municipality
                self._replace_geography(Tx(conn), frame, outline, name)

    # ------------------------------------------------------------------ transactions
    @contextmanager
    def _write(self, *, bump: bool = True) -> Iterator[Tx]:
        with self._pool.connection() as conn, conn.transaction():
            tx = Tx(conn)
            if bump:
                row = conn.execute(
                    "UPDATE meta SET value = value + 1 WHERE key = 'data_version' RETURNING value"
                ).fetchone()
                tx.version = int(row[0])  # type: ignore[index]
            yield tx

    @contextmanager
    def _read(self) -> Iterator[Tx]:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield Tx(conn)

    # ------------------------------------------------------------------ statements
    def _exec(self, tx: Tx, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        cur = tx.conn.execute(sql.replace("?", "%s").encode(), [_py(v) for v in params])
        return cur.fetchall() if cur.description else []

    def _many(self, tx: Tx, sql: str, rows: Iterable[Sequence[object]]) -> None:
        batch = [[_py(v) for v in row] for row in rows]
        if batch:
            with tx.conn.cursor() as cur:
                cur.executemany(sql.replace("?", "%s").encode(), batch)

    def _insert_fid(self, tx: Tx, sql: str, params: Sequence[object]) -> int:
        row = self._exec(tx, sql + " RETURNING fid", params)
        return int(row[0][0])

    def _frame(self, tx: Tx, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
        cur = tx.conn.execute(sql.replace("?", "%s").encode(), [_py(v) for v in params])
        names = [d.name for d in cur.description or []]
        return pd.DataFrame(cur.fetchall(), columns=names)

    def _bulk(
        self, tx: Tx, sql: str, params: Sequence[object], names: list[str], dtypes: dict
    ) -> pd.DataFrame:
        return self._copy_out(tx, sql, params, names, dtypes)

    def _copy_out(
        self, tx: Tx, sql: str, params: Sequence[object], names: list[str], dtypes: dict
    ) -> pd.DataFrame:
        """A big query's rows through ``COPY … TO STDOUT`` (CSV), parsed by pandas."""
        buf = io.BytesIO()
        with tx.conn.cursor() as cur:
            statement = f"COPY ({sql.replace('?', '%s')}) TO STDOUT WITH (FORMAT csv)"
            with cur.copy(statement.encode(), [_py(v) for v in params]) as copy:
                for chunk in copy:
                    buf.write(chunk)
        buf.seek(0)
        if not buf.getbuffer().nbytes:
            return pd.DataFrame({n: pd.Series([], dtype=dtypes.get(n, object)) for n in names})
        frame = pd.read_csv(
            buf, names=names, dtype=dtypes, keep_default_na=False, na_values=[""], header=None
        )
        for name in names:
            if dtypes.get(name) is str:
                frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
        return frame

    def _insert(
        self, tx: Tx, table: str, frame: pd.DataFrame, geoms: np.ndarray | None = None
    ) -> None:
        if not len(frame):
            return
        data = pd.DataFrame(frame).reset_index(drop=True)
        if geoms is not None:
            with_srid = shapely.set_srid(np.asarray(geoms, dtype=object), 4326)
            data["geom"] = shapely.to_wkb(with_srid, hex=True, include_srid=True)
        if tx.writer is not None:  # COPY from the writer's thread (geo.store._writer)
            tx.writer.submit(partial(_pg_bulk.copy_rows, tx.conn, table, data))
        else:
            _pg_bulk.copy_rows(tx.conn, table, data)

    @contextmanager
    def _pipelined(self, tx: Tx) -> Iterator[None]:
        """Rows go through ``COPY`` from a thread of their own while the caller prepares
        the next ones: the server and Python each keep a core busy."""
        with background_writer() as writer:
            tx.writer = writer
            try:
                yield
            finally:
                tx.writer = None

    @contextmanager
    def _bulk_insert(self, tx: Tx, table: str, rows: int) -> Iterator[None]:
        """Inserts of about ``rows`` rows into ``table`` until the block ends: indexes and
        UNIQUE constraints built once afterwards when the insert is large
        (:func:`_pg_bulk.bulk_insert`)."""
        with _pg_bulk.bulk_insert(tx.conn, table, rows):
            yield

    def _uids_present(self, tx: Tx, table: str, uids: list[str]) -> list[str]:
        found: list[str] = []
        sql = f"SELECT uid FROM {quote(table)} WHERE uid = ANY(%b)".encode()  # binary: no escaping
        for start in range(0, len(uids), _UID_ARRAY):
            rows = tx.conn.execute(sql, [uids[start : start + _UID_ARRAY]]).fetchall()
            found += [row[0] for row in rows]
        return found

    def _select(
        self, tx: Tx, layer: str, where: str, params: Sequence[object], geom: str = "geom"
    ) -> gpd.GeoDataFrame | pd.DataFrame:
        """Rows of a record layer; ``geom``: the SQL expression read as their geometry."""
        schema = SCHEMAS[layer]
        cols = ["uid"]
        for f in schema.fields:
            name = quote(f.name)
            cols.append(f"to_char({name}, 'YYYY-MM-DD') AS {name}" if f.kind == "date" else name)
        if schema.has_area:
            cols.append("area_id")
        cols.append("version")
        for name in ("created_utc", "updated_utc"):
            cols.append(
                f"to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') {name}"
            )
        cols.append("updated_by")
        if schema.spatial:
            cols.append(f"ST_AsBinary({geom}) AS geom")
        frame = self._frame(
            tx, f"SELECT {', '.join(cols)} FROM {quote(layer)} {where} ORDER BY fid", params
        )
        for f in schema.fields:
            if f.kind == "datetime":
                frame[f.name] = pd.to_datetime(frame[f.name], utc=True)
            elif f.kind == "int":
                frame[f.name] = frame[f.name].astype("Int64")
            elif f.kind == "float":
                frame[f.name] = frame[f.name].astype(float)
        frame["version"] = frame["version"].astype("int64")
        if not schema.spatial:
            return frame
        wkb = frame.pop("geom").tolist()
        geoms = shapely.from_wkb(np.array([None if b is None else bytes(b) for b in wkb]))
        return gpd.GeoDataFrame(frame, geometry=geoms, crs=WGS84)

    def _select_simplified(
        self, tx: Tx, layer: str, where: str, params: list[object], tolerance_m: float
    ) -> gpd.GeoDataFrame:
        """Lines simplified by PostGIS (Douglas-Peucker in degrees, as
        :func:`geo.store.reads.simplified`), so full tracks never leave the database."""
        degrees = float(tolerance_m) / METRES_PER_DEGREE  # a number of ours, not user text
        simple = (
            "CASE WHEN ST_GeometryType(geom) = 'ST_LineString' "
            f"THEN ST_Simplify(geom, {degrees!r}, true) ELSE geom END"
        )
        return self._select(tx, layer, where, params, geom=simple)  # type: ignore[return-value]

    def _to_stored(self, layer: str, clean: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(clean.drop(columns="geometry", errors="ignore")).copy()
        for f in SCHEMAS[layer].fields:
            if f.kind == "int":
                out[f.name] = out[f.name].astype(object).where(out[f.name].notna(), None)
        return out

    def _time_value(self, ts: pd.Timestamp) -> object:
        return ts.tz_convert("UTC").to_pydatetime()

    def _geom_values(self, geoms: np.ndarray) -> list[object]:
        return list(shapely.to_wkb(np.asarray(geoms, dtype=object)))

    def _bbox_clause(
        self, layer: str, bbox: tuple[float, float, float, float]
    ) -> tuple[str, list[object]]:
        return "geom && ST_MakeEnvelope(?, ?, ?, ?, 4326)", [float(b) for b in bbox]

    def _set_column(
        self, tx: Tx, table: str, column: str, fids: np.ndarray, values: np.ndarray
    ) -> None:
        tx.conn.execute("CREATE TEMP TABLE _set_column (fid bigint, v text) ON COMMIT DROP")
        self._insert(
            tx, "_set_column", pd.DataFrame({"fid": fids, "v": pd.Series(values, dtype=object)})
        )
        tx.conn.execute(
            f"UPDATE {quote(table)} t SET {quote(column)} = s.v FROM _set_column s "
            "WHERE t.fid = s.fid".encode()
        )
        tx.conn.execute("DROP TABLE _set_column")

    # ------------------------------------------------------------------ geography
    def _replace_geography(
        self, tx: Tx, areas: gpd.GeoDataFrame, municipality: BaseGeometry, name: str
    ) -> None:
        tx.conn.execute("DELETE FROM areas")
        tx.conn.execute("DELETE FROM municipality")
        attrs = pd.DataFrame(areas.drop(columns="geometry"))
        for column, kind in ddl.AREA_TYPES.items():
            if kind != "text":
                values = pd.to_numeric(attrs[column], errors="coerce")
                attrs[column] = values.astype("Int64") if kind == "integer" else values
        self._insert(tx, "areas", attrs, as_multi(np.asarray(areas.geometry.array)))
        muni = as_multi(np.array([municipality], dtype=object))
        self._insert(tx, "municipality", pd.DataFrame({"name": [name]}), muni)

    def _geo_table(self, table: str) -> gpd.GeoDataFrame:
        columns = list(ddl.AREA_TYPES) if table == "areas" else ["name"]
        with self._read() as tx:
            frame = self._frame(
                tx,
                f"SELECT {', '.join(quote(c) for c in columns)}, ST_AsBinary(geom) AS geom "
                f"FROM {quote(table)} ORDER BY fid",
            )
        geoms = shapely.from_wkb(np.array([bytes(b) for b in frame.pop("geom")], dtype=object))
        if table == "areas":
            for column, kind in ddl.AREA_TYPES.items():
                if kind == "double precision":
                    frame[column] = frame[column].astype(float)
                elif kind == "integer":
                    values = pd.to_numeric(frame[column])
                    frame[column] = values.astype("int64") if values.notna().all() else values
        return gpd.GeoDataFrame(frame, geometry=geoms, crs=WGS84)

    # ------------------------------------------------------------------ fixes
    def _fixes_where(self, tx: Tx | None, where: str, params: Sequence[object]) -> pd.DataFrame:
        sql = (
            f"SELECT fid, {', '.join(FIX_COLUMNS)}, area_id FROM presence_fixes "
            f"WHERE {where} ORDER BY presence_uid, seq"
        )
        if tx is not None:
            return self._fixes_copy(tx, sql, params, with_fid=True)
        with self._read() as rtx:
            return self._fixes_copy(rtx, sql, params, with_fid=True)

    def _fixes_copy(
        self, tx: Tx, sql: str, params: Sequence[object], *, with_fid: bool = False
    ) -> pd.DataFrame:
        names = [*(["fid"] if with_fid else []), *FIX_COLUMNS, "area_id"]
        dtypes = {"fid": "int64", **_FIX_TYPES, "kind": str, "area_id": str}
        return self._copy_out(tx, sql, params, names, dtypes)

    def _point_rows(self, tx: Tx, where: str, params: Sequence[object]) -> pd.DataFrame:
        """Point presence records as :data:`geo.fixes.POINT_COLUMNS`, through COPY."""
        sql = (
            "SELECT uid, kind, floor(extract(epoch FROM start))::bigint, "
            'floor(extract(epoch FROM "end"))::bigint, ST_X(geom), ST_Y(geom), area_id '
            "FROM presence WHERE GeometryType(geom) = 'POINT' AND NOT ST_IsEmpty(geom)"
            f"{' AND (' + where + ')' if where else ''} ORDER BY fid"
        )
        dtypes = {"presence_uid": str, "kind": str, "t0": "int64", "t1": "int64",
                  "lon": "float64", "lat": "float64", "area_id": str}  # fmt: skip
        return self._copy_out(tx, sql, params, POINT_COLUMNS, dtypes)

    def _stored_fixes(self, period: TimeRange | None = None) -> pd.DataFrame:
        """Stored fixes in ``period`` (``t`` UTC epoch seconds, lon/lat degrees), in
        insertion order; read through COPY."""
        where, params = "", []
        if period is not None:
            where = "WHERE t >= ? AND t < ?"
            params = [int(period.start.timestamp()), int(period.end.timestamp())]
        sql = f"SELECT {', '.join(FIX_COLUMNS)}, area_id FROM presence_fixes {where} ORDER BY fid"
        with self._read() as tx:
            return self._fixes_copy(tx, sql, params)


__all__ = ["TIME_FMT", "PostGISStore"]
