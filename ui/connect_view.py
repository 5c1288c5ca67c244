"""The Data page's "Connect a table" (local mode only): a table in a DuckDB file, PostgreSQL, Spark or a
warehouse, loaded like an uploaded file (:func:`cxlib.data.connected.load_source_table`).

The URL is typed into a form that clears itself when submitted: it is used for the one call that opens the
connection and is never kept in session state, shown back (only the source's masked form, ``user:***@host``)
or saved. The open connection is kept (``ui.state.table_sources``) so that the table list, loading and a later
mapping change need no URL. Saved analyses and share links name a dataset by its key and its name
(``table @ masked URL``), never by the URL.
"""
from __future__ import annotations

import streamlit as st

from cxlib.core.errors import CxDataError, CxNeedsMapping
from cxlib.core.messages import msg
from cxlib.data.roles import ROLES, ROLES_BY_NAME
from ui import state
from ui.auth import hosted
from ui.data_view import mapping_form
from ui.i18n import t, tr
from ui.pickers import option_labels
from ui.text import error_text, esc, show_error

URL, SOURCE, TABLES, PENDING, ERROR = "connect_url", "connect_source", "connect_tables", "connect_pending", "connect_error"
DETECT = "detect"
EXAMPLES = "duckdb:///path/shop.db · postgres://user:password@host:5432/db · pyspark://"


def render_connect() -> None:
    """The expander: URL form, then table, kind of data and Load; a table not understood asks for its columns."""
    if hosted():                       # a shared server never opens connections for its users
        return
    src = st.session_state.get(SOURCE)
    with st.expander(t("Connect a table"), icon=":material/database:", expanded=src is not None):
        st.caption(t("A table in a DuckDB file, PostgreSQL, Spark or a cloud warehouse is understood like an "
                     "uploaded file; only the columns the analyses use are read. The URL is used to connect and "
                     "then forgotten: its password is never shown or saved."))
        with st.form("connect_form", clear_on_submit=True, border=False):
            st.text_input(t("Source URL"), key=URL, type="password", placeholder=EXAMPLES)
            st.form_submit_button(t("Connect"), icon=":material/link:", on_click=_connect)
        error = st.session_state.pop(ERROR, None)
        if error is not None:
            show_error(error)
        if src is None:
            return
        st.caption(esc(t("Connected to {source}.", source=src.url)))
        _table_form(src)


def _connect() -> None:
    """The Connect button (a callback, before the page runs): the URL is taken out of the session state at
    once, the source opened and its tables listed; the previous connection is closed unless a dataset reads
    from it. A problem is kept as a sentence without the password (``ERROR``)."""
    from cxlib.data.sources import connect, mask_text
    url = str(st.session_state.get(URL) or "").strip()
    st.session_state[URL] = ""
    if not url:
        return
    old = st.session_state.pop(SOURCE, None)
    st.session_state.pop(PENDING, None)
    if old is not None and all(old is not s for s, _ in state.table_sources().values()):
        old.close()
    try:
        src = connect(url)
        tables = src.list_tables()
    except CxDataError as err:
        st.session_state[ERROR] = err.msg
        return
    except Exception as err:           # noqa: BLE001 - listing failed on the engine: one sentence, no password
        reason = mask_text((str(err).strip().splitlines() or [type(err).__name__])[0])
        st.session_state[ERROR] = msg("could not list the tables: {reason}", reason=reason)
        return
    st.session_state[SOURCE], st.session_state[TABLES] = src, tables


def _table_form(src) -> None:
    tables = st.session_state.get(TABLES) or []
    if not tables:
        st.info(t("No tables found in the current schema; type the table name (schema.table for another schema)."))
    table = st.selectbox(t("Table"), tables, index=0 if tables else None, key="connect_table",
                         accept_new_options=True, placeholder=t("Pick or type a table name"))
    roles = [DETECT] + [r.name for r in ROLES]
    role = st.selectbox(t("Kind of data"), roles, key="connect_role",
                        format_func=option_labels(roles, lambda r: t("Detect it") if r == DETECT
                                                  else tr(ROLES_BY_NAME[r].label)))
    if st.button(t("Load table"), key="connect_load", type="primary", disabled=not table):
        _load(src, str(table), None if role == DETECT else role, None)
    pending = st.session_state.get(PENDING)
    if pending and pending[0] == table:
        st.warning(esc(error_text(pending[1])), icon=":material/help:")
        err = pending[1]
        picked = mapping_form("connect_pending", list(err.columns), err.role, dict(err.mapping))
        if picked:
            _load(src, pending[0], picked[0], picked[1])


def _load(src, table: str, role: str | None, mapping: dict[str, str] | None) -> None:
    from cxlib.data.connected import load_source_table
    try:
        with st.spinner(t("Reading {name}…", name=table)):
            ds = load_source_table(src, table, role=role, mapping=mapping)
    except CxNeedsMapping as err:
        st.session_state[PENDING] = (table, err)
        return
    except CxDataError as err:
        show_error(err)
        return
    st.session_state.pop(PENDING, None)
    state.table_sources()[ds.content_hash] = (src, table)
    st.session_state["last_added"] = state.add(ds)
    st.rerun()
