"""Tables on screen: sortable and searchable (``st.dataframe``), numbers in the reader's
language, scrolling inside their own box on narrow screens, long ones behind a summary
(made and sent only when opened: a page shows its map and figures sooner).

``st.dataframe`` shows cell text as text (never Markdown or HTML), so user text is safe.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.elements.lib.mutable_expander_container import ExpanderContainer

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


def table_box(ctx: Context, key: str) -> ExpanderContainer:
    """The "show the table" section: an expander whose content is made and sent only while
    it is open (use ``.open``); opening it reruns the page. Its label names no row count: a
    label that changed with the filters would make a new expander and close an open one."""
    return st.expander(ctx.t("show_table"), key=key, on_change="rerun")


def boxed_table(ctx: Context, table: pd.DataFrame, *, key: str) -> None:
    """``table`` behind a :func:`table_box`: shown, and sent, only while the box is open."""
    box = table_box(ctx, key)
    with box:
        if box.open:
            show_table(ctx, table)


def collapsed_table(
    ctx: Context, title: str, summary: str, table: pd.DataFrame, *, key: str
) -> None:
    """A heading with a one-line summary, the table behind a :func:`table_box` (none when
    the table is empty: the summary says so)."""
    st.subheader(title)
    st.markdown(escape_markdown(summary))
    if not table.empty:
        boxed_table(ctx, table, key=key)


def spot_rows(ctx: Context, spots: pd.DataFrame, summary: str, *, key: str) -> None:
    """The problem spots' summary and table (from :func:`geo.views.spot_table`), behind a
    :func:`table_box` (none without spots: the summary says so), with a switch to only the
    spots without follow-up where the tier shows follow-up."""
    st.markdown(escape_markdown(summary))
    if spots.empty:
        return
    box = table_box(ctx, key)
    with box:
        if not box.open:
            return
        followed = ctx.t("col_followed_up")
        if followed in spots.columns and st.toggle(
            ctx.t("only_without_follow_up"), key=key + "_without"
        ):
            spots = spots[spots[followed] == ctx.t("no")]
        show_table(ctx, spots, empty=ctx.t("no_spots"))
