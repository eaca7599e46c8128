"""The handout's "you said – we did" rows, computed in one pass over the public snapshot.

Same figures as :func:`geo.promise.you_said_we_did` (whole presence hours in the spot's area
over the 90 days after its dialogue, local days), but one numpy mask per distinct
(area, dialogue month) rather than a full per-area table per spot: 40 spots in about 30 ms
instead of about a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.coverage import reported_by
from geo.filters import custom_period
from geo.snapshot import Snapshot
from geo.store.base import TimeRange

FOLLOW_DAYS = 90


def _area_hours(snap: Snapshot, area_id: str, reported: str) -> int:
    start = pd.Timestamp(reported)
    period = custom_period(start.date(), (start + pd.Timedelta(days=FOLLOW_DAYS - 1)).date())
    fx = snap.fixes
    codes = snap.area_codes([area_id])
    inside = fx.mask(period, None, codes) & (fx.area >= 0)
    hours = float(np.round(fx.dt[inside].sum() / 3600, 1))
    if snap.tier.suppress_below:  # as coverage._for_tier shows hours to the public
        hours = float(np.round(hours, 0))
    return int(round(hours))


def said_rows(snap: Snapshot, area_id: str | None, period: TimeRange | None = None) -> pd.DataFrame:
    """Per problem spot (of ``area_id``, or all; with ``period``, those reported by its end:
    :func:`geo.coverage.reported_by`): area name, description, category, reported, status,
    response and ``area_hours_90_days``; sorted by area, date and description."""
    spots = snap.problem_spots
    if period is not None:
        spots = spots[reported_by(spots, period)]
    if area_id:
        spots = spots[spots["area_id"] == area_id]
    names = dict(zip(snap.areas["id"], snap.areas["name"], strict=True))
    memo: dict[tuple[str, str], int] = {}
    hours = []
    for aid, reported in zip(spots["area_id"], spots["reported"], strict=True):
        key = (aid, str(reported))
        if key not in memo:
            memo[key] = _area_hours(snap, aid, str(reported))
        hours.append(memo[key])
    rows = pd.DataFrame(
        {
            "area": [names.get(a, "–") for a in spots["area_id"]],
            "description": spots["description"].to_numpy(),
            "category": spots["category"].to_numpy(),
            "reported": spots["reported"].to_numpy(),
            "status": spots["status"].to_numpy(),
            "response": spots["response"].fillna("").to_numpy(),
            "area_hours_90_days": np.asarray(hours, dtype=np.int64),
        }
    )
    return rows.sort_values(["area", "reported", "description"], kind="stable").reset_index(
        drop=True
    )
