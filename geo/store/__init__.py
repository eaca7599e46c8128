"""Storage: one :class:`~geo.store.base.Store` interface and two backends.

The embedded default is a GeoPackage file (:class:`GeoPackageStore`); a PostGIS database
(:class:`~geo.store.postgis.PostGISStore`) serves several app servers and years of data.
Pages only ever see ``Store``; :func:`open_store` picks the backend from the store setting.
"""

from geo.store.base import Store, TimeRange
from geo.store.common import Changes
from geo.store.gpkg import GeoPackageStore

__all__ = ["Changes", "GeoPackageStore", "Store", "TimeRange"]
