"""One translation function for every user-facing string in app.py, pages/ and ui/.

Message ids are the English text itself (gettext style): ``t("Upload files")``; placeholders
use ``str.format`` names: ``t("{n} rows", n=5)``, filled after translation with the locale's
number formatting (``ui.fmt.LocaleFormatter``). A string is never built by gluing translated
fragments together. Sentences made in cxlib (definitions, verdicts, warnings, errors) are
``cxlib.core.messages.Msg`` objects; :func:`tr` translates them the same way.

Catalogs are gettext ``.po`` files in ``ui/locales/<lang>/LC_MESSAGES/messages.po``, read with
Babel; ``make messages`` extracts the ids (keywords ``t``, ``msg``, ``N_``) into
``ui/locales/messages.pot`` and updates the catalogs. English needs no catalog.

The session's language comes from ``ui.lang`` (below this module and ``ui.fmt``: no circle).
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from cxlib.core import messages
from ui.fmt import LocaleFormatter
from ui.lang import LANGUAGES, language

LOCALE_DIR = Path(__file__).resolve().parent / "locales"


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
