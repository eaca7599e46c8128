"""The storage interface every backend implements (GeoPackage and PostGIS)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    from geo.areas import AreaIndex
    from geo.store.common import Changes


@dataclass(frozen=True)
class TimeRange:
    """A half-open period ``[start, end)`` of tz-aware timestamps (UTC or any zone)."""

    start: pd.Timestamp
    end: pd.Timestamp

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("TimeRange needs timezone-aware timestamps")
        if self.end < self.start:
            raise ValueError(f"TimeRange ends ({self.end}) before it starts ({self.start})")


class Store(Protocol):
    """Records of every layer in :data:`geo.model.SCHEMAS`, plus areas and presence fixes.

    Every write is validated, assigned to areas, serialised against other writers and
    committed as one transaction; every write bumps :meth:`data_version` and is audited.
    """

    def add(
        self,
        layer: str,
        records: pd.DataFrame,
        *,
        user: str = "system",
        vertex_times: dict[str, np.ndarray] | None = None,
        validated: bool = False,
    ) -> list[str]:
        """Validate and insert records; return their uids. All or nothing.

        ``vertex_times``: per-vertex UTC epoch seconds of GPS tracks, by uid;
        ``validated``: the rows came from :func:`geo.model.validate` (an import's accepted
        rows) and only their positions are checked again.
        """
        ...

    def update(
        self,
        layer: str,
        uid: str,
        changes: dict[str, object],
        *,
        expected_version: int,
        user: str = "system",
    ) -> int:
        """Apply ``changes`` to one record if it is still at ``expected_version``."""
        ...

    def delete(self, layer: str, uids: list[str], *, user: str = "system") -> None:
        """Delete records by uid. All or nothing."""
        ...

    def query(
        self,
        layer: str,
        *,
        period: TimeRange | None = None,
        areas: list[str] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        simplify_m: float | None = None,
    ) -> gpd.GeoDataFrame | pd.DataFrame:
        """Records of ``layer`` overlapping ``period``, in ``areas``, intersecting ``bbox``;
        with ``simplify_m`` lines are simplified to within about that many metres (read a
        slice at a time, so many long GPS tracks never sit in memory whole)."""
        ...

    def get(self, layer: str, uid: str) -> gpd.GeoDataFrame | pd.DataFrame:
        """One record by uid (``NotFoundError`` if missing)."""
        ...

    def existing(self, layer: str, uids: list[str]) -> set[str]:
        """Which of ``uids`` are stored already (duplicate detection on import)."""
        ...

    def undo(self, audit_id: int, *, user: str = "system") -> None:
        """Undo one audited add, update or delete unless the record changed after it."""
        ...

    def fixes(self, period: TimeRange | None = None) -> pd.DataFrame:
        """Presence fixes (lon, lat, t UTC, kind, area_id, presence_uid) in ``period``."""
        ...

    def records(self, layer: str, uids: list[str]) -> gpd.GeoDataFrame | pd.DataFrame:
        """The stored records among ``uids`` (missing ones were deleted)."""
        ...

    def fixes_of(self, uids: list[str]) -> pd.DataFrame:
        """The fixes of presence records ``uids``, by record in sequence order."""
        ...

    def runs(self, uids: list[str] | None = None) -> pd.DataFrame:
        """Presence runs (:mod:`geo.sums`) of ``uids`` or of every record."""
        ...

    def fix_count(self) -> int:
        """About how many fixes are stored (cheap: from the sums)."""
        ...

    def sums(self) -> pd.DataFrame:
        """Per area, local day and kind: seconds, fixes, visits and passes."""
        ...

    def changes_since(self, version: int) -> Changes:
        """Which records changed after data version ``version`` (the change feed)."""
        ...

    def reduce_tracks(
        self, ended_before: pd.Timestamp, anchors: dict[str, tuple[float, float]], *, user: str
    ) -> int:
        """Retention: old GPS tracks keep only their stays per area (see geo.retention)."""
        ...

    def area_index(self) -> AreaIndex:
        """An index assigning points to the stored areas."""
        ...

    def areas(self) -> gpd.GeoDataFrame:
        """The areas (EPSG:4326) in assignment priority order."""
        ...

    def municipality(self) -> BaseGeometry:
        """The municipality outline (EPSG:4326)."""
        ...

    def replace_areas(
        self, areas: gpd.GeoDataFrame, municipality: BaseGeometry, *, user: str = "system"
    ) -> None:
        """Replace the areas and outline, and reassign every stored record to them."""
        ...

    def close(self) -> None:
        """Release this process's connections (the store stays usable by others)."""
        ...

    # Geography replacement (issue 10): one audited transaction, undoable.
    def municipality_name(self) -> str:
        """The stored municipality's name."""
        ...

    def replace_geography(
        self,
        areas: gpd.GeoDataFrame,
        municipality: BaseGeometry,
        *,
        roads: gpd.GeoDataFrame | None = None,
        name: str | None = None,
        what: str = "areas",
        user: str = "system",
    ) -> int:
        """Replace areas, outline (and roads if given) and reassign every record in one
        transaction, keeping the old state in the audit log; return the entry's id."""
        ...

    def geography_before(self, audit_id: int) -> dict[str, object]:
        """What a geography replacement replaced (refused if a later change stands)."""
        ...

    def undo_geography(self, audit_id: int, *, user: str = "system") -> int:
        """Restore what a geography replacement replaced; return the new entry's id."""
        ...

    def data_version(self) -> int:
        """A number that grows with every committed write (a cache key)."""
        ...

    def log_event(
        self, user: str, action: str, subject: str, detail: dict[str, object] | None = None
    ) -> None:
        """Audit a sign-in or export (changes no data, so the data version stays)."""
        ...

    def audit_log(self, limit: int = 200) -> pd.DataFrame:
        """The newest audit entries: who changed what, when."""
        ...
