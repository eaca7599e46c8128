"""The change log in words: what changed, who, when (local time)."""

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.changelog import audit_table, describe_change, record_names
from geo.i18n import translator
from geo.snapshot import load_snapshot
from tests.factories import spot

SV, EN = translator("sv"), translator("en")


def test_changes_are_described_in_words(store):
    store.add("problem_spots", spot(description="Belysning vid stationen"), user="samordnare")
    uid = store.query("problem_spots")["uid"].iloc[0]
    store.update(
        "problem_spots",
        uid,
        {"status": "action_planned"},
        expected_version=1,
        user="samordnare",
    )
    store.update(
        "problem_spots",
        uid,
        {"response": "Ny lampa beställd", "geometry": Point(14.14, 56.552)},
        expected_version=2,
        user="samordnare",
    )
    store.log_event("samordnare", "export", "almhult.xlsx")
    log = store.audit_log()
    names = record_names(load_snapshot(store), SV)
    said = [describe_change(r, names, SV) for r in log.to_dict("records")]
    assert said == [
        "Exporterade almhult.xlsx",
        "Problemplats 'Belysning vid stationen' fick ändrat fält: svar och flyttades",
        "Problemplats 'Belysning vid stationen' fick status Åtgärd planerad",
        "Problemplats 'Belysning vid stationen' registrerades",
    ]
    english = describe_change(log.to_dict("records")[2], names, EN)
    assert english == "Problem spot 'Belysning vid stationen': status set to Action planned"
    table = audit_table(log, SV, names)
    assert list(table.columns) == ["När", "Vem", "Vad"]
    assert set(table["Vem"]) == {"samordnare"}
    when = pd.Timestamp(table["När"].iloc[0])
    now = pd.Timestamp.now(tz="Europe/Stockholm").tz_localize(None)
    assert abs(when - now) < pd.Timedelta(minutes=2)  # local time, not UTC


def test_a_removed_record_is_named_from_the_log(store):
    store.add("problem_spots", spot(description="Mörk gångväg"), user="planerare")
    uid = store.query("problem_spots")["uid"].iloc[0]
    store.delete("problem_spots", [uid], user="planerare")
    log = store.audit_log()
    names = record_names(load_snapshot(store), SV)
    assert describe_change(log.to_dict("records")[0], names, SV) == (
        "Problemplats 'Mörk gångväg' togs bort"
    )
    only_adds = audit_table(log, SV, names, actions=["add"])
    assert len(only_adds) == 1 and "registrerades" in only_adds["Vad"].iloc[0]


def test_no_technical_ids_in_the_words(store):
    store.add(
        "dialogues",
        gpd.GeoDataFrame(
            [{"date": "2018-03-15", "place": "Diö bygdegård"}], geometry=[None], crs=4326
        ),
        user="samordnare",
    )
    log = store.audit_log()
    text = describe_change(log.to_dict("records")[0], record_names(load_snapshot(store), SV), SV)
    assert text == "Dialog '2018-03-15 Diö bygdegård' registrerades"
