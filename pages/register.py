"""Registrera: click the map (or type coordinates), fill a form, save; edit spots; undo.

Every save goes through the store's validation and is written to the change log.
"""

from __future__ import annotations

import datetime as dt

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from folium.plugins import Draw
from shapely.geometry import Point, shape
from streamlit_folium import st_folium

from geo.changelog import audit_table, describe_change, local_time_text, record_names
from geo.crs import latlon
from geo.editing import Editor
from geo.errors import ConflictError, GeoError
from geo.mapview.assets import localise
from geo.mapview.basemap import build_base_map
from geo.mapview.layers import spots_layer
from geo.model import LOCAL_TZ, ControlType, PresenceKind, SpotCategory, SpotStatus
from geo.numbers import number, parse_decimal
from geo.text import escape_markdown
from geo.tiers import audit_for
from pages import _session as session
from pages._session import current_context
from pages._tables import show_table

ctx = current_context()
t, snap = ctx.t, ctx.snap
editor = Editor(ctx.store, ctx.viewer.name, ctx.tier)
KEY = "register_map"

st.title(t("page_register"))
if not ctx.tier.can_edit:
    st.info(t("no_edit_rights"))
    st.stop()
if message := st.session_state.pop("register_saved", None):
    # A toast, not a message above the map: anything that shifts the map's place in the
    # page makes Streamlit mount it anew, and the user loses zoom and position.
    st.toast(message, icon=":material/check_circle:")


def take_click() -> None:
    """Move the point to the newest click: on the map, or on a marker (a spot, the point
    itself), which Leaflet reports as an object click instead of a map click."""
    value = st.session_state.get(KEY) or {}
    for field in ("last_object_clicked", "last_clicked"):
        point = value.get(field)
        if point and point != st.session_state.get("_seen_" + field):
            st.session_state["_seen_" + field] = point
            set_point(float(point["lat"]), float(point["lng"]))


def coordinate_text(value: float) -> str:
    """A coordinate as the reader writes it (``56,55100`` in Swedish), five decimals (1 m)."""
    return number(value, ctx.lang, COORD_DECIMALS)


def set_point(lat: float, lon: float) -> None:
    """The point (EPSG:4326 degrees) and the coordinate fields that show it."""
    st.session_state["_reg_point"] = (round(lat, COORD_DECIMALS), round(lon, COORD_DECIMALS))
    st.session_state["reg_lat"] = coordinate_text(lat)
    st.session_state["reg_lon"] = coordinate_text(lon)
    st.session_state["_reg_lang"] = ctx.lang


# The coordinates are text fields, not number inputs: Streamlit writes a number input with a
# decimal point ("56.55100"); these read "56,55100" in Swedish and take either sign.
COORD_DECIMALS = 5
take_click()
if "_reg_point" not in st.session_state or "reg_lat" not in st.session_state:
    set_point(*st.session_state.get("_reg_point", (56.5510, 14.1390)))
typed = (parse_decimal(st.session_state["reg_lat"]), parse_decimal(st.session_state["reg_lon"]))
if typed[0] is not None and typed[1] is not None:
    st.session_state["_reg_point"] = typed
if st.session_state.get("_reg_lang") != ctx.lang:  # the language changed: its decimal sign
    set_point(*st.session_state["_reg_point"])
lat, lon = st.session_state["_reg_point"]

picked = folium.FeatureGroup(name=t("register_point"))
folium.CircleMarker(
    latlon(lon, lat),
    radius=9,
    color="#000",
    weight=3,
    fill=True,
    fill_color="#ffeb3b",
    fill_opacity=1,
).add_to(picked)
st.caption(t("register_click"))
base = build_base_map(snap, ctx.map_settings, t, legend=frozenset({"spots"}))  # spots only
Draw(
    draw_options={
        "polyline": {"shapeOptions": {"color": "#2166ac"}},
        "polygon": False,
        "rectangle": False,
        "circle": False,
        "marker": False,
        "circlemarker": False,
    },
    edit_options={"edit": False, "remove": False},
).add_to(base)
localise(base)
# A keyed container of its own: otherwise Streamlit reuses the overview page's map iframe,
# which loaded its scripts once, without leaflet-draw. The base map never changes, so the
# map keeps its zoom; new spots and the point arrive through feature_group_to_add.
with st.container(key="register_map_box"):
    st_folium(
        base,
        key=KEY,
        height=420,
        use_container_width=True,
        returned_objects=["last_clicked", "last_object_clicked", "last_active_drawing"],
        feature_group_to_add=[spots_layer(snap, ctx.filters, ctx.params, t), picked],
        on_change=take_click,
        render=False,  # the same map without a discarded render of the figure
    )
c1, c2 = st.columns(2)
c1.text_input(t("register_lat"), key="reg_lat", max_chars=16)
c2.text_input(t("register_lon"), key="reg_lon", max_chars=16)
if None in typed:  # the last readable point stays in use
    st.warning(t("register_coordinate_unreadable"))
here = Point(lon, lat)
drawing = (st.session_state.get(KEY) or {}).get("last_active_drawing") or {}
geometry = drawing.get("geometry") or {}
drawn = shape(geometry) if geometry.get("type") == "LineString" else None


