"""AppTest smoke tests: every page runs on the demo store in both languages.

AppTest cannot drive ``st_folium`` (a custom component), so it is replaced by a recorder;
the real map is exercised by the map-builder tests and tests/browser/.
"""

from __future__ import annotations

import re
import shutil
import time
from unittest import mock

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.roles import Role
from pages._session import Viewer
from tests.conftest import ROOT


class Calls(list):
    """The recorded st_folium calls, and the store the app uses."""

    store_path: object = None


@pytest.fixture
def app_env(demo_store, tmp_path, monkeypatch):
    path = tmp_path / "app.gpkg"
    shutil.copy(demo_store.path, path)
    monkeypatch.setenv("ALMHULT_STORE", str(path))
    monkeypatch.setenv("ALMHULT_TILE_URL", "")
    monkeypatch.setenv("ALMHULT_ACCOUNTS", str(tmp_path / "accounts.db"))
    st.cache_resource.clear()
    calls = Calls()
    calls.store_path = path

    def record(fig, **kw):
        calls.append({"fig": fig, **kw})
        return {}

    with mock.patch("streamlit_folium.st_folium", record):
        yield calls
    st.cache_resource.clear()


def signed_in(role: str | None) -> dict[str, object]:
    """Session state of someone signed in with ``role`` (None: the public)."""
    if role is None:
        return {}
    now = time.time()
    viewer = Viewer(f"test-{role}", Role(role), "password")
    return {"_viewer": viewer, "_signed_in": now, "_last_seen": now}


def run(
    page: str | None = None, lang: str = "sv", role: str | None = "police", **state: object
) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.session_state["lang"] = lang
    for key, value in signed_in(role).items():
        at.session_state[key] = value
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at


OVERVIEW_TABLES = {"overview_areas": True, "overview_gaps": True, "overview_spots": True}


def test_overview_tables_wait_behind_their_summaries(app_env):
    # A first visit gets the map and the figures; no table is made or sent until opened.
    at = run()
    assert len(at.dataframe) == 0
    assert [e.label for e in at.main.expander] == ["Visa tabellen"] * 3
    summaries = [m.value for m in at.markdown][2:5]
    assert summaries[0] == "17 områden, 1 182 närvarotimmar; 0 områden utan närvaro\\."
    assert summaries[1].startswith("4 områden utan närvaro\\: Hallaryd, ")
    assert summaries[2] == "40 problemplatser, varav 13 utan uppföljning\\."
    opened = run(overview_spots=True)
    assert len(opened.dataframe) == 1 and len(opened.dataframe[0].value) == 40
    # The label names no row count: a filter change keeps an open table open.
    assert [e.label for e in opened.main.expander] == ["Visa tabellen"] * 3


def test_overview_shows_verdict_headline_map_and_tables(app_env):
    at = run(**OVERVIEW_TABLES)
    assert at.markdown[0].value == "**Löftet 2018 hålls delvis: 3 av 4 åtaganden uppfyllda.**"
    assert at.markdown[1].value == (
        "**Landsbygden fick 40\u00a0% av närvarotimmarna år 2018; där bor 35\u00a0% av invånarna.**"
    )
    assert len(app_env) == 1
    kw = app_env[0]
    assert kw["returned_objects"] == []  # pan and zoom never rerun the page
    assert len(kw["feature_group_to_add"]) == 5
    assert at.metric[1].value == "1,23"  # Swedish decimal comma
    assert at.metric[2].value == "2"  # Göteryd and Hallaryd: no presence in the last 4 weeks
    assert at.metric[2].label == "Orter utan närvaro"  # the weeks are in its help
    assert at.metric[2].help == "Byar och stadsdelar utan närvaro de senaste 4 veckorna."
    assert "Hallaryd" in at.warning[0].value
    assert len(at.dataframe) == 3


