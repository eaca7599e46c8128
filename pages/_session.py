"""Per-session wiring shared by the pages: store, snapshot, translator, filters.

Only Streamlit glue lives here (caching and session state); every computation is in geo/.
"""

from __future__ import annotations

import importlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from geo.accounts import AccountStore, SessionPolicy, SignInError, dummy_hash
from geo.config import Settings
from geo.coverage import CoverageParams
from geo.demo import load_if_empty
from geo.filters import Filters
from geo.geography.national import store_for, with_municipality
from geo.i18n import Translate, translator
from geo.live import LiveSnapshot, wants_summary
from geo.roles import Role, Tier, tier_for
from geo.sessions import (
    COOKIE_NAME,
    CookieSigner,
    Ended,
    SessionStore,
    server_secret,
    session_store,
)
from geo.snapshot import Snapshot
from geo.store import GeoPackageStore, Store
from geo.store.base import TimeRange
from geo.tiers import view_for
from pages._routes import mounted_path


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a signed-in account, or the public (no user name, no role)."""

    username: str | None = None
    role: Role | None = None
    method: str = "public"  # "password", "oidc" or "public"

    @property
    def tier(self) -> Tier:
        return tier_for(self.role)

    @property
    def name(self) -> str:
        """The name written to the audit log."""
        return self.username or "public"


PUBLIC = Viewer()


@dataclass(frozen=True)
class Context:
    """What a page needs: settings, store, the data snapshot, filters and texts."""

    settings: Settings
    store: Store
    snap: Snapshot
    filters: Filters
    params: CoverageParams
    t: Translate
    lang: str
    show_tiles: bool = True
    viewer: Viewer = PUBLIC
    # The period as picked, before it was widened to the tier's whole weeks or months:
    # the headline says "år 2018", not the widened dates (the sidebar gives those).
    chosen_period: TimeRange | None = None

    @property
    def period_picked(self) -> TimeRange:
        return self.chosen_period or self.filters.period

    @property
    def tier(self) -> Tier:
        return self.snap.tier

    def export_button(
        self,
        label: str,
        make: Callable[[], bytes | None],
        file_name: str,
        mime: str,
        **detail: object,
    ) -> None:
        """A button that builds a file at the viewer's tier and logs the export, then a
        download button for it (while the selection stays the same).

        Two steps because Streamlit's deferred downloads are dropped by a rerun under
        st.navigation ("Deferred file ... not found"); bytes made on a click are kept.
        """
        key = "_export_" + file_name
        stamp = (self.snap.version, self.tier.role.value, self.filters.key(), repr(detail))
        if st.button(label, key="make" + key):
            data = make()
            if data is None:  # nothing made (the maker said why on the page)
                return
            self.store.log_event(
                self.viewer.name,
                "export",
                file_name,
                {"tier": self.tier.role.value, "bytes": len(data), **detail},
            )
            st.session_state[key] = (stamp, data)
        made = st.session_state.get(key)
        if made is not None and made[0] == stamp:
            st.download_button(
                self.t("download_file", name=file_name), made[1], file_name, mime, key="dl" + key
            )

    @property
    def map_settings(self) -> Settings:
        """Settings for the map: without tiles when the user switched them off."""
        return self.settings if self.show_tiles else replace(self.settings, tile_url="")


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return Settings.from_env()


@st.cache_resource(show_spinner="Förbereder databasen och demoåret …")
def store(location: str) -> Store:
    """One store per file or database for the whole server (``location``: the store
    setting, :attr:`Settings.store`); a new one starts with the configured municipality's
    geography, Älmhult's with the demo year."""
    code = settings().municipality_code
    s = store_for(location, code, schema=settings().store_schema)
    load_if_empty(s, code)
    return s


@st.cache_resource(show_spinner=False)
def live_snapshot(location: str, max_gap_minutes: float) -> LiveSnapshot:
    """The server's current snapshot of the store, kept up to date by the change feed;
    of every fix, or of the stored runs for a large store (:attr:`Settings.snapshot`)."""
    data = store(location)
    summary = wants_summary(data, settings().snapshot)
    return LiveSnapshot(data, max_gap_minutes, summary=summary)


def snapshot(location: str, version: int, max_gap_minutes: float) -> Snapshot:
    """The columnar snapshot of data version ``version`` or newer (shared, read-only;
    police tier): after an edit, here or in another app server, only the changed records
    are read again (:mod:`geo.live`)."""
    return live_snapshot(location, max_gap_minutes).at(version)


@st.cache_resource(max_entries=6, show_spinner=False)
def tiered_snapshot(path: str, version: int, settings: Settings, role: str, day: str) -> Snapshot:
    """The snapshot as ``role`` may see it; ``day`` (UTC date) sets the publication delay,
    the settings' follow-up rules are decided on exact data for the coarse tiers."""
    exact = snapshot(path, version, settings.max_fix_gap_minutes)
    rules = CoverageParams(
        dwell_minutes=settings.dwell_minutes,
        spot_radius_m=settings.spot_radius_m,
        spot_days=settings.spot_follow_up_days,
    )
    return view_for(exact, tier_for(role), pd.Timestamp(day, tz="UTC"), rules)


