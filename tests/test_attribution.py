"""The base map credits its sources and names the places of whatever geography is stored."""

from geo.config import Settings
from geo.geography.attribution import data_attribution, label_points
from geo.geography.national import store_for
from geo.i18n import translator
from geo.mapview.assets import AssetMode
from geo.mapview.basemap import build_base_map
from geo.snapshot import load_snapshot
from tests.leaks import decoded

T = translator("sv")
NO_TILES = Settings(tile_url="")


def _html(store) -> str:
    snap = load_snapshot(store, 5.0)
    return decoded(build_base_map(snap, NO_TILES, T, AssetMode.SERVED).get_root().render())


def test_almhult_map_credits_lantmateriet_scb_and_geonames(store):
    html = _html(store)
    assert "addAttribution" in html
    for credit in ("Lantmäteriet<\\/a> (CC0)", "SCB<\\/a> (CC0)", "GeoNames<\\/a> (CC BY 4.0)"):
        assert credit in html
    for zone in ("Landsbygd Göteryd", "Landsbygd Virestad", "Landsbygd Härlunda"):
        assert zone in html
    assert "Riksväg 23" in html and "Häradsbäck *" in html


def test_another_municipality_is_named_where_it_lies(tmp_path):
    store = store_for(tmp_path / "m.gpkg", "0767")
    html = _html(store)
    assert "Markaryd *" in html and "Landsbygd kring Traryd" in html
    assert "GeoNames" not in html  # no church points in a generated geography
    assert "Riksväg 23" not in html  # Älmhult's built-in roads stay in Älmhult


def test_label_points_lie_in_their_area(store):
    areas = store.areas().set_index("name")
    for zones in (False, True):
        for name, _, (lon, lat) in label_points(store.areas(), zones=zones):
            from shapely import Point

            assert areas.geometry[name].contains(Point(lon, lat)), name


def test_user_files_are_credited_by_name_escaped():
    import geopandas as gpd

    areas = gpd.GeoDataFrame({"source": ["<b>mina</b>.gpkg (EPSG:3006)", None]})
    assert data_attribution(areas) == "Kartdata: &lt;b&gt;mina&lt;/b&gt;.gpkg (EPSG:3006)"
