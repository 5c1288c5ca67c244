"""What every reader returns and obeys: the :class:`Table` of text cells and the :class:`Limits`.

Also what the readers (``cxlib.data.delimited``, ``cxlib.data.formats``) share: the column and row
limit checks, unique column names, and the finishing step that makes the Table.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import pandas as pd

from cxlib.core.errors import CxDataError, CxLimitError
from cxlib.core.messages import Msg, msg

STRING = pd.StringDtype("pyarrow")     # every Table cell: pyarrow-backed text, <NA> when empty
MiB = 1024 * 1024
SAMPLE_BYTES = 64 * 1024
REEXPORT = msg("Export the data again from the source system (CSV or XLSX) and upload that file.")
UPLOAD_TABLE = msg("Upload a CSV, TSV, XLSX, XLS, Parquet or JSON-lines export of the data.")
NO_ROWS_HINT = msg("Export again including the data rows (check any filters in the export).")


# --------------------------------------------------------------------------------------------
# Limits and Table
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    """Upper bounds that protect the app and the CLI from oversized or malicious files."""

    max_bytes: int = 200 * MiB
    max_rows: int = 20_000_000
    # 400 MiB of decompressed text parses within the CLI's 2 GiB memory promise (a 285 MB CSV
    # peaked at 1.15 GB); a larger archive is refused before it is inflated.
    max_decompressed_bytes: int = 400 * MiB
    # Understanding a file costs milliseconds per column (detection looks at every header): a file
    # wider than this is refused as soon as its width is seen, before any per-column work.
    max_columns: int = 2_000

    @classmethod
    def from_env(cls) -> Limits:
        """Defaults overridden by ``CX_MAX_UPLOAD_MB``, ``CX_MAX_ROWS``, ``CX_MAX_COLUMNS`` (and
        ``CX_MAX_DECOMPRESSED_MB``)."""
        base = cls()
        return cls(max_bytes=_env_number("CX_MAX_UPLOAD_MB", base.max_bytes, MiB),
                   max_rows=_env_number("CX_MAX_ROWS", base.max_rows, 1),
                   max_decompressed_bytes=_env_number("CX_MAX_DECOMPRESSED_MB", base.max_decompressed_bytes, MiB),
                   max_columns=_env_number("CX_MAX_COLUMNS", base.max_columns, 1))


def _env_number(var: str, default: int, unit: int) -> int:
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value != value or value == float("inf"):
        raise CxDataError(msg("the setting {setting}={value} is not a positive number.", setting=var, value=repr(raw)),
                          hint=msg("Set {setting} to a positive number or unset it to use the default.", setting=var))
    return int(value * unit)


@dataclass(frozen=True)
class Table:
    """A file read as text cells. ``df`` has every cell as a string (or <NA> when empty)."""

    name: str
    df: pd.DataFrame
    encoding: str = "utf-8"
    delimiter: str | None = ","
    header_rows: int = 1
    file_format: str = "csv"         # csv | xlsx | xls | parquet | jsonl
    warnings: tuple[str, ...] = field(default_factory=tuple)   # sentences (Msg) about what was guessed
    first_data_row: int = 2          # 1-based file row of df.iloc[0] (for messages)


NON_SPACE = re.compile(rb"[^\s\x00]")   # any visible byte (UTF-16 spaces are NUL-padded)


def with_notes(table: Table, notes: tuple[Msg, ...]) -> Table:
    if not notes:
        return table
    return Table(table.name, table.df, table.encoding, table.delimiter, table.header_rows, table.file_format,
                 tuple(notes) + table.warnings, table.first_data_row)


def check_columns(columns: int, name: str, limits: Limits) -> None:
    """Refuse a table wider than ``limits.max_columns`` (``columns`` may be a count seen so far)."""
    if columns > limits.max_columns:
        raise CxLimitError(msg("the file has {count:,} or more columns, over the {limit:,}-column limit.",
                               count=columns, limit=limits.max_columns), file=name,
                           hint=msg("Export only the columns you need (ids, dates, amounts, scores), or ask the "
                                    "administrator to raise CX_MAX_COLUMNS."))


def check_rows(rows: int, name: str, limits: Limits, complete: bool = True) -> None:
    """Refuse more rows than ``limits.max_rows`` (``complete=False``: counting stopped early)."""
    if rows > limits.max_rows:
        too_many = (msg("the file has {rows:,} rows, over the {limit:,}-row limit.", rows=rows, limit=limits.max_rows)
                    if complete else
                    msg("the file has more than {limit:,} rows, over the {limit:,}-row limit.", limit=limits.max_rows))
        raise CxLimitError(too_many, file=name,
                           hint=msg("Filter the export to a shorter period or split it into several files."))


def _unique_names(raw: list[str | None]) -> list[str]:
    """Stripped, non-blank ("column_3") and unique ("a", "a.1") column names."""
    base = [(str(c).strip() if c is not None else "") or f"column_{i + 1}" for i, c in enumerate(raw)]
    taken = set(base)
    seen: set[str] = set()
    out = []
    for b in base:
        candidate, k = b, 0
        while candidate in seen or (k and candidate in taken):
            k += 1
            candidate = f"{b}.{k}"
        seen.add(candidate)
        taken.add(candidate)
        out.append(candidate)
    return out


def finish_table(name: str, df: pd.DataFrame, names: list[str | None], encoding: str, delimiter: str | None,
                 header_rows: int, file_format: str, warnings: list[Msg], first: int,
                 limits: Limits | None = None) -> Table:
    check_columns(df.shape[1], name, limits or Limits.from_env())
    names = list(names) + [None] * (df.shape[1] - len(names))
    df = df.set_axis(_unique_names(names[: df.shape[1]]), axis=1)
    if df.empty:
        raise CxDataError(msg("the file has a header but no data rows."), file=name, hint=NO_ROWS_HINT)
    return Table(name=name, df=df.reset_index(drop=True), encoding=encoding, delimiter=delimiter,
                 header_rows=header_rows, file_format=file_format, warnings=tuple(warnings), first_data_row=first)
