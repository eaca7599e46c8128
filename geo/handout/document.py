"""The handout as one standalone HTML document, laid out for print.

The first sheet holds the map with its legend beside it, the key figures and the link
back to the live view; then the promise, presence month by month and "you said – we did"
flow over as many pages as they need, each table repeating its header on every page.
Chromium prints the same document to PDF (geo/handout/render.py).
"""

from __future__ import annotations

import html
import ipaddress
import urllib.parse
from dataclasses import dataclass

import pandas as pd
import qrcode
import qrcode.image.svg

from geo.coverage import CoverageParams, had_presence, presence_by_area
from geo.filters import Filters
from geo.handout.figures import said_rows
from geo.handout.public_map import public_map_html
from geo.handout.source import public_source
from geo.i18n import Translate, language_of
from geo.mapview import style
from geo.mapview.layers import esc
from geo.model import LOCAL_TZ, SpotCategory, SpotStatus
from geo.numbers import quantity
from geo.promise import commitments
from geo.publish import at_least
from geo.roles import PUBLIC_TIER
from geo.snapshot import Snapshot
from geo.tiers import public_area_months
from geo.timeunits import align_period, counted_span
from geo.views import counted, dates_by_month, day_or_month

PAPER = {"A4": (1123, 794), "A3": (1587, 1123)}  # landscape, CSS pixels at 96 dpi
PAPER_MM = {"A4": (297, 210), "A3": (420, 297)}  # landscape, millimetres
MARGIN_MM = 10
LOCAL_HOSTS = {"localhost", "localhost.localdomain", "ip6-localhost"}


@dataclass(frozen=True)
class HandoutSpec:
    """What a handout covers: one area (a village or the town) or the whole municipality,
    in which language, on which paper, linking to which public address (``live_url``)."""

    filters: Filters
    area_id: str | None = None
    lang: str = "sv"
    live_url: str = ""
    paper: str = "A4"


def public_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be printed as the public address (a text key), or None.

    An address only this computer reaches (``localhost``, a loopback or unspecified IP) is
    refused: on paper it would send every reader to their own computer.
    """
    if not url.strip():
        return "public_url_missing"
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "public_url_invalid"
    host = parts.hostname.lower()
    if host in LOCAL_HOSTS or host.endswith(".localhost"):
        return "public_url_local"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    return "public_url_local" if ip.is_loopback or ip.is_unspecified else None


def live_link(spec: HandoutSpec) -> str | None:
    """The live view with the handout's filters in the URL (read by the dashboard); None
    when the configured public address cannot be printed (:func:`public_url_problem`)."""
    if public_url_problem(spec.live_url):
        return None
    p = spec.filters.period
    query = {
        "pick": "custom",
        "start": p.start.strftime("%Y-%m-%d"),
        "end": (p.end - pd.Timedelta(seconds=1)).strftime("%Y-%m-%d"),
    }
    if spec.area_id:
        query["areas"] = spec.area_id
    return spec.live_url.strip().rstrip("/") + "/?" + urllib.parse.urlencode(query)


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=6)
    return image.to_string(encoding="unicode")


def _swatch(fill: str, label: str, *, outline: str = "#777", round_: bool = False) -> str:
    radius = "50%" if round_ else "2px"
    return (
        f'<div class="sw"><span style="background:{fill};border:2px solid {outline};'
        f'border-radius:{radius}"></span>{esc(label)}</div>'
    )


def legend_html(t: Translate) -> str:
    """The map's legend, for beside the map (public map: hours, roads, spots)."""
    parts = [f"<h3>{esc(t('legend_public_hours'))}</h3>"]
    bounds = [*style.COVERAGE_BREAKS[1:], 100]
    for lo, hi, colour in zip(style.COVERAGE_BREAKS, bounds, style.COVERAGE_COLOURS, strict=True):
        parts.append(_swatch(colour, f"{lo:g}–{hi:g} %"))
    parts.append(_swatch("#fff", t("legend_no_presence"), outline=style.NO_PRESENCE))
    parts.append(
        f'<div class="sw"><span class="line"></span>{esc(t("layer_roads"))}</div>'
        f"<h3>{esc(t('layer_spots'))}</h3>"
    )
    parts += [
        _swatch(style.CATEGORY_COLOURS[c.value], t("cat_" + c.value), round_=True)
        for c in SpotCategory
    ]
    parts += [
        _swatch("#fff", t("status_" + s.value), outline=style.STATUS_OUTLINE[s.value], round_=True)
        for s in SpotStatus
    ]
    return f'<div class="legend">{"".join(parts)}</div>'


