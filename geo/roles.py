"""Roles and the detail level (tier) each one sees.

Patrol positions and times are operationally sensitive (domain.md, "Sensitive data"), so
every role gets a :class:`Tier` and :func:`geo.tiers.view_for` turns the data snapshot into
that tier before any page or export sees it.

- ``police`` (planner): exact points, tracks and times; edits presence and everything else.
- ``municipality`` (coordinator): presence per area and week, no time of day; exact problem
  spots, dialogues and activities, which it may edit.
- ``council`` (and unsigned visitors, the public): presence per area and month, at least two
  weeks old, counts below 3 suppressed, problem spots on a 500 m grid, no free text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pandas as pd


class Role(StrEnum):
    POLICE = "police"
    MUNICIPALITY = "municipality"
    COUNCIL = "council"


class TimeUnit(StrEnum):
    EXACT = "exact"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class Tier:
    """What one role may see and do.

    Attributes
    ----------
    role : the role this tier belongs to.
    time_unit : presence times are floored to this unit (local time, weeks start Monday).
    exact_presence : patrol points, tracks and control positions are kept; otherwise every
        presence position becomes its area's representative point.
    delay_days : presence is shown only for units that ended at least this many days ago.
    suppress_below : counts (visits, passes, controls) below this are withheld (0: none).
    spot_grid_m : problem spots snapped to the centre of this grid (EPSG:3006 metres).
    free_text : descriptions, notes, units and organiser names are kept.
    edit_layers : layers this role may add to and change.
    raw_export : may download the selected records as GeoPackage/GeoJSON/CSV.
    read_audit : may read the audit log.
    adjust_rules : may change the follow-up radius and window (needs exact positions).
    """

    role: Role
    time_unit: TimeUnit
    exact_presence: bool
    delay_days: int
    suppress_below: int
    spot_grid_m: float | None
    free_text: bool
    edit_layers: frozenset[str]
    raw_export: bool
    read_audit: bool
    adjust_rules: bool

    @property
    def can_edit(self) -> bool:
        return bool(self.edit_layers)


TIERS: dict[Role, Tier] = {
    Role.POLICE: Tier(
        Role.POLICE,
        TimeUnit.EXACT,
        exact_presence=True,
        delay_days=0,
        suppress_below=0,
        spot_grid_m=None,
        free_text=True,
        edit_layers=frozenset(
            {
                "presence",
                "problem_spots",
                "dialogues",
                "activities",
                "promises",
                "incidents",
                "plans",
            }
        ),
        raw_export=True,
        read_audit=True,
        adjust_rules=True,
    ),
    Role.MUNICIPALITY: Tier(
        Role.MUNICIPALITY,
        TimeUnit.WEEK,
        exact_presence=False,
        delay_days=0,
        suppress_below=0,
        spot_grid_m=None,
        free_text=True,
        edit_layers=frozenset({"problem_spots", "dialogues", "activities", "promises"}),
        raw_export=True,
        read_audit=False,
        adjust_rules=False,
    ),
    Role.COUNCIL: Tier(
        Role.COUNCIL,
        TimeUnit.MONTH,
        exact_presence=False,
        delay_days=14,
        suppress_below=3,
        spot_grid_m=500.0,
        free_text=False,
        edit_layers=frozenset(),
        raw_export=False,
        read_audit=False,
        adjust_rules=False,
    ),
}

PUBLIC_TIER = TIERS[Role.COUNCIL]
POLICE_TIER = TIERS[Role.POLICE]


def tier_for(role: Role | str | None) -> Tier:
    """The tier of ``role``; unknown or no role gets the public tier."""
    try:
        return TIERS[Role(role)] if role else PUBLIC_TIER
    except ValueError:
        return PUBLIC_TIER


def suppress(values: pd.Series, tier: Tier) -> pd.Series:
    """Counts below the tier's threshold withheld (``<NA>``); zero stays zero, because
    "no presence at all" is exactly what the promise check must show."""
    if not tier.suppress_below:
        return values
    out = pd.array(values, dtype="Int64")
    hide = (out > 0) & (out < tier.suppress_below)
    out[hide.fillna(False).to_numpy(dtype=bool)] = pd.NA
    return pd.Series(out, index=values.index, name=values.name)
