"""One translation function for every user-facing string in app.py, pages/ and ui/.

Message ids are the English text itself (gettext style): ``t("Upload files")``; placeholders
use ``str.format`` names: ``t("{n} rows", n=5)``. A string is never built by gluing translated
fragments together. Catalogs map message id -> translation per language; English needs none.
"""
from __future__ import annotations

import streamlit as st

LANGUAGES: dict[str, str] = {"en": "English"}
CATALOGS: dict[str, dict[str, str]] = {"en": {}}


def language() -> str:
    lang = st.session_state.get("lang", "en")
    return lang if lang in CATALOGS else "en"


def t(message: str, /, **values: object) -> str:
    """Translate ``message`` into the session's language and fill its ``{placeholders}``."""
    text = CATALOGS.get(language(), {}).get(message, message)
    return text.format(**values) if values else text
