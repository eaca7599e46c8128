"""Every message an import can give exists in Swedish and English, with the same blanks."""

from __future__ import annotations

import re
import string

import pytest

from geo.i18n import catalogue
from tests.conftest import ROOT

SOURCES = [*ROOT.glob("geo/imports/*.py"), ROOT / "geo/validation.py", ROOT / "geo/model.py"]
KEY = re.compile(r'(?:Message|ImportRejected|OverBudget)\(\s*"([a-z0-9_]+)"')
OVER = re.compile(r'\bover\(\s*"([a-z_]+)"')


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in SOURCES:
        text = path.read_text("utf-8")
        keys |= set(KEY.findall(text))
        keys |= {"imp_over_" + what for what in OVER.findall(text)}
        keys |= {"imp_err_" + k for k in re.findall(r'"imp_err_([a-z_]+)"', text)}
    return {k for k in keys if not k.endswith("_")}  # prefixes: the families below


def test_the_key_families_are_complete():
    from geo.imports.columns import COORDINATES
    from geo.model import SCHEMAS

    sv = catalogue("sv")
    fields = {f.name for s in SCHEMAS.values() for f in s.fields} | set(COORDINATES)
    assert {f"imp_field_{f}" for f in fields | {"geometry", "uid"}} <= set(sv)
    assert {"imp_which_first", "imp_which_second"} <= set(sv)


def blanks(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_scan_finds_the_messages():
    assert {"imp_time_missing_hour", "imp_over_features", "imp_gpkg_view"} <= used_keys()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_import_message_is_in_the_catalogue(lang):
    missing = used_keys() - set(catalogue(lang))
    assert not missing, f"{lang}: {sorted(missing)}"


def test_swedish_and_english_messages_have_the_same_blanks():
    sv, en = catalogue("sv"), catalogue("en")
    for key in (k for k in sv if k.startswith("imp_")):
        assert blanks(sv[key]) == blanks(en[key]), key
