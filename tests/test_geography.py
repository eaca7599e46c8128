import geopandas as gpd
import shapely

from geo.areas import area_km2, builtin_areas, builtin_municipality
from geo.geography import LOCALITIES


def test_town_has_plausible_size():
    areas = builtin_areas().set_index("id")
    km2 = area_km2(builtin_areas()).to_numpy()
    town = km2[list(areas.index).index("almhult")]
    assert 8 <= town <= 10


def test_every_named_place_is_an_area():
    ids = set(builtin_areas()["id"])
    assert {loc.id for loc in LOCALITIES} <= ids
    assert {
        "dio",
        "liatorp",
        "eneryda",
        "delary",
        "pjatteryd",
        "virestad",
        "haradsback",
        "goteryd",
        "hallaryd",
        "stenbrohult",
    } <= ids


def test_areas_tile_the_municipality_without_overlap():
    areas = builtin_areas().to_crs(3006)
    muni = builtin_municipality()
    muni_m2 = gpd.GeoSeries([muni], crs=4326).to_crs(3006).area.iloc[0]
    union_m2 = shapely.union_all(areas.geometry.array).area
    assert abs(areas.area.sum() - union_m2) < 1e4  # overlaps below 0.01 km²
    assert abs(union_m2 - muni_m2) / muni_m2 < 1e-3


def test_approximate_places_are_flagged():
    areas = builtin_areas().set_index("id")
    assert areas.loc["haradsback", "approximate"] == 1
    assert areas.loc["goteryd", "approximate"] == 1
    assert (areas.loc[areas["kind"] == "countryside", "population_estimated"] == 1).all()
