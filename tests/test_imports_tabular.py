"""CSV and Excel imports: the per-row report, defaults, ignored columns, re-imports."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.crs import to_sweref
from geo.errors import ImportRejected
from geo.imports import commit
from geo.imports.files import prepare_file

HEADER = "Typ;Starttid;Sluttid;Latitud;Longitud;Kontrollerade fordon;Överträdelser;Plats\n"
GOOD = "Trafikkontroll;2018-05-03 14:30;2018-05-03 15:30;56,663;14,266;40;3;Rv 23 Liatorp\n"


def csv_bytes(*rows: str, encoding: str = "cp1252", header: str = HEADER) -> bytes:
    return (header + "".join(rows)).encode(encoding)


def test_swedish_csv_in_cp1252_with_decimal_commas(store):
    (result,) = prepare_file(store, csv_bytes(GOOD), "kontroller.csv")
    assert result.accepted == 1 and result.rejected.empty
    rec = result.records.iloc[0]
    assert rec["kind"] == "traffic_control"
    assert rec["start"] == pd.Timestamp("2018-05-03 12:30", tz="UTC")  # CEST → UTC
    assert rec.geometry.equals(Point(14.266, 56.663))
    assert result.ignored_columns == []  # Plats is the presence note
    commit(store, result, user="anna")
    assert store.query("presence")["area_id"].tolist() == ["liatorp"]


def test_utf8_comma_separated_with_english_headers(store):
    text = "kind,start,end,lat,lon\nFoot patrol,2018-05-04T20:00,2018-05-04T21:00,56.551,14.139\n"
    (result,) = prepare_file(store, text.encode(), "patrols.csv")
    assert result.records["kind"].tolist() == ["foot_patrol"]


BAD_ROWS = [
    GOOD,
    "Bilpatrull;2018-05-04 08:00;2018-05-04 07:00;56,551;14,139;;;Centrum\n",
    "Fotpatrull;igår;2018-05-04 07:00;56,551;14,139;;;Centrum\n",
    "Fotpatrull;2018-05-04 06:00;2018-05-04 07:00;55,6;13,0;;;Malmö\n",
    "Helikopter;2018-05-04 06:00;2018-05-04 07:00;56,551;14,139;;;Centrum\n",
    "Fotpatrull;2018-05-04 06:00;2018-05-04 07:00;x;14,139;;;Centrum\n",
    "Fotpatrull;2018-05-04 06:00;2018-05-04 07:00;56,551;;;;Centrum\n",
    "Trafikkontroll;2018-05-03 14:30;2018-05-03 15:30;56,663;14,266;4;30;Liatorp\n",
    "Trafikkontroll;2018-05-03 14:30;2018-05-03 15:30;56,663;14,266;fyra;;Liatorp\n",
]


def test_every_bad_row_is_reported_in_swedish_with_the_value_as_written(store):
    (result,) = prepare_file(store, csv_bytes(*BAD_ROWS), "mix.csv")
    assert result.accepted == 1
    report = result.rejected.set_index("row")
    assert list(result.rejected.columns) == ["row", "field", "value", "reason"]
    expected = {
        # local time as written, not UTC
        3: ("Sluttid", "2018-05-04 07:00", "sluttiden 2018-05-04 07:00 är före starttiden 2018-05"),
        4: ("Starttid", "igår", "'igår' är ingen tidpunkt (skriv t.ex. 2018-05-03 14:30"),
        5: ("Latitud/Longitud", "55,6; 13,0", "punkten 55,6; 13,0 ligger utanför Älmhults kommun"),
        6: ("Typ", "Helikopter", "tillåtet: Bilpatrull, Fotpatrull, Trafikkontroll, Annan närvaro"),
        7: ("Latitud", "x", "'x' är inget tal"),
        8: ("Longitud", "", "longitud saknas"),
        9: ("Överträdelser", "30", "30 överträdelser men bara 4 kontrollerade fordon"),
        10: ("Kontrollerade fordon", "fyra", "'fyra' är inget heltal"),
    }  # fmt: skip
    assert sorted(report.index) == sorted(expected)
    for row, (field, value, words) in expected.items():
        assert report.loc[row, "field"] == field
        assert report.loc[row, "value"] == value
        assert words in report.loc[row, "reason"], report.loc[row, "reason"]
    assert store.query("presence").empty  # nothing written before commit


def test_the_report_in_english(store):
    (result,) = prepare_file(store, csv_bytes(*BAD_ROWS), "mix.csv", lang="en")
    reasons = result.rejected.set_index("row")["reason"]
    assert reasons[3] == "the end 2018-05-04 07:00 is before the start 2018-05-04 08:00"
    assert reasons[8] == "longitude is missing"
    assert "allowed: Car patrol, Foot patrol" in reasons[6]
    assert any("WGS84" in n for n in result.notes)


def test_no_message_carries_library_text_or_nan(store):
    (result,) = prepare_file(store, csv_bytes(*BAD_ROWS), "mix.csv")
    text = " ".join([*result.rejected["reason"], *result.notes])
    for leak in ("nan", "NaT", "Timestamp", "ambiguous", "Traceback", "tmp", "dtype"):
        assert not re.search(rf"\b{leak}\b", text), leak


def test_sweref_metres_and_swapped_columns_are_detected(store):
    e, n = to_sweref(np.array([14.266]), np.array([56.663]))
    metres = HEADER.replace("Latitud;Longitud", "E;N") + (
        f"Trafikkontroll;2018-05-03 14:30;2018-05-03 15:30;{e[0]:.1f};{n[0]:.1f};10;1;x\n"
    )
    (result,) = prepare_file(store, metres.encode(), "sweref.csv")
    assert result.records.geometry.iloc[0].distance(Point(14.266, 56.663)) < 1e-6
    assert any("SWEREF 99 TM" in note for note in result.notes)
    swapped = HEADER + GOOD.replace("56,663;14,266", "14,266;56,663")
    (result,) = prepare_file(store, swapped.encode("cp1252"), "swapped.csv")
    assert result.accepted == 1 and any("omkastade" in note for note in result.notes)
    degrees_in_metre_columns = HEADER.replace("Latitud;Longitud", "N;E") + GOOD
    (result,) = prepare_file(store, degrees_in_metre_columns.encode("cp1252"), "deg.csv")
    assert result.accepted == 1


def _xlsx(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_excel(buf, index=False)
    return buf.getvalue()


def test_excel_file(store):
    frame = pd.DataFrame(
        {
            "Kategori": ["Narkotika", "Skadegörelse"],
            "Beskrivning": ["Langning vid stationen", "Klotter"],
            "Datum": ["2018-03-15", "2018-03-15"],
            "Status": ["Ny", "Åtgärdad"],
            "Latitud": [56.551, 56.552],
            "Longitud": [14.139, 14.140],
        }
    )
    (result,) = prepare_file(store, _xlsx(frame), "platser.xlsx", "problem_spots")
    assert result.records["category"].tolist() == ["narcotics", "vandalism"]
    assert result.records["status"].tolist() == ["new", "done"]


def test_excel_times_are_local_time(store):
    frame = pd.DataFrame(
        {
            "Typ": ["Fotpatrull"],
            "Starttid": [pd.Timestamp("2018-05-04 20:00")],  # a real spreadsheet date cell
            "Sluttid": [pd.Timestamp("2018-05-04 21:00")],
            "Latitud": [56.551],
            "Longitud": [14.139],
        }
    )
    (result,) = prepare_file(store, _xlsx(frame), "p.xlsx")
    assert result.records["start"].iloc[0] == pd.Timestamp("2018-05-04 18:00", tz="UTC")


MEETING = (
    "Kategori;Beskrivning;Plats;Latitud;Longitud\n"
    "Narkotika;Langning vid stationen;Stationen;56,551;14,139\n"
    "Fortkörning/trafik;Fort på Storgatan;Storgatan;56,552;14,140\n"
)


def test_a_meeting_list_without_status_or_date(store):
    with pytest.raises(ImportRejected) as info:
        prepare_file(store, MEETING.encode(), "dialog.csv", "problem_spots")
    assert "datum saknas" in info.value.text("sv") and "Plats" in info.value.text("sv")
    (result,) = prepare_file(
        store, MEETING.encode(), "dialog.csv", "problem_spots", defaults={"reported": "2018-03-15"}
    )
    assert result.accepted == 2 and result.rejected.empty
    assert result.records["status"].tolist() == ["new", "new"]
    assert result.records["reported"].tolist() == ["2018-03-15", "2018-03-15"]
    assert result.ignored_columns == ["Plats"]
    notes = " ".join(result.notes)
    assert "kolumner som inte importeras: Plats" in notes
    assert "status Ny" in notes and "datumet 2018-03-15" in notes


def test_blank_status_cells_are_new_and_a_date_column_wins(store):
    text = "Kategori;Beskrivning;Datum;Status;Latitud;Longitud\n" + (
        "Narkotika;Langning;2018-03-15;;56,551;14,139\nNarkotika;Klotter;2018-03-16;Åtgärdad;56,552;14,140\n"
    )
    (result,) = prepare_file(
        store, text.encode(), "d.csv", "problem_spots", defaults={"reported": "2020-01-01"}
    )
    assert result.records["status"].tolist() == ["new", "done"]
    assert result.records["reported"].tolist() == ["2018-03-15", "2018-03-16"]


def test_reimporting_the_same_file_adds_nothing(store):
    data = csv_bytes(GOOD, GOOD.replace("40;3", "41;3"))
    (first,) = prepare_file(store, data, "a.csv")
    commit(store, first, user="a")
    (again,) = prepare_file(store, data, "a.csv")
    assert (again.accepted, again.duplicates) == (0, 2)
    assert len(store.query("presence")) == 2


def test_the_same_row_twice_in_one_file_is_refused_once(store):
    (result,) = prepare_file(store, csv_bytes(GOOD, GOOD), "twice.csv")
    assert result.accepted == 1
    assert result.rejected["row"].tolist() == [3]
    assert "två gånger" in result.rejected["reason"].iloc[0]


def test_rows_are_checked_in_chunks_like_in_one_piece(store, monkeypatch):
    rows = [GOOD.replace("40;3", f"{40 + i};3") for i in range(7)] + BAD_ROWS[1:4] + [GOOD]
    (whole,) = prepare_file(store, csv_bytes(*rows), "a.csv")
    monkeypatch.setattr("geo.imports.tabular.CHUNK_ROWS", 3)
    (chunked,) = prepare_file(store, csv_bytes(*rows), "a.csv")
    assert chunked.accepted == whole.accepted == 7
    pd.testing.assert_frame_equal(chunked.rejected, whole.rejected)
    assert chunked.rejected["row"].tolist() == [9, 10, 11, 12]  # 12: GOOD again, other chunk
    assert chunked.records["uid"].tolist() == whole.records["uid"].tolist()


def test_markup_in_text_is_stored_as_text(store):
    (result,) = prepare_file(store, csv_bytes(GOOD.replace("Rv 23 Liatorp", "<b>x</b>")), "a.csv")
    commit(store, result, user="a")
    assert store.query("presence")["note"].tolist() == ["<b>x</b>"]


@pytest.mark.parametrize("data,name,words", [
    (b"", "empty.csv", "empty.csv är tom"),
    (HEADER.encode("cp1252"), "header-only.csv", "inga datarader"),
    (b"%PDF-1.4 ...", "report.pdf", "filtypen '.pdf' stöds inte"),
    (b"a;b\n1;2\n", "wrong.csv", "kolumner saknas: typ, start, slut (hittade: a, b)"),
    (b"kind;start;end\nx;y;z\n", "nocoords.csv", "inga koordinatkolumner"),
    (b"not xml", "track.gpx", "ingen läsbar GPX-fil"),
    (b"PK\x03\x04broken", "shape.zip", "shape.zip är ingen zip-fil"),
    (b"PK\x03\x04broken", "list.xlsx", "list.xlsx är ingen zip-fil"),
    (b'{"type": "FeatureCollection", "features": [', "a.geojson", "a.geojson går inte att läsa"),
])  # fmt: skip
def test_bad_files_are_refused_whole_in_plain_words(store, data, name, words):
    with pytest.raises(ImportRejected) as info:
        prepare_file(store, data, name)
    text = info.value.text("sv")
    assert words in text, text
    for leak in ("vsimem", "pyogrio", "GDAL", "/tmp", "Error"):
        assert leak not in text
