import pandas as pd
import pytest

from geo.filters import Filters, custom_period, period_for

ANCHOR = pd.Timestamp("2018-12-31 22:10", tz="UTC")  # 23:10 local on New Year's Eve


def local(text):
    return pd.Timestamp(text, tz="Europe/Stockholm")


def test_quick_picks_end_at_local_midnight_after_the_anchor():
    assert period_for("week", ANCHOR).start == local("2018-12-25")
    assert period_for("week", ANCHOR).end == local("2019-01-01")
    assert period_for("4weeks", ANCHOR).start == local("2018-12-04")
    assert period_for("quarter", ANCHOR).start == local("2018-10-01")
    assert period_for("year", ANCHOR).start == local("2018-01-01")
    assert period_for("year", ANCHOR).end == local("2019-01-01")


def test_quick_pick_across_daylight_saving():
    p = period_for("week", pd.Timestamp("2018-03-27 12:00", tz="UTC"))
    assert p.start == local("2018-03-21") and p.end == local("2018-03-28")


def test_custom_period_is_inclusive_of_the_last_day():
    p = custom_period("2018-05-01", "2018-05-31")
    assert (p.start, p.end) == (local("2018-05-01"), local("2018-06-01"))


def test_unknown_pick():
    with pytest.raises(ValueError, match="unknown quick pick"):
        period_for("decade", ANCHOR)


def test_filters_key_is_hashable():
    f = Filters(custom_period("2018-05-01", "2018-05-31"), kinds=("car_patrol",))
    assert hash(f.key()) == hash(Filters(f.period, kinds=("car_patrol",)).key())
