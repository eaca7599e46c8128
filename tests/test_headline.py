"""Headline figures for the whole municipality and for chosen areas."""

import pandas as pd
import pytest

from geo.coverage import CoverageParams, balance, presence_by_area
from geo.filters import Filters, custom_period
from geo.headline import headline
from geo.snapshot import load_snapshot

MAY = Filters(custom_period("2018-05-01", "2018-05-31"))


@pytest.fixture(scope="module")
def table(demo_store):
    return presence_by_area(load_snapshot(demo_store), MAY, CoverageParams())


def test_without_a_selection_it_is_the_town_countryside_balance(table):
    head = headline(table, None)
    b = balance(table)
    assert not head.chosen
    assert head.share_hours == pytest.approx(b.countryside_share_hours)
    assert head.ratio == pytest.approx(b.ratio)


def test_a_chosen_village_gets_its_own_share_and_ratio(table):
    head = headline(table, ("dio",))
    dio = table.set_index("area_id").loc["dio"]
    known = table["population"].notna()
    assert head.names == ("Diö",)
    assert head.hours == pytest.approx(dio["hours"])
    assert head.share_hours == pytest.approx(100 * dio["hours"] / table["hours"].sum())
    assert head.share_population == pytest.approx(
        100 * dio["population"] / table.loc[known, "population"].sum()
    )
    rest = table[known & (table["area_id"] != "dio")]
    per_rest = rest["hours"].sum() / rest["population"].sum()
    assert head.ratio == pytest.approx(dio["hours"] / dio["population"] / per_rest)


def test_no_presence_gives_unknown_shares_not_a_crash(table):
    empty = table.assign(hours=0.0)
    head = headline(empty, ("dio",))
    assert pd.isna(head.share_hours) and head.hours == 0
