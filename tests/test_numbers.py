import numpy as np
import pandas as pd

from geo.numbers import (
    column_formats,
    decimals_needed,
    integer,
    month_name,
    month_year,
    number,
    parse_decimal,
    percent,
    quantity,
    signed,
)

NBSP = "\u00a0"


def test_swedish_and_english_numbers():
    assert number(1.38, "sv") == "1,38" and number(1.38, "en") == "1.38"
    assert number(11682, "sv") == f"11{NBSP}682" and number(11682.0, "en") == "11,682"
    assert number(90.0, "sv") == "90"  # whole days without decimals
    assert number(53861, "sv") == f"53{NBSP}861"
    assert number(2018, "sv") == "2018"  # a year is never "2 018"
    assert number(1.5, "sv", 2) == "1,50"
    assert integer(11682.4, "sv") == f"11{NBSP}682"
    assert number(np.float64(0.26), "sv") == "0,26" and number(np.int64(7), "sv") == "7"


def test_missing_values_are_a_dash():
    for missing in (None, float("nan"), pd.NA, pd.NaT, float("inf")):
        assert number(missing, "sv") == "–"
    assert percent(float("nan"), "sv") == "–"


def test_percent_sign_and_months():
    assert percent(41.2, "sv") == f"41{NBSP}%" and percent(41.2, "en") == "41%"
    assert signed(1.04, "sv") == "+1" and signed(-2.54, "sv", 1) == "-2,5"
    assert signed(0.2, "sv") == "0"
    assert month_name(5, "sv") == "maj" and month_name(5, "en") == "May"
    assert month_year("2018-09-03", "sv") == "september 2018"


def test_table_formats_keep_numbers_numbers():
    frame = pd.DataFrame(
        {"name": ["a", "b"], "pop": [11682.0, float("nan")], "h": [1.25, 3.5], "n": [1, 2]}
    )
    assert decimals_needed(frame["pop"]) == 0 and decimals_needed(frame["h"]) == 2
    formats = column_formats(frame, "sv")
    assert set(formats) == {"pop", "h", "n"}
    assert formats["pop"](11682.0) == f"11{NBSP}682" and formats["h"](3.5) == "3,50"


def test_typed_numbers_are_read_in_either_language():
    assert parse_decimal("12,5") == 12.5
    assert parse_decimal("12.5") == 12.5
    assert parse_decimal(" 56,55100 ") == 56.551
    assert parse_decimal("\u221214,139") == -14.139
    assert parse_decimal("1\u202f000,5") == 1000.5
    assert parse_decimal(40) == 40.0
    for bad in ("", None, "abc", "1,000.5", "1.2.3", "1_0", "inf", "nan"):
        assert parse_decimal(bad) is None, bad


def test_amounts_group_thousands_from_four_digits() -> None:
    assert quantity(1182) == f"1{NBSP}182" and quantity(1183.2) == f"1{NBSP}183,2"
    assert quantity(1182, "en") == "1,182" and quantity(1183.2, "en") == "1,183.2"
    assert quantity(999) == "999" and quantity(11682) == f"11{NBSP}682"
    assert quantity(-1500.5) == f"-1{NBSP}500,5" and quantity(float("nan")) == "–"
