"""The Veckoplan page (AppTest): police make, re-roll and save a plan; other roles never
see it; the coverage page shows planned against done to the police only."""

from __future__ import annotations

import re

import pytest

from geo.i18n import translator
from geo.plan.model import PLAN_KINDS
from geo.store import GeoPackageStore
from geo.text import escape_markdown
from tests import test_pages
from tests.test_pages import run

app_env = test_pages.app_env  # the app on a copy of the demo store (a fixture)

T = translator("sv")
PAGE = "pages/plan.py"


def make(at, week: str):
    at.text_input(key="plan_week").set_value(week)
    next(b for b in at.button if b.label == T("plan_make")).click().run()
    assert not at.exception, at.exception
    return at


def test_police_make_a_plan_and_see_its_effect_stops_and_files(app_env):
    at = make(run(PAGE), "2018-W39")
    assert at.title[0].value == T("page_plan")
    assert at.info[0].value.startswith("Med planen: ")
    assert len(at.dataframe) >= 2
    stops = at.dataframe[-1].value if len(at.dataframe) == 2 else at.dataframe[1].value
    assert len(stops) > 10
    labels = {b.proto.label for b in at.get("download_button")}
    assert {T("plan_download_pdf"), T("plan_download_gpx"), T("plan_download_csv")} <= labels


def test_week_and_hours_are_written_in_swedish(app_env):
    at = run(PAGE)
    week = at.text_input(key="plan_week").value
    assert re.fullmatch(r"v\. \d{1,2} \d{4}", week), week  # not "2019-W02"
    hours = [at.text_input(key="plan_hours_" + k).value for k in PLAN_KINDS]
    assert hours == ["40", "16", "12"]  # not "40.00"
    at.text_input(key="plan_hours_foot_patrol").set_value("12,5")
    at = make(at, "v. 39 2018")
    assert at.subheader[1].value == T("plan_effect_title") + " – v. 39 2018"
    assert at.session_state["_plan"].request.hours["foot_patrol"] == 12.5
    assert any("(av 40, 12,5 och 12 h)" in c.value for c in at.caption)


def test_re_roll_gives_another_seed_and_other_times(app_env):
    at = make(run(PAGE), "2018-W39")
    seed = at.number_input(key="plan_seed").value
    before = at.session_state["_plan"].to_dict()
    next(b for b in at.button if b.label == T("plan_reroll")).click().run()
    assert not at.exception
    assert at.number_input(key="plan_seed").value != seed
    after = at.session_state["_plan"].to_dict()
    assert after["seed"] != before["seed"] and after["tours"] != before["tours"]


def test_saving_stores_the_plan_and_the_coverage_page_shows_adherence(app_env):
    at = make(run(PAGE), "2018-W39")
    next(b for b in at.button if b.label == T("plan_save")).click().run()
    assert not at.exception
    assert "v. 39 2018" in at.success[0].value  # the week in words, as everywhere
    stored = GeoPackageStore(app_env.store_path).query("plans")
    assert stored["week"].tolist() == ["2018-W39"]
    assert stored["updated_by"].tolist() == ["test-police"]
    coverage = run("pages/coverage.py")
    assert any(s.value == T("plan_adherence") for s in coverage.subheader)
    assert any("2018-W39" in frame.value.to_csv() for frame in coverage.dataframe)
    again = run(PAGE)  # planned against done per area, for the week that has passed
    assert any(s.value == T("plan_adherence") for s in again.subheader)
    assert again.selectbox(key="plan_done_week").value == "2018-W39"
    for role in ("municipality", "council"):
        other = run("pages/coverage.py", role=role)
        assert not any(s.value == T("plan_adherence") for s in other.subheader)


def test_a_bad_week_gets_one_clear_error(app_env):
    at = make(run(PAGE), "2018-W77")
    # the typed week is user text: escaped for Markdown, it reads as typed
    assert at.error[0].value == T("plan_err_week", value=escape_markdown("2018-W77"))
    assert "_plan" not in at.session_state


@pytest.mark.parametrize("role", ["municipality", "council", None])
def test_other_roles_have_no_plan_page(app_env, role):
    with pytest.raises(Exception):  # noqa: B017, PT011 - not in the role's navigation
        run(PAGE, role=role)