@st.cache_resource(show_spinner=False)
def accounts(path: str) -> AccountStore:
    return AccountStore(path)


def warm_up() -> None:
    """Fill the server's caches before the first visitor: the store, the exact snapshot
    and the public level of the current data, and the default page's modules (run in a
    thread at server start)."""
    s = settings()
    data = store(s.store)
    day = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d")
    tiered_snapshot(s.store, data.data_version(), s, Role.COUNCIL.value, day)
    # The overview's map modules (folium and its plugins: ~0.25 s), here rather than in the
    # first visitor's run of the default page. Not streamlit_folium itself: it declares its
    # component on import, which only registers from a script run ("Component not found").
    for module in ("folium.plugins", "geo.mapview.basemap", "geo.mapview.layers", "geo.views"):
        importlib.import_module(module)
    dummy_hash()  # the sign-in's constant-time check for unknown names


def public_snapshot(ctx: Context) -> Snapshot:
    """The public level of the current data, whoever is looking (meeting handouts are always
    built from it); the same cached view visitors get."""
    return tiered_snapshot(
        ctx.settings.store,
        ctx.store.data_version(),
        ctx.settings,
        Role.COUNCIL.value,
        pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d"),
    )


def oidc_configured() -> bool:
    """Whether an identity provider is set up for ``st.login`` (``[auth]`` in secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all
        return False


@st.cache_resource(show_spinner=False)
def sessions(settings: Settings) -> SessionStore:
    return session_store(settings)


def _end(state_flag: str | None) -> Viewer:
    """Back to the public, with ``state_flag`` set for the sidebar's message."""
    sign_out()
    if state_flag:
        st.session_state[state_flag] = True
    return PUBLIC


def current_viewer(settings: Settings, data: GeoPackageStore) -> Viewer:
    """The signed-in account of this browser session, or the public.

    A password session is a record in the accounts file (geo/sessions.py), checked on every
    run: it ends after ``session_idle_minutes`` unused or ``session_max_hours`` after signing
    in, and when it is signed out in any tab. A new tab, a reload or a bookmark finds it
    through the session cookie. An OIDC session is Streamlit's identity cookie.
    """
    state = st.session_state
    now = time.time()
    viewer = state.get("_viewer")
    if viewer is not None and viewer.method == "password":
        sid = state.get("_sid")
        if sid is None:  # a session state made without a record (AppTest): same rules
            policy = SessionPolicy(settings.session_idle_minutes, settings.session_max_hours)
            if policy.expired(state["_signed_in"], state["_last_seen"], now):
                data.log_event(viewer.name, "session_expired", viewer.name)
                return _end("_expired")
            state["_last_seen"] = now
            return viewer
        check = sessions(settings).check(sid, now)
        if check.record is None:
            if check.ended == Ended.EXPIRED:
                data.log_event(viewer.name, "session_expired", viewer.name)
            return _end("_expired" if check.ended == Ended.EXPIRED else "_ended_elsewhere")
        viewer = Viewer(check.record.username, check.record.role, "password")
        state["_viewer"] = viewer  # the account's role now (it may have been changed)
        return viewer
    cookie = st.context.cookies.get(COOKIE_NAME) if mounted_path() else None
    if viewer is None and cookie and not state.get("_cookie_refused"):
        sid = CookieSigner(server_secret(settings)).unsign(
            cookie, settings.session_max_hours * 3600
        )
        check = sessions(settings).check(sid, now) if sid else None
        if check is not None and check.record is not None:
            viewer = Viewer(check.record.username, check.record.role, "password")
            state.update(_viewer=viewer, _sid=sid, _signed_in=check.record.opened, _last_seen=now)
            return viewer
        state["_cookie_refused"] = True  # an ended session's cookie: cleared by sync_cookie
        if check is not None and check.ended == Ended.EXPIRED:
            state["_expired"] = True
    if oidc_configured() and st.user.is_logged_in:
        email = str(st.user.get("email") or "")
        account = accounts(str(settings.accounts_path)).oidc_account(email)
        viewer = Viewer(email or None, account.role if account else None, "oidc")
        if state.get("_viewer") != viewer:
            data.log_event(viewer.name, "sign_in", viewer.name, {"method": "oidc"})
            state["_viewer"] = viewer
        return viewer
    return PUBLIC


def _post_from_browser(path: str, body: str) -> None:
    """Have this browser POST ``body`` to ``path`` of this server (same origin, with its
    cookies), from an invisible frame: the response can set or delete the httpOnly cookie,
    which no script can."""
    script = (
        f"<script>fetch({json.dumps(path)}, {{method: 'POST', credentials: 'same-origin', "
        f"headers: {{'Content-Type': 'text/plain'}}, body: {json.dumps(body)}}})"
        ".catch(() => {});</script>"
    )
    components.html(script, height=0)


