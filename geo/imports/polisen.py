"""Polisen's public events feed (``GET https://polisen.se/api/events``, JSON) → records.

Only events of one municipality are kept. The municipality is ``location.name``, or – when
the location is a county (``Kronobergs län``, as for Kronoberg since early 2026), missing,
null or empty – the last part of the title (``"13 maj 01.37, Rattfylleri, Älmhult"``);
names are compared without stray spaces and case. Traffic controls and person/vehicle
checks become presence; every other type becomes an incident. The feed's position is the
centre of the municipality or county, so every record is flagged ``location_precision =
municipality``: placed at the municipality centre, never assigned to an area.

Times: the title's day and time of day (``HH.MM`` or ``HH:MM``, Swedish local time) is when
it happened; the year, and the time when the title has none, come from ``datetime`` (the
publication time), written over the years as ``2025-06-07 7:32:06 +02:00``,
``2024-1-7 18:39:31 +01:00`` or ISO 8601 ``2025-03-01T09:59:10+01:00``. An event without
``id`` gets a stable id from its content. Every event left out is listed with the reason.
"""

from __future__ import annotations

import json
import re

import pandas as pd
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo.errors import ImportRejected, Message
from geo.imports.base import ImportResult, Rejection, prepare, records_frame, stable_uid
from geo.model import LOCAL_TZ, LocationPrecision, PresenceKind

ALMHULT_CENTRE = (14.137405, 56.552446)  # lon, lat: the feed's own centre for Älmhult
PRESENCE_TYPES = {
    "Trafikkontroll": PresenceKind.TRAFFIC_CONTROL.value,
    "Kontroll person/fordon": PresenceKind.OTHER.value,
}
_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "januari",
            "februari",
            "mars",
            "april",
            "maj",
            "juni",
            "juli",
            "augusti",
            "september",
            "oktober",
            "november",
            "december",
        ],
        1,
    )
}
_DT = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})$"
)
_TITLE_TIME = re.compile(r"^\s*(\d{1,2})\s+([a-zåäö]+)\s+(\d{1,2})[.:](\d{2})\b", re.IGNORECASE)
_TITLE_DAY = re.compile(r"^\s*(\d{1,2})\s+([a-zåäö]+)\b", re.IGNORECASE)
DATETIME_FORMS = "2025-06-07 7:32:06 +02:00, 2024-1-7 18:39:31 +01:00, 2025-03-01T09:59:10+01:00"


def _fold(name: object) -> str:
    return " ".join(str(name or "").split()).casefold()


def municipality_of(event: dict) -> str:
    """The event's municipality: ``location.name``, or the title's last part when the
    location is a county, missing, null or empty (spaces trimmed)."""
    location = event.get("location")
    name = (
        " ".join(str((location or {}).get("name") or "").split())
        if isinstance(location, dict)
        else ""
    )
    if not name or name.casefold().endswith(" län"):
        title = str(event.get("name") or "")
        return " ".join(title.rsplit(",", 1)[-1].split()) if "," in title else ""
    return name


def parse_published(text: str) -> pd.Timestamp:
    """The feed's ``datetime`` in every form it has used → tz-aware timestamp."""
    m = _DT.match(str(text).strip())
    if not m:
        raise ValueError(text)
    year, month, day, hour, minute, second, offset = m.groups()
    offset = (
        "+00:00" if offset == "Z" else offset if ":" in offset else offset[:3] + ":" + offset[3:]
    )
    return pd.Timestamp(
        f"{year}-{int(month):02d}-{int(day):02d}T{int(hour):02d}:{minute}:{second or '00'}{offset}"
    )


def event_time(event: dict) -> tuple[pd.Timestamp, str]:
    """When it happened and from where: ``("title", t)`` when the title has a time of day,
    else the publication time (``"published"``). Raises ValueError on an unreadable date."""
    published = parse_published(str(event.get("datetime", "")))
    m = _TITLE_TIME.match(str(event.get("name") or ""))
    if m and m.group(2).lower() in _MONTHS:
        day, month = int(m.group(1)), _MONTHS[m.group(2).lower()]
        hour, minute = int(m.group(3)), int(m.group(4))
        year = published.year - (1 if month > published.month else 0)
        try:
            naive = pd.Timestamp(year=year, month=month, day=day, hour=hour, minute=minute)
        except ValueError:
            return published, "published"
        when = _local(naive, published)
        if when is not None:
            return when, "title"
    return published, "published"


