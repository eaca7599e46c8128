"""One settings object for paths, tiles, default radii and limits.

Values come from environment variables (``ALMHULT_*``) so a deployment configures the app
without code changes; pages receive a ``Settings`` and never read the environment themselves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


TRUE_WORDS = {"1", "true", "yes", "on", "ja"}


@dataclass(frozen=True)
class Settings:
    """Application settings.

    Attributes
    ----------
    store_path : the GeoPackage file (created on first start).
    store_url : a PostgreSQL connection string (``postgresql://host/db`` or
        ``service=NAME``; no password: libpq reads ``PGPASSWORD``, ``~/.pgpass`` or the
        service file). When set, the store is PostGIS, tables in ``store_schema``.
    snapshot : what the app holds in memory: ``fixes`` (every GPS fix), ``runs`` (the
        stored runs: far less memory, same area figures; tracks and spot follow-up then
        work on 250 m cells) or ``auto`` (runs above 5 million fixes).
    tile_url : XYZ tile template, or ``""`` for the no-tiles mode.
    tile_attribution : attribution HTML shown on the map.
    spot_radius_m : metres around a problem spot within which presence counts as follow-up.
    spot_follow_up_days : days after a spot was reported in which follow-up is looked for.
    dwell_minutes : minutes on site for a stay to count as a visit rather than a pass.
    max_fix_gap_minutes : a gap between GPS fixes longer than this adds no presence time.
    raw_points_max : above this many presence points the map shows hexagons, not points.
    upload_max_mb : refuse uploads larger than this.
    upload_max_rows, upload_max_features, upload_max_points : refuse uploads with more
        table rows, map features or GPX points (counted before the file is parsed).
    upload_cpu_seconds, upload_memory_mb : CPU time and memory of the worker process that
        reads one upload.
    accounts_path : the SQLite file of local accounts (argon2 hashes, roles).
    public_view : whether visitors who have not signed in see the public tier (else only
        the sign-in form).
    session_idle_minutes, session_max_hours : a session ends after this long unused, or
        this long after signing in.
    raw_track_days : GPS tracks older than this are reduced to area stays by
        ``python -m geo.retention`` (run it daily).
    session_secret : signs the session cookie (``ALMHULT_SESSION_SECRET``); when empty, a
        ``session_secret`` in ``.streamlit/secrets.toml`` or a key generated on first start
        beside the accounts file (``session.key``, mode 600) is used.
    public_url : the address people reach the app at (``ALMHULT_PUBLIC_URL``, e.g.
        ``https://karta.almhult.se/``): QR codes and links in handouts point there.
    municipality_code : the municipality served (four digits, SCB/Lantmäteriet code;
        ``0765`` Älmhult). A new store starts with its geography (``geo.geography``).
    """

    store_path: Path = field(default_factory=lambda: DATA_DIR / "almhult.gpkg")
    store_url: str = ""
    store_schema: str = "almhult"
    snapshot: str = "auto"
    tile_url: str = OSM_TILES
    tile_attribution: str = OSM_ATTRIBUTION
    spot_radius_m: float = 300.0
    spot_follow_up_days: int = 14
    dwell_minutes: float = 10.0
    max_fix_gap_minutes: float = 5.0
    raw_points_max: int = 3000
    upload_max_mb: int = 50
    upload_max_rows: int = 1_000_000
    upload_max_features: int = 100_000
    upload_max_points: int = 2_000_000
    upload_cpu_seconds: int = 120
    upload_memory_mb: int = 2048
    accounts_path: Path = field(default_factory=lambda: DATA_DIR / "accounts.db")
    public_view: bool = True
    session_idle_minutes: float = 30.0
    session_max_hours: float = 10.0
    raw_track_days: int = 90
    session_secret: str = field(default="", repr=False)
    public_url: str = ""
    municipality_code: str = "0765"

    @property
    def store(self) -> str:
        """Where the data lives: the PostgreSQL connection string, else the file path."""
        return self.store_url or str(self.store_path)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Build settings from ``ALMHULT_*`` environment variables over the defaults."""
        env = dict(os.environ if env is None else env)
        s = cls()
        overrides: dict[str, Any] = {}
        if "ALMHULT_STORE" in env:
            from geo.store import is_postgres

            where = env["ALMHULT_STORE"]
            overrides["store_url" if is_postgres(where) else "store_path"] = (
                where if is_postgres(where) else Path(where)
            )
        if "ALMHULT_STORE_SCHEMA" in env:
            overrides["store_schema"] = env["ALMHULT_STORE_SCHEMA"]
        if "ALMHULT_SNAPSHOT" in env:
            overrides["snapshot"] = env["ALMHULT_SNAPSHOT"].strip().lower()
        if "ALMHULT_TILE_URL" in env:
            overrides["tile_url"] = env["ALMHULT_TILE_URL"]
        if "ALMHULT_ACCOUNTS" in env:
            overrides["accounts_path"] = Path(env["ALMHULT_ACCOUNTS"])
        if "ALMHULT_PUBLIC_VIEW" in env:
            overrides["public_view"] = env["ALMHULT_PUBLIC_VIEW"].strip().lower() in TRUE_WORDS
        if "ALMHULT_SESSION_SECRET" in env:
            overrides["session_secret"] = env["ALMHULT_SESSION_SECRET"]
        if "ALMHULT_PUBLIC_URL" in env:
            overrides["public_url"] = env["ALMHULT_PUBLIC_URL"].strip()
        if "ALMHULT_MUNICIPALITY" in env:
            overrides["municipality_code"] = env["ALMHULT_MUNICIPALITY"].strip().zfill(4)
        if "ALMHULT_TILE_ATTRIBUTION" in env:
            overrides["tile_attribution"] = env["ALMHULT_TILE_ATTRIBUTION"]
        for name, cast in (
            ("spot_radius_m", float),
            ("spot_follow_up_days", int),
            ("dwell_minutes", float),
            ("raw_points_max", int),
            ("upload_max_mb", int),
            ("upload_max_rows", int),
            ("upload_max_features", int),
            ("upload_max_points", int),
            ("upload_cpu_seconds", int),
            ("upload_memory_mb", int),
            ("session_idle_minutes", float),
            ("session_max_hours", float),
            ("raw_track_days", int),
        ):
            key = "ALMHULT_" + name.upper()
            if key in env:
                overrides[name] = cast(env[key])
        return replace(s, **overrides)
