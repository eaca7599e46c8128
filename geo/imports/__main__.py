"""Command-line import for scheduled jobs: ``python -m geo.imports FILE [options]``.

Prints the per-row report; writes nothing with ``--dry-run``. Exit status 0 when every
row was accepted or already stored, 1 when rows were rejected (the rest is written unless
``--all-or-nothing``), 2 when the file was refused.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo.config import Settings
from geo.errors import ImportRejected
from geo.imports.base import commit
from geo.imports.files import prepare_file
from geo.store import GeoPackageStore


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m geo.imports", description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--layer",
        default="presence",
        choices=["presence", "problem_spots", "roads", "dialogues", "activities"],
    )
    parser.add_argument("--kind", default="car_patrol", help="presence kind for GPX tracks")
    parser.add_argument("--store", type=Path, default=settings.store_path)
    parser.add_argument("--user", default="import-job")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--all-or-nothing", action="store_true")
    args = parser.parse_args(argv)
    store = GeoPackageStore(args.store)
    try:
        results = prepare_file(
            store,
            args.file.read_bytes(),
            args.file.name,
            args.layer,
            kind=args.kind,
            limit_mb=settings.upload_max_mb,
        )
    except ImportRejected as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    any_rejected = False
    for r in results:
        print(
            f"{r.layer}: {r.accepted} new, {r.duplicates} already stored, "
            f"{len(r.rejected)} rejected"
        )
        for note in r.notes:
            print(f"  note: {note}")
        for row in r.rejected.itertuples():
            print(f"  row {row.row}, field {row.field}: {row.reason}")
        any_rejected |= len(r.rejected) > 0
    if args.dry_run or (any_rejected and args.all_or_nothing):
        print("nothing written")
    else:
        for r in results:
            commit(store, r, user=args.user)
    return 1 if any_rejected else 0


if __name__ == "__main__":
    sys.exit(main())
