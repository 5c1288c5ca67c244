"""Numbers, percentages, money and dates for people, in the interface language (Babel).

The command line stays locale-neutral; only what the app shows goes through here. Each helper
takes the language explicitly (``lang="ru"``) or uses the session's (``ui.lang.language()``):

>>> num(1234.5, 1, lang="ru"), pct(0.1234, 1, lang="ru"), money(1234.56, "RUB", lang="ru")
('1\\xa0234,5', '12,3\\xa0%', '1\\xa0234,56\\xa0₽')
>>> money(1234.56, "CNY", lang="zh"), num(1234.5, 1, lang="en"), pct(0.5, 0, lang="zh")
('¥1,234.56', '1,234.5', '50%')
"""
from __future__ import annotations

import math
import re
import string
from datetime import date, datetime
from functools import cache

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, parse_pattern

from ui.lang import language

# The interface languages and the Babel locale used to format for each.
LOCALES = {"en": "en_US", "zh": "zh_Hans_CN", "ru": "ru_RU"}


def _lang(lang: str | None) -> str:
    if lang is None:
        lang = language()
    return lang if lang in LOCALES else "en"


def _locale(lang: str | None) -> Locale:
    return _parsed(LOCALES[_lang(lang)])


@cache
def _parsed(name: str) -> Locale:
    """One Babel Locale per language for the process (parsing one costs ~50 µs: a 1,000-row table of
    dates parsed it 1,000 times a rerun)."""
    return Locale.parse(name)


def _missing(value) -> bool:
    if value is None or type(value).__name__ in ("NAType", "NaTType"):      # pandas NA / NaT
        return True
    try:
        return (isinstance(value, float) and math.isnan(value)) or bool(value != value)  # noqa: PLR0124 (NaN)
    except (TypeError, ValueError):
        return False


def _pattern(base: str, decimals: int | None, grouping: bool):
    pat = parse_pattern(base)
    if decimals is not None:
        pat.frac_prec = (decimals, decimals)
    if not grouping:
        pat.grouping = (1000, 1000)          # wider than any number: no separators
    return pat


def num(value, decimals: int | None = None, *, lang: str | None = None, grouping: bool = True) -> str:
    """``1 234,5`` (ru), ``1,234.5`` (en/zh). ``decimals=None`` keeps up to 3 significant decimals."""
    if _missing(value):
        return "—"
    loc = _locale(lang)
    pat = _pattern(loc.decimal_formats[None].pattern, decimals, grouping)
    return pat.apply(value, loc)


def pct(fraction, decimals: int = 1, *, lang: str | None = None) -> str:
    """A fraction as a percentage: ``0.123`` -> ``12.3%`` / ``12,3 %``."""
    if _missing(fraction):
        return "—"
    loc = _locale(lang)
    return _pattern(loc.percent_formats[None].pattern, decimals, True).apply(fraction, loc)


def signed(value, decimals: int = 1, *, percent: bool = False, lang: str | None = None) -> str:
    """A difference, always with its sign: ``+3,5`` (ru), ``-2.0``, ``+5.0%`` (``percent``: a fraction)."""
    if _missing(value):
        return "—"
    return LocaleFormatter(_lang(lang)).format(f"{{v:+.{decimals}{'%' if percent else 'f'}}}", v=value)


def money(value, currency: str | None = None, decimals: int | None = None, *, lang: str | None = None) -> str:
    """``1 234,56 ₽`` (ru), ``¥1,234.56`` (zh), ``$1,234.56`` (en); no currency: a plain number."""
    if _missing(value):
        return "—"
    if not currency or not re.fullmatch(r"[A-Za-z]{3}", str(currency)):
        return num(value, 2 if decimals is None else decimals, lang=lang)
    loc = _locale(lang)
    text = format_currency(value, currency.upper(), locale=loc)
    if decimals is not None:
        pat = _pattern(loc.currency_formats["standard"].pattern, decimals, True)
        text = pat.apply(value, loc, currency=currency.upper(), currency_digits=False)
    return text


def _as_datetime(value):
    """An ISO string, pandas Timestamp or datetime as a datetime/date; other text comes back as it is."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def day(value, *, lang: str | None = None, long: bool = False) -> str:
    """A date as people write it: ``24 нояб. 2026 г.``, ``2026年11月24日``, ``Nov 24, 2026``."""
    if _missing(value) or value == "":
        return "—"
    value = _as_datetime(value)
    d = value.date() if isinstance(value, datetime) else value
    if not isinstance(d, date):
        return str(value)
    return format_date(d, format="long" if long else "medium", locale=_locale(lang))


def moment(value, *, lang: str | None = None) -> str:
    """A date and time (seconds dropped)."""
    if _missing(value):
        return "—"
    value = _as_datetime(value)
    if not isinstance(value, datetime):
        return str(value)
    return format_datetime(value, format="short", locale=_locale(lang))


_SPEC = re.compile(r"^(?P<sign>\+)?(?P<comma>,)?(?:\.(?P<prec>\d+))?(?P<kind>[fd%g]?)$")


class LocaleFormatter(string.Formatter):
    """``str.format`` whose numbers follow the locale: ``{x:.1f}`` -> ``3,5`` in Russian.

    English keeps Python's own formatting exactly, so English text equals cxlib's.
    """

    def __init__(self, lang: str) -> None:
        self.lang = _lang(lang)

    def format_field(self, value, format_spec: str):
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not is_number and hasattr(value, "dtype") and getattr(value, "shape", None) == ():
            is_number, value = True, value.item()        # numpy scalars
        m = _SPEC.match(format_spec)
        if self.lang == "en" or not is_number or m is None:
            return super().format_field(value, format_spec)
        text = self._number(value, m)
        return "+" + text if m["sign"] and value >= 0 else text      # {x:+.1f}: "+3,5" as Python's "+3.5"

    def _number(self, value, m) -> str:
        prec = int(m["prec"]) if m["prec"] is not None else None
        if m["kind"] == "%":
            return pct(value, 6 if prec is None else prec, lang=self.lang)
        if m["kind"] == "d" or (isinstance(value, int) and prec is None):
            return num(value, 0, lang=self.lang, grouping=bool(m["comma"]) or abs(value) >= 10_000)
        if m["kind"] in ("f", "") and prec is not None:
            return num(value, prec, lang=self.lang, grouping=bool(m["comma"]) or abs(value) >= 10_000)
        return format(value, (m["comma"] or "") + (f".{prec}" if prec is not None else "") + m["kind"]).replace(
            ",", "\0").replace(".", LOCALE_DECIMAL[self.lang]).replace("\0", LOCALE_GROUP[self.lang])


LOCALE_DECIMAL = {lang: Locale.parse(loc).number_symbols["latn"]["decimal"] for lang, loc in LOCALES.items()}
LOCALE_GROUP = {lang: Locale.parse(loc).number_symbols["latn"]["group"] for lang, loc in LOCALES.items()}
