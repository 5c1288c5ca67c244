"""The page registry: order, labels and icons of the sidebar navigation."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageEntry:
    path: str        # relative to app.py
    label: str       # English message id (translated at render time)
    icon: str
    shared: bool = False   # open to viewers of a hosted instance (every other page is for editors)


PAGES: tuple[PageEntry, ...] = (
    PageEntry("app.py", "Scorecard", ":material/dashboard:"),
    PageEntry("pages/0_Data.py", "Data", ":material/folder_open:"),
    PageEntry("pages/1_Survey.py", "Survey", ":material/forum:"),
    PageEntry("pages/2_Orders.py", "Orders", ":material/shopping_cart:"),
    PageEntry("pages/3_Support.py", "Support", ":material/support_agent:"),
    PageEntry("pages/4_Funnels.py", "Funnels", ":material/filter_alt:"),
    PageEntry("pages/5_Segments.py", "Segments", ":material/group_work:"),
    PageEntry("pages/6_Retention.py", "Retention", ":material/autorenew:"),
    PageEntry("pages/7_Experiments.py", "Experiments", ":material/science:"),
    PageEntry("pages/8_Definitions.py", "Definitions", ":material/rule:"),
    PageEntry("pages/9_Saved_analysis.py", "Saved analysis", ":material/bookmark:", shared=True),
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
    """st.page_link that degrades to nothing when the page runs as its own entry point (tests)."""
    import streamlit as st
    from streamlit.errors import StreamlitAPIException
    try:
        st.page_link(path, label=label, icon=icon)
    except StreamlitAPIException:
        pass
