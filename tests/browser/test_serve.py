"""The server entry (scripts/serve.py): any page address works as the first request after
a start, for that visitor and every later one."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from geo.i18n import translator
from tests.browser.conftest import refuse_outside, running_app

pytestmark = pytest.mark.browser
T = translator("sv")


def _visit(browser, url: str, outside: list[str]):
    context = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(90_000)
    refuse_outside(page, outside)
    page.goto(url)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stSidebarNav\"]') &&"
        " !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=90_000,
    )
    return context, page


def test_a_bookmark_as_the_first_request_after_a_start(demo_store, tmp_path, browser):
    store = tmp_path / "app.gpkg"
    shutil.copy(demo_store.path, store)
    outside: list[str] = []
    with running_app(store, tmp_path / "accounts.db") as url:
        # The first visitor comes in through a bookmark of the coverage page, the next
        # (another browser) through the sign-in page's address.
        for path, heading in (("coverage", T("page_coverage")), ("sign_in", T("sign_in"))):
            context, page = _visit(browser, f"{url}/{path}", outside)
            try:
                expect(page.get_by_role("heading", name=heading).first).to_be_visible()
                nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
                assert T("page_coverage") in nav, nav
                for file_name in ("dashboard", "_session", "routes", "import data"):
                    assert file_name not in nav.lower(), nav
                assert page.locator('[data-testid="stException"]').count() == 0
                assert "encountered an error" not in page.content()
            finally:
                context.close()
    assert not outside
