"""Tables for people: the coverage results with translated, readable columns.

Every map fact is also reachable here as a table (keyboard and screen-reader users).
Texts stay plain (Streamlit's dataframe shows them as text, never as HTML).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from geo.coverage import CoverageParams, had_presence, road_controls, spot_follow_up
from geo.filters import Filters
from geo.i18n import Translate, language_of
from geo.mapview.layers import filter_spots
from geo.numbers import MISSING, column_formats, month_year, number, quantity
from geo.publish import control_rows, with_at_least
from geo.roles import Tier, TimeUnit
from geo.snapshot import Snapshot
from geo.timeunits import label

AREA_COLUMNS = [
    "name",
    "kind",
    "population",
    "km2",
    "hours",
    "visits",
    "passes",
    "days",
    "controls",
    "hours_per_1000",
    "hours_per_km2",
    "share_hours",
    "share_population",
]


def styled(table: pd.DataFrame, lang: str = "sv") -> Styler:
    """A table for display in ``lang``: numbers written the language's way (whole numbers
    without decimals, ``1,38`` and ``11 682`` in Swedish), '–' for unknown values, no
    index. The values stay numbers, so a sortable table sorts them as numbers."""
    formats = column_formats(table, lang)
    return table.style.format(formats, na_rep=MISSING).hide(axis="index")


def balance_trend(weekly: pd.DataFrame, weeks: int = 4) -> float | None:
    """Change of the countryside share (percentage points): last ``weeks`` vs the ones before.

    None when there are too few weeks, or the rows are months (the public tier).
    """
    if weekly.columns[0] != "week_start":
        return None
    share = weekly["countryside_share"].dropna()
    if len(share) < 2 * weeks:
        return None
    return float(share.iloc[-weeks:].mean() - share.iloc[-2 * weeks : -weeks].mean())


def counted(t: Translate, key: str, n: float, decimals: int | None = None) -> str:
    """``n`` with the word of catalogue ``key`` in its number: ``count_<key>_one`` for
    exactly 1 (``1 område``), else ``count_<key>_other`` (``0 områden``, ``1,4 ...``);
    ``n`` written by :func:`quantity`."""
    form = "one" if n == 1 else "other"
    return t(f"count_{key}_{form}", n=quantity(n, language_of(t), decimals))


def dates_by_month(tier: Tier) -> bool:
    """Whether ``tier`` sees spot, dialogue and activity dates only by month (the public:
    :func:`geo.tiers.view_for` moves them to the 1st, which is no date to print)."""
    return tier.time_unit == TimeUnit.MONTH or tier.spot_grid_m is not None


def day_or_month(values: pd.Series | list[object], by_month: bool, lang: str) -> list[object]:
    """ISO dates as shown: the date itself, or where dates are known only by month
    (:func:`dates_by_month`) the month in words (``september 2018``); missing or
    unreadable values as they are."""
    out: list[object] = []
    for value in values:
        stamp = pd.to_datetime(value, errors="coerce") if isinstance(value, str) else value
        if not by_month or stamp is None or pd.isna(stamp):
            out.append(value)
        else:
            out.append(month_year(stamp, lang))
    return out


def _when(values: pd.Series, unit: TimeUnit = TimeUnit.EXACT) -> list[str]:
    """Local times as text at the tier's unit (minute, ISO week or month)."""
    return ["–" if pd.isna(v) else label(pd.Timestamp(v), unit) for v in values]


def area_table(table: pd.DataFrame, t: Translate) -> pd.DataFrame:
    """Per-area coverage with the denominators shown (no day count in coarse tiers)."""
    unit = table.attrs.get("time_unit", TimeUnit.EXACT)
    columns = [c for c in AREA_COLUMNS if not (c == "days" and unit != TimeUnit.EXACT)]
    out = with_at_least(table, t)[columns].copy()  # "minst N" where cells are withheld
    out["kind"] = [t("kind_" + k) for k in out["kind"]]
    out["last_presence"] = _when(table["last_presence"], unit)
    return out.rename(columns=lambda c: t("col_" + c))


def gap_table(gaps: pd.DataFrame, t: Translate, unit: TimeUnit = TimeUnit.EXACT) -> pd.DataFrame:
    """Areas without presence in the last weeks, longest gap first."""
    out = {
        t("col_name"): gaps["name"],
        t("col_kind"): [t("kind_" + k) for k in gaps["kind"]],
        t("col_last_presence"): _when(gaps["last_presence"], unit),
    }
    if unit == TimeUnit.EXACT:
        out[t("col_days_without")] = gaps["days_without"]
    return pd.DataFrame(out)


