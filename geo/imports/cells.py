"""Cells as written: text and numbers of whole columns, fast for the common forms.

Every reader hands its columns over as Arrow-backed text (compact, and searched by Arrow's
compute kernels rather than row by row); cells from spreadsheets and map files (numbers,
dates) become the text a person would have typed.
"""

from __future__ import annotations

import pandas as pd

from geo.model import TEXT


def _typed(value: object) -> str:
    """A non-text cell as typed: ``40`` for 40.0, ``2018-05-03 14:30:00`` for a date cell."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "hour"):  # datetime, Timestamp
        return value.isoformat(sep=" ")  # type: ignore[attr-defined]
    if hasattr(value, "isoformat"):  # date
        return value.isoformat()  # type: ignore[attr-defined]
    return str(value)


def as_text(values: pd.Series) -> pd.Series:
    """Cells as stripped text (:data:`TEXT`; NaN where blank), whatever the file's types."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        values = values.map(lambda v: v.isoformat(sep=" "), na_action="ignore")
    if not isinstance(values.dtype, pd.StringDtype) or values.dtype.storage != "pyarrow":
        values = (
            values.astype(object)
            .map(lambda v: v if isinstance(v, str) else _typed(v), na_action="ignore")
            .astype(TEXT)
        )
    text = values.str.strip()
    return text.where(text.ne(""))


def numbers(text: pd.Series) -> pd.Series:
    """Text with a decimal comma, spaces or no-break spaces → float (NaN if not a number)."""
    out = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    retry = (out.isna() & text.notna()).to_numpy()
    if retry.any():  # only the rows with spaces (1 000) or odd forms take the slow road
        spaced = text[retry].str.replace(r"[\s\u00a0\u202f]", "", regex=True)
        out[retry] = pd.to_numeric(spaced.str.replace(",", ".", regex=False), errors="coerce")
    return out.astype(float)
