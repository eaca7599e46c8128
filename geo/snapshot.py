"""A read-only, columnar copy of the store for fast filtering (one per data version).

Reading a million fixes back from the GeoPackage takes about a second, so pages keep one
:class:`Snapshot` per data version (``st.cache_resource``) and answer every filter change
with numpy masks over its arrays. Positions: lon/lat (EPSG:4326) and x/y (EPSG:3006
metres); times: UTC epoch seconds, plus local (Europe/Stockholm) day numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar, cast

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geo.areas import area_km2
from geo.crs import to_sweref, to_wgs84
from geo.model import LOCAL_TZ, LocationPrecision, PresenceKind
from geo.roles import POLICE_TIER, Tier
from geo.store.base import Store, TimeRange
from geo.sums import GAP_S, cell_centres, fix_seconds, local_day

if TYPE_CHECKING:
    from geo.publish import Published

KINDS: tuple[str, ...] = tuple(k.value for k in PresenceKind)
SUMMARY_TRACK_M = 25.0
"""Metres a track may move when simplified for a summary snapshot (a tenth of a run's
250 m hexagon)."""


@dataclass
class FixArrays:
    """Presence fixes as parallel arrays, ordered by presence record then sequence.

    ``dt`` is the seconds each fix stands for (until the next fix of the same record,
    capped at the GPS gap limit for tracks; the full stay for point presence). ``day`` is
    the local calendar day (days since 1970-01-01 in Europe/Stockholm), ``week`` its
    Monday-based week number. ``rec_uids`` names the presence record of each ``rec``
    code (None for derived arrays, e.g. a tier's stays).

    In a *summary* copy (:func:`summary_fix_arrays`) each fix stands for a run of real
    fixes (:mod:`geo.sums`): its first fix carrying all the run's seconds, its last one
    none, both at the centre of the run's 250 m hexagon. Hours, visits, passes, days,
    last presence and hexagon hours come out exactly as from the fixes themselves.
    """

    t: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    dt: np.ndarray
    kind: np.ndarray
    area: np.ndarray
    rec: np.ndarray
    day: np.ndarray
    week: np.ndarray
    by_time: np.ndarray = field(repr=False)  # permutation sorting fixes by t
    rec_uids: np.ndarray | None = field(default=None, repr=False)
    summary: bool = False

    def __len__(self) -> int:
        return int(self.t.size)

    def mask(
        self,
        period: TimeRange | None = None,
        kinds: list[str] | None = None,
        area_codes: np.ndarray | None = None,
    ) -> np.ndarray:
        """Boolean mask of fixes in ``period`` (by fix time), of ``kinds``, in areas."""
        m = np.ones(self.t.size, dtype=bool)
        if period is not None:
            m &= (self.t >= int(period.start.timestamp())) & (self.t < int(period.end.timestamp()))
        if kinds is not None:
            codes = [KINDS.index(k) for k in kinds]
            m &= np.isin(self.kind, codes)
        if area_codes is not None:
            m &= np.isin(self.area, area_codes)
        return m


def build_fix_arrays(
    fixes: pd.DataFrame, area_ids: np.ndarray, uncapped: set[str], max_gap_s: float
) -> FixArrays:
    """Columnar fixes from :meth:`Store.fixes` output (sorted by presence uid, seq).

    Gaps longer than ``max_gap_s`` add no time, except in ``uncapped`` records: point
    presence (one stay) and tracks reduced to their area stays by retention.
    """
    t = fixes["t"].to_numpy(dtype=np.int64)
    lon = fixes["lon"].to_numpy(dtype=float)
    lat = fixes["lat"].to_numpy(dtype=float)
    rec, uids = pd.factorize(fixes["presence_uid"])
    area_lookup = {a: i for i, a in enumerate(area_ids)}
    area = fixes["area_id"].map(area_lookup).fillna(-1).to_numpy(dtype=np.int16)
    kind = fixes["kind"].map({k: i for i, k in enumerate(KINDS)}).to_numpy(dtype=np.int8)
    whole = np.asarray(uids.isin(list(uncapped)))[rec]  # per record, then per fix
    dt = fix_seconds(t, rec, whole, max_gap_s)
    out = fix_arrays(t, lon, lat, dt, kind, area, rec)
    out.rec_uids = np.asarray(uids, dtype=object)
    return out


def summary_fix_arrays(runs: pd.DataFrame, area_ids: np.ndarray) -> FixArrays:
    """Columnar *summary* fixes from :meth:`Store.runs` output (see :class:`FixArrays`):
    two per run, at the centre of its hexagon (EPSG:3006 metres, EPSG:4326 degrees)."""
    n = len(runs)
    rec, uids = pd.factorize(runs["presence_uid"])
    area_lookup = {a: i for i, a in enumerate(area_ids)}
    area = runs["area_id"].map(area_lookup).fillna(-1).to_numpy(dtype=np.int16)
    kind = runs["kind"].map({k: i for i, k in enumerate(KINDS)}).to_numpy(dtype=np.int8)
    cx, cy = cell_centres(runs["q"].to_numpy(), runs["r"].to_numpy())
    lon, lat = to_wgs84(cx, cy)
    t = np.column_stack([runs["t_first"].to_numpy(np.int64), runs["t_last"].to_numpy(np.int64)])
    dt = np.column_stack([runs["seconds"].to_numpy(float), np.zeros(n)])
    day = np.repeat(runs["day"].to_numpy(np.int32), 2)
    t = t.ravel()
    return FixArrays(
        t=t,
        lon=np.repeat(np.asarray(lon), 2),
        lat=np.repeat(np.asarray(lat), 2),
        x=np.repeat(cx, 2),
        y=np.repeat(cy, 2),
        dt=dt.ravel(),
        kind=np.repeat(kind, 2),
        area=np.repeat(area, 2),
        rec=np.repeat(rec.astype(np.int32), 2),
        day=day,
        week=((day + 3) // 7).astype(np.int32),
        by_time=np.argsort(t, kind="stable"),
        rec_uids=np.asarray(uids, dtype=object),
        summary=True,
    )


def patch_fixes(fx: FixArrays, drop: set[str], add: FixArrays) -> FixArrays:
    """``fx`` without the fixes of records ``drop`` and with ``add`` appended: what a
    fresh load would give after those records were rewritten (new arrays; ``fx`` stays
    as it is for whoever still reads it). Costs a few passes over the arrays, no sort."""
    if fx.rec_uids is None or add.rec_uids is None:
        raise ValueError("only stored fixes (with record uids) can be patched")
    gone = np.flatnonzero(np.isin(fx.rec_uids, list(drop)))
    keep = ~np.isin(fx.rec, gone) if gone.size else np.ones(len(fx), dtype=bool)
    kept = int(keep.sum())
    new_pos = np.cumsum(keep) - 1
    order = fx.by_time[keep[fx.by_time]]
    order = new_pos[order]
    merged: dict[str, np.ndarray] = {}
    for name in ("t", "lon", "lat", "x", "y", "dt", "kind", "area", "day", "week"):
        merged[name] = np.concatenate([getattr(fx, name)[keep], getattr(add, name)])
    merged["rec"] = np.concatenate([fx.rec[keep], add.rec + np.int32(fx.rec_uids.size)])
    # merge two time orders; ties keep index order, as a stable argsort would
    at = np.searchsorted(merged["t"][order], add.t[add.by_time], side="right")
    by_time = np.insert(order, at, add.by_time + kept)
    rec_uids = np.concatenate([fx.rec_uids, add.rec_uids])
    return FixArrays(**merged, by_time=by_time, rec_uids=rec_uids, summary=fx.summary)


def fix_arrays(
    t: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    dt: np.ndarray,
    kind: np.ndarray,
    area: np.ndarray,
    rec: np.ndarray,
) -> FixArrays:
    """:class:`FixArrays` from its stored columns; metres, local days and weeks and the
    time order are derived here."""
    x, y = to_sweref(lon, lat)
    day = local_day(t)
    return FixArrays(
        t=t,
        lon=lon,
        lat=lat,
        x=np.asarray(x),
        y=np.asarray(y),
        dt=dt,
        kind=kind.astype(np.int8),
        area=area,
        rec=rec.astype(np.int32),
        day=day,
        week=((day + 3) // 7).astype(np.int32),
        by_time=np.argsort(t, kind="stable"),
    )


_T = TypeVar("_T")


@dataclass
class Snapshot:
    """Everything a page shows, loaded once per data version (treat as read-only).

    ``tier`` says how detailed the copy is: :func:`load_snapshot` gives the police tier
    (everything); :func:`geo.tiers.view_for` derives the coarser tiers from it, each with
    its ``published`` table.
    """

    version: int
    areas: gpd.GeoDataFrame  # + km2, in priority order
    municipality: BaseGeometry
    fixes: FixArrays
    presence: gpd.GeoDataFrame
    problem_spots: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    dialogues: gpd.GeoDataFrame
    activities: gpd.GeoDataFrame
    promises: pd.DataFrame
    incidents: gpd.GeoDataFrame
    tier: Tier = POLICE_TIER
    plans: pd.DataFrame = field(default_factory=pd.DataFrame)  # police only: geo.tiers drops it
    published: Published | None = None  # a coarse tier's one table (geo.publish)
    # figures derived from this snapshot alone (not copied by dataclasses.replace)
    _memo: dict[Hashable, object] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def area_ids(self) -> np.ndarray:
        return self.areas["id"].to_numpy()

    def area_codes(self, ids: list[str] | None) -> np.ndarray | None:
        """Positions of area ``ids`` in :attr:`areas` (None: all areas)."""
        if ids is None:
            return None
        return np.flatnonzero(self.areas["id"].isin(ids))

    def remembered(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """``compute()``, once per snapshot and ``key``: a snapshot never changes (an edit
        makes a new one), so a figure computed from it alone can be kept with it. Return
        values are shared: callers must not change them."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(_T, self._memo[key])

    def extent(self) -> TimeRange:
        """First to last presence (UTC); the demo year when the store is empty."""
        if len(self.fixes) == 0:
            return TimeRange(
                pd.Timestamp("2018-01-01", tz=LOCAL_TZ), pd.Timestamp("2019-01-01", tz=LOCAL_TZ)
            )
        return TimeRange(
            pd.Timestamp(int(self.fixes.t.min()), unit="s", tz="UTC"),
            pd.Timestamp(int(self.fixes.t.max()) + 1, unit="s", tz="UTC"),
        )


def uncapped_uids(presence: gpd.GeoDataFrame) -> set[str]:
    """Records whose gaps between fixes count in full: point presence (one stay) and
    tracks reduced to their area stays by retention."""
    whole = (presence.geometry.geom_type == "Point") | (
        presence["location_precision"] == LocationPrecision.AREA.value
    )
    return set(presence.loc[whole.to_numpy(), "uid"])


def load_fixes(
    store: Store,
    presence: gpd.GeoDataFrame,
    area_ids: np.ndarray,
    max_gap_minutes: float = 5.0,
    *,
    summary: bool = False,
    uids: list[str] | None = None,
) -> FixArrays:
    """The fix arrays of every record (or of ``uids``, which must be in ``presence``):
    the fixes themselves, or with ``summary`` the runs the store keeps (the gap limit is
    then the one the runs were written with, :data:`geo.sums.GAP_S`)."""
    if summary:
        if max_gap_minutes * 60 != GAP_S:
            raise ValueError(f"summary fixes are kept with a {GAP_S / 60:g}-minute gap limit")
        return summary_fix_arrays(store.runs(uids), area_ids)
    fixes = store.fixes() if uids is None else store.fixes_of(uids)
    return build_fix_arrays(fixes, area_ids, uncapped_uids(presence), max_gap_minutes * 60)


def load_snapshot(store: Store, max_gap_minutes: float = 5.0, *, summary: bool = False) -> Snapshot:
    """Read every layer once and build the columnar fix arrays (``summary``: from the
    stored runs instead of every fix, for stores too large to hold in memory)."""
    version = store.data_version()
    areas = store.areas()
    areas["km2"] = area_km2(areas).to_numpy()
    # With runs, tracks are kept simplified too: a large store's full tracks would be
    # most of the memory (20 M fixes: 1.2 GB of 17,000 lines).
    presence = store.query("presence", simplify_m=SUMMARY_TRACK_M if summary else None)
    fixes = load_fixes(store, presence, areas["id"].to_numpy(), max_gap_minutes, summary=summary)
    return Snapshot(
        version=version,
        areas=areas,
        municipality=store.municipality(),
        fixes=fixes,
        presence=presence,
        problem_spots=store.query("problem_spots"),
        roads=store.query("roads"),
        dialogues=store.query("dialogues"),
        activities=store.query("activities"),
        promises=store.query("promises"),
        incidents=store.query("incidents"),
        plans=store.query("plans"),
    )
