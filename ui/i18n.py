"""One translation function for every user-facing string in app.py, pages/ and ui/.

Message ids are the English text itself (gettext style): ``t("Upload files")``; placeholders
use ``str.format`` names: ``t("{n} rows", n=5)``, filled after translation with the locale's
number formatting (``ui.fmt.LocaleFormatter``). A string is never built by gluing translated
fragments together. Sentences made in cxlib (definitions, verdicts, warnings, errors) are
``cxlib.core.messages.Msg`` objects; :func:`tr` translates them the same way.

Catalogs are gettext ``.po`` files in ``ui/locales/<lang>/LC_MESSAGES/messages.po``, read with
Babel; ``make messages`` extracts the ids (keywords ``t``, ``msg``, ``N_``) into
``ui/locales/messages.pot`` and updates the catalogs. English needs no catalog.

The language is the session's choice (sidebar picker), else the ``?lang=`` of a shared link,
else the browser's language (``st.context.locale``), else English.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

from cxlib.core import messages
from ui import fmt
from ui.fmt import LocaleFormatter

LOCALE_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文（简体）", "ru": "Русский"}


@cache
def catalog(lang: str) -> dict[str, str]:
    """Message id -> translation for ``lang`` (untranslated and fuzzy entries left out)."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == "en" or not path.exists():
        return {}
    from babel.messages.pofile import read_po
    with path.open("rb") as fh:
        cat = read_po(fh, locale=lang)
    return {m.id: m.string for m in cat if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


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


fmt.set_language_source(language)


def _fill(lang: str):
    formatter = LocaleFormatter(lang)
    return lambda template, values: formatter.format(template, **values)


def t(message: str, /, **values: object) -> str:
    """Translate ``message`` into the session's language and fill its ``{placeholders}``.

    Values that are cxlib ``Msg`` sentences are translated too; numbers follow the locale.
    The same path as a cxlib sentence: ``t(template, **values)`` is ``tr(msg(template, **values))``.
    """
    return tr(messages.Msg(message, **values))


def tr(text: object, lang: str | None = None) -> str:
    """A cxlib sentence (``Msg``) or a marked label in the session's language (or in ``lang``, for work
    done outside the script run, such as a deferred download)."""
    if text is None:
        return ""
    lang = lang if lang in LANGUAGES else language()
    return messages.translate(text, lambda s: catalog(lang).get(s, s), _fill(lang))


def install() -> None:
    """Let cxlib chart builders translate their titles and labels during this script run."""
    messages.set_translator(tr)
