"""Command-line import for scheduled jobs: ``python -m geo.imports FILE [options]``.

Prints the per-row report (Swedish by default, ``--lang en``); writes nothing with
``--dry-run``. Exit status:

- 0: every row was imported or was already stored;
- 1: some rows were refused (the rest is written, unless ``--all-or-nothing``);
- 2: nothing readable (file missing, of an unknown type, empty or broken) or bad arguments;
  nothing is written and no store is created.

Files given on the command line are the operator's own, so the web upload budgets do not
apply; large files are read in chunks with a progress line on a terminal (``--progress``
forces it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo.config import Settings
from geo.errors import ImportRejected, Message
from geo.imports.base import ImportResult, commit, drop_stored
from geo.imports.files import read_file
from geo.model import PresenceKind

LAYERS = ["presence", "problem_spots", "roads", "dialogues", "activities"]


def _parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m geo.imports",
        description="Import a file into the store (exit 0: all imported, 1: rows refused, "
        "2: nothing readable or bad arguments).",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--layer", default="presence", choices=LAYERS)
    parser.add_argument(
        "--kind",
        default="car_patrol",
        choices=[k.value for k in PresenceKind],
        help="presence kind for GPX tracks",
    )
    parser.add_argument(
        "--store",
        default=settings.store,
        help="GeoPackage file or PostgreSQL connection string (default: ALMHULT_STORE)",
    )
    parser.add_argument("--schema", default=settings.store_schema, help="PostGIS schema")
    parser.add_argument("--user", default="import-job")
    parser.add_argument("--lang", default="sv", choices=["sv", "en"])
    parser.add_argument("--reported", help="date for problem spots when the file has none")
    parser.add_argument(
        "--running-clock",
        action="store_true",
        help="times come from a GPS log whose clock ran on through the spring clock change",
    )
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--all-or-nothing", action="store_true")
    parser.add_argument("--progress", action="store_true", help="show progress on stderr")
    parser.add_argument("--verbose", action="store_true", help="list every item left out")
    return parser


def _bar(lang: str, enabled: bool):  # type: ignore[no-untyped-def]
    def show(done: float, what: Message) -> None:
        filled = int(done * 30)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done:4.0%} {what.text(lang)}")
        sys.stderr.flush()

    return show if enabled else None


def _report(results: list[ImportResult], lang: str, verbose: bool) -> bool:
    """Print the report; True when rows were refused."""
    refused = False
    for r in results:
        print(
            Message(
                "imp_cli_counts",
                {
                    "layer": Message("layer_" + r.layer),
                    "new": r.accepted,
                    "dup": r.duplicates,
                    "bad": len(r.rejected),
                },
            ).text(lang)
        )
        for note in r.notes:
            print("  " + Message("imp_cli_note", {"note": note}).text(lang))
        for row in r.rejected.itertuples():
            print(
                "  "
                + Message(
                    "imp_cli_row",
                    {"row": row.row, "field": row.field, "value": row.value, "reason": row.reason},
                ).text(lang)
            )
        if verbose:
            for item in r.left_out.itertuples():
                print(
                    "  "
                    + Message(
                        "imp_cli_left_out",
                        {"row": item.row, "value": item.value, "reason": item.reason},
                    ).text(lang)
                )
        refused |= len(r.rejected) > 0
    return refused


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    args = _parser(settings).parse_args(argv)
    lang = args.lang
    if not args.file.is_file():
        print(
            Message(
                "imp_cli_refused", {"reason": Message("imp_file_missing", {"name": str(args.file)})}
            ).text(lang),
            file=sys.stderr,
        )
        return 2
    from geo.store import Store, is_postgres, open_store  # late: opening creates the file

    def opened() -> Store:
        return open_store(args.store, schema=args.schema)

    outline = None
    store: Store | None = None
    if is_postgres(args.store) or Path(args.store).exists():
        store = opened()
        outline = store.municipality()
    else:
        from geo.areas import builtin_municipality

        outline = builtin_municipality()
    defaults = {"reported": args.reported} if args.reported else None
    try:
        results = read_file(
            outline,
            args.file.read_bytes(),
            args.file.name,
            args.layer,
            lang=lang,
            kind=args.kind,
            defaults=defaults,
            running_clock=args.running_clock,
            progress=_bar(lang, args.progress or sys.stderr.isatty()),
        )
    except ImportRejected as exc:
        print(Message("imp_cli_refused", {"reason": exc.message}).text(lang), file=sys.stderr)
        return 2
    finally:
        if args.progress or sys.stderr.isatty():
            sys.stderr.write("\n")
    if store is not None:
        results = [drop_stored(store, r) for r in results]
    refused = _report(results, lang, args.verbose)
    if args.dry_run or (refused and args.all_or_nothing):
        print(Message("imp_cli_nothing_written").text(lang))
    elif any(r.accepted for r in results):
        if args.progress or sys.stderr.isatty():
            print(Message("import_writing").text(lang), file=sys.stderr, flush=True)
        store = store or opened()
        written = sum(len(commit(store, r, user=args.user)) for r in results)
        print(Message("imp_cli_written", {"n": written}).text(lang))
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
