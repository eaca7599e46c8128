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


# ---------------------------------------------------------------- problem spots for people
YEAR = Filters(custom_period("2018-01-01", "2018-12-31"))


def _spot_sheets(snap, filters, lang="sv"):
    """The problem spots as the Excel CSV (a frame of text) and the xlsx sheet (header,
    rows of cells) give them."""
    from openpyxl import load_workbook

    from geo.export_data import to_excel_csv_zip, to_xlsx
    from geo.i18n import translator

    t = translator(lang)
    layers = selected_layers(snap, filters)
    names = dict(zip(snap.areas["id"], snap.areas["name"], strict=True))
    name = t("layer_problem_spots")
    with zipfile.ZipFile(io.BytesIO(to_excel_csv_zip(layers, t, names))) as z:
        raw = z.read(f"{name}.csv")
    sep = ";" if lang == "sv" else ","
    csv = pd.read_csv(io.BytesIO(raw), sep=sep, dtype=str, encoding="utf-8-sig")
    sheet = load_workbook(io.BytesIO(to_xlsx(layers, t, names)))[name]
    header = [c.value for c in sheet[1]]
    return csv, raw.decode("utf-8-sig"), header, list(sheet.iter_rows(min_row=2))


def _public(demo_store):
    from geo.tiers import public_view

    return public_view(load_snapshot(demo_store), pd.Timestamp("2019-03-01", tz="UTC"))


def test_exports_leave_out_spots_reported_after_the_period(demo_store):
    """The same rule as the tables and the map: May holds no spot of September's dialogue
    (Diö's four), every export format alike; October keeps them."""
    snap = load_snapshot(demo_store)
    dio_may = Filters(MAY.period, areas=("dio",))
    assert selected_layers(snap, dio_may)["problem_spots"].empty
    assert selected_layers(_public(demo_store), dio_may)["problem_spots"].empty
    with zipfile.ZipFile(io.BytesIO(to_csv_zip(selected_layers(snap, MAY)))) as z:
        gis = pd.read_csv(io.BytesIO(z.read("problem_spots.csv")), dtype=str)
    assert set(gis["reported"]) == {"2018-03-15"}
    october = Filters(custom_period("2018-10-01", "2018-10-31"), areas=("dio",))
    assert len(selected_layers(snap, october)["problem_spots"]) == 4


def test_xlsx_dialogue_dates_are_date_cells(demo_store):
    snap = load_snapshot(demo_store)
    _, _, header, rows = _spot_sheets(snap, YEAR)
    cells = [row[header.index("Dialogdatum")] for row in rows]
    assert cells and all(c.is_date for c in cells)
    assert {c.value.date().isoformat() for c in cells} == {"2018-03-15", "2018-09-20"}
    assert all(c.number_format.upper() == "YYYY-MM-DD" for c in cells)


def test_month_dated_exports_say_the_month_not_its_first_day(demo_store):
    """The public level dates spots by month: its spreadsheets say "september 2018" (a
    text cell: a date cell would show or sort as 1 September), its GIS files the ISO month;
    neither prints the 1st as if it were the dialogue's date."""
    public = _public(demo_store)
    dio = Filters(YEAR.period, areas=("dio",))
    csv, raw, header, rows = _spot_sheets(public, dio)
    assert set(csv["Dialogdatum"]) == {"september 2018"}
    assert {row[header.index("Dialogdatum")].value for row in rows} == {"september 2018"}
    english, _, _, _ = _spot_sheets(public, dio, "en")
    assert set(english["Dialogue date"]) == {"September 2018"}
    assert "2018-09-01" not in raw
    with zipfile.ZipFile(io.BytesIO(to_csv_zip(selected_layers(public, dio)))) as z:
        gis = pd.read_csv(io.BytesIO(z.read("problem_spots.csv")), dtype=str)
    assert set(gis["reported"]) == {"2018-09"} and set(gis["dialogue_date"]) == {"2018-09"}


def test_excel_csv_names_the_dialogue_not_its_id(demo_store):
    """ "CSV för Excel" promises words instead of codes: a spot's dialogue is its date and
    place, not "demo-d-2"; the GIS files keep the id."""
    snap = load_snapshot(demo_store)
    dio = Filters(YEAR.period, areas=("dio",))
    csv, raw, header, rows = _spot_sheets(snap, dio)
    assert "Dialog (id)" not in csv.columns and "demo-d-" not in raw
    assert set(csv["Dialog"]) == {"2018-09-20, Samlingslokalen, Diö"}
    assert {row[header.index("Dialog")].value for row in rows} == set(csv["Dialog"])
    public, _, _, _ = _spot_sheets(_public(demo_store), dio)
    assert set(public["Dialog"]) == {"september 2018, Samlingslokalen, Diö"}
    with zipfile.ZipFile(io.BytesIO(to_csv_zip(selected_layers(snap, dio)))) as z:
        gis = pd.read_csv(io.BytesIO(z.read("problem_spots.csv")), dtype=str)
    assert set(gis["dialogue_uid"]) == {"demo-d-2"}
