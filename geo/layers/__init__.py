"""Replace a geography layer (outline, localities, countryside zones, through-traffic
roads) from a file a user brings: read (:mod:`.read`), detect columns (:mod:`.columns`),
build the new geography (:mod:`.build`), preview what changes (:mod:`.preview`), accept in
one audited, undoable transaction. The page ``pages/geography.py`` and the command line
``python -m geo.layers`` both go through :func:`plan`.
"""

from __future__ import annotations

from geo.layers.build import NewGeography, build_new
from geo.layers.columns import ColumnGuess, detect_columns
from geo.layers.preview import Preview, accept, accept_outside, preview
from geo.layers.read import LAYERS, LayerFile, read_layer_file
from geo.store.base import Store


def plan(
    store: Store,
    lf: LayerFile,
    layer: str,
    mapping: dict[str, str | None],
    *,
    code: str,
    year: int | None = None,
    keep_unmatched: bool = True,
) -> Preview:
    """The preview of replacing ``layer`` of ``store``'s geography from ``lf``."""
    new = build_new(
        layer,
        lf,
        mapping,
        code,
        store.areas(),
        store.municipality(),
        year=year,
        keep_unmatched=keep_unmatched,
    )
    return preview(store, new)


__all__ = [
    "LAYERS",
    "ColumnGuess",
    "LayerFile",
    "NewGeography",
    "Preview",
    "accept",
    "accept_outside",
    "detect_columns",
    "plan",
    "preview",
    "read_layer_file",
]
