"""Cell parsers: text columns -> typed columns, decided per column and vectorized with pyarrow.

- ``parse_numbers(series) -> (float64 series, bad mask)``: decimal commas, thousands separators,
  currency marks, percents, accounting negatives;
- ``parse_datetimes(series) -> (datetime64[us, UTC] series, bad mask)``: ISO, day/month order chosen
  per column, Excel serials, named months;
- ``parse_flags(series) -> (float64 0/1 series, bad mask)``;
- ``datetime_format_note(series) -> str | None``: the one ambiguity a caller should warn about;
- ``clean_text``: blank cells -> null, Excel ``="..."`` text wrappers unwrapped (never evaluated).

``bad`` marks non-empty cells that could not be parsed (NA tokens such as "n/a" or "-" are empty,
not bad); callers turn them into warnings with counts and example rows, so nothing becomes NaN
silently.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlib.core.messages import Msg, msg
from cxlib.data.table import STRING

__all__ = ["parse_numbers", "parse_datetimes", "parse_flags", "datetime_format_note", "clean_text"]


def clean_text(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Whitespace-only -> null; Excel text wrappers ="..." unwrapped (never evaluated)."""
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    blank = pc.utf8_is_space(arr)
    if pc.any(blank).as_py():
        arr = pc.if_else(blank, pa.scalar(None, pa.string()), arr)
    if pc.any(pc.starts_with(arr, '="')).as_py():
        arr = pc.replace_substring_regex(arr, r'^="(.*)"$', r"\1")
    return arr


# --------------------------------------------------------------------------------------------
# Cell parsers: column-level decisions, vectorized with pyarrow compute (RE2 regexes, C strptime)
# --------------------------------------------------------------------------------------------
_NULL_TOKENS = pa.array(["nan", "null", "none", "n/a", "na", "#n/a", "-", "--", "—", "–"])
_CURRENCY = (r"(?i)(?:руб\.?|р\.|rmb|cny|usd|eur|rub|gbp|jpy|chf|hkd|aud|cad|inr|krw|pln|uah|kzt|byn|"
             r"[￥¥€$£₽元₹₩₺₴₸])")
_GROUP_CHARS = " \u00a0\u202f\u2009'’"      # thousands separators besides the non-decimal . or ,
_NAT = np.iinfo(np.int64).min                # NaT as int64 microseconds


def _text_array(series: pd.Series) -> pa.Array:
    """Any series -> pyarrow text, trimmed, null for empty cells, Excel ="..." wrappers removed."""
    s = series if series.dtype == STRING else series.astype(STRING)
    arr = pa.array(s)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = pc.utf8_trim_whitespace(arr)
    empty = pc.equal(arr, "")
    if pc.any(empty).as_py():
        arr = pc.if_else(empty, pa.scalar(None, arr.type), arr)
    if pc.any(pc.starts_with(arr, '="')).as_py():
        arr = pc.replace_substring_regex(arr, r'^="(.*)"$', r"\1")
    return arr


def _mask(arr: pa.Array) -> np.ndarray:
    """Boolean pyarrow array -> numpy bool, null as False."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _matches(arr: pa.Array, pattern: str) -> pa.Array:
    return pc.fill_null(pc.match_substring_regex(arr, pattern), False)


def _false(index: pd.Index) -> pd.Series:
    return pd.Series(np.zeros(len(index), dtype=bool), index=index)


def parse_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Text cells -> float64, deciding the decimal mark once per column.

    Handles decimal comma and thousands separators (space, NBSP, narrow NBSP, apostrophe, dot,
    comma), currency symbols/codes anywhere, accounting negatives "(12.00)", trailing minus,
    "%" (the number as written, not /100) and Excel ``="..."``. Placeholders such as "N/A" or
    "-" count as empty. Returns ``(values, bad)``; ``bad`` marks non-empty unparseable cells.

    Examples
    --------
    >>> parse_numbers(pd.Series(["1.234,56 €", "(12,00)", "12,5"]))[0].tolist()
    [1234.56, -12.0, 12.5]
    """
    index = series.index
    if pd.api.types.is_bool_dtype(series.dtype) or (pd.api.types.is_numeric_dtype(series.dtype)
                                                    and not pd.api.types.is_complex_dtype(series.dtype)):
        return series.astype("float64"), _false(index)
    if pd.api.types.is_datetime64_any_dtype(series.dtype) or isinstance(series.dtype, pd.PeriodDtype):
        return pd.Series(np.nan, index=index, dtype="float64"), series.notna().astype(bool)
    arr = _text_array(series)
    sample = arr.slice(0, 2000).drop_null().to_pylist()
    if all(_PLAIN_NUMBER.fullmatch(c) for c in sample):
        try:     # fast path: plain numbers
            return pd.Series(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), index=index), _false(index)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    present = _mask(pc.is_valid(arr))
    arr = pc.if_else(pc.is_in(pc.utf8_lower(arr), value_set=_NULL_TOKENS), pa.scalar(None, arr.type), arr)
    t, neg = _strip_decorations(arr)
    dec = _decimal_mark(t)
    group = f"[{_GROUP_CHARS}{'.' if dec == ',' else ','}]"
    point = r"\." if dec == "." else ","
    pattern = rf"^(?:\d{{1,3}}(?:{group}\d{{3}})+(?:{point}\d*)?|\d+(?:{point}\d*)?|{point}\d+)(?:[eE][+-]?\d+)?$"
    ok = _matches(t, pattern)
    clean = pc.replace_substring_regex(pc.if_else(ok, t, pa.scalar(None, t.type)), group, "")
    if dec == ",":
        clean = pc.replace_substring(clean, ",", ".")
    values = np.asarray(pc.cast(clean, pa.float64()).to_numpy(zero_copy_only=False), dtype="float64")
    values = np.where(neg, -values, values)
    bad = present & np.isnan(values) & _mask(pc.is_valid(arr))
    return pd.Series(values, index=index), pd.Series(bad, index=index)


