"""Plans in the store: one record per ISO week in layer ``plans`` (week, seed and the
plan as a JSON document), written through the ordinary add/update path, so it has a
version (an edit of a plan someone else saved meanwhile is refused) and an audit entry.
"""

from __future__ import annotations

import json

import pandas as pd

from geo.editing import Editor
from geo.i18n import Translate
from geo.plan.model import Plan, week_words

LAYER = "plans"


def plan_uid(week: str) -> str:
    """The record id of a week's plan: one plan per week, saving again replaces it."""
    return f"plan-{week}"


def plan_record(plan: Plan) -> pd.DataFrame:
    """The plan as one ``plans`` record."""
    return pd.DataFrame(
        [
            {
                "uid": plan_uid(plan.request.week),
                "week": plan.request.week,
                "seed": int(plan.request.seed),
                "document": json.dumps(plan.to_dict(), ensure_ascii=False),
            }
        ]
    )


def save_plan(editor: Editor, plan: Plan, stored: pd.DataFrame) -> int:
    """Add the week's plan, or replace the stored one if it is still the version read in
    ``stored`` (the snapshot's ``plans``); returns the version written.

    Raises :class:`geo.errors.ConflictError` when someone saved the week's plan since,
    :class:`geo.editing.NotAllowedError` for a role that may not save plans.
    """
    row = plan_record(plan)
    uid = str(row["uid"].iloc[0])
    same = stored[stored["uid"] == uid] if len(stored) else stored
    if len(same) == 0:
        editor.add(LAYER, row)
        return 1
    version = int(same["version"].iloc[0])
    editor.update(
        LAYER,
        uid,
        {"seed": int(row["seed"].iloc[0]), "document": row["document"].iloc[0]},
        expected_version=version,
    )
    return version + 1


def saved_view(stored: pd.DataFrame, t: Translate) -> pd.DataFrame:
    """The stored plans for people: week (in the reader's words), seed, version and who
    saved it, in week order."""
    saved = stored[["week", "seed", "version", "updated_by"]].sort_values("week")
    saved["week"] = [week_words(w, t) for w in saved["week"]]
    return saved.rename(
        columns={
            "week": t("plan_col_week"),
            "seed": t("plan_seed"),
            "version": t("plan_col_version"),
            "updated_by": t("plan_col_saved_by"),
        }
    )
