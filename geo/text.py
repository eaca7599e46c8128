"""User text shown as text: never interpreted as Markdown, HTML or a template.

Streamlit renders Markdown (and some HTML) in ``st.markdown``, ``st.caption``, ``st.write``,
``st.table``, alerts (``st.info``, ``st.warning``, ``st.error``, ``st.success``), toasts,
button and metric labels and expander titles (option lists of select boxes stay plain). A
stored ``![x](http://…)`` would make every visitor's browser fetch an outside image;
``[Läs mer](http://…)`` would show a link nobody vetted. Any text that came from a user, a
file or a user name goes through :func:`escape_markdown` (a message's values through
:func:`escape_values`) before it reaches such an element (tables should prefer
``st.dataframe``, which never interprets cell text).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

# Every character Markdown (CommonMark + GitHub/Streamlit extensions: ~strike~, :emoji:,
# $math$, bare-URL autolinks via ``:`` and ``.``, HTML via ``<`` ``>`` ``&``) gives a meaning to.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=^&\"'])")


# GitHub-flavoured Markdown turns bare ``http://``, ``www.`` and e-mail addresses into links
# *after* backslash escapes are resolved, so escaping cannot stop them. An invisible word
# joiner (U+2060) after the ``:`` of ``://``, after ``www`` and after ``@`` does.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(:)(?=//)|(www)(?=\.)|(@)")


def escape_markdown(text: object) -> str:
    """``text`` made inert for Markdown renderers: a backslash before every Markdown and
    HTML punctuation mark, and a word joiner inside anything GFM would autolink (bare
    URLs, ``www.``, e-mail addresses); the reader sees the text as typed. Line breaks
    become spaces.

    ``None`` and NaN become the empty string.
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    plain = " ".join(str(text).split())
    plain = _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, plain)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain)


def escape_values(values: Mapping[str, object]) -> dict[str, object]:
    """A message's values with every text made inert for Markdown (numbers left as they are,
    for the message's own number format)."""
    return {k: escape_markdown(v) if isinstance(v, str) else v for k, v in values.items()}


# folium (branca's MacroElement.render) wraps every element's rendered script in a new
# ``Element``, which compiles it as a Jinja template, and renders it again with the figure:
# "{{ … }}", "{% … %}" or "{# … #}" inside a description would be evaluated on the server
# (or break the map with a syntax error). Braces as character references read the same in
# the browser and carry no Jinja syntax.
_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})


def without_braces(html_text: str) -> str:
    """HTML text with its braces as character references (the same text in a browser, no
    Jinja syntax left for folium's templates)."""
    return html_text.translate(_BRACES)


def escape_html(text: object) -> str:
    """``text`` as inert HTML for the map's popups, tooltips and labels: ``& < > " '``
    escaped, and braces as character references so that no Jinja syntax reaches folium's
    templates. Read in a browser, it is the text as typed."""
    return without_braces(html.escape(str(text), quote=True))