def test_area_filter_zooms_the_map_and_the_headline_follows(app_env):
    at = run(areas=["dio"], period_pick="month", **OVERVIEW_TABLES)
    kw = app_env[-1]
    assert kw["zoom"] >= 13 and abs(kw["center"][0] - 56.63) < 0.05  # Diö, not the whole
    assert at.metric[0].label == "Urvalets andel"
    sentence = at.markdown[1].value
    assert sentence.startswith("**Diö fick ") and "i december 2018" in sentence
    assert at.dataframe[0].value.iloc[:, 0].tolist() == ["Diö"]
    (geojson,) = kw["feature_group_to_add"][0]._children.values()
    tips = [f["properties"]["tip"] for f in geojson.data["features"]]
    outside = [tip for tip in tips if "Utanför urvalet" in tip]
    assert len(outside) == len(tips) - 1  # every other area neutral, not a gap


def test_coverage_page_in_english(app_env):
    boxes = ("weeks", "gaps", "spots", "roads", "controls")
    at = run("pages/coverage.py", lang="en", **{"coverage_" + b: True for b in boxes})
    assert at.title[0].value == "Coverage by area"
    assert len(at.dataframe) == 6  # areas, weeks, gaps, spots, roads, controls
    assert "The countryside got" in at.markdown[0].value
    assert at.main.expander[0].label == "Show the table"
    assert len(at.dataframe[1].value) == 52  # the demo year is ISO year 2018: weeks 1 to 52


def test_url_parameters_set_the_filters(app_env):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in signed_in("police").items():
        at.session_state[key] = value
    at.query_params["pick"] = "custom"
    at.query_params["start"] = "2018-05-01"
    at.query_params["end"] = "2018-05-31"
    at.query_params["areas"] = "dio"
    at.session_state["overview_areas"] = True
    at.run()
    assert not at.exception
    assert at.sidebar.caption[0].value == "Vald period: i maj 2018 (2018-05-01 – 2018-05-31)"
    assert at.dataframe[0].value.iloc[:, 0].tolist() == ["Diö"]


def test_filter_change_updates_the_tables(app_env):
    # (AppTest loses sidebar widgets on a rerun under st.navigation, so two fresh runs
    # with different filter state stand in for a click; tests/browser clicks for real.)
    before = run(overview_areas=True).dataframe[0].value
    after = run(period_pick="4weeks", overview_areas=True).dataframe[0].value
    assert not before.equals(after)
    assert after.iloc[:, 4].sum() < before.iloc[:, 4].sum()  # fewer hours in 4 weeks than a year


def test_headline_counts_spots_without_follow_up(app_env):
    at = run()
    assert at.metric[3].value == "13 av 40"  # of the 40 demo spots, 13 get no presence nearby


def test_tiles_can_be_switched_off(app_env, monkeypatch):
    monkeypatch.setenv("ALMHULT_TILE_URL", "https://tiles.example/{z}/{x}/{y}.png")
    st.cache_resource.clear()
    run(tiles=False)
    assert "tiles.example" not in app_env[-1]["fig"].get_root().render()
    run()
    assert "tiles.example" in app_env[-1]["fig"].get_root().render()


def test_import_page_without_a_file(app_env):
    at = run("pages/import_data.py")
    assert at.title[0].value == "Importera"
    assert "50 MB" in at.caption[0].value


def test_register_page_saves_a_spot_and_reports_errors(app_env):
    at = run("pages/register.py")
    assert at.title[0].value == "Registrera"
    assert len(at.tabs) == 7
    at.text_area[0].input("Mörk gångväg vid <b>skolan</b>")
    at.text_input(key="reg_lat").input("56,5515")
    at.text_input(key="reg_lon").input("14.1372")  # either decimal sign is read
    at.button[0].click().run()
    assert not at.exception
    from geo.store import GeoPackageStore

    store = GeoPackageStore(app_env.store_path)
    spots = store.query("problem_spots")
    saved = spots[spots["description"] == "Mörk gångväg vid <b>skolan</b>"]
    assert saved["area_id"].tolist() == ["almhult"]
    assert store.audit_log(limit=1)["action"].tolist() == ["add"]


