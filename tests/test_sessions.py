"""Session records, the signed cookie, the secret and the cookie routes (real SQLite file,
real Starlette requests)."""

from __future__ import annotations

import asyncio
import os
import stat
import time

import pytest
from starlette.requests import Request

from geo.accounts import AccountStore, SessionPolicy
from geo.config import Settings
from geo.roles import Role
from geo.sessions import (
    COOKIE_NAME,
    HANDOFF_SECONDS,
    CookieSigner,
    Ended,
    SessionSecretError,
    SessionStore,
    load_secret,
)

SECRET = b"k" * 32
T0 = 1_700_000_000.0


@pytest.fixture
def files(tmp_path):
    accounts = AccountStore(tmp_path / "accounts.db")
    accounts.add("planerare", "police", "polis-lösenord-1")
    sessions = SessionStore(tmp_path / "accounts.db", SessionPolicy(30, 10), SECRET)
    return accounts, sessions


def test_a_session_is_found_by_its_id_and_a_handoff_works_once(files):
    _, sessions = files
    sid, handoff = sessions.open("planerare", T0)
    assert sessions.claim(handoff, T0 + 1) == sid
    assert sessions.claim(handoff, T0 + 2) is None  # used
    check = sessions.check(sid, T0 + 60)
    assert check.record is not None
    assert (check.record.username, check.record.role) == ("planerare", Role.POLICE)


def test_a_stale_or_unknown_handoff_gives_nothing(files):
    _, sessions = files
    _, handoff = sessions.open("planerare", T0)
    assert sessions.claim(handoff, T0 + HANDOFF_SECONDS + 1) is None
    assert sessions.claim("not-a-code", T0) is None
    assert sessions.claim("", T0) is None


def test_the_file_holds_no_usable_id(files, tmp_path):
    _, sessions = files
    sid, handoff = sessions.open("planerare", T0)
    raw = (tmp_path / "accounts.db").read_bytes()
    assert sid.encode() not in raw and handoff.encode() not in raw


def test_idle_and_maximum_lifetime_end_a_session(files):
    _, sessions = files
    sid, _ = sessions.open("planerare", T0)
    assert sessions.check(sid, T0 + 29 * 60).record is not None  # used: idle clock restarts
    assert sessions.check(sid, T0 + 58 * 60).record is not None
    assert sessions.check(sid, T0 + 89 * 60).ended == Ended.EXPIRED
    sid2, _ = sessions.open("planerare", T0)
    for minute in range(0, 10 * 60, 20):  # kept busy, it still ends after 10 hours
        assert sessions.check(sid2, T0 + minute * 60).record is not None
    assert sessions.check(sid2, T0 + 10 * 3600 + 1).ended == Ended.EXPIRED


def test_sign_out_and_a_disabled_account_end_sessions(files):
    accounts, sessions = files
    sid, _ = sessions.open("planerare", T0)
    sessions.revoke(sid, T0 + 5)
    assert sessions.check(sid, T0 + 6).ended == Ended.REVOKED
    sid2, _ = sessions.open("planerare", T0)
    accounts.set_role("planerare", "council")
    assert sessions.check(sid2, T0 + 1).record.role == Role.COUNCIL  # the role as it is now
    accounts.disable("planerare")
    assert sessions.check(sid2, T0 + 2).ended == Ended.DISABLED
    assert sessions.check("no-such-session", T0).ended == Ended.UNKNOWN


def test_revoked_sessions_cannot_be_claimed(files):
    _, sessions = files
    sid, handoff = sessions.open("planerare", T0)
    sessions.revoke(sid, T0 + 1)
    assert sessions.claim(handoff, T0 + 2) is None


def test_cookie_signature_and_age():
    signer = CookieSigner(SECRET)
    value = signer.sign("abc")
    assert signer.unsign(value, 3600) == "abc"
    # (not the last base64 letter: its low bits may be padding)
    tampered = value[:-6] + ("x" if value[-6] != "x" else "y") + value[-5:]
    assert signer.unsign(tampered, 3600) is None
    assert CookieSigner(b"x" * 32).unsign(value, 3600) is None  # another server's secret
    assert signer.unsign(value, -1) is None  # older than allowed
    with pytest.raises(SessionSecretError):
        CookieSigner(b"short")


