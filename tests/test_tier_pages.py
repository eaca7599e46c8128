"""The coarse tiers on the pages: rules that re-cut exact data are fixed, a split that is
not published cannot be chosen, and the municipality's change list names roles."""

from __future__ import annotations

from geo.accounts import AccountStore
from geo.i18n import translator
from geo.store import GeoPackageStore
from tests.factories import spot
from tests.test_pages import app_env, run  # noqa: F401 - app_env is a fixture

T = translator("sv")


def _slider(at, key: str):
    return next(s for s in at.sidebar.slider if s.key == key)


def test_rules_are_fixed_and_kinds_not_split_for_the_public(app_env) -> None:  # noqa: F811
    at = run(role=None, rules_open=True, _rule_dwell=55, kinds=["foot_patrol"])
    assert _slider(at, "dwell").disabled and _slider(at, "radius").disabled
    kinds = next(m for m in at.sidebar.multiselect if m.key == "kinds")
    assert kinds.disabled
    # The widget state says 55 minutes and foot patrols only: the figures ignore both.
    assert at.session_state["_context"].params.dwell_minutes == 10
    assert at.session_state["_context"].filters.kinds == (
        "car_patrol",
        "foot_patrol",
        "traffic_control",
        "other",
    )


def test_municipality_may_choose_kinds_but_not_the_visit_length(app_env) -> None:  # noqa: F811
    at = run(role="municipality", rules_open=True, _rule_dwell=55, kinds=["foot_patrol"])
    assert _slider(at, "dwell").disabled
    assert not next(m for m in at.sidebar.multiselect if m.key == "kinds").disabled
    assert at.session_state["_context"].filters.kinds == ("foot_patrol",)
    assert at.session_state["_context"].params.dwell_minutes == 10


def test_police_keeps_every_rule(app_env) -> None:  # noqa: F811
    at = run(role="police", rules_open=True, _rule_dwell=55)
    assert not _slider(at, "dwell").disabled
    assert _slider(at, "dwell").value == 55
    assert at.session_state["_context"].params.dwell_minutes == 55


def test_rules_keep_their_values_while_their_section_is_closed(app_env) -> None:  # noqa: F811
    # Closed, the section makes no sliders (a first visit loads no slider scripts); the
    # values set while it was open still rule the figures.
    at = run(role="police", _rule_dwell=55, _rule_gap_weeks=2)
    assert not at.sidebar.slider
    assert at.session_state["_context"].params.dwell_minutes == 55
    assert at.session_state["_context"].params.gap_weeks == 2


def test_municipality_change_list_names_roles_not_police_planners(app_env, tmp_path) -> None:  # noqa: F811
    store = GeoPackageStore(app_env.store_path)
    store.add("problem_spots", spot(description="Ändrad av polisen"), user="planerare")
    accounts = AccountStore(tmp_path / "accounts.db")
    accounts.add("planerare", "police", "polis-lösenord-1")
    at = run("pages/register.py", role="municipality")
    who, when = T("col_who"), T("col_when")
    log = next(d.value for d in at.dataframe if who in d.value.columns)
    text = log.to_string()
    assert "planerare" not in text and T("role_police") in set(log[who])
    assert log[when].str.fullmatch(r"\d{4} v\.\d{2}").all()  # weeks, not minutes
    police = run("pages/register.py", role="police")
    log = next(d.value for d in police.dataframe if who in d.value.columns)
    assert "planerare" in set(log[who])
