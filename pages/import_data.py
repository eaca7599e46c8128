"""Import: upload → preview with a per-row report → commit in one transaction."""

from __future__ import annotations

import streamlit as st

from geo.editing import Editor
from geo.errors import ImportRejected
from geo.imports.files import FILE_TYPES, TABLES, prepare_file
from geo.imports.tabular import COORDINATES, guess_mapping, read_table
from geo.model import SCHEMAS, PresenceKind
from geo.text import escape_markdown
from pages._session import current_context
from pages._tables import show_table

ctx = current_context()
t, store = ctx.t, ctx.store
editor = Editor(store, ctx.viewer.name, ctx.tier)
limit = ctx.settings.upload_max_mb
layers = [x for x in ("presence", "problem_spots") if editor.may_edit(x)]

st.title(t("page_import"))
if not layers:
    st.info(t("no_edit_rights"))
    st.stop()
st.caption(t("import_intro", limit=limit))
upload = st.file_uploader(t("import_file"), type=list(FILE_TYPES), key="import_upload")
layer = st.radio(
    t("import_layer"),
    layers,
    horizontal=True,
    format_func=lambda x: t("layer_" + x),
    key="import_layer",
)
kind = st.selectbox(
    t("import_gpx_kind"),
    [k.value for k in PresenceKind],
    format_func=lambda k: t("kind_" + k),
    key="import_kind",
)

if upload is not None:
    data = upload.getvalue()
    name = upload.name
    mapping = None
    try:
        if name.lower().rsplit(".", 1)[-1] in TABLES:
            table = read_table(data, name)
            guessed = guess_mapping(list(table.columns), layer)
            with st.expander(t("import_mapping"), expanded=False):
                options = ["", *map(str, table.columns)]
                mapping = {}
                for target in [*COORDINATES, *SCHEMAS[layer].field_names]:
                    chosen = st.selectbox(
                        target,
                        options,
                        index=options.index(guessed.get(target, "")),
                        key=f"map_{layer}_{target}",
                    )
                    if chosen:
                        mapping[target] = chosen
        with st.spinner(t("import_checking")):
            results = prepare_file(
                store, data, name, layer, mapping=mapping, kind=kind, limit_mb=limit
            )
    except ImportRejected as exc:
        st.error(t("import_refused", reason=escape_markdown(exc)))
        st.stop()
    refused = [r.layer for r in results if not editor.may_edit(r.layer)]
    results = [r for r in results if editor.may_edit(r.layer)]
    if refused:
        st.warning(t("no_edit_rights") + " " + ", ".join(t("layer_" + x) for x in refused))

    for r in results:
        st.subheader(t("layer_" + r.layer))
        st.markdown(t("import_counts", new=r.accepted, dup=r.duplicates, bad=len(r.rejected)))
        for note in r.notes:
            st.info(escape_markdown(note))
        if len(r.rejected):
            st.markdown("**" + t("import_rejected") + "**")
            show_table(ctx, r.rejected.rename(columns=lambda c: t("col_import_" + c)))
        if r.accepted:
            preview = r.records.drop(columns="geometry").head(100)
            st.markdown("**" + t("import_preview") + "**")
            show_table(ctx, preview.astype(str))

    total = sum(r.accepted for r in results)
    if total and st.button(t("import_commit", n=total), type="primary", key="import_go"):
        bar = st.progress(0.0, text=t("import_writing"))
        written = 0
        for i, r in enumerate(results, 1):
            written += len(editor.import_result(r))
            bar.progress(i / len(results), text=t("import_writing"))
        st.success(t("import_done", n=written))
