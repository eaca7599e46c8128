"""What a backend supplies to the shared store logic: a few SQL primitives.

:mod:`geo.store.writes` and :mod:`geo.store.reads` implement the :class:`~geo.store.base.Store`
protocol once, in terms of the abstract methods below; :mod:`geo.store.gpkg` and
:mod:`geo.store.postgis` implement those for their database. Shared SQL is written with
``?`` placeholders (each backend's :meth:`Backend._exec` adapts them) and quoted
identifiers from our own schema only; every value is a bound parameter.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.areas import AreaIndex
from geo.fixes import point_fixes
from geo.store._writer import Writer
from geo.store.base import TimeRange
from geo.store.common import quote
from geo.sums import runs_from_fixes

UID_CHUNK = 500
"""Uids bound per ``IN (...)`` list (SQLite allows 32,766 variables; short lists plan fast)."""
_INDEX_BUILD = threading.Lock()  # one area raster built at a time (Backend.area_index)


@dataclass
class Tx:
    """One open transaction: the backend's connection and, for writes that change data,
    the data version it commits as (0 for reads and log entries)."""

    conn: Any
    version: int = 0
    bulks: dict[str, Any] = field(default_factory=dict)  # table -> its open bulk insert
    writer: Writer | None = None  # runs inserts in a thread, in :meth:`Backend._pipelined`


class Backend(ABC):
    """SQL primitives of one database, plus the geography cache every backend shares."""

    # SQL expression that turns one bound geometry value into a stored geometry.
    GEOM_SQL = "?"
    # SQL expression reading a stored geometry as bytes (a fingerprint, not for decoding).
    GEOM_OUT_SQL = "geom"
    _geo_cache: tuple[int, gpd.GeoDataFrame, BaseGeometry] | None = None
    _index_cache: tuple[int, AreaIndex] | None = None

    # ----------------------------------------------------------- transactions
    @abstractmethod
    def _write(self, *, bump: bool = True) -> AbstractContextManager[Tx]:
        """One serialised write transaction; with ``bump`` it commits as the next data
        version (``Tx.version``), else (log entries) the version stays."""

    @abstractmethod
    def _read(self) -> AbstractContextManager[Tx]:
        """A consistent read: everything read through it is of one data version."""

    # ----------------------------------------------------------- statements
    @abstractmethod
    def _exec(self, tx: Tx, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; return its rows (empty for statements without rows)."""

    @abstractmethod
    def _many(self, tx: Tx, sql: str, rows: Iterable[Sequence[object]]) -> None:
        """Run one statement for each parameter row."""

    @abstractmethod
    def _insert_fid(self, tx: Tx, sql: str, params: Sequence[object]) -> int:
        """Run one INSERT into a table with a ``fid`` key; return the new row's fid."""

    @abstractmethod
    def _frame(self, tx: Tx, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
        """A query's rows as a DataFrame."""

    @abstractmethod
    def _insert(
        self, tx: Tx, table: str, frame: pd.DataFrame, geoms: np.ndarray | None = None
    ) -> None:
        """Insert every row of ``frame`` (stored form) into ``table``: the bulk path."""

    def _pipelined(self, tx: Tx) -> AbstractContextManager[Any]:
        """Around a run of :meth:`_insert` calls and nothing else on ``tx``: a backend
        may hand them to a ``tx.writer`` (:mod:`geo.store._writer`) that runs them in a
        thread of its own meanwhile; on leaving the block every row is in (or the first
        failure raised). Inserts run as they come by default: for the GeoPackage a
        writer thread gained under 1 s of 27 (the rows' Python values need the
        interpreter's lock as much as the preparation does)."""
        return nullcontext()

    def _uids_present(self, tx: Tx, table: str, uids: list[str]) -> list[str]:
        """Which of ``uids`` are stored in ``table`` (its ``uid`` column), a few hundred
        bound values per statement; backends with array parameters do it in fewer."""
        found: list[str] = []
        for start in range(0, len(uids), UID_CHUNK):
            part = uids[start : start + UID_CHUNK]
            marks = ", ".join("?" * len(part))
            sql = f"SELECT uid FROM {quote(table)} WHERE uid IN ({marks})"
            found += [row[0] for row in self._exec(tx, sql, part)]
        return found

    def _bulk_insert(self, tx: Tx, table: str, rows: int) -> AbstractContextManager[Any]:
        """Around several :meth:`_insert` calls of about ``rows`` rows into ``table`` that
        the backend may speed up as one (indexes rebuilt once); none by default."""
        return nullcontext()

    @abstractmethod
    def _select(
        self, tx: Tx, layer: str, where: str, params: Sequence[object]
    ) -> gpd.GeoDataFrame | pd.DataFrame:
        """Rows of a record layer as typed frames (UTC timestamps, Int64, geometry)."""

    @abstractmethod
    def _to_stored(self, layer: str, clean: pd.DataFrame) -> pd.DataFrame:
        """Validated records as the backend stores them (without geometry)."""

    @abstractmethod
    def _time_value(self, ts: pd.Timestamp) -> object:
        """A UTC time as the backend compares it with stored ``datetime`` fields."""

    @abstractmethod
    def _geom_values(self, geoms: np.ndarray) -> list[object]:
        """Geometries (EPSG:4326) as values bound to :attr:`GEOM_SQL`."""

    @abstractmethod
    def _bbox_clause(
        self, layer: str, bbox: tuple[float, float, float, float]
    ) -> tuple[str, list[object]]:
        """A WHERE fragment selecting rows whose geometry meets ``bbox`` (index-backed)."""

    @abstractmethod
    def _set_column(
        self, tx: Tx, table: str, column: str, fids: np.ndarray, values: np.ndarray
    ) -> None:
        """``UPDATE table SET column = value WHERE fid = fid`` for many rows at once."""

    @abstractmethod
    def _replace_geography(
        self, tx: Tx, areas: gpd.GeoDataFrame, municipality: BaseGeometry, name: str
    ) -> None:
        """Replace the stored areas (MultiPolygons, priority order) and the outline
        (``name``: the municipality's)."""

    @abstractmethod
    def _geo_table(self, table: str) -> gpd.GeoDataFrame:
        """A whole polygon table (``areas`` or ``municipality``) in stored order."""

    @abstractmethod
    def _fixes_where(self, tx: Tx | None, where: str, params: Sequence[object]) -> pd.DataFrame:
        """Stored presence fixes (tracks') matching a WHERE fragment, by record then
        sequence, with their ``fid``."""

    @abstractmethod
    def _stored_fixes(self, period: TimeRange | None) -> pd.DataFrame:
        """Every stored fix (tracks'; ``FIX_COLUMNS`` and ``area_id``) with ``t`` in
        ``period``, in insertion order."""

    @abstractmethod
    def _point_rows(self, tx: Tx, where: str, params: Sequence[object]) -> pd.DataFrame:
        """The point presence records matching a WHERE fragment on ``presence``, as
        :data:`geo.fixes.POINT_COLUMNS` (times UTC epoch seconds), in insertion order."""

    def _point_runs(self, tx: Tx, where: str, params: Sequence[object]) -> pd.DataFrame:
        """The runs of the point presence records matching ``where`` (on ``presence``):
        computed from their implied fixes as the writer computes every record's runs
        (a point's gaps count in full); only tracks' runs are stored."""
        fixes = point_fixes(self._point_rows(tx, where, params))
        return runs_from_fixes(fixes, np.ones(len(fixes), dtype=bool))

    def _bulk(
        self, tx: Tx, sql: str, params: Sequence[object], names: list[str], dtypes: dict
    ) -> pd.DataFrame:
        """Many rows of a query (``names``, pandas ``dtypes``); backends may stream them."""
        frame = self._frame(tx, sql, params)
        frame.columns = names
        return frame.astype({k: v for k, v in dtypes.items() if v is not str})

    # ----------------------------------------------------------- shared reads
    def _meta(self, tx: Tx, key: str) -> int:
        rows = self._exec(tx, "SELECT value FROM meta WHERE key = ?", [key])
        return int(rows[0][0]) if rows else 0

    def data_version(self) -> int:
        """Grows with every committed write; use it as a cache key."""
        with self._read() as tx:
            return self._meta(tx, "data_version")

    def _geography(self) -> tuple[int, gpd.GeoDataFrame, BaseGeometry]:
        """Areas version, areas and outline, re-read only when the areas change."""
        with self._read() as tx:
            version = self._meta(tx, "areas_version")
        cached = self._geo_cache
        if cached is None or cached[0] != version:
            areas = self._geo_table("areas")
            muni = self._geo_table("municipality").geometry.iloc[0]
            parts = shapely.get_parts(muni)
            outline = parts[0] if len(parts) == 1 else muni
            cached = self._geo_cache = (version, areas, outline)
        return cached

    def municipality_name(self) -> str:
        """The stored municipality's name (``Älmhults kommun``)."""
        with self._read() as tx:
            rows = self._exec(tx, "SELECT name FROM municipality ORDER BY fid LIMIT 1")
        return str(rows[0][0]) if rows and rows[0][0] else ""

    def areas(self) -> gpd.GeoDataFrame:
        """Areas in priority order (EPSG:4326)."""
        return self._geography()[1].copy()

    def municipality(self) -> BaseGeometry:
        """The municipality outline (EPSG:4326)."""
        return self._geography()[2]

    def area_index(self) -> AreaIndex:
        """An :class:`AreaIndex` over the stored areas, rebuilt when they change.

        Built on first use, not when the areas are read: its raster takes ~0.7 s for
        Älmhult, and a server's first page (reads only) need not wait for it.
        """
        version, areas, _ = self._geography()
        cached = self._index_cache
        if cached is None or cached[0] != version:
            # One build at a time: two threads preparing the same shapely geometries at once
            # crashed the process (writes from several threads, tests/test_postgis.py).
            with _INDEX_BUILD:
                cached = self._index_cache
                if cached is None or cached[0] != version:
                    cached = self._index_cache = (version, AreaIndex(areas))
        return cached[1]

    def _period_clause(self, layer: str, period: TimeRange) -> tuple[str, list[object]]:
        """Records overlapping ``period``: by start/end, else by their local date."""
        from geo.model import LOCAL_TZ, SCHEMAS
        from geo.store.common import quote

        names = SCHEMAS[layer].field_names
        start, end = period.start.tz_convert("UTC"), period.end.tz_convert("UTC")
        if "start" in names:
            return '"start" < ? AND "end" >= ?', [self._time_value(end), self._time_value(start)]
        column = "reported" if layer == "problem_spots" else "date"
        if column not in names:
            return "", []
        return f"{quote(column)} >= ? AND {quote(column)} < ?", [
            start.tz_convert(LOCAL_TZ).date().isoformat(),
            end.tz_convert(LOCAL_TZ).date().isoformat(),
        ]
