"""Local accounts: argon2 password hashes, roles, brute-force slowing and session expiry.

Accounts live in their own SQLite file (``ALMHULT_ACCOUNTS``, default ``data/accounts.db``),
apart from the data GeoPackage, so the data file can be handed on without password hashes.
Passwords are hashed with argon2id (``argon2-cffi``; salted, slow, parameters stored in the
hash). Failed sign-ins are counted per user name, known or not: from the
:data:`FREE_ATTEMPTS`-th failure on, the name is locked for a time that doubles with every
further failure (30 s, 60 s, ... up to 15 minutes), and every failure costs a full hash
check, so guessing is slow from any number of sessions. Accounts are created with
``python -m geo.accounts add NAME --role police``.

With an OpenID Connect provider configured, Streamlit's ``st.login`` signs people in; the
account of the same name (their e-mail, created with ``--oidc``, no password) gives the role.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo.errors import GeoError
from geo.roles import Role

FREE_ATTEMPTS = 5
FIRST_LOCK_S = 30.0
MAX_LOCK_S = 15 * 60.0
MIN_PASSWORD = 12

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def dummy_hash() -> str:
    """The hash an unknown user name is checked against, so timing reveals nothing. Made
    once, on first use (0.12 s: not at import, which every server start pays; the server's
    warm-up makes it before the first visitor)."""
    return _HASHER.hash("no such account: checked anyway so timing reveals nothing")


@contextmanager
def sqlite_transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the SQLite file at ``path`` whose statements commit together (or
    roll back on an error), closed afterwards; waits up to 30 s for another writer."""
    conn = sqlite3.connect(path, timeout=30.0)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


class SignInError(GeoError):
    """A refused sign-in: wrong name or password, or (``locked``) refused unchecked for
    another ``retry_after_s`` seconds."""

    def __init__(self, message: str, retry_after_s: float = 0.0, *, locked: bool = False) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.locked = locked


@dataclass(frozen=True)
class Account:
    username: str
    role: Role
    oidc: bool = False


@dataclass(frozen=True)
class SessionPolicy:
    """Sessions end after ``idle_minutes`` without use or ``max_hours`` after sign-in."""

    idle_minutes: float = 30.0
    max_hours: float = 10.0

    def expired(self, signed_in: float, last_seen: float, now: float) -> bool:
        """Whether a session signed in and last used at these epoch seconds has ended."""
        return now - last_seen > self.idle_minutes * 60 or now - signed_in > self.max_hours * 3600


