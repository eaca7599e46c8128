"""Shared fixtures: temporary stores, the demo year, the real files in ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from geo.areas import builtin_areas
from geo.demo import DemoYear, build_demo_year, load_demo_year
from geo.store import GeoPackageStore

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
