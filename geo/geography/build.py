"""Build the committed ``data/`` geography files from the open data, byte for byte.

``python -m geo.geography`` calls :func:`write_all`; the tests call :func:`build_files` and
compare its texts with the committed files, so a hand-edited file is caught.
"""

from __future__ import annotations

from pathlib import Path

from geo.config import DATA_DIR
from geo.geography import almhult
from geo.geography.shapes import feature_collection, write_text
from geo.geography.sources import SOURCE_DIR, read_sources


def build_files(source_dir: Path = SOURCE_DIR) -> dict[str, str]:
    """File name (relative to ``data/``) -> GeoJSON text, for Älmhult's geography."""
    src = read_sources(source_dir)
    return {
        "municipality.geojson": feature_collection(
            almhult.municipality_features(src), "municipality"
        ),
        "areas.geojson": feature_collection(almhult.area_features(src), "areas"),
        "roads.geojson": feature_collection(almhult.road_features(src), "roads"),
    }


def write_all(data_dir: Path = DATA_DIR, source_dir: Path = SOURCE_DIR) -> list[Path]:
    """Write every built file under ``data_dir``; return the paths written."""
    written = []
    for name, text in build_files(source_dir).items():
        path = data_dir / name
        write_text(path, text)
        written.append(path)
    return written
