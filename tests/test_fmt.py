"""ui.fmt: numbers, percentages, money and dates as people of each interface language write them.

Expected strings are CLDR's (through Babel): Russian groups thousands with a no-break space
(U+00A0) and writes a decimal comma and ``12,3 %``; Chinese and English group with commas.
"""
from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from ui.fmt import LocaleFormatter, day, moment, money, num, pct, signed

NBSP = "\u00a0"


@pytest.mark.parametrize("lang, expected", [("en", "1,234.5"), ("zh", "1,234.5"), ("ru", f"1{NBSP}234,5")])
def test_num_groups_and_decimal_mark(lang, expected):
    assert num(1234.5, 1, lang=lang) == expected


@pytest.mark.parametrize("value, decimals, lang, expected", [
    (1234567, 0, "ru", f"1{NBSP}234{NBSP}567"),
    (-1234.5, 1, "ru", f"-1{NBSP}234,5"),
    (0.5, 2, "zh", "0.50"),
    (1234.56789, None, "en", "1,234.568"),          # default: up to 3 decimals
    (12345, 0, "en", "12,345"),
])
def test_num_cases(value, decimals, lang, expected):
    assert num(value, decimals, lang=lang) == expected


def test_num_without_grouping():
    assert num(1234.5, 1, lang="ru", grouping=False) == "1234,5"


@pytest.mark.parametrize("lang, expected", [("en", "12.3%"), ("zh", "12.3%"), ("ru", f"12,3{NBSP}%")])
def test_pct_is_a_fraction_shown_as_a_percentage(lang, expected):
    assert pct(0.1234, 1, lang=lang) == expected


def test_pct_decimals():
    assert pct(0.5, 0, lang="zh") == "50%"
    assert pct(0.04914, 2, lang="ru") == f"4,91{NBSP}%"


@pytest.mark.parametrize("value, currency, lang, expected", [
    (1234.56, "RUB", "ru", f"1{NBSP}234,56{NBSP}₽"),
    (1234.56, "CNY", "zh", "¥1,234.56"),
    (1234.56, "USD", "en", "$1,234.56"),
    (195, "EUR", "en", "€195.00"),
    (195, "eur", "ru", f"195,00{NBSP}€"),            # codes are case-insensitive
])
def test_money_in_the_locale_with_the_currency(value, currency, lang, expected):
    assert money(value, currency, lang=lang) == expected


@pytest.mark.parametrize("currency", [None, "", "€", "euro", "E1"])
def test_money_without_a_usable_currency_code_is_a_plain_number(currency):
    assert money(1234.5, currency, lang="ru") == f"1{NBSP}234,50"
    assert money(1234.5, currency, lang="en") == "1,234.50"


def test_money_decimals():
    assert money(1234.567, "CNY", 0, lang="zh") == "¥1,235"


@pytest.mark.parametrize("value, lang, expected", [
    (date(2026, 11, 24), "en", "Nov 24, 2026"),
    (date(2026, 11, 24), "zh", "2026年11月24日"),
    (date(2026, 11, 24), "ru", "24 нояб. 2026\u202fг."),
    ("2026-11-24", "zh", "2026年11月24日"),                              # ISO text
    (pd.Timestamp("2026-11-24 10:00", tz="UTC"), "en", "Nov 24, 2026"),   # pandas timestamps
    (datetime(2026, 11, 24, 23, 0), "ru", "24 нояб. 2026\u202fг."),
])
def test_day(value, lang, expected):
    assert day(value, lang=lang) == expected


def test_day_long_and_unreadable():
    assert day("2026-11-24", lang="ru", long=True) == "24 ноября 2026\u202fг."
    assert day("sometime", lang="en") == "sometime"           # not a date: shown as it is


@pytest.mark.parametrize("lang, expected", [("ru", "24.11.2026, 09:05"), ("zh", "2026/11/24 09:05")])
def test_moment(lang, expected):
    assert moment(datetime(2026, 11, 24, 9, 5, 59), lang=lang) == expected


@pytest.mark.parametrize("value", [None, float("nan"), np.float64("nan"), pd.NA, pd.NaT])
def test_missing_values_show_a_dash(value):
    assert num(value, lang="ru") == "—"
    assert pct(value, lang="zh") == "—"
    assert money(value, "EUR", lang="en") == "—"
    assert signed(value, lang="ru") == "—"
    if value is not pd.NA:
        assert day(value, lang="ru") == "—" and moment(value, lang="ru") == "—"


@pytest.mark.parametrize("value", [np.int64(12345), np.float64(12345.0), np.int32(12345)])
def test_numpy_scalars(value):
    assert num(value, 0, lang="ru") == f"12{NBSP}345"
    assert LocaleFormatter("ru").format("{n:,.0f}", n=value) == f"12{NBSP}345"
    assert LocaleFormatter("zh").format("{n:,.0f}", n=value) == "12,345"


@pytest.mark.parametrize("lang, expected", [
    ("en", "3.5 | 12.3% | 1234 | 1,234 | 12345"),        # English: exactly Python's str.format
    ("zh", "3.5 | 12.3% | 1234 | 1,234 | 12,345"),
    ("ru", f"3,5 | 12,3{NBSP}% | 1234 | 1{NBSP}234 | 12{NBSP}345"),
])
def test_locale_formatter_fills_placeholders_in_the_locale(lang, expected):
    text = LocaleFormatter(lang).format("{x:.1f} | {p:.1%} | {n} | {m:,} | {big}", x=3.5, p=0.1234, n=1234,
                                        m=1234, big=12345)
    assert text == expected


def test_locale_formatter_keeps_python_semantics_in_english():
    f = LocaleFormatter("en")
    for spec, value in [("{v:+.1f}", 2.25), ("{v:.3g}", 0.000123), ("{v:,.2f}", 12345.678), ("{v}", 0.1)]:
        assert f.format(spec, v=value) == spec.format(v=value)


@pytest.mark.parametrize("lang, expected", [("en", "+3.5 / -2.0"), ("ru", "+3,5 / -2,0"), ("zh", "+3.5 / -2.0")])
def test_locale_formatter_sign(lang, expected):
    assert LocaleFormatter(lang).format("{a:+.1f} / {b:+.1f}", a=3.5, b=-2.0) == expected


def test_locale_formatter_other_specs_and_values():
    ru = LocaleFormatter("ru")
    assert ru.format("{p:.3g}", p=0.000123) == "0,000123"
    assert ru.format("{p:.2g}", p=1.2e-05) == "1,2e-05"
    assert ru.format("{x:,g}", x=123456.0) == f"123{NBSP}456"
    assert ru.format("{s}: {b}", s="a.b", b=True) == "a.b: True"     # text and booleans untouched
    assert ru.format("{x:>8.1f}", x=3.5) == "     3.5"                 # unsupported specs: Python's own


def test_signed():
    assert signed(20, 1, lang="en") == "+20.0"
    assert signed(0, 1, lang="zh") == "+0.0"
    assert signed(-0.0123, 1, percent=True, lang="ru") == f"-1,2{NBSP}%"
    assert signed(0.166, 1, percent=True, lang="zh") == "+16.6%"


def test_unknown_language_falls_back_to_english():
    assert num(1234.5, 1, lang="de") == "1,234.5"
