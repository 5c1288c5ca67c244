"""Safe exports: CSV/Excel bytes with spreadsheet formulas neutralized.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return is read as a
formula by Excel/LibreOffice/Sheets (CSV injection). Such cells get a leading apostrophe.
Numbers (including negative numbers stored as numbers) are left alone.
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from typing import BinaryIO

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    """True for text a spreadsheet would evaluate as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def _text_cells(s: pd.Series, test) -> pd.Series:
    """Boolean mask of the text cells of ``s`` for which ``test(s.str)`` holds, vectorized (all False for columns
    without text): ``test`` is e.g. ``lambda t: t.startswith(FORMULA_PREFIXES)``."""
    if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
        return pd.Series(False, index=s.index)
    try:
        found = test(s.str)
    except AttributeError:                 # an object column without a single text cell
        return pd.Series(False, index=s.index)
    # as objects first: NA (and a non-text cell of an object column) is False; a pyarrow mask takes no False
    return found.astype(object).fillna(False).astype(bool)


def _formulas(s: pd.Series) -> pd.Series:
    return _text_cells(s, lambda t: t.startswith(FORMULA_PREFIXES))


def neutralize(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` where every formula-looking text cell is prefixed with ``'``."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        mask = _formulas(s)
        if mask.any():
            out[col] = s.astype(object).where(~mask, "'" + s.astype(str))
    out.columns = [("'" + c) if looks_like_formula(c) else c for c in map(str, out.columns)]
    return out


def count_formulas(df: pd.DataFrame) -> int:
    """How many text cells in ``df`` look like spreadsheet formulas."""
    return sum(int(_formulas(df[col]).sum()) for col in df.columns)


def _iso_utc(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(out[col]):
            s = out[col]
            if getattr(s.dt, "tz", None) is None:
                s = s.dt.tz_localize("UTC")
            out[col] = s.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ").astype(object)
    return out


def _line_breaks_as_newlines(df: pd.DataFrame) -> pd.DataFrame:
    """Line breaks inside text cells written as ``\n``: CSV readers (pandas among them) end a row at a
    lone ``\r`` even inside quotes, so ``'\r=1`` would come back as a new row starting with ``=``."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        has_cr = _text_cells(s, lambda t: t.contains("\r", regex=False))
        if has_cr.any():
            out[col] = s.astype(object).where(~has_cr, s.astype(str).str.replace("\r\n?", "\n", regex=True))
    return out


def to_csv_bytes(df: pd.DataFrame, *, index: bool = False) -> bytes:
    """UTF-8 (with BOM, so Excel opens it correctly) CSV, formulas neutralized, timestamps ISO-8601 UTC."""
    return _csv_part(df, index=index, first=True)


def write_csv(frames: Iterable[pd.DataFrame], out: BinaryIO) -> None:
    """:func:`to_csv_bytes` of the frames one after another (same columns), written to ``out`` as one CSV, byte for
    byte the CSV of their concatenation: one BOM, one header. A large table goes out a part at a time."""
    first = True
    for df in frames:
        out.write(_csv_part(df, index=False, first=first))
        first = False


def _csv_part(df: pd.DataFrame, *, index: bool, first: bool) -> bytes:
    buf = io.StringIO()
    _line_breaks_as_newlines(neutralize(_iso_utc(df))).to_csv(buf, index=index, header=first)
    return (("\ufeff" if first else "") + buf.getvalue()).encode("utf-8")


def to_xlsx_bytes(df: pd.DataFrame, *, sheet: str = "data") -> bytes:
    """XLSX bytes, formulas neutralized, timestamps as ISO text."""
    buf = io.BytesIO()
    neutralize(_iso_utc(df)).to_excel(buf, index=False, sheet_name=sheet[:31])
    return buf.getvalue()
