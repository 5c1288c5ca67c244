"""shell(): the first call of every page: page config, session data, sidebar."""
from __future__ import annotations

import streamlit as st

from ui import auth, nav, state
from ui.i18n import LANGUAGES, t
from ui.text import esc
from ui.widgets import dataset_label


def shell(title: str, *, icon: str = ":material/analytics:", shared: bool = False) -> None:
    """Configure the page, check who is using it (hosted mode: login, and viewers only on ``shared``
    pages) and draw the sidebar with the loaded datasets and their roles."""
    st.set_page_config(page_title=f"{title} · CX Workbench", page_icon=icon, layout="wide")
    account = auth.require_login()            # hosted mode: nothing below runs without an account
    if account.is_editor:
        state.ensure_samples()
    with st.sidebar:
        st.markdown("**CX Workbench**")
        for entry in nav.available():
            if account.is_editor or entry.shared:
                nav.link(entry.path, t(entry.label), entry.icon)
        st.divider()
        loaded = state.datasets()
        if loaded and account.is_editor:
            st.caption(t("Loaded data"))
            from cxlib.schema import ROLES_BY_NAME
            for ds in loaded.values():
                st.caption(esc(f"{t(ROLES_BY_NAME[ds.role].label)}: {dataset_label(ds)}"))
        elif account.is_editor:                # viewers have no session data, only shared analyses
            st.caption(t("No data loaded yet."))
        if len(LANGUAGES) > 1:
            st.selectbox(t("Language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang")
        auth.sidebar(account)
    st.title(title)
    auth.gate(account, shared=shared)
