"""One published table per coarse tier, and every figure that tier sees computed from it.

A tier without exact presence (the municipality: area × week; the public: area × month,
units ended two weeks ago) gets one table, built once per data version from exact data by
:func:`geo.tiers.view_for`:

- *presence cells*, area × unit (× presence kind where the tier publishes that split):
  hours rounded to the tier's ``hours_step``, visits and passes (stays of at least / under
  the fixed visit length), counts from 1 to ``suppress_below - 1`` withheld (``<NA>``);
- *control cells*, area × unit × nearest through-traffic road (× control type where
  published): controls, vehicles checked and violations, all withheld with the count.

Every figure such a tier sees – per-area tables, totals over areas, roads, control types
and periods, shares, per-1,000 and per-km² ratios, the town/countryside balance, gaps,
spot follow-up, handouts and exports – is a sum or ratio of published cells and of nothing
else. A withheld cell adds its least possible value (1 control, 0 vehicles) to a total,
which is then a lower bound, shown as "minst N" (companion column ``<name>_withheld``:
how many withheld cells it holds). So no total, difference of totals or ratio reveals a
withheld cell: two data sets with the same published table give the same pages.

A period takes the cells whose unit *starts* in it (the dashboard widens a period to whole
units first, :func:`geo.timeunits.align_period`); filters select whole cells. Times are
UTC epoch seconds of local (Europe/Stockholm) unit starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import GeoError
from geo.filters import Filters
from geo.i18n import Translate, language_of
from geo.model import LOCAL_TZ, AreaKind, PresenceKind
from geo.numbers import MISSING, integer
from geo.roles import Tier, TimeUnit
from geo.store.base import TimeRange
from geo.timeunits import unit_end, unit_start

if TYPE_CHECKING:
    from geo.snapshot import Snapshot

PRESENCE_CELLS = ["area_id", "t0", "kind", "hours", "visits", "passes"]
CONTROL_CELLS = ["area_id", "t0", "road", "control_type", "controls", "vehicles_checked"]
CONTROL_CELLS += ["violations"]
WITHHELD = "_withheld"
CONTROL = PresenceKind.TRAFFIC_CONTROL.value
TOWN = AreaKind.TOWN.value


@dataclass(frozen=True)
class Published:
    """A tier's published table (see the module docstring).

    Attributes
    ----------
    tier : the tier it was published for.
    presence : cells ``area_id, t0, kind`` (``""`` where kinds are not split) with
        ``hours`` (float, rounded) and ``visits``, ``passes`` (Int64, ``<NA>`` withheld).
    controls : cells ``area_id`` (``""``: no area), ``t0``, ``road`` (road uid or ``""``),
        ``control_type`` (``""`` where not split) with ``controls``, ``vehicles_checked``,
        ``violations`` (Int64, all ``<NA>`` where the count is withheld).
    public : the public tier's table, carried by a finer coarse view so that its
        handouts (always public) need no exact data.
    """

    tier: Tier
    presence: pd.DataFrame
    controls: pd.DataFrame
    public: Published | None = None


def published(snap: Snapshot) -> Published:
    """The snapshot's published table; only coarse views built by ``view_for`` have one."""
    if snap.published is None:
        raise GeoError(f"the {snap.tier.role} view holds no published table")
    return snap.published


# ----------------------------------------------------------------------- selecting cells
def _starts_in(t0: pd.Series, period: TimeRange) -> pd.Series:
    return (t0 >= int(period.start.timestamp())) & (t0 < int(period.end.timestamp()))


def presence_cells(snap: Snapshot, filters: Filters, period: bool = True) -> pd.DataFrame:
    """Presence cells of the period (whole units starting in it) and, where the tier
    publishes the kind split, of the chosen kinds; every area."""
    pub = published(snap)
    cells = pub.presence
    m = _starts_in(cells["t0"], filters.period) if period else pd.Series(True, cells.index)
    if pub.tier.split_kinds and filters.kinds:  # none chosen counts as all, as on exact data
        m &= cells["kind"].isin(filters.kinds)
    return cells[m]


