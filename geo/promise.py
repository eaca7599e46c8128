"""The medborgarlöfte scorecard: each commitment's target, progress, status and evidence.

Promises are data (layer ``promises``: year, commitments as JSON). Metrics understood:
``dialogues`` (open citizens' dialogues held), ``narcotics_activities`` (crime-prevention
activities with focus narcotics), ``civil_society_partners`` (distinct partners that are
neither the police nor the municipality), ``presence_town_and_countryside`` (presence every
month in both the town and the countryside, no village left for ``gap_weeks``).
Status: ``met`` when the target is reached, ``on_track`` when progress keeps pace with the
share of the year gone, ``behind`` otherwise. A commitment measured by several figures
(presence: months with presence in town and countryside, and villages reached) shows every
figure, and its status is the worst of theirs, so a status never contradicts a number shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.coverage import CoverageParams, area_gaps, presence_by_area
from geo.filters import Filters, custom_period
from geo.i18n import Translate
from geo.model import LOCAL_TZ
from geo.plan.adherence import plan_evidence
from geo.roles import TimeUnit
from geo.snapshot import Snapshot
from geo.store.base import TimeRange

OWN_ORGANISATIONS = ("polis", "kommun")  # partners whose name holds these are not civil society


@dataclass(frozen=True)
class Part:
    """One figure of a commitment: ``progress`` of ``target`` in ``unit`` (a catalogue
    key suffix: ``unit_months``, ``unit_villages``; empty for a plain count)."""

    progress: float
    target: float | None
    unit: str = ""
    status: str = "on_track"


@dataclass(frozen=True)
class Commitment:
    """One commitment of a promise and how it stands."""

    id: str
    text: str
    metric: str
    target: float | None
    progress: float
    status: str  # met, on_track, behind
    evidence: str  # what the number is made of, in words
    link: str  # query string for the map filtered to the evidence
    parts: tuple[Part, ...] = ()
    # "months" when judged on a coarse tier's month cells, where a gap of a few weeks
    # cannot show: the verdict then says so, rather than contradict a finer tier in silence.
    basis: str = ""

    def figures(self) -> tuple[Part, ...]:
        """The figures to show: the parts, or progress of target."""
        return self.parts or (Part(self.progress, self.target, "", self.status),)


def commitments(snap: Snapshot, year: int) -> list[dict]:
    """The commitments of ``year``'s promise (empty when there is none)."""
    rows = snap.promises[snap.promises["year"] == year]
    return [] if rows.empty else json.loads(rows["commitments"].iloc[0])


def year_period(year: int) -> Filters:
    return Filters(custom_period(f"{year}-01-01", f"{year}-12-31"))


def elapsed_share(year: int, as_of: pd.Timestamp) -> float:
    """Share of ``year`` gone by ``as_of`` (0-1)."""
    start = pd.Timestamp(year=year, month=1, day=1, tz=LOCAL_TZ)
    end = pd.Timestamp(year=year + 1, month=1, day=1, tz=LOCAL_TZ)
    return float(np.clip((as_of - start) / (end - start), 0, 1))


def _status(progress: float, target: float | None, share: float) -> str:
    if target is None:
        return "on_track"
    if progress >= target:
        return "met"
    return "on_track" if progress >= target * share else "behind"


def civil_society_partners(activities: pd.DataFrame) -> list[str]:
    """Distinct partners named in activities that are neither police nor municipality."""
    names: set[str] = set()
    for partners in activities["partners"].dropna():
        for name in str(partners).split(";"):
            name = name.strip()
            if name and not any(own in name.lower() for own in OWN_ORGANISATIONS):
                names.add(name)
    return sorted(names)


def monthly_presence(snap: Snapshot, year: int) -> pd.DataFrame:
    """Month by month: presence hours in the town and in the countryside, and controls.

    Months outside the logged data (before the first or after the last presence the tier
    may see) are missing (NaN), not zero: no record is not the same as no presence.
    Computed once per snapshot and year (the overview's verdict asks on every run).
    """
    return snap.remembered(("monthly_presence", year), lambda: _monthly(snap, year)).copy()


