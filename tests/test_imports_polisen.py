"""Polisen's events feed in every form it has taken, and the events it leaves out."""

from __future__ import annotations

import json

import pandas as pd

from geo.imports import commit
from geo.imports.files import prepare_file
from geo.imports.polisen import event_time, municipality_of, parse_published
from tests.conftest import shared_file


def event(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": 1,
        "datetime": "2024-05-13 6:10:00 +02:00",
        "name": "13 maj 01.37, Rattfylleri, Älmhult",
        "summary": "Misstänkt rattfylleri.",
        "url": "/aktuellt/handelser/2024/maj/13/x/",
        "type": "Rattfylleri",
        "location": {"name": "Älmhult", "gps": "56.552446,14.137405"},
    }
    base.update(fields)
    return base


def feed(*events: dict[str, object]) -> bytes:
    return json.dumps(list(events), ensure_ascii=False).encode()


def test_every_date_form_the_feed_has_used():
    assert parse_published("2025-06-07 7:32:06 +02:00") == pd.Timestamp("2025-06-07T05:32:06Z")
    assert parse_published("2024-1-7 18:39:31 +01:00") == pd.Timestamp("2024-01-07T17:39:31Z")
    assert parse_published("2025-03-01T09:59:10+01:00") == pd.Timestamp("2025-03-01T08:59:10Z")
    assert parse_published("2025-03-01T09:59:10Z") == pd.Timestamp("2025-03-01T09:59:10Z")


def test_the_titles_time_of_day_in_both_forms_and_which_was_used():
    dotted = event(name="13 maj 01.37, Rattfylleri, Älmhult")
    coloned = event(name="13 maj 01:37, Rattfylleri, Älmhult")
    for e in (dotted, coloned):
        assert event_time(e) == (pd.Timestamp("2024-05-12T23:37Z"), "title")
    summary = event(name="Sammanfattning natt, Kronobergs län")
    assert event_time(summary) == (pd.Timestamp("2024-05-13T04:10Z"), "published")
    new_year = event(name="31 december 23.50, Brand, Älmhult", datetime="2027-01-01 0:10:00 +01:00")
    assert event_time(new_year)[0].year == 2026


def test_a_title_in_the_repeated_autumn_hour_is_read_before_its_publication():
    e = event(name="28 oktober 02.30, Brand, Älmhult", datetime="2018-10-28 2:45:00 +01:00")
    when, source = event_time(e)
    assert source == "title" and when == pd.Timestamp("2018-10-28T01:30Z")  # the second 02:30
    e = event(name="28 oktober 02.30, Brand, Älmhult", datetime="2018-10-28 2:45:00 +02:00")
    assert event_time(e)[0] == pd.Timestamp("2018-10-28T00:30Z")  # published before the change


def test_the_municipality_from_the_title_when_the_location_does_not_say():
    title = "19 augusti 08.38, Brand, Älmhult"
    for location in ({"name": "Kronobergs län"}, None, {"name": None}, {"name": ""}, {}):
        assert municipality_of(event(name=title, location=location)) == "Älmhult"
    e = event(name=title)
    del e["location"]
    assert municipality_of(e) == "Älmhult"
    assert municipality_of(event(location={"name": "  Älmhult "})) == "Älmhult"
    assert municipality_of(event(name="Sammanfattning", location=None)) == ""


def test_a_feed_of_every_variant(store):
    events = [
        event(id=11),
        event(id=12, name="13 maj 02:15, Trafikkontroll, Älmhult", type="Trafikkontroll"),
        event(id=13, datetime="2024-1-7 18:39:31 +01:00", name="7 januari 18.05, Stöld, Älmhult"),
        event(id=14, datetime="2025-03-01T09:59:10+01:00", name="1 mars 09.30, Brand, Älmhult"),
        event(id=None, name="13 maj 03.00, Brand, Älmhult"),  # no id
        event(id=None, name="13 maj 04.00, Inbrott, Älmhult"),  # no id, another event
        event(id=15, location=None, name="13 maj 05.00, Skadegörelse, Älmhult"),
        event(id=16, location={"name": " Älmhult  "}, name="Sammanfattning natt"),
        event(id=17, location={"name": "Kronobergs län"}, name="13 maj 06.00, Brand, Växjö"),
        event(id=18, location=None, name="Sammanfattning natt"),
        event(id=19, datetime="13/5 2024", name="Brand, Älmhult"),
        event(id=11),  # the same event twice in one file
    ]
    presence, incidents = prepare_file(store, feed(*events), "events.json")
    assert presence.records["uid"].tolist() == ["polisen-12"]
    assert presence.records["start"].iloc[0] == pd.Timestamp("2024-05-13T00:15Z")
    uids = incidents.records["uid"].tolist()
    assert uids[:3] == ["polisen-11", "polisen-13", "polisen-14"]
    hashed = [u for u in uids if u.startswith("polisen-h-")]
    assert len(hashed) == 2 and "polisen-None" not in uids
    assert {"polisen-15", "polisen-16"} <= set(uids) and len(uids) == 7
    times = dict(zip(incidents.records["uid"], incidents.records["time"], strict=True))
    assert times["polisen-13"] == pd.Timestamp("2024-01-07T17:05Z")  # the title's time
    assert times["polisen-14"] == pd.Timestamp("2025-03-01T08:30Z")
    assert times["polisen-16"] == pd.Timestamp("2024-05-13T04:10Z")  # published: no title time
    (bad,) = incidents.rejected.itertuples()
    assert (bad.row, bad.field, bad.value) == (11, "publicerad", "13/5 2024")
    assert "2024-1-7 18:39:31 +01:00" in bad.reason
    left = presence.left_out.set_index("row")["reason"].to_dict()
    assert left == {
        9: "gäller Växjö",
        10: "kommun saknas: varken plats eller rubrik anger kommunen",
        12: "samma händelse finns redan tidigare i filen",
    }
    notes = " ".join(presence.notes)
    assert "9 av 12 händelser gäller Älmhult" in notes
    assert "rubriken för 7 händelser och från publiceringstiden för 1" in notes
    assert "3 händelser togs inte med" in notes

    commit(store, presence, user="feed")
    commit(store, incidents, user="feed")
    again = prepare_file(store, feed(*events), "events.json")
    assert [r.accepted for r in again] == [0, 0] and [r.duplicates for r in again] == [1, 7]


def test_an_id_less_event_gets_the_same_id_in_every_snapshot(store):
    e = event(id=None)
    (_, first), (_, second) = (prepare_file(store, feed(x), "a.json") for x in (e, dict(e)))
    assert first.records["uid"].tolist() == second.records["uid"].tolist()


def test_the_real_feed_sample_keeps_only_almhult(store):
    data = shared_file("polisen-events-sample.json").read_bytes()
    events = json.loads(data)
    expected = [e for e in events if municipality_of(e) == "Älmhult"]
    presence, incidents = prepare_file(store, data, "events.json")
    assert presence.accepted + incidents.accepted == len(expected) > 0
    assert len(presence.left_out) == len(events) - len(expected)
    assert set(incidents.records["location_precision"]) == {"municipality"}
    commit(store, presence, user="feed")
    commit(store, incidents, user="feed")
    stored = store.query("incidents")
    assert stored["area_id"].isna().all()  # area-level: never assigned to a town or village
    assert sorted(stored["uid"]) == sorted(
        f"polisen-{e['id']}"
        for e in expected
        if e["type"] not in ("Trafikkontroll", "Kontroll person/fordon")
    )
    again = prepare_file(store, data, "events.json")
    assert sum(r.accepted for r in again) == 0


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
