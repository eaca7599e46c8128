"""Times as written in files → UTC, with the clock changes of Swedish local time.

A time with an offset or ``Z`` (``2018-10-28 02:30+01:00``) is taken as written. A time
without one is Swedish local time (Europe/Stockholm). Twice a year that is not one instant:

- the hour 02:00–03:00 on the last Sunday of March does not exist (clocks go from 02:00 to
  03:00). Such a time is refused naming the rule – unless the file is a GPS log whose
  clock ran on unchanged through the night (``running_clock``): then the time is read with
  the offset before the change (+01:00), which is the only reading that keeps its order.
- the hour 02:00–03:00 on the last Sunday of October happens twice (03:00 summer time
  becomes 02:00 winter time). Such a time is read by the file's order: as the first
  occurrence (+02:00), unless the times just before it in the file are already later – then
  as the second (+01:00). Each reading is noted; writing the offset decides it explicitly.

Everything here works on whole columns (pandas' vectorised parser); only the handful of
values inside a clock-change hour are looked at one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from geo.errors import Message
from geo.imports.cells import as_text
from geo.model import LOCAL_TZ

_ZONE = r"\d{1,2}[:.]\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)$"
_DOTTED_TIME = r"^(\d{4}-\d{1,2}-\d{1,2})[ T](\d{1,2})\.(\d{2})"
EXAMPLE = "2018-05-03 14:30"


@dataclass
class ParsedTimes:
    """Times of one or more columns read together.

    ``utc``: one UTC series per column (NaT where blank or refused). ``problems``:
    (column, position) → why the value was refused. ``by_order``: (column, position) →
    how an ambiguous value was read (``first``/``second``), for the report's notes.
    """

    utc: dict[str, pd.Series]
    problems: dict[tuple[str, int], Message] = field(default_factory=dict)
    by_order: dict[tuple[str, int], str] = field(default_factory=dict)
    running_clock: dict[tuple[str, int], bool] = field(default_factory=dict)


_FAST = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")


def _parse(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(zoned UTC, naive, has_zone) for a text column (NaT where not parsed).

    The usual forms (``2018-05-03 14:30``) are read by exact formats in one pass; only the
    rest (offsets, ``14.30``, unpadded dates, fractions) goes through the general parser.
    """
    n = len(text)
    naive = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    zoned = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    has_zone = np.zeros(n, dtype=bool)
    todo = np.array(text.notna(), dtype=bool)
    for fmt in _FAST:
        if not todo.any():
            break
        try:  # a pass over every row only for a format the first row left has
            datetime.strptime(str(text.iloc[int(np.argmax(todo))]), fmt)
        except ValueError:
            continue
        got = pd.to_datetime(text[todo], format=fmt, errors="coerce").to_numpy("datetime64[us]")
        rows = np.flatnonzero(todo)
        naive[rows] = got
        todo[rows[~np.isnat(got)]] = False
    if todo.any():
        rest = text[todo].str.replace(_DOTTED_TIME, r"\1 \2:\3", regex=True)
        zone = rest.str.contains(_ZONE, regex=True).fillna(False).to_numpy(dtype=bool)
        rest = rest.str.replace(r"\s*UTC$", "Z", regex=True)
        rows = np.flatnonzero(todo)
        if zone.any():
            has_zone[rows[zone]] = True
            zoned.iloc[rows[zone]] = pd.to_datetime(
                rest[zone], format="ISO8601", utc=True, errors="coerce"
            ).astype("datetime64[us, UTC]")
        if (~zone).any():
            naive[rows[~zone]] = pd.to_datetime(
                rest[~zone], format="ISO8601", errors="coerce"
            ).to_numpy("datetime64[us]")
    return zoned, pd.Series(naive, index=text.index), pd.Series(has_zone, index=text.index)


