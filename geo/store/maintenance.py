"""Maintenance writes: new areas for everything stored, and retention of old tracks.

Both rewrite fixes, runs and sums of many records in one transaction and tell readers
through the change feed to reload. Positions EPSG:4326; times UTC.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.areas import AreaIndex
from geo.crs import WGS84
from geo.fixes import point_fixes
from geo.store.backend import UID_CHUNK, Tx
from geo.store.common import (
    area_frame,
    areas_of,
    as_multi,
    joined_fixes,
    municipality_level,
    now_text,
    quote,
    stay_ends,
)
from geo.store.writes import Writes, _uncapped
from geo.sums import runs_from_fixes, sums_from_runs


class Maintenance(Writes):
    """Replacing the areas and reducing old tracks (see module docstring)."""

    def _rebuild_runs(self, tx: Tx, index: AreaIndex | None = None) -> gpd.GeoDataFrame:
        """Runs and sums again from the fixes, stored and implied (records in chunks); with
        ``index`` the fixes get new areas first. Only tracks' runs are written (see
        :meth:`Writes._write_fixes`). Returns the presence records."""
        self._exec(tx, "DELETE FROM presence_runs")
        self._exec(tx, "DELETE FROM presence_sums")
        presence = self._select(tx, "presence", "", [])
        uids = presence["uid"].tolist()
        vague = set(presence.loc[municipality_level(presence), "uid"])
        uncapped = _uncapped(presence)
        for start in range(0, len(uids), UID_CHUNK):
            part = uids[start : start + UID_CHUNK]
            marks = ", ".join("?" * len(part))
            stored = self._fixes_where(tx, f"presence_uid IN ({marks})", part)
            fids = stored.pop("fid").to_numpy()
            points = point_fixes(self._point_rows(tx, f"uid IN ({marks})", part))
            points_of = pd.unique(points["presence_uid"].to_numpy())  # their runs: implied
            if index is not None:  # implied fixes get theirs here, their records' later
                for fixes in (stored, points):
                    ids = index.assign(fixes["lon"].to_numpy(), fixes["lat"].to_numpy())
                    ids[fixes["presence_uid"].isin(vague).to_numpy()] = None
                    fixes["area_id"] = ids
                moved = stored["area_id"].to_numpy()
                self._set_column(tx, "presence_fixes", "area_id", fids, moved)
            fixes = joined_fixes([stored, points])
            fixes = fixes.sort_values(["presence_uid", "seq"], kind="stable")
            runs = runs_from_fixes(fixes.reset_index(drop=True), uncapped)
            self._insert(tx, "presence_runs", runs[~runs["presence_uid"].isin(points_of)])
            self._add_sums(tx, sums_from_runs(runs), 1)
        return gpd.GeoDataFrame(presence)

    # ----------------------------------------------------------- areas
    def replace_areas(
        self, areas: gpd.GeoDataFrame, municipality: BaseGeometry, *, user: str = "system"
    ) -> None:
        """Replace areas and outline and reassign every stored record, in one transaction."""
        frame = area_frame(areas)
        frame = frame.set_geometry(list(as_multi(frame.geometry.array)), crs=WGS84)
        index = AreaIndex(frame)
        name = self.municipality_name() or "Älmhults kommun"
        with self._write() as tx:
            self._replace_geography(tx, frame, municipality, name)
            self._reassign(tx, index)
            self._exec(
                tx,
                "INSERT INTO meta (key, value) VALUES ('areas_version', 1) ON CONFLICT (key) "
                "DO UPDATE SET value = meta.value + 1",
            )
            self._changed(tx, "*", ["*"])
            self._audit(tx, user, "replace_areas", "areas", "-", None, {"areas": list(frame["id"])})

    def _reassign(self, tx: Tx, index: AreaIndex) -> None:
        """New areas for every record, fix, run and sum."""
        presence = self._rebuild_runs(tx, index)
        for layer in ("presence", "problem_spots", "incidents"):
            frame = presence if layer == "presence" else self._select(tx, layer, "", [])
            rows = self._exec(tx, f"SELECT fid FROM {quote(layer)} ORDER BY fid")
            if not rows:
                continue
            ids = areas_of(index, np.asarray(frame.geometry.array, dtype=object))
            ids[municipality_level(frame)] = None
            self._set_column(tx, layer, "area_id", np.array([r[0] for r in rows]), ids)

    # ----------------------------------------------------------- retention
    def reduce_tracks(
        self, ended_before: pd.Timestamp, anchors: dict[str, tuple[float, float]], *, user: str
    ) -> int:
        """Retention: GPS tracks that ended before ``ended_before`` (UTC) keep only the
        first and last fix of each stay in an area, moved to that area's point in
        ``anchors`` (lon, lat, EPSG:4326); the record's line goes through those points
        and its ``location_precision`` becomes ``area``. Hours and visits per area stay;
        the route is gone. Returns how many records were reduced (one transaction)."""
        with self._write() as tx:
            old = self._select(
                tx,
                "presence",
                "WHERE \"end\" < ? AND COALESCE(location_precision, 'exact') = 'exact'",
                [self._time_value(ended_before.tz_convert("UTC"))],
            )
            uids = old.loc[(old.geometry.geom_type == "LineString").to_numpy(), "uid"].tolist()
            for start in range(0, len(uids), UID_CHUNK):
                part = uids[start : start + UID_CHUNK]
                marks = ", ".join("?" * len(part))
                fixes = self._fixes_where(tx, f"presence_uid IN ({marks})", part)
                kept = stay_ends(fixes.drop(columns="fid"), anchors)
                self._drop_fixes(tx, part)
                sums = self._write_fixes(tx, kept, np.ones(len(kept), dtype=bool))  # area stays
                self._add_sums(tx, sums, 1)
                lines = kept.groupby("presence_uid", sort=False)[["lon", "lat"]].apply(
                    lambda g: shapely.linestrings(
                        np.r_[g.to_numpy(), g.to_numpy()[-1:]] if len(g) == 1 else g.to_numpy()
                    )
                )
                now = now_text()
                for uid, line in lines.items():
                    self._exec(
                        tx,
                        f"UPDATE presence SET geom = {self.GEOM_SQL}, location_precision = "
                        "'area', version = version + 1, updated_utc = ?, updated_by = ? "
                        "WHERE uid = ?",
                        [self._geom_values(np.array([line]))[0], now, user, uid],
                    )
                    self._audit(tx, user, "reduce", "presence", str(uid), None, None)
            if uids:
                self._changed(tx, "*", ["*"])
            return len(uids)
