"""Import: upload → preview with a per-row report → commit in one transaction.

The upload is read once (keyed by its digest and the chosen options, kept in the session)
in a worker process with the deployment's upload budget; reruns reuse that result.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from geo.editing import Editor
from geo.errors import ImportRejected, Message
from geo.imports.base import ImportResult, drop_stored, preview_frame
from geo.imports.budget import Budget
from geo.imports.columns import COORDINATES, guess_mapping
from geo.imports.files import FILE_TYPES
from geo.imports.tabular import TABLES, table_columns
from geo.imports.worker import forget, read_isolated, read_once
from geo.model import SCHEMAS, PresenceKind
from geo.text import escape_markdown
from pages._session import current_context
from pages._tables import show_table

ctx = current_context()
t, store, lang = ctx.t, ctx.store, ctx.lang
editor = Editor(store, ctx.viewer.name, ctx.tier)
budget = Budget.from_settings(ctx.settings)
layers = [x for x in ("presence", "problem_spots") if editor.may_edit(x)]

st.title(t("page_import"))
if not layers:
    st.info(t("no_edit_rights"))
    st.stop()
st.caption(t("import_intro", limit=ctx.settings.upload_max_mb))
upload = st.file_uploader(t("import_file"), type=list(FILE_TYPES), key="import_upload")
layer = st.radio(
    t("import_layer"), layers, horizontal=True, format_func=lambda x: t("layer_" + x),
    key="import_layer",
)  # fmt: skip
kind = PresenceKind.CAR_PATROL.value
if upload is not None and upload.name.lower().endswith(".gpx"):  # asked only where it applies
    kind = st.selectbox(
        t("import_gpx_kind"), [k.value for k in PresenceKind], format_func=lambda k: t("kind_" + k),
        key="import_kind",
    )  # fmt: skip
with st.expander(t("imp_page_options"), expanded=False):
    running_clock = st.checkbox(
        t("imp_page_running_clock"), help=t("imp_page_running_clock_help"), key="import_clock"
    )
    reported = None
    if layer == "problem_spots":
        reported = st.date_input(
            t("imp_page_reported"), value=None, help=t("imp_page_reported_help"),
            key="import_reported", format="YYYY-MM-DD",
        )  # fmt: skip


def show(result: ImportResult) -> None:
    st.subheader(t("layer_" + result.layer))
    st.markdown(
        t("import_counts", new=result.accepted, dup=result.duplicates, bad=len(result.rejected))
    )
    for note in result.notes:
        st.info(escape_markdown(note))
    if len(result.rejected):
        st.markdown("**" + t("import_rejected") + "**")
        show_table(ctx, result.rejected.rename(columns=lambda c: t("imp_col_" + c)))
    if len(result.left_out):
        with st.expander(t("imp_page_left_out", n=len(result.left_out))):
            show_table(ctx, result.left_out.rename(columns=lambda c: t("imp_col_" + c)))
    if result.accepted:
        st.markdown("**" + t("import_preview") + "**")
        show_table(ctx, preview_frame(result))


if upload is not None:
    data = upload.getvalue()
    name = upload.name
    mapping = None
    try:
        if name.lower().rsplit(".", 1)[-1] in TABLES:
            columns = table_columns(data, name, budget)
            guessed = guess_mapping(columns, layer)
            with st.expander(t("import_mapping"), expanded=False):
                options = ["", *columns]
                mapping = {}
                for target in [*COORDINATES, *SCHEMAS[layer].field_names]:
                    chosen = st.selectbox(
                        t("imp_field_" + target), options,
                        index=options.index(guessed.get(target, "")),
                        key=f"map_{layer}_{target}",
                    )  # fmt: skip
                    if chosen:
                        mapping[target] = chosen
        defaults = {"reported": reported.isoformat()} if reported else None
        key = (
            hashlib.sha256(data).hexdigest(), name, layer, kind, running_clock, lang,
            tuple(sorted((mapping or {}).items())), tuple(sorted((defaults or {}).items())),
        )  # fmt: skip

        def read() -> list[ImportResult]:
            bar = st.progress(0.0, text=t("import_checking"))

            def progress(done: float, what: Message) -> None:
                bar.progress(min(max(done, 0.0), 1.0), text=what.text(lang))

            try:
                results = read_isolated(
                    store.municipality(), data, name, layer, budget=budget, progress=progress,
                    lang=lang, mapping=mapping, kind=kind, defaults=defaults,
                    running_clock=running_clock,
                )  # fmt: skip
                bar.progress(1.0, text=t("imp_progress_checking"))
                return [drop_stored(store, r) for r in results]
            finally:
                bar.empty()

        results = read_once(st.session_state, key, read)
    except ImportRejected as exc:
        st.error(t("import_refused", reason=escape_markdown(exc.text(lang))))
        st.stop()
    refused = [r.layer for r in results if not editor.may_edit(r.layer)]
    results = [r for r in results if editor.may_edit(r.layer)]
    if refused:
        st.warning(t("no_edit_rights") + " " + ", ".join(t("layer_" + x) for x in refused))
    for r in results:
        show(r)

    total = sum(r.accepted for r in results)
    if total and st.button(t("import_commit", n=total), type="primary", key="import_go"):
        bar = st.progress(0.0, text=t("import_writing"))
        written = 0
        for i, r in enumerate(results, 1):
            written += len(editor.import_result(r))
            bar.progress(i / len(results), text=t("import_writing"))
        forget(st.session_state)  # the next look counts these rows as already stored
        st.success(t("import_done", n=written))
