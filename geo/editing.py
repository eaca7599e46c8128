"""Writes on behalf of a signed-in person: the role decides which layers they may change.

Pages write through an :class:`Editor`, never the store directly, so a form shown by
mistake still cannot save outside the role (and every change carries the person's name
into the audit log).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.errors import GeoError
from geo.imports.base import ImportResult, commit
from geo.roles import Tier
from geo.store.base import Store


class NotAllowedError(GeoError):
    """The role may not change this layer."""


class Editor:
    """The store's writes for one person (``user``, written to the audit log) and tier."""

    def __init__(self, store: Store, user: str, tier: Tier) -> None:
        self.store = store
        self.user = user
        self.tier = tier

    def may_edit(self, layer: str) -> bool:
        return layer in self.tier.edit_layers

    def _check(self, layer: str) -> None:
        if not self.may_edit(layer):
            raise NotAllowedError(f"the {self.tier.role} role may not change {layer}")

    def add(self, layer: str, frame: pd.DataFrame | gpd.GeoDataFrame) -> list[str]:
        self._check(layer)
        return self.store.add(layer, frame, user=self.user)

    def update(
        self, layer: str, uid: str, changes: dict[str, object], *, expected_version: int
    ) -> None:
        self._check(layer)
        self.store.update(layer, uid, changes, expected_version=expected_version, user=self.user)

    def history(self, limit: int = 100) -> pd.DataFrame:
        """Audit entries this person may see: everything for roles that read the audit
        log, else only changes to the layers the role edits (no sign-ins or exports)."""
        log = self.store.audit_log(limit=limit if self.tier.read_audit else limit * 5)
        if not self.tier.read_audit:
            log = log[log["layer"].isin(self.tier.edit_layers)].head(limit)
        return log.reset_index(drop=True)

    def import_result(self, result: ImportResult) -> list[str]:
        """Commit a checked import (one transaction)."""
        self._check(result.layer)
        return commit(self.store, result, user=self.user)

    def undo(self, audit_id: int) -> None:
        """Undo a change from this person's :meth:`history` (see :meth:`Store.undo`)."""
        visible = self.history(limit=1000)
        layer = visible.loc[visible["id"] == int(audit_id), "layer"]
        if layer.empty:
            raise NotAllowedError(f"audit entry {audit_id} is not one you may undo")
        self._check(str(layer.iloc[0]))
        self.store.undo(int(audit_id), user=self.user)
