"""Imports: every format, the per-row report, re-imports, and bad files refused whole."""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import gpxpy.gpx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.crs import to_sweref
from geo.errors import ImportRejected
from geo.imports import check_upload_size, commit
from geo.imports.__main__ import main as cli
from geo.imports.files import prepare_file
from geo.imports.polisen import event_time, municipality_of, parse_published
from tests.conftest import shared_file

HEADER = "Typ;Starttid;Sluttid;Latitud;Longitud;Kontrollerade fordon;Överträdelser;Plats\n"
GOOD = "Trafikkontroll;2018-05-03 14:30;2018-05-03 15:30;56,663;14,266;40;3;Rv 23 Liatorp\n"


def csv_bytes(*rows: str, encoding: str = "cp1252") -> bytes:
    return (HEADER + "".join(rows)).encode(encoding)


def test_swedish_csv_in_cp1252_with_decimal_commas(store):
    (result,) = prepare_file(store, csv_bytes(GOOD), "kontroller.csv")
    assert result.accepted == 1 and result.rejected.empty
    rec = result.records.iloc[0]
    assert rec["kind"] == "traffic_control"
    assert rec["start"] == pd.Timestamp("2018-05-03 12:30", tz="UTC")  # CEST → UTC
    assert rec.geometry.equals(Point(14.266, 56.663))
    commit(store, result, user="anna")
    assert store.query("presence")["area_id"].tolist() == ["liatorp"]


def test_utf8_comma_separated_with_english_headers(store):
    text = "kind,start,end,lat,lon\nFoot patrol,2018-05-04T20:00,2018-05-04T21:00,56.551,14.139\n"
    (result,) = prepare_file(store, text.encode(), "patrols.csv")
    assert result.records["kind"].tolist() == ["foot_patrol"]


def test_every_bad_row_is_reported_and_the_good_rows_kept(store):
    rows = [
        GOOD,
        "Bilpatrull;2018-05-04 08:00;2018-05-04 07:00;56,551;14,139;;;Centrum\n",
        "Fotpatrull;igår;2018-05-04 07:00;56,551;14,139;;;Centrum\n",
        "Fotpatrull;2018-05-04 06:00;2018-05-04 07:00;55,6;13,0;;;Malmö\n",
        "Helikopter;2018-05-04 06:00;2018-05-04 07:00;56,551;14,139;;;Centrum\n",
        "Fotpatrull;2018-05-04 06:00;2018-05-04 07:00;x;14,139;;;Centrum\n",
    ]
    (result,) = prepare_file(store, csv_bytes(*rows), "mix.csv")
    assert result.accepted == 1
    report = result.rejected.set_index("row")
    assert report.loc[3, "field"] == "end" and "before start" in report.loc[3, "reason"]
    assert report.loc[4, "field"] == "start" and "'igår' is not a date" in report.loc[4, "reason"]
    assert report.loc[5, "field"] == "geometry" and "outside" in report.loc[5, "reason"]
    assert report.loc[6, "field"] == "kind" and "'Helikopter'" in report.loc[6, "reason"]
    assert report.loc[7, "field"] == "coordinates"
    assert store.query("presence").empty  # nothing written before commit


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
    assert result.accepted == 1 and any("swapped" in note for note in result.notes)
    degrees_in_metre_columns = HEADER.replace("Latitud;Longitud", "N;E") + GOOD
    (result,) = prepare_file(store, degrees_in_metre_columns.encode("cp1252"), "deg.csv")
    assert result.accepted == 1


def test_excel_file(store, tmp_path):
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
    buf = io.BytesIO()
    frame.to_excel(buf, index=False)
    (result,) = prepare_file(store, buf.getvalue(), "platser.xlsx", "problem_spots")
    assert result.records["category"].tolist() == ["narcotics", "vandalism"]
    assert result.records["status"].tolist() == ["new", "done"]


def test_reimporting_the_same_file_adds_nothing(store):
    data = csv_bytes(GOOD, GOOD.replace("40;3", "41;3"))
    (first,) = prepare_file(store, data, "a.csv")
    commit(store, first, user="a")
    (again,) = prepare_file(store, data, "a.csv")
    assert (again.accepted, again.duplicates) == (0, 2)
    assert len(store.query("presence")) == 2