def _monthly(snap: Snapshot, year: int) -> pd.DataFrame:
    extent = snap.extent() if len(snap.fixes) else None
    rows: list[dict[str, object]] = []
    for month in range(1, 13):
        start = pd.Timestamp(year=year, month=month, day=1)
        end = start + pd.offsets.MonthEnd(0)
        f = Filters(custom_period(start.date(), end.date()))
        logged = extent is not None and f.period.start < extent.end and f.period.end > extent.start
        if not logged:
            rows.append({"month": f"{year}-{month:02d}"})
            continue
        table = presence_by_area(snap, f, CoverageParams())
        town = table["kind"] == "town"
        controls = pd.to_numeric(table["controls"], errors="coerce")
        rows.append(
            {
                "month": f"{year}-{month:02d}",
                "town_hours": table.loc[town, "hours"].sum(),
                "countryside_hours": table.loc[~town, "hours"].sum(),
                "controls": controls.sum() if controls.notna().any() else float("nan"),
                # coarse tiers: withheld cells in that total (it is then a lower bound)
                "controls_withheld": float(table.get("controls_withheld", pd.Series([0])).sum()),
            }
        )
    columns = ["month", "town_hours", "countryside_hours", "controls", "controls_withheld"]
    out = pd.DataFrame(rows).reindex(columns=columns)
    out[columns[1:]] = out[columns[1:]].astype(float).round(1)
    return out


def scorecard(
    snap: Snapshot,
    year: int,
    as_of: pd.Timestamp,
    t: Translate,
    lang: str = "sv",
    params: CoverageParams | None = None,
) -> list[Commitment]:
    """Progress of every commitment of ``year`` as of ``as_of`` (tz-aware)."""
    params = params or CoverageParams()
    share = elapsed_share(year, as_of)
    y = str(year)
    out: list[Commitment] = []
    dialogues = snap.dialogues[snap.dialogues["date"].str.startswith(y)]
    acts = snap.activities[snap.activities["date"].str.startswith(y)]
    for c in commitments(snap, year):
        metric, target = c["metric"], c.get("target")
        text = c.get(lang) or c.get("sv") or c["id"]
        if metric == "dialogues":
            spots = snap.problem_spots["dialogue_uid"].isin(dialogues["uid"]).sum()
            progress = float(len(dialogues))
            evidence = t("ev_dialogues", n=len(dialogues), spots=spots)
            link = f"?pick=year&year={year}"
        elif metric == "narcotics_activities":
            narcotics = acts[acts["focus"] == "narcotics"]
            youth = int((narcotics["target_group"] == "youth").sum())
            progress = float(len(narcotics))
            evidence = t("ev_narcotics", n=len(narcotics), youth=youth)
            link = f"?pick=year&year={year}"
        elif metric == "civil_society_partners":
            partners = civil_society_partners(acts)
            progress = float(len(partners))
            evidence = "; ".join(partners) or t("none")
            link = f"?pick=year&year={year}"
        elif metric == "presence_town_and_countryside":
            out.append(_presence_commitment(snap, c, text, year, as_of, share, t, params))
            continue
        else:
            progress, evidence, link = 0.0, t("ev_unknown", metric=metric), ""
        out.append(
            Commitment(
                c["id"],
                text,
                metric,
                target,
                progress,
                _status(progress, target, share),
                evidence,
                link,
            )
        )
    return out


def _presence_commitment(
    snap: Snapshot,
    c: dict,
    text: str,
    year: int,
    as_of: pd.Timestamp,
    share: float,
    t: Translate,
    params: CoverageParams,
) -> Commitment:
    """Presence in both town and countryside: every month gone so far, and every village
    reached in the last ``gap_weeks`` before ``as_of`` (or the year's end)."""
    months = monthly_presence(snap, year)
    gone = months.iloc[: max(1, int(np.ceil(share * 12)))]
    both = int(((gone["town_hours"] > 0) & (gone["countryside_hours"] > 0)).sum())
    start = pd.Timestamp(year=year, month=1, day=1, tz=LOCAL_TZ)
    end = min(
        pd.Timestamp(year=year + 1, month=1, day=1, tz=LOCAL_TZ),
        as_of.tz_convert(LOCAL_TZ).normalize() + pd.Timedelta(days=1),
    )
    gaps = area_gaps(snap, Filters(TimeRange(start, end)), params)
    villages = snap.areas.loc[snap.areas["kind"] == "village", "name"].tolist()
    missing = sorted(set(gaps.loc[gaps["kind"] == "village", "name"]) & set(villages))
    month_part = Part(
        float(both), float(len(gone)), "months", "met" if both == len(gone) else "behind"
    )
    reached = len(villages) - len(missing)
    village_part = Part(
        float(reached), float(len(villages)), "villages", "met" if not missing else "behind"
    )
    parts = (month_part, village_part)
    status = "met" if all(p.status == "met" for p in parts) else "behind"
    monthly = snap.tier.time_unit == TimeUnit.MONTH
    evidence = t(
        "ev_presence_months" if monthly else "ev_presence",
        both=both,
        months=len(gone),
        weeks=params.gap_weeks,
        villages=", ".join(missing) or t("none"),
    ) + plan_evidence(snap, year, as_of, t)  # police only: plans are in no other tier
    return Commitment(
        c["id"],
        text,
        c["metric"],
        float(len(gone)),
        float(both),
        status,
        evidence,
        f"?pick=4weeks&year={year}",
        parts,
        "months" if monthly else "",
    )


