"""Tables for people: the coverage results with translated, readable columns.

Every map fact is also reachable here as a table (keyboard and screen-reader users).
Texts stay plain (Streamlit's dataframe shows them as text, never as HTML).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from geo.coverage import CoverageParams, road_controls, spot_follow_up
from geo.filters import Filters
from geo.i18n import Translate
from geo.mapview.layers import filter_spots
from geo.publish import control_rows, with_at_least
from geo.roles import Tier, TimeUnit
from geo.snapshot import Snapshot
from geo.text import escape_markdown
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


def styled(table: pd.DataFrame) -> Styler:
    """A table for ``st.table``: no index, one decimal, '–' for unknown values, and every
    text cell escaped, because ``st.table`` renders Markdown in cells (a stored
    ``![x](http://…)`` would load an outside image); the reader sees the text as typed."""
    text = list(table.select_dtypes(include=["object", "string"]).columns)
    return (
        table.style.format(precision=1, thousands="\u202f", na_rep="–")
        .format(_cell_text, subset=text, na_rep="–")
        .hide(axis="index")
    )


def _cell_text(value: object) -> str:
    """One cell of a text column (which may hold numbers too) as inert Markdown."""
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", "\u202f")
    return escape_markdown(value)


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
    out[t("col_reported")] = spots["reported"].to_numpy()
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


def audit_table(
    log: pd.DataFrame, actions: list[str] | None = None, user: str | None = None
) -> pd.DataFrame:
    """Audit entries (newest first), optionally only some actions or one user; the stored
    before/after values are shown as text, shortened."""
    rows = log
    if actions:
        rows = rows[rows["action"].isin(actions)]
    if user:
        rows = rows[rows["user"].str.contains(user, case=False, regex=False, na=False)]
    out = rows[["ts_utc", "user", "action", "layer", "uid"]].copy()
    out["detail"] = [
        (str(after if isinstance(after, str) else before or ""))[:200]
        for before, after in zip(rows["before"], rows["after"], strict=True)
    ]
    return out.reset_index(drop=True)
