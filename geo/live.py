"""Keeping a snapshot current: apply the store's change feed instead of reloading.

One :class:`LiveSnapshot` per store and app server holds the latest police-tier
:class:`~geo.snapshot.Snapshot`. Asked for a newer data version it reads only what the
feed says changed since its own (:meth:`Store.changes_since`): the changed records, and
for presence their fixes (or runs), and patches copies of the frames and arrays —
readers of the previous snapshot are never disturbed. So the page after an edit costs
about what a filter change costs, in every process that shares the store; areas
replaced, retention or a long absence make it reload everything.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import fields, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.model import SCHEMAS
from geo.snapshot import SUMMARY_TRACK_M, Snapshot, load_fixes, load_snapshot, patch_fixes
from geo.store.base import Store
from geo.store.common import Changes
from geo.store.reads import simplified

# Snapshot fields holding one record layer each (every stored layer the snapshot keeps).
RECORD_FIELDS = tuple(f.name for f in fields(Snapshot) if f.name in SCHEMAS)


def patch_records(
    frame: pd.DataFrame, fresh: pd.DataFrame, changed: frozenset[str]
) -> pd.DataFrame:
    """``frame`` with the ``changed`` uids replaced by their ``fresh`` rows (missing:
    deleted); kept and updated records stay where they were, new ones come last."""
    position = pd.Series(np.arange(len(frame)), index=frame["uid"].to_numpy())
    kept = frame[~frame["uid"].isin(changed)]
    known = fresh["uid"].isin(position.index)
    order = np.r_[
        np.flatnonzero(~frame["uid"].isin(changed)),
        position.reindex(fresh["uid"]).to_numpy(dtype=float),
    ]
    order[len(kept) :][~known.to_numpy()] = len(frame) + np.arange(int((~known).sum()))
    parts = [f for f in (kept, fresh) if len(f)] or [frame.iloc[:0]]
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].copy()
    out = out.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
    if len(kept):  # concat widens a column that is all null on one side to object
        for column in frame.columns:
            if out[column].dtype != frame[column].dtype and column != "geometry":
                with contextlib.suppress(TypeError, ValueError):
                    out[column] = out[column].astype(frame[column].dtype)
    if isinstance(frame, gpd.GeoDataFrame):
        return gpd.GeoDataFrame(out, geometry=frame.geometry.name, crs=frame.crs)
    return out


def apply_changes(
    snap: Snapshot, store: Store, changes: Changes, max_gap_minutes: float
) -> Snapshot:
    """A new snapshot: ``snap`` with the records of ``changes`` read again."""
    updates: dict[str, object] = {"version": changes.version}
    for layer, uids in changes.layers.items():
        if layer not in RECORD_FIELDS or not uids:
            continue
        fresh = store.records(layer, sorted(uids))
        if layer == "presence" and snap.fixes.summary:  # as load_snapshot keeps them
            fresh = simplified(gpd.GeoDataFrame(fresh), SUMMARY_TRACK_M)
        updates[layer] = patch_records(getattr(snap, layer), fresh, uids)
        if layer == "presence":
            present = fresh["uid"].tolist()
            added = load_fixes(
                store,
                gpd.GeoDataFrame(fresh),
                snap.area_ids,
                max_gap_minutes,
                summary=snap.fixes.summary,
                uids=present,
            )
            updates["fixes"] = patch_fixes(snap.fixes, set(uids), added)
    return replace(snap, **updates)  # type: ignore[arg-type]


SUMMARY_ABOVE = 5_000_000  # fixes: above this, ``auto`` keeps runs rather than fixes


def wants_summary(store: Store, mode: str = "auto") -> bool:
    """Whether to keep runs (``mode`` ``runs``, or ``auto`` on a large store) rather
    than every fix (``fixes``) in memory."""
    if mode not in ("auto", "fixes", "runs"):
        raise ValueError(f"snapshot mode {mode!r}: use auto, fixes or runs")
    return mode == "runs" or (mode == "auto" and store.fix_count() > SUMMARY_ABOVE)


class LiveSnapshot:
    """The current police-tier snapshot of ``store`` (see module docstring); thread-safe.

    ``summary``: keep runs rather than fixes (:func:`geo.snapshot.load_snapshot`).
    """

    def __init__(self, store: Store, max_gap_minutes: float = 5.0, *, summary: bool = False):
        self.store = store
        self.max_gap_minutes = max_gap_minutes
        self.summary = summary
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()
        self.reloads = 0  # full loads so far (for tests and benchmarks)
        self.patches = 0

    def at(self, version: int) -> Snapshot:
        """A snapshot of data version ``version`` or newer."""
        with self._lock:
            snap = self._snap
            if snap is not None and snap.version >= version:
                return snap
            changes = None if snap is None else self.store.changes_since(snap.version)
            if snap is None or changes is None or changes.reload:
                snap = load_snapshot(self.store, self.max_gap_minutes, summary=self.summary)
                self.reloads += 1
            else:
                snap = apply_changes(snap, self.store, changes, self.max_gap_minutes)
                self.patches += 1
            self._snap = snap
            return snap