def _table(head: list[str], rows: list[list[object]], widths: list[int], cls: str = "") -> str:
    cols = "".join(f'<col style="width:{w}%">' for w in widths)
    th = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in r) + "</tr>" for r in rows)
    return (
        f'<table class="{cls}"><colgroup>{cols}</colgroup><thead><tr>{th}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _count(value: float | None) -> str:
    return "<3" if value is None or pd.isna(value) else str(int(value))


def _css(paper: str) -> str:
    w, h = PAPER_MM[paper]
    sheet_w, sheet_h = w - 2 * MARGIN_MM, h - 2 * MARGIN_MM - 0.5  # a hair under the page
    return f"""
@page {{ size: {paper} landscape; margin: {MARGIN_MM}mm }}
* {{ box-sizing: border-box }}
body {{ margin: 0; font: 12px/1.35 sans-serif; color: #222;
  font-variant-ligatures: none }}  /* "fi" stays two letters: PDF text searchable, copyable */
@media screen {{ body {{ background: #e8e8e8 }}
  .sheet, .flow {{ background: #fff; margin: 8px auto; padding: {MARGIN_MM}mm;
    width: {w}mm; box-shadow: 0 1px 6px #0003 }}
  .sheet {{ height: {h}mm }} }}
@media print {{ .sheet {{ width: {sheet_w}mm; height: {sheet_h}mm }} }}
.sheet {{ display: flex; flex-direction: column; break-after: page; overflow: hidden }}
.cols {{ display: flex; gap: 5mm; flex: 1; min-height: 0 }}
.map {{ flex: 1; border: 1px solid #999; min-width: 0 }}
.map iframe {{ width: 100%; height: 100%; border: 0; display: block }}
.side {{ width: 62mm; display: flex; flex-direction: column; gap: 3mm; min-height: 0 }}
h1 {{ font-size: 20px; margin: 0 0 1mm }}
h2 {{ font-size: 15px; margin: 6mm 0 2mm; break-after: avoid }}
h3 {{ font-size: 11px; margin: 2mm 0 1mm }}
.small {{ font-size: 10px; color: #555 }}
.legend {{ font-size: 10px; line-height: 1.25 }}
.sw {{ display: flex; align-items: center; gap: 2mm }}
.sw span {{ display: inline-block; width: 11px; height: 11px; flex: none }}
.sw .line {{ height: 4px; background: #404040; border: 0 }}
.figure {{ font-size: 14px; font-weight: 600 }}
.qr svg {{ width: 30mm; height: 30mm }}
.link {{ font-size: 9px; overflow-wrap: anywhere }}
.notice {{ font-size: 10px; color: #a50026; border: 1px solid #a50026; padding: 1mm 2mm }}
table {{ border-collapse: collapse; width: 100%; table-layout: fixed }}
thead {{ display: table-header-group }}
tr {{ break-inside: avoid }}
th, td {{ border-bottom: 1px solid #ccc; padding: 1mm 1.5mm; text-align: left;
  vertical-align: top; overflow-wrap: anywhere }}
th {{ background: #f0f0f0; border-bottom: 1px solid #888; overflow-wrap: normal;
  hyphens: auto }}
.pair {{ display: flex; gap: 10mm; align-items: flex-start; break-inside: avoid }}
.pair > div {{ flex: 1 }}
ol li {{ margin-bottom: 2mm }}
"""


def handout_html(snap: Snapshot, spec: HandoutSpec, t: Translate) -> str:
    """The whole handout as one standalone HTML document, built from the public level of
    ``snap`` (exact or public snapshot; see :func:`geo.handout.source.public_source`).

    Times shown are local (Europe/Stockholm) dates; presence in whole hours per area and
    month; counts below 3 as ``<3``.
    """
    snap = public_source(snap)
    lang = language_of(t)
    f = spec.filters
    if spec.area_id:
        f = Filters(f.period, areas=(spec.area_id,))
    months = public_area_months(snap, f)
    hours = months.groupby("area_id")["hours"].sum() if len(months) else pd.Series(dtype="int64")
    names = dict(zip(snap.areas["id"], snap.areas["name"], strict=True))
    place = names.get(spec.area_id, "") if spec.area_id else t("whole_municipality")
    # The dates the month cells count: whole weeks (2018: Monday 1 January to Sunday 30
    # December), not the calendar dates of the months picked.
    span = counted_span(align_period(f.period, PUBLIC_TIER.time_unit), PUBLIC_TIER.time_unit)
    last_day = (span.end - pd.Timedelta(seconds=1)).tz_convert(LOCAL_TZ)
    period = f"{span.start.tz_convert(LOCAL_TZ):%Y-%m-%d} – {last_day:%Y-%m-%d}"
    year = f.period.start.year
    total = int(hours.get(spec.area_id, 0)) if spec.area_id else int(hours.sum())

    if spec.area_id:
        month_table = _table(
            [t("month"), t("hours"), t("col_visits"), t("col_controls")],
            [
                [
                    r.month,
                    quantity(r.hours, lang),
                    _count(r.visits),
                    at_least(r.controls, r.controls_withheld, t),
                ]
                for r in months.itertuples()
            ],
            [25, 25, 25, 25],
            "narrow",
        )
        area_table = ""
    else:
        month_hours = (
            months.groupby("month", as_index=False)["hours"].sum() if len(months) else None
        )
        month_table = _table(
            [t("month"), t("hours")],
            []
            if month_hours is None
            else [[r.month, quantity(r.hours, lang)] for r in month_hours.itertuples()],
            [50, 50],
            "narrow",
        )
        per_area = [[names[a], quantity(int(hours.get(a, 0)), lang)] for a in snap.areas["id"]]
        area_table = (
            f"<div><h2>{esc(t('handout_area_hours'))}</h2>"
            + _table([t("col_area"), t("hours")], per_area, [70, 30], "narrow")
            + "</div>"
        )
    said = said_rows(snap, spec.area_id, f.period)
    by_month = dates_by_month(snap.tier)  # the public: "2018-09-01" is no dialogue's date
    reported = day_or_month(list(said["reported"]), by_month, lang)
    said_table = _table(
        [
            t("col_area"),
            t("col_description"),
            t("col_category"),
            t("col_reported"),
            t("col_status"),
            t("col_response"),
            t("handout_col_hours_90_days"),
        ],
        [
            [
                r.area,
                r.description,
                t("cat_" + r.category),
                when,
                t("status_" + r.status),
                r.response or "–",
                quantity(r.area_hours_90_days, lang),
            ]
            for r, when in zip(said.itertuples(), reported, strict=True)
        ],
        [11, 26, 11, 10, 9, 23, 10],
    )
    items = commitments(snap, year)
    promise = (
        "<ol>"
        + "".join(f"<li>{esc(c.get(spec.lang) or c.get('sv'))}</li>" for c in items)
        + "</ol>"
        if items
        else f"<p>{esc(t('promise_none'))}</p>"
    )
    link = live_link(spec)
    if link:
        live = (
            f"<div><h3>{esc(t('live_view'))}</h3><div class='qr'>{_qr_svg(link)}</div>"
            f"<div class='link'>{esc(link)}</div></div>"
        )
    else:
        live = f"<div class='notice'>{esc(t('handout_no_link'))}</div>"
    table = presence_by_area(snap, f, CoverageParams())
    present = set(table.loc[had_presence(table), "area_id"])
    map_html = public_map_html(snap, spec.area_id, hours, t, present, f.period)
    title = t("handout_title", place=place)
    generated = pd.Timestamp.now(tz="Europe/Stockholm")
    return f"""<!DOCTYPE html>
<html lang="{esc(spec.lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>{esc(title)}</title><style>{_css(spec.paper)}</style></head><body>
<section class="sheet">
<h1>{esc(title)}</h1>
<div class="small">{esc(t("period"))}: {esc(period)} · {esc(t("generated"))}: {generated:%Y-%m-%d}
· {esc(t("public_level_note"))}</div>
<div class="cols"><div class="map"><iframe class="map-frame" title="map"
srcdoc="{html.escape(map_html, quote=True)}"></iframe></div>
<div class="side">{legend_html(t)}
<div><h3>{esc(t("key_figures"))}</h3>
<div class="figure">{esc(t("hours_in_period", hours=quantity(total, lang)))}</div>
<div>{esc(t("handout_spot_count_counted", spots=counted(t, "spots", len(said))))}</div></div>
{live}</div></div></section>
<section class="flow">
<h2>{esc(t("promise_of_year", year=year))}</h2>{promise}
<div class="pair"><div><h2>{esc(t("handout_monthly"))}</h2>{month_table}</div>
{area_table}</div>
<h2>{esc(t("you_said_we_did"))} – {esc(place)}</h2>{said_table}
<p class="small">{esc(t("public_level_note"))} {esc(t("map_data_note"))}</p>
</section></body></html>"""
