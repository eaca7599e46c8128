"""Large inserts into a PostGIS table: rows streamed through ``COPY`` as CSV written by
Arrow, and the table's indexes and UNIQUE constraints built once, after the rows, when an
insert at least half doubles the table.

Keeping an index up to date costs random page visits (and their WAL) per row; building it
afterwards is one sort. Measured on the test cluster (128 MB shared buffers), a 1,000,000-row
patrol import: the rows' ``COPY`` 64 s with every index kept, 19 s without, plus 11 s to
build them again (issue 14; ``bench/bench_import.py --postgis``). The primary keys stay
(their keys only grow). Everything happens in the caller's transaction, so a failure leaves
the table, its indexes and constraints as they were. Dropping an index locks the table
against readers until the transaction ends: other app servers wait for such an import
(seconds) rather than read a half-written one; smaller imports keep every index.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from geo.store.common import quote

BULK_ROWS = 5_000
"""From this many rows on, an insert may build the table's indexes afterwards."""
COPY_ROWS = 200_000
"""Rows turned into CSV at a time (bounds memory, not speed)."""
_NO_HEADER = pa_csv.WriteOptions(include_header=False)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Rows as PostgreSQL's CSV reads them: nulls (None, NaN, NaT) as unquoted empty fields,
    text quoted (so an empty text stays empty text), times ISO 8601 with their zone."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    out = pa.BufferOutputStream()
    pa_csv.write_csv(table, out, _NO_HEADER)
    return bytes(out.getvalue())


def copy_rows(conn: Any, table: str, frame: pd.DataFrame) -> None:
    """``COPY`` every row of ``frame`` (columns named as the table's) into ``table``."""
    names = ", ".join(quote(c) for c in frame.columns)
    statement = f"COPY {quote(table)} ({names}) FROM STDIN WITH (FORMAT csv)"
    with conn.cursor() as cur, cur.copy(statement.encode()) as copy:
        for start in range(0, len(frame), COPY_ROWS):
            copy.write(csv_bytes(frame.iloc[start : start + COPY_ROWS]))


@contextmanager
def bulk_insert(conn: Any, table: str, rows: int) -> Iterator[None]:
    """Around inserts of about ``rows`` rows into ``table`` inside an open transaction:
    the table's indexes and UNIQUE constraints (not its primary key, nor a key another
    table refers to) are dropped first and made again at the end when the insert is at
    least half the table's size (counted up to twice ``rows``)."""
    if rows < BULK_ROWS:
        yield
        return
    (before,) = conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {quote(table)} LIMIT %s) AS s", [rows * 2 + 1]
    ).fetchone()
    indexes: list[tuple[str, str]] = []
    unique: list[tuple[str, str]] = []
    if rows * 2 >= before:
        unique = conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint c "
            "WHERE conrelid = %s::regclass AND contype = 'u' AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.conrelid) "
            "ORDER BY conname",
            [quote(table)],
        ).fetchall()
        indexes = conn.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
            "ORDER BY i.relname",
            [quote(table)],
        ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {quote(name)}".encode())
    for name, _ in unique:
        conn.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}".encode())
    yield
    for name, definition in unique:
        add = f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
        conn.execute(add.encode())
    for _, sql in indexes:
        conn.execute(sql.encode())
