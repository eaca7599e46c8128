"""Any Swedish municipality: a first geography from the committed national files, checked
against the national open data in ../shared/data/geo/ (read in place)."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.areas import AreaIndex
from geo.config import DATA_DIR, Settings
from geo.crs import to_wgs84
from geo.demo import load_if_empty
from geo.geography.national import (
    UnknownMunicipality,
    geography_for,
    municipality_name,
    store_for,
    with_municipality,
)
from geo.geography.shapes import km2
from geo.i18n import translator
from tests.conftest import shared_file

# LPO Ljungby serves Ljungby and Markaryd besides Älmhult; Stockholm and Kiruna differ in
# size (216 km² city, 20,700 km² mountains).
CODES = {"0781": "Ljungby", "0767": "Markaryd", "0180": "Stockholm", "2584": "Kiruna"}


@pytest.fixture(scope="module")
def national():
    outlines = gpd.read_file(shared_file("geo/sweden_kommuner_lantmateriet.geojson"))
    points = pd.read_csv(
        shared_file("geo/sweden_tatorter_2020_scb_points.csv"), dtype={"mun_code": str}
    )
    return outlines.set_index("kommunkod"), points


@pytest.mark.parametrize("code", list(CODES))
def test_first_geography_for_a_municipality(code, national):
    outlines, points = national
    areas, outline, names = geography_for(code)
    assert names.name == CODES[code]
    # The outline is Lantmäteriet's, simplified: area within 1 %.
    assert km2(outline) == pytest.approx(km2(outlines.geometry[code]), rel=0.01)
    # Areas cover the outline once.
    union = shapely.union_all(areas.geometry.array)
    assert union.symmetric_difference(outline).area / outline.area < 1e-6
    overlap = sum(g.area for g in areas.geometry) - union.area
    assert overlap / outline.area < 1e-6
    # Every tätort of the code is an area holding SCB's point and SCB's 2020 figures.
    own = points[points["mun_code"] == code]
    assert len(own) >= 1
    index = AreaIndex(areas)
    lon, lat = to_wgs84(own["x_sweref"].to_numpy(float), own["y_sweref"].to_numpy(float))
    found = index.assign(lon, lat)
    by_id = areas.set_index("id")
    for name, pop, area_id in zip(own["name"], own["pop"], found, strict=True):
        assert by_id.loc[area_id, "kind"] != "countryside", name
        assert by_id.loc[area_id, "name"] == name
        assert by_id.loc[area_id, "population"] == pop
    # The most populous is the town; everything is flagged approximate.
    town = areas[areas["kind"] == "town"]
    assert town["name"].tolist() == [own.sort_values("pop")["name"].iloc[-1]]
    assert (areas["approximate"] == 1).all()
    zones = areas[areas["kind"] == "countryside"]
    assert zones["name"].str.startswith("Landsbygd").all()
    assert zones["source"].str.contains("generated").all()


def test_a_store_for_another_municipality_starts_with_its_geography_and_no_demo(tmp_path):
    store = store_for(tmp_path / "markaryd.gpkg", "0767")
    assert store.municipality_name() == "Markaryds kommun"
    assert set(store.areas()["name"]) >= {"Markaryd", "Strömsnäsbruk", "Traryd"}
    assert not load_if_empty(store, "0767")  # the demo year is Älmhult's
    assert store.query("presence").empty
    again = store_for(tmp_path / "markaryd.gpkg", "0781")  # an existing file keeps its own
    assert again.municipality_name() == "Markaryds kommun"


def test_titles_take_the_municipality_name():
    t = with_municipality(translator("sv"), "0781")
    assert t("app_title").startswith("Medborgarlöfte Ljungby –")
    assert t("handout_title", place="Lagan") == "Medborgarlöfte Ljungby – Lagan"
    assert "Ljungby kommun" in t("map_data_note")
    assert t("tip_hours", hours=2.5) == "2,5 timmar närvaro"  # other texts as before
    assert translator("sv")("app_title").startswith("Medborgarlöfte Älmhult –")
    en = with_municipality(translator("en"), "2584")
    assert en("handout_title", place="Abisko") == "Citizens' promise Kiruna – Abisko"


def test_unknown_code_is_one_clear_error():
    with pytest.raises(UnknownMunicipality, match="no Swedish municipality has the code '9999'"):
        municipality_name("9999")


def test_the_setting_reads_the_environment():
    assert Settings.from_env({}).municipality_code == "0765"
    assert Settings.from_env({"ALMHULT_MUNICIPALITY": "781"}).municipality_code == "0781"


def test_national_files_are_small_and_cover_the_country():
    outlines = gpd.read_file(DATA_DIR / "national" / "kommuner.geojson")
    assert len(outlines) == 290 and outlines["kommunkod"].is_unique
    assert (DATA_DIR / "national" / "kommuner.geojson").stat().st_size < 1_000_000
    towns = pd.read_csv(DATA_DIR / "national" / "tatorter_2020.csv")
    assert len(towns) == 2017
    assert np.isfinite(towns[["x", "y"]].to_numpy()).all()
