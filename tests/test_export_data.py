import io
import json
import shutil
import subprocess
import zipfile

import pandas as pd

from geo.export_data import selected_layers, to_csv_zip, to_geojson_zip, to_geopackage
from geo.filters import Filters, custom_period
from geo.snapshot import load_snapshot

MAY = Filters(custom_period("2018-05-01", "2018-05-31"))


def test_selection_follows_the_filters(demo_store):
    snap = load_snapshot(demo_store)
    layers = selected_layers(snap, MAY)
    p = layers["presence"]
    assert len(p) > 0
    assert (p["start"] < pd.Timestamp("2018-06-01", tz="Europe/Stockholm")).all()
    only_foot = selected_layers(snap, Filters(MAY.period, kinds=("foot_patrol",)))
    assert set(only_foot["presence"]["kind"]) == {"foot_patrol"}


def test_geopackage_opens_in_ogrinfo(demo_store, tmp_path):
    layers = selected_layers(load_snapshot(demo_store), MAY)
    path = tmp_path / "export.gpkg"
    path.write_bytes(to_geopackage(layers))
    out = subprocess.run(
        [shutil.which("ogrinfo") or "ogrinfo", "-ro", "-so", str(path), "presence"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"Feature Count: {len(layers['presence'])}" in out


def test_geojson_and_csv_zips(demo_store):
    layers = selected_layers(load_snapshot(demo_store), MAY)
    with zipfile.ZipFile(io.BytesIO(to_geojson_zip(layers))) as z:
        spots = json.loads(z.read("problem_spots.geojson"))
        assert len(spots["features"]) == len(layers["problem_spots"])
    with zipfile.ZipFile(io.BytesIO(to_csv_zip(layers))) as z:
        frame = pd.read_csv(io.BytesIO(z.read("presence.csv")))
        assert len(frame) == len(layers["presence"])
        assert frame["start"].str.endswith("Z").all()
        assert frame["geometry"].str.startswith(("POINT", "LINESTRING")).all()
