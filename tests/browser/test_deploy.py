"""The shipped deployment, run for real: nginx in front of the app on loopback.

The app starts with the Environment and ExecStart of deploy/almhult.service (paths and
the port moved into a temporary folder); Debian's nginx runs deploy/nginx/almhult.conf
and the headers snippet as written, with only its ports, certificate paths (a
self-signed certificate made here with openssl), upstream port and include path
replaced, as the current user with its pid, logs and temp files in the test's folder.
Checked: the headers on every kind of response, the HTTP→HTTPS redirect, the websocket
and the map through the proxy in chromium with no Content-Security-Policy violation,
and that another site cannot frame the app.
"""

from __future__ import annotations

import gzip
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.accounts import AccountStore
from geo.handout import CHROMIUM, CHROMIUM_ARGS
from geo.i18n import translator
from geo.sessions import COOKIE_NAME
from geo.store import GeoPackageStore
from scripts.local_proxy import NGINX, make_certificate, start_nginx
from tests.browser.conftest import ACCOUNTS, refuse_outside, sign_in
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
T = translator("sv")
DEPLOY = ROOT / "deploy"
MAP = 'iframe[title="streamlit_folium.st_folium"]'
HEADERS = {
    "strict-transport-security": "max-age=31536000",
    "x-frame-options": "SAMEORIGIN",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "geolocation=()",
    "x-content-type-options": "nosniff",
    "content-security-policy": "frame-ancestors 'self'",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, proc: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{proc.args[0]} did not start:\n{log.read_text()}")
        time.sleep(0.3)


def unit_service(folder: Path, port: int) -> tuple[dict[str, str], list[str]]:
    """The unit's Environment (paths moved into ``folder``) and ExecStart (this checkout,
    this venv's python, ``port``)."""
    text = (DEPLOY / "almhult.service").read_text("utf-8")
    env = dict(re.findall(r"^Environment=(\w+)=(.*)$", text, re.M))
    env = {k: v.replace("/var/lib/almhult", str(folder)) for k, v in env.items()}
    command = shlex.split(re.search(r"^ExecStart=(.*)$", text, re.M).group(1))
    assert command[:5] == [
        "/opt/almhult/.venv/bin/python",
        "-m",
        "streamlit",
        "run",
        "scripts/serve.py",
    ]
    assert command[command.index("--server.address") + 1] == "127.0.0.1"  # loopback only
    command[0] = str(ROOT / ".venv" / "bin" / "python")
    command[command.index("--server.port") + 1] = str(port)
    return env, command


@pytest.fixture(scope="module")
def deployed(demo_store, tmp_path_factory) -> Iterator[dict[str, object]]:
    if not Path(NGINX).exists():
        pytest.fail("nginx not found: install Debian's nginx (scripts/install-system-deps.sh)")
    folder = tmp_path_factory.mktemp("deploy")
    shutil.copy(demo_store.path, folder / "almhult.gpkg")
    GeoPackageStore(folder / "almhult.gpkg")  # opens as the app will
    AccountStore(folder / "accounts.db").add(
        *ACCOUNTS["police"][:1], "police", ACCOUNTS["police"][1]
    )
    make_certificate(folder)
    app_port, https, http = _free_port(), _free_port(), _free_port()
    env, command = unit_service(folder, app_port)
    app_log = folder / "app.log"
    with open(app_log, "w") as log:
        app = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env, "ALMHULT_TILE_URL": ""},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    proxy, nginx_log = start_nginx(folder, https, http, app_port)
    try:
        _wait_for(app_port, app, app_log)
        _wait_for(https, proxy, nginx_log)
        yield {"url": f"https://127.0.0.1:{https}", "http": f"http://127.0.0.1:{http}"}
    finally:
        proxy.terminate()
        app.terminate()
        proxy.wait(20)
        app.wait(20)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET without following redirects, trusting the self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), NoRedirect())
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def test_every_response_carries_the_security_headers(deployed):
    url = deployed["url"]
    for path in (
        "/",
        "/_stcore/health",
        "/app/static/node_modules/leaflet/dist/leaflet.js",
        "/component/streamlit_folium.st_folium/index.html",
        "/no-such-page-at-all",
    ):
        status, headers, _ = fetch(url + path)
        assert status in (200, 404), (path, status)
        for name, expected in HEADERS.items():
            assert expected in headers.get(name, ""), (path, name, headers.get(name))
        assert "nginx/" not in headers.get("server", "")  # no version on display
    status, headers, _ = fetch(deployed["http"] + "/?pick=year")
    assert status == 301 and headers["location"].startswith("https://")
    assert headers["location"].endswith("/?pick=year")


