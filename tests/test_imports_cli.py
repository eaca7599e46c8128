"""The command line: report, exit codes 0/1/2, nothing created for a missing file."""

from __future__ import annotations

import subprocess
import sys

import pytest

from geo.imports.__main__ import main as cli
from tests.conftest import ROOT, store_location

HEADER = "Typ;Starttid;Sluttid;Latitud;Longitud\n"
GOOD = "Fotpatrull;2018-05-04 20:00;2018-05-04 21:00;56,551;14,139\n"
BAD = "Fotpatrull;igår;x;56,551;14,139\n"


def test_rows_refused_exit_1_and_only_good_rows_are_written(store, tmp_path, capsys):
    path = tmp_path / "k.csv"
    path.write_text(HEADER + GOOD + BAD, encoding="utf-8")
    code = cli([str(path), "--store", str(store.path), "--dry-run"])
    out = capsys.readouterr().out
    assert code == 1
    assert "rad 3, Starttid 'igår': 'igår' är ingen tidpunkt" in out
    assert "inget sparades" in out and store.query("presence").empty
    assert cli([str(path), "--store", str(store.path)]) == 1
    assert len(store.query("presence")) == 1
    assert cli([str(path), "--store", str(store.path)]) == 1  # duplicates kept out
    assert len(store.query("presence")) == 1


def test_all_imported_exit_0_and_english_on_request(store, tmp_path, capsys):
    path = tmp_path / "k.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    assert cli([str(path), "--store", str(store.path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "1 new, 0 already stored, 0 refused" in out and "records written: 1" in out
    assert cli([str(path), "--store", str(store.path)]) == 0  # already stored is not refused


def test_all_or_nothing_writes_nothing_when_a_row_is_refused(store, tmp_path):
    path = tmp_path / "k.csv"
    path.write_text(HEADER + GOOD + BAD, encoding="utf-8")
    assert cli([str(path), "--store", str(store.path), "--all-or-nothing"]) == 1
    assert store.query("presence").empty


def test_a_missing_file_is_one_line_exit_2_and_creates_no_store(tmp_path, capsys):
    target = tmp_path / "new.gpkg"
    assert cli([str(tmp_path / "saknas.csv"), "--store", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"fel: filen {tmp_path / 'saknas.csv'} finns inte"
    assert not target.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content,name,words", [
    (b"", "tom.csv", "tom.csv är tom"),
    (b"%PDF", "rapport.pdf", "filtypen '.pdf' stöds inte"),
])  # fmt: skip
def test_an_unreadable_file_is_exit_2(tmp_path, capsys, content, name, words):
    path = tmp_path / name
    path.write_bytes(content)
    assert cli([str(path), "--store", str(tmp_path / "s.gpkg")]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "s.gpkg").exists()


def test_a_dry_run_without_a_store_creates_none(tmp_path, capsys):
    path = tmp_path / "k.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    assert cli([str(path), "--store", str(tmp_path / "s.gpkg"), "--dry-run"]) == 0
    assert not (tmp_path / "s.gpkg").exists()


def test_a_meeting_list_with_a_date_from_the_command_line(store, tmp_path, capsys):
    path = tmp_path / "dialog.csv"
    path.write_text("Kategori;Beskrivning;Latitud;Longitud\nNarkotika;Langning;56,551;14,139\n")
    args = [str(path), "--store", str(store.path), "--layer", "problem_spots"]
    assert cli(args) == 2
    assert "datum saknas" in capsys.readouterr().err
    assert cli([*args, "--reported", "2018-03-15"]) == 0
    assert store.query("problem_spots")["status"].tolist() == ["new"]


def test_bad_arguments_are_exit_2_in_a_real_process(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "geo.imports", "x.csv", "--layer", "nonsense"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    run = subprocess.run(
        [sys.executable, "-m", "geo.imports", str(tmp_path / "saknas.csv"), "--store",
         str(tmp_path / "s.gpkg")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert not (tmp_path / "s.gpkg").exists()


def test_the_job_imports_into_either_backend(any_store, tmp_path, capsys):
    """A scheduled job writes to the store the setting names: a file or PostGIS."""
    location, schema = store_location(any_store)
    path = tmp_path / "k.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    assert cli([str(path), "--store", location, "--schema", schema]) == 0
    assert "sparade poster: 1" in capsys.readouterr().out
    assert len(any_store.query("presence")) == 1
