"""Polisen's public events feed (``GET https://polisen.se/api/events``, JSON) → records.

Only events of one municipality are kept: ``location.name`` is the municipality, or (for
Kronoberg since early 2026) the county, with the municipality as the last part of
``name``. Traffic controls and person/vehicle checks become presence; every other type
becomes an incident. The feed's position is the centre of the municipality or county, so
every record is flagged ``location_precision = municipality``: placed at the municipality
centre, counted for the municipality, never for an area.
"""

from __future__ import annotations

import json
import re

import pandas as pd
from shapely.geometry import Point

from geo.errors import ImportRejected
from geo.imports.base import ImportResult, prepare, records_frame, rejection
from geo.model import LOCAL_TZ, LocationPrecision, PresenceKind
from geo.store.base import Store

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
_DT = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{1,2}):(\d{2}):(\d{2}) ([+-]\d{2}:\d{2})$")
_NAME_TIME = re.compile(r"^(\d{1,2}) ([a-zåäö]+) (\d{1,2})\.(\d{2}),")


def municipality_of(event: dict) -> str:
    """The event's municipality: ``location.name``, or the last part of ``name``
    when the location is a county (``… län``)."""
    location = (event.get("location") or {}).get("name", "")
    if location.endswith(" län"):
        return str(event.get("name", "")).rsplit(",", 1)[-1].strip()
    return location


def parse_published(text: str) -> pd.Timestamp:
    """``2025-06-07 7:32:06 +02:00`` (hour not zero-padded) → tz-aware timestamp."""
    m = _DT.match(text.strip())
    if not m:
        raise ValueError(f"'{text}' is not the feed's date format")
    day, hour, minute, second, offset = m.groups()
    return pd.Timestamp(f"{day}T{int(hour):02d}:{minute}:{second}{offset}")


def event_time(event: dict) -> pd.Timestamp:
    """When it happened: ``name`` starts with "DD month HH.MM"; the year and the fallback
    come from ``datetime`` (the publication time)."""
    published = parse_published(str(event.get("datetime", "")))
    m = _NAME_TIME.match(str(event.get("name", "")))
    if m and m.group(2) in _MONTHS:
        day, month, hour, minute = (
            int(m.group(1)),
            _MONTHS[m.group(2)],
            int(m.group(3)),
            int(m.group(4)),
        )
        year = published.year - (1 if month > published.month else 0)
        try:
            return pd.Timestamp(
                year=year, month=month, day=day, hour=hour, minute=minute, tz=LOCAL_TZ
            )
        except ValueError:
            pass
    return published


def read_events(data: bytes) -> list[dict]:
    """The feed's JSON array; refused whole if it is not one."""
    try:
        events = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportRejected(f"not a Polisen events JSON file: {exc}") from exc
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise ImportRejected("not a Polisen events JSON file: expected a list of events")
    return events


def prepare_polisen(
    store: Store,
    data: bytes,
    municipality: str = "Älmhult",
    centre: tuple[float, float] = ALMHULT_CENTRE,
) -> tuple[ImportResult, ImportResult]:
    """Presence and incidents of ``municipality`` from a feed snapshot (two results)."""
    events = read_events(data)
    presence, incidents = [], []
    rejected: dict[str, list[dict[str, object]]] = {"presence": [], "incidents": []}
    rows: dict[str, list[int]] = {"presence": [], "incidents": []}
    kept = 0
    for pos, event in enumerate(events, 1):
        if municipality_of(event) != municipality:
            continue
        kept += 1
        kind = PRESENCE_TYPES.get(str(event.get("type", "")))
        target = "presence" if kind else "incidents"
        try:
            when = event_time(event)
        except ValueError as exc:
            rejected[target].append(rejection(pos, "datetime", str(exc)))
            continue
        base = dict(
            uid=f"polisen-{event.get('id')}",
            source="polisen.se events",
            location_precision=LocationPrecision.MUNICIPALITY.value,
            geometry=Point(*centre),
        )
        url = str(event.get("url") or "")
        if kind:
            presence.append(
                dict(
                    base,
                    kind=kind,
                    start=when,
                    end=when,
                    unit="Polisen",
                    note=f"{event.get('type')}: {event.get('summary', '')}",
                )
            )
        else:
            incidents.append(
                dict(
                    base,
                    type=event.get("type"),
                    time=when,
                    title=event.get("name"),
                    summary=event.get("summary"),
                    url="https://polisen.se" + url if url.startswith("/") else url,
                )
            )
        rows[target].append(pos)
    note = (
        f"{kept} of {len(events)} events concern {municipality}; positions are the "
        "municipality centre (area-level), never the incident site"
    )
    results = []
    for layer, items in (("presence", presence), ("incidents", incidents)):
        frame = records_frame(items)
        if len(frame) == 0:
            results.append(
                ImportResult(
                    layer,
                    frame,
                    pd.DataFrame(rejected[layer], columns=["row", "field", "reason"]),
                    notes=[note],
                )
            )
            continue
        results.append(
            prepare(
                store,
                layer,
                frame,
                row_numbers=rows[layer],
                pre_rejected=rejected[layer],
                notes=[note],
            )
        )
    return results[0], results[1]