def test_markup_in_text_is_stored_as_text(store):
    (result,) = prepare_file(store, csv_bytes(GOOD.replace("Rv 23 Liatorp", "<b>x</b>")), "a.csv")
    commit(store, result, user="a")
    assert store.query("presence")["note"].tolist() == ["<b>x</b>"]


@pytest.mark.parametrize("data,name,words", [
    (b"", "empty.csv", "empty"),
    (HEADER.encode("cp1252"), "header-only.csv", "no data rows"),
    (b"%PDF-1.4 ...", "report.pdf", "not supported"),
    (b"a;b\n1;2\n", "wrong.csv", "missing columns: kind, start, end"),
    (b"not xml", "track.gpx", "not a readable GPX"),
    (b"PK\x03\x04broken", "shape.zip", "not a zip file"),
])  # fmt: skip
def test_bad_files_are_refused_whole(store, data, name, words):
    with pytest.raises(ImportRejected, match=words):
        prepare_file(store, data, name)


def test_uploads_above_the_limit_are_refused():
    with pytest.raises(ImportRejected, match="the file is 200 MB; the limit is 50 MB"):
        check_upload_size(200 * 1024 * 1024, 50)
    check_upload_size(50 * 1024 * 1024, 50)


def _gpx(points: list[tuple[float, float, str]], extra_empty: bool = True) -> bytes:
    doc = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack(name="Patrull 2")
    doc.tracks.append(track)
    seg = gpxpy.gpx.GPXTrackSegment()
    track.segments.append(seg)
    for lat, lon, t in points:
        seg.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon, time=pd.Timestamp(t).to_pydatetime()))
    if extra_empty:
        track.segments.append(gpxpy.gpx.GPXTrackSegment())
    return doc.to_xml().encode()


def test_gpx_track_with_times_and_a_stretch_outside(store):
    data = _gpx(
        [
            (56.551, 14.139, "2018-05-03T06:00:00Z"),
            (56.60, 14.19, "2018-05-03T06:10:00Z"),
            (56.663, 14.266, "2018-05-03T06:25:00Z"),
            (56.80, 14.60, "2018-05-03T06:40:00Z"),
        ]
    )  # last fix: beyond the border
    (result,) = prepare_file(store, data, "bil.gpx")
    assert result.accepted == 1 and result.rejected.empty
    assert any("1 fixes outside" in n for n in result.notes)
    assert any("0 point(s), skipped" in n for n in result.notes)
    rec = result.records.iloc[0]
    assert (rec["start"], rec["end"]) == (
        pd.Timestamp("2018-05-03T06:00Z"),
        pd.Timestamp("2018-05-03T06:25Z"),
    )
    commit(store, result, user="gps")
    fixes = store.fixes()
    assert fixes["t"].diff().dropna().tolist() == [600, 900]  # the GPS times, not interpolated
    (again,) = prepare_file(store, data, "bil.gpx")
    assert again.duplicates == 1 and again.accepted == 0


def test_gpx_without_times_is_reported(store):
    doc = gpxpy.gpx.GPX()
    doc.tracks.append(gpxpy.gpx.GPXTrack())
    seg = gpxpy.gpx.GPXTrackSegment(
        [gpxpy.gpx.GPXTrackPoint(56.551, 14.139), gpxpy.gpx.GPXTrackPoint(56.56, 14.14)]
    )
    doc.tracks[0].segments.append(seg)
    (result,) = prepare_file(store, doc.to_xml().encode(), "t.gpx")
    assert result.rejected["reason"].tolist() == ["track points have no times"]