def spot_table(
    snap: Snapshot, filters: Filters, params: CoverageParams, t: Translate
) -> pd.DataFrame:
    """Problem spots with their follow-up: presence within the radius in the window."""
    spots = filter_spots(snap, filters)
    follow = spot_follow_up(snap, spots, params, filters.kinds)
    names = dict(zip(snap.areas["id"], snap.areas["name"], strict=True))
    tier = snap.tier
    out: dict[str, object] = {t("col_description"): spots["description"].to_numpy()}
    out[t("col_category")] = [t("cat_" + c) for c in spots["category"]]
    out[t("col_area")] = [names.get(a, "–") for a in spots["area_id"]]
    out[t("col_reported")] = day_or_month(
        list(spots["reported"]), dates_by_month(tier), language_of(t)
    )
    out[t("col_status")] = [t("status_" + s) for s in spots["status"]]
    if tier.spot_grid_m is None:  # follow-up is known where spots are exact
        out[t("col_followed_up")] = [
            "–" if pd.isna(f) else t("yes") if f else t("no") for f in follow["followed_up"]
        ]
        out[t("col_first_within")] = _when(follow["first_within"], tier.time_unit)
    if tier.exact_presence:
        out[t("col_nearest_m")] = follow["nearest_m"].to_numpy()
    out[t("col_response")] = spots["response"].fillna("").to_numpy()
    return pd.DataFrame(out)


def road_table(
    snap: Snapshot, filters: Filters, params: CoverageParams, t: Translate
) -> pd.DataFrame:
    """Through-traffic roads and the traffic controls near them in the period."""
    roads = road_controls(snap, filters, params)
    shown = with_at_least(roads, t)  # coarse tiers: "minst N" where cells are withheld
    example = snap.roads["heavy_per_day_is_example"].to_numpy() == 1
    heavy = [
        ("–" if pd.isna(h) else f"{int(h)}" + (f" ({t('example_value')})" if ex else ""))
        for h, ex in zip(roads["heavy_per_day"], example, strict=True)
    ]
    return pd.DataFrame(
        {
            t("col_road"): roads["road"],
            t("col_locality"): roads["locality"],
            t("col_heavy_per_day"): heavy,
            t("col_controls"): shown["controls"],
            t("col_vehicles_checked"): shown["vehicles_checked"],
            t("col_gap"): np.where(
                (roads["controls"] == 0).fillna(False), t("no_control_in_period"), ""
            ),
        }
    )


def control_table(snap: Snapshot, filters: Filters, t: Translate) -> pd.DataFrame:
    """Traffic controls in the period (local times), newest first; in coarse tiers one row
    per week or month, area and type (where published) from the published cells."""
    if not snap.tier.exact_presence:
        names = dict(zip(snap.areas["id"], snap.areas["name"], strict=True))
        return _control_summary(control_rows(snap, filters), names, snap.tier, t)
    p = snap.presence
    m = (
        (p["kind"] == "traffic_control")
        & (p["start"] < filters.period.end)
        & (p["end"] >= filters.period.start)
    )
    if filters.areas:
        m &= p["area_id"].isin(filters.areas)
    rows = p[m].sort_values("start", ascending=False)
    names = dict(zip(snap.areas["id"], snap.areas["name"], strict=True))
    return pd.DataFrame(
        {
            t("col_start"): _when(rows["start"].dt.tz_convert("Europe/Stockholm")),
            t("col_place"): rows["note"].fillna("").to_numpy(),
            t("col_area"): [names.get(a, "–") for a in rows["area_id"]],
            t("control_type"): [
                t("ctrl_" + c) if isinstance(c, str) else "–" for c in rows["control_type"]
            ],
            t("col_vehicles_checked"): rows["vehicles_checked"].to_numpy(),
            t("col_violations"): rows["violations"].to_numpy(),
        }
    )


def _control_summary(
    rows: pd.DataFrame, names: dict[str, str], tier: Tier, t: Translate
) -> pd.DataFrame:
    """Published control rows for people ("minst N" where withheld cells went in)."""
    start = pd.Series(pd.to_datetime(rows["t0"].to_numpy(dtype="int64"), unit="s", utc=True))
    shown = with_at_least(rows, t)
    out = {
        t("col_start"): _when(start, tier.time_unit),
        t("col_area"): [names.get(a, "–") for a in rows["area_id"]],
    }
    if tier.split_control_types:
        out[t("control_type")] = [t("ctrl_" + c) if c else "–" for c in rows["control_type"]]
    out[t("col_controls")] = shown["controls"].to_numpy()
    out[t("col_vehicles_checked")] = shown["vehicles_checked"].to_numpy()
    out[t("col_violations")] = shown["violations"].to_numpy()
    return pd.DataFrame(out)


def incident_table(store_incidents: pd.DataFrame, filters: Filters, t: Translate) -> pd.DataFrame:
    """Imported Polisen events in the period (municipality level: no place is implied)."""
    frame = store_incidents
    m = (frame["time"] >= filters.period.start) & (frame["time"] < filters.period.end)
    rows = frame[m].sort_values("time", ascending=False)
    return pd.DataFrame(
        {
            t("col_start"): _when(rows["time"].dt.tz_convert("Europe/Stockholm")),
            t("col_kind"): rows["type"].to_numpy(),
            t("col_description"): rows["summary"].fillna("").to_numpy(),
            t("col_source"): rows["url"].fillna("").to_numpy(),
        }
    )


def weekly_table(weekly: pd.DataFrame, t: Translate) -> pd.DataFrame:
    """Week by week (ISO week numbers) or month by month, town and countryside hours."""
    lang = language_of(t)
    out = weekly.copy()
    first = out.columns[0]
    out[first] = [_unit_label(first, d, t, lang) for d in out[first]]
    return out.rename(columns=lambda c: t("col_" + c))


