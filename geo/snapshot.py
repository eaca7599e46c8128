"""A read-only, columnar copy of the store for fast filtering (one per data version).

Reading a million fixes back from the GeoPackage takes about a second, so pages keep one
:class:`Snapshot` per data version (``st.cache_resource``) and answer every filter change
with numpy masks over its arrays. Positions: lon/lat (EPSG:4326) and x/y (EPSG:3006
metres); times: UTC epoch seconds, plus local (Europe/Stockholm) day numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geo.areas import area_km2
from geo.crs import to_sweref
from geo.model import LOCAL_TZ, LocationPrecision, PresenceKind
from geo.roles import POLICE_TIER, Tier
from geo.store.base import Store, TimeRange

KINDS: tuple[str, ...] = tuple(k.value for k in PresenceKind)


@dataclass
class FixArrays:
    """Presence fixes as parallel arrays, ordered by presence record then sequence.

    ``dt`` is the seconds each fix stands for (until the next fix of the same record,
    capped at the GPS gap limit for tracks; the full stay for point presence). ``day`` is
    the local calendar day (days since 1970-01-01 in Europe/Stockholm), ``week`` its
    Monday-based week number.
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


def local_day(t: np.ndarray) -> np.ndarray:
    """Local (Europe/Stockholm) day numbers since 1970-01-01 for UTC epoch seconds."""
    if t.size == 0:
        return np.zeros(0, dtype=np.int32)
    # Offsets change only at DST switches: convert the unique hours, not every fix.
    hours, inverse = np.unique(t // 3600, return_inverse=True)
    stamps = pd.to_datetime(hours * 3600, unit="s", utc=True).tz_convert(LOCAL_TZ)
    offset = np.asarray(stamps.tz_localize(None) - stamps.tz_convert(None)) // np.timedelta64(
        1, "s"
    )
    return ((t + offset.astype(np.int64)[inverse]) // 86400).astype(np.int32)


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
    same_next = np.r_[rec[1:] == rec[:-1], False]
    dt = np.where(same_next, np.r_[np.diff(t), 0], 0).astype(float)
    whole = np.asarray(uids.isin(list(uncapped)))[rec]  # per record, then per fix
    dt = np.where(whole, dt, np.minimum(dt, max_gap_s))
    return fix_arrays(t, lon, lat, dt, kind, area, rec)


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


@dataclass
class Snapshot:
    """Everything a page shows, loaded once per data version (treat as read-only).

    ``tier`` says how detailed the copy is: :func:`load_snapshot` gives the police tier
    (everything); :func:`geo.tiers.view_for` derives the coarser tiers from it.
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

    @property
    def area_ids(self) -> np.ndarray:
        return self.areas["id"].to_numpy()

    def area_codes(self, ids: list[str] | None) -> np.ndarray | None:
        """Positions of area ``ids`` in :attr:`areas` (None: all areas)."""
        if ids is None:
            return None
        return np.flatnonzero(self.areas["id"].isin(ids))

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


def load_snapshot(store: Store, max_gap_minutes: float = 5.0) -> Snapshot:
    """Read every layer once and build the columnar fix arrays."""
    version = store.data_version()
    areas = store.areas()
    areas["km2"] = area_km2(areas).to_numpy()
    presence = store.query("presence")
    uncapped = (presence.geometry.geom_type == "Point") | (
        presence["location_precision"] == LocationPrecision.AREA.value
    )
    points = set(presence.loc[uncapped, "uid"])
    fixes = build_fix_arrays(store.fixes(), areas["id"].to_numpy(), points, max_gap_minutes * 60)
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
