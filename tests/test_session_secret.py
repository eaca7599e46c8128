"""The cookie secret: a server whose secret cannot sign refuses to start, saying why."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from geo.session_secret import MIN_SECRET_BYTES, CookieSigner, SessionSecretError
from tests.conftest import ROOT


def test_a_short_secret_is_refused_with_its_length() -> None:
    with pytest.raises(SessionSecretError, match="has 12 bytes; it needs at least 32"):
        CookieSigner(b"x" * 12)
    CookieSigner(b"x" * MIN_SECRET_BYTES)


def test_the_server_does_not_start_on_a_short_secret(tmp_path) -> None:
    env = {
        **os.environ,
        "ALMHULT_STORE": str(tmp_path / "store.gpkg"),
        "ALMHULT_ACCOUNTS": str(tmp_path / "accounts.db"),
        "ALMHULT_SESSION_SECRET": "walk1-secret-0123456789abcdef",  # 29 bytes
    }
    done = subprocess.run(
        [sys.executable, "-m", "streamlit", "run", "scripts/serve.py", "--server.port", "0"]
        + ["--server.headless", "true"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "does not start: the session cookie secret has 29 bytes" in done.stderr + done.stdout
    assert not (tmp_path / "store.gpkg").exists()  # stopped before anything was written
