"""Replacing a geography layer from a user's file: three formats, several CRSs, a
closed-LineString outline; preview, refusal of records left outside, audit and undo."""

import io
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from geo.areas import area_km2, builtin_areas, builtin_municipality
from geo.errors import GeoError, LayerFileError
from geo.geography.shapes import km2
from geo.layers import accept, accept_outside, detect_columns, plan, read_layer_file
from geo.layers.__main__ import main as cli
from geo.layers.columns import normalise
from geo.layers.read import polygons
from tests.conftest import shared_file
from tests.factories import spot


def _zip_shapefile(frame: gpd.GeoDataFrame, tmp_path, name: str = "layer") -> bytes:
    folder = tmp_path / name
    folder.mkdir()
    frame.to_file(folder / f"{name}.shp", engine="pyogrio")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in folder.iterdir():
            zf.write(path, path.name)
    return buf.getvalue()


def _guess(lf, layer, code="0765"):
    guesses = detect_columns(lf.frame, layer, code).items()
    return {r: g.column for r, g in guesses if g.sure and g.column}


# ---------------------------------------------------------------------------- outline


def test_outline_from_the_national_file_picks_the_municipality_by_code(store, capsys):
    path = shared_file("geo/sweden_kommuner_lantmateriet.geojson")
    before = store.data_version()
    assert cli([str(path), "--layer", "outline", "--store", str(store.path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "290 features, EPSG:4326" in out and "column for code: kommunkod" in out
    assert store.data_version() == before  # dry run
    assert cli([str(path), "--layer", "outline", "--store", str(store.path)]) == 0
    assert km2(store.municipality()) == pytest.approx(980.05, abs=0.1)
    entry = store.audit_log(1).iloc[0]
    assert (entry["action"], entry["layer"], entry["uid"]) == (
        "replace_geography",
        "geography",
        "outline",
    )


def test_closed_linestring_outline_from_a_zipped_shapefile_in_rt90(store, tmp_path):
    ring = shapely.LineString(shapely.get_parts(builtin_municipality())[0].exterior.coords)
    frame = gpd.GeoDataFrame({"KnKod": ["0765"]}, geometry=[ring], crs=4326).to_crs(3021)
    data = _zip_shapefile(frame, tmp_path, "kommun")
    lf = read_layer_file(data, "kommun.zip")
    assert lf.source_crs == "EPSG:3021"
    assert polygons(lf).geometry.iloc[0].geom_type == "Polygon"
    pv = plan(store, lf, "outline", _guess(lf, "outline"), code="0765")
    assert pv.km2("new") == pytest.approx(pv.km2("old"), rel=1e-3)
    assert not pv.gained and not pv.lost
    accept(store, pv, user="tester")
    assert shapely.symmetric_difference(store.municipality(), builtin_municipality()).area < 1e-6


def test_an_open_line_is_refused_with_its_feature_number(tmp_path):
    line = shapely.LineString([(14.0, 56.5), (14.2, 56.5), (14.2, 56.6)])
    text = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[line.buffer(0.01), line], crs=4326)
    with pytest.raises(LayerFileError, match="feature 2: the line is not closed") as err:
        polygons(read_layer_file(text.to_json().encode(), "x.geojson"))
    assert err.value.key == "geo_err_open_line" and err.value.values == {"n": 2}


def test_a_shapefile_without_coordinate_system_is_refused(tmp_path):
    frame = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(0, 0).buffer(1)])
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        data = _zip_shapefile(frame, tmp_path)
    with pytest.raises(LayerFileError, match="no coordinate system") as err:
        read_layer_file(data, "nocrs.zip")
    assert err.value.key == "geo_err_no_crs"


def test_size_and_kind_limits():
    with pytest.raises(LayerFileError) as err:
        read_layer_file(b"x" * (2 * 1024 * 1024), "big.geojson", limit_mb=1)
    assert err.value.key == "geo_err_too_big"
    with pytest.raises(LayerFileError) as err:
        read_layer_file(b"a;b\n1;2\n", "table.csv")
    assert err.value.key == "geo_err_suffix"


# ---------------------------------------------------------------------------- zones


