"""Rendering text that came from files, safely: never as markdown or HTML."""
from __future__ import annotations

import re

import streamlit as st

# Every ASCII punctuation that markdown, Streamlit directives (:color[..], :emoji:) or HTML could
# interpret is backslash-escaped (CommonMark allows escaping any ASCII punctuation).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")


# Streamlit's markdown also turns "->", "<-", ">=", "<=", "~=" into arrows and symbols after
# parsing, so escaping cannot stop it; a zero-width space between such characters does.
_TYPOGRAPHIC = re.compile(r"(?<=[<>\-=~])(?=[<>\-=~])")
ZWSP = "\u200b"


def esc(text: object) -> str:
    """Escape ``text`` so st.markdown/st.warning/st.caption show it literally."""
    s = "" if text is None else str(text)
    s = _TYPOGRAPHIC.sub(ZWSP, s)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return s.replace("\n", "  \n")


def caption(text: object) -> None:
    """A definition sentence or note under a figure (escaped)."""
    st.caption(esc(text))


def show_warnings(warnings, *, limit: int = 4, title: str | None = None) -> None:
    """Show warnings escaped; when there are many, the rest go in an expander."""
    from ui.i18n import t
    items = [str(w) for w in (warnings or []) if str(w).strip()]
    if not items:
        return
    for w in items[:limit]:
        st.warning(esc(w), icon=":material/warning:")
    if len(items) > limit:
        with st.expander(t("{n} more warnings", n=len(items) - limit)):
            for w in items[limit:]:
                st.text(w)


def show_error(err: Exception) -> None:
    """A user-facing error (CxDataError message), escaped, no traceback."""
    st.error(esc(str(err)), icon=":material/error:")
