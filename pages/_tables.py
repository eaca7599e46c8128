"""Tables on screen: sortable and searchable (``st.dataframe``), numbers in the reader's
language, scrolling inside their own box on narrow screens, long ones behind a summary.

``st.dataframe`` shows cell text as text (never Markdown or HTML), so user text is safe.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.text import escape_markdown
from geo.views import styled
from pages._session import Context

ROWS_SHOWN = 12  # taller tables scroll inside their box


def show_table(
    ctx: Context,
    table: pd.DataFrame,
    *,
    empty: str | None = None,
    column_config: dict[str, object] | None = None,
) -> None:
    """``table`` as a sortable, searchable grid; ``empty`` (or "none") when it has no rows.

    The first column stays in view while a wide table scrolls sideways (phones)."""
    if table.empty:
        st.caption(empty or ctx.t("table_empty"))
        return
    config: dict[str, object] = {str(table.columns[0]): st.column_config.Column(pinned=True)}
    config.update(column_config or {})
    height = None if len(table) <= ROWS_SHOWN else 35 * (ROWS_SHOWN + 1) + 3
    st.dataframe(
        styled(table, ctx.lang),
        hide_index=True,
        placeholder="–",
        column_config=config,
        height=height if height is not None else "auto",
    )


def collapsed_table(
    ctx: Context,
    title: str,
    summary: str,
    table: pd.DataFrame,
    *,
    expanded: bool = False,
    empty: str | None = None,
) -> None:
    """A heading with a one-line summary, the table behind an expander."""
    st.subheader(title)
    st.markdown(escape_markdown(summary))
    with st.expander(ctx.t("show_table", n=len(table)), expanded=expanded):
        show_table(ctx, table, empty=empty)
