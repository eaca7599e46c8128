"""Local times in files: clock changes, offsets, implausible years, in tables end to end."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.areas import builtin_municipality
from geo.imports.files import read_file
from geo.imports.times import parse_times

OUTLINE = builtin_municipality()
UTC = "UTC"


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


def test_plain_local_times_and_written_offsets():
    parsed = parse_times(
        {
            "t": pd.Series(
                [
                    "2018-05-03 14:30",
                    "2018-05-03T14.30",  # Swedish dotted time
                    "2018-1-7 18:39",  # unpadded
                    "2018-05-03 14:30+01:00",
                    "2018-05-03T14:30:00Z",
                    "2018-05-03 14:30 UTC",
                    "",
                    None,
                ]
            )
        }
    )
    assert parsed.utc["t"].tolist()[:6] == [
        utc("2018-05-03 12:30"),
        utc("2018-05-03 12:30"),
        utc("2018-01-07 17:39"),
        utc("2018-05-03 13:30"),
        utc("2018-05-03 14:30"),
        utc("2018-05-03 14:30"),
    ]
    assert parsed.utc["t"].iloc[6:].isna().all() and not parsed.problems


def test_the_missing_spring_hour_is_refused_naming_the_rule():
    parsed = parse_times({"t": pd.Series(["2018-03-25 01:59", "2018-03-25 02:30"])})
    assert list(parsed.problems) == [("t", 1)]
    text = parsed.problems[("t", 1)].text("sv")
    assert "'2018-03-25 02:30' finns inte i svensk tid" in text
    assert "ställdes klockan fram från 02:00 till 03:00" in text
    assert "2018-03-25 02:30+01:00" in text and "2018-03-25 03:30+02:00" in text
    assert "clocks went forward" in parsed.problems[("t", 1)].text("en")


def test_a_gps_log_with_a_running_clock_reads_the_missing_hour_in_order():
    times = ["2018-03-25 01:50", "2018-03-25 02:00", "2018-03-25 02:10", "2018-03-25 02:20"]
    parsed = parse_times({"t": pd.Series(times)}, running_clock=True)
    assert not parsed.problems
    # the clock ran on in winter time (+01:00): ten minutes apart, in order
    assert parsed.utc["t"].diff().dropna().tolist() == [pd.Timedelta(minutes=10)] * 3
    assert parsed.utc["t"].iloc[-1] == utc("2018-03-25 01:20")
    assert sorted(parsed.running_clock) == [("t", 1), ("t", 2), ("t", 3)]


def test_the_repeated_autumn_hour_is_read_by_the_files_order():
    # a night log: 02:20 and 02:50 summer time, clocks back, 02:10 and 02:40 winter time
    times = ["2018-10-28 01:50", "2018-10-28 02:20", "2018-10-28 02:50", "2018-10-28 02:10",
             "2018-10-28 02:40", "2018-10-28 03:05"]  # fmt: skip
    parsed = parse_times({"t": pd.Series(times)})
    got = parsed.utc["t"].dt.strftime("%H:%M").tolist()
    assert got == ["23:50", "00:20", "00:50", "01:10", "01:40", "02:05"]  # UTC
    assert parsed.by_order == {("t", 1): "first", ("t", 2): "first", ("t", 3): "second",
                               ("t", 4): "second"}  # fmt: skip


def test_an_end_in_the_repeated_hour_follows_its_start():
    parsed = parse_times(
        {"start": pd.Series(["2018-10-28 02:40"]), "end": pd.Series(["2018-10-28 02:10"])}
    )
    assert parsed.utc["start"].iloc[0] == utc("2018-10-28 00:40")  # first 02:40, +02:00
    assert parsed.utc["end"].iloc[0] == utc("2018-10-28 01:10")  # second 02:10, +01:00


def test_an_explicit_offset_decides_the_repeated_hour():
    parsed = parse_times({"t": pd.Series(["2018-10-28 02:30+01:00", "2018-10-28 02:30+02:00"])})
    assert parsed.utc["t"].tolist() == [utc("2018-10-28 01:30"), utc("2018-10-28 00:30")]
    assert parsed.by_order == {}


HEADER = "Typ;Starttid;Sluttid;Latitud;Longitud\n"


def _table(*rows: str, **options: object):
    data = (HEADER + "".join(rows)).encode()
    (result,) = read_file(OUTLINE, data, "natt.csv", **options)  # type: ignore[arg-type]
    return result


def test_night_patrols_on_clock_change_nights_in_a_table():
    result = _table(
        "Bilpatrull;2018-10-28 01:30;2018-10-28 02:30;56,551;14,139\n",
        "Bilpatrull;2018-10-28 02:30;2018-10-28 02:10;56,551;14,139\n",
        "Bilpatrull;2018-03-25 01:30;2018-03-25 02:30;56,551;14,139\n",
    )
    assert result.records["start"].tolist() == [utc("2018-10-27 23:30"), utc("2018-10-28 00:30")]
    assert result.records["end"].tolist() == [utc("2018-10-28 00:30"), utc("2018-10-28 01:10")]
    report = result.rejected.set_index("row")
    assert report.loc[4, "field"] == "Sluttid" and report.loc[4, "value"] == "2018-03-25 02:30"
    assert "finns inte i svensk tid" in report.loc[4, "reason"]
    notes = " ".join(result.notes)
    assert "rad 3, Sluttid '2018-10-28 02:10'" in notes and "den andra (vintertid" in notes
    for leak in ("ambiguous", "nonexistent", "infer dst"):
        assert leak not in " ".join(result.rejected["reason"]) + notes


def test_many_repeated_hour_times_are_summed_up_in_one_note():
    rows = [f"Bilpatrull;2018-10-28 02:{m:02d};2018-10-28 02:{m + 1:02d};56,551;14,139\n"
            for m in range(0, 50, 5)]  # fmt: skip
    result = _table(*rows)
    assert result.accepted == 10
    (note,) = [n for n in result.notes if "fanns två gånger" in n]
    assert note.startswith("20 tider") and "rad 2–11" in note


def test_a_running_clock_in_a_table():
    result = _table("Bilpatrull;2018-03-25 02:10;2018-03-25 02:40;56,551;14,139\n",
                    running_clock=True)  # fmt: skip
    assert result.records["start"].tolist() == [utc("2018-03-25 01:10")]
    assert any("löpande klocka" in n for n in result.notes)


@pytest.mark.parametrize("written,words", [
    ("1901-12-13 20:45", "före år 2000"),
    ("1999-12-31 23:59", "före år 2000"),
    ("2999-01-01 10:00", "mer än ett dygn fram i tiden"),
])  # fmt: skip
def test_implausible_times_are_refused_with_the_reason(written, words):
    result = _table(f"Bilpatrull;{written};{written};56,551;14,139\n")
    assert result.accepted == 0
    (reason,) = result.rejected["reason"]
    assert reason.startswith(f"'{written}'") and words in reason
