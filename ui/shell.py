"""shell(): the first call of every page: language, login, page config, session data, sidebar."""
from __future__ import annotations

import streamlit as st

from ui import auth, i18n, nav, state
from ui.i18n import t, tr
from ui.lang import LANGUAGES, language
from ui.pickers import dataset_label
from ui.text import esc


def shell(title: str, *, icon: str = ":material/analytics:", shared: bool = False) -> None:
    """Configure the page, check who is using it (hosted mode: login, and viewers only on ``shared``
    pages) and draw the sidebar with the loaded datasets and their roles."""
    st.set_page_config(page_title=f"{title} · CX Workbench", page_icon=icon, layout="wide")
    i18n.install()
    account = auth.current()                   # local mode: the local editor
    if account is None:                        # hosted mode, not logged in: the login screen can
        with st.sidebar:                       # be read in any language too
            language_picker()
        account = auth.require_login()        # draws the login and stops: nothing below runs
    if account.is_editor:
        state.ensure_samples()
    with st.sidebar:
        st.markdown("**CX Workbench**")
        for entry in nav.available():
            if account.is_editor or entry.shared:
                nav.link(entry.path, tr(entry.label), entry.icon)
        st.divider()
        loaded = state.datasets()
        for name in state.take_gone():
            st.warning(esc(t("{dataset} was removed from the cache folder to make room for newer files: load it "
                             "again on the Data page.", dataset=name)), icon=":material/info:")
        if loaded and account.is_editor:
            st.caption(t("Loaded data"))
            from cxlib.data.schema import ROLES_BY_NAME
            for ds in loaded.values():
                st.caption(esc(t("{role}: {dataset}", role=tr(ROLES_BY_NAME[ds.role].label),
                                 dataset=dataset_label(ds))))
        elif account.is_editor:                # viewers have no session data, only shared analyses
            st.caption(t("No data loaded yet."))
        language_picker()
        auth.sidebar(account)
    st.title(title)
    auth.gate(account, shared=shared)


def language_picker() -> None:
    """Sidebar language choice; kept in the URL (``?lang=``) so a shared link opens in it."""
    current = language()

    def chosen() -> None:
        st.session_state["lang"] = st.session_state["_lang_picker"]

    st.selectbox(t("Language"), list(LANGUAGES), format_func=LANGUAGES.get, key="_lang_picker",
                 index=list(LANGUAGES).index(current), on_change=chosen)
    if st.query_params.get("lang") != current:
        st.query_params["lang"] = current
