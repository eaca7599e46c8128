"""Every page in Swedish and in English, as the police see it (every page is in its menu):
no untranslated key or other technical identifier, no English in the Swedish view (our
own texts or Streamlit's) and no Swedish interface text in the English view."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from geo.i18n import catalogue, translator
from tests.browser.conftest import LOCAL, Watch, open_sections, sign_in

pytestmark = pytest.mark.browser
MAP = 'iframe[title="streamlit_folium.st_folium"]'
PAGES = ("page_overview", "page_coverage", "page_promise", "page_register", "page_import")
PAGES += ("page_audit",)
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # translation keys, enum codes, columns
STREAMLIT_ENGLISH = (
    "Press Enter",
    "empty",
    "Date range",
    "Select all",
    "Drag and drop",
    "Browse files",
    "per file",
    "No results",
    "Choose an option",
    "Choose options",  # a multiselect's default placeholder
    "Past Week",
)
ENGLISH_MONTHS = re.compile(r"\b(January|February|March|April|June|July|August|October)\b")
RAW_CODES = re.compile(r"\b(narcotics|burglary|speeding|vandalism|acknowledged|car patrol)\b")


def _distinct(lang: str, other: str) -> set[str]:
    """Texts of ``lang`` that differ from ``other``'s and say something (≥ 12 letters,
    placeholders cut off), so finding one on a page means the wrong language."""
    mine, theirs = catalogue(lang), catalogue(other)
    out = set()
    for key, text in mine.items():
        if text == theirs.get(key):
            continue
        head = re.split(r"[{(]", text)[0].strip(" :.")
        if len(head) >= 12 and " " in head:  # a phrase: single words occur in user data
            out.add(head)
    return out


TEXT_OF = """() => {
    let text = document.body.innerText;
    for (const icon of document.querySelectorAll('[data-testid="stIconMaterial"]')) {
        text = text.split(icon.textContent).join(" ");  // an icon's glyph name is no text
    }
    return text;
}"""


def page_text(page) -> str:
    """The text a reader sees (icons' glyph names left out): the page and the map's
    controls (layers, legend, scale)."""
    texts = [page.evaluate(TEXT_OF)]
    for frame in page.frames:
        if "streamlit_folium" in frame.url:
            texts.append(frame.evaluate(TEXT_OF))
    return "\n".join(texts)


def _around(text: str, found: str) -> str:
    at = text.find(found)
    return text[max(0, at - 40) : at + len(found) + 40]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_page_speaks_the_chosen_language(app_url, browser, lang):
    context = browser.new_context(
        viewport={"width": 1400, "height": 1600}, locale="sv-SE" if lang == "sv" else "en-GB"
    )
    page = context.new_page()
    watch = Watch()
    page.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith(LOCAL)
            else (watch.outside.append(r.request.url), r.abort())
        ),
    )
    t = translator(lang)
    page.goto(app_url)
    page.frame_locator(MAP).locator(".leaflet-container").wait_for(timeout=90_000)
    sign_in(page, "police")
    expect(page.get_by_text("Inloggad som")).to_be_visible(timeout=60_000)
    if lang == "en":
        page.get_by_label("Språk / Language").click()
        page.get_by_role("option", name="English").click()
        expect(page.get_by_text("Signed in as")).to_be_visible(timeout=60_000)
    wrong = _distinct("en" if lang == "sv" else "sv", lang)
    problems = []
    for key in PAGES:
        page.get_by_role("link", name=t(key)).click()
        expect(page.get_by_role("heading", level=1).first).to_be_visible(timeout=60_000)
        page.wait_for_timeout(3000)
        if key == "page_overview":
            page.frame_locator(MAP).locator(".leaflet-control-layers").hover()
            page.wait_for_timeout(500)
        text = page_text(page)
        open_sections(page)  # tables, the rules' sliders: their words too
        text += "\n" + page_text(page)
        problems += [(key, "id", m, _around(text, m)) for m in set(SNAKE.findall(text))]
        problems += [(key, "other language", w, _around(text, w)) for w in wrong if w in text]
        if lang == "sv":
            problems += [
                (key, "Streamlit English", w, _around(text, w))
                for w in STREAMLIT_ENGLISH
                if w in text
            ]
            problems += [(key, "English month", m) for m in set(ENGLISH_MONTHS.findall(text))]
            problems += [(key, "raw code", m) for m in set(RAW_CODES.findall(text))]
    context.close()
    assert problems == [], "\n".join(map(str, problems))
    assert watch.outside == []