def local(day: dt.date, clock: dt.time) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime.combine(day, clock)).tz_localize(LOCAL_TZ)


def save(layer: str, record: dict[str, object], geometry: Point | None, form: str) -> None:
    """Add one record; show the store's error (record, field, reason) with the typed text
    kept, or clear ``form`` (its widgets get new keys) and reload."""
    frame = gpd.GeoDataFrame([record], geometry=[geometry], crs=4326)
    try:
        editor.add(layer, frame)
    except GeoError as exc:
        st.error(escape_markdown(exc))
        return
    st.session_state["register_saved"] = t("register_saved")
    st.session_state[FORM_ROUND + form] = st.session_state.get(FORM_ROUND + form, 0) + 1
    st.rerun()


FORM_ROUND = "_form_round_"


def k(form: str, name: str) -> str:
    """A widget key that changes after each save of ``form``, so the form starts empty."""
    return f"{form}_{name}_{st.session_state.get(FORM_ROUND + form, 0)}"


# Only the forms of layers the role may change (the Editor refuses the others anyway).
SECTIONS = {
    "spot": "problem_spots",
    "presence": "presence",
    "control": "presence",
    "dialogue": "dialogues",
    "activity": "activities",
    "edit": "problem_spots",
    "log": None,
}
shown = [k for k, layer in SECTIONS.items() if layer is None or editor.may_edit(layer)]
tab = dict(zip(shown, st.tabs([t("register_tab_" + k) for k in shown]), strict=True))
if "spot" in tab:
    with tab["spot"]:
        # The dialogue is chosen outside the form, so the date follows it at once; the
        # choice stays for the next spot of the same meeting.
        dialogues = dict(
            zip(
                snap.dialogues["uid"],
                snap.dialogues["date"] + " " + snap.dialogues["place"],
                strict=True,
            )
        )
        dialogue_dates = dict(zip(snap.dialogues["uid"], snap.dialogues["date"], strict=True))
        dialogue = st.selectbox(
            t("register_dialogue"),
            ["", *sorted(dialogues, key=lambda u: dialogue_dates[u], reverse=True)],
            format_func=lambda u: dialogues.get(u, t("register_no_dialogue")),
            key="spot_dialogue",
        )
        day = dt.date.fromisoformat(dialogue_dates[dialogue]) if dialogue else dt.date.today()
        with st.form("form_spot"):
            category = st.selectbox(
                t("col_category"),
                [c.value for c in SpotCategory],
                format_func=lambda c: t("cat_" + c),
                key=k("spot", "category"),
            )
            description = st.text_area(
                t("col_description"),
                max_chars=1000,
                help=t("texts_public"),
                key=k("spot", "description"),
            )
            reported = st.date_input(
                t("col_reported"), day, key=k("spot", f"reported_{dialogue}"), format="YYYY-MM-DD"
            )
            residents = st.number_input(
                t("register_residents"), 1, 10_000, 1, key=k("spot", "residents")
            )
            status = st.selectbox(
                t("col_status"),
                [s.value for s in SpotStatus],
                format_func=lambda s: t("status_" + s),
                key=k("spot", "status"),
            )
            response = st.text_area(
                t("col_response"), max_chars=2000, help=t("texts_public"), key=k("spot", "response")
            )
            if st.form_submit_button(t("register_save")):
                save(
                    "problem_spots",
                    dict(
                        category=category,
                        description=description,
                        dialogue_uid=dialogue or None,
                        reported=reported,
                        residents=residents,
                        status=status,
                        response=response,
                    ),
                    here,
                    "spot",
                )

if "presence" in tab:
    with tab["presence"], st.form("form_presence"):
        kind = st.selectbox(
            t("col_kind"),
            [
                PresenceKind.CAR_PATROL.value,
                PresenceKind.FOOT_PATROL.value,
                PresenceKind.OTHER.value,
            ],
            format_func=lambda k: t("kind_" + k),
        )
        day = st.date_input(t("register_day"), dt.date.today())
        a, b = st.columns(2)
        start, end = (
            a.time_input(t("col_start"), dt.time(20, 0)),
            b.time_input(t("register_end"), dt.time(21, 0)),
        )
        unit = st.text_input(t("register_unit"))
        note = st.text_input(t("col_place"))
        use_line = st.checkbox(
            t("register_use_line"),
            value=drawn is not None,
            disabled=drawn is None,
            help=t("register_use_line_help"),
        )
        if st.form_submit_button(t("register_save")):
            save(
                "presence",
                dict(
                    kind=kind,
                    start=local(day, start),
                    end=local(day, end),
                    unit=unit,
                    note=note,
                    source="form",
                ),
                drawn if use_line and drawn is not None else here,
                "presence",
            )

