"""Local accounts: hashes, roles, slowed brute force, session expiry, the CLI."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from geo.accounts import (
    FREE_ATTEMPTS,
    AccountStore,
    SessionPolicy,
    SignInError,
    lock_seconds,
    main,
)
from geo.errors import GeoError
from geo.roles import Role

PASSWORD = "korrekt-häst-batteri"


@pytest.fixture
def accounts(tmp_path: Path) -> AccountStore:
    store = AccountStore(tmp_path / "accounts.db")
    store.add("Planerare", Role.POLICE, PASSWORD)
    return store


def test_password_is_stored_as_a_salted_argon2_hash(accounts: AccountStore) -> None:
    accounts.add("second", "council", PASSWORD)
    with sqlite3.connect(accounts.path) as conn:
        hashes = [r[0] for r in conn.execute("SELECT password_hash FROM accounts")]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert PASSWORD not in "".join(hashes)
    assert hashes[0] != hashes[1]  # same password, different salts


def test_sign_in_gives_the_role_and_ignores_name_case(accounts: AccountStore) -> None:
    account = accounts.authenticate(" PLANERARE ", PASSWORD, now=1000.0)
    assert account.username == "planerare" and account.role == Role.POLICE


def test_unknown_name_and_wrong_password_get_the_same_answer(accounts: AccountStore) -> None:
    with pytest.raises(SignInError) as unknown:
        accounts.authenticate("nobody", PASSWORD, now=1000.0)
    with pytest.raises(SignInError) as wrong:
        accounts.authenticate("planerare", "wrong password!", now=1000.0)
    assert str(unknown.value) == str(wrong.value)


def test_repeated_failures_lock_the_name_with_growing_waits(accounts: AccountStore) -> None:
    now = 1000.0
    for _ in range(FREE_ATTEMPTS):
        with pytest.raises(SignInError):
            accounts.authenticate("planerare", "guess-guess-guess", now=now)
    # Locked: even the right password is refused without being checked.
    with pytest.raises(SignInError, match="too many") as locked:
        accounts.authenticate("planerare", PASSWORD, now=now + 1)
    assert locked.value.locked and locked.value.retry_after_s == pytest.approx(29.0)
    # After the wait one more wrong guess doubles the lock.
    with pytest.raises(SignInError) as again:
        accounts.authenticate("planerare", "guess-guess-guess", now=now + 31)
    assert again.value.retry_after_s == 60.0
    with pytest.raises(SignInError, match="too many"):
        accounts.authenticate("planerare", PASSWORD, now=now + 31 + 59)
    assert accounts.authenticate("planerare", PASSWORD, now=now + 31 + 61).role == Role.POLICE
    # Success clears the counter.
    with pytest.raises(SignInError, match="wrong"):
        accounts.authenticate("planerare", "guess-guess-guess", now=now + 200)


def test_lock_grows_to_a_cap() -> None:
    assert lock_seconds(FREE_ATTEMPTS - 1) == 0
    assert lock_seconds(FREE_ATTEMPTS) == 30
    assert lock_seconds(FREE_ATTEMPTS + 3) == 240
    assert lock_seconds(100) == 15 * 60


def test_unknown_names_are_locked_too(accounts: AccountStore) -> None:
    for _ in range(FREE_ATTEMPTS):
        with pytest.raises(SignInError):
            accounts.authenticate("ghost", "x" * 12, now=5.0)
    with pytest.raises(SignInError, match="too many"):
        accounts.authenticate("ghost", "x" * 12, now=6.0)


def test_disabled_account_cannot_sign_in(accounts: AccountStore) -> None:
    accounts.disable("planerare")
    with pytest.raises(SignInError, match="wrong"):
        accounts.authenticate("planerare", PASSWORD, now=1.0)


def test_short_password_duplicate_and_bad_names_are_refused(accounts: AccountStore) -> None:
    with pytest.raises(GeoError, match="at least 12"):
        accounts.add("kort", Role.COUNCIL, "short")
    with pytest.raises(GeoError, match="already exists"):
        accounts.add("planerare", Role.COUNCIL, PASSWORD)
    with pytest.raises(GeoError, match="without spaces"):
        accounts.add("two words", Role.COUNCIL, PASSWORD)


def test_oidc_accounts_map_email_to_role(accounts: AccountStore) -> None:
    accounts.add("Samordnare@Almhult.se", Role.MUNICIPALITY, None, oidc=True)
    found = accounts.oidc_account("samordnare@almhult.se")
    assert found is not None and found.role == Role.MUNICIPALITY
    assert accounts.oidc_account("planerare") is None  # password accounts are not OIDC
    assert accounts.oidc_account(None) is None
    with pytest.raises(SignInError):  # and OIDC accounts have no password
        accounts.authenticate("samordnare@almhult.se", "", now=1.0)


def test_sessions_expire_when_idle_or_old() -> None:
    policy = SessionPolicy(idle_minutes=30, max_hours=10)
    assert not policy.expired(signed_in=0, last_seen=0, now=29 * 60)
    assert policy.expired(signed_in=0, last_seen=0, now=31 * 60)
    assert policy.expired(signed_in=0, last_seen=10 * 3600, now=10 * 3600 + 1)


def test_cli_adds_lists_and_changes_roles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "cli.db")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["--file", path, "add", "rådman", "--role", "council", "--password-stdin"]) == 0
    assert main(["--file", path, "role", "rådman", "municipality"]) == 0
    assert main(["--file", path, "list"]) == 0
    out = capsys.readouterr().out
    assert "rådman" in out and "municipality" in out and "argon2" not in out
    assert AccountStore(path).authenticate("rådman", PASSWORD, 1.0).role == Role.MUNICIPALITY
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["--file", path, "add", "x", "--role", "police", "--password-stdin"]) == 1
    assert "at least 12" in capsys.readouterr().err


def test_streamlit_keeps_xsrf_and_cors_on_and_uploads_capped() -> None:
    import tomllib

    from tests.conftest import ROOT

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True
    assert config["server"]["maxUploadSize"] <= 50


def test_parallel_sign_ins_check_at_most_the_free_attempts(
    accounts: AccountStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """24 wrong sign-ins at once under one name: the lock is checked and the attempt
    counted in one transaction before any hash is checked, so no more than FREE_ATTEMPTS
    passwords are tried whatever the interleaving, and then the right one is refused."""
    import threading

    import geo.accounts

    real = geo.accounts._HASHER
    checked: list[str] = []
    guard = threading.Lock()

    class CountingHasher:
        def verify(self, stored: str, password: str) -> bool:
            with guard:
                checked.append(password)
            return real.verify(stored, password)

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

    monkeypatch.setattr(geo.accounts, "_HASHER", CountingHasher())
    start = threading.Barrier(24)
    outcomes: list[str] = []

    def one(password: str) -> None:
        start.wait()
        try:
            accounts.authenticate("planerare", password, now=1000.0)
            result = "signed in"
        except SignInError as exc:
            result = "locked" if exc.locked else "wrong"
        with guard:
            outcomes.append(result)

    threads = [threading.Thread(target=one, args=(f"guess-{i:02d}-xxxxxx",)) for i in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 24
    assert len(checked) <= FREE_ATTEMPTS, f"{len(checked)} passwords checked"
    assert outcomes.count("wrong") == len(checked)
    assert outcomes.count("locked") == 24 - len(checked)
    with pytest.raises(SignInError) as refused:
        accounts.authenticate("planerare", PASSWORD, now=1001.0)
    assert refused.value.locked and len(checked) <= FREE_ATTEMPTS
