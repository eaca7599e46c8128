"""Storage: one :class:`~geo.store.base.Store` interface, a GeoPackage backend now.

A PostGIS backend would implement the same protocol; pages only ever see ``Store``.
"""

from geo.store.base import Store, TimeRange
from geo.store.gpkg import GeoPackageStore

__all__ = ["GeoPackageStore", "Store", "TimeRange"]
