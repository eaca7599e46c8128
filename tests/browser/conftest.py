"""A running app on loopback and Debian's chromium driven by Playwright.

No request may leave the machine: every URL that is not loopback, ``data:`` or ``blob:``
is aborted and recorded, so a CDN dependency fails the tests as it would fail offline.
The app runs in no-tiles mode (``ALMHULT_TILE_URL=""``), so nothing at all is fetched from
outside. Missing chromium fails with a message saying how to install it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from geo.accounts import AccountStore
from geo.handout import CHROMIUM, CHROMIUM_ARGS
from geo.store import GeoPackageStore
from tests.conftest import ROOT
from tests.factories import spot

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">Belysning saknas'
LOCAL = (
    "http://127.0.0.1",
    "http://localhost",
    "ws://127.0.0.1",
    "ws://localhost",
    "data:",
    "blob:",
    "about:",
    "file:",  # a saved export opened from disk
)
# One account per role (and one for the lock-out test), created in the app's accounts file.
ACCOUNTS = {
    "police": ("planerare", "polis-lösenord-1"),
    "municipality": ("samordnare", "kommun-lösenord-1"),
    "council": ("ledamot", "fullmäktige-lösenord-1"),
}
LOCKOUT_USER = ("låstest", "rätt-lösenord-123")


def refuse_outside(page, outside: list[str], local: tuple[str, ...] = LOCAL) -> None:
    """Abort every request of ``page`` that is not to a ``local`` address, recording its
    URL in ``outside`` (the machine is offline as far as the app may know)."""

    def route(r) -> None:
        if r.request.url.startswith(local):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_store(demo_store: GeoPackageStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The running app's GeoPackage: the demo year plus a spot with script markup."""
    folder = tmp_path_factory.mktemp("app")
    path = folder / "app.gpkg"
    shutil.copy(demo_store.path, path)
    GeoPackageStore(path).add("problem_spots", spot(description=XSS))
    return path


