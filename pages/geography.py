"""Geografi (police only): replace the outline, localities, countryside zones or roads from
a file, or restore the built-in geography; preview before and after; accept in one audited
transaction; undo."""

from __future__ import annotations

import hashlib

import streamlit as st
from streamlit_folium import st_folium

from geo.errors import GeoError, LayerFileError
from geo.layers import LAYERS, Preview, detect_columns, plan, plan_builtin, read_layer_file
from geo.layers.columns import missing_roles
from geo.layers.preview import accept, accept_outside
from geo.layers.read import SUFFIXES
from geo.layers.view import change_table, comparison_maps, history_table, number, outside_table
from geo.roles import Role
from geo.text import escape_markdown, escape_values
from pages._session import current_context
from pages._tables import show_table

ctx = current_context()
t, store, lang = ctx.t, ctx.store, ctx.lang
code = ctx.settings.municipality_code
limit = ctx.settings.upload_max_mb

st.title(t("page_geography"))
if ctx.tier.role != Role.POLICE:  # not in other roles' menus; refuse a direct visit too
    st.info(t("geo_police_only"))
    st.stop()
st.caption(t("geo_intro", limit=limit))


def _refused(exc: LayerFileError) -> None:
    # the values name the file's columns, codes and layers: user text
    st.error(t("geo_refused", reason=t(exc.key, **escape_values(exc.values))))
    st.stop()


def _cached_plan(stamp: tuple[object, ...], make) -> Preview:  # noqa: ANN001 - a callable
    """The preview for ``stamp`` (file, choices, data version), computed once."""
    cached = st.session_state.get("_geo_preview")
    if cached is None or cached[0] != stamp:
        try:
            with st.spinner(t("geo_checking")):
                st.session_state["_geo_preview"] = (stamp, make())
        except LayerFileError as exc:
            _refused(exc)
    return st.session_state["_geo_preview"][1]


def _file_preview(layer: str) -> Preview | None:
    upload = st.file_uploader(t("geo_file"), type=list(SUFFIXES), key=f"geo_upload_{layer}")
    if upload is None:
        return None
    data = upload.getvalue()
    try:
        lf = read_layer_file(data, upload.name, limit_mb=limit)
        if len(lf.layer_names) > 1:
            chosen = st.selectbox(t("geo_file_layer"), lf.layer_names, key="geo_file_layer")
            if chosen != lf.layer_name:
                lf = read_layer_file(data, upload.name, limit_mb=limit, layer_name=chosen)
    except LayerFileError as exc:
        _refused(exc)
    st.markdown(t("geo_read", n=len(lf.frame), crs=escape_markdown(lf.source_crs)))
    mapping: dict[str, str | None] = {}
    options = ["", *lf.columns]
    for role, guess in detect_columns(lf.frame, layer, code).items():
        if not guess.sure and guess.candidates:
            columns = escape_markdown(", ".join(guess.candidates))  # the file's column names
            st.warning(t("geo_unsure", role=t("geo_role_" + role), columns=columns))
        default = options.index(guess.column) if guess.sure and guess.column else 0
        chosen_column = st.selectbox(
            t("geo_role_" + role),
            options,
            index=default,
            key=f"geo_col_{layer}_{role}",
            format_func=lambda c: c or t("geo_no_column"),
        )
        mapping[role] = chosen_column or None
    year, keep = None, True
    if layer == "localities":
        year = int(st.number_input(t("geo_year"), 1900, 2100, 2020, key="geo_year"))
        keep = st.checkbox(t("geo_keep_unmatched"), value=True, key="geo_keep")
    missing = missing_roles(layer, mapping)
    if missing:
        st.info(t("geo_choose", roles=", ".join(t("geo_role_" + r) for r in missing)))
        return None
    digest = hashlib.sha256(data).hexdigest()
    stamp = (digest, layer, tuple(sorted(mapping.items())), year, keep, store.data_version())
    return _cached_plan(
        stamp,
        lambda: plan(store, lf, layer, mapping, code=code, year=year, keep_unmatched=keep),
    )


def _show(pv: Preview) -> None:
    c1, c2, c3, c4 = st.columns(4)
    growth = pv.km2("new") - pv.km2("old")
    c1.metric(
        t("geo_outline_km2"),
        number(pv.km2("new"), lang),
        delta=number(growth, lang) + " km²" if abs(growth) >= 0.05 else None,
    )
    c2.metric(t("geo_gained"), len(pv.gained))
    c3.metric(t("geo_lost"), len(pv.lost))
    moved = sum(pv.moved.get(x, 0) for x in ("presence", "problem_spots", "incidents"))
    fixes = pv.moved.get("presence_fixes", 0)
    c4.metric(t("geo_moved"), moved, help=t("geo_moved_help", fixes=fixes))
    settings = ctx.map_settings
    old_map, new_map = comparison_maps(pv, settings.tile_url, settings.tile_attribution)
    left, right = st.columns(2)
    for column, heading, fig, key in (
        (left, "geo_before", old_map, "geo_map_old"),
        (right, "geo_after", new_map, "geo_map_new"),
    ):
        with column:
            st.subheader(t(heading))
            st_folium(
                fig,
                key=key,
                height=420,
                use_container_width=True,
                returned_objects=[],
                render=False,  # the same map without a discarded render of the figure
            )
    table = change_table(pv, t, lang)
    st.markdown("**" + t("geo_changes") + "**")
    if len(table):
        show_table(ctx, table)
    else:
        st.caption(t("geo_no_changes"))
    if pv.new.roads is not None:
        st.markdown(t("geo_roads_count", old=len(pv.old_roads), new=len(pv.new.roads)))
    confirmed = True
    if len(pv.outside):
        st.warning(t("geo_outside", n=len(pv.outside)))
        show_table(ctx, outside_table(pv, t))
        confirmed = st.checkbox(t("geo_outside_confirm", n=len(pv.outside)), key="geo_outside_ok")
    if st.button(t("geo_accept"), type="primary", disabled=not confirmed, key="geo_accept"):
        writer = accept_outside if len(pv.outside) else accept
        try:
            audit_id = writer(store, pv, user=ctx.viewer.name)
        except GeoError as exc:
            st.error(t("geo_refused", reason=escape_markdown(exc)))
            return
        st.session_state.pop("_geo_preview", None)
        st.success(t("geo_done", n=str(audit_id)))  # an id: no thousands space


layer = st.radio(
    t("geo_layer"),
    [*LAYERS, "builtin"],
    format_func=lambda x: t("geo_layer_" + x),
    horizontal=True,
    key="geo_layer",
)
st.caption(t("geo_layer_help_" + layer))
if layer == "builtin":
    preview = _cached_plan(
        ("builtin", code, store.data_version()), lambda: plan_builtin(store, code)
    )
else:
    preview = _file_preview(layer)
if preview is not None:
    _show(preview)

st.subheader(t("geo_history"))
history = history_table(store.audit_log(limit=2000), t)
if history.empty:
    st.caption(t("geo_history_none"))
else:
    show_table(ctx, history)
    entries = history[t("geo_col_entry")].tolist()
    # Keyed by the newest entry, so the choice starts at the newest again after a change.
    entry = st.selectbox(t("geo_undo_pick"), entries, key=f"geo_undo_id_{entries[0]}")
    if st.button(t("geo_undo"), key="geo_undo_go"):
        try:
            new_id = store.undo_geography(int(entry), user=ctx.viewer.name)
        except GeoError:
            st.error(t("geo_undo_refused"))
        else:
            st.session_state.pop("_geo_preview", None)
            st.success(t("geo_undone", n=str(entry), m=str(new_id)))
