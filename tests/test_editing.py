"""Writes per role: the Editor refuses layers outside the role and names the person."""

from __future__ import annotations

import pytest

from geo.editing import Editor, NotAllowedError
from geo.roles import TIERS, Role
from tests.factories import presence, spot


def test_municipality_edits_spots_but_not_presence(store) -> None:
    editor = Editor(store, "samordnare", TIERS[Role.MUNICIPALITY])
    (uid,) = editor.add("problem_spots", spot(description="Mörk gångtunnel"))
    assert store.audit_log(limit=1)["user"].tolist() == ["samordnare"]
    with pytest.raises(NotAllowedError, match="may not change presence"):
        editor.add("presence", presence())
    editor.update("problem_spots", uid, {"status": "done"}, expected_version=1)
    assert store.get("problem_spots", uid)["status"].tolist() == ["done"]


def test_council_may_change_nothing(store) -> None:
    editor = Editor(store, "ledamot", TIERS[Role.COUNCIL])
    assert not editor.may_edit("problem_spots")
    with pytest.raises(NotAllowedError):
        editor.add("problem_spots", spot())


def test_history_and_undo_stay_within_the_role(store) -> None:
    police = Editor(store, "planerare", TIERS[Role.POLICE])
    police.add("presence", presence())
    store.log_event("planerare", "sign_in", "planerare")
    coordinator = Editor(store, "samordnare", TIERS[Role.MUNICIPALITY])
    coordinator.add("problem_spots", spot())
    seen = coordinator.history()
    assert set(seen["layer"]) == {"problem_spots"}  # no patrols, no sign-ins
    assert set(police.history()["layer"]) == {"presence", "session", "problem_spots"}
    patrol_entry = int(police.history().query("layer == 'presence'")["id"].iloc[0])
    with pytest.raises(NotAllowedError):
        coordinator.undo(patrol_entry)
    coordinator.undo(int(seen["id"].iloc[0]))
    assert store.query("problem_spots").empty


def test_log_events_leave_the_data_version(store) -> None:
    before = store.data_version()
    store.log_event("planerare", "export", "almhult.gpkg", {"tier": "police", "bytes": 10})
    assert store.data_version() == before
    entry = store.audit_log(limit=1).iloc[0]
    assert (entry["action"], entry["layer"], entry["uid"]) == ("export", "session", "almhult.gpkg")
    assert '"bytes": "10"' in entry["after"]
