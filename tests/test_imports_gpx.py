"""GPX tracks: GPS times kept, partly timed segments, implausible times, hostile XML."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.errors import ImportRejected
from geo.imports import commit
from geo.imports.files import prepare_file

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'


def gpx(*segments: list[tuple[float, float, str | None]], name: str = "Patrull 2") -> bytes:
    """A GPX file with one track of ``segments`` of (lat, lon, UTC time or None)."""
    parts = [HEAD, f"<trk><name>{name}</name>"]
    for seg in segments:
        parts.append("<trkseg>")
        for lat, lon, t in seg:
            time = f"<time>{t}</time>" if t else ""
            parts.append(f'<trkpt lat="{lat}" lon="{lon}"><ele>140</ele>{time}</trkpt>')
        parts.append("</trkseg>")
    parts.append("</trk></gpx>")
    return "".join(parts).encode()


ROUTE = [
    (56.551, 14.139, "2018-05-03T06:00:00Z"),
    (56.60, 14.19, "2018-05-03T06:10:00Z"),
    (56.663, 14.266, "2018-05-03T06:25:00Z"),
    (56.80, 14.60, "2018-05-03T06:40:00Z"),  # beyond the border
]


def test_gpx_track_with_times_and_a_stretch_outside(store):
    (result,) = prepare_file(store, gpx(ROUTE, []), "bil.gpx")
    assert result.accepted == 1 and result.rejected.empty
    assert "1 punkter utanför kommunen togs inte med" in result.notes
    assert "spår 1 segment 2: 0 punkt(er), hoppades över" in result.notes
    rec = result.records.iloc[0]
    assert (rec["start"], rec["end"]) == (
        pd.Timestamp("2018-05-03T06:00Z"),
        pd.Timestamp("2018-05-03T06:25Z"),
    )
    assert rec["unit"] == "Patrull 2"
    commit(store, result, user="gps")
    fixes = store.fixes()
    assert fixes["t"].diff().dropna().tolist() == [600, 900]  # the GPS times, not interpolated
    (again,) = prepare_file(store, gpx(ROUTE, []), "bil.gpx")
    assert again.duplicates == 1 and again.accepted == 0


def _line(n: int) -> list[tuple[float, float, str | None]]:
    start = pd.Timestamp("2018-05-03T06:00Z")
    return [
        (
            56.551 + 0.001 * i,
            14.139 + 0.001 * i,
            f"{start + pd.Timedelta(minutes=i):%Y-%m-%dT%H:%M:%SZ}",
        )
        for i in range(n)
    ]


def test_a_partly_timed_segment_keeps_its_points_and_interpolates_the_gaps(store):
    points = _line(21)
    points[10] = (*points[10][:2], None)  # 20 of 21 timed
    (result,) = prepare_file(store, gpx(points), "partly.gpx")
    assert result.accepted == 1 and result.rejected.empty
    assert "spår 1 segment 1: 1 av 21 punkter saknade tid; 1 fick tid interpolerad" in " ".join(
        result.notes
    )
    commit(store, result, user="gps")
    fixes = store.fixes()
    assert len(fixes) == 21
    assert fixes["t"].diff().dropna().tolist() == [60] * 20  # evenly spaced: halfway in time


def test_untimed_points_at_the_ends_are_left_out_and_counted(store):
    points = _line(6)
    points[0] = (*points[0][:2], None)
    points[5] = (*points[5][:2], None)
    (result,) = prepare_file(store, gpx(points), "ends.gpx")
    assert result.accepted == 1
    assert (
        "2 av 6 punkter saknade tid; 0 fick tid interpolerad mellan grannarna, "
        "2 i början eller slutet togs bort" in " ".join(result.notes)
    )
    assert result.records["start"].iloc[0] == pd.Timestamp("2018-05-03T06:01Z")


def test_a_segment_without_times_is_reported(store):
    untimed = [(lat, lon, None) for lat, lon, _ in _line(3)]
    (result,) = prepare_file(store, gpx(untimed), "t.gpx")
    assert result.rejected["row"].tolist() == ["spår 1 segment 1"]
    assert result.rejected["reason"].tolist() == [
        "färre än två av segmentets 3 punkter har tid; GPS-tider behövs för närvaro"
    ]


def test_a_track_timed_in_1901_is_refused_with_the_reason(store):
    old = [(lat, lon, t.replace("2018", "1901")) for lat, lon, t in _line(5)]
    (result,) = prepare_file(store, gpx(old), "old.gpx")
    assert result.accepted == 0
    (row,) = result.rejected.itertuples()
    assert row.value == "1901-05-03 07:00"  # shown in Swedish local time
    assert "före år 2000" in row.reason


def test_a_few_points_without_a_fix_are_treated_as_untimed(store):
    points = _line(5)
    points[2] = (*points[2][:2], "1970-01-01T00:00:00Z")
    (result,) = prepare_file(store, gpx(points), "glitch.gpx")
    assert result.accepted == 1
    assert any("1 punkter med orimlig tid (t.ex. 1970-01-01 01:00)" in n for n in result.notes)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<gpx><trk><name>&d;</name><trkseg></trkseg></trk></gpx>"""
OUTSIDE = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx><trk><name>&x;</name></trk></gpx>"""


@pytest.mark.parametrize("data", [BOMB, OUTSIDE])
def test_entities_and_dtds_are_refused(store, data):
    with pytest.raises(ImportRejected) as info:
        prepare_file(store, data, "evil.gpx")
    assert "XML-entiteter" in info.value.text("sv")
