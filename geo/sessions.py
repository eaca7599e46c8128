"""Sign-in sessions that survive a reload, a bookmark and a new tab, and end everywhere.

A password sign-in opens a *session record* in the accounts file: a random session id
(256 bits; only its SHA-256 is stored, so a copy of the file opens no session), the account,
when it was opened and last used (epoch seconds, UTC), and when it was revoked. The browser
keeps the id in an httpOnly, SameSite=Strict cookie, signed with the server's secret and
expiring after the session's maximum lifetime; every page run checks the record, so signing
out (which revokes it) ends the session in every tab, and a disabled account or a changed
role takes effect on the next click.

The cookie is set by an HTTP response (``pages/_routes.py``), never by script: the page
hands the browser a one-time *handoff* code (valid :data:`HANDOFF_SECONDS`, used once),
which the browser posts to that route in exchange for the cookie. The session id is an
HMAC of the handoff code under the server secret, so the route can turn the code into the
id without the id ever being stored. No secret is ever put in a URL.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from geo.accounts import AccountStore, SessionPolicy, sqlite_transaction
from geo.config import Settings
from geo.roles import Role
from geo.session_secret import (  # noqa: F401 - re-exported: the sessions' API
    CookieSigner,
    SessionSecretError,
    load_secret,
    server_secret,
)

COOKIE_NAME = "almhult_session"
HANDOFF_SECONDS = 120.0
TOUCH_EVERY_S = 30.0  # last use is written at most this often (one write, not one per click)


class Ended(StrEnum):
    """Why a session is no longer valid."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    DISABLED = "disabled"


@dataclass(frozen=True)
class SessionRecord:
    """An open session: whose, with which role (as the account has it now), opened and
    last used at (epoch seconds, UTC)."""

    username: str
    role: Role
    opened: float
    last_seen: float


@dataclass(frozen=True)
class Check:
    """The result of checking a session id: the record, or why it ended."""

    record: SessionRecord | None
    ended: Ended | None = None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionStore:
    """Session records in the accounts SQLite file (table ``sessions``); ``secret`` is the
    server's cookie secret (see :func:`load_secret`)."""

    def __init__(self, path: str | Path, policy: SessionPolicy, secret: bytes) -> None:
        self.path = Path(path)
        self.policy = policy
        self._secret = secret
        AccountStore(self.path)  # the accounts table, which sessions are checked against
        with self._conn() as conn:
            conn.executescript(
                """
                CREATE TABLE IF NOT EXISTS sessions (
                    id_hash TEXT PRIMARY KEY,
                    username TEXT NOT NULL,
                    opened REAL NOT NULL,
                    last_seen REAL NOT NULL,
                    revoked REAL,
                    handoff_hash TEXT UNIQUE,
                    handoff_until REAL
                );
                CREATE INDEX IF NOT EXISTS sessions_user ON sessions (username);
                """
            )

    def _conn(self) -> AbstractContextManager[sqlite3.Connection]:
        return sqlite_transaction(self.path)

    def open(self, username: str, now: float) -> tuple[str, str]:
        """A new session for ``username`` (already authenticated): its id and a one-time
        handoff code that the browser exchanges for the cookie."""
        handoff = secrets.token_urlsafe(32)
        sid = self._session_id(handoff)
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO sessions (id_hash, username, opened, last_seen, handoff_hash, "
                "handoff_until) VALUES (?, ?, ?, ?, ?, ?)",
                [_digest(sid), username, now, now, _digest(handoff), now + HANDOFF_SECONDS],
            )
            # Old records are of no use to anyone: drop those ended a day ago or more.
            horizon = now - self.policy.max_hours * 3600 - 86400
            conn.execute("DELETE FROM sessions WHERE opened < ?", [horizon])
        return sid, handoff

    def _session_id(self, handoff: str) -> str:
        mac = hmac.new(self._secret, b"session-id:" + handoff.encode("ascii"), "sha256")
        return mac.hexdigest()

    def claim(self, handoff: str, now: float) -> str | None:
        """The session id for a handoff code, once; None when unknown, used, stale or
        revoked."""
        if not handoff or len(handoff) > 100 or not handoff.isascii():
            return None
        with self._conn() as conn:
            cur = conn.execute(
                "UPDATE sessions SET handoff_hash = NULL, handoff_until = NULL "
                "WHERE handoff_hash = ? AND handoff_until >= ? AND revoked IS NULL",
                [_digest(handoff), now],
            )
            claimed = cur.rowcount == 1
            conn.execute(  # a stale code is spent too
                "UPDATE sessions SET handoff_hash = NULL, handoff_until = NULL "
                "WHERE handoff_hash = ?",
                [_digest(handoff)],
            )
        return self._session_id(handoff) if claimed else None

    def check(self, sid: str, now: float) -> Check:
        """Whether session ``sid`` is open now; marks it used (at most every
        :data:`TOUCH_EVERY_S` seconds). The role is the account's current one."""
        with self._conn() as conn:
            row = conn.execute(
                "SELECT s.id_hash, s.username, s.opened, s.last_seen, s.revoked, a.role, "
                "a.disabled FROM sessions s LEFT JOIN accounts a ON a.username = s.username "
                "WHERE s.id_hash = ?",
                [_digest(sid)],
            ).fetchone()
            if row is None:
                return Check(None, Ended.UNKNOWN)
            id_hash, username, opened, last_seen, revoked, role, disabled = row
            if revoked is not None:
                return Check(None, Ended.REVOKED)
            if role is None or disabled:
                return Check(None, Ended.DISABLED)
            if self.policy.expired(opened, last_seen, now):
                return Check(None, Ended.EXPIRED)
            if now - last_seen >= TOUCH_EVERY_S:
                conn.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", [now, id_hash])
                last_seen = now
        return Check(SessionRecord(username, Role(role), opened, last_seen))

    def revoke(self, sid: str, now: float) -> None:
        """End session ``sid`` (sign-out): every tab holding it is signed out."""
        with self._conn() as conn:
            conn.execute(
                "UPDATE sessions SET revoked = ?, handoff_hash = NULL, handoff_until = NULL "
                "WHERE id_hash = ? AND revoked IS NULL",
                [now, _digest(sid)],
            )

    def revoke_user(self, username: str, now: float) -> int:
        """End every open session of ``username``; returns how many."""
        with self._conn() as conn:
            cur = conn.execute(
                "UPDATE sessions SET revoked = ? WHERE username = ? AND revoked IS NULL",
                [now, username.strip().lower()],
            )
            return cur.rowcount


def session_store(settings: Settings) -> SessionStore:
    """The session records of this deployment, with its expiry rules and secret."""
    policy = SessionPolicy(settings.session_idle_minutes, settings.session_max_hours)
    return SessionStore(settings.accounts_path, policy, server_secret(settings))