def _local(naive: pd.Timestamp, published: pd.Timestamp) -> pd.Timestamp | None:
    """A title's local time; in the repeated autumn hour the latest reading before the
    publication; None in the spring hour that does not exist."""
    readings = {
        naive.tz_localize(LOCAL_TZ, ambiguous=dst, nonexistent="NaT") for dst in (True, False)
    }
    found = sorted(r for r in readings if not pd.isna(r))
    before = [r for r in found if r <= published]
    return before[-1] if before else (found[0] if found else None)


def read_events(data: bytes) -> list[dict]:
    """The feed's JSON array; refused whole if it is not one."""
    try:
        events = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportRejected("imp_file_not_feed") from exc
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise ImportRejected("imp_file_not_feed")
    return events


def _uid(event: dict) -> str:
    """``polisen-<id>``, or for an event without id a hash of what it says."""
    given = event.get("id")
    if given is not None and str(given).strip():
        return f"polisen-{str(given).strip()}"
    location = event.get("location") if isinstance(event.get("location"), dict) else {}
    return stable_uid(
        "polisen-h",
        event.get("datetime"),
        event.get("name"),
        event.get("type"),
        event.get("summary"),
        (location or {}).get("name"),
    )


def prepare_polisen(
    outline: BaseGeometry | None,
    data: bytes,
    municipality: str = "Älmhult",
    centre: tuple[float, float] = ALMHULT_CENTRE,
    *,
    lang: str = "sv",
) -> tuple[ImportResult, ImportResult]:
    """Presence and incidents of ``municipality`` from a feed snapshot (two results)."""
    events = read_events(data)
    items: dict[str, list[dict]] = {"presence": [], "incidents": []}
    rows: dict[str, list[int]] = {"presence": [], "incidents": []}
    refused: dict[str, list[Rejection]] = {"presence": [], "incidents": []}
    left_out: list[tuple[int, str, Message]] = []
    sources = {"title": 0, "published": 0}
    seen: set[str] = set()
    wanted = _fold(municipality)
    for pos, event in enumerate(events, 1):
        title = str(event.get("name") or "")
        where = municipality_of(event)
        if not where:
            left_out.append((pos, title, Message("imp_feed_no_municipality")))
            continue
        if _fold(where) != wanted:
            left_out.append((pos, title, Message("imp_feed_other_municipality", {"name": where})))
            continue
        kind = PRESENCE_TYPES.get(str(event.get("type", "")).strip())
        target = "presence" if kind else "incidents"
        try:
            when, source = event_time(event)
        except ValueError:
            value = event.get("datetime")
            refused[target].append(
                Rejection(
                    pos,
                    "datetime",
                    value,
                    Message("imp_feed_bad_datetime", {"value": value, "forms": DATETIME_FORMS}),
                )
            )
            continue
        uid = _uid(event)
        if uid in seen:
            left_out.append((pos, title, Message("imp_feed_repeated")))
            continue
        seen.add(uid)
        sources[source] += 1
        base = dict(
            uid=uid,
            source="polisen.se events",
            location_precision=LocationPrecision.MUNICIPALITY.value,
            geometry=Point(*centre),
        )
        url = str(event.get("url") or "")
        if kind:
            record = dict(
                base,
                kind=kind,
                start=when,
                end=when,
                unit="Polisen",
                note=f"{event.get('type')}: {event.get('summary', '')}",
            )
        else:
            record = dict(
                base,
                type=event.get("type"),
                time=when,
                title=title,
                summary=event.get("summary"),
                url="https://polisen.se" + url if url.startswith("/") else url,
            )
        items[target].append(record)
        rows[target].append(pos)
    kept = sum(len(v) for v in rows.values()) + sum(len(v) for v in refused.values())
    notes = [
        Message("imp_feed_kept", {"kept": kept, "total": len(events), "name": municipality}),
        Message("imp_feed_times", {"title": sources["title"], "published": sources["published"]}),
    ]
    if left_out:
        notes.append(Message("imp_feed_left_out", {"count": len(left_out)}))
    left = pd.DataFrame(
        [(row, value, msg.text(lang)) for row, value, msg in left_out],
        columns=["row", "value", "reason"],
    )
    results = []
    for layer in ("presence", "incidents"):
        frame = records_frame(items[layer])
        if len(frame) == 0 and not refused[layer]:
            result = ImportResult(
                layer,
                frame,
                pd.DataFrame(columns=["row", "field", "value", "reason"]),
                notes=[n.text(lang) for n in notes],
                lang=lang,
            )
        else:
            result = prepare(
                outline,
                layer,
                frame,
                lang=lang,
                row_numbers=rows[layer],
                pre_rejected=refused[layer],
                notes=notes,
            )
        results.append(result)
    results[0].left_out = left  # listed once, with the first result
    return results[0], results[1]
