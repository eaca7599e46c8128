"""Shared fixtures: temporary stores (GeoPackage, and PostGIS in a throw-away cluster),
the demo year, the real files in ../shared/data."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.areas import builtin_areas
from geo.demo import DemoYear, build_demo_year, load_demo_year
from geo.store import GeoPackageStore, Store

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_file(name: str) -> Path:
    """A real reference file from ../shared/data; skip locally, fail in CI, when missing."""
    path = SHARED_DATA / name
    if not path.exists():
        message = f"{path} is missing: tests read real reference data from ../shared/data/"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def store(tmp_path: Path) -> GeoPackageStore:
    return GeoPackageStore(tmp_path / "test.gpkg")


@pytest.fixture(scope="session")
def demo_year() -> DemoYear:
    return build_demo_year(builtin_areas())


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> GeoPackageStore:
    """A store holding the demo year; tests must not write to it."""
    s = GeoPackageStore(tmp_path_factory.mktemp("demo") / "demo.gpkg")
    load_demo_year(s)
    return s


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostGIS database for the test run: ``ALMHULT_TEST_PG`` if set, else a throw-away
    cluster (tests/pgcluster.py). Missing PostgreSQL or PostGIS fails, saying what to
    install."""
    from tests.pgcluster import ClusterError, start_cluster

    given = os.environ.get("ALMHULT_TEST_PG")
    if given:
        yield given
        return
    try:
        cluster = start_cluster()
        conninfo = cluster.create_database("almhult_test")
    except ClusterError as exc:
        pytest.fail(f"PostGIS tests need a PostgreSQL server: {exc}")
    try:
        yield conninfo
    finally:
        cluster.stop()


@pytest.fixture
def pg_store(pg_database: str) -> Iterator[Store]:
    """An empty PostGIS store in a schema of its own, dropped afterwards."""
    import psycopg

    from geo.store.postgis import PostGISStore

    schema = "t_" + uuid.uuid4().hex[:12]
    store = PostGISStore(pg_database, schema=schema, pool_size=2)
    try:
        yield store
    finally:
        store.close()
        with psycopg.connect(pg_database, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["gpkg", "postgis"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """The same test against each backend: a new GeoPackage file, a new PostGIS schema."""
    if request.param == "gpkg":
        return GeoPackageStore(tmp_path / "test.gpkg")
    return request.getfixturevalue("pg_store")


def store_location(store: Store) -> tuple[str, str]:
    """What another process needs to open ``store``: location and PostGIS schema."""
    from geo.store.postgis import PostGISStore

    if isinstance(store, PostGISStore):
        return store.conninfo, store.schema
    return str(store.path), "-"  # type: ignore[attr-defined]
