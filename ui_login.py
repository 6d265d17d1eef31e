"""The login gate of the dashboard: nothing but the login form until the owner is logged in.

``app.py`` calls :func:`require_login` before ``st.navigation``, so no page (a deep link such as
``/kunde?person=7`` included) runs for a visitor who is not logged in. The rules, from
:mod:`kundenwert.auth`:

- a password is set: the password, or the owner's e-mail confirmed by OpenID Connect when
  ``.streamlit/secrets.toml`` has an ``[auth]`` section;
- no password: the dashboard opens only on demo data served to this computer alone
  (``server.address`` localhost); otherwise it explains ``python -m kundenwert set-password``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import streamlit as st

import ui
from kundenwert import auth, i18n

_LOGOUT_NOTICE = "_login_notice"
_PAGES = Path(__file__).resolve().parent / "pages"
_DEFAULT_PAGE = "uebersicht.py"  # as in app.py


def require_login() -> None:
    """Return when the visitor may see the dashboard; otherwise draw the login and stop."""
    engine = ui.engine()
    now = datetime.now(UTC)
    if _oidc_owner_logged_in():
        return
    if auth.has_password(engine):
        state = st.session_state.get(auth.SESSION_KEY)
        if state is not None and auth.session_active(
            engine, state, ui.settings().session_minutes, now
        ):
            st.session_state[auth.SESSION_KEY] = auth.touched(state, now)
            return
        if state is not None:  # logged in before: idle too long, or a new password since
            st.session_state.pop(auth.SESSION_KEY, None)
            st.session_state[_LOGOUT_NOTICE] = "expired"
        _stop(_render_login, engine)
    if auth.open_without_password(st.get_option("server.address"), ui.is_demo()):
        return
    _stop(_render_no_password)


def _stop(render: Any, *args: Any) -> NoReturn:
    """Draw ``render`` instead of the dashboard and end the run.

    The frame's marker for the page of this run goes too: otherwise a page that Streamlit's
    old "pages/ directory" mode starts directly (a deep link right after a server start, see
    ``ui.inside_frame``) would find it and render without the gate.
    """
    st.session_state.pop(ui._FRAME_KEY, None)
    _hidden_navigation()
    render(*args)
    st.stop()


def _hidden_navigation() -> None:
    """``st.navigation`` over the same pages, hidden, and no page run.

    Without any ``st.navigation`` call Streamlit lists the ``pages/`` folder in the sidebar.
    With the pages (same URL paths as in app.py) the address a visitor came with stays valid,
    so logging in on ``/kunden`` opens the customer list.
    """
    pages = [
        st.Page(str(path), url_path=path.stem, default=path.name == _DEFAULT_PAGE)
        for path in sorted(_PAGES.glob("*.py"))
    ]
    st.navigation(pages, position="hidden")


def render_logout() -> None:
    """The logout button at the end of the sidebar (only for a logged-in session)."""
    oidc = _oidc_owner_logged_in()
    if auth.SESSION_KEY not in st.session_state and not oidc:
        return
    if st.sidebar.button(ui.tr("login.logout"), key="logout", icon=":material/logout:"):
        language = st.session_state.get(ui.LANG_KEY)
        st.session_state.clear()  # nothing of the owner's session stays for the next visitor
        if language:
            st.session_state[ui.LANG_KEY] = language
        if oidc:
            st.logout()
        st.rerun()


# --- drawing ----------------------------------------------------------------------------------


def _render_language_switch() -> None:
    with st.sidebar:
        ui.remembered(
            st.radio,
            i18n.t("sidebar.language", ui.lang()),
            options=list(i18n.LANGUAGES),
            format_func=ui.labels(i18n.LANGUAGES, {"de": "Deutsch", "en": "English"}.__getitem__),
            state=ui.LANG_KEY,
            default=i18n.normalise_language(ui.settings().language),
            horizontal=True,
        )


def _render_login(engine: Any) -> None:
    _render_language_switch()
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title(ui.tr("login.title"))
        st.markdown(ui.tr("login.intro"))
        if st.session_state.pop(_LOGOUT_NOTICE, None) == "expired":
            st.info(
                ui.tr("login.expired", minutes=ui.settings().session_minutes),
                icon=":material/schedule:",
            )
        if _oidc_configured():
            _render_oidc_login()
        with st.form("login", clear_on_submit=True, enter_to_submit=True):
            password = st.text_input(ui.tr("login.password"), type="password", key="login_password")
            submitted = st.form_submit_button(ui.tr("login.submit"), type="primary")
        if submitted:
            _check(engine, password or "")
        else:
            _show_lock(auth.locked_until(engine))


def _check(engine: Any, password: str) -> None:
    if not password:
        st.warning(ui.tr("login.empty"))
        return
    result = auth.login(engine, password)
    if result.ok:
        st.session_state.pop("login_password", None)  # the typed password leaves the session
        st.session_state[auth.SESSION_KEY] = result.session
        st.rerun()
    if result.outcome is auth.Outcome.WRONG:
        st.error(ui.tr("login.wrong", free=auth.FREE_FAILURES + 1), icon=":material/key_off:")
    _show_lock(result.locked_until)


def _show_lock(until: datetime | None) -> None:
    if until is not None:
        st.error(
            ui.tr("login.locked", until=i18n.format_datetime(until, ui.lang())),
            icon=":material/lock_clock:",
        )


def _render_no_password() -> None:
    _render_language_switch()
    st.title(ui.tr("login.no_password_title"))
    st.markdown(ui.tr("login.no_password"))
    st.code(".venv/bin/python -m kundenwert set-password", language="bash")


# --- OpenID Connect (optional) ----------------------------------------------------------------


def _secrets_section(name: str) -> Any:
    try:
        return st.secrets.get(name)
    except (FileNotFoundError, KeyError):  # no secrets.toml at all
        return None


def _oidc_configured() -> bool:
    return _secrets_section("auth") is not None


def _owner_email() -> str | None:
    section = _secrets_section("kundenwert")
    return section.get("owner_email") if section is not None else None


def _oidc_owner_logged_in() -> bool:
    """Logged in through the provider with the configured owner's e-mail (and only that)."""
    if not _oidc_configured() or not st.user.get("is_logged_in"):
        return False
    if st.user.get("email_verified") is False:
        return False
    return auth.is_owner_email(st.user.get("email"), _owner_email())


def _render_oidc_login() -> None:
    if st.user.get("is_logged_in"):  # a provider account, but not the owner's
        st.error(ui.tr("login.not_owner", email=st.user.get("email") or "?"))
        if st.button(ui.tr("login.logout"), key="oidc_logout"):
            st.logout()
        return
    if st.button(ui.tr("login.oidc"), key="oidc_login", icon=":material/badge:"):
        st.login()
    st.caption(ui.tr("login.or"))
