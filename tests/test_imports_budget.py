"""Upload budgets: small files that are expensive to read are refused before the parse.

Each hostile file is built here. "Before the parse" is checked by making the expensive
reader fail the test if it is reached at all; the worker's CPU and memory limits are
checked with a real worker process.
"""

from __future__ import annotations

import io
import sqlite3
import sys
import types
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point

from geo.areas import builtin_municipality
from geo.errors import ImportRejected, OverBudget
from geo.imports.budget import MB, Budget
from geo.imports.files import read_file
from geo.imports.worker import forget, ran_out_of_memory, read_isolated, read_once

OUTLINE = builtin_municipality()
BUDGET = Budget()  # the defaults a deployment starts with


def refused(data: bytes, name: str, budget: Budget = BUDGET, layer: str = "presence") -> str:
    with pytest.raises(OverBudget) as info:
        read_file(OUTLINE, data, name, layer, budget=budget)
    return info.value.text("sv")


@pytest.fixture
def no_gdal_parse(monkeypatch):
    """Fail the test if GDAL is asked to parse features."""

    def forbidden(*args, **kwargs):
        raise AssertionError("the file was parsed before it was refused")

    monkeypatch.setattr(pyogrio, "read_dataframe", forbidden)


def test_a_zipped_shapefile_of_150000_points(tmp_path, no_gdal_parse):
    rng = np.random.default_rng(1)
    n = 150_000
    points = gpd.GeoDataFrame(
        {"category": ["narcotics"] * n},
        geometry=gpd.points_from_xy(rng.uniform(14.1, 14.2, n), rng.uniform(56.5, 56.6, n)),
        crs=4326,
    )
    pyogrio.write_dataframe(points, tmp_path / "s.shp")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for ext in ("shp", "shx", "dbf", "prj"):
            z.write(tmp_path / f"s.{ext}", f"s.{ext}")
    data = buf.getvalue()
    assert len(data) < 5 * 1024 * 1024  # small on the wire
    text = refused(data, "platser.zip", layer="problem_spots")
    assert text == "filen har 150\u00a0000 objekt; högst 100\u00a0000 godtas per uppladdning"


def _xlsx(rows: int) -> bytes:
    """A real .xlsx of ``rows`` patrol rows (inline strings), written without a library."""
    cells = "".join(
        f'<row r="{i + 2}"><c r="A{i + 2}" t="inlineStr"><is><t>Bilpatrull</t></is></c>'
        f'<c r="B{i + 2}" t="inlineStr"><is><t>2018-05-03 {i % 24:02d}:00</t></is></c>'
        f'<c r="C{i + 2}"><v>{56.5 + i % 997 * 1e-4:.4f}</v></c>'
        f'<c r="D{i + 2}"><v>{14.1 + i % 991 * 1e-4:.4f}</v></c></row>'
        for i in range(rows)
    )
    head = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Typ</t></is></c><c r="B1" t="inlineStr">'
        '<is><t>Starttid</t></is></c><c r="C1" t="inlineStr"><is><t>Latitud</t></is></c>'
        '<c r="D1" t="inlineStr"><is><t>Longitud</t></is></c></row>'
    )
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlforma'
            'ts-package.relationships+xml"/><Default Extension="xml" ContentType="application/x'
            'ml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlfor'
            'mats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/workshe'
            'ets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreads'
            'heetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/packa'
            f'ge/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook {ns} xmlns:r="{rel}"><sheets><sheet name="Pass" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/packa'
            f'ge/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0"?><worksheet {ns}><sheetData>{head}{cells}</sheetData></worksheet>'
        ),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def test_the_handmade_xlsx_is_a_real_spreadsheet():
    frame = pd.read_excel(io.BytesIO(_xlsx(3)))
    assert frame.columns.tolist() == ["Typ", "Starttid", "Latitud", "Longitud"] and len(frame) == 3


def test_a_3_mb_xlsx_is_refused_by_its_row_count(monkeypatch):
    data = _xlsx(120_000)
    assert 2.5e6 < len(data) < 5e6

    def forbidden(*args, **kwargs):
        raise AssertionError("the sheet was parsed before it was refused")

    monkeypatch.setattr(pd, "read_excel", forbidden)
    text = refused(data, "pass.xlsx")
    assert text.startswith("kalkylbladet har 120\u00a0000 rader; högst 50\u00a0000 godtas")


