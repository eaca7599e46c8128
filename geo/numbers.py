"""Numbers, months and weeks written the way the reader's language writes them.

Swedish: decimal comma and a no-break space between thousands (``1,38``, ``11 682``),
``41 %`` with a no-break space; English: ``1.38``, ``11,682``, ``41%``. Formatting rules
come from the Unicode CLDR through ``babel``. Four-digit whole numbers are written without
a group separator in both languages (``2018``, ``1000``), as Swedish style guides allow, so
years never read ``2 018``. Missing values (None, NaN, ``<NA>``) are written ``–``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal, get_group_symbol

LOCALES: dict[str, str] = {"sv": "sv_SE", "en": "en_GB"}
MISSING = "–"


def _locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["sv"])


def is_missing(value: object) -> bool:
    """True for None, NaN, NaT and pandas' ``<NA>``."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers are not "missing"
        return False


def number(value: object, lang: str = "sv", decimals: int | None = None) -> str:
    """``value`` as the language writes it.

    Parameters
    ----------
    value : a number (int, float, numpy scalar) or a missing value.
    lang : ``sv`` or ``en``.
    decimals : fixed number of decimals; None keeps the value's own (at most three) and
        writes whole values without decimals (``90.0`` days → ``90``).
    """
    if is_missing(value):
        return MISSING
    x = float(value)  # type: ignore[arg-type]
    if not math.isfinite(x):
        return MISSING
    if decimals is None:
        if x == round(x):
            return integer(x, lang)
        pattern = "#,##0.###"
    elif decimals == 0:
        return integer(x, lang)
    else:
        pattern = "#,##0." + "0" * decimals
    if abs(x) < 10_000:
        pattern = pattern.replace("#,##", "")
    return format_decimal(x, pattern, locale=_locale(lang))


def quantity(value: object, lang: str = "sv", decimals: int | None = None) -> str:
    """An amount (hours, counts) for a sentence: :func:`number`, with the thousands
    grouped from four digits too (``1 182``, ``1 183,2``; English ``1,182``).

    :func:`number` leaves four-digit whole numbers ungrouped so that years never read
    ``2 018``; an amount is no year, and "1182 närvarotimmar" beside "11 682 invånare"
    reads as a different kind of number.
    """
    text = number(value, lang, decimals)
    sign = "-" if text.startswith("-") else ""
    body = text[len(sign) :]
    whole = len(body) - len(body.lstrip("0123456789"))
    if whole != 4:  # shorter needs no group; longer is grouped by number() already
        return text
    group = get_group_symbol(_locale(lang))
    return f"{sign}{body[0]}{group}{body[1:]}"


def integer(value: object, lang: str = "sv") -> str:
    """A whole number (rounded half away from zero); groups of three from five digits."""
    if is_missing(value):
        return MISSING
    x = float(value)  # type: ignore[arg-type]
    if not math.isfinite(x):
        return MISSING
    whole = int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)
    pattern = "#,##0" if abs(whole) >= 10_000 else "0"
    return format_decimal(whole, pattern, locale=_locale(lang))


def signed(value: object, lang: str = "sv", decimals: int = 0) -> str:
    """A change with its sign: ``+1``, ``-2,5``; no sign when it rounds to zero."""
    if is_missing(value):
        return MISSING
    x = float(value)  # type: ignore[arg-type]
    text = number(abs(x), lang, decimals)
    if round(x, decimals) == 0:
        return text
    return ("+" if x > 0 else "-") + text


def percent(value: object, lang: str = "sv", decimals: int = 0) -> str:
    """A percentage given in percent (``41.2`` → ``41 %`` in Swedish, ``41%`` in English)."""
    if is_missing(value):
        return MISSING
    text = number(value, lang, decimals)
    return text + ("\u00a0%" if lang == "sv" else "%")


def month_name(month: int, lang: str = "sv") -> str:
    """The month's name in lower case as the language writes it mid-sentence
    (``maj``; English keeps its capital: ``May``)."""
    return format_date(pd.Timestamp(2000, month, 1).date(), "LLLL", locale=_locale(lang))


def month_year(when: object, lang: str = "sv") -> str:
    """``maj 2018`` / ``May 2018`` for a date or timestamp (its local calendar month)."""
    stamp = pd.Timestamp(when)  # type: ignore[arg-type]
    return f"{month_name(stamp.month, lang)} {stamp.year}"


def short_month_year(when: object, lang: str = "sv") -> str:
    """``maj 2018`` in Swedish, ``May 2018`` in English, abbreviated where the language
    abbreviates (``sep. 2018``, ``Sept 2018``): chart axes and narrow tables."""
    stamp = pd.Timestamp(when)  # type: ignore[arg-type]
    short = format_date(stamp.date(), "LLL", locale=_locale(lang))
    return f"{short} {stamp.year}"


def decimals_needed(values: pd.Series, most: int = 2) -> int:
    """The fewest decimals (0 to ``most``) that show every value of ``values`` as it is
    (values are rounded in geo before they are shown)."""
    x = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    for d in range(most + 1):
        if ((x - x.round(d)).abs() < 1e-9).all():
            return d
    return most


def formatter(lang: str, decimals: int | None = None) -> Callable[[object], str]:
    """A one-argument formatter (for pandas' Styler) of numbers in ``lang``."""

    def fmt(value: object) -> str:
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            return value
        return number(value, lang, decimals)

    return fmt


def column_formats(frame: pd.DataFrame, lang: str) -> dict[str, Callable[[object], str]]:
    """A formatter per numeric column of ``frame``: whole numbers without decimals,
    others with the decimals their values carry (at most two)."""
    out: dict[str, Callable[[object], str]] = {}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            continue
        out[column] = formatter(lang, decimals_needed(series))
    return out


_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")


def parse_decimal(text: object) -> float | None:
    """A number as a person types it, in either language: ``12,5``, ``12.5``, ``-14,139``,
    ``1 000,5`` (spaces between thousands, normal or no-break), with ``−`` (U+2212) as minus.

    One comma or one point is the decimal separator; a text with both, or with two of
    either, is refused (None), as is empty or unreadable text.
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text) if math.isfinite(text) else None
    body = str(text or "").strip().translate(_SPACES).replace("\u2212", "-")
    if not body or "_" in body or body.count(",") + body.count(".") > 1:
        return None
    try:
        value = float(body.replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None