def control_cells(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    """Control cells of the period (and none when the chosen kinds leave out controls,
    where the tier publishes the kind split); every area."""
    pub = published(snap)
    cells = pub.controls
    m = _starts_in(cells["t0"], filters.period)
    if pub.tier.split_kinds and filters.kinds and CONTROL not in filters.kinds:
        m &= False
    return cells[m]


def lower_bounds(cells: pd.DataFrame, by: list[str], least: dict[str, int]) -> pd.DataFrame:
    """Per group of ``by``: each column of ``least`` summed over published cells, plus
    ``least[col]`` for every withheld cell, and ``<col>_withheld`` (withheld cells)."""
    frame = cells[by].copy()
    for column, value in least.items():
        values = pd.array(cells[column], dtype="Int64")
        hidden = pd.isna(values)
        frame[column] = np.where(hidden, value, values.fillna(0)).astype(np.int64)
        frame[column + WITHHELD] = hidden.astype(np.int64)
    return frame.groupby(by, sort=False, dropna=False).sum()


# ----------------------------------------------------------------------- the figures
def presence_table(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    """:func:`geo.coverage.presence_by_area` from the published table: the same columns
    (``days`` unknown), counts as lower bounds with ``<name>_withheld`` companions, and
    every ratio and share computed from the published hours."""
    areas = snap.areas
    ids = areas["id"].to_numpy()
    cells = presence_cells(snap, filters)
    sums = _per_area(cells, ids, {"visits": 1, "passes": 1, "hours": 0})
    sums.update(
        _per_area(control_cells(snap, filters), ids, {"controls": 1, "vehicles_checked": 0})
    )
    code = pd.Index(ids).get_indexer(cells["area_id"])
    last = np.full(len(ids), -1, dtype=np.int64)
    np.maximum.at(last, code[code >= 0], cells["t0"].to_numpy(np.int64)[code >= 0])
    table = pd.DataFrame(
        {
            "area_id": ids,
            "name": areas["name"].to_numpy(),
            "kind": areas["kind"].to_numpy(),
            "population": pd.to_numeric(areas["population"], errors="coerce").to_numpy(),
            "km2": areas["km2"].round(2).to_numpy(),
            "hours": np.round(sums["hours"], 1),
            "visits": sums["visits"].astype(np.int64),
            "passes": sums["passes"].astype(np.int64),
            "days": pd.NA,
            "controls": sums["controls"].astype(np.int64),
            "vehicles_checked": sums["vehicles_checked"].astype(np.int64),
        }
    )
    table["hours_per_1000"] = (table["hours"] / table["population"] * 1000).round(1)
    table["hours_per_km2"] = (table["hours"] / table["km2"]).round(2)
    total_h, total_pop = table["hours"].sum(), table["population"].sum()
    table["share_hours"] = (table["hours"] / total_h * 100).round(1) if total_h else 0.0
    table["share_population"] = (table["population"] / total_pop * 100).round(1)
    table["last_presence"] = _local(np.where(last >= 0, last, np.nan))
    for column in ("visits", "passes", "controls", "vehicles_checked"):
        table[column + WITHHELD] = sums[column + WITHHELD].astype(np.int64)
    if filters.areas:
        table = table[table["area_id"].isin(filters.areas)]
    table = table.reset_index(drop=True)
    table.attrs["time_unit"] = snap.tier.time_unit
    return table


def _per_area(cells: pd.DataFrame, ids: np.ndarray, least: dict[str, int]) -> dict:
    """:func:`lower_bounds` by area, as arrays in the order of ``ids`` (fast: a page
    asks for it once per spot in "ni sa – vi gjorde")."""
    code = pd.Index(ids).get_indexer(cells["area_id"])
    keep = code >= 0
    out = {}
    for column, value in least.items():
        values = pd.array(cells[column]).to_numpy(dtype=float, na_value=np.nan)[keep]
        hidden = np.isnan(values)
        out[column] = np.bincount(
            code[keep], weights=np.where(hidden, value, values), minlength=len(ids)
        )
        out[column + WITHHELD] = np.bincount(code[keep], weights=hidden, minlength=len(ids))
    return out


def _local(t0: np.ndarray) -> list[pd.Timestamp]:
    """Unit starts (UTC epoch s, NaN for none) as local timestamps."""
    return [
        pd.NaT if pd.isna(v) else pd.Timestamp(int(v), unit="s", tz="UTC").tz_convert(LOCAL_TZ)
        for v in t0
    ]


def balance_rows(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    """:func:`geo.coverage.weekly_balance` from the published table: town and countryside
    hours per unit (``week_start`` or ``month_start``, local dates) and the share."""
    cells = presence_cells(snap, filters)
    town_ids = set(snap.areas.loc[snap.areas["kind"] == TOWN, "id"])
    frame = pd.DataFrame(
        {"t0": cells["t0"], "town": cells["area_id"].isin(town_ids), "hours": cells["hours"]}
    )
    wide = frame.pivot_table(
        index="t0", columns="town", values="hours", aggfunc="sum", fill_value=0.0
    ).reindex(columns=[True, False], fill_value=0.0)
    wide.columns = ["town_hours", "countryside_hours"]
    total = wide.sum(axis=1)
    wide["countryside_share"] = (wide["countryside_hours"] / total * 100).where(total > 0)
    name = "month_start" if snap.tier.time_unit == TimeUnit.MONTH else "week_start"
    days = [d.date() for d in _local(wide.index.to_numpy())]
    wide.index = pd.Index(days, name=name)
    return wide.round(1).reset_index()


def gaps(snap: Snapshot, filters: Filters, gap_weeks: int) -> pd.DataFrame:
    """:func:`geo.coverage.area_gaps` from the published table: areas whose last cell
    with presence (any count, withheld or not) ended ``gap_weeks`` weeks or more before
    the period end."""
    end = int(filters.period.end.timestamp())
    since = end - gap_weeks * 7 * 86400
    cells = presence_cells(snap, filters, period=False)
    last = cells[cells["t0"] < end].groupby("area_id")["t0"].max()
    last = last.reindex(snap.areas["id"]).to_numpy()
    seen = np.where(np.isnan(last), -1, 0)
    known = ~np.isnan(last)
    seen[known] = unit_end(last[known].astype(np.int64), snap.tier.time_unit)
    gap = seen <= since
    out = snap.areas.loc[gap, ["id", "name", "kind"]].rename(columns={"id": "area_id"})
    last_g = last[gap]
    out["last_presence"] = _local(last_g)
    out["days_without"] = [None if np.isnan(v) else int((end - v) // 86400) for v in last_g]
    if filters.areas:
        out = out[out["area_id"].isin(filters.areas)]
    return out.sort_values("days_without", ascending=False, na_position="first").reset_index(
        drop=True
    )


def road_totals(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    """:func:`geo.coverage.road_controls` from the published table: per road the
    controls near it (lower bound) and vehicles checked, with ``_withheld`` companions."""
    roads = snap.roads
    by_road = lower_bounds(
        control_cells(snap, filters), ["road"], {"controls": 1, "vehicles_checked": 0}
    )
    out = roads[["uid", "road", "locality", "heavy_per_day"]].copy()
    for column in ("controls", "vehicles_checked"):
        for name in (column, column + WITHHELD):
            out[name] = by_road[name].reindex(roads["uid"], fill_value=0).to_numpy(np.int64)
    return out.reset_index(drop=True)


def control_rows(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    """Controls per unit, area and control type (``""`` where types are not published),
    newest first: ``t0, area_id, control_type, controls, vehicles_checked, violations``
    (lower bounds) and their ``_withheld`` companions."""
    cells = control_cells(snap, filters)
    if filters.areas:
        cells = cells[cells["area_id"].isin(filters.areas)]
    rows = lower_bounds(
        cells,
        ["t0", "area_id", "control_type"],
        {"controls": 1, "vehicles_checked": 0, "violations": 0},
    )
    return rows.reset_index().sort_values(["t0", "area_id"], ascending=[False, True])


def follow_up(
    snap: Snapshot, spots: pd.DataFrame, days: int, kinds: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Spot follow-up at the published granularity: presence in the spot's *area* in any
    unit overlapping the ``days`` after the report – a fact the tier's own table shows –
    never a distance to a patrol. The public (spots on a grid, dated by month) gets
    unknown (``<NA>``), as before.

    Columns as :func:`geo.coverage.spot_follow_up`: ``uid, followed_up, nearest_m,
    minutes_within, first_within`` (the unit start, local).
    """
    n = len(spots)
    out = pd.DataFrame(
        {
            "uid": spots["uid"].to_numpy(),
            "followed_up": pd.array([pd.NA] * n, "boolean"),
            "nearest_m": np.full(n, np.nan),
            "minutes_within": np.full(n, np.nan),
            "first_within": [pd.NaT] * n,
        }
    )
    if snap.tier.spot_grid_m is not None or n == 0:
        return out
    pub = published(snap)
    cells = pub.presence
    if pub.tier.split_kinds and kinds:
        cells = cells[cells["kind"].isin(kinds)]
    start = pd.to_datetime(spots["reported"]).dt.tz_localize(LOCAL_TZ)
    ws = ((start - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(np.int64)
    window = pd.DataFrame({"i": np.arange(n), "area_id": spots["area_id"].to_numpy()})
    window["ws"], window["we"] = ws, ws + days * 86400
    unit = snap.tier.time_unit
    units = cells[["area_id", "t0"]].drop_duplicates()
    units = units.assign(t1=unit_end(units["t0"].to_numpy(np.int64), unit))
    pairs = window.merge(units, on="area_id")
    pairs = pairs[(pairs["t0"] < pairs["we"]) & (pairs["t1"] > pairs["ws"])]
    first = pairs.groupby("i")["t0"].min().reindex(range(n)).to_numpy()
    out["followed_up"] = pd.array(~np.isnan(first), "boolean")
    out["first_within"] = _local(first)
    return out


# ----------------------------------------------------------------------- tables out
def units_in(period: TimeRange, unit: TimeUnit) -> list[int]:
    """Starts (UTC epoch s) of the weeks or months that start within ``period``."""
    start, end = int(period.start.timestamp()), int(period.end.timestamp())
    u = int(unit_start(np.array([start]), unit)[0])
    if u < start:
        u = int(unit_end(np.array([u]), unit)[0])
    out = []
    while u < end:
        out.append(u)
        u = int(unit_end(np.array([u]), unit)[0])
    return out


def area_unit_table(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    """Area × unit (every area, every unit starting in the period, zeros included):
    ``area_id, name, kind, t0, hours``, ``visits`` and ``passes`` (``<NA>`` where the
    cell is withheld; summed over kinds where split, then lower bounds), ``controls``,
    ``vehicles_checked`` (lower bounds) and their ``_withheld`` companions."""
    cells = presence_cells(snap, filters)
    counts = lower_bounds(cells, ["area_id", "t0"], {"visits": 1, "passes": 1})
    counts["hours"] = cells.groupby(["area_id", "t0"])["hours"].sum()
    ctrl = lower_bounds(
        control_cells(snap, filters), ["area_id", "t0"], {"controls": 1, "vehicles_checked": 0}
    )
    areas = snap.areas
    if filters.areas:
        areas = areas[areas["id"].isin(filters.areas)]
    grid = pd.MultiIndex.from_product(
        [areas["id"], units_in(filters.period, snap.tier.time_unit)], names=["area_id", "t0"]
    )
    table = pd.DataFrame(index=grid)
    table["hours"] = counts["hours"].reindex(grid, fill_value=0.0).round(1)
    for column in ("visits", "passes"):
        value = counts[column].reindex(grid, fill_value=0)
        hidden = counts[column + WITHHELD].reindex(grid, fill_value=0)
        one_cell = not published(snap).tier.split_kinds
        table[column] = pd.array(value, "Int64")
        if one_cell:  # a single withheld cell stays withheld rather than "at least 1"
            table.loc[(hidden > 0).to_numpy(), column] = pd.NA
            hidden = hidden * 0
        table[column + WITHHELD] = hidden.to_numpy()
    for column in ("controls", "vehicles_checked"):
        table[column] = ctrl[column].reindex(grid, fill_value=0)
        table[column + WITHHELD] = ctrl[column + WITHHELD].reindex(grid, fill_value=0)
    table = table.reset_index()
    names = areas.set_index("id")
    table.insert(1, "name", names["name"].reindex(table["area_id"]).to_numpy())
    table.insert(2, "kind", names["kind"].reindex(table["area_id"]).to_numpy())
    return table


def unit_label(t0: pd.Series, unit: TimeUnit) -> list[str]:
    """Unit starts as ``2018-03`` (month) or ``2018-03-05`` (the week's Monday)."""
    fmt = "%Y-%m" if unit == TimeUnit.MONTH else "%Y-%m-%d"
    return [ts.strftime(fmt) for ts in _local(t0.to_numpy())]


def export_cells(snap: Snapshot, filters: Filters) -> dict[str, gpd.GeoDataFrame]:
    """The published cells of the selection as layers on the area outlines (EPSG:4326):
    ``presence_area_<unit>`` and ``controls_area_<unit>``; withheld values empty."""
    unit = snap.tier.time_unit.value
    outlines = snap.areas.set_index("id")
    names = outlines["name"]
    pres = presence_cells(snap, filters)
    ctrl = control_cells(snap, filters)
    if filters.areas:
        pres = pres[pres["area_id"].isin(filters.areas)]
        ctrl = ctrl[ctrl["area_id"].isin(filters.areas)]
    road_names = dict(zip(snap.roads["uid"], snap.roads["road"], strict=True))
    tier = published(snap).tier
    layers = {}
    for name, cells, columns in (
        ("presence", pres, ["hours", "visits", "passes"]),
        ("controls", ctrl, ["controls", "vehicles_checked", "violations"]),
    ):
        frame = pd.DataFrame(
            {
                "area_id": cells["area_id"].to_numpy(),
                "name": names.reindex(cells["area_id"]).to_numpy(),
                unit: unit_label(cells["t0"], tier.time_unit),
            }
        )
        if name == "presence" and tier.split_kinds:
            frame["kind"] = cells["kind"].to_numpy()
        if name == "controls":
            frame["road"] = [road_names.get(r) for r in cells["road"]]
            if tier.split_control_types:
                frame["control_type"] = cells["control_type"].replace("", None).to_numpy()
        for column in columns:
            frame[column] = cells[column].to_numpy()
        geometry = outlines.geometry.reindex(cells["area_id"]).to_numpy()
        layers[f"{name}_area_{unit}"] = gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)
    return layers


def with_at_least(table: pd.DataFrame, t: Translate) -> pd.DataFrame:
    """A table for people: every column with a ``<name>_withheld`` companion shown as
    "minst N" where withheld cells went into it (that column then all text, numbers
    written the language's way); the companions dropped."""
    lang = language_of(t)
    out = table.copy()
    for companion in [c for c in table.columns if c.endswith(WITHHELD)]:
        column = companion[: -len(WITHHELD)]
        hidden = table[companion].fillna(0).to_numpy() > 0
        if column in out.columns and hidden.any():
            out[column] = [
                MISSING
                if pd.isna(v)
                else t("at_least", n=integer(v, lang))
                if withheld
                else integer(v, lang)
                for v, withheld in zip(table[column], hidden, strict=True)
            ]
        out = out.drop(columns=companion)
    return out


def at_least(value: float, withheld: float, t: Translate) -> str:
    """One figure: ``"N"``, or "minst N" when withheld cells went into it."""
    n = integer(value, language_of(t))
    return t("at_least", n=n) if withheld > 0 else n
