import re
from pathlib import Path

import pytest

from geo.filters import QUICK_PICKS
from geo.i18n import LANGUAGES, catalogue, translator
from geo.model import AreaKind, ControlType, PresenceKind, SpotCategory, SpotStatus
from geo.views import AREA_COLUMNS

ROOT = Path(__file__).resolve().parents[1]


def test_catalogues_have_the_same_keys():
    assert set(catalogue("sv")) == set(catalogue("en"))


def test_every_key_used_in_the_code_exists():
    sources = [*ROOT.glob("geo/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "dashboard.py"]
    used = set()
    for path in sources:
        used |= set(re.findall(r'\bt\(\s*"([a-z0-9_]*[a-z0-9])"', path.read_text("utf-8")))
    missing = used - set(catalogue("sv"))
    assert not missing, f"keys used but not in the catalogue: {sorted(missing)}"


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_enum_value_has_a_text(lang):
    t = translator(lang)
    for prefix, enum in (
        ("kind_", PresenceKind),
        ("cat_", SpotCategory),
        ("status_", SpotStatus),
        ("ctrl_", ControlType),
        ("kind_", AreaKind),
    ):
        for value in enum:
            assert t(prefix + value.value)
    for pick in QUICK_PICKS:
        assert t("pick_" + pick)
    for column in [
        *AREA_COLUMNS,
        "last_presence",
        "week_start",
        "town_hours",
        "countryside_hours",
        "countryside_share",
    ]:
        assert t("col_" + column)


def test_placeholders_and_default_language():
    assert translator()("tip_hours", hours=2.5) == "2,5 timmar närvaro"
    assert translator("en")("tip_hours", hours=2.5) == "2.5 hours of presence"
    assert translator()("tip_hours", hours=11682.0) == "11\u00a0682 timmar närvaro"
    assert translator()("verdict_none", year="2019") == "Inget medborgarlöfte registrerat för 2019."
    with pytest.raises(ValueError, match="unknown language"):
        translator("de")


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_catalogue_files_pair_up_per_language(lang):
    files = {p.name for p in (ROOT / "geo" / "locales" / lang).glob("*.json")}
    assert "core.json" in files
    assert files == {p.name for p in (ROOT / "geo" / "locales" / "sv").glob("*.json")}
