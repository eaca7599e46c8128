"""Per-session wiring shared by the pages: store, snapshot, translator, filters.

Only Streamlit glue lives here (caching and session state); every computation is in geo/.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from geo.accounts import AccountStore, SessionPolicy, SignInError
from geo.config import Settings
from geo.coverage import CoverageParams
from geo.demo import load_if_empty
from geo.filters import Filters
from geo.i18n import Translate, translator
from geo.roles import Role, Tier, tier_for
from geo.snapshot import Snapshot, load_snapshot
from geo.store import GeoPackageStore
from geo.tiers import view_for


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
    store: GeoPackageStore
    snap: Snapshot
    filters: Filters
    params: CoverageParams
    t: Translate
    lang: str
    show_tiles: bool = True
    viewer: Viewer = PUBLIC

    @property
    def tier(self) -> Tier:
        return self.snap.tier

    def export_button(
        self,
        label: str,
        make: Callable[[], bytes],
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
def store(path: str) -> GeoPackageStore:
    """One store per file for the whole server; fills the demo year on first start."""
    s = GeoPackageStore(path)
    load_if_empty(s)
    return s


@st.cache_resource(max_entries=2, show_spinner=False)
def snapshot(path: str, version: int, max_gap_minutes: float) -> Snapshot:
    """The columnar snapshot of one data version (shared, read-only; police tier)."""
    del version  # part of the cache key only
    return load_snapshot(store(path), max_gap_minutes)


@st.cache_resource(max_entries=6, show_spinner=False)
def tiered_snapshot(path: str, version: int, settings: Settings, role: str, day: str) -> Snapshot:
    """The snapshot as ``role`` may see it; ``day`` (UTC date) sets the publication delay,
    the settings' follow-up rules are decided on exact data for the coarse tiers."""
    exact = snapshot(path, version, settings.max_fix_gap_minutes)
    rules = CoverageParams(
        spot_radius_m=settings.spot_radius_m, spot_days=settings.spot_follow_up_days
    )
    return view_for(exact, tier_for(role), pd.Timestamp(day, tz="UTC"), rules)


@st.cache_resource(show_spinner=False)
def accounts(path: str) -> AccountStore:
    return AccountStore(path)


def public_snapshot(ctx: Context) -> Snapshot:
    """The public level of the current data, whoever is looking (meeting handouts are always
    built from it); the same cached view visitors get."""
    return tiered_snapshot(
        str(ctx.settings.store_path),
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


def current_viewer(settings: Settings, data: GeoPackageStore) -> Viewer:
    """The signed-in account of this browser session, or the public.

    A password session ends after ``session_idle_minutes`` unused or ``session_max_hours``
    after signing in; an OIDC session is Streamlit's identity cookie.
    """
    state = st.session_state
    now = time.time()
    viewer = state.get("_viewer")
    if viewer is not None and viewer.method == "password":
        policy = SessionPolicy(settings.session_idle_minutes, settings.session_max_hours)
        if policy.expired(state["_signed_in"], state["_last_seen"], now):
            data.log_event(viewer.name, "session_expired", viewer.name)
            sign_out()
            state["_expired"] = True
            return PUBLIC
        state["_last_seen"] = now
        return viewer
    if oidc_configured() and st.user.is_logged_in:
        email = str(st.user.get("email") or "")
        account = accounts(str(settings.accounts_path)).oidc_account(email)
        viewer = Viewer(email or None, account.role if account else None, "oidc")
        if state.get("_viewer") != viewer:
            data.log_event(viewer.name, "sign_in", viewer.name, {"method": "oidc"})
            state["_viewer"] = viewer
        return viewer
    return PUBLIC


def sign_in_form(settings: Settings, data: GeoPackageStore, t: Translate) -> None:
    """User name and password (and the identity provider's button when configured)."""
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
    st.session_state.update(
        _viewer=Viewer(account.username, account.role, "password"),
        _signed_in=now,
        _last_seen=now,
    )
    data.log_event(account.username, "sign_in", account.username, {"role": account.role.value})
    if settings.public_view:  # the overview is in this run's menu: go there
        st.switch_page("pages/overview.py")
    st.rerun()  # sign-in only: the next run builds the role's menu around the overview


def sign_out() -> None:
    """Forget this session's account (and its widget state)."""
    viewer = st.session_state.get("_viewer")
    for key in list(st.session_state):
        if key not in ("lang",):
            del st.session_state[key]
    if viewer is not None and viewer.method == "oidc":
        st.logout()


def current_context() -> Context:
    """The context the entry script put in the session for this run."""
    return st.session_state["_context"]


def language() -> str:
    return st.session_state.get("lang", "sv")


def tr() -> Translate:
    return translator(language())