def test_secret_from_env_secrets_file_or_generated(tmp_path):
    secrets_toml = tmp_path / "secrets.toml"
    generated = tmp_path / "data" / "session.key"
    assert load_secret("from-env", [secrets_toml], generated) == b"from-env"
    secrets_toml.write_text('session_secret = "from-file"\n', "utf-8")
    assert load_secret(None, [secrets_toml], generated) == b"from-file"
    secrets_toml.unlink()
    first = load_secret(None, [secrets_toml], generated)
    assert len(first) >= 64 and load_secret(None, [secrets_toml], generated) == first
    assert stat.S_IMODE(os.stat(generated).st_mode) == 0o600


# ---------------------------------------------------------------- the routes, as HTTP


def _request(path: str, body: bytes, headers: dict[str, str]) -> Request:
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "scheme": "http",
        "server": ("127.0.0.1", 8501),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "query_string": b"",
    }
    return Request(scope, receive)


@pytest.fixture
def routes(tmp_path, monkeypatch):
    from pages import _routes

    monkeypatch.setenv("ALMHULT_ACCOUNTS", str(tmp_path / "accounts.db"))
    monkeypatch.setenv("ALMHULT_SESSION_SECRET", "s" * 40)
    _routes._server.cache_clear()
    AccountStore(tmp_path / "accounts.db").add("planerare", "police", "polis-lösenord-1")
    yield _routes
    _routes._server.cache_clear()


SAME = {
    "host": "127.0.0.1:8501",
    "origin": "http://127.0.0.1:8501",
    "sec-fetch-site": "same-origin",
}


def test_claim_route_sets_an_httponly_strict_cookie(routes):
    _, sessions, signer = routes._server()
    sid, handoff = sessions.open("planerare", time.time())
    response = asyncio.run(routes.claim(_request("/x", handoff.encode(), SAME)))
    assert response.status_code == 204
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(COOKIE_NAME + "=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=36000" in cookie
    value = cookie.split(";")[0].split("=", 1)[1].strip('"')
    assert signer.unsign(value, 36000) == sid
    again = asyncio.run(routes.claim(_request("/x", handoff.encode(), SAME)))
    assert again.status_code == 403  # once only


def test_claim_route_refuses_other_sites(routes):
    _, sessions, _ = routes._server()
    _, handoff = sessions.open("planerare", time.time())
    for headers in (
        {**SAME, "origin": "https://evil.example", "sec-fetch-site": "cross-site"},
        {"host": "127.0.0.1:8501", "origin": "https://evil.example"},
        {"host": "127.0.0.1:8501"},
    ):
        response = asyncio.run(routes.claim(_request("/x", handoff.encode(), headers)))
        assert response.status_code == 403 and "set-cookie" not in response.headers


def test_end_route_keeps_an_open_session_and_deletes_an_ended_one(routes):
    _, sessions, signer = routes._server()
    now = time.time()
    sid, _ = sessions.open("planerare", now)
    headers = {**SAME, "cookie": f"{COOKIE_NAME}={signer.sign(sid)}"}
    kept = asyncio.run(routes.end(_request("/x", b"", headers)))
    assert "set-cookie" not in kept.headers
    sessions.revoke(sid, now)
    ended = asyncio.run(routes.end(_request("/x", b"", headers)))
    assert (
        ended.headers["set-cookie"].startswith(COOKIE_NAME + '=""')
        or "Max-Age=0" in (ended.headers["set-cookie"])
    )


def test_settings_read_the_public_url_and_secret():
    s = Settings.from_env(
        {"ALMHULT_PUBLIC_URL": " https://karta.example/ ", "ALMHULT_SESSION_SECRET": "x"}
    )
    assert s.public_url == "https://karta.example/" and s.session_secret == "x"
    assert "session_secret" not in repr(s)  # never printed with the settings


def test_the_server_entry_listens_before_loading_the_data_stack():
    """The session routes are part of the server entry: importing them must not pull in
    pandas and the accounts (0.3 s before the server could answer its first visitor)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = "import sys; import pages._routes; print('pandas' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