if "control" in tab:
    with tab["control"], st.form("form_control"):
        day = st.date_input(t("register_day"), dt.date.today(), key="ctrl_day")
        a, b = st.columns(2)
        start, end = (
            a.time_input(t("col_start"), dt.time(14, 0), key="ctrl_start"),
            b.time_input(t("register_end"), dt.time(15, 0), key="ctrl_end"),
        )
        ctype = st.selectbox(
            t("control_type"), [c.value for c in ControlType], format_func=lambda c: t("ctrl_" + c)
        )
        checked = st.number_input(t("col_vehicles_checked"), 0, 100_000, 0)
        violations = st.number_input(t("col_violations"), 0, 100_000, 0)
        note = st.text_input(t("col_place"), key="ctrl_note")
        if st.form_submit_button(t("register_save")):
            save(
                "presence",
                dict(
                    kind=PresenceKind.TRAFFIC_CONTROL.value,
                    start=local(day, start),
                    end=local(day, end),
                    control_type=ctype,
                    vehicles_checked=checked,
                    violations=violations,
                    note=note,
                    unit="Trafik",
                    source="form",
                ),
                here,
                "control",
            )

if "dialogue" in tab:
    with tab["dialogue"], st.form("form_dialogue"):
        day = st.date_input(t("register_day"), dt.date.today(), key="dlg_day")
        place = st.text_input(t("col_place"), key="dlg_place")
        participants = st.number_input(t("register_participants"), 0, 100_000, 0)
        organisers = st.text_input(t("register_organisers"))
        at_click = st.checkbox(t("register_at_point"), value=True, key="dlg_at")
        if st.form_submit_button(t("register_save")):
            save(
                "dialogues",
                dict(date=day, place=place, participants=participants, organisers=organisers),
                here if at_click else None,
                "dialogue",
            )

if "activity" in tab:
    with tab["activity"], st.form("form_activity"):
        day = st.date_input(t("register_day"), dt.date.today(), key="act_day")
        kind = st.text_input(t("register_activity_kind"))
        focus = st.selectbox(
            t("register_focus"),
            ["narcotics", "burglary", "traffic", "other"],
            format_func=lambda f: t("focus_" + f),
        )
        target = st.selectbox(
            t("register_target"),
            ["youth", "parents", "residents", "other"],
            format_func=lambda g: t("target_" + g),
        )
        partners = st.text_input(t("register_partners"), help=t("register_partners_help"))
        place = st.text_input(t("col_place"), key="act_place")
        if st.form_submit_button(t("register_save")):
            save(
                "activities",
                dict(
                    date=day,
                    kind=kind,
                    focus=focus,
                    target_group=target,
                    partners=partners,
                    place=place,
                ),
                None,
                "activity",
            )

if "edit" in tab:
    with tab["edit"]:
        spots = snap.problem_spots
        names = dict(zip(spots["uid"], spots["description"], strict=True))
        uid = st.selectbox(
            t("register_pick_spot"), list(names), format_func=names.get, key="edit_uid"
        )
        if uid:
            row = spots.set_index("uid").loc[uid]
            with st.form("form_edit"):
                status = st.selectbox(
                    t("col_status"),
                    [s.value for s in SpotStatus],
                    index=[s.value for s in SpotStatus].index(row["status"]),
                    format_func=lambda s: t("status_" + s),
                )
                response = st.text_area(
                    t("col_response"),
                    "" if pd.isna(row["response"]) else row["response"],
                    max_chars=2000,
                )
                move = st.checkbox(t("register_move"))
                if st.form_submit_button(t("register_save")):
                    changes: dict[str, object] = {"status": status, "response": response}
                    if move:
                        changes["geometry"] = here
                    try:
                        editor.update(
                            "problem_spots", uid, changes, expected_version=int(row["version"])
                        )
                    except ConflictError as exc:
                        st.error(escape_markdown(exc))  # the typed text stays in the form
                    except GeoError as exc:
                        st.error(escape_markdown(exc))
                    else:
                        st.session_state["register_saved"] = t("register_saved")
                        st.rerun()

if "log" in tab:
    with tab["log"]:
        # The history this person may see (a reduction per tier, if any, is applied here).
        log = editor.history(limit=100)
        roles = session.accounts(str(ctx.settings.accounts_path)).roles()
        shown_roles = {name: t("role_" + role) for name, role in roles.items()}
        log = audit_for(log, ctx.tier, shown_roles, t("role_other"))  # roles and weeks
        names = record_names(snap, t)
        show_table(ctx, audit_table(log, t, names), empty=t("table_empty"))
        undoable = log[log["action"].isin(["add", "update", "delete"])]
        said = {
            int(r["id"]): f"{local_time_text(r['ts_utc'])} · {r['user']} · "
            + describe_change(r, names, t)
            for r in undoable.to_dict("records")
        }
        entry = st.selectbox(
            t("register_undo_pick"),
            list(said),
            key="undo_id",
            format_func=said.get,
            index=None,
            placeholder=t("register_undo_placeholder"),
        )
        if entry is not None and st.button(
            t("register_undo_named", change=escape_markdown(said[entry])), key="undo_go"
        ):
            try:
                editor.undo(int(entry))
            except GeoError as exc:
                st.error(escape_markdown(exc))
            else:
                st.session_state["register_saved"] = t(
                    "register_undone_named", change=escape_markdown(said[entry])
                )
                st.rerun()
