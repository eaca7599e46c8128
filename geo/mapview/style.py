"""Colours and sizes shared by map layers and their legend (one place)."""

from __future__ import annotations

import numpy as np

# Share of days with presence in the period: five classes, light to dark (colour-blind safe).
COVERAGE_BREAKS = (0.0, 10.0, 25.0, 50.0, 75.0)
COVERAGE_COLOURS = ("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")
NO_PRESENCE = "#d73027"
OUTSIDE_SELECTION = "#d9d9d9"  # areas left out by the area filter: neither good nor a gap

HEX_COLOURS = ("#fff5eb", "#fdbe85", "#fd8d3c", "#d94701", "#8c2d04")

CATEGORY_COLOURS = {
    "narcotics": "#7b3294",
    "burglary": "#a6611a",
    "speeding": "#e66101",
    "heavy_traffic": "#404040",
    "unsafe_place": "#d01c8b",
    "vandalism": "#4dac26",
    "youth_disturbance": "#0571b0",
    "other": "#878787",
}
STATUS_OUTLINE = {
    "new": "#d73027",
    "acknowledged": "#fdae61",
    "action_planned": "#abd9e9",
    "done": "#1a9850",
}
CONTROL_COLOUR = "#1b7837"
TRACK_COLOURS = {
    "car_patrol": "#2166ac",
    "foot_patrol": "#762a83",
    "other": "#4d4d4d",
    "traffic_control": CONTROL_COLOUR,
}
ROAD_CONTROLLED = "#1a9850"
ROAD_UNCONTROLLED = "#d73027"


def coverage_colour(percent: float) -> str:
    """Fill colour for a share of days with presence (0-100 %)."""
    cls = int(np.searchsorted(COVERAGE_BREAKS, percent, side="right")) - 1
    return COVERAGE_COLOURS[max(cls, 0)]


def quantile_colours(values: np.ndarray, palette: tuple[str, ...]) -> list[str]:
    """Colour each value by its quantile class within ``values``."""
    if values.size == 0:
        return []
    edges = np.quantile(values, np.linspace(0, 1, len(palette) + 1)[1:-1])
    return [palette[i] for i in np.searchsorted(edges, values, side="right")]


def road_weight(heavy_per_day: float | None) -> float:
    """Line width in pixels from heavy vehicles per day."""
    if heavy_per_day is None or np.isnan(heavy_per_day):
        return 3.0
    return float(np.clip(2 + np.sqrt(heavy_per_day) / 5, 3, 10))


def control_radius(vehicles_checked: float | None) -> float:
    """Marker radius in pixels from vehicles checked."""
    v = 0.0 if vehicles_checked is None or np.isnan(vehicles_checked) else vehicles_checked
    return float(np.clip(3 + np.sqrt(v), 4, 14))


def spot_marker(category: str, status: str) -> dict[str, object]:
    """A problem spot's circle: filled by category, outlined by status."""
    return {
        "radius": 7,
        "weight": 3,
        "fillOpacity": 0.9,
        "fillColor": CATEGORY_COLOURS[category],
        "color": STATUS_OUTLINE[status],
    }
