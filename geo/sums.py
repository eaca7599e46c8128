"""Presence runs and per-area, per-day, per-kind sums, computed when presence is written.

A *run* is a stretch of consecutive fixes of one presence record in one area (or outside
every area), on one local day, in one 250 m hexagon (SWEREF 99 TM, as the map draws
them). Runs keep what every coverage figure needs — seconds, first and last fix time,
which stay (consecutive runs of one record in one area) they belong to — at a fraction
of the fixes (the demo year: 1.1 M fixes, 66 k runs). The stores keep them in
``presence_runs`` and their sums in ``presence_sums`` (area, day, kind: hours, fixes,
visits and passes at the default dwell of 10 minutes, a stay counted on the day it starts).

Times are UTC epoch seconds; ``day`` is the local (Europe/Stockholm) day number since
1970-01-01; positions are WGS84 degrees in, SWEREF 99 TM metres for the cells.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

import numpy as np
import pandas as pd

from geo.aggregate import hex_cells
from geo.crs import to_sweref
from geo.model import LOCAL_TZ

GAP_S = 300.0  # a gap between fixes longer than this adds no time (Settings default)
CELL_M = 250.0  # hexagon size of runs, the map's hexagons (geo.aggregate.hexbin default)
DWELL_S = 600.0  # a stay of at least this long is a visit in presence_sums
RUN_COLUMNS = [
    "presence_uid",
    "seq",
    "stay",
    "area_id",
    "kind",
    "day",
    "t_first",
    "t_last",
    "seconds",
    "n",
    "q",
    "r",
]
SUM_COLUMNS = ["area_id", "day", "kind", "seconds", "fixes", "visits", "passes"]


def local_day(t: np.ndarray) -> np.ndarray:
    """Local (Europe/Stockholm) day numbers since 1970-01-01 for UTC epoch seconds."""
    t = np.asarray(t, dtype=np.int64)
    if t.size == 0:
        return np.zeros(0, dtype=np.int32)
    # Offsets change only at DST switches: convert the unique hours, not every fix.
    hours, inverse = np.unique(t // 3600, return_inverse=True)
    stamps = pd.to_datetime(hours * 3600, unit="s", utc=True).tz_convert(LOCAL_TZ)
    offset = np.asarray(stamps.tz_localize(None) - stamps.tz_convert(None)) // np.timedelta64(
        1, "s"
    )
    return ((t + offset.astype(np.int64)[inverse]) // 86400).astype(np.int32)


def fix_seconds(t: np.ndarray, rec: np.ndarray, whole: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Seconds each fix stands for: until the record's next fix, capped at ``max_gap_s``
    unless the fix's record is ``whole`` (per fix: point presence, area stays)."""
    same_next = np.r_[rec[1:] == rec[:-1], False]
    dt = np.where(same_next, np.r_[np.diff(t), 0], 0).astype(float)
    return np.where(whole, dt, np.minimum(dt, max_gap_s))


