"""Uploading a file in a real browser: per-row report, commit, and a re-upload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from geo.i18n import translator
from tests.browser.conftest import open_as

pytestmark = pytest.mark.browser
T = translator("sv")
CSV = (
    "Typ;Starttid;Sluttid;Latitud;Longitud;Kontrollerade fordon;Överträdelser;Plats\n"
    "Trafikkontroll;2018-06-03 14:30;2018-06-03 15:30;56,663;14,266;40;3;Browsertest Liatorp\n"
    "Fotpatrull;igår;2018-06-04 07:00;56,551;14,139;;;Centrum\n"
).encode("cp1252")


def upload(page, url):
    open_as(page, url, "police")
    page.get_by_role("link", name=T("page_import")).click()
    page.locator('input[type="file"]').set_input_files(
        files=[{"name": "kontroller.csv", "mimeType": "text/csv", "buffer": CSV}]
    )


def test_upload_preview_commit_and_reupload(app_url, page_and_watch):
    page, watch = page_and_watch
    upload(page, app_url)
    expect(page.get_by_text(T("import_rejected"))).to_be_visible(timeout=60_000)
    rejected = page.locator("table").first
    expect(rejected).to_contain_text("'igår' is not a date")
    expect(rejected.locator("td").first).to_have_text("3")  # spreadsheet row 3
    page.get_by_role("button", name=T("import_commit", n=1)).click()
    expect(page.get_by_text(T("import_done", n=1))).to_be_visible(timeout=30_000)

    upload(page, app_url)  # the same file again
    expect(page.get_by_text("1 fanns redan", exact=False)).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name=T("import_commit", n=1))).to_have_count(0)
    assert watch.errors == [] and watch.outside == []
