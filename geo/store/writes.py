"""The store's writes, once for every backend: validate, assign areas, derive fixes, runs
and sums, write in one transaction, record the change feed and audit it.

Positions EPSG:4326; times UTC. A write either lands whole or raises before anything is
visible to others (one transaction; :class:`ValidationError` before it starts).
"""

from __future__ import annotations

import json
from contextlib import ExitStack

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.areas import AreaIndex
from geo.crs import WGS84
from geo.errors import ConflictError, GeoError, NotFoundError, ValidationError
from geo.fixes import fixes_from_presence
from geo.model import SCHEMAS, LocationPrecision, validate
from geo.store.backend import UID_CHUNK, Backend, Tx
from geo.store.common import (
    AUDIT_COLUMNS,
    FEED_LIMIT,
    TIME_FMT,
    areas_of,
    jsonable,
    municipality_level,
    now_text,
    quote,
    record_values,
)
from geo.sums import SUM_COLUMNS, added_sums, day_text, runs_from_fixes, sums_from_runs
from geo.validation import ensure_inside

ADD_SLICE = 100_000  # records prepared and written at a time (bounds an import's memory)
FIRST_SLICE = 20_000  # a small first slice: the database starts writing sooner


def _slices(n: int) -> list[tuple[int, int]]:
    """Start and stop of each slice of ``n`` records: a first one of ``FIRST_SLICE``,
    then ``ADD_SLICE`` each."""
    if n == 0:
        return []
    first = min(n, FIRST_SLICE, ADD_SLICE)
    return [(0, first)] + [(i, min(i + ADD_SLICE, n)) for i in range(first, n, ADD_SLICE)]


def _tracks(presence: pd.DataFrame) -> int:
    """How many of the presence records are not points (they write fix and run rows)."""
    geoms = np.asarray(gpd.GeoDataFrame(presence).geometry.array, dtype=object)
    return int((shapely.get_type_id(geoms) != 0).sum())


