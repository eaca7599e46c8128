"""Next week's patrol plan: from the gaps to stops, hours and routes, and planned
against done (police only: plans never reach a coarser tier).

- :mod:`~geo.plan.model` inputs (week, hours per kind, shifts), stops, tours, the document;
- :mod:`~geo.plan.effect` the gaps a week starts with and the figures it is judged by;
- :mod:`~geo.plan.stops` places and the needs the gaps make;
- :mod:`~geo.plan.allocate` hours per shift and stops placed into tours;
- :mod:`~geo.plan.route` driving order (nearest neighbour, 2-opt);
- :mod:`~geo.plan.replay` the plan as logged presence, to measure its effect;
- :mod:`~geo.plan.planner` :func:`make_plan`;
- :mod:`~geo.plan.adherence` planned against done;
- :mod:`~geo.plan.export` A4 page (HTML, PDF), GPX and CSV for the car.
"""

from geo.plan.model import Plan, PlanInputError, PlanRequest, Shift, default_shifts
from geo.plan.planner import make_plan

__all__ = ["Plan", "PlanInputError", "PlanRequest", "Shift", "default_shifts", "make_plan"]
