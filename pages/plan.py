"""Veckoplan (police only): the week's inputs, the plan and its expected effect, the
shifts' stops, files for the car, and saving the plan for planned-against-done."""

from __future__ import annotations

import secrets
from dataclasses import replace

import pandas as pd
import streamlit as st

from geo.editing import Editor
from geo.errors import ConflictError, GeoError, ValidationError
from geo.numbers import number
from geo.plan import Plan, PlanInputError, PlanRequest, default_shifts, make_plan
from geo.plan.adherence import adherence, area_view, passed_plans
from geo.plan.effect import statement
from geo.plan.export import plan_files, stop_rows, tour_rows, unplaced_rows
from geo.plan.model import (
    PLAN_KINDS,
    SHIFT_NAMES,
    default_week,
    hours_from_values,
    normalise_week,
    shifts_from_rows,
    week_words,
)
from geo.plan.record import save_plan, saved_view
from geo.roles import Role
from geo.text import escape_markdown, escape_values
from pages._downloads import download
from pages._session import current_context, follow_language
from pages._tables import show_table

ctx = current_context()
t, snap, params = ctx.t, ctx.snap, ctx.params
if ctx.tier.role != Role.POLICE or not snap.tier.exact_presence:
    st.error(t("plan_err_tier"))
    st.stop()

names = dict(zip(snap.areas["id"], snap.areas["name"], strict=True))
days = [t(f"plan_day_{d}") for d in range(7)]
shift_labels = {t("plan_shift_" + n): n for n in SHIFT_NAMES}
DEFAULT_HOURS = {"car_patrol": 40.0, "foot_patrol": 16.0, "traffic_control": 12.0}
lang = ctx.lang

st.title(t("page_plan"))
st.caption(t("plan_caption"))
st.caption(
    t(
        "plan_rules",
        weeks=params.gap_weeks,
        radius=int(params.spot_radius_m),
        days=params.spot_days,
        dwell=int(params.dwell_minutes),
    )
)
if "plan_seed" not in st.session_state:
    st.session_state["plan_seed"] = secrets.randbelow(1_000_000)


def _reroll() -> None:
    """A new seed; the last inputs are planned again with it."""
    st.session_state["plan_seed"] = secrets.randbelow(1_000_000)
    st.session_state["_plan_reroll"] = True


def show_input_error(err: PlanInputError) -> None:
    """One clear error for a bad input: which row and field (a kind by its name), why;
    the values come from what the planner typed."""
    field = t("kind_" + err.field) if err.field in PLAN_KINDS else escape_markdown(err.field)
    st.error(t("plan_err_" + err.code, row=err.row, field=field, **escape_values(err.values)))


def _shift_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "day": days[s.day],
                "name": t("plan_shift_" + s.name),
                "start": s.start,
                "hours": s.hours,
                **{k: k in s.kinds for k in PLAN_KINDS},
            }
            for s in default_shifts()
        ]
    )


st.subheader(t("plan_inputs"))
with st.form("plan_form"):
    c1, c2, c3 = st.columns(3)
    week = c1.text_input(
        t("plan_week"),
        week_words(default_week(snap.extent().end, pd.Timestamp.now(tz="UTC")), t),
        key="plan_week",
        max_chars=16,
    )
    seed = c2.number_input(
        t("plan_seed"), 0, 999_999_999, step=1, key="plan_seed", help=t("plan_seed_help")
    )
    control_minutes = c3.number_input(t("plan_control_minutes"), 15, 240, 45, 5)
    # Text, not number inputs: a number input writes "40.00"; these read "40", "12,5"
    # (either decimal sign is accepted: geo.numbers.parse_decimal).
    hour_inputs = {
        kind: column.text_input(
            t("plan_hours_for", kind=t("kind_" + kind).lower()),
            number(DEFAULT_HOURS[kind], lang),
            key="plan_hours_" + kind,
            max_chars=8,
        )
        for kind, column in zip(PLAN_KINDS, st.columns(3), strict=True)
    }
    exclude = st.multiselect(
        t("plan_exclude"),
        list(names),
        key="plan_exclude",
        format_func=names.get,
        placeholder=t("plan_exclude_none"),
        select_all=False,
    )
    st.caption(t("plan_shifts"))
    edited = st.data_editor(
        _shift_rows(),
        num_rows="dynamic",
        hide_index=True,
        key="plan_shift_editor",
        column_config={
            "day": st.column_config.SelectboxColumn(t("plan_col_day"), options=days),
            "name": st.column_config.SelectboxColumn(
                t("plan_col_name"), options=list(shift_labels)
            ),
            "start": st.column_config.TextColumn(t("plan_col_start"), max_chars=5),
            "hours": st.column_config.NumberColumn(t("plan_col_hours"), min_value=0.5),
            **{k: st.column_config.CheckboxColumn(t("kind_" + k)) for k in PLAN_KINDS},
        },
    )
    submitted = st.form_submit_button(t("plan_make"), type="primary")
