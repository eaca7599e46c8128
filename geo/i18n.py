"""Every user-facing text goes through :func:`translator`; Swedish is the default.

Catalogues live in ``geo/locales/<lang>/*.json``, one file per concern (``core.json``,
``geography.json``, ...), each a flat ``key: text`` map; a key may be defined in one file only.
Texts may hold ``{name}`` placeholders filled by keyword arguments.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

LANGUAGES: dict[str, str] = {"sv": "Svenska", "en": "English"}
DEFAULT_LANGUAGE = "sv"
_DIR = Path(__file__).parent / "locales"

Translate = Callable[..., str]


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The catalogue of ``lang`` (``sv`` or ``en``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
    texts: dict[str, str] = {}
    for path in sorted((_DIR / lang).glob("*.json")):
        part = json.loads(path.read_text("utf-8"))
        twice = sorted(set(part) & set(texts))
        if twice:
            raise ValueError(f"{path.name} repeats keys of another {lang} catalogue file: {twice}")
        texts.update(part)
    return texts


# The municipality's name in texts: Älmhult unless the caller fills them
# (geo.geography.national.with_municipality fills the configured municipality's).
TEXT_DEFAULTS: dict[str, object] = {
    "municipality": "Älmhult",
    "municipality_label": "Älmhults kommun",
}


def translator(lang: str = DEFAULT_LANGUAGE) -> Translate:
    """A ``t(key, **values)`` function for ``lang``; a missing key raises KeyError."""
    texts = catalogue(lang)

    def t(key: str, **values: object) -> str:
        text = texts[key]
        if "{municipality" in text:
            return text.format(**{**TEXT_DEFAULTS, **values})
        return text.format(**values) if values else text

    return t