@contextmanager
def running_app(store: Path, accounts: Path, **env: str) -> Iterator[str]:
    """A Streamlit server on a free loopback port for ``store`` and ``accounts`` (no
    tiles), yielding its URL; its output goes to ``streamlit.log`` beside the store."""
    port = _free_port()
    env = {
        **os.environ,
        "ALMHULT_STORE": str(store),
        "ALMHULT_TILE_URL": "",
        "ALMHULT_ACCOUNTS": str(accounts),
        **env,
    }
    log = open(store.parent / "streamlit.log", "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "scripts/serve.py",  # the server entry: dashboard.py plus the session routes
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("streamlit did not start:\n" + Path(log.name).read_text())
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


@pytest.fixture(scope="session")
def app_url(app_store: Path) -> Iterator[str]:
    folder = app_store.parent
    accounts = AccountStore(folder / "accounts.db")
    for role, (name, password) in ACCOUNTS.items():
        accounts.add(name, role, password)
    accounts.add(*LOCKOUT_USER[:1], "police", LOCKOUT_USER[1])
    with running_app(app_store, folder / "accounts.db") as url:
        yield url


@dataclass
class Watch:
    """What a page did on the network and the console, and every websocket message the
    server sent (all the data the browser ever received from the app)."""

    outside: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    received: list[bytes] = field(default_factory=list)

    def received_text(self) -> str:
        return "\n".join(
            m.decode("utf-8", "ignore") if isinstance(m, bytes) else str(m) for m in self.received
        )


def sign_in(page, role: str | None, *, password: str | None = None, user: str | None = None):
    """Fill the sidebar's sign-in form as ``role``'s account (or the given name/password)."""
    from geo.i18n import translator

    t = translator("sv")
    name, secret = ACCOUNTS[role] if role else (user, password)
    field = page.get_by_label(t("sign_in_user"))
    if not field.is_visible():
        page.get_by_role("link", name=t("sign_in")).click()
    field.wait_for(timeout=60_000)
    field.fill(user or name)
    secret_field = page.get_by_label(t("sign_in_password"))
    secret_field.fill(password or secret)
    secret_field.press("Enter")  # submits the form with both values committed


def settled(page, timeout: float = 90_000, *, start_ms: float = 0) -> None:
    """Wait until the app's script run is over (Streamlit's running indicator gone), so
    the next action does not race a rerun that re-draws the widget it acts on.
    ``start_ms``: first give the rerun that the last click asked for time to begin (its
    indicator shows only once the server has started it)."""
    if start_ms:
        page.wait_for_timeout(start_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )


def open_sections(page, limit: int = 30) -> None:
    """Open every closed section (expander) of the page, one at a time, each time waiting
    until its content is there (a table section's content is made by the rerun its click
    starts, which may show no running indicator yet) and the run is over."""
    closed = page.locator('[data-testid="stExpander"] details:not([open]) > summary')
    for _ in range(limit):
        if closed.count() == 0:
            return
        summary = closed.first.element_handle()
        summary.click()
        page.wait_for_function(
            """s => !s.isConnected || !!s.closest('[data-testid="stExpander"]')
                .querySelector('[data-testid="stElementContainer"]')""",
            arg=summary,
            timeout=60_000,
        )
        settled(page, start_ms=300)
    raise AssertionError(f"more than {limit} sections, or a section closed again")


def choose(page, option, attempts: int = 3) -> None:
    """Check a radio option, again when a rerun re-drew it under the click (Playwright then
    says the click "did not change its state"); waits for the rerun it starts to finish."""
    from playwright.sync_api import Error, expect

    for attempt in range(attempts):
        settled(page)
        try:
            option.check(force=True, timeout=15_000)
            expect(option).to_be_checked(timeout=15_000)
            break
        except (Error, AssertionError):
            if attempt == attempts - 1:
                raise
    settled(page, start_ms=1_000)


def open_as(page, url: str, role: str | None) -> None:
    """A fresh app session at ``url``, signed in as ``role`` (None: the public)."""
    from playwright.sync_api import expect

    from geo.i18n import translator

    t = translator("sv")
    page.goto(url)
    signed_out = page.get_by_role("link", name=t("sign_in"))
    signed_in = page.get_by_role("button", name=t("sign_out"))
    signed_out.or_(signed_in).first.wait_for(timeout=90_000)
    if signed_in.count():  # the browser's session cookie signed it in: start afresh
        signed_in.click()
    signed_out.wait_for(timeout=90_000)
    # The first page is the overview: wait until its map is up, so no rerun of the first
    # load can clear the form while it is being filled. Right after a sign-out the map of
    # the signed-in run may still be there beside the new one, on its way out: wait until
    # one is left.
    page.wait_for_function(
        "() => document.querySelectorAll('iframe[title=\"streamlit_folium.st_folium\"]')"
        ".length === 1",
        timeout=90_000,
    )
    page.frame_locator('iframe[title="streamlit_folium.st_folium"]').locator(
        ".leaflet-container"
    ).wait_for(timeout=90_000)
    if role is None:
        return
    sign_in(page, role)
    expect(page.get_by_text("Inloggad som")).to_be_visible(timeout=60_000)


@pytest.fixture(scope="module")  # closed between modules: exports start their own
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium "
            "(scripts/install-system-deps.sh, run by 'make test')"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page_and_watch(browser):
    # A Swedish user's browser, whatever the machine's own language and zone are.
    context = browser.new_context(
        viewport={"width": 1400, "height": 1600}, locale="sv-SE", timezone_id="Europe/Stockholm"
    )
    page = context.new_page()
    page.set_default_timeout(60_000)  # a busy CI machine reruns a page slower than a laptop
    page.set_default_navigation_timeout(90_000)
    watch = Watch()
    refuse_outside(page, watch.outside)

    def request_failed(r) -> None:
        # The browser itself cancels a frame's loads when a rerun replaces the frame
        # (net::ERR_ABORTED): no server or network failure. Anything else is kept.
        if r.failure != "net::ERR_ABORTED":
            watch.failed.append(f"{r.url} ({r.failure})")

    page.on("requestfailed", request_failed)
    page.on(
        "response",
        lambda r: watch.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    page.on("dialog", lambda d: (watch.dialogs.append(d.message), d.dismiss()))
    page.on("websocket", lambda ws: ws.on("framereceived", lambda m: watch.received.append(m)))
    yield page, watch
    context.close()