def test_zones_from_a_geopackage_in_sweref_are_parishes_minus_localities(store, tmp_path):
    parishes = gpd.read_file(shared_file("geo/almhult_socknar_lantmateriet.geojson"))
    path = tmp_path / "distrikt.gpkg"
    parishes.rename(columns={"name": "distriktsnamn"}).to_crs(3006).to_file(path)
    lf = read_layer_file(path.read_bytes(), path.name)
    assert lf.source_crs == "EPSG:3006"
    mapping = _guess(lf, "zones")
    assert mapping["name"] == "distriktsnamn"
    pv = plan(store, lf, "zones", mapping, code="0765")
    zones = pv.new.areas[pv.new.areas["kind"] == "countryside"].set_index("id")
    assert set(zones.index) == set(builtin_areas().query("kind == 'countryside'")["id"])
    towns = shapely.union_all(pv.new.areas.query("kind != 'countryside'").geometry.array)
    for _, p in parishes.iterrows():
        zid = "land_" + normalise(p["name"])
        expected = p.geometry.difference(towns)
        assert zones.geometry[zid].symmetric_difference(expected).area / expected.area < 0.015
    assert zones["source"].str.contains("distrikt.gpkg").all()
    # one layer in the file -> no record moves noticeably; all populations estimated
    assert (zones["population_estimated"] == 1).all()
    audit_id = accept(store, pv, user="tester")
    assert set(store.areas()["id"]) == set(pv.new.areas["id"])
    assert store.audit_log(1).iloc[0]["user"] == "tester"
    store.undo_geography(audit_id, user="tester")
    restored = store.areas().set_index("id")
    zones = restored[restored["kind"] == "countryside"]
    assert zones["source"].str.startswith("Lantmäteriet, Socken och stad").all()


# ---------------------------------------------------------------------------- localities


def _scb_like(tmp_path) -> bytes:
    """An SCB-style national tätort file: Diö with a real-looking shape, Älmhult as given,
    and a tätort of Ljungby (0781) that must be left out."""
    dio = shapely.Polygon(
        [(14.222, 56.640), (14.243, 56.641), (14.245, 56.652), (14.226, 56.654), (14.222, 56.640)]
    )
    town = builtin_areas().set_index("id").geometry["almhult"]
    ljungby = Point(13.94, 56.83).buffer(0.02)
    frame = gpd.GeoDataFrame(
        {
            "TATORTSKOD": ["0765TB102", "0765TC106", "0781TC106"],
            "TATORT": ["Diö", "Älmhult", "Ljungby"],
            "KOMMUNKOD": ["0765", "0765", "0781"],
            "BEF": [932, 11003, 15000],
        },
        geometry=[dio, town, ljungby],
        crs=4326,
    )
    return frame.to_json().encode()


def test_localities_from_an_scb_style_geojson_keep_ids_and_villages(store, tmp_path):
    store.add("problem_spots", spot(geometry=Point(14.242, 56.650)))  # in the new Diö only
    lf = read_layer_file(_scb_like(tmp_path), "tatorter.geojson")
    mapping = _guess(lf, "localities")
    assert mapping == {"code": "KOMMUNKOD", "name": "TATORT", "population": "BEF"}
    pv = plan(store, lf, "localities", mapping, code="0765", year=2020)
    new = pv.new.areas.set_index("id")
    assert "ljungby" not in new.index
    assert new.loc["dio", "approximate"] == 0 and new.loc["dio", "population"] == 932
    assert new.loc["almhult", "kind"] == "town" and new.index[0] == "almhult"
    assert {"pjatteryd", "virestad", "stenbrohult"} <= set(new.index)  # kept
    assert pv.areas.set_index("id").loc["dio", "change"] == "changed"
    assert pv.moved["problem_spots"] == 1  # the spot moves from the countryside into Diö
    union = shapely.union_all(pv.new.areas.geometry.array)
    assert union.symmetric_difference(store.municipality()).area / union.area < 1e-6
    accept(store, pv, user="tester")
    assert store.query("problem_spots")["area_id"].tolist() == ["dio"]


def test_unsure_columns_are_listed_and_the_cli_asks(store, tmp_path, capsys):
    frame = gpd.GeoDataFrame(
        {"namn": ["Diö"], "name": ["Dioe"]},
        geometry=[Point(14.232, 56.646).buffer(0.005)],
        crs=4326,
    )
    path = tmp_path / "orter.geojson"
    frame.to_file(path)
    guess = detect_columns(read_layer_file(path.read_bytes(), path.name).frame, "localities")
    assert not guess["name"].sure and set(guess["name"].candidates) == {"namn", "name"}
    assert cli([str(path), "--layer", "localities", "--store", str(store.path)]) == 2
    assert "give --column name=COLUMN, one of" in capsys.readouterr().err
    code = cli(
        [str(path), "--layer", "localities", "--column", "name=namn", "--store", str(store.path)]
    )
    assert code == 0
    assert "dio" in set(store.areas()["id"])


# ---------------------------------------------------------------------------- roads


