"""No traceback reaches a visitor: a page error shows an id, the server log has the rest;
a period without any public presence renders instead of crashing."""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
from unittest import mock

from geo.i18n import translator
from tests.conftest import ROOT
from tests.test_pages import app_env, run  # noqa: F401 - app_env is a fixture

T = translator("sv")
EMPTY = {
    "period_pick": "custom",
    "period_from": dt.date(2017, 1, 1),
    "period_to": dt.date(2017, 1, 31),
}


def test_error_details_are_off_in_the_server_config() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


def test_overview_and_coverage_of_a_period_without_presence(app_env) -> None:  # noqa: F811
    for role in (None, "municipality", "police"):
        at = run(role=role, **EMPTY)  # run() fails on any exception element
        assert T("headline_no_presence") in [m.value for m in at.markdown]
        assert at.metric[0].value == "–"
        at = run("pages/coverage.py", role=role, **EMPTY)
        assert T("headline_no_presence") in [m.value for m in at.markdown]


def test_a_page_error_shows_an_id_and_logs_the_traceback(app_env, caplog) -> None:  # noqa: F811
    boom = RuntimeError("/srv/secret/path.py exploded")
    with (
        mock.patch("geo.views.spot_table", side_effect=boom),
        caplog.at_level(logging.ERROR, logger="almhult"),
    ):
        at = run(role=None)
    shown = " ".join(e.value for e in at.error)
    assert "nummer" in shown and "secret" not in shown
    assert not at.exception
    error_id = shown.split("nummer ")[1].split()[0]
    logged = [r for r in caplog.records if r.getMessage() == f"page error {error_id}"]
    assert logged and logged[0].exc_info[1] is boom
