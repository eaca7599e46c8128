"""The change log for people: who did what, when (local time), in words.

"Problemplats 'Belysning vid stationen' fick status Åtgärd planerad" instead of the stored
``update problem_spots demo-s-001 {"status": ...}``. Record names come from the viewer's
snapshot (or, for deleted records, from the values the log kept).
"""

from __future__ import annotations

import json

import pandas as pd

from geo.i18n import Translate
from geo.roles import TimeUnit
from geo.snapshot import Snapshot
from geo.timeunits import label

# What an audit action did, in words (catalogue keys ``audit_<action>``).
AUDIT_ACTIONS = (
    "add",
    "update",
    "delete",
    "sign_in",
    "sign_in_refused",
    "sign_out",
    "session_expired",
    "export",
    "replace_areas",
    "reduce",
)
_NAME_FIELDS = {
    "problem_spots": ("description",),
    "dialogues": ("date", "place"),
    "activities": ("date", "kind"),
    "presence": ("kind", "start"),
    "promises": ("year",),
}


def record_names(snap: Snapshot, t: Translate) -> dict[tuple[str, str], str]:
    """A short name per record (layer, uid) for the change log: a spot's description, a
    dialogue's date and place, an activity's date and kind, a patrol's kind and start."""
    names: dict[tuple[str, str], str] = {}
    for layer in _NAME_FIELDS:
        frame = getattr(snap, layer, None)
        if frame is None or frame.empty or "uid" not in frame.columns:
            continue
        for record in frame.to_dict("records"):
            names[(layer, str(record["uid"]))] = _record_name(layer, record, t)
    return names


def _record_name(layer: str, record: dict[str, object], t: Translate) -> str:
    parts = []
    for field in _NAME_FIELDS.get(layer, ()):
        value = record.get(field)
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            continue
        if layer == "presence" and field == "kind":
            value = _word(t, "kind_" + str(value))
        elif isinstance(value, pd.Timestamp):
            value = label(value, TimeUnit.EXACT)
        parts.append(str(value))
    text = " ".join(parts)
    return text if len(text) <= 60 else text[:59] + "…"


def _word(t: Translate, key: str) -> str:
    try:
        return t(key)
    except KeyError:
        return key.split("_", 1)[-1]


def describe_change(
    entry: dict[str, object], names: dict[tuple[str, str], str], t: Translate
) -> str:
    """One audit entry in words: "Problemplats 'Belysning vid stationen' fick status
    Åtgärd planerad", "Problemplats 'Mörk gångväg' registrerades", "Loggade in"."""
    action, layer, uid = str(entry["action"]), str(entry["layer"]), str(entry["uid"])
    before, after = _json(entry.get("before")), _json(entry.get("after"))
    if action in ("sign_in", "sign_in_refused", "sign_out", "session_expired", "replace_areas"):
        return _word(t, "audit_" + action)
    if action == "export":
        return t("audit_export", file=uid)
    name = names.get((layer, uid)) or (_record_name(layer, before, t) if before else "")
    thing = _word(t, "record_" + layer) + (f" '{name}'" if name else "")
    if action == "add":
        return t("audit_add", thing=thing)
    if action == "delete":
        return t("audit_delete", thing=thing)
    if action == "reduce":
        return t("audit_reduce", thing=thing)
    if action == "update":
        changes = []
        for field, value in after.items():
            if field == "status":
                changes.append(t("audit_status", status=_word(t, "status_" + str(value))))
            elif field == "geometry":
                changes.append(t("audit_moved"))
            elif before.get(field) != value:
                changes.append(t("audit_field", field=_word(t, "col_" + field).lower()))
        if not changes:
            return t("audit_saved_unchanged", thing=thing)
        return t("audit_update", thing=thing, changes=t("and_join").join(changes))
    return t("audit_other", thing=thing)


def _json(text: object) -> dict[str, object]:
    if not isinstance(text, str) or not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def local_time_text(ts_utc: object) -> str:
    """An audit time (UTC text) as local time, to the minute."""
    stamp = pd.to_datetime(ts_utc, utc=True, errors="coerce")
    return "–" if pd.isna(stamp) else label(stamp, TimeUnit.EXACT)


def audit_table(
    log: pd.DataFrame,
    t: Translate,
    names: dict[tuple[str, str], str],
    actions: list[str] | None = None,
    user: str | None = None,
) -> pd.DataFrame:
    """Audit entries (newest first) for people: when (local time), who, what in words;
    optionally only some actions or one user. ``log`` is what the viewer may see (a
    coarse tier's log is reduced before it gets here)."""
    rows = log
    if actions:
        rows = rows[rows["action"].isin(actions)]
    if user:
        rows = rows[rows["user"].astype(str).str.contains(user, case=False, regex=False)]
    records = rows.to_dict("records")
    return pd.DataFrame(
        {
            t("col_when"): [local_time_text(r["ts_utc"]) for r in records],
            t("col_who"): [str(r["user"]) for r in records],
            t("col_what"): [describe_change(r, names, t) for r in records],
        }
    )
