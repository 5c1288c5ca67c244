"""Reading uploaded bytes into a table (STUB: to be replaced by the full implementation).

Public API (stable):
- ``read_table(data, name, limits=None) -> Table``: bytes -> all-text DataFrame + metadata.
- ``parse_numbers(series) -> (float64 series, bad mask)``
- ``parse_datetimes(series) -> (datetime64[us, UTC] series, bad mask)``
- ``parse_flags(series) -> (float64 0/1 series, bad mask)``
"""
from __future__ import annotations

import io as _io
from dataclasses import dataclass, field

import pandas as pd

from cxlib.errors import CxDataError


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 20_000_000
    max_decompressed_bytes: int = 1024 * 1024 * 1024


@dataclass(frozen=True)
class Table:
    """A file read as text cells. ``df`` has every cell as a string (or <NA> when empty)."""

    name: str
    df: pd.DataFrame
    encoding: str = "utf-8"
    delimiter: str | None = ","
    header_rows: int = 1
    file_format: str = "csv"
    warnings: tuple[str, ...] = field(default_factory=tuple)
    first_data_row: int = 2          # 1-based file row of df.iloc[0] (for messages)


def read_table(data: bytes, name: str, limits: Limits | None = None) -> Table:
    if not data:
        raise CxDataError("the file is empty.", file=name, hint="Export the data again and upload the file.")
    df = pd.read_csv(_io.BytesIO(data), dtype=str, keep_default_na=False, na_values=[""], sep=None, engine="python")
    return Table(name=name, df=df)


def parse_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    values = pd.to_numeric(series, errors="coerce").astype("float64")
    bad = values.isna() & series.notna() & (series.astype("string").str.strip() != "")
    return values, bad.fillna(False).astype(bool)


def parse_datetimes(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        values = series.dt.tz_convert("UTC")
    else:
        values = pd.to_datetime(series, errors="coerce", utc=True, format="mixed")
    values = values.astype("datetime64[us, UTC]")
    bad = values.isna() & series.notna()
    return values, bad.fillna(False).astype(bool)


def parse_flags(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    m = {"1": 1.0, "0": 0.0, "true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0, "1.0": 1.0, "0.0": 0.0}
    s = series.astype("string").str.strip().str.lower()
    values = s.map(m).astype("float64")
    bad = values.isna() & s.notna() & (s != "")
    return values, bad.fillna(False).astype(bool)
