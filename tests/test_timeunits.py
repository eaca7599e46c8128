"""Weeks, months and the whole-week months the published cells count in."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.roles import TimeUnit
from geo.store.base import TimeRange
from geo.timeunits import align_period, cell_end, cell_start, counted_span, unit_start

LOCAL = "Europe/Stockholm"


def epoch(text: str) -> int:
    return int(pd.Timestamp(text, tz=LOCAL).timestamp())


def local(t: int) -> str:
    return pd.Timestamp(int(t), unit="s", tz="UTC").tz_convert(LOCAL).strftime("%Y-%m-%d %H:%M")


def test_a_week_counts_in_the_month_of_its_thursday() -> None:
    cases = {
        "2018-08-30 19:00": ("2018-08-01 00:00", "2018-09-03 00:00"),  # Thursday of week 35
        "2018-09-01 19:00": ("2018-08-01 00:00", "2018-09-03 00:00"),  # Saturday, same week
        "2018-09-03 00:00": ("2018-09-01 00:00", "2018-10-01 00:00"),
        "2018-04-30 08:00": ("2018-05-01 00:00", "2018-06-04 00:00"),  # Monday before May
        "2018-12-31 12:00": ("2019-01-01 00:00", "2019-02-04 00:00"),  # ISO week 1 of 2019
        "2018-03-25 23:30": ("2018-03-01 00:00", "2018-04-02 00:00"),  # DST night
    }
    for when, (start, end) in cases.items():
        t = np.array([epoch(when)])
        assert local(cell_start(t, TimeUnit.MONTH)[0]) == start, when
        assert local(cell_end(t, TimeUnit.MONTH)[0]) == end, when


def test_month_cells_are_whole_weeks_that_tile_time() -> None:
    mondays = np.array(
        [epoch(str(d.date())) for d in pd.date_range("2017-01-02", "2021-12-27", freq="7D")]
    )
    sundays = mondays + 7 * 86400 - 3600 * 2  # late on Sunday, across DST too
    starts = cell_start(mondays, TimeUnit.MONTH)
    assert (starts == cell_start(sundays, TimeUnit.MONTH)).all()  # a week is never cut
    ends = cell_end(mondays, TimeUnit.MONTH)
    # A month's cell ends where the next month's first week begins.
    change = np.flatnonzero(np.diff(starts) != 0) + 1
    assert (ends[change - 1] == mondays[change]).all()
    assert set(np.diff(np.unique(starts)) // 86400) <= {28, 29, 30, 31}
    counts = pd.Series(starts).value_counts()
    assert set(counts) == {4, 5}


def test_weeks_are_unchanged() -> None:
    t = np.array([epoch("2018-09-01 19:00")])
    assert cell_start(t, TimeUnit.WEEK)[0] == unit_start(t, TimeUnit.WEEK)[0]
    assert local(cell_end(t, TimeUnit.WEEK)[0]) == "2018-09-03 00:00"


def test_the_counted_span_of_a_month_pick() -> None:
    may = align_period(
        TimeRange(pd.Timestamp("2018-05-10", tz=LOCAL), pd.Timestamp("2018-05-11", tz=LOCAL)),
        TimeUnit.MONTH,
    )
    span = counted_span(may, TimeUnit.MONTH)
    assert (span.start, span.end) == (
        pd.Timestamp("2018-04-30", tz=LOCAL),
        pd.Timestamp("2018-06-04", tz=LOCAL),
    )
    year = TimeRange(pd.Timestamp("2019-01-01", tz=LOCAL), pd.Timestamp("2020-01-01", tz=LOCAL))
    span = counted_span(year, TimeUnit.MONTH)
    assert (span.start.date(), span.end.date()) == (
        pd.Timestamp("2018-12-31").date(),
        pd.Timestamp("2019-12-30").date(),
    )
    assert counted_span(may, TimeUnit.WEEK) == may
