"""The store's reads, once for every backend: records by uid, period, area and bbox; fixes,
runs and sums; the audit log and the change feed.

Positions EPSG:4326; times UTC (``t``, ``t_first``, ``t_last``: epoch seconds).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import NotFoundError
from geo.fixes import point_fixes
from geo.model import SCHEMAS
from geo.store.backend import UID_CHUNK, Backend, Tx
from geo.store.base import TimeRange
from geo.store.common import (
    AUDIT_COLUMNS,
    FEED_LIMIT,
    RUN_TYPES,
    Changes,
    joined_fixes,
    joined_runs,
    quote,
)
from geo.sums import RUN_COLUMNS, SUM_COLUMNS

SIMPLIFY_ROWS = 2_000
"""Records read at a time by a simplifying query (a year's GPS tracks: about 1,000)."""
METRES_PER_DEGREE = 111_320.0
"""A degree of latitude; a degree of longitude is shorter, so a tolerance in degrees of
latitude keeps lines at least as close east-west."""


def simplified(frame: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """``frame`` with its lines simplified to within about ``tolerance_m`` metres
    (EPSG:4326; points and polygons as they are)."""
    geoms = np.asarray(frame.geometry.array, dtype=object)
    lines = shapely.get_type_id(geoms) == 1
    if not lines.any():
        return frame
    out = geoms.copy()
    out[lines] = shapely.simplify(  # plain Douglas-Peucker: a line keeps both ends
        geoms[lines], tolerance_m / METRES_PER_DEGREE, preserve_topology=False
    )
    return frame.set_geometry(gpd.GeoSeries(out, index=frame.index, crs=frame.crs))


class Reads(Backend):
    """Every read of the :class:`~geo.store.base.Store` protocol (see module docstring)."""

    def get(self, layer: str, uid: str) -> gpd.GeoDataFrame | pd.DataFrame:
        """One record by uid (:class:`NotFoundError` if missing)."""
        with self._read() as tx:
            frame = self._select(tx, layer, "WHERE uid = ?", [uid])
        if frame.empty:
            raise NotFoundError(layer, uid)
        return frame

    def query(
        self,
        layer: str,
        *,
        period: TimeRange | None = None,
        areas: list[str] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        simplify_m: float | None = None,
    ) -> gpd.GeoDataFrame | pd.DataFrame:
        """Records of ``layer`` overlapping ``period``, in ``areas``, intersecting ``bbox``.

        ``simplify_m``: lines come back simplified (Douglas-Peucker, at most about that
        many metres off), read :data:`SIMPLIFY_ROWS` records at a time so that the full
        tracks are never all in memory.

        ``bbox`` is (min lon, min lat, max lon, max lat): the spatial index finds the
        candidates (its boxes are 32-bit floats, rounded outwards), the geometries decide.
        """
        schema = SCHEMAS[layer]
        clauses: list[str] = []
        params: list[object] = []
        if period is not None:
            clause, values = self._period_clause(layer, period)
            if clause:
                clauses.append(clause)
                params += values
        if areas is not None and schema.has_area:
            clauses.append(f"area_id IN ({', '.join('?' * len(areas))})" if areas else "1 = 0")
            params += list(areas)
        if bbox is not None and schema.spatial:
            clause, values = self._bbox_clause(layer, bbox)
            clauses.append(clause)
            params += values
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        with self._read() as tx:
            if simplify_m is not None and schema.spatial:
                found = self._select_simplified(tx, layer, where, params, simplify_m)
            else:
                found = self._select(tx, layer, where, params)
        if bbox is not None and schema.spatial:
            box = shapely.box(*bbox)
            found = found[shapely.intersects(np.asarray(found.geometry.array), box)]
            found = found.reset_index(drop=True)
        return found

    def _select_simplified(
        self, tx: Tx, layer: str, where: str, params: list[object], tolerance_m: float
    ) -> gpd.GeoDataFrame:
        """:meth:`_select` a slice of records at a time, lines simplified as they come."""
        rows = self._exec(tx, f"SELECT fid FROM {quote(layer)} {where} ORDER BY fid", params)
        fids = [r[0] for r in rows]
        if not fids:
            return self._select(tx, layer, where, params)
        parts = []
        for start in range(0, len(fids), SIMPLIFY_ROWS):
            part = fids[start : start + SIMPLIFY_ROWS]
            frame = self._select(tx, layer, f"WHERE fid IN ({', '.join('?' * len(part))})", part)
            parts.append(simplified(frame, tolerance_m))
        if len(parts) == 1:
            return parts[0]
        out = pd.concat(parts, ignore_index=True)
        for column in out.columns:  # a slice where a column is all null read it as object
            typed = [p[column].dtype for p in parts if p[column].dtype != object]
            if out[column].dtype == object and typed and column != "geometry":
                out[column] = out[column].astype(typed[0])
        return gpd.GeoDataFrame(out, geometry="geometry", crs=parts[0].crs)

    def records(self, layer: str, uids: list[str]) -> gpd.GeoDataFrame | pd.DataFrame:
        """The stored records among ``uids`` (missing ones: deleted), in stored order."""
        parts = []
        with self._read() as tx:
            for start in range(0, max(len(uids), 1), UID_CHUNK):
                part = uids[start : start + UID_CHUNK]
                marks = ", ".join("?" * len(part)) or "NULL"
                parts.append(self._select(tx, layer, f"WHERE uid IN ({marks})", part))
        if len(parts) == 1:
            return parts[0]
        out = pd.concat(parts, ignore_index=True)
        return gpd.GeoDataFrame(out, crs=parts[0].crs) if SCHEMAS[layer].spatial else out

    def existing(self, layer: str, uids: list[str]) -> set[str]:
        """Which of ``uids`` are already stored in ``layer`` (duplicate detection)."""
        with self._read() as tx:
            return set(self._uids_present(tx, layer, uids))

    def fixes(self, period: TimeRange | None = None) -> pd.DataFrame:
        """Presence fixes with ``t`` in ``period`` (``t`` UTC epoch seconds, lon/lat degrees,
        ``kind``, ``area_id``, ``presence_uid``): the stored ones (tracks') in insertion
        order, then the start and end of each point presence, implied by the record and
        not stored (:func:`geo.fixes.point_fixes`), in the records' order. A record's
        fixes are together, in sequence."""
        stored = self._stored_fixes(period)
        where, params = "", []
        if period is not None:  # whole seconds, as the stored fixes' filter
            first, stop = int(period.start.timestamp()), int(period.end.timestamp())
            where = '"start" < ? AND "end" >= ?'
            params = [
                self._time_value(pd.Timestamp(stop + 1, unit="s", tz="UTC")),
                self._time_value(pd.Timestamp(first - 1, unit="s", tz="UTC")),
            ]
        with self._read() as tx:
            points = point_fixes(self._point_rows(tx, where, params))
        if period is not None:
            t = points["t"].to_numpy()
            points = points[(t >= first) & (t < stop)]
        return joined_fixes([stored, points])

    def fixes_of(self, uids: list[str]) -> pd.DataFrame:
        """The fixes of presence records ``uids`` (columns as :meth:`fixes`), by record
        uid, in sequence within each record."""
        parts = []
        with self._read() as tx:
            for start in range(0, len(uids), UID_CHUNK):
                part = uids[start : start + UID_CHUNK]
                marks = ", ".join("?" * len(part))
                found = self._fixes_where(tx, f"presence_uid IN ({marks})", part)
                points = point_fixes(self._point_rows(tx, f"uid IN ({marks})", part))
                both = joined_fixes([found.drop(columns="fid"), points])
                parts.append(both.sort_values(["presence_uid", "seq"], kind="stable"))
        return joined_fixes(parts)

    def runs(self, uids: list[str] | None = None) -> pd.DataFrame:
        """Presence runs (:data:`geo.sums.RUN_COLUMNS`), of ``uids`` or all: each record's
        together in sequence order; the stored ones (tracks') first, in insertion order,
        then those of point presence, computed from the records (:meth:`_point_runs`)."""
        sql = f"SELECT {', '.join(RUN_COLUMNS)} FROM presence_runs"
        parts = []
        with self._read() as tx:
            if uids is None:
                parts.append(self._bulk(tx, sql + " ORDER BY fid", [], RUN_COLUMNS, RUN_TYPES))
                parts.append(self._point_runs(tx, "", []))
            for start in range(0, len(uids or []), UID_CHUNK):
                part = (uids or [])[start : start + UID_CHUNK]
                marks = ", ".join("?" * len(part))
                where = f" WHERE presence_uid IN ({marks}) ORDER BY fid"
                parts.append(self._bulk(tx, sql + where, part, RUN_COLUMNS, RUN_TYPES))
                parts.append(self._point_runs(tx, f"uid IN ({marks})", part))
        return joined_runs(parts)

    def fix_count(self) -> int:
        """About how many fixes the store holds (those inside an area; cheap)."""
        with self._read() as tx:
            return int(self._exec(tx, "SELECT COALESCE(SUM(fixes), 0) FROM presence_sums")[0][0])

    def sums(self) -> pd.DataFrame:
        """Per area, local day (ISO date) and kind: seconds, fixes, visits and passes at
        the default dwell (:data:`geo.sums.SUM_COLUMNS`), sorted by those keys."""
        with self._read() as tx:
            frame = self._frame(
                tx,
                f"SELECT {', '.join(SUM_COLUMNS)} FROM presence_sums ORDER BY area_id, day, kind",
            )
        frame["day"] = frame["day"].astype(str)
        return frame

    def audit_log(self, limit: int = 200) -> pd.DataFrame:
        """The newest ``limit`` audit entries, newest first."""
        columns = ", ".join(quote(c) for c in AUDIT_COLUMNS)
        with self._read() as tx:
            return self._frame(
                tx,
                f"SELECT fid AS id, {columns} FROM audit ORDER BY fid DESC LIMIT ?",
                [int(limit)],
            )

    def changes_since(self, version: int) -> Changes:
        """What changed after data version ``version`` (see :class:`Changes`)."""
        with self._read() as tx:
            now = self._meta(tx, "data_version")
            if version > now or now - version >= FEED_LIMIT:
                return Changes(version, now, reload=True)
            rows = self._exec(
                tx, "SELECT layer, uid FROM changes WHERE version > ?", [int(version)]
            )
        layers: dict[str, set[str]] = {}
        for layer, uid in rows:
            layers.setdefault(layer, set()).add(uid)
        if "*" in layers or sum(map(len, layers.values())) > FEED_LIMIT:
            return Changes(version, now, reload=True)
        return Changes(version, now, {k: frozenset(v) for k, v in layers.items()})