@pytest.mark.parametrize(("lang", "shown"), [("sv", "56,55100"), ("en", "56.55100")])
def test_register_coordinates_are_written_the_languages_way(app_env, lang, shown):
    at = run("pages/register.py", lang=lang)
    assert at.text_input(key="reg_lat").value == shown
    at.text_input(key="reg_lat").input("56,6x").run()  # unreadable: said, point kept
    assert len(at.warning) == 1
    at.text_input(key="reg_lat").input("56,56").run()
    assert not at.warning


def test_promise_page_shows_the_scorecard(app_env):
    at = run("pages/promise.py")
    assert at.title[0].value == "Medborgarlöfte"
    texts = " ".join(m.value for m in at.markdown)
    assert ":red[●]" in texts and ":green[●]" in texts  # behind, met
    labels = [b.label for b in at.button]
    assert {"HTML (fungerar offline)", "PNG", "PDF"} <= set(labels)


def test_new_promise_form_starts_empty_and_names_the_languages(app_env):
    at = run("pages/promise.py", role="municipality")
    assert at.radio(key="handout_lang").options == ["Svenska", "English"]
    (form,) = [d.value for d in at.dataframe if "target" in d.value.columns]
    assert form["target"].isna().all()
    assert form["target"].dtype.kind == "f"  # empty cells; a column of None showed "None"


def test_public_visitor_sees_the_public_tier_and_no_edit_pages(app_env):
    at = run(role=None)
    assert "Offentlig nivå" in at.caption[0].value
    assert "Inte inloggad" in at.sidebar.caption[0].value
    kw = app_env[-1]
    assert len(kw["feature_group_to_add"]) == 3  # areas, roads, spots: no patrols or controls
    # The register page is not in this role's navigation: switching to it is refused.
    with pytest.raises(Exception):  # noqa: B017, PT011 - AppTest's own error type
        run("pages/register.py", role=None)


def test_council_tables_hold_months_and_no_time_of_day(app_env):
    at = run("pages/coverage.py", role="council")
    text = " ".join(str(tbl.value.to_csv()) for tbl in at.dataframe)
    assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)
    assert re.search(r"\b2018-\d{2}\b", text)
    overview = run(role="council")  # (the sidebar is only there on a first run)
    assert any("räknad i hela veckor" in c.value for c in overview.sidebar.caption)


def test_municipality_registers_spots_but_not_patrols(app_env):
    at = run("pages/register.py", role="municipality")
    labels = [tab.label for tab in at.tabs]
    assert labels == [
        "Problemplats",
        "Medborgardialog",
        "Förebyggande aktivitet",
        "Ändra problemplats",
        "Ändringslogg",
    ]
    assert "Kommunens nivå" in run(role="municipality").caption[0].value


def test_expired_session_falls_back_to_the_public(app_env):
    state = signed_in("police")
    state["_last_seen"] = time.time() - 31 * 60
    at = run(role=None, **state)
    assert "Offentlig nivå" in at.caption[0].value
    assert "Sessionen har gått ut" in at.sidebar.warning[0].value


def test_sign_in_required_shows_only_the_form(app_env, monkeypatch):
    monkeypatch.setenv("ALMHULT_PUBLIC_VIEW", "0")
    st.cache_resource.clear()
    at = run(role=None)
    assert "kräver inloggning" in at.info[0].value
    assert len(at.dataframe) == 0 and len(app_env) == 0  # no map, no figures


def test_police_reads_the_audit_log(app_env):
    at = run("pages/audit.py")
    assert at.title[0].value == "Logg"
    assert list(at.dataframe[0].value.columns) == ["När", "Vem", "Vad"]


MARKDOWN_IMAGE = "![x](http://evil.example/x.png)"


