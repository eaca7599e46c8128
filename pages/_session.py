"""Per-session wiring shared by the pages: store, snapshot, translator, filters.

Only Streamlit glue lives here (caching and session state); every computation is in geo/.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from geo.config import Settings
from geo.coverage import CoverageParams
from geo.demo import load_if_empty
from geo.filters import Filters
from geo.i18n import Translate, translator
from geo.snapshot import Snapshot, load_snapshot
from geo.store import GeoPackageStore


@dataclass(frozen=True)
class Context:
    """What a page needs: settings, store, the data snapshot, filters and texts."""

    settings: Settings
    store: GeoPackageStore
    snap: Snapshot
    filters: Filters
    params: CoverageParams
    t: Translate
    lang: str
    show_tiles: bool = True

    @property
    def map_settings(self) -> Settings:
        """Settings for the map: without tiles when the user switched them off."""
        return self.settings if self.show_tiles else replace(self.settings, tile_url="")


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return Settings.from_env()


@st.cache_resource(show_spinner="Förbereder databasen och demoåret …")
def store(path: str) -> GeoPackageStore:
    """One store per file for the whole server; fills the demo year on first start."""
    s = GeoPackageStore(path)
    load_if_empty(s)
    return s


@st.cache_resource(max_entries=2, show_spinner=False)
def snapshot(path: str, version: int, max_gap_minutes: float) -> Snapshot:
    """The columnar snapshot of one data version (shared, read-only)."""
    del version  # part of the cache key only
    return load_snapshot(store(path), max_gap_minutes)


def current_context() -> Context:
    """The context the entry script put in the session for this run."""
    return st.session_state["_context"]


def language() -> str:
    return st.session_state.get("lang", "sv")


def tr() -> Translate:
    return translator(language())