VERDICTS = ("verdict_kept", "verdict_on_track", "verdict_partly", "verdict_not_yet")


def verdict(cards: list[Commitment], year: int, t: Translate) -> str:
    """One line on whether the promise is kept, from its scorecard: "Löftet 2018 hålls
    delvis: 3 av 4 åtaganden uppfyllda" (kept, on track, partly, not yet)."""
    n = len(cards)
    if not n:
        return t("verdict_none", year=str(year))
    met = sum(c.status == "met" for c in cards)
    behind = sum(c.status == "behind" for c in cards)
    if met == n:
        key = "verdict_kept"
    elif not behind:
        key = "verdict_on_track"
    elif met:
        key = "verdict_partly"
    else:
        key = "verdict_not_yet"
    line = t(key, year=str(year), met=met, n=n, behind=behind)
    if any(c.basis == "months" for c in cards):
        line += " " + t("verdict_basis_months")
    return line


def you_said_we_did(
    snap: Snapshot, params: CoverageParams, areas: list[str] | None = None
) -> pd.DataFrame:
    """Per problem spot: what residents said, what was done, and the presence that followed.

    Public-safe: presence is given as whole hours in the spot's area over the 90 days after
    the dialogue (area level, no times), and whether presence came within the radius.
    """
    from geo.coverage import spot_follow_up

    spots = snap.problem_spots
    if areas:
        spots = spots[spots["area_id"].isin(areas)]
    follow = spot_follow_up(snap, spots, params).set_index("uid")
    names = dict(zip(snap.areas["id"], snap.areas["name"], strict=True))
    rows = []
    for row in spots.itertuples():
        start = pd.Timestamp(row.reported)
        f = Filters(
            custom_period(start.date(), (start + pd.Timedelta(days=89)).date()),
            areas=(row.area_id,),
        )
        hours = presence_by_area(snap, f, params)["hours"].sum()
        rows.append(
            {
                "area": names.get(row.area_id, "–"),
                "description": row.description,
                "category": row.category,
                "reported": row.reported,
                "status": row.status,
                "response": row.response or "",
                "followed_up": _known(follow.loc[row.uid, "followed_up"]),
                "area_hours_90_days": int(round(hours)),
            }
        )
    return pd.DataFrame(rows, columns=SAID_COLUMNS)  # the columns too when no spot is named


SAID_COLUMNS = [
    "area",
    "description",
    "category",
    "reported",
    "status",
    "response",
    "followed_up",
    "area_hours_90_days",
]


def _known(flag: object) -> bool | None:
    """A yes/no, or None where the tier cannot know it."""
    return None if pd.isna(flag) else bool(flag)


def evidence_records(snap: Snapshot, year: int, metric: str) -> pd.DataFrame:
    """The records behind a commitment's number: dialogues, or activities with their
    target group and partners (civil-society partners listed per activity)."""
    y = str(year)
    if metric == "dialogues":
        d = snap.dialogues[snap.dialogues["date"].str.startswith(y)]
        spots = snap.problem_spots.groupby("dialogue_uid").size()
        return pd.DataFrame(
            {
                "date": d["date"],
                "place": d["place"],
                "participants": d["participants"],
                "spots": [int(spots.get(u, 0)) for u in d["uid"]],
            }
        )
    acts = snap.activities[snap.activities["date"].str.startswith(y)]
    if metric == "narcotics_activities":
        acts = acts[acts["focus"] == "narcotics"]
    elif metric != "civil_society_partners":
        return pd.DataFrame()
    civil = [
        ", ".join(civil_society_partners(pd.DataFrame({"partners": [p]}))) for p in acts["partners"]
    ]
    return pd.DataFrame(
        {
            "date": acts["date"],
            "kind": acts["kind"],
            "target_group": acts["target_group"],
            "partners": acts["partners"],
            "civil_society": civil,
        }
    ).sort_values("date")


def progress_text(card: Commitment, t: Translate) -> str:
    """A commitment's figures in words: "2 av 1", "11 av 11 mån. · 7 av 11 orter"."""
    shown = []
    for part in card.figures():
        target = "–" if part.target is None else part.target
        text = t("n_of_m", n=part.progress, m=target)
        shown.append(text + (" " + t("unit_" + part.unit) if part.unit else ""))
    return " · ".join(shown)
