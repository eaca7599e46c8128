"""The session cookie's secret and signer, without the accounts (and their pandas), so the
server entry can check the secret before it listens.

The secret: ``ALMHULT_SESSION_SECRET``, else ``session_secret`` in
``.streamlit/secrets.toml``, else a file generated beside the accounts file; at least
32 bytes, or the server refuses to start.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from geo.config import PROJECT_ROOT, Settings
from geo.errors import GeoError

MIN_SECRET_BYTES = 32
_SALT = "almhult-session-cookie"


class SessionSecretError(GeoError):
    """The cookie secret is missing, too short or unreadable."""


class CookieSigner:
    """Signs the cookie's value (the session id's hash key) with the server secret and a
    timestamp; a value older than ``max_age_s`` or signed otherwise is refused."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise SessionSecretError(
                f"the session cookie secret has {len(secret)} bytes; it needs at least "
                f"{MIN_SECRET_BYTES} (ALMHULT_SESSION_SECRET or session_secret in "
                ".streamlit/secrets.toml)"
            )
        self._signer = TimestampSigner(secret, salt=_SALT)

    def sign(self, value: str) -> str:
        return self._signer.sign(value).decode("ascii")

    def unsign(self, cookie: str, max_age_s: float) -> str | None:
        try:
            return self._signer.unsign(cookie, max_age=int(max_age_s)).decode("ascii")
        except (SignatureExpired, BadSignature, UnicodeError):
            return None


def load_secret(env_value: str | None, secrets_files: list[Path], generated: Path) -> bytes:
    """The cookie secret: ``ALMHULT_SESSION_SECRET`` (``env_value``), else
    ``session_secret`` in the first ``.streamlit/secrets.toml`` that has it, else the file
    ``generated`` (created on first start with 32 random bytes, mode 600; never committed).
    """
    if env_value:
        return env_value.encode("utf-8")
    for path in secrets_files:
        if path.is_file():
            try:
                value = tomllib.loads(path.read_text("utf-8")).get("session_secret")
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise SessionSecretError(f"{path} cannot be read: {exc}") from exc
            if value:
                return str(value).encode("utf-8")
    generated.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(generated, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    try:
        return generated.read_text("utf-8").strip().encode("utf-8")
    except OSError as exc:
        raise SessionSecretError(f"{generated} cannot be read: {exc}") from exc


def server_secret(settings: Settings) -> bytes:
    """The cookie secret of this deployment (see :func:`load_secret`): the environment,
    ``.streamlit/secrets.toml`` in the working folder or the project, or a generated file
    beside the accounts file."""
    files = [
        Path.cwd() / ".streamlit" / "secrets.toml",
        PROJECT_ROOT / ".streamlit" / "secrets.toml",
    ]
    return load_secret(
        settings.session_secret, files, settings.accounts_path.parent / "session.key"
    )
