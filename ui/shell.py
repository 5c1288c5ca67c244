"""shell(): the first call of every page: page config, session data, sidebar."""
from __future__ import annotations

import streamlit as st

from ui import nav, state
from ui import i18n
from ui.i18n import LANGUAGES, t, tr
from ui.text import esc
from ui.widgets import dataset_label


def shell(title: str, *, icon: str = ":material/analytics:") -> None:
    """Configure the page and draw the sidebar with the loaded datasets and their roles."""
    st.set_page_config(page_title=f"{title} · CX Workbench", page_icon=icon, layout="wide")
    i18n.install()
    state.ensure_samples()
    with st.sidebar:
        st.markdown("**CX Workbench**")
        for entry in nav.available():
            nav.link(entry.path, tr(entry.label), entry.icon)
        st.divider()
        loaded = state.datasets()
        if loaded:
            st.caption(t("Loaded data"))
            from cxlib.schema import ROLES_BY_NAME
            for ds in loaded.values():
                st.caption(esc(t("{role}: {dataset}", role=tr(ROLES_BY_NAME[ds.role].label),
                                 dataset=dataset_label(ds))))
        else:
            st.caption(t("No data loaded yet."))
        language_picker()
    st.title(title)


def language_picker() -> None:
    """Sidebar language choice; kept in the URL (``?lang=``) so a shared link opens in it."""
    current = i18n.language()

    def chosen() -> None:
        st.session_state["lang"] = st.session_state["_lang_picker"]

    st.selectbox(t("Language"), list(LANGUAGES), format_func=LANGUAGES.get, key="_lang_picker",
                 index=list(LANGUAGES).index(current), on_change=chosen)
    if st.query_params.get("lang") != current:
        st.query_params["lang"] = current
