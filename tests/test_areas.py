import numpy as np
import pytest
import shapely

from geo.areas import (
    AreaIndex,
    areas_for_outline,
    assign_naive,
    builtin_areas,
    builtin_municipality,
    read_areas_file,
    read_boundary_file,
)
from geo.errors import ValidationError
from geo.geography import LOCALITIES
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def index():
    return AreaIndex(builtin_areas())


def test_fast_assignment_matches_the_naive_loop(index):
    areas = builtin_areas()
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = builtin_municipality().bounds
    lon, lat = rng.uniform(minx, maxx, 5000), rng.uniform(miny, maxy, 5000)
    assert index.assign(lon, lat).tolist() == assign_naive(areas, lon, lat)


def test_every_point_inside_gets_exactly_one_area(index):
    muni = builtin_municipality()
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = muni.bounds
    lon, lat = rng.uniform(minx, maxx, 20000), rng.uniform(miny, maxy, 20000)
    inside = shapely.intersects_xy(muni, lon, lat)
    ids = index.assign(lon, lat)
    assert all(i is not None for i in ids[inside])
    assert all(i is None for i in ids[~inside])


def test_points_near_locality_boundaries(index):
    """Points a few metres inside and outside Älmhult tätort's edge."""
    town = builtin_areas().set_index("id").geometry["almhult"]
    ring = np.asarray(town.exterior.coords)[:-1]
    centre = np.asarray(town.centroid.coords)[0]
    inner = centre + (ring - centre) * 0.999
    outer = centre + (ring - centre) * 1.001
    assert set(index.assign(inner[:, 0], inner[:, 1])) == {"almhult"}
    assert "almhult" not in set(index.assign(outer[:, 0], outer[:, 1]))


def test_locality_centres_fall_in_their_locality(index):
    lon = np.array([loc.lon for loc in LOCALITIES])
    lat = np.array([loc.lat for loc in LOCALITIES])
    assert index.assign(lon, lat).tolist() == [loc.id for loc in LOCALITIES]


def test_real_municipality_file_gives_the_outline():
    path = shared_file("sweden-municipalities.geojson")
    outline = read_boundary_file(path, code="0765")
    import geopandas as gpd

    km2 = gpd.GeoSeries([outline], crs=4326).to_crs(3006).area.iloc[0] / 1e6
    assert 900 < km2 < 1050  # Älmhult: 978.4 km² in total
    areas = areas_for_outline(outline)
    union = shapely.union_all(areas.geometry.array)
    assert union.symmetric_difference(outline).area / outline.area < 1e-6


def test_unknown_code_in_municipality_file():
    path = shared_file("sweden-municipalities.geojson")
    with pytest.raises(ValidationError, match="no feature with id=9999"):
        read_boundary_file(path, code="9999")


def test_file_without_crs_is_refused(tmp_path):
    path = tmp_path / "nocrs.geojson"
    path.write_text(
        '{"type":"FeatureCollection","crs":null,"features":[{"type":"Feature","properties":'
        '{"id":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}'
    )
    # GeoJSON defaults to WGS84 per RFC 7946; a shapefile without .prj has no CRS at all.
    import geopandas as gpd

    shp = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.read_file(path).set_crs(None, allow_override=True).to_file(shp)
    with pytest.raises(ValidationError, match="no coordinate system"):
        read_boundary_file(shp)


def test_areas_file_in_another_crs(tmp_path):
    path = tmp_path / "areas.gpkg"
    builtin_areas().to_crs(3006).to_file(path)
    areas = read_areas_file(path)
    assert areas.crs == "EPSG:4326"
    assert list(areas["id"]) == list(builtin_areas()["id"])


def test_areas_file_with_bad_kind(tmp_path):
    path = tmp_path / "areas.geojson"
    builtin_areas().assign(kind="suburb").to_file(path)
    with pytest.raises(ValidationError, match="'suburb' is not one of"):
        read_areas_file(path)
