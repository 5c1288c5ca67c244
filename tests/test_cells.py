"""Tests for cxlib.data.cells: the number / date / flag cell parsers and the date-format note.

Oracles: hand-computed values per style, and values formatted by Python itself (hypothesis round trips:
every number style back to the cent, every date format back to the second).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib.data.cells import datetime_format_note, parse_datetimes, parse_flags, parse_numbers

UTC = dt.timezone.utc

# --------------------------------------------------------------------------------------------
# parse_numbers
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("column, expected", [
    (["1,234.56", "12.50", "1,000"], [1234.56, 12.5, 1000.0]),
    (["1.234,56", "12,50", "1.000"], [1234.56, 12.5, 1000.0]),
    (["12,50", "3,5", "100"], [12.5, 3.5, 100.0]),
    (["1 234", "1 234,5", "12"], [1234.0, 1234.5, 12.0]),
    (["1\u00a0234,56", "7\u00a0000"], [1234.56, 7000.0]),
    (["1\u202f234,56", "99"], [1234.56, 99.0]),
    (["1'234.56", "1’000"], [1234.56, 1000.0]),
    (["1.234.567", "12"], [1234567.0, 12.0]),
    (["1,234,567", "12"], [1234567.0, 12.0]),
    (["(12.00)", "12.00-", "-3", "+4", "−5"], [-12.0, -12.0, -3.0, 4.0, -5.0]),
    (["￥12.5", "¥3", "€ 4.5", "$1,200.00", "£7", "₽ 1 000", "100 руб.", "100 руб", "50 р.", "RMB 8",
      "CNY9", "12 USD", "EUR 2", "RUB 3", "30元"], [12.5, 3, 4.5, 1200, 7, 1000, 100, 100, 50, 8, 9, 12, 2, 3, 30]),
    (["5%", "12.5 %", "-1%"], [5.0, 12.5, -1.0]),
    (['="0042"', '="1,5"'], [42.0, 1.5]),
    (["-$12.00", "$-3", "($4.00)"], [-12.0, -3.0, -4.0]),
    (["1e3", ".5", "0.25"], [1000.0, 0.5, 0.25]),
])
def test_number_styles_parse_to_hand_computed_values(column, expected):
    values, bad = parse_numbers(pd.Series(column, dtype="string"))
    assert values.tolist() == pytest.approx(expected)
    assert not bad.any()


def test_unparseable_numbers_are_flagged_bad_and_blanks_are_not():
    values, bad = parse_numbers(pd.Series(["12", "abc", None, "", "  ", "N/A", "1 2 3 4", "12.5.6,7"]))
    assert bad.tolist() == [False, True, False, False, False, False, True, True]
    assert values.iloc[0] == 12 and values.iloc[1:].isna().all()


def test_numbers_already_numeric_pass_through():
    values, bad = parse_numbers(pd.Series([1, 2, None], dtype="Int64"))
    assert values.dtype == "float64" and values.tolist()[:2] == [1.0, 2.0] and np.isnan(values.iloc[2])
    assert not bad.any()
    values, bad = parse_numbers(pd.Series([True, False]))
    assert values.tolist() == [1.0, 0.0] and not bad.any()


def _style_number(x: float, style: str) -> str:
    """Render x (2 decimals) in a locale style, independently of the parser."""
    neg = x < 0
    whole, frac = f"{abs(x):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    sep, dec, fmt = {
        "us": (",", ".", "{}"), "de": (".", ",", "{}"), "ru": ("\u00a0", ",", "{} руб."),
        "fr": ("\u202f", ",", "{} €"), "ch": ("'", ".", "CHF {}".replace("CHF ", "")),
        "cn": (",", ".", "￥{}"), "space": (" ", ".", "{}"), "gb": (",", ".", "£{}"),
    }[style]
    body = fmt.format(sep.join(groups) + dec + frac)
    if neg:
        return {"us": f"({body})", "de": f"{body}-", "gb": f"-{body}"}.get(style, f"-{body}")
    return body


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1, max_size=8),
       style=st.sampled_from(["us", "de", "ru", "fr", "ch", "cn", "space", "gb"]))
def test_number_round_trip_to_the_cent_in_every_style(values, style):
    column = [_style_number(v, style) for v in values]
    parsed, bad = parse_numbers(pd.Series(column, dtype="string"))
    assert not bad.any(), column
    assert parsed.tolist() == [float(f"{v:.2f}") if f"{v:.2f}" != "-0.00" else 0.0 for v in values], column


# --------------------------------------------------------------------------------------------
# parse_datetimes
# --------------------------------------------------------------------------------------------
def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.mark.parametrize("column, expected", [
    (["2024-03-05T14:03:00", "2024-03-05 14:03"], ["2024-03-05 14:03", "2024-03-05 14:03"]),
    (["2024-03-05T14:03:00.123456Z"], ["2024-03-05 14:03:00.123456"]),
    (["2024-03-05T14:03:00+03:00", "2024-03-05 14:03:00+0300", "2024-03-05T14:03:00-0130"],
     ["2024-03-05 11:03", "2024-03-05 11:03", "2024-03-05 15:33"]),
    (["2019-10-01 00:00:00 UTC"], ["2019-10-01 00:00"]),
    (["05.03.2024", "05.03.2024 14:03", "5.3.2024 14:03:09"], ["2024-03-05", "2024-03-05 14:03", "2024-03-05 14:03:09"]),
    (["2024/03/05", "2024/03/05 14:03:00"], ["2024-03-05", "2024-03-05 14:03"]),
    (["19970101", "19980630"], ["1997-01-01", "1998-06-30"]),
    (["3/5/2024 2:03:04 PM", "12/31/2023 11:59:59 AM", "1/1/2024 12:00:00 AM"],
     ["2024-03-05 14:03:04", "2023-12-31 11:59:59", "2024-01-01 00:00"]),
    (["13/03/2024", "05/03/2024"], ["2024-03-13", "2024-03-05"]),
    (["03/13/2024", "05/03/2024"], ["2024-03-13", "2024-05-03"]),
    (["2024年3月5日 14:03", "2024年12月25日"], ["2024-03-05 14:03", "2024-12-25"]),
    (["1709647380", "1709647380000", "1709647380000000"], ["2024-03-05 14:03"] * 3),
    (["45356.5"], ["2024-03-05 12:00"]),
    (["5 Mar 2024", "March 6, 2024 2:03 PM"], ["2024-03-05", "2024-03-06 14:03"]),
    (["Tue, 05 Mar 2024 14:03:00 +0300"], ["2024-03-05 11:03"]),
    (["05.03.24", "31.12.99"], ["2024-03-05", "1999-12-31"]),
    (["05-03-2024", "25-12-2024"], ["2024-03-05", "2024-12-25"]),
    (["2024-03-05 14:03:00,250", "2024-03-05 14:03:00 +03:00"], ["2024-03-05 14:03:00.25", "2024-03-05 11:03"]),
    (["2024-03-05 2:03 PM", "2024.03.05", "20240305143000"], ["2024-03-05 14:03", "2024-03-05", "2024-03-05 14:30"]),
])
def test_date_styles_parse_to_hand_computed_values(column, expected):
    values, bad = parse_datetimes(pd.Series(column, dtype="string"))
    assert str(values.dtype) == "datetime64[us, UTC]"
    assert values.tolist() == [ts(e) for e in expected]
    assert not bad.any()


def test_mixed_formats_in_one_column_each_parsed_with_its_own_format():
    column = ["2024-03-05 14:03:00", "06.03.2024 10:00", "1709820000", None, "not a date", "20240308"] * 50
    values, bad = parse_datetimes(pd.Series(column))
    expected = [ts("2024-03-05 14:03"), ts("2024-03-06 10:00"), ts("2024-03-07 14:00"), pd.NaT, pd.NaT,
                ts("2024-03-08")] * 50
    assert values.tolist() == expected
    assert bad.tolist() == [False, False, False, False, True, False] * 50


def test_bad_dates_are_flagged_not_silently_dropped():
    values, bad = parse_datetimes(pd.Series(["2024-02-30", "2024-13-01", "12", "yesterday", "", None]))
    assert values.isna().all()
    assert bad.tolist() == [True, True, True, True, False, False]


def test_ids_and_amounts_do_not_pass_for_epoch_or_serial_dates():
    values, bad = parse_datetimes(pd.Series(["541312140", "2103807459595387724", "44600062", "12000", "99999"]))
    assert values.isna().all() and bad.all()


def test_datetime_inputs_are_converted_to_utc_microseconds():
    aware = pd.Series(pd.to_datetime(["2024-03-05 14:03"]).tz_localize("Europe/Moscow"))
    assert parse_datetimes(aware)[0].iloc[0] == ts("2024-03-05 11:03")
    naive = pd.Series(pd.to_datetime(["2024-03-05 14:03"]))
    values, bad = parse_datetimes(naive)
    assert values.iloc[0] == ts("2024-03-05 14:03") and str(values.dtype) == "datetime64[us, UTC]"
    epoch = pd.Series([1709647380.0, np.nan])
    assert parse_datetimes(epoch)[0].iloc[0] == ts("2024-03-05 14:03")


def test_datetime_format_note_only_for_ambiguous_or_guessed_columns():
    assert "month/day/year" in datetime_format_note(pd.Series(["03/04/2024", "05/06/2024"]))
    assert datetime_format_note(pd.Series(["13/04/2024", "05/06/2024"])) is None
    assert datetime_format_note(pd.Series(["2024-03-04"])) is None
    assert "Unix" in datetime_format_note(pd.Series(["1709647380", "1709647390"]))


DATE_FORMATS = {
    "iso_t": lambda d: d.strftime("%Y-%m-%dT%H:%M:%S"),
    "iso_space_frac": lambda d: d.strftime("%Y-%m-%d %H:%M:%S.%f"),
    "iso_z": lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "iso_offset": lambda d: (d + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S+03:00"),
    "iso_offset_compact": lambda d: (d - dt.timedelta(hours=5)).strftime("%Y-%m-%d %H:%M:%S-0500"),
    "utc_suffix": lambda d: d.strftime("%Y-%m-%d %H:%M:%S UTC"),
    "dotted": lambda d: d.strftime("%d.%m.%Y %H:%M:%S"),
    "ymd_slash": lambda d: d.strftime("%Y/%m/%d %H:%M:%S"),
    "us_ampm": lambda d: f"{d.month}/{d.day}/{d.year} {(d.hour % 12) or 12}:{d:%M:%S} {'AM' if d.hour < 12 else 'PM'}",
    "chinese": lambda d: f"{d.year}年{d.month}月{d.day}日 {d:%H:%M:%S}",
    "epoch_s": lambda d: str(int(d.timestamp())),
    "epoch_ms": lambda d: str(int(d.timestamp()) * 1000),
    "epoch_us": lambda d: str(int(d.timestamp()) * 1_000_000),
}


@settings(max_examples=200, deadline=None)
@given(moments=st.lists(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2034, 12, 31)),
                        min_size=1, max_size=6),
       style=st.sampled_from(sorted(DATE_FORMATS)))
def test_date_round_trip_in_every_format(moments, style):
    moments = [m.replace(microsecond=0, tzinfo=UTC) if style != "iso_space_frac" else m.replace(tzinfo=UTC)
               for m in moments]
    column = [DATE_FORMATS[style](m) for m in moments]
    values, bad = parse_datetimes(pd.Series(column, dtype="string"))
    assert not bad.any(), column
    assert values.tolist() == [pd.Timestamp(m) for m in moments], column


@settings(max_examples=100, deadline=None)
@given(moments=st.lists(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31)), min_size=1,
                        max_size=6))
def test_day_first_slash_dates_round_trip_when_one_day_exceeds_12(moments):
    column = ["13/01/2020"] + [m.strftime("%d/%m/%Y") for m in moments]
    values, bad = parse_datetimes(pd.Series(column))
    assert not bad.any()
    assert values.tolist()[1:] == [pd.Timestamp(m, tz="UTC") for m in moments]


# --------------------------------------------------------------------------------------------
# parse_flags
# --------------------------------------------------------------------------------------------
def test_flags_from_words_numbers_and_languages():
    values, bad = parse_flags(pd.Series(["1", "0", "TRUE", "false", "Yes", "no", "да", "нет", "是", "否",
                                         "1.0", "", None, "maybe"]))
    assert values.tolist()[:11] == [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]
    assert values.iloc[11:].isna().all()
    assert bad.tolist() == [False] * 13 + [True]


def test_flags_from_numeric_and_bool_dtypes():
    values, bad = parse_flags(pd.Series([1, 0, 2]))
    assert values.tolist()[:2] == [1.0, 0.0] and np.isnan(values.iloc[2]) and bad.tolist() == [False, False, True]
    assert parse_flags(pd.Series([True, False]))[0].tolist() == [1.0, 0.0]