def test_geojson_in_sweref_and_zipped_shapefile(store, tmp_path):
    spots = gpd.GeoDataFrame(
        {
            "category": ["burglary"],
            "description": ["Inbrott"],
            "reported": ["2018-03-15"],
            "status": ["new"],
        },
        geometry=[Point(14.139, 56.551)],
        crs=4326,
    ).to_crs(3006)
    spots.to_file(tmp_path / "s.geojson")  # GDAL writes the EPSG:3006 crs member
    data = (tmp_path / "s.geojson").read_bytes()
    (result,) = prepare_file(store, data, "s.geojson", "problem_spots")
    assert result.accepted == 1
    assert result.records.geometry.iloc[0].distance(Point(14.139, 56.551)) < 1e-6
    with (
        pytest.warns(UserWarning, match="truncated"),  # 'description' -> 'descriptio'
        pytest.warns(RuntimeWarning, match="laundered"),
    ):
        spots.to_file(tmp_path / "s.shp")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for ext in ("shp", "shx", "dbf", "prj"):
            z.write(tmp_path / f"s.{ext}", f"s.{ext}")
    (result,) = prepare_file(store, buf.getvalue(), "s.zip", "problem_spots")
    assert result.accepted == 1
    assert result.records.geometry.iloc[0].distance(Point(14.139, 56.551)) < 1e-6
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for ext in ("shp", "shx", "dbf"):
            z.write(tmp_path / f"s.{ext}", f"s.{ext}")
    with pytest.raises(ImportRejected, match="no .prj"):
        prepare_file(store, buf.getvalue(), "noprj.zip", "problem_spots")


def test_polisen_feed_keeps_only_almhult_at_area_level(store):
    data = shared_file("polisen-events-sample.json").read_bytes()
    events = json.loads(data)
    expected = [
        e for e in events if e["location"]["name"] == "Älmhult" or e["name"].endswith(", Älmhult")
    ]
    presence, incidents = prepare_file(store, data, "events.json")
    assert presence.accepted + incidents.accepted == len(expected) > 0
    assert set(incidents.records["location_precision"]) == {"municipality"}
    commit(store, presence, user="feed")
    commit(store, incidents, user="feed")
    stored = store.query("incidents")
    assert stored["area_id"].isna().all()  # area-level: never assigned to a town or village
    assert stored["uid"].tolist() == [
        f"polisen-{e['id']}"
        for e in expected
        if e["type"] not in ("Trafikkontroll", "Kontroll person/fordon")
    ]
    again = prepare_file(store, data, "events.json")
    assert sum(r.accepted for r in again) == 0


def test_polisen_fields():
    event = {
        "name": "19 augusti 08.38, Brand, Älmhult",
        "datetime": "2026-08-19 8:51:36 +02:00",
        "location": {"name": "Kronobergs län", "gps": "56.71834,14.411467"},
    }
    assert municipality_of(event) == "Älmhult"
    assert parse_published(event["datetime"]) == pd.Timestamp("2026-08-19T06:51:36Z")
    assert event_time(event) == pd.Timestamp("2026-08-19T06:38:00Z")
    new_year = {
        "name": "31 december 23.50, Brand, Älmhult",
        "datetime": "2027-01-01 0:10:00 +01:00",
        "location": {"name": "Älmhult"},
    }
    assert event_time(new_year).year == 2026


def test_command_line_import(store, tmp_path, capsys):
    path = tmp_path / "k.csv"
    path.write_bytes(csv_bytes(GOOD, "Fotpatrull;igår;x;56,551;14,139;;;C\n"))
    code = cli([str(path), "--store", str(store.path), "--dry-run"])
    out = capsys.readouterr().out
    assert code == 1 and "row 3, field start" in out and "nothing written" in out
    assert store.query("presence").empty
    assert cli([str(path), "--store", str(store.path)]) == 1
    assert len(store.query("presence")) == 1
    assert cli([str(tmp_path / "k.csv"), "--store", str(store.path)]) == 1  # duplicates kept out
    assert len(store.query("presence")) == 1


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


def test_incident_table_shows_imported_events(store):
    from geo.filters import Filters, custom_period
    from geo.i18n import translator
    from geo.views import incident_table

    data = shared_file("polisen-events-sample.json").read_bytes()
    for result in prepare_file(store, data, "events.json"):
        commit(store, result, user="feed")
    table = incident_table(
        store.query("incidents"),
        Filters(custom_period("2026-01-01", "2026-12-31")),
        translator("sv"),
    )
    assert len(table) == len(store.query("incidents")) > 0
    assert table["Källa"].str.startswith("https://polisen.se/").all()
