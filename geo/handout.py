"""Meeting material on the public detail level: a standalone HTML handout, PNG and PDF.

Built only from :mod:`geo.tiers` output (area × month, whole hours, small counts
suppressed, problem spots on a 500 m grid) and never from patrol points, tracks or times.
The HTML inlines every asset (opens offline on any laptop); PNG and PDF are screenshots of
it in Debian's chromium (the same map the app shows), with a matplotlib render as the
fallback where no browser is installed.
"""

from __future__ import annotations

import html
import io
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import qrcode
import qrcode.image.svg
import shapely

from geo.config import Settings
from geo.coverage import CoverageParams
from geo.crs import latlon
from geo.errors import GeoError
from geo.filters import Filters
from geo.i18n import Translate
from geo.mapview import style
from geo.mapview.assets import AssetMode, localise
from geo.mapview.basemap import build_base_map
from geo.mapview.layers import _geojson, _style_from_props, esc
from geo.promise import commitments, you_said_we_did
from geo.roles import PUBLIC_TIER
from geo.snapshot import Snapshot
from geo.tiers import generalise_points, public_area_months, public_view

PAPER = {"A4": (1123, 794), "A3": (1587, 1123)}  # landscape, CSS pixels at 96 dpi
CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright's own download is not used
# Without the networking flags Chromium calls home at start, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class HandoutError(GeoError):
    """A handout cannot be made from what was given (see the message)."""


def public_source(snap: Snapshot) -> Snapshot:
    """The public level of ``snap``, the only level a handout is built from.

    The public level is computed from exact data (:func:`geo.tiers.public_view`); a snapshot
    already reduced to another coarse level (the municipality's weeks) cannot be turned into
    it, so it is refused rather than approximated: pages pass the public snapshot instead.
    """
    if snap.tier == PUBLIC_TIER or snap.tier.exact_presence:
        return public_view(snap)
    raise HandoutError(
        f"a handout is built from the public level of exact data, not from the "
        f"{snap.tier.role.value} level: pass the public snapshot"
    )


@dataclass(frozen=True)
class HandoutSpec:
    """What a handout covers: one area (a village or the town) or the whole municipality."""

    filters: Filters
    area_id: str | None = None
    lang: str = "sv"
    live_url: str = "http://localhost:8501/"
    paper: str = "A4"


def live_link(spec: HandoutSpec) -> str:
    """The live view with the same filters, encoded in the URL (read by the dashboard)."""
    p = spec.filters.period
    query = {
        "pick": "custom",
        "start": p.start.strftime("%Y-%m-%d"),
        "end": (p.end - pd.Timedelta(seconds=1)).strftime("%Y-%m-%d"),
    }
    if spec.area_id:
        query["areas"] = spec.area_id
    return spec.live_url.rstrip("/") + "/?" + urllib.parse.urlencode(query)


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=6)
    return image.to_string(encoding="unicode")


