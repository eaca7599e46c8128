"""The medborgarlöfte scorecard: each commitment's target, progress, status and evidence.

Promises are data (layer ``promises``: year, commitments as JSON). Metrics understood:
``dialogues`` (open citizens' dialogues held), ``narcotics_activities`` (crime-prevention
activities with focus narcotics), ``civil_society_partners`` (distinct partners that are
neither the police nor the municipality), ``presence_town_and_countryside`` (presence every
month in both the town and the countryside, no village left for ``gap_weeks``).
Status: ``met`` when the target is reached, ``on_track`` when progress keeps pace with the
share of the year gone, ``behind`` otherwise.
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
from geo.snapshot import Snapshot

OWN_ORGANISATIONS = ("polis", "kommun")  # partners whose name holds these are not civil society


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
    """Month by month: presence hours in the town and in the countryside, and controls."""
    rows = []
    for month in range(1, 13):
        start = pd.Timestamp(year=year, month=month, day=1)
        end = start + pd.offsets.MonthEnd(0)
        f = Filters(custom_period(start.date(), end.date()))
        table = presence_by_area(snap, f, CoverageParams())
        town = table["kind"] == "town"
        rows.append(
            {
                "month": f"{year}-{month:02d}",
                "town_hours": table.loc[town, "hours"].sum(),
                "countryside_hours": table.loc[~town, "hours"].sum(),
                "controls": int(table["controls"].sum()),
                # coarse tiers: withheld cells in that total (it is then a lower bound)
                "controls_withheld": int(table.get("controls_withheld", pd.Series([0])).sum()),
            }
        )
    return pd.DataFrame(rows).round(1)


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
    period = year_period(year)
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
            months = monthly_presence(snap, year)
            gone = months.iloc[: max(1, int(np.ceil(share * 12)))]
            both = int(((gone["town_hours"] > 0) & (gone["countryside_hours"] > 0)).sum())
            gaps = area_gaps(snap, Filters(period.period), params)
            villages = gaps.loc[gaps["kind"] == "village", "name"].tolist()
            progress = float(both)
            target = float(len(gone))
            evidence = t(
                "ev_presence",
                both=both,
                months=len(gone),
                weeks=params.gap_weeks,
                villages=", ".join(villages) or t("none"),
            )
            link = f"?pick=4weeks&year={year}"
            status = "met" if both == len(gone) and not villages else "behind"
            out.append(Commitment(c["id"], text, metric, target, progress, status, evidence, link))
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
    return pd.DataFrame(rows)


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