st.button(t("plan_reroll"), on_click=_reroll, key="plan_reroll")

request: PlanRequest | None = None
if submitted:
    try:
        rows = [
            {
                **r,
                "day": days.index(r["day"]) if r["day"] in days else None,
                "name": shift_labels.get(r["name"], r["name"]),
            }
            for r in edited.to_dict("records")
        ]
        request = PlanRequest(
            week=normalise_week(week),
            hours=hours_from_values(hour_inputs),
            shifts=shifts_from_rows(rows),
            params=params,
            seed=int(seed),
            exclude=tuple(exclude),
            control_minutes=float(control_minutes),
        )
    except PlanInputError as err:
        show_input_error(err)
elif st.session_state.pop("_plan_reroll", False) and "_plan_request" in st.session_state:
    request = replace(st.session_state["_plan_request"], seed=st.session_state["plan_seed"])

if request is not None:
    try:
        st.session_state["_plan"] = make_plan(snap, request)
        st.session_state["_plan_request"] = request
    except PlanInputError as err:
        show_input_error(err)


def show_plan(plan: Plan) -> None:
    """The plan: effect, what did not fit, tours and stops, files, save."""
    req = plan.request
    st.subheader(t("plan_effect_title") + " – " + week_words(req.week, t))
    st.info(statement(plan.before, plan.after, req.params.gap_weeks, t, ctx.lang))
    used = plan.hours_by_kind()
    st.caption(
        t(
            "plan_hours_used",
            car=number(used["car_patrol"], ctx.lang, 1),
            foot=number(used["foot_patrol"], ctx.lang, 1),
            control=number(used["traffic_control"], ctx.lang, 1),
            car_given=number(req.hours.get("car_patrol", 0), ctx.lang),
            foot_given=number(req.hours.get("foot_patrol", 0), ctx.lang),
            control_given=number(req.hours.get("traffic_control", 0), ctx.lang),
        )
        + " · "
        + t("plan_seed")
        + f" {req.seed}"
    )
    if not plan.stops:
        st.warning(t("plan_no_stops"))
    if plan.unplaced:
        st.subheader(t("plan_unplaced"))
        show_table(ctx, unplaced_rows(plan, t, names))

    st.subheader(t("plan_tours"))
    show_table(ctx, tour_rows(plan, t))
    show_table(ctx, stop_rows(plan, t, names, ctx.lang))

    st.subheader(t("plan_downloads"))
    stem, lang = f"veckoplan-{req.week}", ctx.lang
    files = plan_files(plan, t, names, lang)
    for column, (label, ext, mime, make) in zip(st.columns(len(files)), files, strict=True):
        with column:
            download(ctx, t(label), make, f"{stem}.{ext}", mime, key="plan_" + ext, week=req.week)

    editor = Editor(ctx.store, ctx.viewer.name, ctx.tier)
    if editor.may_edit("plans") and st.button(t("plan_save"), key="plan_save"):
        try:
            version = save_plan(editor, plan, snap.plans)
        except (ConflictError, ValidationError) as exc:
            if isinstance(exc, ValidationError) and exc.field != "uid":
                raise
            st.error(t("plan_conflict"))
        except GeoError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            st.success(t("plan_saved", week=week_words(req.week, t), version=version))


plan = st.session_state.get("_plan")
if plan is not None:
    show_plan(plan)

past = passed_plans(snap, pd.Timestamp.now(tz="UTC"))
if past:
    st.subheader(t("plan_adherence"))
    st.caption(t("plan_adherence_caption"))
    follow_language("plan_done_week")
    chosen = st.selectbox(
        t("plan_col_week"),
        [p.request.week for p in reversed(past)],
        key="plan_done_week",
        format_func=lambda w: week_words(w, t),
    )
    kept = adherence(snap, next(p for p in past if p.request.week == chosen))
    st.caption(
        t(
            "plan_done_summary",
            visited=kept.stops_visited,
            planned=kept.stops_planned,
            closed=kept.gaps_closed,
            gaps=kept.gaps_planned,
        )
    )
    show_table(ctx, area_view(kept, names, t))

if len(snap.plans):
    st.subheader(t("plan_saved_plans"))
    show_table(ctx, saved_view(snap.plans, t))
