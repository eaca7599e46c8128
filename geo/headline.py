"""The overview's headline figures, for the whole municipality or for the chosen areas.

With no area chosen the headline answers the promise's question (the countryside's share of
presence hours against its share of residents). With areas chosen it answers the same
question for them: their share of all presence hours against their share of the residents,
and their presence per resident relative to the whole municipality. Every figure comes from
the per-area table at the viewer's tier (:func:`geo.coverage.presence_by_area` over every
area), so a coarse tier's headline is computed from what that tier may see.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.coverage import Balance, balance


@dataclass(frozen=True)
class Headline:
    """Shares in percent (0-100), hours in hours; NaN where a figure is unknown."""

    selection: tuple[str, ...] | None  # chosen area ids; None: the whole municipality
    names: tuple[str, ...]  # the chosen areas' names
    hours: float  # presence hours in the selection (the countryside without a selection)
    share_hours: float  # of all presence hours
    share_population: float  # of all residents (with a known population)
    ratio: float  # presence per resident: selection vs the rest (countryside vs town)

    @property
    def chosen(self) -> bool:
        return self.selection is not None


def headline(everywhere: pd.DataFrame, areas: tuple[str, ...] | None) -> Headline:
    """Headline figures from a per-area table over *every* area, for ``areas`` (None: the
    town-vs-countryside balance of the whole municipality)."""
    if not areas:
        b: Balance = balance(everywhere)
        return Headline(
            None,
            (),
            b.countryside_hours,
            b.countryside_share_hours,
            b.countryside_share_population,
            b.ratio,
        )
    chosen = everywhere["area_id"].isin(areas).to_numpy()
    hours = pd.to_numeric(everywhere["hours"], errors="coerce").fillna(0.0)
    population = pd.to_numeric(everywhere["population"], errors="coerce")
    known = population.notna().to_numpy()
    total_h = float(hours.sum())
    sel_h = float(hours[chosen].sum())
    total_pop = float(population[known].sum())
    sel_pop = float(population[chosen & known].sum())
    rest_h, rest_pop = float(hours[~chosen & known].sum()), total_pop - sel_pop
    share_h = 100 * sel_h / total_h if total_h else float("nan")
    share_pop = 100 * sel_pop / total_pop if total_pop and sel_pop else float("nan")
    per_sel = float(hours[chosen & known].sum()) / sel_pop if sel_pop else float("nan")
    per_rest = rest_h / rest_pop if rest_pop else float("nan")
    ratio = per_sel / per_rest if per_rest else float("nan")
    names = tuple(everywhere.loc[chosen, "name"].astype(str))
    return Headline(tuple(areas), names, sel_h, share_h, share_pop, ratio)
