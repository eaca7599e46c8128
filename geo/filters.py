"""The sidebar's filter value, and the period quick picks."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.model import LOCAL_TZ
from geo.store.base import TimeRange

QUICK_PICKS: tuple[str, ...] = ("week", "4weeks", "quarter", "year", "custom")
_SPAN = {"week": pd.Timedelta(weeks=1), "4weeks": pd.Timedelta(weeks=4)}


@dataclass(frozen=True)
class Filters:
    """What the user selected. ``None`` in a list field means "all"."""

    period: TimeRange
    kinds: tuple[str, ...] | None = None
    areas: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None

    def key(self) -> tuple[object, ...]:
        """A hashable cache key of primitives."""
        return (
            int(self.period.start.timestamp()),
            int(self.period.end.timestamp()),
            self.kinds,
            self.areas,
            self.categories,
            self.statuses,
        )


def period_for(pick: str, anchor: pd.Timestamp) -> TimeRange:
    """The period of a quick pick ending at the local midnight after ``anchor``.

    ``anchor`` is the latest logged presence (so a past year's data still shows its last
    weeks). ``quarter`` is the calendar quarter and ``year`` the calendar year of it.
    """
    local = anchor.tz_convert(LOCAL_TZ)
    end = (local.normalize() + pd.Timedelta(days=1)).tz_localize(None).tz_localize(LOCAL_TZ)
    if pick in _SPAN:
        start = (end.tz_localize(None) - _SPAN[pick]).tz_localize(LOCAL_TZ)
    elif pick == "quarter":
        q = local.tz_localize(None).to_period("Q")
        start = q.start_time.tz_localize(LOCAL_TZ)
        end = (q.end_time.normalize() + pd.Timedelta(days=1)).tz_localize(LOCAL_TZ)
    elif pick == "year":
        start = pd.Timestamp(year=local.year, month=1, day=1, tz=LOCAL_TZ)
        end = pd.Timestamp(year=local.year + 1, month=1, day=1, tz=LOCAL_TZ)
    else:
        raise ValueError(f"unknown quick pick {pick!r} (known: {', '.join(QUICK_PICKS)})")
    return TimeRange(start, end)


def custom_period(first_day: object, last_day: object) -> TimeRange:
    """Whole local days from ``first_day`` to ``last_day`` inclusive."""
    start = pd.Timestamp(first_day).normalize().tz_localize(LOCAL_TZ)
    end = (pd.Timestamp(last_day).normalize() + pd.Timedelta(days=1)).tz_localize(LOCAL_TZ)
    return TimeRange(start, end)


def filters_from_query(query: dict[str, str], area_ids: list[str]) -> dict[str, object]:
    """Initial sidebar state from URL parameters (``pick``, ``start``, ``end``, ``areas``).

    Unknown or malformed values are ignored, so a shared link can never break the page.
    """
    state: dict[str, object] = {}
    pick = query.get("pick")
    if pick in QUICK_PICKS:
        state["period_pick"] = pick
    if pick == "custom":
        try:
            start = pd.Timestamp(query["start"]).date()
            end = pd.Timestamp(query["end"]).date()
        except (KeyError, ValueError):
            state.pop("period_pick")
        else:
            if start <= end:
                state["period_custom"] = (start, end)
    if "areas" in query:
        wanted = [a for a in str(query["areas"]).split(",") if a in area_ids]
        if wanted:
            state["areas"] = wanted
    return state
