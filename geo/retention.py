"""Retention of raw GPS tracks: after ``raw_track_days`` (default 90) a track keeps only
its stays per area (see :meth:`geo.store.base.Store.reduce_tracks`).

Run daily, e.g. from cron: ``python -m geo.retention`` (``--days`` overrides the setting
). Area hours and visits are unchanged by the reduction; routes,
exact positions and spot follow-up on the old tracks are gone (the follow-up then measures
from the area's point).
"""

from __future__ import annotations

import argparse

import pandas as pd

from geo.config import Settings
from geo.store import Store, open_store


def area_anchors(store: Store) -> dict[str, tuple[float, float]]:
    """Each area's representative point (lon, lat, EPSG:4326, 5 decimals)."""
    areas = store.areas()
    points = areas.geometry.representative_point()
    return {
        a: (round(float(x), 5), round(float(y), 5))
        for a, x, y in zip(areas["id"], points.x, points.y, strict=True)
    }


def apply_retention(store: Store, days: int, now: pd.Timestamp) -> int:
    """Reduce every track that ended more than ``days`` before ``now``; returns the count."""
    return store.reduce_tracks(now - pd.Timedelta(days=days), area_anchors(store), user="retention")


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m geo.retention", description=__doc__)
    parser.add_argument("--days", type=int, default=settings.raw_track_days)
    parser.add_argument("--store", default=settings.store, help="file or PostgreSQL")
    args = parser.parse_args(argv)
    store = open_store(args.store, schema=settings.store_schema)
    n = apply_retention(store, args.days, pd.Timestamp.now(tz="UTC"))
    print(f"reduced {n} tracks older than {args.days} days")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