def sync_cookie(settings: Settings, viewer: Viewer) -> None:
    """Keep the browser's session cookie in step with this tab: after a sign-in, exchange
    the handoff code for it; after a sign-out or on an ended session's cookie, delete it."""
    path = mounted_path()
    if path is None:
        return
    state = st.session_state
    handoff = state.get("_handoff")
    if viewer.method == "password" and handoff:
        # Kept on every run of this session, claimed or not: removing the frame could abort
        # the request before the browser has stored the cookie. An unchanged frame is not
        # reloaded; a remounted one posts a spent code, which changes nothing.
        _post_from_browser(path, handoff)
    elif viewer.method == "public" and (state.get("_clear_cookie") or state.get("_cookie_refused")):
        _post_from_browser(path + "/end", "")


def sign_in_form(
    settings: Settings, data: GeoPackageStore, t: Translate, *, stay: bool = False
) -> None:
    """User name and password (and the identity provider's button when configured).

    ``stay``: after signing in, show the page at this URL (it may need the sign-in) rather
    than the overview.
    """
    if oidc_configured():
        st.button(t("sign_in_oidc"), on_click=st.login, key="oidc_login")
    with st.form("sign_in", clear_on_submit=True):
        username = st.text_input(t("sign_in_user"), key="sign_in_user", max_chars=200)
        password = st.text_input(
            t("sign_in_password"), type="password", key="sign_in_password", max_chars=200
        )
        submitted = st.form_submit_button(t("sign_in_button"))
    if not submitted:
        return
    try:
        account = accounts(str(settings.accounts_path)).authenticate(
            username, password, time.time()
        )
    except SignInError as exc:
        data.log_event(username.strip().lower()[:200], "sign_in_refused", "", {"reason": str(exc)})
        if exc.locked:
            st.error(t("sign_in_locked", seconds=math.ceil(exc.retry_after_s)))
        else:
            st.error(t("sign_in_failed"))
        return
    now = time.time()
    sid, handoff = sessions(settings).open(account.username, now)
    for key in ("_clear_cookie", "_cookie_refused", "_expired", "_ended_elsewhere"):
        st.session_state.pop(key, None)
    st.session_state.update(
        _viewer=Viewer(account.username, account.role, "password"),
        _sid=sid,
        _handoff=handoff,
        _signed_in=now,
        _last_seen=now,
    )
    data.log_event(account.username, "sign_in", account.username, {"role": account.role.value})
    if settings.public_view and not stay:  # the overview is in this run's menu: go there
        st.switch_page("pages/overview.py")
    st.rerun()  # the next run builds the role's menu (and this URL's page, if it needs one)


def sign_out() -> None:
    """End this session everywhere (its record is revoked) and forget its state here."""
    state = st.session_state
    viewer = state.get("_viewer")
    sid = state.get("_sid")
    if sid is not None:
        sessions(settings()).revoke(sid, time.time())
    for key in list(state):
        if key not in ("lang",):
            del state[key]
    if sid is not None:
        state["_clear_cookie"] = True
    if viewer is not None and viewer.method == "oidc":
        st.logout()


def restricted_page(title: str, url_path: str) -> st.Page:
    """A hidden page at ``url_path`` for a page this viewer may not open, so a reload or a
    bookmark of it answers with why (and the sign-in form) instead of "page not found"."""

    def page() -> None:
        t = tr()
        st.title(title)
        viewer = st.session_state.get("_viewer")
        if viewer is not None:
            st.warning(t("page_not_allowed"))
            return
        st.info(t("page_needs_sign_in"))
        s = settings()
        sign_in_form(s, store(s.store), t, stay=True)

    page.__name__ = "restricted_" + url_path
    return st.Page(page, title=title, url_path=url_path, visibility="hidden")


def current_context() -> Context:
    """The context the entry script put in the session for this run."""
    return st.session_state["_context"]


def language() -> str:
    return st.session_state.get("lang", "sv")


def tr() -> Translate:
    return with_municipality(translator(language()), settings().municipality_code)


def follow_language(*keys: str) -> None:
    """Keep the choices of widgets whose options are shown in words (``format_func`` through
    the translator) when the language changes, and show them in the new language.

    Call just before the widgets are made. Streamlit 1.67 keeps a selection as the shown
    words ("Bilpatrull"): after a change to English a multiselect kept its Swedish chips
    and a selectbox fell back to its first option. The choice read here is still the
    option itself (read with the last run's words); set again, it is sent in the new words.
    """
    lang = language()
    for key in keys:
        mark = "_lang_of_" + key
        if st.session_state.get(mark, lang) != lang and key in st.session_state:
            st.session_state[key] = st.session_state[key]
        st.session_state[mark] = lang
