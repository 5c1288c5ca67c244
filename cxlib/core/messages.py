"""User-facing text that an interface can translate, while the library stays English.

cxlib speaks English: ``str(result.describe())``, warnings, errors and the command line's JSON
are English and locale-neutral. Every sentence a person reads is built with :func:`msg`, which
returns a :class:`Msg`: a ``str`` (the English text, so nothing else has to change) that also
remembers its template and values. An interface translates the *template* and fills in the
values itself, formatting numbers for its locale, so a translation is a whole sentence written
by a translator, never English fragments glued together::

    >>> from cxlib.core.messages import msg
    >>> m = msg("{n} orders have no date", n=1234)
    >>> m
    '1234 orders have no date'
    >>> m.template, m.params
    ('{n} orders have no date', {'n': 1234})

A value may itself be a ``Msg`` (translated in turn). Labels that are defined once and looked up
later (role names, status names) are marked with :func:`N_` so extraction finds them.

Chart builders run while an interface is drawing, so they call :func:`localize` on titles and
axis labels; it applies the translator installed with :func:`set_translator` (none by default,
i.e. English). Message ids are extracted with Babel (keywords ``t``, ``msg``, ``N_``).
"""
from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

__all__ = ["Msg", "msg", "N_", "localize", "set_translator", "translate", "listing", "sentences", "lines"]


class Msg(str):
    """English text plus the template and values it was made from."""

    template: str
    params: dict

    def __new__(cls, template: str, /, **params: object) -> "Msg":
        self = super().__new__(cls, template.format(**params) if params else template)
        self.template = template
        self.params = params
        return self

    def __reduce_ex__(self, protocol):      # pickling (st.cache_data) keeps template and values
        return (_rebuild, (self.template, dict(self.params)))

    def __repr__(self) -> str:
        return str.__repr__(str(self))


def _rebuild(template: str, params: dict) -> Msg:
    return Msg(template, **params)


def msg(template: str, /, **params: object) -> Msg:
    """A translatable sentence: ``msg("{n} rows were skipped", n=3)``."""
    return Msg(template, **params)


def N_(text: str) -> str:
    """Mark a label for translation without changing it (looked up later by its English text)."""
    return text


def listing(items: list, sep: str = ", ") -> Msg | str:
    """Items of a list (``sep`` is ", ", "; " or " / "), joined by templates a translation can change
    (Chinese lists use 、, Russian ones often ;). Items may be Msg or data. Empty list -> ""."""
    if not items:
        return ""
    text = items[-1]
    for item in reversed(items[:-1]):
        if sep == "; ":
            # TRANSLATORS: a list: {first} is one item, {rest} the other items (already joined the same way)
            text = msg("{first}; {rest}", first=item, rest=text)
        elif sep == " / ":
            # TRANSLATORS: a list: {first} is one item, {rest} the other items (already joined the same way)
            text = msg("{first} / {rest}", first=item, rest=text)
        else:
            # TRANSLATORS: a list: {first} is one item, {rest} the other items (already joined the same way)
            text = msg("{first}, {rest}", first=item, rest=text)
    return text


def sentences(parts: list) -> Msg | str:
    """Whole sentences one after the other (English: separated by a space), each translated alone."""
    if not parts:
        return ""
    text = parts[-1]
    for part in reversed(parts[:-1]):
        # TRANSLATORS: two whole sentences one after the other (in English separated by a space)
        text = msg("{first} {second}", first=part, second=text)
    return text


def lines(parts: list) -> Msg | str:
    """Whole sentences one per line."""
    if not parts:
        return ""
    text = parts[-1]
    for part in reversed(parts[:-1]):
        # TRANSLATORS: two lines of text
        text = msg("{first}\n{second}", first=part, second=text)
    return text


Translator = Callable[[str], str]
_translator: ContextVar[Translator | None] = ContextVar("cx_translator", default=None)


def set_translator(fn: Translator | None) -> None:
    """Install ``fn`` (text -> translated text) for chart labels built in this context."""
    _translator.set(fn)


def localize(text: object) -> str:
    """``text`` in the current interface language (English when no translator is installed)."""
    fn = _translator.get()
    return fn(text) if fn is not None else str(text)


def translate(text: object, gettext: Callable[[str], str],
              fill: Callable[[str, dict], str] | None = None) -> str:
    """Translate a ``Msg`` (recursively through values that are ``Msg``) with ``gettext``.

    ``fill(template, values)`` fills the translated template; the default is ``str.format``.
    Plain strings are looked up as message ids too (labels marked with ``N_``).
    """
    if not isinstance(text, Msg):
        return gettext(text) if isinstance(text, str) else str(text)
    values = {k: translate(v, gettext, fill) if isinstance(v, Msg) else v for k, v in text.params.items()}
    template = gettext(text.template)
    if not values:
        return template
    try:
        return fill(template, values) if fill else template.format(**values)
    except (KeyError, IndexError, ValueError):   # a broken translation never breaks a page
        return text.template.format(**values)