def _gap_message(value: str, naive: pd.Timestamp) -> Message:
    day = naive.strftime("%Y-%m-%d")
    return Message(
        "imp_time_missing_hour",
        {
            "value": value,
            "day": day,
            "before": f"{day} {naive:%H:%M}+01:00",
            "after": f"{day} {naive + pd.Timedelta(hours=1):%H:%M}+02:00",
        },
    )


def parse_times(columns: dict[str, pd.Series], *, running_clock: bool = False) -> ParsedTimes:
    """Read time columns (same index, file order) into UTC.

    Parameters
    ----------
    columns : column name → cells as written (text, or spreadsheet datetimes = local time).
        Several columns (start, end) are ordered row by row, left to right, when an
        ambiguous hour is decided by the file's order.
    running_clock : the times come from a GPS log whose clock ran on through the spring
        clock change; times in the missing hour are read with the offset before it.

    Returns
    -------
    :class:`ParsedTimes`; blank cells are NaT without a problem (required-ness is the
    schema's business).
    """
    out = ParsedTimes(utc={})
    candidates: dict[str, tuple[pd.Series, pd.Series, pd.Series]] = {}
    for name, values in columns.items():
        text = as_text(values)
        blank = text.isna() | text.eq("")
        zoned, naive, has_zone = _parse(text)
        bad = ~blank & zoned.isna() & naive.isna()
        for pos in np.flatnonzero(bad.to_numpy()):
            out.problems[(name, int(pos))] = Message(
                "imp_time_unreadable", {"value": text.iloc[pos], "example": EXAMPLE}
            )
        n = len(naive)
        first = naive.dt.tz_localize(LOCAL_TZ, ambiguous=np.ones(n, bool), nonexistent="NaT")
        second = naive.dt.tz_localize(LOCAL_TZ, ambiguous=np.zeros(n, bool), nonexistent="NaT")
        first, second = first.dt.tz_convert("UTC"), second.dt.tz_convert("UTC")
        utc = zoned.where(has_zone, first).astype("datetime64[us, UTC]")
        gap = (~has_zone & naive.notna() & first.isna()).to_numpy()
        for pos in np.flatnonzero(gap):
            if running_clock:
                shifted = naive.iloc[pos].tz_localize(LOCAL_TZ, nonexistent=pd.Timedelta("1h"))
                utc.iloc[pos] = shifted.tz_convert("UTC")
                out.running_clock[(name, int(pos))] = True
            else:
                out.problems[(name, int(pos))] = _gap_message(text.iloc[pos], naive.iloc[pos])
        out.utc[name] = utc
        candidates[name] = (first, second, (~has_zone & first.notna() & (first != second)))
    _decide_by_order(out, candidates)
    return out


def _decide_by_order(
    out: ParsedTimes, candidates: dict[str, tuple[pd.Series, pd.Series, pd.Series]]
) -> None:
    """Read each ambiguous time as its first or second occurrence by what precedes it."""
    names = list(candidates)
    todo = sorted(
        (int(pos), names.index(name))
        for name, (_, _, amb) in candidates.items()
        for pos in np.flatnonzero(amb.to_numpy())
    )
    if not todo:
        return
    for pos, col in todo:
        name = names[col]
        first, second, _ = candidates[name]
        previous = _previous(out, names, pos, col)
        a, b = first.iloc[pos], second.iloc[pos]
        # the second reading only when the file has already passed the first one
        take_second = previous is not None and a < previous <= b
        out.utc[name].iloc[pos] = b if take_second else a
        out.by_order[(name, pos)] = "second" if take_second else "first"


def _previous(out: ParsedTimes, names: list[str], pos: int, col: int) -> pd.Timestamp | None:
    """The nearest earlier time in file order (same row's earlier columns, then rows above)."""
    for c in range(col - 1, -1, -1):
        value = out.utc[names[c]].iloc[pos]
        if pd.notna(value):
            return value
    for p in range(pos - 1, max(pos - 50, -1), -1):
        for c in range(len(names) - 1, -1, -1):
            value = out.utc[names[c]].iloc[p]
            if pd.notna(value):
                return value
    return None