def test_roads_from_a_geopackage_in_a_local_sweref_zone(store, tmp_path):
    roads = gpd.read_file("data/roads.geojson")
    roads = roads.rename(columns={"road": "Vägnummer"}).assign(
        **{"ÅDT tunga": [900, 400, 300, 150, 100]}
    )
    path = tmp_path / "nvdb.gpkg"
    roads.to_crs(3008).to_file(path)  # SWEREF 99 13 30
    lf = read_layer_file(path.read_bytes(), path.name)
    assert lf.source_crs == "EPSG:3008"
    mapping = _guess(lf, "roads")
    assert mapping == {"road": "Vägnummer", "heavy": "ÅDT tunga"}
    pv = plan(store, lf, "roads", mapping, code="0765")
    assert len(pv.new.roads) >= 5
    accept(store, pv, user="tester")
    stored = store.query("roads").set_index("road")
    assert stored.loc["Riksväg 23", "heavy_per_day"] == 900
    assert (stored["heavy_per_day_is_example"] == 0).all()
    assert stored.geometry.apply(lambda g: store.municipality().covers(g)).all()


# ---------------------------------------------------------------------------- outside


def test_records_outside_a_smaller_outline_are_listed_and_never_dropped_silently(store, tmp_path):
    far = Point(13.90, 56.48)  # Hallaryd, south-west
    store.add("problem_spots", spot(geometry=far, description="Vid Helge å"))
    smaller = builtin_municipality().difference(far.buffer(0.08))
    path = tmp_path / "smaller.geojson"
    gpd.GeoDataFrame({"kommunkod": ["0765"]}, geometry=[smaller], crs=4326).to_file(path)
    lf = read_layer_file(path.read_bytes(), path.name)
    pv = plan(store, lf, "outline", _guess(lf, "outline"), code="0765")
    assert pv.outside["what"].tolist() == ["Vid Helge å"]
    assert pv.outside["area"].tolist() == ["Landsbygd Hallaryd"]
    before = store.data_version()
    with pytest.raises(LayerFileError, match="1 records would lie outside"):
        accept(store, pv, user="tester")
    assert cli([str(path), "--layer", "outline", "--store", str(store.path)]) == 2
    assert store.data_version() == before  # nothing written
    assert (
        cli([str(path), "--layer", "outline", "--allow-outside", "--store", str(store.path)]) == 0
    )
    assert store.query("problem_spots")["area_id"].isna().all()
    assert km2(store.municipality()) < km2(builtin_municipality()) - 10


def test_undo_is_refused_after_a_later_replacement_and_restores_in_order(store, tmp_path):
    areas = builtin_areas()
    smaller = builtin_municipality().buffer(-0.01)
    lf_path = tmp_path / "o.geojson"
    gpd.GeoDataFrame(geometry=[smaller], crs=4326).to_file(lf_path)
    lf = read_layer_file(lf_path.read_bytes(), lf_path.name)
    first = accept_outside(store, plan(store, lf, "outline", {}, code="0765"), user="a")
    second = accept_outside(store, plan(store, lf, "outline", {}, code="0765"), user="a")
    with pytest.raises(GeoError, match="changed again after"):
        store.undo_geography(first, user="a")
    store.undo_geography(second, user="a")
    assert cli(["--undo", str(first), "--store", str(store.path)]) == 0
    assert set(store.areas()["id"]) == set(areas["id"])
    km = area_km2(store.areas()).sum()
    assert km == pytest.approx(area_km2(areas).sum(), rel=1e-6)


def test_column_detection_of_common_swedish_names():
    frame = pd.DataFrame(
        {"KnKod": [765, 781], "KnNamn": ["Älmhult", "Ljungby"], "Shape_Area": [1.0, 2.0]}
    )
    guess = detect_columns(frame, "outline", "0765")
    assert guess["code"].column == "KnKod" and guess["code"].sure
    assert guess["name"].column == "KnNamn" and guess["name"].sure
    frame = pd.DataFrame({"k_id": ["0765"], "ref": ["Rv 23"], "hgv": [700]})
    guess = detect_columns(frame, "roads", "0765")
    assert [guess[r].column for r in ("code", "road", "heavy")] == ["k_id", "ref", "hgv"]


def test_a_store_from_before_area_sources_gains_the_column(store):
    import sqlite3

    from geo.store import GeoPackageStore

    with sqlite3.connect(store.path) as conn:
        conn.execute('ALTER TABLE "areas" DROP COLUMN "source"')
    again = GeoPackageStore(store.path)
    assert "source" in again.areas().columns
    assert again.municipality_name() == "Älmhults kommun"
