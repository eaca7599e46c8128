"""The sidebar's filter value, the period quick picks, and the period in words.

Weeks are ISO 8601 weeks (Monday to Sunday, week 1 holds the year's first Thursday), as
Swedish calendars number them; months and weeks start at local (Europe/Stockholm) midnight.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from geo.i18n import Translate, language_of
from geo.model import LOCAL_TZ
from geo.numbers import month_year
from geo.roles import TimeUnit
from geo.store.base import TimeRange
from geo.timeunits import counted_span

QUICK_PICKS: tuple[str, ...] = ("week", "4weeks", "month", "quarter", "year", "custom")
_SPAN = {"4weeks": pd.Timedelta(weeks=4)}


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
    """The period of a quick pick around ``anchor`` (tz-aware).

    ``anchor`` is the latest logged presence (so a past year's data still shows its last
    weeks), or a day the user chose. ``4weeks`` ends at the local midnight after it;
    ``week`` is its ISO week (Monday to Monday), ``month``, ``quarter`` and ``year`` its
    calendar month, quarter and year.
    """
    local = anchor.tz_convert(LOCAL_TZ)
    day = local.tz_localize(None).normalize()
    end = (day + pd.Timedelta(days=1)).tz_localize(LOCAL_TZ)
    if pick in _SPAN:
        start = (end.tz_localize(None) - _SPAN[pick]).tz_localize(LOCAL_TZ)
    elif pick == "week":
        monday = day - pd.Timedelta(days=day.weekday())
        start = monday.tz_localize(LOCAL_TZ)
        end = (monday + pd.Timedelta(days=7)).tz_localize(LOCAL_TZ)
    elif pick == "month":
        first = day.replace(day=1)
        start = first.tz_localize(LOCAL_TZ)
        end = (first + pd.offsets.MonthBegin(1)).tz_localize(LOCAL_TZ)
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


def iso_week(when: pd.Timestamp) -> tuple[int, int]:
    """ISO year and week number of a (local) time: ``(2018, 23)``."""
    local = when.tz_convert(LOCAL_TZ) if when.tzinfo else when
    iso = local.isocalendar()
    return int(iso[0]), int(iso[1])


def choices(pick: str, extent: TimeRange) -> list[pd.Timestamp]:
    """The weeks (Mondays) or months (first days) a user may pick within ``extent``,
    newest first, as local midnights."""
    first = extent.start.tz_convert(LOCAL_TZ).tz_localize(None).normalize()
    last = (extent.end - pd.Timedelta(seconds=1)).tz_convert(LOCAL_TZ).tz_localize(None).normalize()
    if pick == "week":
        start = first - pd.Timedelta(days=first.weekday())
        days = pd.date_range(start, last, freq="7D")
    elif pick == "month":
        days = pd.date_range(first.replace(day=1), last, freq="MS")
    else:
        raise ValueError(f"no choices for quick pick {pick!r} (only week and month)")
    return [d.tz_localize(LOCAL_TZ) for d in reversed(days)]


def period_kind(period: TimeRange) -> str:
    """What the period is in calendar terms: ``week`` (an ISO week), ``month``,
    ``quarter``, ``year`` or ``days`` (anything else)."""
    start = period.start.tz_convert(LOCAL_TZ).tz_localize(None)
    end = period.end.tz_convert(LOCAL_TZ).tz_localize(None)
    if start != start.normalize() or end != end.normalize():
        return "days"
    if start.weekday() == 0 and end - start == pd.Timedelta(days=7):
        return "week"
    if start.day == 1 and end == start + pd.offsets.MonthBegin(1):
        return "month"
    if start.day == 1 and start.month in (1, 4, 7, 10) and end == start + pd.offsets.MonthBegin(3):
        return "quarter"
    if start.day == 1 and start.month == 1 and end == start + pd.offsets.YearBegin(1):
        return "year"
    return "days"


def period_words(period: TimeRange, t: Translate, *, latest: pd.Timestamp | None = None) -> str:
    """The period as a phrase that fits after a statement: "i maj 2018", "vecka 23 2018",
    "år 2018", or "2018-05-03 – 2018-05-30"; "de senaste 4 veckorna (…)" only when the
    period is the 28 days up to ``latest`` (the newest logged presence)."""
    lang = language_of(t)
    start = period.start.tz_convert(LOCAL_TZ)
    last = (period.end - pd.Timedelta(seconds=1)).tz_convert(LOCAL_TZ)
    kind = period_kind(period)
    dates = {"start": f"{start:%Y-%m-%d}", "end": f"{last:%Y-%m-%d}"}
    if kind == "week":
        year, week = iso_week(start)
        return t("words_week", week=str(week), year=str(year))
    if kind == "month":
        return t("words_month", month=month_year(start, lang))
    if kind == "quarter":
        return t("words_quarter", quarter=str((start.month - 1) // 3 + 1), year=str(start.year))
    if kind == "year":
        return t("words_year", year=str(start.year))
    if latest is not None:
        newest = latest.tz_convert(LOCAL_TZ).tz_localize(None).normalize() + pd.Timedelta(days=1)
        if period.end.tz_convert(LOCAL_TZ).tz_localize(
            None
        ) == newest and period.end - period.start == pd.Timedelta(weeks=4):
            return t("words_last_4_weeks")
    return t("words_days", **dates)


def gap_words(period: TimeRange, weeks: int, t: Translate, *, latest: pd.Timestamp) -> str:
    """The weeks a gap is counted over, in words: "de senaste 4 veckorna" when the period
    ends with the newest data, else "de 4 veckorna före 2018-06-01"."""
    newest = latest.tz_convert(LOCAL_TZ).tz_localize(None).normalize() + pd.Timedelta(days=1)
    end = period.end.tz_convert(LOCAL_TZ).tz_localize(None)
    if end >= newest:
        return t("gap_words_latest", weeks=weeks)
    return t("gap_words_before", weeks=weeks, end=f"{end:%Y-%m-%d}")


def choice_label(pick: str, day: pd.Timestamp, t: Translate) -> str:
    """A week or month in the period picker: "v. 23 (4–10 juni 2018)", "maj 2018"."""
    lang = language_of(t)
    if pick == "month":
        return month_year(day, lang)
    year, week = iso_week(day)
    sunday = day + pd.Timedelta(days=6)
    return t(
        "choice_week",
        week=str(week),
        year=str(year),
        start=f"{day:%Y-%m-%d}",
        end=f"{sunday:%Y-%m-%d}",
    )


def until_data(filters: Filters, latest: pd.Timestamp) -> Filters:
    """``filters`` with the period ending at the local midnight after ``latest`` (the
    newest presence the viewer may see) when it runs past it: weeks that are not logged
    (or not yet published) are no evidence of a gap."""
    newest = latest.tz_convert(LOCAL_TZ).tz_localize(None).normalize() + pd.Timedelta(days=1)
    end = newest.tz_localize(LOCAL_TZ)
    if filters.period.end <= end or filters.period.start >= end:
        return filters
    return replace(filters, period=TimeRange(filters.period.start, end))


def period_caption(
    chosen: TimeRange,
    shown: TimeRange,
    unit: TimeUnit,
    t: Translate,
    *,
    latest: pd.Timestamp | None = None,
) -> str:
    """The sidebar's line under the period: the ``chosen`` period in words and the dates
    the figures count (``shown``: ``chosen`` aligned to the tier's ``unit``), saying when
    they were widened to whole weeks or months, and that months count whole weeks."""
    words = period_words(chosen, t, latest=latest)
    span = counted_span(shown, unit)
    last = (span.end - pd.Timedelta(seconds=1)).tz_convert(LOCAL_TZ)
    dates = {"start": f"{span.start.tz_convert(LOCAL_TZ):%Y-%m-%d}", "end": f"{last:%Y-%m-%d}"}
    if unit == TimeUnit.MONTH:
        return t("period_weeks", words=words, **dates)
    if span != chosen:
        return t("period_aligned", unit=t("unit_" + unit), words=words, **dates)
    if period_kind(chosen) == "days":
        return t("period_caption_days", **dates)
    return t("period_caption", words=words, **dates)
