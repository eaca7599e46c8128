"""Medborgarlöfte: scorecard, month-by-month presence, "you said – we did", handouts,
next year's promise and earlier years side by side."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from geo.editing import Editor
from geo.errors import GeoError
from geo.geography.national import with_municipality
from geo.handout import (
    PAPER,
    HandoutError,
    HandoutSpec,
    handout_html,
    print_handout,
    public_url_problem,
)
from geo.i18n import LANGUAGES, translator
from geo.model import LOCAL_TZ
from geo.promise import (
    evidence_records,
    monthly_presence,
    progress_text,
    scorecard,
    verdict,
    year_period,
    you_said_we_did,
)
from geo.text import escape_markdown
from geo.views import dates_by_month, day_or_month, evidence_table, monthly_table
from pages._session import Context, current_context, public_snapshot
from pages._tables import show_table

ctx = current_context()
t, snap = ctx.t, ctx.snap
editor = Editor(ctx.store, ctx.viewer.name, ctx.tier)
# A coloured mark plus the status in words (icon fonts would read out their glyph names).
BADGE = {"met": ":green[●]", "on_track": ":orange[●]", "behind": ":red[●]"}
METRICS = [
    "dialogues",
    "presence_town_and_countryside",
    "narcotics_activities",
    "civil_society_partners",
]


def handout_section(ctx: Context, year: int, place: str) -> None:
    """Meeting handout of ``place`` ('' = the whole municipality): options, the public
    address check, a preview, and HTML / PNG / PDF built on click from the public level."""
    t = ctx.t
    st.subheader(t("handout"))
    st.caption(t("public_level_note"))
    c1, c2 = st.columns(2)
    paper = c1.radio(t("paper"), list(PAPER), horizontal=True, key="handout_paper")
    lang = c2.radio(
        t("handout_language"),
        list(LANGUAGES),
        horizontal=True,
        key="handout_lang",
        format_func=LANGUAGES.get,  # each language by its own name: "Svenska", "English"
    )
    live = st.text_input(t("public_url"), value=ctx.settings.public_url, key="handout_url")
    problem = public_url_problem(live)
    if problem:  # never print an address only this computer reaches, and say so
        st.warning(t(problem, url=escape_markdown(live.strip())))
    spec = HandoutSpec(year_period(year), place or None, lang, live, paper)
    ht = with_municipality(translator(lang), ctx.settings.municipality_code)
    public = public_snapshot(ctx)  # handouts never show more than the public level
    memo_key = (public.version, public.tier.role.value, repr(spec))

    def document() -> str:
        made = st.session_state.get("_handout_doc")
        if made is None or made[0] != memo_key:
            made = (memo_key, handout_html(public, spec, ht))
            st.session_state["_handout_doc"] = made
        return made[1]

    def printed(kind: str) -> bytes | None:
        made = st.session_state.get("_handout_print")
        try:
            if made is None or made[0] != memo_key:
                made = (memo_key, print_handout(public, spec, ht))
                st.session_state["_handout_print"] = made
        except HandoutError as exc:
            st.error(t("handout_failed", reason=escape_markdown(exc)))
            return None
        return made[1].png if kind == "png" else made[1].pdf

    stem = f"medborgarlofte-{year}-{place or 'kommunen'}"
    files = (
        ("download_html", "html", "text/html", lambda: document().encode("utf-8")),
        ("download_png", "png", "image/png", lambda: printed("png")),
        ("download_pdf", "pdf", "application/pdf", lambda: printed("pdf")),
    )
    for column, (label, ext, mime, make) in zip(st.columns(3), files, strict=True):
        with column:
            ctx.export_button(
                t(label), make, f"{stem}.{ext}", mime, year=year, area=place, paper=paper, lang=lang
            )
    if st.toggle(t("handout_preview"), key="handout_preview"):
        st.caption(t("handout_preview_caption"))
        small = document().replace("</head>", "<style>html { zoom: 0.6 }</style></head>", 1)
        components.html(small, height=640, scrolling=True)


st.title(t("page_promise"))
years = sorted(snap.promises["year"].dropna().astype(int).unique().tolist(), reverse=True)
if not years:
    st.info(t("promise_none"))
else:
    year = st.selectbox(t("promise_year"), years, key="promise_year")
    as_of = min(pd.Timestamp.now(tz=LOCAL_TZ), snap.extent().end.tz_convert(LOCAL_TZ))
    st.caption(t("promise_as_of", date=f"{as_of:%Y-%m-%d}"))
    cards = scorecard(snap, year, as_of, t, ctx.lang, ctx.params)
    if cards:
        st.markdown("**" + verdict(cards, year, t) + "**")
    for c in cards:
        with st.container(border=True):
            st.markdown(f"{BADGE[c.status]} **{escape_markdown(c.text)}**")
            a, b = st.columns([1, 3])
            a.metric(t("promise_progress"), progress_text(c, t), help=t("status_" + c.status))
            b.caption(t("status_" + c.status) + " · " + escape_markdown(c.evidence))
            if c.link:
                b.markdown(f"[{t('show_on_map')}](/{c.link})")
            records = evidence_records(snap, year, c.metric)
            if len(records):
                with st.expander(t("evidence_records", n=len(records))):
                    show_table(ctx, evidence_table(records, t))
    st.subheader(t("promise_monthly"))
    months = monthly_table(monthly_presence(snap, year), monthly_presence(snap, year - 1), t)
    if months[t("col_previous_town_hours")].isna().all():
        st.caption(t("previous_year_missing", year=str(year - 1)))
    show_table(ctx, months)

    st.subheader(t("you_said_we_did"))
    names = dict(zip(snap.areas["id"], snap.areas["name"], strict=True))
    place = st.selectbox(
        t("col_area"),
        ["", *names],
        format_func=lambda a: names.get(a) or t("whole_municipality"),
        key="said_area",
    )
    said = you_said_we_did(snap, ctx.params, [place] if place else None)
    said["reported"] = day_or_month(said["reported"], dates_by_month(snap.tier), ctx.lang)
    said["category"] = [t("cat_" + c) for c in said["category"]]
    said["status"] = [t("status_" + s) for s in said["status"]]
    said["followed_up"] = [
        "–" if f is None else t("yes") if f else t("no") for f in said["followed_up"]
    ]
    show_table(ctx, said.rename(columns=lambda col: t("col_" + col)), empty=t("no_spots"))

    handout_section(ctx, year, place)

if editor.may_edit("promises"):
    st.subheader(t("promise_new"))
    with st.form("form_promise"):
        new_year = st.number_input(
            t("promise_year"), 2000, 2100, (max(years) + 1) if years else 2019
        )
        rows = st.data_editor(
            # Targets start empty: a float column of NaN (a column of None showed "None").
            pd.DataFrame(
                {"metric": METRICS, "target": [float("nan")] * len(METRICS), "sv": "", "en": ""}
            ),
            num_rows="dynamic",
            hide_index=True,
            key="promise_editor",
            column_config={
                "metric": st.column_config.SelectboxColumn(
                    t("promise_metric"),
                    options=METRICS,
                    format_func=lambda m: t("metric_" + m),
                ),
                "target": st.column_config.NumberColumn(t("promise_target"), min_value=0),
                "sv": st.column_config.TextColumn(t("promise_text_sv")),
                "en": st.column_config.TextColumn(t("promise_text_en")),
            },
        )
        signed = st.text_input(t("promise_signed_by"))
        if st.form_submit_button(t("register_save")):
            items = [
                {
                    "id": f"{r['metric']}-{i}",
                    "metric": r["metric"],
                    "target": None if pd.isna(r["target"]) else float(r["target"]),
                    "sv": r["sv"],
                    "en": r["en"] or r["sv"],
                }
                for i, r in rows.iterrows()
                if r["sv"]
            ]
            try:
                editor.add(
                    "promises",
                    pd.DataFrame(
                        [
                            {
                                "uid": f"promise-{int(new_year)}",
                                "year": int(new_year),
                                "commitments": json.dumps(items, ensure_ascii=False),
                                "signed_by": signed,
                            }
                        ]
                    ),
                )
            except GeoError as exc:
                st.error(escape_markdown(exc))
            else:
                st.success(t("register_saved"))

if len(years) > 1:
    st.subheader(t("promise_archive"))
    as_of = snap.extent().end.tz_convert(LOCAL_TZ)
    archive = {
        str(y): {
            c.text: f"{t('status_' + c.status)}: {progress_text(c, t)}"
            for c in scorecard(snap, y, as_of, t, ctx.lang, ctx.params)
        }
        for y in years
    }
    frame = pd.DataFrame(archive)
    frame.insert(0, t("promise_commitment"), frame.index)
    show_table(ctx, frame.reset_index(drop=True))
