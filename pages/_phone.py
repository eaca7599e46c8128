"""Phone behaviour Streamlit lacks: the sidebar closes after picking a page.

On a narrow screen the sidebar covers the whole page; Streamlit 1.67 leaves it open after a
page is picked, so the user sees the menu instead of the page. A zero-height component whose
content names the current page runs once per page change (a rerun for a filter change
leaves it as it is, so an open sidebar stays open while filtering) and closes the sidebar
when the screen is narrow.
"""

from __future__ import annotations

import json

import streamlit.components.v1 as components

NARROW_PX = 640  # Streamlit's own breakpoint for the overlaying sidebar


def close_sidebar_on_phones(page: str) -> None:
    """Close the sidebar after navigating to ``page`` when the screen is narrow."""
    components.html(
        f"""<script>
        // page: {json.dumps(page)}
        (function () {{
          var doc = window.parent.document;
          if (window.parent.innerWidth > {NARROW_PX}) {{ return; }}
          var bar = doc.querySelector('[data-testid="stSidebar"]');
          if (!bar || bar.getBoundingClientRect().right <= 0) {{ return; }}
          var button = doc.querySelector('[data-testid="stSidebarCollapseButton"] button')
            || doc.querySelector('[data-testid="stSidebarHeader"] button');
          if (button) {{ button.click(); }}
        }})();
        </script>""",
        height=0,
    )