def lock_seconds(failures: int) -> float:
    """How long a name stays locked after ``failures`` failed sign-ins in a row."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return min(FIRST_LOCK_S * 2 ** (failures - FREE_ATTEMPTS), MAX_LOCK_S)


class AccountStore:
    """Accounts and failed-attempt counters in one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._conn() as conn:
            conn.executescript(
                """
                CREATE TABLE IF NOT EXISTS accounts (
                    username TEXT PRIMARY KEY,
                    role TEXT NOT NULL,
                    password_hash TEXT,
                    oidc INTEGER NOT NULL DEFAULT 0,
                    disabled INTEGER NOT NULL DEFAULT 0,
                    created_utc TEXT NOT NULL
                );
                CREATE TABLE IF NOT EXISTS failures (
                    username TEXT PRIMARY KEY,
                    count INTEGER NOT NULL,
                    last_utc REAL NOT NULL
                );
                """
            )

    def _conn(self) -> AbstractContextManager[sqlite3.Connection]:
        return sqlite_transaction(self.path)

    # ------------------------------------------------------------------ administration
    def add(
        self, username: str, role: Role | str, password: str | None, *, oidc: bool = False
    ) -> Account:
        """Create an account; a password of at least :data:`MIN_PASSWORD` characters is
        required unless the account signs in through OIDC."""
        name = _clean_name(username)
        role = Role(role)
        if not oidc and (password is None or len(password) < MIN_PASSWORD):
            raise GeoError(f"password for {name!r} must have at least {MIN_PASSWORD} characters")
        hashed = None if oidc else _HASHER.hash(password or "")
        try:
            with self._conn() as conn:
                conn.execute(
                    "INSERT INTO accounts (username, role, password_hash, oidc, created_utc) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [name, role.value, hashed, int(oidc), _now_text()],
                )
        except sqlite3.IntegrityError as exc:
            raise GeoError(f"account {name!r} already exists") from exc
        return Account(name, role, oidc)

    def set_password(self, username: str, password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise GeoError(f"password must have at least {MIN_PASSWORD} characters")
        self._update(username, "password_hash = ?", [_HASHER.hash(password)])

    def set_role(self, username: str, role: Role | str) -> None:
        self._update(username, "role = ?", [Role(role).value])

    def disable(self, username: str) -> None:
        self._update(username, "disabled = 1", [])

    def _update(self, username: str, assignment: str, values: list[object]) -> None:
        with self._conn() as conn:
            cur = conn.execute(
                f"UPDATE accounts SET {assignment} WHERE username = ?",
                [*values, _clean_name(username)],
            )
            if cur.rowcount == 0:
                raise GeoError(f"no account {username!r}")

    def list(self) -> pd.DataFrame:
        """Accounts without their hashes."""
        with self._conn() as conn:
            return pd.read_sql_query(
                "SELECT username, role, oidc, disabled, created_utc "
                "FROM accounts ORDER BY username",
                conn,
            )

    def roles(self) -> dict[str, Role]:
        """Every account's role by user name (disabled accounts too: they appear in logs)."""
        with self._conn() as conn:
            rows = conn.execute("SELECT username, role FROM accounts").fetchall()
        return {name: Role(role) for name, role in rows}

    # ------------------------------------------------------------------ sign-in
    def authenticate(self, username: str, password: str, now: float) -> Account:
        """The account, or :class:`SignInError` (same message for unknown names and wrong
        passwords; a locked name is refused before its password is checked).

        The attempt is counted *before* the password is checked, in one write transaction
        (``BEGIN IMMEDIATE``) with the lock check: parallel sign-ins under one name are
        serialised there, so however many arrive at once, at most :data:`FREE_ATTEMPTS`
        passwords are checked before the name locks. A success clears the count.
        """
        name = username.strip().lower()
        with self._write() as conn:
            failed = conn.execute(
                "SELECT count, last_utc FROM failures WHERE username = ?", [name]
            ).fetchone()
            if failed is not None:
                wait = failed[1] + lock_seconds(failed[0]) - now
                if wait > 0:
                    raise SignInError("too many failed sign-ins", retry_after_s=wait, locked=True)
            conn.execute(
                "INSERT INTO failures (username, count, last_utc) VALUES (?, 1, ?) "
                "ON CONFLICT(username) DO UPDATE "
                "SET count = count + 1, last_utc = excluded.last_utc",
                [name, now],
            )
            count = int(
                conn.execute("SELECT count FROM failures WHERE username = ?", [name]).fetchone()[0]
            )
            row = conn.execute(
                "SELECT role, password_hash, disabled FROM accounts WHERE username = ?", [name]
            ).fetchone()
        stored = row[1] if row is not None and not row[2] else None
        try:
            _HASHER.verify(stored or dummy_hash(), password)
            ok = stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok:
            raise SignInError("wrong user name or password", retry_after_s=lock_seconds(count))
        with self._write() as conn:
            conn.execute("DELETE FROM failures WHERE username = ?", [name])
            if stored is not None and _HASHER.check_needs_rehash(stored):
                conn.execute(
                    "UPDATE accounts SET password_hash = ? WHERE username = ?",
                    [_HASHER.hash(password), name],
                )
        return Account(name, Role(row[0]))

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A connection inside one ``BEGIN IMMEDIATE`` transaction: the write lock is taken
        before the first read, so a check and the write that follows it cannot interleave
        with another process's (committed on success, rolled back on any exception)."""
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def oidc_account(self, email: str | None) -> Account | None:
        """The role of someone the identity provider signed in (None: no account here)."""
        if not email:
            return None
        with self._conn() as conn:
            row = conn.execute(
                "SELECT role FROM accounts WHERE username = ? AND oidc = 1 AND disabled = 0",
                [email.strip().lower()],
            ).fetchone()
        return None if row is None else Account(email.strip().lower(), Role(row[0]), oidc=True)


def _clean_name(username: str) -> str:
    name = username.strip().lower()
    if not name or len(name) > 200 or any(c.isspace() for c in name):
        raise GeoError(f"user name {username!r} must be 1-200 characters without spaces")
    return name


def _now_text() -> str:
    return pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def main(argv: list[str] | None = None) -> int:
    """``python -m geo.accounts add|passwd|role|disable|list`` on the accounts file."""
    from geo.config import Settings

    parser = argparse.ArgumentParser(
        prog="python -m geo.accounts", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--file", help="accounts file (default: ALMHULT_ACCOUNTS or data/accounts.db)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="create an account (asks for the password)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--oidc", action="store_true", help="signs in through the identity provider")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    pw = sub.add_parser("passwd", help="set a new password")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true")
    role = sub.add_parser("role", help="change an account's role")
    role.add_argument("username")
    role.add_argument("role", choices=[r.value for r in Role])
    dis = sub.add_parser("disable", help="stop an account from signing in")
    dis.add_argument("username")
    sub.add_parser("list", help="list accounts (no hashes)")
    args = parser.parse_args(argv)
    store = AccountStore(args.file or Settings.from_env().accounts_path)

    def password() -> str:
        if args.password_stdin:
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise GeoError("the passwords differ")
        return first

    try:
        if args.command == "add":
            store.add(args.username, args.role, None if args.oidc else password(), oidc=args.oidc)
        elif args.command == "passwd":
            store.set_password(args.username, password())
        elif args.command == "role":
            store.set_role(args.username, args.role)
        elif args.command == "disable":
            store.disable(args.username)
        else:
            print(store.list().to_string(index=False))
            return 0
    except GeoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{args.command}: {args.username} ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
