"""What replacing a layer would change, before anything is written.

Per area: gained, lost, changed or unchanged, with km² before and after (measured in
EPSG:3006). Per stored layer: how many records would change area. Every record that would
fall outside the new outline is listed (it would be left without an area), never dropped
silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.areas import AreaIndex, area_km2
from geo.crs import WGS84
from geo.errors import LayerFileError
from geo.layers.build import NewGeography
from geo.store.base import Store

CHANGED_KM2 = 0.001  # a symmetric difference above this (1,000 m²) counts as a change
_LABEL = {"presence": "kind", "problem_spots": "description", "incidents": "title"}


@dataclass
class Preview:
    """A replacement's effect; ``areas`` has one row per area id in either version."""

    new: NewGeography
    old_areas: gpd.GeoDataFrame
    old_outline: BaseGeometry
    old_roads: gpd.GeoDataFrame
    areas: pd.DataFrame
    moved: dict[str, int] = field(default_factory=dict)
    outside: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def gained(self) -> list[str]:
        return self.areas.loc[self.areas["change"] == "gained", "name"].tolist()

    @property
    def lost(self) -> list[str]:
        return self.areas.loc[self.areas["change"] == "lost", "name"].tolist()

    def km2(self, which: str) -> float:
        """The outline's area, ``old`` or ``new``, in km²."""
        geom = self.old_outline if which == "old" else self.new.outline
        return float(area_km2(gpd.GeoDataFrame(geometry=[geom], crs=WGS84)).iloc[0])


def area_changes(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per area id: name, kind, change, km² before/after and the difference."""
    o, n = old.set_index("id"), new.set_index("id")
    ok, nk = area_km2(old).set_axis(old["id"]), area_km2(new).set_axis(new["id"])
    rows = []
    for aid in [*n.index, *[i for i in o.index if i not in n.index]]:
        before = float(ok[aid]) if aid in o.index else None
        after = float(nk[aid]) if aid in n.index else None
        if before is None:
            change = "gained"
        elif after is None:
            change = "lost"
        else:
            diff = o.geometry[aid].symmetric_difference(n.geometry[aid])
            diff_km2 = float(area_km2(gpd.GeoDataFrame(geometry=[diff], crs=WGS84)).iloc[0])
            change = "changed" if diff_km2 > CHANGED_KM2 else "same"
        src = n.loc[aid] if aid in n.index else o.loc[aid]
        rows.append(
            dict(
                id=aid,
                name=src["name"],
                kind=src["kind"],
                change=change,
                km2_old=before,
                km2_new=after,
                km2_change=(after or 0.0) - (before or 0.0),
            )
        )
    return pd.DataFrame(rows)


def _first_points(geoms: np.ndarray) -> np.ndarray:
    """A point's own coordinates, a track's first vertex (what assigns its area)."""
    first = shapely.get_point(geoms, 0)
    first = np.where(shapely.get_type_id(geoms) == 0, geoms, first)
    return shapely.get_coordinates(first)


def preview(store: Store, new: NewGeography) -> Preview:
    """Compare the stored geography and records with ``new`` (nothing is written)."""
    old_areas, old_outline = store.areas(), store.municipality()
    old_roads = store.query("roads")
    index = AreaIndex(new.areas)
    names = dict(zip(old_areas["id"], old_areas["name"], strict=True))
    moved: dict[str, int] = {}
    outside: list[pd.DataFrame] = []
    vague: set[str] = set()
    for layer in ("presence", "problem_spots", "incidents"):
        frame = store.query(layer)
        if frame.empty:
            moved[layer] = 0
            continue
        xy = _first_points(np.asarray(frame.geometry.array, dtype=object))
        ids = index.assign(xy[:, 0], xy[:, 1])
        exact = np.ones(len(frame), dtype=bool)
        if "location_precision" in frame.columns:
            exact = (frame["location_precision"] != "municipality").to_numpy()
            vague |= set(frame.loc[~exact, "uid"])
        ids[~exact] = None
        before = frame["area_id"].astype(object).where(frame["area_id"].notna(), None)
        moved[layer] = int((before.to_numpy() != ids).sum())
        out = exact & pd.isna(pd.Series(ids)).to_numpy()
        if out.any():
            outside.append(
                pd.DataFrame(
                    {
                        "layer": layer,
                        "uid": frame.loc[out, "uid"].to_numpy(),
                        "what": frame.loc[out, _LABEL[layer]].astype(str).to_numpy(),
                        "area": [names.get(a, "") for a in frame.loc[out, "area_id"]],
                        "lon": xy[out, 0].round(5),
                        "lat": xy[out, 1].round(5),
                    }
                )
            )
    fixes = store.fixes()
    if len(fixes):
        ids = index.assign(fixes["lon"].to_numpy(), fixes["lat"].to_numpy())
        ids[fixes["presence_uid"].isin(vague).to_numpy()] = None
        before = fixes["area_id"].astype(object).where(fixes["area_id"].notna(), None)
        moved["presence_fixes"] = int((before.to_numpy() != ids).sum())
    else:
        moved["presence_fixes"] = 0
    columns = ["layer", "uid", "what", "area", "lon", "lat"]
    return Preview(
        new=new,
        old_areas=old_areas,
        old_outline=old_outline,
        old_roads=old_roads,
        areas=area_changes(old_areas, new.areas),
        moved=moved,
        outside=pd.concat(outside, ignore_index=True) if outside else pd.DataFrame(columns=columns),
    )


def accept(store: Store, pv: Preview, *, user: str, name: str | None = None) -> int:
    """Write the previewed geography (one transaction, audited, undoable); the audit id.

    Refuses while records would fall outside the new outline unless the caller has shown
    them (``pv.outside``) and passes through :func:`accept_outside` instead.
    """
    if len(pv.outside):
        raise LayerFileError(
            f"{len(pv.outside)} records would lie outside the new outline",
            "geo_err_outside",
            n=len(pv.outside),
        )
    return accept_outside(store, pv, user=user, name=name)


def accept_outside(store: Store, pv: Preview, *, user: str, name: str | None = None) -> int:
    """Write the previewed geography, leaving the listed outside records without an area."""
    return store.replace_geography(
        pv.new.areas, pv.new.outline, roads=pv.new.roads, name=name, what=pv.new.layer, user=user
    )
