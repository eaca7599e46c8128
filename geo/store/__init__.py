"""Storage: one :class:`~geo.store.base.Store` interface and two backends.

The embedded default is a GeoPackage file (:class:`GeoPackageStore`); a PostGIS database
(:class:`~geo.store.postgis.PostGISStore`) serves several app servers and years of data.
Pages only ever see ``Store``; :func:`open_store` picks the backend from the store setting.
"""

from __future__ import annotations

from pathlib import Path

from geo.store.base import Store, TimeRange
from geo.store.common import Changes
from geo.store.gpkg import GeoPackageStore


def is_postgres(location: str | Path) -> bool:
    """Whether a store setting names a PostgreSQL database (``postgresql://…``,
    ``service=NAME``, ``host=… dbname=…``) rather than a GeoPackage file."""
    text = str(location).strip()
    if text.startswith(("postgresql://", "postgres://")):
        return True
    return "=" in text and text.split("=", 1)[0].strip() in {"service", "host", "dbname"}


def open_store(location: str | Path, *, schema: str = "almhult") -> Store:
    """The store a setting names: PostGIS for a connection string (tables in ``schema``),
    else the GeoPackage file at that path (created when missing)."""
    if is_postgres(location):
        from geo.store.postgis import PostGISStore  # psycopg is loaded only when used

        return PostGISStore(str(location), schema=schema)
    return GeoPackageStore(location)


__all__ = ["Changes", "GeoPackageStore", "Store", "TimeRange", "is_postgres", "open_store"]