def _unit_label(column: str, day: object, t: Translate, lang: str) -> str:
    stamp = pd.Timestamp(day)
    if column == "month_start":
        return month_year(stamp, lang)
    year, week = stamp.isocalendar()[:2]
    return t("week_label", week=str(week), year=str(year))


def balance_chart_data(weekly: pd.DataFrame, t: Translate) -> pd.DataFrame:
    """The weekly balance in long form for a stacked bar chart: ``label`` (the week or
    month in words, in order), ``group`` (town or countryside), ``hours`` and
    ``hours_text`` (hours written the language's way, for tooltips)."""
    lang = language_of(t)
    first = weekly.columns[0]
    labels = [_unit_label(first, d, t, lang) for d in weekly[first]]
    rows = []
    for column, group in (("town_hours", t("town")), ("countryside_hours", t("countryside"))):
        for text, hours in zip(labels, weekly[column], strict=True):
            rows.append(
                {"label": text, "group": group, "hours": hours, "hours_text": number(hours, lang)}
            )
    return pd.DataFrame(rows, columns=["label", "group", "hours", "hours_text"])


def summaries(
    table: pd.DataFrame,
    gaps: pd.DataFrame,
    spots: pd.DataFrame,
    roads: pd.DataFrame | None,
    controls: pd.DataFrame | None,
    t: Translate,
) -> dict[str, str]:
    """One line per coverage table saying what it holds (shown above the collapsed table).

    ``table`` is the per-area table from :func:`geo.coverage.presence_by_area`; the others
    are the tables of this module (translated columns); ``roads`` or ``controls`` None: no
    line for them (the overview shows neither). Counts a coarse tier withholds are not
    summed: the lines give numbers of rows, hours and gaps only."""
    lang = language_of(t)
    hours = pd.to_numeric(table["hours"], errors="coerce")
    none = int((~had_presence(table)).sum())
    out = {
        "areas": area_sentence(len(table), float(hours.sum()), none, t),
        "gaps": t(
            "sum_gaps_counted",
            areas=counted(t, "areas", len(gaps)),
            names=", ".join(map(str, gaps[t("col_name")])),
        )
        if len(gaps)
        else t("no_gaps"),
    }
    followed = t("col_followed_up")
    if followed in spots.columns:
        without = int((spots[followed] == t("no")).sum())
        out["spots"] = t(
            "sum_spots_counted",
            spots=counted(t, "spots", len(spots)),
            without=quantity(without, lang),
        )
    else:
        out["spots"] = t("sum_spots_hidden", spots=counted(t, "spots", len(spots)))
    if roads is not None:
        out["roads"] = t(
            "sum_roads",
            n=quantity(len(roads), lang),
            without=quantity(int((roads[t("col_gap")] == t("no_control_in_period")).sum()), lang),
        )
    if controls is None:
        return out
    if t("col_place") in controls.columns:  # one row per control (exact tier)
        checked = pd.to_numeric(controls[t("col_vehicles_checked")], errors="coerce")
        out["controls"] = t(
            "sum_controls",
            n=quantity(len(controls), lang),
            vehicles=quantity(float(checked.sum()), lang),
        )
    else:
        out["controls"] = t("sum_control_rows", n=quantity(len(controls), lang))
    return out


def area_sentence(n: int, hours: float, none: int, t: Translate) -> str:
    """``17 områden, 1 182 närvarotimmar; 0 områden utan närvaro.`` (singular for one)."""
    return t(
        "sum_areas_counted",
        areas=counted(t, "areas", n),
        hours=counted(t, "hours", hours),
        none=counted(t, "areas", none),
    )


def monthly_table(months: pd.DataFrame, previous: pd.DataFrame, t: Translate) -> pd.DataFrame:
    """Month by month against the previous year (both from
    :func:`geo.promise.monthly_presence`); a month without logged data stays missing."""
    lang = language_of(t)
    out = with_at_least(months, t)  # coarse tiers: "minst N" where withheld cells went in
    out["month"] = [month_year(pd.Timestamp(m + "-01"), lang) for m in months["month"]]
    out["previous_town_hours"] = previous["town_hours"].to_numpy()
    out["previous_countryside_hours"] = previous["countryside_hours"].to_numpy()
    return out.rename(columns=lambda c: t("col_" + c))


def evidence_table(records: pd.DataFrame, t: Translate) -> pd.DataFrame:
    """The records behind a commitment (:func:`geo.promise.evidence_records`), in words."""
    out = records.copy()
    if "target_group" in out.columns:
        out["target_group"] = [_coded(t, "target_", g) for g in out["target_group"]]
    return out.rename(columns=lambda c: t("col_" + c))


def _coded(t: Translate, prefix: str, value: object) -> str:
    """The words for a code, or the stored text itself where it is not one of ours (a
    target group typed into an import is free text)."""
    try:
        return t(prefix + str(value))
    except KeyError:
        return "" if value is None or value != value else str(value)
