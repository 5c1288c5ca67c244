"""The session's interface language, below both ``ui.fmt`` (numbers and dates) and ``ui.i18n`` (texts).

The language is the session's choice (sidebar picker), else the ``?lang=`` of a shared link, else the
browser's language (``st.context.locale``), else English.
"""
from __future__ import annotations

import streamlit as st

from ui.locales import LANGUAGES


def _from_browser() -> str | None:
    try:
        loc = (st.context.locale or "").lower()
    except Exception:                       # bare mode (tests, notebooks): no browser
        return None
    code = loc.replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def language() -> str:
    """The session's interface language code (``en``, ``zh`` or ``ru``)."""
    lang = st.session_state.get("lang")
    if lang in LANGUAGES:
        return lang
    try:
        wanted = st.query_params.get("lang")
    except Exception:
        wanted = None
    lang = wanted if wanted in LANGUAGES else (_from_browser() or "en")
    st.session_state["lang"] = lang
    return lang