def runs_from_fixes(
    fixes: pd.DataFrame,
    uncapped: AbstractSet[str] | np.ndarray,
    max_gap_s: float = GAP_S,
    cell_m: float = CELL_M,
) -> pd.DataFrame:
    """The runs (:data:`RUN_COLUMNS`) of fixes grouped by record in sequence order.

    ``fixes``: ``presence_uid, seq, t, lon, lat, kind, area_id`` (None outside every
    area); ``uncapped``: uids of records whose gaps count in full (point presence,
    retention's area stays), or that as one boolean per fix.
    """
    if fixes.empty:
        return pd.DataFrame({c: [] for c in RUN_COLUMNS})
    t = fixes["t"].to_numpy(dtype=np.int64)
    rec, uids = pd.factorize(fixes["presence_uid"])
    area, area_ids = pd.factorize(fixes["area_id"], use_na_sentinel=True)
    if isinstance(uncapped, np.ndarray):
        whole = uncapped.astype(bool)
    else:  # a set lookup per record: Index.isin hashes both sides (about 1 s at 200k records)
        whole = np.fromiter((u in uncapped for u in uids), dtype=bool, count=len(uids))[rec]
    dt = fix_seconds(t, rec, whole, max_gap_s)
    day = local_day(t)
    x, y = to_sweref(fixes["lon"].to_numpy(dtype=float), fixes["lat"].to_numpy(dtype=float))
    q, r = hex_cells(np.asarray(x), np.asarray(y), cell_m)
    new_rec = np.r_[True, rec[1:] != rec[:-1]]
    new_stay = new_rec | np.r_[True, area[1:] != area[:-1]]
    new_run = new_stay | np.r_[True, (day[1:] != day[:-1]) | (q[1:] != q[:-1]) | (r[1:] != r[:-1])]
    starts = np.flatnonzero(new_run)
    ends = np.r_[starts[1:], t.size] - 1
    run_of_fix = np.cumsum(new_run) - 1
    # stay number within its record: stays so far minus stays before the record began
    stay_no = np.cumsum(new_stay) - 1
    stay_no = stay_no - np.maximum.accumulate(np.where(new_rec, stay_no, 0))
    codes = area[starts]
    names = np.array([*area_ids, None], dtype=object)  # code -1: no area
    return pd.DataFrame(
        {
            "presence_uid": uids.to_numpy()[rec[starts]],
            "seq": fixes["seq"].to_numpy(dtype=np.int64)[starts],
            "stay": stay_no[starts].astype(np.int64),
            "area_id": names[codes],
            "kind": fixes["kind"].to_numpy()[starts],
            "day": day[starts].astype(np.int64),
            "t_first": t[starts],
            "t_last": t[ends],
            "seconds": np.bincount(run_of_fix, weights=dt),
            "n": np.bincount(run_of_fix).astype(np.int64),
            "q": q[starts],
            "r": r[starts],
        }
    )[RUN_COLUMNS]


def sums_from_runs(runs: pd.DataFrame, dwell_s: float = DWELL_S) -> pd.DataFrame:
    """Per area, local day and kind: seconds, fixes, visits and passes (:data:`SUM_COLUMNS`).

    Only runs inside an area count. A stay (consecutive runs of one record in one area)
    is a visit when it lasts at least ``dwell_s``, else a pass, counted on its first day.
    Sums of several records add up, so a store keeps them by adding and subtracting.
    """
    inside = runs[runs["area_id"].notna()]
    if inside.empty:
        return pd.DataFrame({c: [] for c in SUM_COLUMNS})
    keys = ["area_id", "day", "kind"]
    time = inside.groupby(keys, sort=True).agg(seconds=("seconds", "sum"), fixes=("n", "sum"))
    stays = inside.groupby(["presence_uid", "stay"], sort=False).agg(
        area_id=("area_id", "first"),
        day=("day", "first"),
        kind=("kind", "first"),
        seconds=("seconds", "sum"),
    )
    stays["visits"] = (stays["seconds"] >= dwell_s).astype(np.int64)
    stays["passes"] = 1 - stays["visits"]
    counts = stays.groupby(keys, sort=True)[["visits", "passes"]].sum()
    out = time.join(counts, how="left").fillna({"visits": 0, "passes": 0}).reset_index()
    out[["visits", "passes"]] = out[["visits", "passes"]].astype(np.int64)
    return out[SUM_COLUMNS]


def added_sums(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Several :func:`sums_from_runs` results as one (rows of one area, day and kind
    added up)."""
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame({c: [] for c in SUM_COLUMNS})
    if len(parts) == 1:
        return parts[0]
    keys = SUM_COLUMNS[:3]
    return pd.concat(parts).groupby(keys, sort=True)[SUM_COLUMNS[3:]].sum().reset_index()


def day_text(day: np.ndarray) -> list[str]:
    """Local day numbers as ISO dates (``2018-05-03``)."""
    return [str(d) for d in np.asarray(day, dtype=np.int64).astype("datetime64[D]")]


def cell_centres(q: np.ndarray, r: np.ndarray, cell_m: float = CELL_M) -> tuple[np.ndarray, ...]:
    """Centres (SWEREF 99 TM metres) of axial hexagon cells."""
    q = np.asarray(q, dtype=float)
    r = np.asarray(r, dtype=float)
    return cell_m * np.sqrt(3.0) * (q + r / 2), cell_m * 1.5 * r
