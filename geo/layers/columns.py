"""Which column of a user's file holds what: municipality code, name, population, road
number, heavy vehicles per day.

Column names are matched against the names Swedish sources use (Lantmäteriet ``kommunkod``,
SCB ``KnKod``/``TATORT``/``BEF``, Trafikverket ``Vagnummer``, OpenStreetMap ``ref``…),
and the values are checked (a code column holds the municipality's code; numbers where
numbers belong). A role is *sure* when one column clearly wins; otherwise the plausible
columns are listed for the user to pick.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

# Roles each layer uses, and which must be known before a preview can be built.
ROLES: dict[str, tuple[str, ...]] = {
    "outline": ("code", "name"),
    "localities": ("code", "name", "population"),
    "zones": ("code", "name"),
    "roads": ("code", "road", "heavy"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "outline": (),
    "localities": ("name",),
    "zones": ("name",),
    "roads": ("road",),
}
_CODE = ("kommunkod", "knkod", "kn_kod", "kommun_kod", "k_id", "kommunnr", "mun_code", "id")
_NAMES: dict[str, tuple[str, ...]] = {
    "outline": ("kommunnamn", "kommun", "knnamn", "kom_namn", "namn", "name"),
    "localities": ("tatort", "tatortsnamn", "ortnamn", "ort", "namn", "name"),
    "zones": (
        "distriktsnamn",
        "distrikt",
        "sockenstadnamn",
        "sockennamn",
        "socken",
        "namn",
        "name",
    ),
    "roads": ("namn", "name"),
}
PATTERNS: dict[str, tuple[str, ...]] = {
    "code": _CODE,
    "population": ("bef", "befolkning", "folkmangd", "pop", "population", "invanare"),
    "road": ("vagnummer", "vagnr", "vag_nr", "huvudnummer", "road", "ref", "road_number", "vag"),
    "heavy": (
        "adt_tunga",
        "adt_tung",
        "tunga_fordon",
        "tunga",
        "tung",
        "heavy_per_day",
        "heavy",
        "hgv",
        "adt_lastbil",
        "lastbilar",
    ),
}
NUMERIC_ROLES = ("population", "heavy")


@dataclass
class ColumnGuess:
    """The column chosen for a role (None: none found), whether that is sure, and the
    columns a user may pick from when it is not."""

    role: str
    column: str | None
    sure: bool
    candidates: list[str] = field(default_factory=list)


def normalise(name: str) -> str:
    """``ÅDT tunga`` -> ``adt_tunga``: lower case, no diacritics, ``_`` between words."""
    plain = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def code_values(series: pd.Series) -> pd.Series:
    """Municipality codes as 4-character text (``765`` and ``765.0`` -> ``0765``)."""

    def one(v: object) -> str:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return ""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        text = str(v).strip()
        return text.zfill(4) if text.isdigit() and len(text) < 4 else text

    return series.map(one)


def _numeric_share(series: pd.Series) -> float:
    values = pd.to_numeric(series, errors="coerce")
    return float(values.notna().mean()) if len(series) else 0.0


def _name_score(column: str, patterns: tuple[str, ...]) -> float:
    norm = normalise(column)
    if norm in patterns:
        return 3.0 - patterns.index(norm) / (2 * len(patterns))
    if any(len(p) >= 4 and (norm.startswith(p) or norm.endswith(p)) for p in patterns):
        return 1.0
    return 0.0


def _score(frame: pd.DataFrame, column: str, role: str, layer: str, code: str | None) -> float:
    values = frame[column]
    if role == "code":
        score = _name_score(column, _CODE)
        if code is not None and (code_values(values) == code).any():
            score += 5.0
        elif code is not None:
            score = 0.0  # named like a code column but without the code: not a filter
        return score
    patterns = _NAMES[layer] if role == "name" else PATTERNS[role]
    score = _name_score(column, patterns)
    if role in NUMERIC_ROLES:
        return score if _numeric_share(values) >= 0.9 else 0.0
    if role == "name" and _numeric_share(values) > 0.5:
        return 0.0
    return score


def detect_columns(
    frame: pd.DataFrame, layer: str, code: str | None = None
) -> dict[str, ColumnGuess]:
    """A guess per role of ``layer`` (see :data:`ROLES`), checked against the values.

    ``code`` is the municipality code the app serves; a column holding it is the code
    column, and a column named like one but without it is not.
    """
    columns = [c for c in frame.columns if c != "geometry"]
    out: dict[str, ColumnGuess] = {}
    for role in ROLES[layer]:
        scores = {c: _score(frame, c, role, layer, code) for c in columns}
        ranked = sorted((c for c in columns if scores[c] > 0), key=lambda c: -scores[c])
        if not ranked:
            out[role] = ColumnGuess(role, None, role not in REQUIRED[layer], list(columns))
            continue
        best = ranked[0]
        runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
        sure = scores[best] >= 2.5 and scores[best] - runner_up >= 1.0
        out[role] = ColumnGuess(role, best, sure, ranked if not sure else [best])
    return out


def missing_roles(layer: str, mapping: dict[str, str | None]) -> list[str]:
    """Required roles of ``layer`` that ``mapping`` leaves without a column."""
    return [r for r in REQUIRED[layer] if not mapping.get(r)]
