"""Every Altair chart the app draws goes through :func:`show_chart`, which sizes its labels to their text
in the session's language (``cxlib.present.charts_layout``) and sets the Vega number and time locale of
the session's language (``config.locale``: decimal comma and non-breaking-space thousands in Russian,
month names in Russian and Chinese); the PNG download (``ui.downloads``) is rendered from the same
localized spec."""
from __future__ import annotations

from functools import cache

import streamlit as st

from cxlib.present.charts_layout import fit
from ui import fmt
from ui.lang import language

# d3-time-format patterns per language (as in d3's ru-RU and zh-CN locale files); names come from Babel.
_TIME_PATTERNS = {
    "ru": {"dateTime": "%A, %e %B %Y г. %X", "date": "%d.%m.%Y", "time": "%H:%M:%S"},
    "zh": {"dateTime": "%x %A %X", "date": "%Y/%-m/%-d", "time": "%H:%M:%S"},
}


@cache
def vega_locale(lang: str) -> dict | None:
    """The Vega ``config.locale`` (d3 number and time locale) for ``lang``; None for English (Vega's default).

    Numbers: the locale's decimal and group symbols (Russian: ``,`` and a no-break space), the percent
    sign as the locale writes it (``12\u00a0%`` in Russian). Time: month and weekday names.
    """
    if lang not in _TIME_PATTERNS:
        return None
    from babel import Locale
    loc = Locale.parse(fmt.LOCALES[lang])
    sym = loc.number_symbols["latn"]
    pct_pattern = loc.percent_formats[None].pattern
    percent = pct_pattern[pct_pattern.rindex("0") + 1:].replace("\u202f", "\u00a0") or "%"
    cur = {"ru": ["", "\u00a0₽"], "zh": ["¥", ""]}[lang]
    d3_days = [6, 0, 1, 2, 3, 4, 5]                 # d3 weeks start on Sunday, Babel's on Monday
    return {
        "number": {"decimal": sym["decimal"], "thousands": sym["group"], "grouping": [3], "currency": cur,
                   "percent": percent},
        "time": {**_TIME_PATTERNS[lang],
                 "periods": [loc.day_periods["format"]["abbreviated"][p] for p in ("am", "pm")],
                 "days": [loc.days["stand-alone"]["wide"][i] for i in d3_days],
                 "shortDays": [loc.days["stand-alone"]["abbreviated"][i] for i in d3_days],
                 "months": [loc.months["stand-alone"]["wide"][i] for i in range(1, 13)],
                 "shortMonths": [loc.months["stand-alone"]["abbreviated"][i] for i in range(1, 13)]},
    }


def localized(chart, lang: str | None = None):
    """A copy of an Altair chart whose labels fit their text (``cxlib.present.charts_layout.fit``: translated labels
    wrap instead of being cut) and whose axis numbers and dates follow the language (``config.locale``)."""
    if chart is None or not hasattr(chart, "copy"):          # a spec given as JSON: already localized
        return chart
    chart = fit(chart)
    loc = vega_locale(lang or language())
    if loc is None:
        return chart
    import altair as alt
    out = chart.copy(deep=False)
    config = out.config if getattr(out, "config", alt.Undefined) is not alt.Undefined else alt.Config()
    config = config.copy(deep=False)
    config.locale = alt.Locale(**loc)
    out.config = config
    return out


def show_chart(chart, *, where=None, **kwargs) -> None:
    """Draw an Altair chart (in ``where``, a column or container; the page by default), localized."""
    if chart is None:
        return
    (where or st).altair_chart(localized(chart), **kwargs)


__all__ = ["localized", "show_chart", "vega_locale"]
