"""Detail levels. The public level (meeting material, council): presence aggregated to
areas by month, whole hours, no time of day, counts below 3 suppressed, no raw patrol
points or tracks; problem spots snapped to a coarse grid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo.coverage import CoverageParams, presence_by_area
from geo.crs import to_sweref, to_wgs84
from geo.filters import Filters, custom_period
from geo.snapshot import Snapshot

SUPPRESS_BELOW = 3
SPOT_GRID_M = 500.0


def public_area_months(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    """Area × month: whole presence hours and visits; visits and controls below 3 are
    suppressed (None). Months are calendar months overlapping the period."""
    start = filters.period.start.tz_convert("Europe/Stockholm")
    end = (filters.period.end - pd.Timedelta(seconds=1)).tz_convert("Europe/Stockholm")
    rows = []
    for month in pd.period_range(start.strftime("%Y-%m"), end.strftime("%Y-%m"), freq="M"):
        f = Filters(
            custom_period(month.start_time.date(), month.end_time.date()), areas=filters.areas
        )
        table = presence_by_area(snap, f, CoverageParams())
        for r in table.itertuples():
            rows.append(
                {
                    "area_id": r.area_id,
                    "name": r.name,
                    "kind": r.kind,
                    "month": str(month),
                    "hours": int(round(r.hours)),
                    "visits": r.visits if r.visits >= SUPPRESS_BELOW else None,
                    "controls": r.controls if r.controls >= SUPPRESS_BELOW else None,
                }
            )
    return pd.DataFrame(rows)


def generalise_points(geoms: np.ndarray, cell_m: float = SPOT_GRID_M) -> np.ndarray:
    """Points (EPSG:4326) moved to the centre of their ``cell_m`` grid cell (EPSG:3006)."""
    x, y = to_sweref(shapely.get_x(geoms), shapely.get_y(geoms))
    cx = (np.floor(np.asarray(x) / cell_m) + 0.5) * cell_m
    cy = (np.floor(np.asarray(y) / cell_m) + 0.5) * cell_m
    lon, lat = to_wgs84(cx, cy)
    return shapely.points(np.round(lon, 5), np.round(lat, 5))
