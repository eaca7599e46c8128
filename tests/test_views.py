"""Tables and summary lines for people (geo/views.py), on the demo year and on small
hand-made tables."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.coverage import CoverageParams, presence_by_area
from geo.filters import Filters, custom_period
from geo.i18n import translator
from geo.mapview.layers import filter_spots
from geo.snapshot import Snapshot, load_snapshot
from geo.tiers import public_view
from geo.views import spot_table, summaries

T = translator("sv")
EN = translator("en")
NBSP = "\u00a0"
MAY = custom_period("2018-05-01", "2018-05-31")
OCTOBER = custom_period("2018-10-01", "2018-10-31")
YEAR = custom_period("2018-01-01", "2018-12-31")


@pytest.fixture(scope="module")
def exact(demo_store) -> Snapshot:
    return load_snapshot(demo_store)


@pytest.fixture(scope="module")
def public(exact: Snapshot) -> Snapshot:
    return public_view(exact, pd.Timestamp("2019-03-01", tz="UTC"))


def _summary(table: pd.DataFrame, gaps: list[str], t=T) -> dict[str, str]:
    return summaries(table, pd.DataFrame({t("col_name"): gaps}), pd.DataFrame(), None, None, t)


def _areas(hours: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"hours": hours, "visits": [0] * len(hours), "passes": [0] * len(hours)})


def test_spots_reported_after_the_period_are_not_in_it(exact: Snapshot) -> None:
    """Diö's four spots were named at the dialogue of 20 September: May knows none of
    them (the walk found "4 av 4 utan uppföljning", dated 2018-09-20, in May); October
    still holds them as open problems."""
    params = CoverageParams()
    may = Filters(MAY, areas=("dio",))
    assert spot_table(exact, may, params, T).empty
    assert filter_spots(exact, may).empty  # the map's layer and the exports select alike
    table, spots = presence_by_area(exact, may, params), spot_table(exact, may, params, T)
    said = summaries(table, pd.DataFrame({T("col_name"): []}), spots, None, None, T)
    assert said["spots"] == "0 problemplatser, varav 0 utan uppföljning."
    october = spot_table(exact, Filters(OCTOBER, areas=("dio",)), params, T)
    assert len(october) == 4 and set(october[T("col_reported")]) == {"2018-09-20"}
    everywhere = spot_table(exact, Filters(MAY), params, T)
    assert set(everywhere[T("col_reported")]) == {"2018-03-15"}  # March's stay open in May


def test_public_spot_table_dates_spots_by_month_in_words(exact: Snapshot, public) -> None:
    """The public level moves a spot's date to the 1st of its month: the table says the
    month, not a day that looks exact; exact tiers keep the date."""
    dio = Filters(YEAR, areas=("dio",))
    shown = spot_table(public, dio, CoverageParams(), T)[T("col_reported")]
    assert set(shown) == {"september 2018"}
    in_english = spot_table(public, dio, CoverageParams(), EN)[EN("col_reported")]
    assert set(in_english) == {"September 2018"}
    assert set(spot_table(exact, dio, CoverageParams(), T)[T("col_reported")]) == {"2018-09-20"}


def test_summary_lines_group_thousands() -> None:
    """ "17 områden, 1182 närvarotimmar" read as a year: hours are grouped like every
    other amount."""
    whole = _summary(_areas([1000.0, 182.0] + [0.0] * 15), [])["areas"]
    assert whole == f"17 områden, 1{NBSP}182 närvarotimmar; 15 områden utan närvaro."
    police = _summary(_areas([1000.0, 183.2]), [])["areas"]
    assert police == f"2 områden, 1{NBSP}183,2 närvarotimmar; 0 områden utan närvaro."
    assert _summary(_areas([1000.0, 182.0]), [], EN)["areas"].startswith(
        "2 areas, 1,182 presence hours"
    )


def test_one_area_is_singular() -> None:
    one = _summary(_areas([1.4]), [])
    assert one["areas"] == "1 område, 1,4 närvarotimmar; 0 områden utan närvaro."
    idle = _summary(_areas([0.0]), ["Diö"])
    assert idle["areas"] == "1 område, 0 närvarotimmar; 1 område utan närvaro."
    assert idle["gaps"] == "1 område utan närvaro: Diö."
    assert _summary(_areas([1.0]), [])["areas"].startswith("1 område, 1 närvarotimme;")
    english = _summary(_areas([0.0]), ["Diö"], EN)
    assert english["areas"] == "1 area, 0 presence hours; 1 area without presence."
    assert english["gaps"] == "1 area without presence: Diö."
    two = _summary(_areas([0.0, 0.0]), ["Diö", "Liatorp"])
    assert two["gaps"] == "2 områden utan närvaro: Diö, Liatorp."
