"""Meeting material on the public detail level: a standalone HTML handout, PDF and PNG.

Built only from the public level (:func:`geo.handout.source.public_source`: area × month,
whole hours, small counts suppressed, problem spots on a 500 m grid), never from patrol
points, tracks or times. The HTML inlines every asset (opens offline on any laptop and
prints from any browser); PDF and PNG are that same page printed by Debian's Chromium.
"""

from __future__ import annotations

from geo.handout import render
from geo.handout.document import (
    PAPER,
    HandoutSpec,
    handout_html,
    live_link,
    public_url_problem,
)
from geo.handout.render import CHROMIUM, CHROMIUM_ARGS, Printed, render_in_chromium
from geo.handout.source import HandoutError, public_source
from geo.i18n import Translate
from geo.snapshot import Snapshot

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "PAPER",
    "HandoutError",
    "HandoutSpec",
    "Printed",
    "handout_html",
    "live_link",
    "print_handout",
    "public_source",
    "public_url_problem",
    "render_in_chromium",
]


def print_handout(snap: Snapshot, spec: HandoutSpec, t: Translate, *, png: bool = True) -> Printed:
    """The handout printed to PDF (and, with ``png``, every page as one tall PNG) by the
    process's warm Chromium; :class:`HandoutError` when Chromium is missing or fails."""
    return render.chromium().print(handout_html(snap, spec, t), spec.paper, png)
