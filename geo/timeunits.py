"""Local calendar units (weeks from Monday, months) as UTC epoch seconds.

Times are UTC epoch seconds; units start at local (Europe/Stockholm) midnight, so a week
or month boundary follows daylight saving time.

Published presence is *counted* in whole weeks (:func:`cell_start`, :func:`cell_end`): a
week belongs to the month its Thursday falls in, as ISO 8601 gives weeks to years. So every
month cell of the public table is a sum of week cells of the municipality's table, and
comparing the two cannot isolate the days of a week on either side of a month's end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.model import LOCAL_TZ
from geo.roles import TimeUnit
from geo.snapshot import local_day
from geo.store.base import TimeRange


def _local_midnight(days: np.ndarray) -> np.ndarray:
    """UTC epoch seconds of local midnight starting each local day number."""
    if days.size == 0:
        return np.zeros(0, dtype=np.int64)
    uniq, inverse = np.unique(days, return_inverse=True)
    stamps = pd.to_datetime(uniq.astype("int64"), unit="D").tz_localize(LOCAL_TZ)
    epoch = (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    return np.asarray(epoch, dtype=np.int64)[inverse]


def _start_day(day: np.ndarray, unit: TimeUnit) -> np.ndarray:
    if unit == TimeUnit.WEEK:
        return day - (day + 3) % 7  # day 0 (1970-01-01) was a Thursday
    months = day.astype("datetime64[D]").astype("datetime64[M]")
    return months.astype("datetime64[D]").astype(np.int64)


def unit_start(t: np.ndarray, unit: TimeUnit) -> np.ndarray:
    """Start (UTC epoch s) of the local week or month containing each time ``t``."""
    t = np.asarray(t, dtype=np.int64)
    if unit == TimeUnit.EXACT:
        return t
    return _local_midnight(_start_day(local_day(t), unit))


def unit_end(t: np.ndarray, unit: TimeUnit) -> np.ndarray:
    """End (UTC epoch s, exclusive) of the local week or month containing each time ``t``."""
    t = np.asarray(t, dtype=np.int64)
    if unit == TimeUnit.EXACT:
        return t
    day = local_day(t)
    if unit == TimeUnit.WEEK:
        return _local_midnight(_start_day(day, unit) + 7)
    months = day.astype("datetime64[D]").astype("datetime64[M]") + 1
    return _local_midnight(months.astype("datetime64[D]").astype(np.int64))


def _thursday_month(day: np.ndarray) -> np.ndarray:
    """The month (``datetime64[M]``) of the Thursday of each local day's week."""
    thursday = _start_day(day, TimeUnit.WEEK) + 3
    return thursday.astype("datetime64[D]").astype("datetime64[M]")


def _first_monday(month: np.ndarray) -> np.ndarray:
    """Local day number of the Monday of the first week whose Thursday is in ``month``."""
    first = month.astype("datetime64[D]").astype(np.int64)
    weekday = (first + 3) % 7  # Monday 0; day 0 (1970-01-01) was a Thursday
    thursday = first + (3 - weekday) % 7
    return thursday - 3


def cell_start(t: np.ndarray, unit: TimeUnit) -> np.ndarray:
    """Start (UTC epoch s) of the published cell a time ``t`` is counted in.

    Weeks as :func:`unit_start`. Months are counted in whole weeks: ``t`` counts in the
    month of its week's Thursday (Saturday 1 September 2018 counts in August), and the
    cell is labelled by that month's first day (local midnight).
    """
    t = np.asarray(t, dtype=np.int64)
    if unit != TimeUnit.MONTH:
        return unit_start(t, unit)
    month = _thursday_month(local_day(t))
    return _local_midnight(month.astype("datetime64[D]").astype(np.int64))


def cell_end(t: np.ndarray, unit: TimeUnit) -> np.ndarray:
    """End (UTC epoch s, exclusive) of the weeks counted in the cell of each time ``t``:
    for months the Monday after the last week whose Thursday is in that month."""
    t = np.asarray(t, dtype=np.int64)
    if unit != TimeUnit.MONTH:
        return unit_end(t, unit)
    month = _thursday_month(local_day(t)) + 1
    return _local_midnight(_first_monday(month))


def label(when: pd.Timestamp, unit: TimeUnit) -> str:
    """A local time as the tier shows it: ``2018-03-05 14:20``, ``2018 v.10`` or ``2018-03``."""
    local = when.tz_convert(LOCAL_TZ) if when.tzinfo else when
    if unit == TimeUnit.WEEK:
        iso = local.isocalendar()
        return f"{iso[0]} v.{iso[1]:02d}"
    if unit == TimeUnit.MONTH:
        return local.strftime("%Y-%m")
    return local.strftime("%Y-%m-%d %H:%M")


def align_period(period: TimeRange, unit: TimeUnit) -> TimeRange:
    """The period widened to whole weeks or months (a coarse tier cannot cut inside one)."""
    if unit == TimeUnit.EXACT:
        return period
    start = int(unit_start(np.array([int(period.start.timestamp())]), unit)[0])
    end = int(unit_end(np.array([int(period.end.timestamp()) - 1]), unit)[0])
    return TimeRange(
        pd.Timestamp(start, unit="s", tz="UTC").tz_convert(LOCAL_TZ),
        pd.Timestamp(end, unit="s", tz="UTC").tz_convert(LOCAL_TZ),
    )


def counted_span(period: TimeRange, unit: TimeUnit) -> TimeRange:
    """The times counted by the cells that start in ``period`` (a period aligned to
    ``unit``): for months, from the first month's first Monday to the end of the last
    month's last week (local midnights); otherwise ``period`` itself."""
    if unit != TimeUnit.MONTH:
        return period
    last = period.end - pd.Timedelta(seconds=1)
    months = np.array(
        [p.tz_convert(LOCAL_TZ).strftime("%Y-%m") for p in (period.start, last)],
        dtype="datetime64[M]",
    )
    start, end = _local_midnight(_first_monday(months + np.array([0, 1])))
    return TimeRange(
        pd.Timestamp(int(start), unit="s", tz="UTC").tz_convert(LOCAL_TZ),
        pd.Timestamp(int(end), unit="s", tz="UTC").tz_convert(LOCAL_TZ),
    )
