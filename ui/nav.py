"""The page registry: order, labels and icons of the sidebar navigation."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cxlib.core.messages import N_

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageEntry:
    path: str        # relative to app.py
    label: str       # English message id, marked with N_ (translated with tr() where shown)
    icon: str
    shared: bool = False   # open to viewers of a hosted instance (every other page is for editors)


PAGES: tuple[PageEntry, ...] = (
    PageEntry("app.py", N_("Scorecard"), ":material/dashboard:"),
    PageEntry("pages/0_Data.py", N_("Data"), ":material/folder_open:"),
    PageEntry("pages/1_Survey.py", N_("Survey"), ":material/forum:"),
    PageEntry("pages/2_Orders.py", N_("Orders"), ":material/shopping_cart:"),
    PageEntry("pages/3_Support.py", N_("Support"), ":material/support_agent:"),
    PageEntry("pages/4_Funnels.py", N_("Funnels"), ":material/filter_alt:"),
    PageEntry("pages/5_Segments.py", N_("Segments"), ":material/group_work:"),
    PageEntry("pages/6_Retention.py", N_("Retention"), ":material/autorenew:"),
    PageEntry("pages/7_Experiments.py", N_("Experiments"), ":material/science:"),
    PageEntry("pages/8_Definitions.py", N_("Definitions"), ":material/rule:"),
    PageEntry("pages/10_Customers.py", N_("Customers"), ":material/groups:"),
    PageEntry("pages/11_Engagement.py", N_("Engagement"), ":material/campaign:"),
    PageEntry("pages/9_Saved_analysis.py", N_("Saved analysis"), ":material/bookmark:", shared=True),
)


def available() -> list[PageEntry]:
    """Pages present in this build (a page file may not exist yet)."""
    return [p for p in PAGES if (ROOT / p.path).exists()]


def url_name(path: str) -> str:
    """The URL path of a page: ``pages/9_Saved_analysis.py`` -> ``Saved_analysis`` ("" for app.py)."""
    if path == "app.py":
        return ""
    return re.sub(r"^\d+_", "", Path(path).stem)


def link(path: str, label: str, icon: str | None = None) -> None:
    """st.page_link that keeps the interface language in the URL (``?lang=``), so the address of
    the page it opens, copied and shared, opens in the same language; degrades to nothing when the
    page runs as its own entry point (tests)."""
    import streamlit as st
    from streamlit.errors import StreamlitAPIException

    from ui.lang import language
    try:
        st.page_link(path, label=label, icon=icon, query_params={"lang": language()})
    except StreamlitAPIException:
        pass
