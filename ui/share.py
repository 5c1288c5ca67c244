"""Save and share: store an analysis in the workspace and hand out its link.

Every analysis page gets this through ``ui.downloads.spec_download``. The datasets the analysis used
are copied from the session into the workspace (stored once by content, owner = the account),
then the spec (page, options, definitions, title, author, created time) is saved, and the link
``<app url>/Saved_analysis?analysis=<id>`` is shown to copy. Works in local mode too (author
"local"): the embedded workspace needs no set-up.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import streamlit as st

from cxlib.saved import replay as analyses
from cxlib.core.errors import CxDataError
from cxlib.saved.workspace import AnalysisSpec, Workspace
from ui import auth, nav
from ui.i18n import t
from ui.text import esc, show_error

SHARED_PAGE = auth.SHARED_PAGE


def data_dir() -> Path:
    """Where the workspace lives: ``$CX_DATA_DIR`` or ``./.cxdata``."""
    return Path(os.environ.get("CX_DATA_DIR") or ".cxdata").resolve()


@st.cache_resource(show_spinner=False)
def _workspace(root: str) -> Workspace:
    return Workspace(root)


def workspace() -> Workspace:
    """The process-wide workspace (created on first use)."""
    return _workspace(str(data_dir()))


def workspace_exists() -> bool:
    """Whether anything was ever saved (reading pages do not create an empty workspace)."""
    return (data_dir() / "workspace.sqlite3").exists()


def base_url() -> str:
    """The app's URL in the user's browser without the page path ("" when unknown, e.g. in tests)."""
    try:
        url = st.context.url
    except Exception:                     # noqa: BLE001 - no browser context
        url = None
    if not url:
        return ""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    last = path.rsplit("/", 1)[-1]
    if last and last in {nav.url_name(p.path) for p in nav.PAGES}:
        path = path[: -len(last)].rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def link_to(analysis_id: str) -> str:
    """The share link of a saved analysis (relative when the browser URL is unknown)."""
    from ui.lang import language
    target = f"{nav.url_name(SHARED_PAGE)}?analysis={analysis_id}&lang={language()}"   # opens in the sharer's language
    base = base_url()
    return f"{base}/{target}" if base else target


def save(result, datasets: list, *, title: str, definitions) -> AnalysisSpec:
    """Store the datasets and the spec of ``result``; returns the saved spec (with its id)."""
    account = auth.current()
    if account is None or not account.is_editor:
        raise CxDataError("only editors can save and share analyses.")
    spec = analyses.make_spec(result, datasets, definitions=definitions, title=title.strip(), author=account.name)
    ws = workspace()
    for ds in datasets:
        ws.put_dataset(ds, owner=account.name)
    return ws.save_analysis(spec)


def save_and_share(result, datasets: list, *, key: str, title: str = "") -> None:
    """The "Save and share" box: a title, a button, and the link of what was saved last."""
    account = auth.current()
    if account is None or not account.is_editor:
        return
    from ui.state import definitions
    with st.expander(t("Save and share"), icon=":material/share:"):
        name = st.text_input(t("Title"), value=title, key=f"{key}_share_title", max_chars=120)
        if st.button(t("Save and get link"), key=f"{key}_share", type="primary", icon=":material/link:"):
            try:
                saved = save(result, datasets, title=name or title, definitions=definitions())
            except CxDataError as err:
                show_error(err)
            except (OSError, sqlite3.Error) as err:          # data folder not writable, disk full, ...
                st.error(esc(t("The analysis could not be saved in the workspace ({problem}). Ask the administrator "
                               "to check the data folder.", problem=str(err))), icon=":material/error:")
            else:
                st.session_state[f"{key}_share_link"] = {"id": saved.id, "title": saved.title}
        last = st.session_state.get(f"{key}_share_link")
        if last:
            st.caption(t("Saved. Anyone with an account on this app can open this link read-only:"))
            st.code(link_to(last["id"]), language=None)