_AUDIT_SQL = (
    f"INSERT INTO audit ({', '.join(quote(c) for c in AUDIT_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def _whole(presence: gpd.GeoDataFrame) -> np.ndarray:
    """Per record: whether its gaps count in full (point presence and retention's area
    stays)."""
    whole = np.asarray(presence.geometry.geom_type == "Point")
    if "location_precision" in presence.columns:
        precision = presence["location_precision"] == LocationPrecision.AREA.value
        whole = whole | precision.to_numpy(dtype=bool, na_value=False)
    return whole


def _uncapped(presence: gpd.GeoDataFrame) -> set[str]:
    """Uids of the records whose gaps count in full (see :func:`_whole`)."""
    return set(presence.loc[_whole(presence), "uid"])


class Writes(Backend):
    """Every write of the :class:`~geo.store.base.Store` protocol (see module docstring)."""

    # ----------------------------------------------------------- presence derivatives
    def _presence_fixes(
        self,
        clean: gpd.GeoDataFrame,
        index: AreaIndex,
        vertex_times: dict[str, np.ndarray] | None = None,
    ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """The fixes of validated records, areas assigned; per fix whether its record's
        gaps count in full, and whether the record is a point (its fixes are implied by
        the record and not stored, see :meth:`_write_fixes`)."""
        fixes = fixes_from_presence(clean, vertex_times, with_record=True)
        rec = fixes.pop("rec").to_numpy()
        fixes["area_id"] = index.assign(fixes["lon"].to_numpy(), fixes["lat"].to_numpy())
        vague = municipality_level(clean)
        if vague.any():
            fixes.loc[vague[rec], "area_id"] = None
        point = np.asarray(shapely.get_type_id(np.asarray(clean.geometry.array)) == 0)
        return fixes, _whole(clean)[rec], point[rec]

    def _write_fixes(
        self, tx: Tx, fixes: pd.DataFrame, whole: np.ndarray, implied: np.ndarray | None = None
    ) -> pd.DataFrame:
        """Insert fixes with their runs (``whole``: per fix, gaps count in full); return
        their sums, for the caller to add (once per write).

        Fixes marked ``implied`` (a point presence's start and end, at its position and in
        its area) count in the sums but neither they nor their runs are written: reads
        derive them from the record (:meth:`Reads.fixes`, :meth:`Backend._point_runs`),
        so a patrol log of a million points writes no fix and no run rows."""
        runs = runs_from_fixes(fixes, whole)
        if implied is None or not implied.any():
            self._insert(tx, "presence_fixes", fixes)
            self._insert(tx, "presence_runs", runs)
        else:  # runs cover the fixes in order: a run's first fix says whose it is
            first = np.r_[0, np.cumsum(runs["n"].to_numpy())[:-1]]
            self._insert(tx, "presence_fixes", fixes[~implied])
            self._insert(tx, "presence_runs", runs[~implied[first]])
        return sums_from_runs(runs)

    def _drop_fixes(self, tx: Tx, uids: list[str]) -> None:
        """Delete the fixes and runs of records and subtract their sums; call it while the
        records are still as they were (a point's runs are computed from its record)."""
        for start in range(0, len(uids), UID_CHUNK):
            part = uids[start : start + UID_CHUNK]
            marks = ", ".join("?" * len(part))
            runs = self._frame(
                tx,
                "SELECT presence_uid, stay, area_id, kind, day, seconds, n FROM presence_runs "
                f"WHERE presence_uid IN ({marks}) ORDER BY presence_uid, seq",
                part,
            )
            points = self._point_runs(tx, f"uid IN ({marks})", part)
            if len(points):
                runs = pd.concat([runs, points[list(runs.columns)]], ignore_index=True)
            self._add_sums(tx, sums_from_runs(runs), -1)
            self._exec(tx, f"DELETE FROM presence_runs WHERE presence_uid IN ({marks})", part)
            self._exec(tx, f"DELETE FROM presence_fixes WHERE presence_uid IN ({marks})", part)

    def _add_sums(self, tx: Tx, sums: pd.DataFrame, sign: int) -> None:
        if sums.empty:
            return
        rows = zip(
            sums["area_id"].tolist(),
            day_text(sums["day"].to_numpy()),
            sums["kind"].tolist(),
            (sign * sums["seconds"]).tolist(),
            (sign * sums["fixes"]).tolist(),
            (sign * sums["visits"]).tolist(),
            (sign * sums["passes"]).tolist(),
            strict=True,
        )
        updates = ", ".join(f"{c} = presence_sums.{c} + excluded.{c}" for c in SUM_COLUMNS[3:])
        self._many(
            tx,
            f"INSERT INTO presence_sums ({', '.join(SUM_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?) "
            f"ON CONFLICT (area_id, day, kind) DO UPDATE SET {updates}",
            rows,
        )
        if sign < 0:
            self._exec(tx, "DELETE FROM presence_sums WHERE fixes <= 0")

    # ----------------------------------------------------------- change feed
    def _changed(self, tx: Tx, layer: str, uids: list[str]) -> None:
        """Record in the change feed that ``uids`` of ``layer`` changed at ``tx.version``;
        ``layer="*"``: everything may have changed (readers reload)."""
        if len(uids) > FEED_LIMIT:
            layer, uids = "*", ["*"]
        self._many(
            tx,
            "INSERT INTO changes (version, layer, uid) VALUES (?, ?, ?)",
            [(tx.version, layer, uid) for uid in uids],
        )
        self._exec(tx, "DELETE FROM changes WHERE version <= ?", [tx.version - FEED_LIMIT])

    # ----------------------------------------------------------- add
    def add(
        self,
        layer: str,
        records: pd.DataFrame,
        *,
        user: str = "system",
        vertex_times: dict[str, np.ndarray] | None = None,
        validated: bool = False,
    ) -> list[str]:
        """Validate and insert ``records`` into ``layer`` in one transaction; return uids.

        ``vertex_times`` gives per-vertex UTC epoch seconds for GPS tracks (by uid).
        ``validated``: ``records`` are rows returned by :func:`geo.model.validate` or
        :func:`~geo.model.validate_rows` (an import's accepted rows), unchanged since; only
        their positions are checked again, against the outline as it is now.
        Raises :class:`ValidationError` before anything is written.
        """
        spatial = layer in SCHEMAS and SCHEMAS[layer].spatial
        if validated and layer in SCHEMAS:
            clean = records
            if spatial:
                ensure_inside(layer, clean, self.municipality())
        else:
            clean = validate(layer, records, self.municipality() if spatial else None)
        index = self.area_index() if SCHEMAS[layer].has_area and spatial else None
        now, uids = now_text(), clean["uid"].tolist()
        derived = ("presence_fixes", "presence_runs") if layer == "presence" else ()
        with self._write() as tx:
            existing = self._uids_present(tx, layer, uids)
            if existing:
                raise ValidationError(layer, existing[0], "uid", "a record with this id exists")
            sums = []
            with ExitStack() as bulks:  # one bulk insert per table across the slices
                for table in (layer, "audit"):
                    bulks.enter_context(self._bulk_insert(tx, table, len(clean)))
                for table in derived:  # only tracks write fix and run rows
                    bulks.enter_context(self._bulk_insert(tx, table, _tracks(clean)))
                bulks.enter_context(self._pipelined(tx))  # left first: rows in, then indexes
                for start, stop in _slices(len(clean)):
                    part = clean.iloc[start:stop]
                    sums.append(self._add_slice(tx, layer, part, index, now, user, vertex_times))
            self._add_sums(tx, added_sums(sums), 1)
            self._changed(tx, layer, uids)
        return uids

    def _add_slice(
        self,
        tx: Tx,
        layer: str,
        clean: pd.DataFrame,
        index: AreaIndex | None,
        now: str,
        user: str,
        vertex_times: dict[str, np.ndarray] | None,
    ) -> pd.DataFrame:
        """Write validated records with their areas, fixes, runs and audit; return the sums
        of their presence (empty for other layers)."""
        stored = self._to_stored(layer, clean)
        stored["version"] = 1
        stored["created_utc"] = now
        stored["updated_utc"] = now
        stored["updated_by"] = user
        spatial = SCHEMAS[layer].spatial
        geoms = np.asarray(clean.geometry.array, dtype=object) if spatial else None
        if index is not None and geoms is not None:
            area_ids = areas_of(index, geoms)
            area_ids[municipality_level(clean)] = None
            stored.insert(len(stored.columns) - 4, "area_id", area_ids)
        self._insert(tx, layer, stored, geoms)
        sums = added_sums([])
        if layer == "presence" and index is not None:
            presence = gpd.GeoDataFrame(clean)
            times = None
            if vertex_times:
                mine = set(presence["uid"])
                times = {uid: t for uid, t in vertex_times.items() if uid in mine}
            sums = self._write_fixes(tx, *self._presence_fixes(presence, index, times))
        uids = stored["uid"].tolist()
        audit = pd.DataFrame({"ts_utc": now, "user": user, "action": "add", "layer": layer,
                              "uid": uids, "before": None, "after": None})  # fmt: skip
        self._insert(tx, "audit", audit)
        return sums

    def _get(self, tx: Tx, layer: str, uid: str) -> gpd.GeoDataFrame | pd.DataFrame | None:
        frame = self._select(tx, layer, "WHERE uid = ?", [uid])
        return None if frame.empty else frame

    # ----------------------------------------------------------- update
    def update(
        self,
        layer: str,
        uid: str,
        changes: dict[str, object],
        *,
        expected_version: int,
        user: str = "system",
    ) -> int:
        """Change fields (and/or ``geometry``) of one record; return its new version.

        Raises :class:`ConflictError` if the record is no longer at ``expected_version``
        (someone else saved first: nothing is overwritten), :class:`NotFoundError` if it is
        gone, :class:`ValidationError` if the changed record is invalid.
        """
        schema = SCHEMAS[layer]
        unknown = set(changes) - {*schema.field_names, "geometry"}
        if unknown:
            raise ValidationError(layer, uid, sorted(unknown)[0], "not a field of this layer")
        outline = self.municipality() if schema.spatial else None
        index = self.area_index()
        with self._write() as tx:
            current = self._get(tx, layer, uid)
            if current is None:
                raise NotFoundError(layer, uid)
            found = int(current["version"].iloc[0])
            if found != expected_version:
                raise ConflictError(layer, uid, expected_version, found)
            merged = current.copy()
            for key, value in changes.items():
                if key == "geometry":
                    merged = merged.set_geometry([value], crs=WGS84)
                else:
                    merged[key] = [value]
            columns = ["uid", *schema.field_names, *(["geometry"] if schema.spatial else [])]
            clean = validate(layer, merged[columns], outline)
            stored = self._to_stored(layer, clean).drop(columns="uid")
            sets = {c: stored[c].iloc[0] for c in stored.columns}
            sets = {k: (None if pd.isna(v) else v) for k, v in sets.items()}
            if schema.spatial:
                geom = np.array([clean.geometry.iloc[0]], dtype=object)
                sets["geom"] = self._geom_values(geom)[0]
                if schema.has_area:
                    area = areas_of(index, geom)[0]
                    sets["area_id"] = None if municipality_level(clean)[0] else area
            sets.update(version=found + 1, updated_utc=now_text(), updated_by=user)
            assignments = ", ".join(
                f"{quote(k)} = {self.GEOM_SQL if k == 'geom' else '?'}" for k in sets
            )
            moved = layer == "presence" and bool(
                {"start", "end", "kind", "geometry"} & set(changes)
            )
            if moved:
                self._drop_fixes(tx, [uid])  # before the record changes: see _drop_fixes
            self._exec(
                tx, f"UPDATE {quote(layer)} SET {assignments} WHERE uid = ?", [*sets.values(), uid]
            )
            if moved:
                self._add_sums(tx, self._write_fixes(tx, *self._presence_fixes(clean, index)), 1)
            before = {k: current[k].iloc[0] for k in changes if k != "geometry"}
            after = {k: v for k, v in changes.items() if k != "geometry"}
            if "geometry" in changes:
                before["geometry"] = current.geometry.iloc[0].wkt
                after["geometry"] = clean.geometry.iloc[0].wkt
            self._changed(tx, layer, [uid])
            self._audit(tx, user, "update", layer, uid, before, after)
        return found + 1

    # ----------------------------------------------------------- delete
    def delete(self, layer: str, uids: list[str], *, user: str = "system") -> None:
        """Delete records by uid, all or nothing (:class:`NotFoundError` if one is missing)."""
        with self._write() as tx:
            if layer == "presence":
                self._drop_fixes(tx, list(uids))  # before the records go: see _drop_fixes
            for uid in uids:
                current = self._get(tx, layer, uid)
                if current is None:
                    raise NotFoundError(layer, uid)
                self._exec(tx, f"DELETE FROM {quote(layer)} WHERE uid = ?", [uid])
                self._audit(tx, user, "delete", layer, uid, record_values(current, layer), None)
            self._changed(tx, layer, list(uids))

    # ----------------------------------------------------------- audit
    def _audit(
        self,
        tx: Tx,
        user: str,
        action: str,
        layer: str,
        uid: str,
        before: object,
        after: object,
    ) -> int:
        """Write one audit entry; return its id."""
        return self._insert_fid(
            tx,
            _AUDIT_SQL,
            [now_text(), user, action, layer, uid, jsonable(before), jsonable(after)],
        )

    def log_event(
        self, user: str, action: str, subject: str, detail: dict[str, object] | None = None
    ) -> None:
        """Audit something that changes no data: a sign-in (``subject``: the account), a
        refused sign-in, an export (``subject``: what was exported). Cached views stay."""
        with self._write(bump=False) as tx:
            self._audit(tx, user, action, "session", subject, None, detail)

    def undo(self, audit_id: int, *, user: str = "system") -> None:
        """Undo one audited add, update or delete, unless the record changed after it.

        Add: the record is deleted. Update: the previous values are restored. Delete: the
        record is added back (a track's GPS times come back interpolated).
        """
        with self._read() as tx:
            rows = self._exec(
                tx, "SELECT action, layer, uid, before FROM audit WHERE fid = ?", [int(audit_id)]
            )
            if not rows:
                raise NotFoundError("audit", str(audit_id))
            action, layer, uid, before = rows[0]
            later = self._exec(
                tx,
                "SELECT COUNT(*) FROM audit WHERE layer = ? AND uid = ? AND fid > ?",
                [layer, uid, int(audit_id)],
            )[0][0]
        if action not in ("add", "update", "delete") or layer not in SCHEMAS:
            raise GeoError(f"audit entry {audit_id} ({action}) cannot be undone")
        if later:
            raise GeoError(
                f"{layer} {uid} was changed again after this entry; undo the later change first"
            )
        if action == "add":
            self.delete(layer, [uid], user=user)
            return
        values = json.loads(before or "{}")
        geometry = values.pop("geometry", None)
        if action == "update":
            with self._read() as tx:
                current = self._get(tx, layer, uid)
            if current is None:
                raise NotFoundError(layer, uid)
            changes: dict[str, object] = dict(values)
            if geometry is not None:
                changes["geometry"] = shapely.from_wkt(geometry)
            version = int(current["version"].iloc[0])
            self.update(layer, uid, changes, expected_version=version, user=user)
            return
        frame = pd.DataFrame([values])
        if SCHEMAS[layer].spatial:
            frame = gpd.GeoDataFrame(
                frame, geometry=[shapely.from_wkt(geometry) if geometry else None], crs=WGS84
            )
        self.add(layer, frame, user=user)


__all__ = ["TIME_FMT", "Writes"]