def test_names_and_descriptions_in_messages_and_buttons_stay_text(app_env):
    """Alerts, button labels and toasts render Markdown: a user name or a description
    there must not become an image the browser fetches (or a link)."""
    evil = Viewer(MARKDOWN_IMAGE, Role.POLICE, "password")
    at = run("pages/sign_in.py", _viewer=evil)
    assert "\\!\\[x\\]" in at.info[0].value and MARKDOWN_IMAGE not in at.info[0].value

    at = run("pages/register.py")
    at.text_area[0].input("Lampa " + MARKDOWN_IMAGE)
    at.text_input(key="reg_lat").input("56,5515")
    at.text_input(key="reg_lon").input("14.1372")  # either decimal sign is read
    at.button[0].click().run()
    from geo.store import GeoPackageStore

    added = int(GeoPackageStore(app_env.store_path).audit_log(limit=1)["id"].iloc[0])
    at = run("pages/register.py", undo_id=added)
    assert any(MARKDOWN_IMAGE in o for o in at.selectbox(key="undo_id").options)  # plain
    label = at.button(key="undo_go").label
    assert "\\!\\[x\\]" in label and MARKDOWN_IMAGE not in label


# About 24 characters fit a headline figure's label in a quarter of the desktop page (a
# longer one was cut: "Närvaro per invånare, urvalet/…"); the detail is in its help.
LABEL_MAX = 24


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_headline_labels_are_short_and_explained_in_their_help(app_env, lang):
    for state in ({}, {"areas": ["dio"]}):
        at = run(lang=lang, **state)
        assert len(at.metric) == 4
        for metric in at.metric:
            assert len(metric.label) <= LABEL_MAX, metric.label
            assert metric.help, metric.label


def _multiselects(at: AppTest) -> list:
    return [*at.sidebar.multiselect, *at.main.multiselect]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_multiselect_has_a_placeholder_in_words_and_no_select_all(app_env, lang):
    """Streamlit's defaults are English: "Choose options" and a "Select all" option."""
    seen = set()
    for page in (None, "pages/audit.py", "pages/plan.py"):
        at = run(page, lang=lang)
        for widget in _multiselects(at):
            seen.add(widget.key)
            assert widget.proto.placeholder.strip(), widget.key
            assert widget.proto.select_all == 0, widget.key  # 0: never offered
    assert {"kinds", "areas", "cats", "statuses", "audit_actions", "plan_exclude"} <= seen


def _words_script() -> None:
    import streamlit as st

    from pages._session import follow_language

    words = {"sv": {"car": "Bilpatrull", "foot": "Fotpatrull"}, "en": {"car": "Car patrol"}}
    words["en"]["foot"] = "Foot patrol"
    lang = st.selectbox("Språk / Language", ["sv", "en"], key="lang")
    follow_language("kinds")
    st.multiselect("k", ["car", "foot"], ["car"], key="kinds", format_func=words[lang].get)


def test_chosen_words_follow_the_language():
    """The browser shows a multiselect's chips as the words it was last sent: after a
    change to English the choice must be sent again in English (Streamlit 1.67 does not,
    and the chips stayed "Bilpatrull"). (AppTest loses the dashboard's sidebar widgets on
    a rerun, so a small script with the same helper stands in.)"""
    at = AppTest.from_function(_words_script)
    at.run()
    at.multiselect(key="kinds").select("foot").run()
    at.selectbox(key="lang").set_value("en").run()
    assert not at.exception, at.exception
    kinds = at.multiselect(key="kinds")
    assert kinds.value == ["car", "foot"]
    assert kinds.proto.set_value
    assert list(kinds.proto.raw_values) == ["Car patrol", "Foot patrol"]


def test_the_headline_names_the_period_picked_not_its_widened_dates(app_env):
    # The municipality's year 2018 is widened to whole weeks (to Sunday 6 January 2019):
    # the sidebar gives those dates, the headline says "år 2018".
    at = run(role="municipality")
    text = " ".join(m.value for m in at.markdown)
    assert "år 2018" in text
    assert "2019-01-06" not in text
    assert any("2019-01-06" in c.value for c in at.sidebar.caption)
