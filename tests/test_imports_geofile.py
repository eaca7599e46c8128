"""Map files: GeoJSON, GeoPackage and zipped Shapefile in any CRS, and unreadable ones."""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.errors import ImportRejected
from geo.imports.files import prepare_file


def spots(**extra: object) -> gpd.GeoDataFrame:
    columns = {"category": ["burglary"], "description": ["Inbrott"], "reported": ["2018-03-15"]}
    columns.update({k: [v] for k, v in extra.items()})
    return gpd.GeoDataFrame(columns, geometry=[Point(14.139, 56.551)], crs=4326).to_crs(3006)


def zipped(folder, stem: str, exts: tuple[str, ...] = ("shp", "shx", "dbf", "prj")) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for ext in exts:
            z.write(folder / f"{stem}.{ext}", f"{stem}.{ext}")
    return buf.getvalue()


def test_geojson_in_sweref_without_status_and_with_an_unknown_column(store, tmp_path):
    spots(Plats="Stationen").to_file(tmp_path / "s.geojson")  # GDAL writes the crs member
    data = (tmp_path / "s.geojson").read_bytes()
    (result,) = prepare_file(store, data, "s.geojson", "problem_spots")
    assert result.accepted == 1
    assert result.records.geometry.iloc[0].distance(Point(14.139, 56.551)) < 1e-6
    assert result.records["status"].tolist() == ["new"]
    assert result.ignored_columns == ["Plats"]


def test_zipped_shapefile_with_cut_column_names(store, tmp_path):
    with (
        pytest.warns(UserWarning, match="truncated"),  # 'description' -> 'descriptio'
        pytest.warns(RuntimeWarning, match="laundered"),
    ):
        spots(status="new").to_file(tmp_path / "s.shp")
    (result,) = prepare_file(store, zipped(tmp_path, "s"), "s.zip", "problem_spots")
    assert result.accepted == 1
    assert result.records.geometry.iloc[0].distance(Point(14.139, 56.551)) < 1e-6
    with pytest.raises(ImportRejected, match="no .prj"):
        prepare_file(store, zipped(tmp_path, "s", ("shp", "shx", "dbf")), "x.zip", "problem_spots")


def test_geopackage_file(store, tmp_path):
    frame = gpd.GeoDataFrame(
        {"kind": ["foot_patrol"], "start": ["2018-05-04 20:00"], "end": ["2018-05-04 21:00"]},
        geometry=[Point(14.139, 56.551)],
        crs=4326,
    ).to_crs(3006)
    frame.to_file(tmp_path / "p.gpkg", layer="patruller")
    (result,) = prepare_file(store, (tmp_path / "p.gpkg").read_bytes(), "p.gpkg")
    assert result.accepted == 1 and result.rejected.empty
    assert result.records["start"].iloc[0] == pd.Timestamp("2018-05-04 18:00", tz="UTC")


def test_bad_features_are_reported_by_feature_number(store, tmp_path):
    frame = spots().to_crs(4326)
    frame = pd.concat([frame, frame.assign(category="aliens", geometry=[Point(13.0, 55.6)])])
    frame.to_file(tmp_path / "s.geojson")
    (result,) = prepare_file(
        store, (tmp_path / "s.geojson").read_bytes(), "s.geojson", "problem_spots", lang="en"
    )
    assert result.accepted == 1
    (row,) = result.rejected.itertuples()
    assert (row.row, row.field, row.value) == (2, "category", "aliens")
    assert row.reason.startswith("unknown value 'aliens' (allowed: Narcotics, Burglary/theft")


@pytest.mark.parametrize("data,name", [
    (b'{"type": "FeatureCollection", "features": [', "broken.geojson"),
    (b"SQLite format 3\x00" + b"\x00" * 200, "broken.gpkg"),
    (b"<html>not a map</html>", "page.geojson"),
])  # fmt: skip
def test_unreadable_map_files_give_one_line_without_gdal_text(store, data, name):
    with pytest.raises(ImportRejected) as info:
        prepare_file(store, data, name, "problem_spots")
    for lang in ("sv", "en"):
        text = info.value.text(lang)
        assert name in text
        for leak in ("vsimem", "pyogrio", "GDAL", "driver", "/tmp", "upload."):
            assert leak not in text, text
