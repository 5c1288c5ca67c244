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
    """A definition sentence or note under a figure (translated, then escaped)."""
    from ui.i18n import tr
    st.caption(esc(tr(text)))


def error_text(err: object) -> str:
    """A cxlib error (or a message) in the interface language: ``err.msg`` when it has one."""
    from ui.i18n import tr
    if isinstance(err, BaseException):
        message = getattr(err, "msg", None)
        return tr(message) if message is not None else str(err)
    return tr(err)


def show_warnings(warnings, *, limit: int = 4, title: str | None = None) -> None:
    """Show warnings translated and escaped; when there are many, the rest go in an expander."""
    from ui.i18n import t, tr
    items = [w for w in (warnings or []) if str(w).strip()]
    if not items:
        return
    for w in items[:limit]:
        st.warning(esc(tr(w)), icon=":material/warning:")
    if len(items) > limit:
        with st.expander(t("{n:,} more warnings", n=len(items) - limit)):
            for w in items[limit:]:
                st.text(tr(w))


def show_error(err: object) -> None:
    """A user-facing error (a CxDataError, or its message), translated, escaped, no traceback."""
    st.error(esc(error_text(err)), icon=":material/error:")
