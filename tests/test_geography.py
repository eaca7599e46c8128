"""The built-in geography against its open-data sources (../shared/data/geo/).

The committed data/ files must be exactly what ``python -m geo.geography`` builds, and
must agree with the sources geometrically, so a hand-edited file is caught twice.
"""

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.areas import area_km2, builtin_areas, builtin_municipality
from geo.config import DATA_DIR
from geo.geography import LOCALITIES, main_roads, read_localities
from geo.geography.almhult import municipality_label
from geo.geography.build import build_files
from geo.geography.shapes import disc, km2
from geo.geography.sources import read_sources
from tests.conftest import ROOT, shared_file

PARISHES = {"Göteryd", "Hallaryd", "Härlunda", "Pjätteryd", "Stenbrohult", "Virestad"}
TATORTER = {"almhult", "dio", "liatorp", "eneryda", "delary"}
VILLAGES = {"pjatteryd", "virestad", "haradsback", "goteryd", "hallaryd", "stenbrohult"}


@pytest.fixture(scope="module")
def src():
    return read_sources(shared_file("geo/almhult_municipality_lantmateriet.geojson").parent)


@pytest.fixture(scope="module")
def areas():
    return builtin_areas().set_index("id", drop=False)


def test_committed_files_are_exactly_what_the_build_writes(src):
    built = build_files(shared_file("geo/README.md").parent)
    for name, text in built.items():
        committed = (DATA_DIR / name).read_bytes()
        assert committed == text.encode("utf-8"), f"data/{name} differs from its build"


