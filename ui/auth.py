"""Who is using the app, and what they may do: login and roles for a shared (hosted) instance.

``CX_MODE=hosted`` turns it on; any other value is local mode, where nobody logs in and the one
user ("local") is an editor. In hosted mode ``shell()`` calls :func:`require_login` before it draws
anything, so no page, link or download is reached without an account:

- when Streamlit's OIDC login is configured (an ``[auth]`` section in ``.streamlit/secrets.toml``)
  it is used (``st.login``/``st.user``); e-mails listed in ``CX_EDITORS`` are editors, everyone
  else a viewer;
- otherwise the login happens *before* the app, at the gate (``python -m serve``,
  :mod:`serve.gate`): its form checks the users file and sets an HttpOnly cookie holding a random
  token; the gate hands the token to this session as ``st.user["cx_login"]`` and Streamlit binds
  the session to it. Every run looks the token up (:func:`cxlib.saved.users.logins`): a logout, a
  password change, removing the user or a role change count at the next click, and another
  browser presenting this session's id gets a session of its own.

Roles: an editor uploads, analyses, saves and shares, and deletes what they saved; a viewer opens
shared analyses only (pages in ``ui.nav.PAGES`` marked ``shared``). A reload keeps the login (the
cookie); the session's data (``st.session_state``) lives as long as the browser tab's session.
"""
from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from cxlib.core.errors import CxDataError
from cxlib.saved.users import UsersFile, logins
from ui.i18n import t
from ui.text import esc

SHARED_PAGE = "pages/9_Saved_analysis.py"
USER_KEY = "cx_login"                    # serve.gate.USER_KEY: st.user key of the gate's login token
LOGIN_PATH = "/_cx/login"                # serve.gate.LOGIN_PATH


@dataclass(frozen=True)
class Account:
    """The person using this session: ``name`` is what the workspace records as owner and author."""

    name: str
    role: str            # "editor" | "viewer"
    via: str             # "local" | "password" | "oidc"
    label: str = ""      # display name (OIDC: the person's name)

    @property
    def is_editor(self) -> bool:
        return self.role == "editor"


LOCAL = Account("local", "editor", "local")


def hosted() -> bool:
    """Hosted mode: ``CX_MODE=hosted`` (anything else is local mode, without login)."""
    return os.environ.get("CX_MODE", "").strip().lower() == "hosted"


def editors() -> set[str]:
    """E-mails that are editors under OIDC (``CX_EDITORS``, comma-separated, case-insensitive)."""
    return {e.strip().lower() for e in os.environ.get("CX_EDITORS", "").split(",") if e.strip()}


def oidc_settings() -> Mapping | None:
    """The ``[auth]`` secrets section when an identity provider is configured, else None."""
    try:
        section = st.secrets["auth"] if "auth" in st.secrets else None
    except Exception:                     # noqa: BLE001 - no secrets file (StreamlitSecretNotFoundError)
        return None
    return section if isinstance(section, Mapping) and section else None


def login_token() -> str | None:
    """The gate's login token of this session (``st.user["cx_login"]``), or None."""
    try:
        token = st.user.get(USER_KEY)
    except Exception:                     # noqa: BLE001 - no user info (bare mode)
        return None
    return token if isinstance(token, str) and token else None


def current() -> Account | None:
    """The logged-in account of this session (local mode: the local editor), or None."""
    if not hosted():
        return LOCAL
    if oidc_settings() is not None:
        return _oidc_account()
    try:
        user = logins().check(login_token(), UsersFile())
    except CxDataError:                   # unreadable users file: nobody is logged in
        user = None
    return Account(user.name, user.role, "password") if user else None


def _oidc_account() -> Account | None:
    user = st.user
    if not user.get("is_logged_in", False):
        return None
    email = str(user.get("email") or "").strip().lower()
    name = email or str(user.get("sub") or "")
    if not name:
        return None
    verified = user.get("email_verified", True) is not False
    role = "editor" if email and verified and email in editors() else "viewer"
    return Account(name, role, "oidc", str(user.get("name") or ""))


def require_login() -> Account:
    """The session's account; in hosted mode without one, draw the login and stop the page."""
    account = current()
    if account is not None:
        return account
    st.title(t("CX Workbench"))
    settings = oidc_settings()
    if settings is not None:
        _oidc_login(settings)
    else:
        _password_login()
    st.stop()
    raise AssertionError("st.stop() returned")   # fail closed: never fall through to the page


def _authlib_installed() -> bool:
    return importlib.util.find_spec("authlib") is not None


def _oidc_login(settings: Mapping) -> None:
    if not _authlib_installed():
        st.error(t("Login with the identity provider needs the Authlib package: "
                   "pip install \"streamlit[auth]\"."), icon=":material/error:")
        return
    st.write(t("Log in with your company account to open the analyses shared with you."))
    named = [k for k, v in settings.items() if isinstance(v, Mapping)]
    if "client_id" in settings or not named:
        st.button(t("Log in"), key="cx_oidc_login", type="primary", on_click=st.login)
    for provider in named:
        st.button(t("Log in with {provider}", provider=provider), key=f"cx_oidc_login_{provider}",
                  on_click=st.login, args=(provider,))


def _password_login() -> None:
    """This session has no live login: it ended (log out, password change, expiry), or the page runs
    without the gate. Say how to log in; the form itself is the gate's."""
    if login_token() is None:
        st.warning(t("This hosted instance must be started with python -m serve (make serve), which provides "
                     "the login."), icon=":material/lock:")
        return
    st.info(t("You are logged out (or your login ended: it expired, or your password changed)."),
            icon=":material/logout:")
    st.write(t("Reload this page to log in again, or open the login page:"))
    st.link_button(t("Log in"), f"{LOGIN_PATH}?next=/", type="primary", icon=":material/login:")


def _log_out(via: str) -> None:
    if via == "password":
        logins().revoke(login_token())    # the cookie's token is dead at once, for every tab
    for key in list(st.session_state.keys()):   # nothing of this session stays for the next person
        del st.session_state[key]
    if via == "oidc":
        st.logout()


def sidebar(account: Account) -> None:
    """Who is logged in, and the log-out button (hosted mode only)."""
    if account.via == "local":
        return
    role = t("editor") if account.is_editor else t("viewer")
    st.caption(esc(t("Logged in as {name} ({role})", name=account.label or account.name, role=role)))
    st.button(t("Log out"), key="cx_logout", icon=":material/logout:", on_click=_log_out, args=(account.via,))


def gate(account: Account, *, shared: bool) -> None:
    """Stop a viewer on a page that is not for viewers, with a way to the shared analyses."""
    if account.is_editor or shared:
        return
    st.warning(t("Your account can open shared analyses only; this page is for editors."), icon=":material/lock:")
    from ui.nav import link
    link(SHARED_PAGE, t("Open the shared analyses"), ":material/bookmark:")
    st.stop()
