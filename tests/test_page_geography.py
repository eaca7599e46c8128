"""AppTest smoke tests of the Geografi page (police only); the whole upload, preview, accept
and undo flow in a browser is tests/browser/test_geography.py."""

from __future__ import annotations

import shutil
from unittest import mock

import geopandas as gpd
import pytest
import streamlit as st
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from geo.layers import plan, read_layer_file
from geo.layers.preview import accept
from geo.store import GeoPackageStore
from tests.conftest import ROOT, shared_file
from tests.test_pages import signed_in


@pytest.fixture
def app_store(demo_store, tmp_path, monkeypatch):
    path = tmp_path / "app.gpkg"
    shutil.copy(demo_store.path, path)
    monkeypatch.setenv("ALMHULT_STORE", str(path))
    monkeypatch.setenv("ALMHULT_TILE_URL", "")
    monkeypatch.setenv("ALMHULT_ACCOUNTS", str(tmp_path / "accounts.db"))
    st.cache_resource.clear()
    with mock.patch("streamlit_folium.st_folium", lambda fig, **kw: {}):
        yield path
    st.cache_resource.clear()


def _run(role: str, lang: str = "sv") -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.session_state["lang"] = lang
    for key, value in signed_in(role).items():
        at.session_state[key] = value
    at.run()
    at.switch_page("pages/geography.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_police_see_the_page_with_its_history(app_store):
    store = GeoPackageStore(app_store)
    parishes = shared_file("geo/almhult_socknar_lantmateriet.geojson")
    lf = read_layer_file(parishes.read_bytes(), parishes.name)
    accept(store, plan(store, lf, "zones", {"name": "name"}, code="0765"), user="planerare")
    at = _run("police")
    assert at.title[0].value == "Geografi"
    assert [r.label for r in at.radio][-1] == "Vad ska bytas?"
    history = at.dataframe[0].value
    assert history.iloc[0]["Vem"] == "planerare"
    assert history.iloc[0]["Lager"] == "Landsbygdsområden"
    at.button(key="geo_undo_go").click().run()
    assert "är ångrat" in at.success[0].value
    assert len(store.areas()) == len(gpd.read_file(ROOT / "data" / "areas.geojson"))


@pytest.mark.parametrize("role", ["municipality", "council", None])
def test_the_page_is_in_no_other_roles_menu(app_store, role):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in signed_in(role).items():
        at.session_state[key] = value
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/geography.py")


def test_the_files_column_names_and_codes_in_messages_stay_text(app_store):
    """Column names and codes come from the uploaded file: in an alert they must not
    become an image the browser fetches."""
    image = "![x](http://evil.example/x.png)"
    outline = gpd.GeoDataFrame(
        {f"kommunkod {image}": ["1", "2"], "ort " + image: ["a", "b"]},
        geometry=[Point(14.2, 56.6).buffer(0.05), Point(14.3, 56.6).buffer(0.05)],
        crs=4326,
    )
    at = _run("police")
    at.radio(key="geo_layer").set_value("outline").run()
    upload = at.file_uploader(key="geo_upload_outline")
    upload.upload("kommun.geojson", outline.to_json().encode(), "application/geo+json").run()
    at.selectbox(key="geo_col_outline_code").set_value(f"kommunkod {image}").run()
    shown = [e.value for e in (*at.warning, *at.error)]
    assert any("kommunkod \\!\\[x\\]" in s for s in shown), shown
    assert not any(image in s for s in shown)
