"""``python -m geo.geography [--source DIR] [--data DIR]``: rebuild ``data/`` from open data."""

from __future__ import annotations

import argparse
from pathlib import Path

from geo.config import DATA_DIR
from geo.geography.build import write_all
from geo.geography.sources import SOURCE_DIR


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m geo.geography",
        description="Rebuild the built-in geography files in data/ from ../shared/data/geo/.",
    )
    parser.add_argument("--source", type=Path, default=SOURCE_DIR, help="open-data folder")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="where to write")
    args = parser.parse_args(argv)
    for path in write_all(args.data, args.source):
        print(f"{path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