def _strip_decorations(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Remove accounting parentheses, trailing/leading signs, currency and "%" -> (digits text, negative)."""
    neg = np.zeros(len(arr), dtype=bool)
    t = arr
    if _any(t, "("):
        neg |= _mask(pc.match_substring_regex(t, r"^\(.*\)$"))
        t = pc.replace_substring_regex(t, r"^\((.*)\)$", r"\1")
    if _any(t, "-"):
        trailing = _mask(pc.ends_with(t, "-"))
        if trailing.any():
            neg |= trailing
            t = pc.replace_substring_regex(t, r"-$", "")
    if _any(t, "\u2212"):
        t = pc.replace_substring(t, "\u2212", "-")
    if _any(t, "%"):
        t = pc.replace_substring(t, "%", "")
    if pc.any(_matches(t, r"[^\d.,+\-eE]")).as_py():
        t = pc.utf8_trim_whitespace(pc.replace_substring_regex(t, _CURRENCY, ""))
    if _any(t, "-") or _any(t, "+"):
        neg ^= _mask(pc.starts_with(t, "-"))
        t = pc.replace_substring_regex(t, r"^[+-]\s*", "")
    return t, neg


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _any(arr: pa.Array, literal: str) -> bool:
    return bool(pc.any(pc.fill_null(pc.match_substring(arr, literal), False)).as_py())


def _count(arr: pa.Array, pattern: str) -> int:
    return int(np.count_nonzero(_mask(pc.match_substring_regex(arr, pattern))))


def _decimal_mark(t: pa.Array) -> str:
    """',' when the column's cells show a decimal comma ("12,50", "1.234,56", "1.234.567"), else '.'."""
    has_comma, has_dot = _any(t, ","), _any(t, ".")
    single_dot = r"^[^.,]*\.(?:\d{1,2}|\d{4,})$"                  # 12.5 / 0.0001
    if not has_comma:
        return "," if _count(t, r"^[^.]*\.[^.]*\.") > _count(t, single_dot) else "."
    comma = _count(t, r"^[^.,]*,(?:\d{1,2}|\d{4,})$")             # 12,5 / 0,0001
    dot = _count(t, r"^[^,]*,[^,]*,")                               # 1,234,567
    if has_dot:
        comma += _count(t, r"^[^,]*\.[^,]*,\d*$") + _count(t, r"^[^.]*\.[^.]*\.")   # 1.234,56 / 1.234.567
        dot += _count(t, r"^[^.]*,[^.]*\.\d*$") + _count(t, single_dot)
    return "," if comma > dot else "."


_FLAGS = {"1": 1.0, "0": 0.0, "1.0": 1.0, "0.0": 0.0, "true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0,
          "y": 1.0, "n": 0.0, "t": 1.0, "f": 0.0, "on": 1.0, "off": 0.0, "да": 1.0, "нет": 0.0,
          "是": 1.0, "否": 0.0, "converted": 1.0, "not converted": 0.0}


def parse_flags(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Yes/no cells -> float64 1.0/0.0 (1/0, true/false, yes/no, y/n, да/нет, 是/否)."""
    index = series.index
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("float64"), _false(index)
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.astype("float64")
        bad = values.notna() & ~values.isin([0.0, 1.0])
        return values.where(~bad), bad.astype(bool)
    arr = pc.utf8_lower(_text_array(series))
    keys = pa.array(list(_FLAGS), arr.type)
    pos = pc.index_in(arr, value_set=keys)
    values = np.asarray(pc.take(pa.array(list(_FLAGS.values())), pos).to_numpy(zero_copy_only=False), "float64")
    bad = np.isnan(values) & _mask(pc.is_valid(arr)) & ~_mask(pc.is_in(arr, value_set=_NULL_TOKENS))
    return pd.Series(values, index=index), pd.Series(bad, index=index)


# Date shapes: the cell with every digit replaced by "0" (few distinct shapes per column).
_TIME = r"(?:(?P<tsep>[ T])0{1,2}:0{2}(?P<sec>:0{2})?(?P<frac>[.,]0+)?(?P<ampm>\s?[AaPp][Mm])?)?"
_SHAPES = (
    ("iso", re.compile(r"0{4}-0{1,2}-0{1,2}(?:[T ]0{1,2}:0{2}(?::0{2}(?:[.,]0+)?)?)?(?:Z|[+-]0{2}(?::?0{2})?)?")),
    ("ymd", re.compile(r"0{4}(?P<sep>[/.-])0{1,2}(?P=sep)0{1,2}" + _TIME)),
    ("dot", re.compile(r"0{1,2}\.0{1,2}\.(?P<year>0{4}|0{2})" + _TIME)),
    ("slash", re.compile(r"0{1,2}(?P<sep>[/-])0{1,2}(?P=sep)(?P<year>0{4}|0{2})" + _TIME)),
    ("compact", re.compile(r"0{8}|0{14}")),
    ("epoch", re.compile(r"0{9,19}(?:\.0+)?")),
    ("serial", re.compile(r"0{5}(?:\.0+)?")),
)
_SLASH_PARTS = r"^(?P<a>\d{1,2})[/-](?P<b>\d{1,2})[/-]\d{2,4}(?:\D|$)"
# Numbers read as dates must land in 1990-01-01..2035-01-01: keeps ids (541312140, 2103807459595387724)
# and amounts from passing for Unix or Excel dates.
_PLAUSIBLE_US = (631_152_000_000_000, 2_051_222_400_000_000)


def _shape_kind(cell: str) -> tuple[str, re.Match] | None:
    shape = re.sub(r"\d", "0", cell)
    for kind, rx in _SHAPES:
        m = rx.fullmatch(shape)
        if m:
            return kind, m
    return None


def _format_for(kind: str, m: re.Match, cell: str, dayfirst: bool) -> str:
    """A strptime-style format for one date shape ("ISO8601", "%d.%m.%Y %H:%M", "epoch"...)."""
    if kind == "iso":
        return "ISO8601"
    if kind == "compact":
        return "%Y%m%d" if len(cell) == 8 else "%Y%m%d%H%M%S"
    if kind in ("epoch", "serial"):
        return kind
    year = "%Y" if kind == "ymd" or len(m.group("year")) == 4 else "%y"
    if kind == "ymd":
        date = f"%Y{m.group('sep')}%m{m.group('sep')}%d"
    elif kind == "dot":
        date = f"%d.%m.{year}"
    else:
        sep = m.group("sep")
        date = f"%d{sep}%m{sep}{year}" if dayfirst else f"%m{sep}%d{sep}{year}"
    if not m.group("tsep"):
        return date
    ampm = m.group("ampm")
    time = m.group("tsep") + ("%I" if ampm else "%H") + ":%M" + (":%S" if m.group("sec") else "")
    if m.group("frac"):
        time += m.group("frac")[0] + "%f"
    if ampm:
        time += (" " if ampm[0].isspace() else "") + "%p"
    return date + time


def _dayfirst(arr: pa.Array) -> tuple[bool, bool]:
    """(dayfirst, ambiguous) for d/m/y-or-m/d/y cells, decided on the whole column: a first part
    above 12 proves day-first, a second part above 12 proves month-first."""
    parts = pc.extract_regex(pc.if_else(_matches(arr, _SLASH_PARTS), arr, pa.scalar(None, arr.type)), _SLASH_PARTS)
    a = pc.cast(pc.struct_field(parts, "a"), pa.int64())
    b = pc.cast(pc.struct_field(parts, "b"), pa.int64())
    if a.null_count == len(a):
        return False, False
    day_first = int(np.count_nonzero(_mask(pc.greater(a, 12))))
    month_first = int(np.count_nonzero(_mask(pc.greater(b, 12))))
    if day_first or month_first:
        return day_first > month_first, False
    return False, True


def parse_datetimes(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Text cells -> ``datetime64[us, UTC]``; each format group parsed vectorized with its own format.

    ISO 8601 (T or space, fractions, Z/+03:00/+0300, trailing " UTC"), dd.mm.yyyy[ hh:mm[:ss]],
    yyyy/mm/dd, yyyymmdd, US mm/dd/yyyy hh:mm:ss AM/PM, dd/mm/yyyy when a day > 12 proves it
    (else month first), 2024年3月5日 14:03, Unix epoch seconds/ms/µs/ns (by magnitude) and Excel
    serial day numbers (both only when they fall in 1990-2034), month names ("5 Mar 2024"). Offsets are
    converted to UTC; naive times are taken as UTC. Returns ``(values, bad)``.

    Examples
    --------
    >>> parse_datetimes(pd.Series(["05.03.2024 14:03", "2024-03-05T14:03:00+03:00"]))[0].tolist()
    [Timestamp('2024-03-05 14:03:00+0000', tz='UTC'), Timestamp('2024-03-05 11:03:00+0000', tz='UTC')]
    """
    index = series.index
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC").astype("datetime64[us, UTC]"), _false(index)
    if pd.api.types.is_datetime64_dtype(dtype):
        return series.dt.tz_localize("UTC").astype("datetime64[us, UTC]"), _false(index)
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        micros = _from_number(series.to_numpy(dtype="float64", na_value=np.nan))
        return _as_utc(micros, index), pd.Series((micros == _NAT) & series.notna().to_numpy(), index=index)
    arr = _normalize_dates(_text_array(series))
    micros = np.full(len(arr), _NAT, dtype=np.int64)
    pending = _mask(pc.is_valid(arr)).copy()
    dayfirst: list[bool] = []           # decided once, on the whole column, when a slash format shows up
    _parse_pending(arr, arr, micros, pending, dayfirst)
    if pending.any():
        where = np.flatnonzero(pending)
        rare = _normalize_rare(arr.take(pa.array(where)))
        sub_micros = np.full(len(where), _NAT, dtype=np.int64)
        sub_pending = np.ones(len(where), dtype=bool)
        _parse_pending(rare, arr, sub_micros, sub_pending, dayfirst)
        micros[where] = sub_micros
        pending[where] = sub_pending
    if pending.any():
        _parse_named_months(arr, micros, pending, bool(dayfirst and dayfirst[0]))
    return _as_utc(micros, index), pd.Series(pending, index=index)


def _parse_pending(arr: pa.Array, column: pa.Array, micros: np.ndarray, pending: np.ndarray,
                   dayfirst: list[bool]) -> None:
    """Repeatedly take the most common format among pending cells and parse all cells of that shape."""
    tried: set[str] = set()
    for _ in range(12):
        where = np.flatnonzero(pending)
        if not len(where):
            break
        todo = arr if len(where) == len(arr) else arr.take(pa.array(where))
        fmt, uniform = _best_format(todo, column, dayfirst, tried)
        if fmt is None:
            break
        tried.add(fmt)
        got = _parse_group(todo, fmt, uniform)
        hit = got != _NAT
        micros[where[hit]] = got[hit]
        pending[where[hit]] = False


def _as_utc(micros: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(micros.view("datetime64[us]"), index=index).dt.tz_localize("UTC")


def _normalize_dates(arr: pa.Array) -> pa.Array:
    """Trailing " UTC"/" GMT" dropped (naive means UTC anyway); 2024年3月5日 -> 2024-3-5."""
    zone = pc.or_(pc.fill_null(pc.ends_with(arr, "UTC"), False), pc.fill_null(pc.ends_with(arr, "GMT"), False))
    if pc.any(zone).as_py():
        arr = pc.if_else(zone, pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(arr, 0, -3)), arr)
    if _any(arr, "年"):
        arr = pc.replace_substring_regex(arr, r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*", r"\1-\2-\3 ")
        arr = pc.utf8_trim_whitespace(arr)
    return arr


def _normalize_rare(arr: pa.Array) -> pa.Array:
    """Second-chance fixes, applied only to cells no format matched: "14:03:00 +03:00" -> "14:03:00+03:00",
    "14:03:00,123" -> "14:03:00.123"."""
    arr = pc.replace_substring_regex(arr, r"(\d)\s+([+-]\d{2}:?\d{2})$", r"\1\2")
    return pc.replace_substring_regex(arr, r"(\d{2}:\d{2}:\d{2}),(\d+)", r"\1.\2")


def _best_format(todo: pa.Array, column: pa.Array, dayfirst: list[bool], tried: set[str]
                 ) -> tuple[str | None, bool]:
    """The most common not-yet-tried format among a sample of the pending cells, and whether
    every sampled cell has it."""
    n = len(todo)
    sample = todo.slice(0, 300).to_pylist() + todo.slice(max(300, n - 100)).to_pylist()
    if n > 400:
        sample += todo.take(pa.array(np.random.default_rng(0).integers(0, n, 600))).to_pylist()
    counts: Counter[str] = Counter()
    for cell in sample:
        found = _shape_kind(cell)
        if found is None:
            continue
        if found[0] == "slash" and not dayfirst:
            dayfirst.append(_dayfirst(column)[0])
        fmt = _format_for(found[0], found[1], cell, bool(dayfirst and dayfirst[0]))
        if fmt not in tried:
            counts[fmt] += 1
    if not counts:
        return None, False
    fmt, hits = counts.most_common(1)[0]
    return fmt, hits == len(sample)


def _parse_group(todo: pa.Array, fmt: str, uniform: bool) -> np.ndarray:
    """Parse the pending cells that have ``fmt``'s shape -> int64 microseconds (NaT elsewhere)."""
    if uniform and fmt in ("ISO8601", "epoch", "serial"):     # try the whole array at once
        whole = _iso_cast(todo) if fmt == "ISO8601" else _number_cast(todo, fmt)
        if whole is not None:
            return whole
    fits = _mask(_matches(todo, _format_regex(fmt)))
    out = np.full(len(todo), _NAT, dtype=np.int64)
    if fits.any():
        out[fits] = _parse_fitting(todo.filter(pa.array(fits)), fmt)
    return out


def _iso_cast(cells: pa.Array) -> np.ndarray | None:
    """Arrow's ISO 8601 cast: fast but all-or-nothing (None when any cell does not fit)."""
    first = cells.drop_null()[:1].to_pylist()
    zoned = bool(first) and bool(re.search(r"(?:Z|[+-]\d{2}:?\d{2})$", first[0]))
    targets = (pa.timestamp("us"), pa.timestamp("us", "UTC"))
    for target in (targets[::-1] if zoned else targets):
        try:
            return np.asarray(pc.cast(pc.cast(cells, target), pa.int64()).fill_null(_NAT).to_numpy(), np.int64)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return None


def _number_cast(cells: pa.Array, fmt: str) -> np.ndarray | None:
    """Digits -> epoch or serial dates; None when a cell is not a plain non-negative number."""
    try:
        values = np.asarray(pc.cast(cells, pa.float64()).to_numpy(zero_copy_only=False), dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    with np.errstate(invalid="ignore"):
        keep = (values < 80_000) if fmt == "serial" else (values >= 1e8)
    return _from_number(np.where(keep, values, np.nan))


def _parse_fitting(cells: pa.Array, fmt: str) -> np.ndarray:
    if fmt in ("epoch", "serial"):
        return _number_cast(cells, fmt)
    if fmt == "ISO8601":
        whole = _iso_cast(cells)
        if whole is not None:
            return whole
    if fmt == "ISO8601" or "%f" in fmt:
        s = pd.Series(pd.arrays.ArrowStringArray(pc.cast(cells, pa.large_string())))
        parsed = pd.to_datetime(s, format=fmt, errors="coerce", utc=True)
        return parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[us]").view("int64")
    parsed = pc.strptime(cells, format=fmt, unit="us", error_is_null=True)
    # C strptime rolls 30.02 over to 01.03: the parsed day must be the written day.
    day = pc.cast(pc.struct_field(pc.extract_regex(cells, _format_regex(fmt)), "d"), pa.int64())
    ok = _mask(pc.equal(pc.day(parsed), day))
    micros = np.asarray(pc.cast(parsed, pa.int64()).to_numpy(zero_copy_only=False), dtype="float64")
    return np.where(ok & ~np.isnan(micros), np.nan_to_num(micros), _NAT).astype(np.int64)


_FORMAT_PARTS = {"%Y": r"\d{4}", "%y": r"\d{2}", "%m": r"\d{1,2}", "%d": r"(?P<d>\d{1,2})", "%H": r"\d{1,2}",
                 "%I": r"\d{1,2}", "%M": r"\d{2}", "%S": r"\d{2}", "%p": r"[AaPp][Mm]", "%f": r"\d+"}


_ISO_RE = r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"


def _format_regex(fmt: str) -> str:
    """RE2 pattern a cell must fully match to be parsed with ``fmt`` (captures the day as ``d``)."""
    if fmt == "ISO8601":
        return _ISO_RE
    if fmt in ("epoch", "serial"):
        return r"^\d+(?:\.\d+)?$"
    compact = fmt in ("%Y%m%d", "%Y%m%d%H%M%S")
    out = []
    for token in re.findall(r"%.|[^%]", fmt):
        part = _FORMAT_PARTS.get(token)
        if part is None:
            out.append(re.escape(token) if token.isascii() else token)
        else:
            out.append(part.replace(r"\d{1,2}", r"\d{2}") if compact else part)
    return "^" + "".join(out) + "$"


def _from_number(values: np.ndarray) -> np.ndarray:
    """Numbers -> int64 µs: Unix epoch by magnitude (s < 1e11 <= ms < 1e14 <= µs < 1e17 <= ns),
    20000-80000 as Excel serial days; only results within 1990-2035 are accepted."""
    v = np.asarray(values, dtype="float64")
    unit = np.digitize(np.abs(v), [80_000.0, 1e11, 1e14, 1e17])      # 0 serial, 1 s, 2 ms, 3 µs, 4 ns
    micros = v * np.array([86_400e6, 1e6, 1e3, 1.0, 1e-3])[unit]
    serial = unit == 0
    micros[serial] -= 25_569.0 * 86_400e6                              # Excel day 25569 = 1970-01-01
    with np.errstate(invalid="ignore"):
        ok = (micros >= _PLAUSIBLE_US[0]) & (micros < _PLAUSIBLE_US[1])
    micros[~ok] = 0.0
    out = np.round(micros).astype(np.int64)
    out[~ok] = _NAT
    return out


def _parse_named_months(arr: pa.Array, micros: np.ndarray, pending: np.ndarray, dayfirst: bool) -> None:
    """Last resort for cells with month names ("5 Mar 2024", "March 5, 2024 2:03 PM"): per distinct value."""
    where = np.flatnonzero(pending)
    todo = arr.take(pa.array(where))
    named = _mask(pc.and_(_matches(todo, r"[A-Za-z]{3,}"), _matches(todo, r"\d{4}")))
    if not named.any():
        return
    values = pd.Series(todo.filter(pa.array(named)).to_pylist())
    uniq = values.drop_duplicates()
    if len(uniq) > 200_000:
        return
    import warnings as _warnings
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        parsed = pd.to_datetime(uniq, format="mixed", dayfirst=dayfirst, errors="coerce", utc=True)
    lookup = pd.Series(parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[us]").view("int64"), index=uniq.values)
    got = lookup.reindex(values.values).to_numpy()
    rows = where[named]
    hit = got != _NAT
    micros[rows[hit]] = got[hit]
    pending[rows[hit]] = False


def datetime_format_note(series: pd.Series) -> Msg | None:
    """One plain-English sentence (``Msg``) when the column's dates were read by a guess, else None.

    Cases: slash dates that are all <= 12 on both sides (read as month/day/year), Unix epoch
    numbers, Excel serial day numbers. Schema adds it to the load report as a warning.
    """
    if not (pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype)):
        return None
    arr = _text_array(series).drop_null()
    if not len(arr):
        return None
    if _dayfirst(arr)[1]:
        example = arr.filter(_matches(arr, _SLASH_PARTS))[0].as_py()
        return msg("Dates such as '{example}' could be day/month or month/day; nothing in the column proves which, "
                   "so they were read as month/day/year (US style). If that is wrong, export dates as YYYY-MM-DD.",
                   example=example)
    sample = arr.slice(0, 200).to_pylist()
    kinds = Counter((_shape_kind(c) or ("",))[0] for c in sample)
    if kinds["epoch"] > len(sample) / 2:
        return msg("Numbers in this column were read as Unix timestamps (seconds, ms or µs since 1970, by magnitude).")
    if kinds["serial"] > len(sample) / 2:
        return msg("Numbers in this column were read as Excel serial dates (days since 1899-12-30).")
    return None