def test_scripts_go_out_compressed_and_the_bundle_is_cached(deployed):
    url = deployed["url"]
    _, _, page = fetch(url + "/")
    bundle = re.search(rb'src="\./(static/js/index\.[^"]+\.js)"', page)
    assert bundle, "Streamlit's page no longer names its script bundle"
    for path in (
        "/" + bundle.group(1).decode(),
        "/app/static/node_modules/leaflet/dist/leaflet.js",
    ):
        _, _, plain = fetch(url + path)
        status, headers, body = fetch(url + path, {"Accept-Encoding": "gzip"})
        assert status == 200 and headers.get("content-encoding") == "gzip", (path, headers)
        assert gzip.decompress(body) == plain  # the same file, a third or less on the wire
        assert len(body) < len(plain) / 2.5, (path, len(body), len(plain))
        assert "accept-encoding" in headers.get("vary", "").lower()
    _, headers, _ = fetch(url + "/" + bundle.group(1).decode())
    assert "immutable" in headers.get("cache-control", "")  # hashed name: cached for a year


def test_scripts_and_map_files_are_sent_by_nginx_not_the_app(deployed):
    # The app's Python process answers files only between the steps of the page it is
    # computing; nginx sends these from disk (its ETag is mtime-size, the app's a digest).
    url = deployed["url"]
    _, _, page = fetch(url + "/")
    bundle = re.search(rb'src="\./(static/js/index\.[^"]+\.js)"', page).group(1).decode()
    for path, kind in (
        ("/" + bundle, "javascript"),
        ("/component/streamlit_folium.st_folium/index.html", "text/html"),
        ("/app/static/node_modules/leaflet/dist/leaflet.js", "javascript"),
        ("/app/static/node_modules/leaflet/dist/leaflet.css", "text/css"),
    ):
        status, headers, _ = fetch(url + path)
        assert status == 200, path
        assert re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', headers.get("etag", "")), (path, headers)
        assert kind in headers.get("content-type", ""), (path, headers)
        assert "default-src 'self'" in headers.get("content-security-policy", ""), path
    status, _, _ = fetch(url + "/static/../../../../etc/passwd")
    assert status in (400, 404)


def _browser_context(browser):
    context = browser.new_context(
        ignore_https_errors=True, viewport={"width": 1400, "height": 1400}
    )
    # Every frame records the CSP violations it sees (the map runs in a component frame).
    context.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation', e =>"
        " window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    return context


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_the_app_works_through_the_proxy_without_csp_violations(deployed, browser):
    from playwright.sync_api import expect

    url = deployed["url"]
    context = _browser_context(browser)
    page = context.new_page()
    outside, console = [], []
    refuse_outside(page, outside, (url, url.replace("https", "wss"), "data:", "blob:", "about:"))
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(url + "/")
    frame = page.frame_locator(MAP)
    frame.locator(".leaflet-container").wait_for(timeout=90_000)
    frame.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas").first.wait_for(
        timeout=60_000
    )
    assert any(s.startswith(url.replace("https", "wss")) for s in sockets)
    # Signing in through the proxy, and the session cookie's route behind it: a reload
    # keeps the sign-in.
    sign_in(page, "police")
    expect(page.get_by_text("Inloggad som")).to_be_visible(timeout=60_000)
    for _ in range(60):  # the session cookie arrives through the proxy's cookie route
        if any(c["name"] == COOKIE_NAME for c in context.cookies()):
            break
        page.wait_for_timeout(250)
    cookie = next(c for c in context.cookies() if c["name"] == COOKIE_NAME)
    assert cookie["secure"] and cookie["httpOnly"]  # behind TLS the cookie is Secure
    page.reload()
    expect(page.get_by_text("Inloggad som")).to_be_visible(timeout=90_000)
    page.get_by_role("link", name=T("page_coverage")).click()
    expect(page.get_by_role("heading", name=T("page_coverage"))).to_be_visible(timeout=60_000)
    page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=60_000)  # the bar chart
    page.wait_for_timeout(2000)
    violations = [v for f in page.frames for v in (f.evaluate("window.__csp || []"))]
    refused = [c for c in console if "Content Security Policy" in c or "Refused to" in c]
    assert violations == [] and refused == [], (violations, refused)
    assert not [c for c in console if c.startswith(("error", "pageerror"))], console
    assert outside == []
    context.close()


def test_another_site_cannot_frame_the_app(deployed, browser):
    context = _browser_context(browser)
    page = context.new_page()
    console = []
    page.on("console", lambda m: console.append(m.text))
    page.set_content(
        f'<iframe id="app" src="{deployed["url"]}/" width="800" height="600"></iframe>'
    )
    page.wait_for_timeout(3000)
    framed = page.frame_locator("#app")
    assert framed.locator('[data-testid="stApp"]').count() == 0
    assert any("frame-ancestors" in c or "X-Frame-Options" in c for c in console), console
    context.close()