def test_command_line_rebuilds_byte_identically(tmp_path, src):
    source = shared_file("geo/README.md").parent
    subprocess.run(
        [sys.executable, "-m", "geo.geography", "--source", str(source), "--data", str(tmp_path)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    for name in ("municipality.geojson", "areas.geojson", "roads.geojson"):
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes()


def test_outline_is_lantmateriets(src):
    outline = builtin_municipality()
    assert abs(km2(outline) - km2(src.outline)) / km2(src.outline) < 0.01
    # Only rounding to 1e-5° separates the two.
    assert outline.symmetric_difference(src.outline).area / src.outline.area < 1e-4
    assert 975 < km2(outline) < 985  # official: 978.4 km² in total
    props = json.loads((DATA_DIR / "municipality.geojson").read_text("utf-8"))["features"][0]
    assert props["properties"]["id"] == "0765"
    assert props["properties"]["name"] == "Älmhults kommun"
    assert props["properties"]["approximate"] == 0


def test_one_countryside_zone_per_parish_named_by_it(areas):
    zones = areas[areas["kind"] == "countryside"]
    assert set(zones["parish"]) == PARISHES
    assert set(zones["id"]) == {
        "land_goteryd",
        "land_hallaryd",
        "land_harlunda",
        "land_pjatteryd",
        "land_stenbrohult",
        "land_virestad",
    }
    assert "land_almhult" not in set(areas["id"])  # the town lies in Stenbrohult parish
    for name, parish in zip(zones["name"], zones["parish"], strict=True):
        assert parish in name


def test_each_zone_is_its_parish_minus_the_localities(src, areas):
    m = areas.to_crs(3006)
    towns = shapely.union_all(m.geometry[m["kind"] != "countryside"].array)
    parishes = src.parishes.to_crs(3006).set_index("name").geometry
    outline = gpd.GeoSeries([src.outline], crs=4326).to_crs(3006).iloc[0]
    boundaries = shapely.union_all([outline.boundary, *parishes.boundary])
    for _, zone in m[m["kind"] == "countryside"].iterrows():
        expected = parishes[zone["parish"]].difference(towns)
        diff = zone.geometry.symmetric_difference(expected)
        # What differs are slivers where the parish file (simplified 100 m) and the
        # municipality file disagree about one boundary: thin, small, on a boundary.
        assert diff.area / expected.area < 0.015, zone["id"]
        assert shapely.hausdorff_distance(zone.geometry, expected) < 1000, zone["id"]
        vertices = shapely.points(shapely.get_coordinates(diff))
        assert shapely.distance(boundaries, vertices).max() < 150, zone["id"]
        # No locality is left inside a zone.
        assert zone.geometry.intersection(towns).area < 1e3


def test_tatorter_carry_scb_figures_and_contain_scb_point(src, areas):
    scb = src.tatorter.set_index("code")
    sizes = area_km2(builtin_areas()).set_axis(builtin_areas()["id"])
    for aid in TATORTER:
        row = areas.loc[aid]
        figures = scb.loc[row["scb_code"]]
        assert row["name"] == figures["name"]
        assert row["population"] == figures["pop"] and row["population_year"] == 2020
        assert row["source"].startswith("SCB, Tätorter 2020")
        assert row["approximate"] == 1  # a circle of the stated area, not SCB's polygon
        assert row.geometry.contains(figures.geometry), aid
        assert sizes[aid] == pytest.approx(figures["area_ha"] / 100, rel=0.005)
    assert areas.loc["almhult", "population"] == 11_003
    assert areas.loc["almhult", "kind"] == "town"


def test_villages_sit_at_their_parish_church(src, areas):
    churches = dict(zip(src.churches["village"], src.churches.geometry, strict=True))
    for aid in VILLAGES - {"haradsback"}:
        row = areas.loc[aid]
        assert row.geometry.contains(churches[row["name"]]), aid
        assert row["approximate"] == 1 and "GeoNames" in row["source"]
    # Häradsbäck has no church point: Lantmäteriet's label point of Härlunda parish.
    label = src.parishes.set_index("name").loc["Härlunda"]
    row = areas.loc["haradsback"]
    assert row.geometry.contains(shapely.Point(label["label_lon"], label["label_lat"]))
    assert row["parish"] == "Härlunda" and row["approximate"] == 1
    assert "label point" in row["note"]


def test_parish_membership_as_on_the_ground(src, areas):
    parishes = src.parishes.set_index("name").geometry
    assert areas.loc["liatorp", "parish"] == "Stenbrohult"
    assert areas.loc["delary", "parish"] == "Göteryd"
    assert areas.loc["almhult", "parish"] == "Stenbrohult"
    for loc in LOCALITIES:
        assert parishes[loc.parish].contains(shapely.Point(loc.lon, loc.lat)), loc.id


def test_populations_have_year_and_source(areas):
    for _, row in areas.iterrows():
        assert row["source"], row["id"]
        if row["population"] is not None and not np.isnan(row["population"]):
            assert row["population_year"] or row["population_estimated"] == 1, row["id"]
    zones = areas[areas["kind"] == "countryside"]
    assert (zones["population_estimated"] == 1).all()
    # Residents outside tätorter (3,892 in 2020) are split over villages and zones.
    outside = areas[~areas["id"].isin(list(TATORTER))]["population"].fillna(0).sum()
    assert abs(outside - 3_892) <= 30


def test_areas_tile_the_municipality_without_overlap():
    areas = builtin_areas().to_crs(3006)
    muni = builtin_municipality()
    muni_m2 = gpd.GeoSeries([muni], crs=4326).to_crs(3006).area.iloc[0]
    union_m2 = shapely.union_all(areas.geometry.array).area
    assert abs(areas.area.sum() - union_m2) < 1e4  # overlaps below 0.01 km²
    assert abs(union_m2 - muni_m2) / muni_m2 < 1e-4


def test_every_feature_has_a_source():
    for name in ("municipality.geojson", "areas.geojson", "roads.geojson"):
        doc = json.loads((DATA_DIR / name).read_text("utf-8"))
        assert all(f["properties"]["source"] for f in doc["features"]), name


def test_roads_are_approximate_and_pass_through_the_real_places():
    points = {loc.id: shapely.Point(loc.lon, loc.lat) for loc in LOCALITIES}
    roads = main_roads()
    assert (roads["approximate"] == 1).all()
    assert roads["source"].str.contains("not Trafikverket").all()
    for _, road in roads.iterrows():
        passes = road["passes"].split(",")
        assert passes, road["id"]
        for place in passes:
            assert road.geometry.distance(points[place]) < 1e-5, (road["id"], place)


def test_localities_come_from_the_committed_file():
    assert read_localities() == LOCALITIES
    assert {loc.id for loc in LOCALITIES} == TATORTER | VILLAGES


def test_disc_has_the_stated_area():
    assert km2(disc(14.1, 56.5, 10.24)) == pytest.approx(10.24, rel=1e-3)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("Älmhult", "Älmhults kommun"),
        ("Ljungby", "Ljungby kommun"),
        ("Markaryd", "Markaryds kommun"),
        ("Kiruna", "Kiruna kommun"),
        ("Stockholm", "Stockholms kommun"),
        ("Hofors", "Hofors kommun"),
    ],
)
def test_municipality_label(name, label):
    assert municipality_label(name) == label
