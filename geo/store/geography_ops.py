"""Replacing the geography (issue 10): outline, areas and optionally every road in one
audited transaction, and undoing it from the state saved in the audit entry.

Written once over the backend primitives, so the GeoPackage and PostGIS behave alike.
Geometries EPSG:4326.
"""

from __future__ import annotations

import hashlib
import json

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.areas import AreaIndex
from geo.crs import WGS84
from geo.errors import GeoError, NotFoundError
from geo.model import SCHEMAS, validate
from geo.store.backend import Tx
from geo.store.common import area_frame, as_multi, now_text
from geo.store.maintenance import Maintenance


class GeographyOps(Maintenance):
    """:meth:`replace_geography`, :meth:`geography_before`, :meth:`undo_geography`."""

    def _geography_state(self, tx: Tx) -> str:
        """A fingerprint of the stored areas and outline (ids, names, shapes)."""
        digest = hashlib.sha256()
        for table, cols in (("areas", "id, name, kind"), ("municipality", "name")):
            sql = f"SELECT {cols}, {self.GEOM_OUT_SQL} FROM {table} ORDER BY fid"
            for row in self._exec(tx, sql):
                digest.update(repr(tuple(bytes(v) if isinstance(v, memoryview) else v
                                         for v in row)).encode("utf-8"))  # fmt: skip
        return digest.hexdigest()

    def replace_geography(
        self,
        areas: gpd.GeoDataFrame,
        municipality: BaseGeometry,
        *,
        roads: gpd.GeoDataFrame | None = None,
        name: str | None = None,
        what: str = "areas",
        user: str = "system",
    ) -> int:
        """Replace areas and outline (and, given ``roads``, every through-traffic road),
        reassign every stored record, in one transaction; return the audit entry's id.

        The entry (action ``replace_geography``, layer ``geography``, uid ``what``) keeps
        the previous areas, outline, name and, if replaced, roads, so
        :meth:`undo_geography` can restore them. Roads are validated against the new
        outline (EPSG:4326) before anything is written.
        """
        frame = area_frame(areas)
        frame = frame.set_geometry(list(as_multi(frame.geometry.array)), crs=WGS84)
        index = AreaIndex(frame)
        clean = roads
        if roads is not None and len(roads):
            clean = validate("roads", roads, municipality)
        old_areas = self._geo_table("areas")
        old_muni = self._geo_table("municipality")
        with self._write() as tx:
            old_name = str(old_muni["name"].iloc[0]) if len(old_muni) else None
            before: dict[str, object] = {
                "name": old_name,
                "municipality": old_muni.geometry.iloc[0].wkt,
                "areas": old_areas.to_json(drop_id=True),
            }
            if clean is not None:
                before["roads"] = self._select(tx, "roads", "", []).to_json(drop_id=True)
            self._replace_geography(tx, frame, municipality, name or old_name or "")
            if clean is not None:
                self._exec(tx, "DELETE FROM roads")
                if len(clean):
                    stored = self._to_stored("roads", clean)
                    now = now_text()
                    stored = stored.assign(
                        version=1, created_utc=now, updated_utc=now, updated_by=user
                    )
                    self._insert(tx, "roads", stored, np.asarray(clean.geometry.array))
            self._reassign(tx, index)
            self._exec(
                tx,
                "INSERT INTO meta (key, value) VALUES ('areas_version', 1) ON CONFLICT (key) "
                "DO UPDATE SET value = meta.value + 1",
            )
            after = {
                "areas": list(frame["id"]),
                "roads": None if clean is None else len(clean),
                "state": self._geography_state(tx),
            }
            self._changed(tx, "*", ["*"])
            return self._audit(
                tx, user, "replace_geography", "geography", what, json.dumps(before), after
            )

    def geography_before(self, audit_id: int) -> dict[str, object]:
        """The state a ``replace_geography`` entry replaced: ``areas`` (GeoDataFrame),
        ``municipality`` (geometry), ``name``, ``roads`` (GeoDataFrame or None), ``what``.
        Raises :class:`GeoError` when the entry is not a replacement or a later change
        (another replacement, or a road edit after a road replacement) stands in the way."""
        with self._read() as tx:
            rows = self._exec(
                tx, "SELECT action, uid, before, after FROM audit WHERE fid = ?", [int(audit_id)]
            )
            if not rows:
                raise NotFoundError("audit", str(audit_id))
            entry = rows[0]
            if entry[0] != "replace_geography":
                raise GeoError(f"audit entry {audit_id} is not a geography replacement")
            state = json.loads(entry[2])
            # Undoable while the geography is as that entry left it (later replacements
            # undone count as gone) and, if it replaced the roads, no road changed since.
            current = self._geography_state(tx)
            roads_changed = self._exec(
                tx,
                "SELECT COUNT(*) FROM audit WHERE fid > ? AND layer = 'roads'",
                [int(audit_id)],
            )[0][0]
        later = json.loads(entry[3]).get("state") != current
        if later or ("roads" in state and roads_changed):
            raise GeoError(
                f"the geography changed again after entry {audit_id}; undo the later change first"
            )

        def frame(text: str) -> gpd.GeoDataFrame:
            features = json.loads(text)["features"]
            if not features:
                return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
            return gpd.GeoDataFrame.from_features(features, crs=WGS84)

        return {
            "what": entry[1],
            "name": state["name"],
            "municipality": shapely.from_wkt(state["municipality"]),
            "areas": frame(state["areas"]),
            "roads": frame(state["roads"]) if "roads" in state else None,
        }

    def undo_geography(self, audit_id: int, *, user: str = "system") -> int:
        """Restore what a ``replace_geography`` entry replaced (itself a replacement,
        audited and undoable); return the new audit entry's id."""
        state = self.geography_before(audit_id)
        roads = state["roads"]
        if isinstance(roads, gpd.GeoDataFrame) and len(roads):
            keep = ["uid", *SCHEMAS["roads"].field_names, "geometry"]
            roads = gpd.GeoDataFrame(roads[[c for c in keep if c in roads.columns]])
        areas = state["areas"]
        outline = state["municipality"]
        assert isinstance(areas, gpd.GeoDataFrame) and isinstance(outline, BaseGeometry)
        return self.replace_geography(
            areas,
            outline,
            roads=roads if isinstance(roads, gpd.GeoDataFrame) else None,
            name=str(state["name"] or ""),
            what=f"undo:{audit_id}",
            user=user,
        )


__all__ = ["GeographyOps"]
