"""Out to the car: the plan as a printable A4 page (HTML, PDF), GPX and CSV.

Police level only: these files hold exact places and times. Times are shown in local
time (Europe/Stockholm), GPX times in UTC as the format requires; coordinates EPSG:4326.
Text that came from people (what residents said at a dialogue, place names) is escaped
in HTML and GPX and neutralised for spreadsheets in CSV. The PDF is the HTML page printed
by Debian's chromium (:func:`geo.handout.render_in_chromium`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import gpxpy.gpx
import pandas as pd

from geo.handout import CHROMIUM, render_in_chromium
from geo.i18n import Translate
from geo.model import LOCAL_TZ
from geo.numbers import number
from geo.plan.effect import statement
from geo.plan.model import Plan, Stop, Tour

A4_PORTRAIT = (794, 1123)  # CSS pixels at 96 dpi
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _local(epoch: int) -> pd.Timestamp:
    return pd.Timestamp(epoch, unit="s", tz="UTC").tz_convert(LOCAL_TZ)


def _decimal(value: float, lang: str, digits: int = 1) -> str:
    return number(value, lang, digits)


def stop_label(stop: Stop, t: Translate) -> str:
    """What the place is, in words: a spot's category and description, a village centre,
    a quarter of the town, a countryside patrol point or a control point on a road."""
    if stop.what == "spot":
        return f"{t('cat_' + (stop.category or 'other'))}: {stop.name}"
    return t("plan_place_" + stop.what, name=stop.name)


def shift_title(plan: Plan, tour: Tour, t: Translate) -> str:
    """e.g. "måndag 24/9 · kväll 15:00–23:00 · Bilpatrull"."""
    shift = plan.request.shifts[tour.shift]
    day = _local(plan.week_start) + pd.Timedelta(days=shift.day)
    name = (
        t("plan_shift_" + shift.name) if shift.name in ("day", "evening", "night") else shift.name
    )
    end = (pd.Timestamp(f"2000-01-01 {shift.start}") + pd.Timedelta(hours=shift.hours)).strftime(
        "%H:%M"
    )
    return t(
        "plan_tour_title",
        day=t(f"plan_day_{shift.day}"),
        date=f"{day.day}/{day.month}",
        shift=name,
        start=shift.start,
        end=end,
        kind=t("kind_" + tour.kind),
    )


def tour_rows(plan: Plan, t: Translate) -> pd.DataFrame:
    """One row per tour: shift, planned time (local), stops, km, hours (travel included)."""
    return pd.DataFrame(
        {
            t("plan_csv_shift"): [shift_title(plan, tour, t) for tour in plan.tours],
            t("plan_stop_time"): [
                f"{_local(tour.start):%H:%M}–{_local(tour.end):%H:%M}" for tour in plan.tours
            ],
            t("plan_col_stops_planned"): [len(tour.stops) for tour in plan.tours],
            "km": [tour.km for tour in plan.tours],
            t("plan_col_hours"): [round(tour.used_min / 60, 2) for tour in plan.tours],
        }
    )


def unplaced_rows(plan: Plan, t: Translate, names: dict[str, str]) -> pd.DataFrame:
    """What the plan could not place (or was told to leave out), and why."""
    return pd.DataFrame(
        {
            t("plan_stop_place"): [u["name"] for u in plan.unplaced],
            t("plan_stop_area"): [names.get(u["area_id"], "–") for u in plan.unplaced],
            t("plan_stop_reason"): [t("plan_reason_" + u["reason"]) for u in plan.unplaced],
        }
    )


def stop_rows(plan: Plan, t: Translate, names: dict[str, str], lang: str = "sv") -> pd.DataFrame:
    """One row per stop in driving order, local times; columns translated."""
    rows = []
    for tour in plan.tours:
        title = shift_title(plan, tour, t)
        for n, s in enumerate(tour.stops, 1):
            rows.append(
                {
                    "plan_col_week": plan.request.week,
                    "plan_csv_shift": title,
                    "plan_stop_no": n,
                    "plan_csv_arrive": f"{_local(s.arrive):%Y-%m-%d %H:%M}",
                    "plan_csv_leave": f"{_local(s.leave):%Y-%m-%d %H:%M}",
                    "plan_stop_place": stop_label(s, t),
                    "plan_stop_area": names.get(s.area_id, s.area_id),
                    "plan_stop_reason": t("plan_reason_" + s.reason),
                    "plan_stop_minutes": int(round(s.minutes)),
                    "plan_csv_lat": _decimal(s.lat, lang, 6),
                    "plan_csv_lon": _decimal(s.lon, lang, 6),
                    "plan_stop_asked": s.asked or "",
                    "plan_csv_dialogue": s.dialogue or "",
                }
            )
    frame = pd.DataFrame(rows, columns=list(_COLUMNS))
    return frame.rename(columns=lambda c: t(c))


_COLUMNS = (
    "plan_col_week",
    "plan_csv_shift",
    "plan_stop_no",
    "plan_csv_arrive",
    "plan_csv_leave",
    "plan_stop_place",
    "plan_stop_area",
    "plan_stop_reason",
    "plan_stop_minutes",
    "plan_csv_lat",
    "plan_csv_lon",
    "plan_stop_asked",
    "plan_csv_dialogue",
)


def _cell(value: object) -> object:
    """A spreadsheet cell that cannot be a formula (OWASP: prefix with ')."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def plan_csv(plan: Plan, t: Translate, names: dict[str, str], lang: str = "sv") -> bytes:
    """CSV for Excel: UTF-8 with BOM, ``;``-separated, decimal comma in Swedish, local
    times; text cells that would start a formula are prefixed with '."""
    frame = stop_rows(plan, t, names, lang).map(_cell)
    sep = ";" if lang == "sv" else ","
    # CRLF rows: a line break inside a cell is quoted, never a new row that starts a formula
    return frame.to_csv(index=False, sep=sep, lineterminator="\r\n").encode("utf-8-sig")


def plan_gpx(plan: Plan, t: Translate, names: dict[str, str]) -> bytes:
    """GPX 1.1: one route per shift in driving order (base, stops, base) and a waypoint
    per stop with its time (UTC) and what to do there."""
    doc = gpxpy.gpx.GPX()
    doc.creator = "Medborgarlöfte Älmhult – veckoplan"
    base_lon, base_lat = plan.request.base
    for tour in plan.tours:
        title = shift_title(plan, tour, t)
        route = gpxpy.gpx.GPXRoute(name=title)
        route.points.append(gpxpy.gpx.GPXRoutePoint(base_lat, base_lon, name=t("plan_base")))
        for n, s in enumerate(tour.stops, 1):
            label = f"{n}. {stop_label(s, t)}"
            when = pd.Timestamp(s.arrive, unit="s", tz="UTC").to_pydatetime()
            route.points.append(gpxpy.gpx.GPXRoutePoint(s.lat, s.lon, name=label, time=when))
            note = f"{_local(s.arrive):%H:%M}–{_local(s.leave):%H:%M} · {names.get(s.area_id, '')}"
            doc.waypoints.append(
                gpxpy.gpx.GPXWaypoint(
                    s.lat,
                    s.lon,
                    time=when,
                    name=f"{title} – {label}",
                    description=f"{note} · {t('plan_reason_' + s.reason)}"
                    + (f" · {s.asked}" if s.asked else ""),
                )
            )
        route.points.append(gpxpy.gpx.GPXRoutePoint(base_lat, base_lon, name=t("plan_base")))
        doc.routes.append(route)
    return doc.to_xml(version="1.1").encode("utf-8")


def plan_html(plan: Plan, t: Translate, names: dict[str, str], lang: str = "sv") -> str:
    """The printable plan: one section per shift with its stops, times and what residents
    said; A4 portrait. Every text is escaped."""
    esc = html.escape
    req = plan.request
    sections = []
    for tour in plan.tours:
        rows = "".join(
            f"<tr><td>{n}</td><td>{_local(s.arrive):%H:%M}–{_local(s.leave):%H:%M}</td>"
            f"<td>{esc(stop_label(s, t))}</td><td>{esc(names.get(s.area_id, s.area_id))}</td>"
            f"<td>{esc(t('plan_reason_' + s.reason))}</td>"
            f"<td>{esc(s.asked or '')}"
            + (f"<div class='small'>{esc(s.dialogue)}</div>" if s.dialogue else "")
            + "</td></tr>"
            for n, s in enumerate(tour.stops, 1)
        )
        line = t(
            "plan_tour_line",
            start=f"{_local(tour.start):%H:%M}",
            end=f"{_local(tour.end):%H:%M}",
            stops=len(tour.stops),
            km=_decimal(tour.km, lang),
            travel=int(tour.travel_min),
        )
        sections.append(
            f"<section><h2>{esc(shift_title(plan, tour, t))}</h2><p class='small'>{esc(line)}</p>"
            f"<table><tr><th>{esc(t('plan_stop_no'))}</th><th>{esc(t('plan_stop_time'))}</th>"
            f"<th>{esc(t('plan_stop_place'))}</th><th>{esc(t('plan_stop_area'))}</th>"
            f"<th>{esc(t('plan_stop_reason'))}</th><th>{esc(t('plan_stop_asked'))}</th></tr>"
            f"{rows}</table></section>"
        )
    effect = statement(plan.before, plan.after, req.params.gap_weeks, t, lang)
    width, height = A4_PORTRAIT
    return f"""<!DOCTYPE html>
<html lang="{esc(lang)}"><head><meta charset="utf-8">
<title>{esc(t("plan_doc_title", week=req.week))}</title>
<style>
@page {{ size: A4 portrait; margin: 12mm }}
body {{ margin: 0; font: 11px/1.35 sans-serif; color: #111; max-width: {width}px }}
h1 {{ font-size: 18px; margin: 0 0 4px }} h2 {{ font-size: 13px; margin: 12px 0 2px }}
section {{ page-break-inside: avoid }}
table {{ border-collapse: collapse; width: 100% }}
td, th {{ border-bottom: 1px solid #bbb; padding: 2px 4px; text-align: left;
         vertical-align: top }}
.small {{ font-size: 9.5px; color: #444; margin: 0 }}
.secret {{ border: 2px solid #000; padding: 3px 6px; font-weight: 700; display: inline-block }}
</style></head><body data-page-height="{height}">
<h1>{esc(t("plan_doc_title", week=req.week))}</h1>
<p class="secret">{esc(t("plan_doc_secret"))}</p>
<p class="small">{esc(t("plan_doc_made", seed=req.seed))}</p>
<p>{esc(effect)}</p>
{"".join(sections)}
</body></html>"""


def plan_pdf(plan: Plan, t: Translate, names: dict[str, str], lang: str = "sv") -> bytes:
    """The printable plan as an A4 PDF, printed by Debian's chromium.

    Raises FileNotFoundError naming the browser when it is not installed (the HTML page
    prints from any browser).
    """
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"{CHROMIUM} is needed to print the plan as PDF")
    width, height = A4_PORTRAIT
    _, pdf = render_in_chromium(
        plan_html(plan, t, names, lang), width, height, ("pdf",), map_frame=False
    )
    assert pdf is not None
    return pdf


def plan_files(
    plan: Plan, t: Translate, names: dict[str, str], lang: str = "sv"
) -> list[tuple[str, str, str, Callable[[], bytes]]]:
    """The downloads for the car: (label key, file extension, MIME type, maker). The PDF
    only where chromium is installed; the HTML page prints from any browser."""
    files: list[tuple[str, str, str, Callable[[], bytes]]] = [
        (
            "plan_download_html",
            "html",
            "text/html",
            lambda: plan_html(plan, t, names, lang).encode(),
        ),
        ("plan_download_gpx", "gpx", "application/gpx+xml", lambda: plan_gpx(plan, t, names)),
        ("plan_download_csv", "csv", "text/csv", lambda: plan_csv(plan, t, names, lang)),
    ]
    if Path(CHROMIUM).exists():
        files.insert(
            0,
            ("plan_download_pdf", "pdf", "application/pdf", lambda: plan_pdf(plan, t, names, lang)),
        )
    return files