def _public_map(snap: Snapshot, spec: HandoutSpec, hours: pd.Series, t: Translate) -> str:
    """The map's own HTML (all assets inlined), public level only."""
    m = build_base_map(
        snap, Settings(tile_url=""), t, AssetMode.INLINE, legend_open=True, public=True
    )
    areas = snap.areas
    top = max(float(hours.max()), 1.0)
    props = []
    for area_id, name in zip(areas["id"], areas["name"], strict=True):
        h = int(hours.get(area_id, 0))
        share = 100 * h / top
        if spec.area_id and area_id != spec.area_id:  # not this handout's area: neutral
            props.append(
                {
                    "tip": esc(name),
                    "style": {
                        "fillOpacity": 0.05,
                        "color": "#999",
                        "weight": 1,
                        "fillColor": "#ffffff",
                    },
                }
            )
            continue
        props.append(
            {
                "tip": f"<b>{esc(name)}</b><br>{esc(t('tip_hours', hours=h))}",
                "style": {
                    "fillColor": style.coverage_colour(share),
                    "fillOpacity": 0.6,
                    "color": style.NO_PRESENCE if h == 0 else "#555",
                    "weight": 2 if h == 0 else 1,
                },
            }
        )
    folium.GeoJson(
        _geojson(areas.geometry.array, props),
        style_function=_style_from_props,
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        name=t("layer_areas"),
    ).add_to(m)
    spots = snap.problem_spots
    if spec.area_id:
        spots = spots[spots["area_id"] == spec.area_id]
    if len(spots):
        pts = generalise_points(shapely.points(shapely.get_coordinates(spots.geometry.array)))
        sprops = [
            {
                "tip": esc(r.description),
                "style": style.spot_marker(r.category, r.status),
            }
            for r in spots.itertuples()
        ]
        folium.GeoJson(
            _geojson(pts, sprops),
            marker=folium.CircleMarker(radius=7, fill=True),
            style_function=_style_from_props,
            name=t("layer_spots"),
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(m)
    if len(snap.roads):
        rprops = [
            {
                "tip": esc(r.road),
                "style": {"color": "#404040", "weight": style.road_weight(r.heavy_per_day)},
            }
            for r in snap.roads.itertuples()
        ]
        folium.GeoJson(
            _geojson(snap.roads.geometry.array, rprops),
            style_function=_style_from_props,
            name=t("layer_roads"),
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(m)
    if spec.area_id:
        geom = areas.set_index("id").geometry[spec.area_id]
        minx, miny, maxx, maxy = geom.buffer(0.02).bounds
        m.fit_bounds([latlon(minx, miny), latlon(maxx, maxy)])
    north = (
        '<div style="position:absolute;top:10px;right:10px;z-index:1000;background:#fff;'
        'padding:2px 6px;border-radius:4px;font:700 14px sans-serif;text-align:center">'
        "&#8593;<br>N</div>"
    )
    m.get_root().html.add_child(folium.Element(north))
    localise(m, AssetMode.INLINE)
    return m.get_root().render()


def handout_html(snap: Snapshot, spec: HandoutSpec, t: Translate) -> str:
    """The whole handout as one standalone HTML document (public detail level)."""
    snap = public_source(snap)
    f = spec.filters
    if spec.area_id:
        f = Filters(f.period, areas=(spec.area_id,))
    months = public_area_months(snap, f)
    hours = months.groupby("area_id")["hours"].sum()
    names = dict(zip(snap.areas["id"], snap.areas["name"], strict=True))
    place = (
        names.get(spec.area_id, t("whole_municipality"))
        if spec.area_id
        else t("whole_municipality")
    )
    period = f"{f.period.start:%Y-%m-%d} – {(f.period.end - pd.Timedelta(seconds=1)):%Y-%m-%d}"
    rows = months if spec.area_id else months.groupby("month", as_index=False)[["hours"]].sum()
    month_rows = "".join(
        f"<tr><td>{esc(r['month'])}</td><td>{int(r['hours'])}</td>"
        + (
            f"<td>{esc(int(r['visits']) if pd.notna(r['visits']) else '<3')}</td>"
            f"<td>{esc(int(r['controls']) if pd.notna(r['controls']) else '<3')}</td>"
            if spec.area_id
            else ""
        )
        + "</tr>"
        for _, r in rows.iterrows()
    )
    month_head = f"<th>{esc(t('month'))}</th><th>{esc(t('hours'))}</th>" + (
        f"<th>{esc(t('col_visits'))}</th><th>{esc(t('col_controls'))}</th>" if spec.area_id else ""
    )
    said = you_said_we_did(snap, CoverageParams(), [spec.area_id] if spec.area_id else None)
    said_rows = "".join(
        f"<tr><td>{esc(r.area)}</td><td>{esc(r.description)}</td>"
        f"<td>{esc(t('cat_' + r.category))}</td><td>{esc(r.reported)}</td>"
        f"<td>{esc(t('status_' + r.status))}</td><td>{esc(r.response)}</td>"
        f"<td>{esc(r.area_hours_90_days)}</td></tr>"
        for r in said.itertuples()
    )
    year = f.period.start.year
    promise = "".join(
        f"<li>{esc(c.get(spec.lang) or c.get('sv'))}</li>" for c in commitments(snap, year)
    )
    map_html = _public_map(snap, spec, hours, t)
    width, height = PAPER[spec.paper]
    link = live_link(spec)
    return f"""<!DOCTYPE html>
<html lang="{esc(spec.lang)}"><head><meta charset="utf-8">
<title>{esc(t("handout_title", place=place))}</title>
<style>
@page {{ size: {spec.paper} landscape; margin: 0 }}
body {{ margin: 0; font: 13px/1.4 sans-serif; color: #222 }}
.page {{ width: {width}px; height: {height}px; box-sizing: border-box; padding: 18px 22px;
        overflow: hidden; page-break-after: always; position: relative }}
.page:last-child {{ page-break-after: auto }}
.cols {{ display: flex; gap: 16px; height: calc(100% - 70px) }}
.map {{ flex: 3; border: 1px solid #999 }} .side {{ flex: 1.2; overflow: hidden }}
iframe {{ width: 100%; height: 100%; border: 0 }}
h1 {{ font-size: 22px; margin: 0 0 2px }} h2 {{ font-size: 15px; margin: 10px 0 4px }}
table {{ border-collapse: collapse; width: 100% }} td, th {{ border-bottom: 1px solid #ccc;
        padding: 1px 4px; text-align: left; vertical-align: top; white-space: nowrap }}
.side table {{ font-size: 11px }} .page table td:nth-child(2) {{ white-space: normal }}
.small {{ font-size: 10px; color: #555; white-space: normal }}
.qr svg {{ width: 84px; height: 84px }}
</style></head><body>
<section class="page">
<h1>{esc(t("handout_title", place=place))}</h1>
<div class="small">{esc(t("period"))}: {esc(period)} · {esc(t("generated"))}:
{pd.Timestamp.now(tz="Europe/Stockholm"):%Y-%m-%d} · {esc(t("public_level_note"))}</div>
<div class="cols"><div class="map"><iframe title="map" srcdoc="{html.escape(map_html, quote=True)}">
</iframe></div><div class="side">
<h2>{esc(t("key_figures"))}</h2>
<p>{
        esc(
            t(
                "hours_in_period",
                hours=int(hours.get(spec.area_id, 0) if spec.area_id else hours.sum()),
            )
        )
    }</p>
<table><tr>{month_head}</tr>{month_rows}</table>
<h2>{esc(t("live_view"))}</h2><div class="qr">{_qr_svg(link)}</div>
<div class="small">{esc(link)}</div>
<div class="small">{esc(t("map_data_note"))}</div>
</div></div></section>
<section class="page"><h1>{esc(t("you_said_we_did"))} – {esc(place)}</h1>
<table><tr><th>{esc(t("col_area"))}</th><th>{esc(t("col_description"))}</th>
<th>{esc(t("col_category"))}</th><th>{esc(t("col_reported"))}</th>
<th>{esc(t("col_status"))}</th><th>{esc(t("col_response"))}</th>
<th>{esc(t("col_area_hours_90_days"))}</th></tr>{said_rows}</table>
<h2>{esc(t("promise_of_year", year=year))}</h2><ul>{promise}</ul>
<p class="small">{esc(t("public_level_note"))}</p></section>
</body></html>"""


def _browser_pages(
    doc: str, spec: HandoutSpec, formats: tuple[str, ...]
) -> tuple[bytes | None, bytes | None]:
    width, height = PAPER[spec.paper]
    return render_in_chromium(doc, width, height, formats)


def render_in_chromium(
    doc: str, width: int, height: int, formats: tuple[str, ...], *, map_frame: bool = True
) -> tuple[bytes | None, bytes | None]:
    """PNG (first page) and/or PDF of a standalone HTML document in Debian's chromium,
    offline; the page size is ``width`` x ``height`` CSS pixels. ``map_frame``: wait for
    the Leaflet map in the document's iframe before the shot."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.route(
                "**/*", lambda r: r.abort() if r.request.url.startswith("http") else r.continue_()
            )  # offline by construction
            page.set_content(doc, wait_until="load")
            if map_frame:
                frame = page.frame_locator("iframe").locator(".leaflet-container")
                frame.wait_for(timeout=30_000)
            page.evaluate(
                "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
            )
            page.wait_for_timeout(300)
            png = pdf = None
            if "png" in formats:
                png = page.screenshot(clip={"x": 0, "y": 0, "width": width, "height": height})
            if "pdf" in formats:
                pdf = page.pdf(width=f"{width}px", height=f"{height}px", print_background=True)
        finally:
            browser.close()
    return png, pdf


def _fallback_pages(
    snap: Snapshot, spec: HandoutSpec, t: Translate, formats: tuple[str, ...]
) -> tuple[bytes | None, bytes | None]:
    """A static matplotlib render (no browser): areas, roads, generalised spots, title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    width, height = PAPER[spec.paper]
    fig, ax = plt.subplots(figsize=(width / 96, height / 96), dpi=96)
    gpd.GeoSeries(snap.areas.geometry.array, crs=4326).to_crs(3006).plot(
        ax=ax, color="#c6dbef", edgecolor="#555", linewidth=0.6
    )
    snap.roads.to_crs(3006).plot(ax=ax, color="#404040", linewidth=1.5)
    pts = generalise_points(
        shapely.points(shapely.get_coordinates(snap.problem_spots.geometry.array))
    )
    gpd.GeoSeries(pts, crs=4326).to_crs(3006).plot(ax=ax, color="#7b3294", markersize=20)
    ax.set_axis_off()
    ax.set_title(t("handout_title", place=t("whole_municipality")))
    out: dict[str, bytes] = {}
    for fmt in formats:
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt)
        out[fmt] = buf.getvalue()
    plt.close(fig)
    return out.get("png"), out.get("pdf")


def render_pages(
    snap: Snapshot, spec: HandoutSpec, t: Translate, formats: tuple[str, ...] = ("png", "pdf")
) -> tuple[bytes | None, bytes | None, str]:
    """PNG (first page) and PDF of the handout, and which renderer made them.

    Only the ``formats`` asked for are rendered; the others come back as None.
    """
    snap = public_source(snap)
    if Path(CHROMIUM).exists():
        png, pdf = _browser_pages(handout_html(snap, spec, t), spec, formats)
        return png, pdf, "chromium"
    png, pdf = _fallback_pages(snap, spec, t, formats)
    return png, pdf, "matplotlib"
