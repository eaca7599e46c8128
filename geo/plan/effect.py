"""The gaps a week starts with, and the figures a plan is judged by.

Every figure comes from :mod:`geo.coverage` on a snapshot: the one known before the week
(:func:`geo.plan.replay.truncated`) gives the situation the plan answers; the same
snapshot with the plan replayed as presence gives the expected effect. Figures are taken
at the end of the planned week ``we`` (UTC):

- areas (villages, countryside zones, the town) without presence in the ``gap_weeks``
  before ``we`` (:func:`~geo.coverage.area_gaps`);
- problem spots whose follow-up window (``spot_days`` from the dialogue) reaches into
  the week and that have no presence within ``spot_radius_m`` in it
  (:func:`~geo.coverage.spot_follow_up`);
- problem spots not marked done with no presence within the radius in the ``gap_weeks``
  before ``we`` (same function, the window set to those weeks);
- through-traffic roads without a traffic control in those weeks
  (:func:`~geo.coverage.road_controls`);
- the countryside's share of presence hours in those weeks and its share of residents
  (:func:`~geo.coverage.balance`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from geo.coverage import (
    CoverageParams,
    area_gaps,
    balance,
    presence_by_area,
    road_controls,
    spot_follow_up,
)
from geo.filters import Filters
from geo.i18n import Translate
from geo.model import LOCAL_TZ, AreaKind, SpotStatus
from geo.numbers import percent
from geo.snapshot import Snapshot
from geo.store.base import TimeRange


@dataclass
class Situation:
    """Gaps and balance at the end of a week (see the module docstring)."""

    gaps: pd.DataFrame  # area_id, name, kind, days_without (None: never)
    open_spots: list[str]  # spot uids: window in the week, no follow-up yet
    open_windows: dict[str, tuple[int, int]]  # every spot whose window is in the week
    stale_spots: list[str]
    roads_without: list[str]
    hours: pd.Series  # presence hours per area id in the gap weeks
    countryside_share: float  # percent of hours, NaN without presence
    countryside_population_share: float

    def figures(self) -> dict[str, float]:
        """The counts and shares a plan states and is judged by."""
        kinds = self.gaps["kind"].value_counts()
        return {
            "villages_without": int(kinds.get(AreaKind.VILLAGE.value, 0)),
            "countryside_without": int(kinds.get(AreaKind.COUNTRYSIDE.value, 0)),
            "town_without": int(kinds.get(AreaKind.TOWN.value, 0)),
            "spots_open": len(self.open_windows),
            "spots_without_follow_up": len(self.open_spots),
            "spots_stale": len(self.stale_spots),
            "roads_without": len(self.roads_without),
            "countryside_share": round(float(self.countryside_share), 1),
            "countryside_population_share": round(float(self.countryside_population_share), 1),
        }


def _local_midnight(dates: pd.Series) -> np.ndarray:
    stamps = pd.to_datetime(dates.astype(str)).dt.tz_localize(LOCAL_TZ)
    return ((stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy()


def follow_up_windows(
    spots: pd.DataFrame, params: CoverageParams, ws: int, we: int
) -> dict[str, tuple[int, int]]:
    """Spots whose follow-up window (UTC s) overlaps ``[ws, we)``, by uid."""
    if spots.empty:
        return {}
    t0 = _local_midnight(spots["reported"])
    t1 = t0 + params.spot_days * 86400
    hit = (t0 < we) & (t1 > ws)
    return {
        u: (int(a), int(b))
        for u, a, b in zip(spots["uid"].to_numpy()[hit], t0[hit], t1[hit], strict=True)
    }


def situation(snap: Snapshot, ws: int, we: int, params: CoverageParams) -> Situation:
    """The gaps and balance at ``we`` given the presence in ``snap`` (police tier).

    ``ws``/``we``: start and end (UTC s) of the planned week.
    """
    end = pd.Timestamp(we, unit="s", tz="UTC").tz_convert(LOCAL_TZ)
    window = Filters(TimeRange(end - pd.Timedelta(weeks=params.gap_weeks), end))
    gaps = area_gaps(snap, window, params)
    spots = snap.problem_spots
    windows = follow_up_windows(spots, params, ws, we)
    open_spots: list[str] = []
    if windows:
        subset = spots[spots["uid"].isin(list(windows))]
        follow = spot_follow_up(snap, subset, params)
        open_spots = follow.loc[~follow["followed_up"].astype(bool), "uid"].tolist()
    undone = spots[
        (spots["status"] != SpotStatus.DONE.value) & ~spots["uid"].isin(list(windows))
    ].copy()
    stale: list[str] = []
    if len(undone):
        undone["reported"] = window.period.start.date().isoformat()
        recent = replace(params, spot_days=params.gap_weeks * 7)
        follow = spot_follow_up(snap, undone, recent)
        stale = follow.loc[~follow["followed_up"].astype(bool), "uid"].tolist()
    roads = road_controls(snap, window, params)
    table = presence_by_area(snap, window, params)
    bal = balance(table)
    return Situation(
        gaps=gaps[["area_id", "name", "kind", "days_without"]],
        open_spots=open_spots,
        open_windows=windows,
        stale_spots=stale,
        roads_without=roads.loc[roads["controls"].fillna(0) == 0, "uid"].tolist(),
        hours=table.set_index("area_id")["hours"],
        countryside_share=bal.countryside_share_hours,
        countryside_population_share=bal.countryside_share_population,
    )


def statement(
    before: dict[str, float],
    after: dict[str, float],
    gap_weeks: int,
    t: Translate,
    lang: str = "sv",
) -> str:
    """The expected effect in one sentence, e.g. "Med planen: 0 byar utan närvaro på 4
    veckor (utan planen 2) … landsbygdens andel 38 % → 44 %"."""

    def share(v: float) -> str:
        return percent(v, lang)

    return t(
        "plan_effect",
        weeks=gap_weeks,
        villages=int(after["villages_without"]),
        villages_before=int(before["villages_without"]),
        zones=int(after["countryside_without"]),
        zones_before=int(before["countryside_without"]),
        spots=int(after["spots_without_follow_up"]),
        spots_before=int(before["spots_without_follow_up"]),
        stale=int(after["spots_stale"]),
        stale_before=int(before["spots_stale"]),
        roads=int(after["roads_without"]),
        roads_before=int(before["roads_without"]),
        share_before=share(before["countryside_share"]),
        share=share(after["countryside_share"]),
        population=share(after["countryside_population_share"]),
    )
