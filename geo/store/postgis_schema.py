"""The PostGIS schema: the same tables as the GeoPackage, typed for PostgreSQL.

One schema (``almhult`` by default) holds every table, so QGIS lists the layers of one
connection directly: record layers with ``geometry(…, 4326)`` columns and GiST indexes,
``presence_fixes`` with a point geometry generated from lon/lat, ``presence_runs``,
``presence_sums``, ``areas``, ``municipality``, ``audit``, ``changes`` and ``meta``.
Times of records are ``timestamptz`` (UTC), dates ``date``; ``t`` of fixes is UTC epoch
seconds as in the GeoPackage.
"""

from __future__ import annotations

from geo.model import SCHEMAS
from geo.store.common import quote

_PG_TYPES = {
    "text": "text",
    "enum": "text",
    "date": "date",
    "datetime": "timestamptz",
    "int": "bigint",
    "float": "double precision",
}
AREA_TYPES = {
    "id": "text",
    "name": "text",
    "kind": "text",
    "population": "double precision",
    "population_year": "double precision",
    "population_estimated": "integer",
    "approximate": "integer",
    "note": "text",
    "source": "text",
}


def _geometry(layer: str) -> str:
    types = SCHEMAS[layer].geometry_types
    return f"geometry({types[0]}, 4326)" if len(types) == 1 else "geometry(Geometry, 4326)"


def layer_ddl(layer: str) -> str:
    """CREATE TABLE (and indexes) for one record layer."""
    schema = SCHEMAS[layer]
    cols = ["fid bigserial PRIMARY KEY", "uid text NOT NULL UNIQUE"]
    cols += [f"{quote(f.name)} {_PG_TYPES[f.kind]}" for f in schema.fields]
    if schema.has_area:
        cols.append("area_id text")
    cols += [
        "version integer NOT NULL",
        "created_utc timestamptz",
        "updated_utc timestamptz",
        "updated_by text",
    ]
    if schema.spatial:
        cols.append(f"geom {_geometry(layer)}")
    sql = f"CREATE TABLE IF NOT EXISTS {quote(layer)} ({', '.join(cols)});\n"
    if schema.spatial:
        sql += f"CREATE INDEX IF NOT EXISTS {quote(layer + '_geom')} ON {quote(layer)} "
        sql += "USING gist (geom);\n"
    if schema.has_area:
        sql += f"CREATE INDEX IF NOT EXISTS {quote(layer + '_area')} ON {quote(layer)} (area_id);\n"
    if "start" in schema.field_names:
        sql += (
            f'CREATE INDEX IF NOT EXISTS {quote(layer + "_start")} ON {quote(layer)} ("start");\n'
        )
    return sql


def schema_ddl() -> str:
    """Every table and index, idempotent (IF NOT EXISTS)."""
    areas = ", ".join(f"{quote(c)} {t}" for c, t in AREA_TYPES.items())
    sql = "".join(layer_ddl(layer) for layer in SCHEMAS)
    sql += f"""
CREATE TABLE IF NOT EXISTS areas (fid serial PRIMARY KEY, {areas},
    geom geometry(MultiPolygon, 4326));
CREATE INDEX IF NOT EXISTS areas_geom ON areas USING gist (geom);
CREATE TABLE IF NOT EXISTS municipality (fid serial PRIMARY KEY, name text,
    geom geometry(MultiPolygon, 4326));
CREATE TABLE IF NOT EXISTS presence_fixes (
    fid bigserial PRIMARY KEY, presence_uid text NOT NULL, seq integer NOT NULL,
    t bigint NOT NULL, lon double precision NOT NULL, lat double precision NOT NULL,
    kind text NOT NULL, area_id text,
    geom geometry(Point, 4326)
        GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED);
CREATE INDEX IF NOT EXISTS fixes_t ON presence_fixes (t);
CREATE INDEX IF NOT EXISTS fixes_uid ON presence_fixes (presence_uid);
CREATE INDEX IF NOT EXISTS fixes_geom ON presence_fixes USING gist (geom);
CREATE TABLE IF NOT EXISTS presence_runs (
    fid bigserial PRIMARY KEY, presence_uid text NOT NULL, seq integer NOT NULL,
    stay integer NOT NULL, area_id text, kind text NOT NULL, day integer NOT NULL,
    t_first bigint NOT NULL, t_last bigint NOT NULL, seconds double precision NOT NULL,
    n integer NOT NULL, q bigint NOT NULL, r bigint NOT NULL);
CREATE INDEX IF NOT EXISTS runs_uid ON presence_runs (presence_uid);
DROP INDEX IF EXISTS runs_day;
CREATE TABLE IF NOT EXISTS presence_sums (
    area_id text NOT NULL, day date NOT NULL, kind text NOT NULL,
    seconds double precision NOT NULL, fixes bigint NOT NULL, visits bigint NOT NULL,
    passes bigint NOT NULL, PRIMARY KEY (area_id, day, kind));
CREATE TABLE IF NOT EXISTS audit (
    fid bigserial PRIMARY KEY, ts_utc text, "user" text, action text, layer text,
    uid text, before text, after text);
CREATE TABLE IF NOT EXISTS changes (version bigint NOT NULL, layer text NOT NULL,
    uid text NOT NULL);
CREATE INDEX IF NOT EXISTS changes_version ON changes (version);
CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value bigint NOT NULL);
INSERT INTO meta VALUES ('data_version', 0) ON CONFLICT DO NOTHING;
"""
    return sql


def migrate_ddl(have: dict[str, set[str]]) -> list[str]:
    """ALTER statements adding fields that ``have`` (table -> columns) lacks (additive)."""
    out = [
        f"ALTER TABLE areas ADD COLUMN {quote(c)} {t}"
        for c, t in AREA_TYPES.items()
        if "areas" in have and c not in have["areas"]
    ]
    for layer, schema in SCHEMAS.items():
        for f in schema.fields:
            if layer in have and f.name not in have[layer]:
                out.append(
                    f"ALTER TABLE {quote(layer)} ADD COLUMN {quote(f.name)} {_PG_TYPES[f.kind]}"
                )
    return out
