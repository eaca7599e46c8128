"""Replace a geography layer from a file, from the command line (from the project folder).

    python -m geo.layers FILE --layer outline|localities|zones|roads [--column ROLE=COLUMN]
        [--code 0765] [--year 2020] [--dry-run] [--allow-outside] [--store PATH]
    python -m geo.layers --undo AUDIT_ID [--store PATH]

Prints what would change (areas gained/lost, km², records changing area, records that would
fall outside the new outline) and, unless ``--dry-run``, writes it in one transaction
(audited as ``replace_geography``; ``--undo`` restores). Records outside the new outline
are refused unless ``--allow-outside`` says they may be left without an area. Exit status:
0 done, 2 refused (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo.config import Settings
from geo.errors import GeoError
from geo.layers import LAYERS, detect_columns, plan, read_layer_file
from geo.layers.columns import REQUIRED, ROLES
from geo.layers.preview import Preview, accept, accept_outside


def _parser() -> argparse.ArgumentParser:
    settings = Settings.from_env()
    p = argparse.ArgumentParser(
        prog="python -m geo.layers",
        description="Replace the outline, localities, countryside zones or through-traffic "
        "roads from a GeoJSON, GeoPackage or zipped Shapefile (any CRS).",
    )
    p.add_argument("file", type=Path, nargs="?")
    p.add_argument("--layer", choices=LAYERS)
    p.add_argument("--column", action="append", default=[], metavar="ROLE=COLUMN")
    p.add_argument("--code", default=settings.municipality_code, help="municipality code")
    p.add_argument("--year", type=int, help="year of the populations in the file")
    p.add_argument("--gpkg-layer", help="layer of a GeoPackage with several")
    p.add_argument("--drop-unmatched", action="store_true", help="localities: drop the rest")
    p.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    p.add_argument("--allow-outside", action="store_true")
    p.add_argument("--undo", type=int, metavar="AUDIT_ID")
    p.add_argument("--store", type=Path, default=settings.store_path)
    p.add_argument("--user", default="cli")
    p.add_argument("--limit-mb", type=int, default=settings.upload_max_mb)
    return p


def report(pv: Preview) -> str:
    """The preview as plain text."""
    lines = [
        f"outline: {pv.km2('old'):.1f} km² -> {pv.km2('new'):.1f} km²",
        f"areas gained: {', '.join(pv.gained) or '-'}",
        f"areas lost: {', '.join(pv.lost) or '-'}",
    ]
    changed = pv.areas[pv.areas["change"] == "changed"]
    for _, row in changed.iterrows():
        lines.append(f"  changed: {row['name']}: {row['km2_old']:.2f} -> {row['km2_new']:.2f} km²")
    for _, row in pv.areas[pv.areas["change"] == "gained"].iterrows():
        lines.append(f"  gained: {row['name']}: {row['km2_new']:.2f} km²")
    lines.append(
        "records changing area: " + ", ".join(f"{layer} {n}" for layer, n in pv.moved.items())
    )
    if pv.new.roads is not None:
        lines.append(f"roads: {len(pv.old_roads)} -> {len(pv.new.roads)}")
    lines.append(f"records outside the new outline: {len(pv.outside)}")
    for _, row in pv.outside.head(50).iterrows():
        lines.append(f"  {row['layer']} {row['uid']} ({row['what']}) at {row['lon']}, {row['lat']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from geo.store import GeoPackageStore

    store = GeoPackageStore(args.store)
    try:
        if args.undo is not None:
            audit_id = store.undo_geography(args.undo, user=args.user)
            print(f"restored the geography before entry {args.undo} (entry {audit_id})")
            return 0
        if args.file is None or args.layer is None:
            print("give FILE and --layer (or --undo AUDIT_ID)", file=sys.stderr)
            return 2
        lf = read_layer_file(
            args.file.read_bytes(),
            args.file.name,
            limit_mb=args.limit_mb,
            layer_name=args.gpkg_layer,
        )
        print(f"{lf.filename}: {len(lf.frame)} features, {lf.source_crs}, layer {lf.layer_name}")
        given = dict(c.split("=", 1) for c in args.column)
        unknown = set(given) - set(ROLES[args.layer])
        if unknown:
            print(f"unknown role(s) {sorted(unknown)}; {args.layer} uses {ROLES[args.layer]}")
            return 2
        mapping: dict[str, str | None] = {}
        for role, guess in detect_columns(lf.frame, args.layer, args.code).items():
            if role in given:
                mapping[role] = given[role]
            elif guess.sure:
                mapping[role] = guess.column
            elif role in REQUIRED[args.layer]:
                print(
                    f"not sure which column holds '{role}': give --column {role}=COLUMN, "
                    f"one of {', '.join(guess.candidates)}",
                    file=sys.stderr,
                )
                return 2
            else:
                print(f"'{role}' not used (maybe one of {', '.join(guess.candidates)})")
            print(f"column for {role}: {mapping.get(role) or '-'}")
        pv = plan(
            store,
            lf,
            args.layer,
            mapping,
            code=args.code,
            year=args.year,
            keep_unmatched=not args.drop_unmatched,
        )
        print(report(pv))
        if args.dry_run:
            print("dry run: nothing written")
            return 0
        if len(pv.outside) and not args.allow_outside:
            print(
                f"refused: {len(pv.outside)} records would lie outside the new outline "
                "(listed above); --allow-outside leaves them without an area",
                file=sys.stderr,
            )
            return 2
        writer = accept_outside if args.allow_outside else accept
        audit_id = writer(store, pv, user=args.user)
        print(f"written (audit entry {audit_id}; undo with --undo {audit_id})")
        return 0
    except GeoError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
