"""The one level a handout is built from: the public level of exact data."""

from __future__ import annotations

from geo.errors import GeoError
from geo.roles import PUBLIC_TIER
from geo.snapshot import Snapshot
from geo.tiers import public_view


class HandoutError(GeoError):
    """A handout cannot be made from what was given (see the message)."""


def public_source(snap: Snapshot) -> Snapshot:
    """The public level of ``snap``, the only level a handout is built from.

    The public level is computed from exact data (:func:`geo.tiers.public_view`); a snapshot
    already reduced to another coarse level (the municipality's weeks) cannot be turned into
    it, so it is refused rather than approximated: pages pass the public snapshot instead.
    """
    if snap.tier == PUBLIC_TIER or snap.tier.exact_presence:
        return public_view(snap)
    raise HandoutError(
        f"a handout is built from the public level of exact data, not from the "
        f"{snap.tier.role.value} level: pass the public snapshot"
    )
