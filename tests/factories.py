"""Small explicit records for tests (EPSG:4326, Europe/Stockholm times)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

TOWN = (14.139, 56.551)  # Älmhult centre, lon/lat
DIO = (14.232, 56.646)  # SCB 2020 point of Diö tätort
LIATORP = (14.266, 56.663)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="Europe/Stockholm")


def presence(**overrides: object) -> gpd.GeoDataFrame:
    row: dict[str, object] = dict(
        kind="traffic_control",
        start=ts("2018-05-03 14:30"),
        end=ts("2018-05-03 15:30"),
        unit="Trafikgrupp",
        control_type="speed",
        vehicles_checked=40,
        violations=3,
        geometry=Point(*LIATORP),
    )
    row.update(overrides)
    return gpd.GeoDataFrame([row], crs="EPSG:4326")


def track(**overrides: object) -> gpd.GeoDataFrame:
    row: dict[str, object] = dict(
        kind="car_patrol",
        start=ts("2018-05-03 08:00"),
        end=ts("2018-05-03 09:00"),
        geometry=LineString([TOWN, DIO, LIATORP]),
    )
    row.update(overrides)
    return gpd.GeoDataFrame([row], crs="EPSG:4326")


def spot(**overrides: object) -> gpd.GeoDataFrame:
    row: dict[str, object] = dict(
        category="narcotics",
        description="Langning vid stationen",
        reported="2018-03-15",
        residents=5,
        status="new",
        geometry=Point(*TOWN),
    )
    row.update(overrides)
    return gpd.GeoDataFrame([row], crs="EPSG:4326")


def foot_patrol(start: str, end: str, at: tuple[float, float] = TOWN) -> gpd.GeoDataFrame:
    """A foot patrol standing at one point (lon, lat) from ``start`` to ``end`` (local)."""
    return presence(
        kind="foot_patrol",
        control_type=None,
        vehicles_checked=None,
        violations=None,
        geometry=Point(*at),
        start=ts(start),
        end=ts(end),
    )
