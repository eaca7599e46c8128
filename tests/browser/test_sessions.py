"""Signing in survives a reload, a bookmark and a new tab; sign-out ends it in every tab;
an idle session expires; every page URL reloads to itself."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import expect

from geo.i18n import translator
from geo.sessions import COOKIE_NAME
from tests.browser.conftest import open_as, refuse_outside

pytestmark = pytest.mark.browser
T = translator("sv")
MAP = 'iframe[title="streamlit_folium.st_folium"]'
SIGNED_IN = "Inloggad som"


def new_page(context, watch_outside: list[str]):
    page = context.new_page()
    refuse_outside(page, watch_outside)
    return page


def wait_app(page) -> None:
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stSidebar\"]') &&"
        " !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=90_000,
    )
    page.wait_for_timeout(500)


def session_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == COOKIE_NAME), None)


def wait_for_cookie(context, page) -> dict:
    for _ in range(60):
        cookie = session_cookie(context)
        if cookie:
            return cookie
        page.wait_for_timeout(250)
    pytest.fail("the session cookie was never set")


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1200})
    yield ctx
    ctx.close()


def test_reload_bookmark_new_tab_and_sign_out_everywhere(app_url, context):
    outside: list[str] = []
    first = new_page(context, outside)
    open_as(first, app_url, "police")
    cookie = wait_for_cookie(context, first)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["expires"] > 0  # a lifetime, not a browser-session cookie
    assert first.evaluate("document.cookie").find(COOKIE_NAME) == -1  # no script reads it
    assert COOKIE_NAME not in first.url and "handoff" not in first.url

    first.reload()
    expect(first.get_by_text(SIGNED_IN)).to_be_visible(timeout=60_000)

    # A page only a signed-in planner has, reloaded and opened as a bookmark in a new tab.
    first.goto(app_url + "/import_data")
    expect(first.get_by_role("heading", name=T("page_import"))).to_be_visible(timeout=60_000)
    first.reload()
    expect(first.get_by_role("heading", name=T("page_import"))).to_be_visible(timeout=60_000)
    second = new_page(context, outside)
    second.goto(app_url + "/audit")
    expect(second.get_by_text(SIGNED_IN)).to_be_visible(timeout=60_000)
    expect(second.get_by_role("heading", name=T("page_audit"))).to_be_visible(timeout=60_000)

    # Sign out in the first tab: the second is signed out at its next action.
    first.get_by_role("button", name=T("sign_out")).click()
    expect(first.get_by_text(T("not_signed_in"))).to_be_visible(timeout=60_000)
    wait_app(second)
    second.get_by_role("link", name=T("page_overview")).click()
    expect(second.get_by_text(T("session_ended_elsewhere"))).to_be_visible(timeout=60_000)
    expect(second.get_by_text(SIGNED_IN)).to_have_count(0)
    # ... and a reload does not bring the session back; the ended cookie is deleted.
    second.reload()
    wait_app(second)
    expect(second.get_by_text(T("not_signed_in"))).to_be_visible(timeout=60_000)
    for _ in range(40):
        if session_cookie(context) is None:
            break
        second.wait_for_timeout(250)
    assert session_cookie(context) is None
    assert outside == []


def test_a_page_the_visitor_may_not_open_answers_with_the_sign_in(app_url, context):
    page = new_page(context, [])
    page.goto(app_url + "/register")
    expect(page.get_by_text(T("page_needs_sign_in"))).to_be_visible(timeout=90_000)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    # Signing in there shows the page that was asked for.
    page.get_by_label(T("sign_in_user")).fill("samordnare")
    field = page.get_by_label(T("sign_in_password"))
    field.fill("kommun-lösenord-1")
    field.press("Enter")
    expect(page.get_by_text(SIGNED_IN)).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name=T("page_register"))).to_be_visible(timeout=60_000)
    assert page.url.endswith("/register")


def test_an_idle_session_expires(app_url, app_store, context):
    page = new_page(context, [])
    open_as(page, app_url, "council")
    wait_for_cookie(context, page)
    # 31 minutes pass without use (the record's last use moved back; the rules are real).
    with sqlite3.connect(app_store.parent / "accounts.db") as conn:
        conn.execute(
            "UPDATE sessions SET last_seen = last_seen - 31 * 60, opened = opened - 31 * 60 "
            "WHERE username = 'ledamot' AND revoked IS NULL"
        )
    page.reload()
    expect(page.get_by_text(T("session_expired"))).to_be_visible(timeout=60_000)
    expect(page.get_by_text(SIGNED_IN)).to_have_count(0)


def test_the_promise_pages_map_link_opens_signed_in(app_url, context):
    page = new_page(context, [])
    open_as(page, app_url, "municipality")
    wait_for_cookie(context, page)
    page.get_by_role("link", name=T("page_promise")).click()
    link = page.get_by_role("link", name=T("show_on_map")).first
    link.wait_for(timeout=90_000)
    with context.expect_page() as opened:
        link.click()
    tab = opened.value
    expect(tab.get_by_text(SIGNED_IN)).to_be_visible(timeout=90_000)
    expect(tab.get_by_text(T("tier_municipality"))).to_be_visible()
