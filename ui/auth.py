"""Who is using the app, and what they may do: login and roles for a shared (hosted) instance.

``CX_MODE=hosted`` turns it on; any other value is local mode, where nobody logs in and the one
user ("local") is an editor. In hosted mode ``shell()`` calls :func:`require_login` before it draws
anything, so no page, link or download is reached without an account:

- when Streamlit's OIDC login is configured (an ``[auth]`` section in ``.streamlit/secrets.toml``)
  it is used (``st.login``/``st.user``); e-mails listed in ``CX_EDITORS`` are editors, everyone
  else a viewer;
- otherwise a form checks the users file (``cxlib.users.UsersFile``: argon2 hashes), with failed
  attempts limited per user name for the whole process (``CX_LOGIN_MAX_FAILURES`` within
  ``CX_LOGIN_WINDOW_S`` seconds).

Roles: an editor uploads, analyses, saves and shares, and deletes what they saved; a viewer opens
shared analyses only (pages in ``ui.nav.PAGES`` marked ``shared``). The account lives in this
browser session's ``st.session_state`` (a reload asks again); the users file is re-read on every
run, so removing a user or changing a role takes effect at their next click.
"""
from __future__ import annotations

import importlib.util
import math
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from cxlib.errors import CxDataError
from cxlib.users import LoginLimiter, UsersFile
from ui.i18n import t
from ui.text import esc, show_error

SESSION_KEY = "cx_account"
SHARED_PAGE = "pages/9_Saved_analysis.py"


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


class _Guards:
    """Process-wide login guards: the failure limiter and a cap on concurrent password checks
    (each argon2 check takes ~64 MiB, so twenty at once must not all run together)."""

    def __init__(self) -> None:
        self.limiter = LoginLimiter(max_failures=int(os.environ.get("CX_LOGIN_MAX_FAILURES") or 5),
                                    window_s=float(os.environ.get("CX_LOGIN_WINDOW_S") or 300))
        self.checking = threading.BoundedSemaphore(2)


@st.cache_resource(show_spinner=False)
def guards() -> _Guards:
    return _Guards()


def current() -> Account | None:
    """The logged-in account of this session (local mode: the local editor), or None."""
    if not hosted():
        return LOCAL
    if oidc_settings() is not None:
        return _oidc_account()
    saved = st.session_state.get(SESSION_KEY)
    if not isinstance(saved, dict) or saved.get("via") != "password":
        return None
    try:
        role = {u.name: u.role for u in UsersFile().list()}.get(saved["name"])
    except CxDataError:
        role = None
    if role is None:                      # removed from the users file: logged out
        st.session_state.pop(SESSION_KEY, None)
        return None
    return Account(saved["name"], role, "password")


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
    users = UsersFile()
    if not users.path.exists():
        st.warning(t("No accounts exist yet. An administrator creates them on the server with: "
                     "python -m cxlib users add NAME --role editor"), icon=":material/person_add:")
    with st.form("cx_login", clear_on_submit=True):
        name = st.text_input(t("User name"), key="cx_login_name", autocomplete="username")
        password = st.text_input(t("Password"), type="password", key="cx_login_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(t("Log in"), key="cx_login_submit", type="primary")
    if not submitted:
        return
    name = (name or "").strip()
    g = guards()
    wait = g.limiter.blocked_for(name)
    if wait > 0:                          # do not even check: a blocked name learns nothing
        st.error(t("Too many failed attempts. Try again in {seconds} s.", seconds=math.ceil(wait)),
                 icon=":material/timer:")
        return
    try:
        with g.checking:
            user = users.verify(name, password or "")
    except CxDataError as err:            # unreadable users file
        show_error(err)
        return
    if user is None:                      # same words whether or not the user exists
        g.limiter.failed(name)
        st.error(t("Wrong user name or password."), icon=":material/error:")
        return
    g.limiter.succeeded(name)
    st.session_state[SESSION_KEY] = {"name": user.name, "via": "password"}
    st.rerun()


def _log_out(via: str) -> None:
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
