import pandas as pd
import pytest

from geo.filters import (
    Filters,
    choice_label,
    choices,
    custom_period,
    gap_words,
    iso_week,
    period_for,
    period_kind,
    period_words,
)
from geo.i18n import translator
from geo.store.base import TimeRange

ANCHOR = pd.Timestamp("2018-12-31 22:10", tz="UTC")  # 23:10 local on New Year's Eve


def local(text):
    return pd.Timestamp(text, tz="Europe/Stockholm")


def test_quick_picks_end_at_local_midnight_after_the_anchor():
    # the ISO week of New Year's Eve 2018 is week 1 of 2019 (Monday 31 December)
    assert period_for("week", ANCHOR).start == local("2018-12-31")
    assert period_for("week", ANCHOR).end == local("2019-01-07")
    assert period_for("month", ANCHOR).start == local("2018-12-01")
    assert period_for("month", ANCHOR).end == local("2019-01-01")
    assert period_for("4weeks", ANCHOR).start == local("2018-12-04")
    assert period_for("quarter", ANCHOR).start == local("2018-10-01")
    assert period_for("year", ANCHOR).start == local("2018-01-01")
    assert period_for("year", ANCHOR).end == local("2019-01-01")


def test_quick_pick_across_daylight_saving():
    p = period_for("4weeks", pd.Timestamp("2018-03-27 12:00", tz="UTC"))
    assert p.start == local("2018-02-28") and p.end == local("2018-03-28")
    week = period_for("week", pd.Timestamp("2018-03-27 12:00", tz="UTC"))  # DST on the 25th
    assert week.start == local("2018-03-26") and week.end == local("2018-04-02")
    assert week.end - week.start == pd.Timedelta(days=7)


def test_iso_week_numbers_and_choices():
    assert iso_week(local("2018-06-04")) == (2018, 23)
    assert iso_week(local("2018-12-31")) == (2019, 1)
    year = TimeRange(local("2018-01-01"), local("2019-01-01"))
    weeks = choices("week", year)
    assert weeks[0] == local("2018-12-31") and weeks[-1] == local("2018-01-01")
    assert len(weeks) == 53
    months = choices("month", year)
    assert [m.month for m in months[:2]] == [12, 11] and len(months) == 12
    t = translator()
    label = "vecka 23, 2018 (2018-06-04 – 2018-06-10)"
    assert choice_label("week", local("2018-06-04"), t) == label
    assert choice_label("month", local("2018-05-01"), t) == "maj 2018"


def test_period_words_follow_the_period():
    sv, en = translator("sv"), translator("en")
    may = custom_period("2018-05-01", "2018-05-31")
    assert period_kind(may) == "month"
    assert period_words(may, sv) == "i maj 2018"
    assert period_words(may, en) == "in May 2018"
    week = period_for("week", local("2018-06-06"))
    assert period_words(week, sv) == "vecka 23 2018"
    assert period_words(custom_period("2018-01-01", "2018-12-31"), sv) == "år 2018"
    assert period_words(custom_period("2018-04-01", "2018-06-30"), sv) == "kvartal 2 2018"
    four = period_for("4weeks", ANCHOR)
    assert period_words(four, sv, latest=ANCHOR) == "de senaste 4 veckorna"
    # 28 days that do not end with the newest data are only dates
    assert period_words(custom_period("2018-05-03", "2018-05-30"), sv, latest=ANCHOR) == (
        "2018-05-03 – 2018-05-30"
    )


def test_gap_words_say_latest_only_when_true():
    sv = translator("sv")
    assert gap_words(period_for("year", ANCHOR), 4, sv, latest=ANCHOR) == ("de senaste 4 veckorna")
    may = custom_period("2018-05-01", "2018-05-31")
    assert gap_words(may, 4, sv, latest=ANCHOR) == "de 4 veckorna före 2018-06-01"


def test_custom_period_is_inclusive_of_the_last_day():
    p = custom_period("2018-05-01", "2018-05-31")
    assert (p.start, p.end) == (local("2018-05-01"), local("2018-06-01"))


def test_unknown_pick():
    with pytest.raises(ValueError, match="unknown quick pick"):
        period_for("decade", ANCHOR)


def test_filters_key_is_hashable():
    f = Filters(custom_period("2018-05-01", "2018-05-31"), kinds=("car_patrol",))
    assert hash(f.key()) == hash(Filters(f.period, kinds=("car_patrol",)).key())


def test_gaps_are_counted_only_where_data_is_logged():
    from geo.filters import until_data

    year = Filters(custom_period("2018-01-01", "2018-12-31"))
    published = pd.Timestamp("2018-11-30 12:00", tz="Europe/Stockholm")
    assert until_data(year, published).period.end == local("2018-12-01")
    assert until_data(year, ANCHOR).period == year.period  # data to the year's end
