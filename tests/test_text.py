import html
import re

import pytest

from geo.text import WORD_JOINER, escape_html, escape_markdown


@pytest.mark.parametrize(
    "text",
    [
        "![x](http://evil.example/p.png)",
        "[Läs mer](http://evil.example)",
        "<img src=x onerror=alert(1)>",
        "http://evil.example and www.evil.example",
        "**fet** _kursiv_ `kod` ~~struken~~ :smile: $x$",
    ],
)
def test_no_markdown_punctuation_is_left_unescaped(text):
    out = escape_markdown(text)
    # Every special character is preceded by a backslash: remove the escapes, get the text.
    assert re.sub(r"\\(.)", r"\1", out).replace(WORD_JOINER, "") == text
    assert not re.search(r"(?<!\\)[\[\]()<>!:*_`~$]", out)


def test_missing_values_and_line_breaks():
    assert escape_markdown(None) == ""
    assert escape_markdown(float("nan")) == ""
    assert escape_markdown("rad ett\n# rad två") == r"rad ett \# rad två"


def test_bare_addresses_cannot_autolink():
    # GFM links these after resolving escapes; a word joiner breaks each pattern.
    out = escape_markdown("se http://evil.example, WWW.evil.example och ond@evil.example")
    plain = re.sub(r"\\(.)", r"\1", out)
    assert "http://" not in plain and "www." not in plain.lower() and "@e" not in plain
    assert plain.replace(WORD_JOINER, "") == (
        "se http://evil.example, WWW.evil.example och ond@evil.example"
    )


@pytest.mark.parametrize(
    "text", ['{{ "x" ~ 1 }} {% if 1 %}a{% endif %} {# c #}', "<b>&'\"</b>", "Diö {1}"]
)
def test_map_html_text_reads_as_typed_with_no_markup_or_template_syntax(text):
    out = escape_html(text)
    assert html.unescape(out) == text
    assert not re.search(r"[<>{}\"']", out)