def test_a_geopackage_whose_layer_is_a_view_counting_to_30_million(tmp_path, no_gdal_parse):
    path = tmp_path / "v.gpkg"
    seed = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(14.1, 56.5)], crs=4326)
    pyogrio.write_dataframe(seed, path, layer="seed", layer_options={"SPATIAL_INDEX": "NO"})
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            DELETE FROM gpkg_geometry_columns WHERE table_name = 'seed';
            DELETE FROM gpkg_contents WHERE table_name = 'seed';
            DROP TABLE seed;
            CREATE VIEW spots AS
              WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000000)
              SELECT i AS fid, 'narcotics' AS category, 'x' AS description,
                     '2018-03-15' AS reported, NULL AS geom FROM n;
            INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id)
              VALUES ('spots', 'features', 'spots', 4326);
            INSERT INTO gpkg_geometry_columns VALUES ('spots', 'geom', 'POINT', 4326, 0, 0);
            """
        )
    with sqlite3.connect(path) as conn:
        conn.execute("VACUUM")
    data = path.read_bytes()
    assert len(data) < 200_000
    with pytest.raises(ImportRejected) as info:
        read_file(OUTLINE, data, "platser.gpkg", "problem_spots", budget=BUDGET)
    assert info.value.text("sv") == (
        "platser.gpkg: lagret 'spots' är en vy, inte en tabell; bara tabeller importeras "
        "(spara lagret som tabell i QGIS)"
    )


def test_a_zip_bomb_is_refused_by_its_packing_ratio(no_gdal_parse):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("s.shp", b"\0" * (20 * 1024 * 1024))
        z.writestr("s.prj", "GEOGCS[]")
    text = refused(buf.getvalue(), "bomb.zip")
    assert text.startswith("en del av filen är packad") and "högst 500:1" in text


def test_csv_rows_and_gpx_points_are_counted_before_parsing():
    csv = ("Typ;Starttid;Sluttid;Latitud;Longitud\n" + "x;y;z;1;2\n" * 11).encode()
    assert refused(csv, "a.csv", Budget(max_rows=10)).startswith("filen har 11 rader; högst 10")
    gpx = b"<gpx><trk><trkseg>" + b'<trkpt lat="56.5" lon="14.1"/>' * 11 + b"</trkseg></trk></gpx>"
    assert refused(gpx, "a.gpx", Budget(max_points=10)).startswith("filen har 11 GPS-punkter")


def test_the_byte_limit():
    assert refused(b"x" * 2048, "a.csv", Budget(max_bytes=1024)).startswith("filen är 0 MB")


CSV_HEADER = "Typ;Starttid;Sluttid;Latitud;Longitud\n"


def _many_rows(n: int) -> bytes:
    row = "Bilpatrull;2018-05-03 10:00;2018-05-03 11:00;56,551;14,139\n"
    body = "".join(row.replace("10:00", f"10:{i % 60:02d}") for i in range(n))
    return (CSV_HEADER + body).encode()


def test_the_worker_reads_within_its_limits_and_reports_progress():
    seen = []
    (result,) = read_isolated(
        OUTLINE, _many_rows(3), "a.csv", "presence", budget=BUDGET,
        progress=lambda done, what: seen.append(done), lang="en",
    )  # fmt: skip
    assert result.accepted == 3
    assert seen[0] == 0.0 and seen[-1] == 1.0


def test_the_worker_is_stopped_at_its_cpu_limit():
    with pytest.raises(OverBudget) as info:
        read_isolated(OUTLINE, _many_rows(400_000), "a.csv", "presence",
                      budget=Budget(cpu_seconds=1))  # fmt: skip
    assert info.value.message.key in ("imp_over_cpu", "imp_over_time")
    assert "processortid" in info.value.text("sv") or "tog mer än" in info.value.text("sv")


def test_the_worker_is_stopped_at_its_memory_limit():
    with pytest.raises(OverBudget) as info:
        read_isolated(OUTLINE, _many_rows(400_000), "a.csv", "presence",
                      budget=Budget(memory_mb=40))  # fmt: skip
    assert info.value.text("sv").startswith("filen behövde mer än 40 MB minne")


def test_the_worker_does_not_run_the_apps_main_script(tmp_path, monkeypatch):
    # under `streamlit run` the main module is the app script; multiprocessing would run it
    # again in every reader (1.6 s, the app's memory) unless the fork server skips it
    marker = tmp_path / "ran.txt"
    script = tmp_path / "app.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('the app ran')\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    (result,) = read_isolated(OUTLINE, _many_rows(2), "a.csv", "presence", budget=BUDGET)
    assert result.accepted == 2
    assert not marker.exists()


def test_an_error_at_the_memory_ceiling_counts_as_over_memory():
    ceiling = 600 * MB
    start = 500 * MB
    hidden = ValueError("Unknown error: Wrapping 2018-05-03 11:00 failed")  # pyarrow's words
    assert ran_out_of_memory(hidden, peak=ceiling - MB, start_peak=start, ceiling=ceiling)
    # far below the ceiling it is the reader's own failure
    assert not ran_out_of_memory(hidden, peak=start + 20 * MB, start_peak=start, ceiling=ceiling)
    # a peak inherited from the fork server says nothing about the reader
    assert not ran_out_of_memory(hidden, peak=ceiling, start_peak=ceiling, ceiling=ceiling)
    # a MemoryError a library re-raised as its own error is found in the chain
    try:
        try:
            raise MemoryError
        except MemoryError as exc:
            raise RuntimeError("could not convert") from exc
    except RuntimeError as wrapped:
        assert ran_out_of_memory(wrapped, peak=start, start_peak=start, ceiling=ceiling)


def test_refusals_from_the_worker_keep_their_words():
    with pytest.raises(ImportRejected) as info:
        read_isolated(OUTLINE, b"", "tom.csv", "presence", budget=BUDGET)
    assert info.value.text("sv") == "tom.csv är tom"


def test_an_upload_is_read_once_per_key_and_a_refusal_is_remembered():
    session: dict[str, object] = {}
    calls: list[str] = []

    def reader(name: str):
        def read():
            calls.append(name)
            if name == "bad":
                raise OverBudget("imp_over_rows", found=2, limit=1)
            return [name]

        return read

    assert read_once(session, ("a",), reader("a")) == ["a"]
    assert read_once(session, ("a",), reader("a")) == ["a"]  # a rerun: no second parse
    for _ in range(2):
        with pytest.raises(OverBudget):
            read_once(session, ("b",), reader("bad"))
    assert calls == ["a", "bad"]
    forget(session)
    read_once(session, ("a",), reader("a"))
    assert calls == ["a", "bad", "a"]
