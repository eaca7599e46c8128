"""Uploading files in a real browser: per-row report, commit, re-upload, refusals."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from geo.i18n import translator
from tests.browser.conftest import choose, open_as, settled

pytestmark = pytest.mark.browser
T = translator("sv")
CSV = (
    "Typ;Starttid;Sluttid;Latitud;Longitud;Kontrollerade fordon;Överträdelser;Plats\n"
    "Trafikkontroll;2018-06-03 14:30;2018-06-03 15:30;56,663;14,266;40;3;Browsertest Liatorp\n"
    "Fotpatrull;igår;2018-06-04 07:00;56,551;14,139;;;Centrum\n"
    "Bilpatrull;2018-03-25 02:30;2018-03-25 03:10;56,551;14,139;;;![x](http://example.com/x.png)\n"
).encode("cp1252")
MEETING = (
    b"Kategori;Beskrivning;Plats;Latitud;Longitud\n"
    b"Narkotika;Browsertest langning;Stationen;56,551;14,139\n"
)


def upload(page, url, name: str, data: bytes, mime: str = "text/csv"):
    open_as(page, url, "police")
    page.get_by_role("link", name=T("page_import")).click()
    expect(page.get_by_role("heading", name=T("page_import"))).to_be_visible(timeout=60_000)
    # The page's run may show its heading before it is over, or its indicator only after a
    # moment: a file put into the uploader of a run that is then redrawn is dropped.
    settled(page, start_ms=500)
    page.locator('input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )


def test_upload_preview_commit_and_reupload(app_url, page_and_watch):
    page, watch = page_and_watch
    upload(page, app_url, "kontroller.csv", CSV)
    expect(page.get_by_text(T("import_rejected"))).to_be_visible(timeout=60_000)
    rejected = page.locator("table").first  # the grid's accessible table
    expect(rejected).to_contain_text("'igår' är ingen tidpunkt")
    expect(rejected).to_contain_text("'2018-03-25 02:30' finns inte i svensk tid")
    expect(rejected.locator("tbody tr").first.locator("td").first).to_have_text("3")
    page.get_by_role("button", name=T("import_commit", n=1)).click()
    expect(page.get_by_text(T("import_done", n=1))).to_be_visible(timeout=30_000)

    upload(page, app_url, "kontroller.csv", CSV)  # the same file again
    expect(page.get_by_text("1 fanns redan", exact=False)).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name=T("import_commit", n=1))).to_have_count(0)
    assert watch.errors == [] and watch.outside == []


def test_a_meeting_list_gets_a_date_and_lists_the_ignored_column(app_url, page_and_watch):
    page, watch = page_and_watch
    page.set_default_timeout(60_000)
    open_as(page, app_url, "police")
    page.get_by_role("link", name=T("page_import")).click()
    expect(page.get_by_role("heading", name=T("page_import"))).to_be_visible()
    # the layer's rerun is over before the file goes in
    choose(page, page.get_by_role("radio", name=T("layer_problem_spots"), exact=True))
    page.locator('input[type="file"]').set_input_files(
        files=[{"name": "dialog.csv", "mimeType": "text/csv", "buffer": MEETING}]
    )
    expect(page.get_by_text("datum saknas", exact=False)).to_be_visible(timeout=60_000)
    page.get_by_text(T("imp_page_options")).click()
    label = T("imp_page_reported")
    page.get_by_role("spinbutton", name=f"year, {label}").click()
    page.keyboard.type("20180315")  # year, month, day segments advance as they fill
    page.keyboard.press("Escape")
    page.get_by_role("heading", name=T("page_import")).click()  # leaving the field sends it
    expect(page.get_by_text("kolumner som inte importeras: Plats")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("alla platser får status Ny")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name=T("import_commit", n=1))).to_be_visible(timeout=60_000)
    assert watch.errors == [] and watch.outside == []


def test_an_unreadable_map_file_is_one_plain_line(app_url, page_and_watch):
    page, watch = page_and_watch
    upload(page, app_url, "trasig.geojson", b'{"type": "FeatureCollection", "features": [',
           "application/geo+json")  # fmt: skip
    alert = page.get_by_text("trasig.geojson går inte att läsa som kartfil", exact=False)
    expect(alert).to_be_visible(timeout=60_000)
    body = page.locator("body").inner_text()
    assert "vsimem" not in body and "pyogrio" not in body and "Traceback" not in body
    assert watch.errors == [] and watch.outside == []


def _gpx() -> bytes:
    points = []
    for i in range(21):
        time = "" if i == 10 else f"<time>2018-06-05T06:{i:02d}:00Z</time>"
        points.append(
            f'<trkpt lat="{56.551 + 0.001 * i}" lon="{14.139 + 0.001 * i}">{time}</trkpt>'
        )
    return (
        '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        "<trk><name>Bil 7</name><trkseg>" + "".join(points) + "</trkseg></trk></gpx>"
    ).encode()


def test_a_partly_timed_gps_track(app_url, page_and_watch):
    page, watch = page_and_watch
    upload(page, app_url, "bil7.gpx", _gpx(), "application/gpx+xml")
    expect(page.get_by_text(T("import_gpx_kind"))).to_be_visible(timeout=60_000)
    note = page.get_by_text("1 av 21 punkter saknade tid", exact=False)
    expect(note).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name=T("import_commit", n=1))).to_be_visible()
    assert watch.errors == [] and watch.outside == []
