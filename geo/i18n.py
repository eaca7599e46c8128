"""Every user-facing text goes through :func:`translator`; Swedish is the default.

Catalogues live in ``geo/locales/<lang>/*.json``, one file per concern (``core.json``,
``geography.json``, ...), each a flat ``key: text`` map; a key may be defined in one file only.
Texts may hold ``{name}`` placeholders filled by keyword arguments; numbers among them are
written the language's way (``1,38`` and ``11 682`` in Swedish, see :mod:`geo.numbers`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np

from geo.numbers import number

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


class Translator:
    """``t(key, **values)``: the text of ``key`` in :attr:`lang`; a missing key raises
    KeyError. Numeric values (not bools) are formatted with :func:`geo.numbers.number`."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._texts = catalogue(lang)

    def __call__(self, key: str, **values: object) -> str:
        text = self._texts[key]
        if not values:
            return text
        shown = {
            k: number(v, self.lang)
            if isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)
            else v
            for k, v in values.items()
        }
        return text.format(**shown)


def translator(lang: str = DEFAULT_LANGUAGE) -> Translate:
    """A translator for ``lang`` (see :class:`Translator`)."""
    return Translator(lang)


def language_of(t: Translate) -> str:
    """The language of translator ``t`` (Swedish for plain functions standing in for one)."""
    return str(getattr(t, "lang", DEFAULT_LANGUAGE))
