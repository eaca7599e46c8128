"""What a weekly patrol plan is made of: its inputs, its stops and tours, and its document.

Times are UTC epoch seconds inside the plan and local (Europe/Stockholm) in everything a
person reads; positions are lon/lat (EPSG:4326) and are measured in SWEREF 99 TM
(EPSG:3006) metres. A plan is stored as one JSON document (:meth:`Plan.to_dict`) so that
planned-against-done can be computed long after the inputs have changed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field

import pandas as pd

from geo.coverage import CoverageParams
from geo.errors import GeoError
from geo.i18n import Translate
from geo.model import LOCAL_TZ, PresenceKind
from geo.numbers import parse_decimal

CAR = PresenceKind.CAR_PATROL.value
FOOT = PresenceKind.FOOT_PATROL.value
CONTROL = PresenceKind.TRAFFIC_CONTROL.value
PLAN_KINDS: tuple[str, ...] = (CAR, FOOT, CONTROL)
SHIFT_NAMES: tuple[str, ...] = ("day", "evening", "night")
# Älmhult police station (approximate): where every tour starts and ends.
STATION: tuple[float, float] = (14.1372, 56.5510)
FORMAT = 1  # version of the stored plan document
_WEEK = re.compile(r"^(\d{4})\s*[-–]?\s*(?:[Ww]|[Vv]\.?|[Vv]ecka)?\s*(\d{1,2})$")
# The week as the catalogues' ``week_label`` writes it: ``v. 2 2019``, ``vecka 2, 2019``,
# ``wk 2 2019``.
_WEEK_WORDS = re.compile(r"^(?:[Vv]\.?|[Vv]ecka|[Ww]k\.?|[Ww]eek)\s*(\d{1,2})\s*,?\s*(\d{4})$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class PlanInputError(GeoError):
    """An input the plan cannot use: which row (1-based, or 0 for a single value), which
    field and a reason code (``plan_err_<code>`` in the catalogues) with its values."""

    def __init__(self, row: int, field_name: str, code: str, **values: object) -> None:
        self.row, self.field, self.code, self.values = row, field_name, code, values
        super().__init__(f"plan input row {row}, field '{field_name}': {code} {values or ''}")


@dataclass(frozen=True)
class Shift:
    """One shift of the week: weekday (0 = Monday), name (``day``, ``evening``, ``night``
    or any label), local start ``HH:MM``, length in hours and the kinds of presence it
    takes (car patrol, foot patrol, traffic control)."""

    day: int
    name: str
    start: str
    hours: float
    kinds: tuple[str, ...]

    @property
    def weekend(self) -> bool:
        """Friday evening to Sunday: the weekend shifts."""
        return self.day >= 5 or (self.day == 4 and self.name in ("evening", "night"))


def default_shifts() -> tuple[Shift, ...]:
    """21 shifts: every day 07-15 (day), 15-23 (evening) and 23-07 (night). Car patrols
    take every shift; foot patrols the evenings, and weekend days and nights; traffic
    controls the days and evenings."""
    out = []
    for day in range(7):
        weekend = day >= 5
        out += [
            Shift(day, "day", "07:00", 8.0, (CAR, CONTROL, *((FOOT,) if weekend else ()))),
            Shift(day, "evening", "15:00", 8.0, (CAR, FOOT, CONTROL)),
            Shift(day, "night", "23:00", 8.0, (CAR, *((FOOT,) if day >= 4 else ()))),
        ]
    return tuple(out)


def shifts_from_rows(rows: list[dict[str, object]]) -> tuple[Shift, ...]:
    """Shifts from an edited table (``day``, ``name``, ``start``, ``hours`` and a boolean
    column per kind). Raises :class:`PlanInputError` naming the first bad row and field."""
    out = []
    for i, row in enumerate(rows, 1):
        try:
            day = int(row.get("day"))  # type: ignore[arg-type, call-overload]
        except (TypeError, ValueError):
            raise PlanInputError(i, "day", "day") from None
        if not 0 <= day <= 6:
            raise PlanInputError(i, "day", "day")
        start = str(row.get("start") or "").strip()
        if not _CLOCK.match(start):
            raise PlanInputError(i, "start", "clock", value=start)
        try:
            hours = float(row.get("hours"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise PlanInputError(i, "hours", "shift_hours") from None
        if not 0 < hours <= 24 or hours != hours:
            raise PlanInputError(i, "hours", "shift_hours")
        kinds = tuple(k for k in PLAN_KINDS if bool(row.get(k)))
        name = str(row.get("name") or "").strip() or "day"
        out.append(Shift(day, name[:40], start, hours, kinds))
    return tuple(out)


def hours_from_values(values: dict[str, object]) -> dict[str, float]:
    """Hours per kind from inputs (numbers, or text as typed in either language: ``12,5``
    or ``12.5``); each a number from 0 to 168 (one unit all week)."""
    out = {}
    for i, kind in enumerate(PLAN_KINDS, 1):
        raw = values.get(kind, 0)
        h = 0.0 if raw is None or raw == "" else parse_decimal(raw)
        if h is None or not 0 <= h <= 168:
            raise PlanInputError(i, kind, "hours")
        out[kind] = h
    return out


def normalise_week(text: str) -> str:
    """``2018-W39`` from ``2018-W39``, ``2018-39``, ``2018 v.39``, ``2018 vecka 39`` or
    the words of :func:`week_words` (``v. 39 2018``, ``wk 39 2018``, ``vecka 39, 2018``)."""
    m = _WEEK.match(text.strip())
    if m:
        return f"{m.group(1)}-W{int(m.group(2)):02d}"
    m = _WEEK_WORDS.match(text.strip())
    if m:
        return f"{m.group(2)}-W{int(m.group(1)):02d}"
    raise PlanInputError(0, "week", "week", value=text)


def week_words(week: str, t: Translate) -> str:
    """ISO ``week`` (``2019-W02``) as the reader's language writes it (``v. 2 2019``,
    ``wk 2 2019``: the catalogues' ``week_label``, as in the coverage tables)."""
    iso = normalise_week(week)
    return t("week_label", week=str(int(iso[6:])), year=iso[:4])


