"""One-click downloads: the file is built when the button is clicked (Streamlit's deferred
download, no rerun), at the viewer's tier, and the export is written to the audit log."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from pages._session import Context


def download(
    ctx: Context,
    label: str,
    make: Callable[[], bytes],
    file_name: str,
    mime: str,
    *,
    key: str,
    **detail: object,
) -> None:
    """A download button for ``make()``'s bytes, logged as an export when fetched."""

    def build() -> bytes:
        data = make()
        ctx.store.log_event(
            ctx.viewer.name,
            "export",
            file_name,
            {"tier": ctx.tier.role.value, "bytes": len(data), **detail},
        )
        return data

    st.download_button(
        label,
        data=build,
        file_name=file_name,
        mime=mime,
        on_click="ignore",  # a rerun would drop the deferred file before the browser fetches it
        key="dl_" + key,
    )
