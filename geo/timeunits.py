"""Local calendar units (weeks from Monday, months) as UTC epoch seconds.

Times are UTC epoch seconds; units start at local (Europe/Stockholm) midnight, so a week
or month boundary follows daylight saving time.
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