def week_bounds(week: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Local Monday 00:00 of ISO ``week`` (``2018-W39``) and of the week after."""
    m = _WEEK.match(week)
    if not m:
        raise PlanInputError(0, "week", "week", value=week)
    try:
        monday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise PlanInputError(0, "week", "week", value=week) from None
    start = pd.Timestamp(monday).tz_localize(LOCAL_TZ)
    return start, pd.Timestamp(monday + dt.timedelta(days=7)).tz_localize(LOCAL_TZ)


def iso_week(when: pd.Timestamp) -> str:
    """The ISO week (``2018-W39``) a local time falls in."""
    year, week, _ = when.tz_convert(LOCAL_TZ).isocalendar()
    return f"{year}-W{week:02d}"


def default_week(last_presence: pd.Timestamp, now: pd.Timestamp) -> str:
    """The week to plan by default: the one after the last logged presence, and never
    later than next week (a store of a past year plans the week after its data)."""
    anchor = min(last_presence, now)
    return iso_week(anchor + pd.Timedelta(days=7))


def shift_window(shift: Shift, week_start: pd.Timestamp, week_end: pd.Timestamp) -> tuple[int, int]:
    """UTC epoch seconds of a shift's start and end, cut at the end of the week."""
    day = (week_start + pd.Timedelta(days=shift.day)).date()
    start = pd.Timestamp(f"{day} {shift.start}").tz_localize(
        LOCAL_TZ, nonexistent="shift_forward", ambiguous=False
    )
    end = min(start + pd.Timedelta(hours=shift.hours), week_end)
    return int(start.timestamp()), int(end.timestamp())


@dataclass(frozen=True)
class PlanRequest:
    """Everything a plan is made from.

    Attributes
    ----------
    week : ISO week to plan, ``YYYY-Www``.
    hours : hours available per kind (car patrol, foot patrol, traffic control) this week.
    shifts : the week's shifts (:func:`default_shifts`).
    params : the rules in force (gap weeks, spot radius and days, dwell minutes).
    seed : seed of the random time windows and choices (same seed, same plan).
    exclude : area ids to leave out.
    control_minutes : length of one traffic control on site.
    patrol_max_minutes : a car or foot stop lasts the dwell plus 0 to this many minutes.
    town_min_share : the town keeps at least this share of the planned time on site.
    base : lon, lat where tours start and end.
    car_kmh, foot_kmh : straight-line speeds (EPSG:3006 distance per hour); a foot patrol
        is driven on legs longer than ``walk_max_m``.
    """

    week: str
    hours: dict[str, float]
    shifts: tuple[Shift, ...] = field(default_factory=default_shifts)
    params: CoverageParams = field(default_factory=CoverageParams)
    seed: int = 0
    exclude: tuple[str, ...] = ()
    control_minutes: float = 45.0
    patrol_max_minutes: float = 20.0
    town_min_share: float = 0.3
    base: tuple[float, float] = STATION
    car_kmh: float = 50.0
    foot_kmh: float = 4.5
    walk_max_m: float = 2000.0

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["shifts"] = [asdict(s) for s in self.shifts]
        return out

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> PlanRequest:
        values = dict(d)
        values["shifts"] = tuple(
            Shift(**{**s, "kinds": tuple(s["kinds"])})  # type: ignore[dict-item]
            for s in d["shifts"]  # type: ignore[attr-defined]
        )
        values["params"] = CoverageParams(**d["params"])  # type: ignore[arg-type]
        values["exclude"] = tuple(d.get("exclude") or ())  # type: ignore[arg-type]
        values["base"] = tuple(d["base"])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


@dataclass
class Stop:
    """One planned stop: a place, the unit's kind, and when.

    ``place`` is a stable key (``spot:<uid>``, ``centre:<area>``, ``road:<uid>``);
    ``what`` says what kind of place (``spot``, ``centre``, ``zone``, ``road``);
    ``reason`` why it is in the plan (``gap``, ``spot_open``, ``road``, ``spot_stale``,
    ``balance``); ``asked`` what residents said at the dialogue (spots only, user text).
    ``dwell_min`` is the minimum stay, ``minutes`` the planned time on site.
    """

    place: str
    what: str
    area_id: str
    lon: float
    lat: float
    name: str
    reason: str
    kind: str
    dwell_min: float
    minutes: float
    arrive: int = 0
    leave: int = 0
    category: str | None = None
    asked: str | None = None
    dialogue: str | None = None


@dataclass
class Tour:
    """The stops one unit (kind) makes in one shift, in driving order, and the time it
    takes: ``travel_min`` between base and stops, the block ``start``-``end``."""

    shift: int
    kind: str
    budget_min: float
    stops: list[Stop] = field(default_factory=list)
    travel_min: float = 0.0
    km: float = 0.0
    start: int = 0
    end: int = 0

    @property
    def used_min(self) -> float:
        return self.travel_min + sum(s.minutes for s in self.stops)


@dataclass
class Plan:
    """A week's plan: the request, the tours, what could not be placed, and the effect
    (figures before and after replaying the plan as logged presence)."""

    request: PlanRequest
    week_start: int
    week_end: int
    tours: list[Tour]
    needs: dict[str, list[str]] = field(default_factory=dict)
    unplaced: list[dict[str, str]] = field(default_factory=list)
    before: dict[str, float] = field(default_factory=dict)
    after: dict[str, float] = field(default_factory=dict)
    planned_hours: dict[str, float] = field(default_factory=dict)

    @property
    def stops(self) -> list[Stop]:
        return [s for tour in self.tours for s in tour.stops]

    def hours_by_kind(self) -> dict[str, float]:
        """Planned hours per kind, travel included."""
        out = dict.fromkeys(PLAN_KINDS, 0.0)
        for tour in self.tours:
            out[tour.kind] += tour.used_min / 60
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "week": self.request.week,
            "seed": self.request.seed,
            "request": self.request.to_dict(),
            "week_start": self.week_start,
            "week_end": self.week_end,
            "tours": [asdict(t) for t in self.tours],
            "needs": self.needs,
            "unplaced": self.unplaced,
            "before": self.before,
            "after": self.after,
            "planned_hours": self.planned_hours,
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Plan:
        tours = [
            Tour(**{**t, "stops": [Stop(**s) for s in t["stops"]]})  # type: ignore[dict-item]
            for t in d["tours"]  # type: ignore[attr-defined]
        ]
        return cls(
            request=PlanRequest.from_dict(d["request"]),  # type: ignore[arg-type]
            week_start=int(d["week_start"]),  # type: ignore[arg-type, call-overload]
            week_end=int(d["week_end"]),  # type: ignore[arg-type, call-overload]
            tours=tours,
            needs=dict(d.get("needs") or {}),  # type: ignore[arg-type, call-overload]
            unplaced=list(d.get("unplaced") or []),  # type: ignore[arg-type, call-overload]
            before=dict(d.get("before") or {}),  # type: ignore[arg-type, call-overload]
            after=dict(d.get("after") or {}),  # type: ignore[arg-type, call-overload]
            planned_hours=dict(d.get("planned_hours") or {}),  # type: ignore[arg-type, call-overload]
        )
