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


FORMULAS = ['=HYPERLINK("http://x","klick")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3", "\tx"]


def _with_formulas(demo_store):
    from geo.i18n import translator

    layers = selected_layers(load_snapshot(demo_store), MAY)
    spots = layers["problem_spots"].head(len(FORMULAS)).copy()
    spots["description"] = FORMULAS
    layers["problem_spots"] = spots
    return layers, translator("sv")


def test_formulas_are_neutralised_and_numbers_stay_numbers(demo_store):
    from openpyxl import load_workbook

    from geo.export_data import neutralise, to_excel_csv_zip, to_xlsx

    assert neutralise("=1+1") == "'=1+1" and neutralise("Belysning") == "Belysning"
    assert neutralise(-3) == -3 and neutralise("–3") == "–3"  # a number, an en dash
    layers, t = _with_formulas(demo_store)
    names = {"almhult": "Älmhult"}
    with zipfile.ZipFile(io.BytesIO(to_csv_zip(layers))) as z:
        frame = pd.read_csv(io.BytesIO(z.read("problem_spots.csv")))
    assert sorted(frame["description"]) == sorted("'" + f for f in FORMULAS)
    with zipfile.ZipFile(io.BytesIO(to_excel_csv_zip(layers, t, names))) as z:
        excel = pd.read_csv(io.BytesIO(z.read("Problemplatser.csv")), sep=";", encoding="utf-8-sig")
    assert sorted(excel["Beskrivning"]) == sorted("'" + f for f in FORMULAS)
    book = load_workbook(io.BytesIO(to_xlsx(layers, t, names)))
    sheet = book["Problemplatser"]
    header = [c.value for c in sheet[1]]
    described = [row[header.index("Beskrivning")].value for row in sheet.iter_rows(min_row=2)]
    assert sorted(described) == sorted("'" + f for f in FORMULAS)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    residents = [row[header.index("Antal som nämnde platsen")] for row in sheet.iter_rows(2)]
    assert all(isinstance(c.value, int | float) for c in residents)


def test_excel_csv_opens_in_swedish_excel(demo_store):
    from geo.export_data import to_excel_csv_zip
    from geo.i18n import translator

    snap = load_snapshot(demo_store)
    layers = selected_layers(snap, MAY)
    names = dict(zip(snap.areas["id"], snap.areas["name"], strict=True))
    with zipfile.ZipFile(io.BytesIO(to_excel_csv_zip(layers, translator("sv"), names))) as z:
        raw = z.read("Närvaro (patruller, kontroller).csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    frame = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig")
    assert {"Typ", "Start", "Slut", "Område", "Longitud (WGS 84)"} <= set(frame.columns)
    assert set(frame["Typ"]) <= {"Bilpatrull", "Fotpatrull", "Trafikkontroll", "Annan närvaro"}
    assert "Älmhult" in set(frame["Område"])
    assert frame["Longitud (WGS 84)"].between(13.5, 14.8).all()  # decimal comma read back
    first = pd.Timestamp(frame["Start"].min())  # local time, no zone suffix
    assert first >= pd.Timestamp("2018-05-01") and not frame["Start"].str.endswith("Z").any()
    assert b";" in raw.splitlines()[0] and b"," not in raw.splitlines()[0]


def test_a_line_break_in_a_text_cell_never_starts_a_row_of_its_own(store):
    """The GIS CSV: a presence note with a bare CR stays inside its quoted cell (else a
    spreadsheet would start a new row with the formula after it)."""
    import csv

    from tests.factories import presence

    store.add("presence", presence(note="Kontroll\r=1+1"))
    layers = selected_layers(load_snapshot(store), MAY)
    with zipfile.ZipFile(io.BytesIO(to_csv_zip(layers))) as z:
        text = z.read("presence.csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 1 + len(layers["presence"])
    assert "Kontroll\r=1+1" in rows[1]
    assert not any(c.startswith(("=", "+", "@")) for r in rows for c in r)
