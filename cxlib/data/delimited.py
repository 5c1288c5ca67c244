"""The delimited-text reader: CSV, TSV, TXT (also whitespace-aligned, headerless, ragged) -> Table.

pyarrow's CSV reader first; rows with more or fewer fields than the header are merged (and reported)
or, with an odd number of quotes, the file is parsed again with pandas' Python engine. The encoding,
delimiter and header rows come from ``cxlib.data.sniffing``; ``cxlib.data.io.read_table`` calls it.
"""
from __future__ import annotations

import csv
import io as _io
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv

from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg
from cxlib.data.cells import clean_text
from cxlib.data.sniffing import (DELIMS, backslash_quoted, count_header_rows, csv_options, line_offset, merge_header,
                                 preamble_rows, sniff, split_records, table_width)
from cxlib.data.table import (NO_ROWS_HINT, NON_SPACE, REEXPORT, SAMPLE_BYTES, STRING, Limits, MiB, Table,
                              check_columns, check_rows, finish_table)


def read_text(utf8: bytes, name: str, limits: Limits, encoding: str) -> Table:
    """Delimited or whitespace-aligned text (already UTF-8) -> Table."""
    if b"\r" in utf8[:SAMPLE_BYTES] and b"\n" not in utf8:
        utf8 = utf8.replace(b"\r", b"\n")              # classic Mac line endings
    start = 0
    while start < len(utf8) and utf8[start] in b"\r\n":
        start += 1
    forced = re.match(rb'"?sep=(.)"?[ \t]*\r?\n', utf8[start:start + 16])   # Excel's "sep=;" hint line
    if forced:
        start += forced.end()
    blank_lines = utf8.count(b"\n", 0, start)
    head = utf8[start:start + SAMPLE_BYTES]
    if len(utf8) - start > len(head) and b"\n" in head:
        head = head[: head.rfind(b"\n") + 1]
    text = head.decode("utf-8", errors="replace")
    if forced and forced.group(1).decode("latin-1") in DELIMS:
        delim = forced.group(1).decode("latin-1")
        records = split_records(text, delim)
    else:
        delim, records = sniff(text)
    escape = delim != " " and backslash_quoted(text, delim)
    if escape:
        records = split_records(text, delim, escape=True)
    if not records:
        raise CxDataError(msg("the file is empty (only blank lines)."), file=name, hint=REEXPORT)
    check_columns(max(len(r) for _, r in records[:100]), name, limits)     # before any per-column work
    warnings: list[Msg] = []
    width = table_width([len(r) for _, r in records[:100]])
    skip = preamble_rows([[c if c.strip() else None for c in r] for _, r in records[:60]], width)
    if skip:
        warnings.append(msg("Skipped {count} line(s) above the table header (titles or notes).",
                            count=records[skip - 1][0]))
    rows = [[c if c.strip() else None for c in r] for _, r in records[skip:60]]
    header_rows = count_header_rows(rows)
    end_line = records[skip + header_rows - 1][0] if header_rows else (records[skip - 1][0] if skip else 0)
    offset = line_offset(utf8, start, end_line)
    names = merge_header(rows[:header_rows]) if header_rows else [f"column_{i + 1}" for i in range(width)]
    first = blank_lines + end_line + 1
    if not NON_SPACE.search(utf8, offset):
        raise CxDataError(msg("the file has a header but no data rows."), file=name, hint=NO_ROWS_HINT)
    body = memoryview(utf8)[offset:]
    if delim == " ":
        df, more = _parse_whitespace(body, names, first)
    else:
        quotes = utf8.count(b'"', offset) - (utf8.count(b'\\"', offset) if escape else 0)
        df, more = _parse_delimited(body, quotes % 2 == 1, names, delim, name, first, escape, limits)
    warnings += more
    check_rows(len(df), name, limits)
    names = list(names) + [None] * (df.shape[1] - len(names))
    empty = {i for i in range(df.shape[1]) if names[i] is None and df[i].isna().all()}
    if empty:                  # a trailing delimiter on every line: an unnamed, empty column
        df = df.drop(columns=sorted(empty))
        names = [n for i, n in enumerate(names) if i not in empty]
    return finish_table(name, df, names, encoding, "whitespace" if delim == " " else delim, header_rows, "csv",
                        warnings, first, limits)


def _parse_delimited(body: memoryview, odd_quotes: bool, names: list[str | None], delim: str, name: str,
                     first: int, escape: bool = False, limits: Limits | None = None) -> tuple[pd.DataFrame, list[Msg]]:
    """pyarrow (multi-threaded, all columns text); ragged rows re-read single-threaded and put back in
    place; an odd number of quotes goes to pandas, which names the line of an unclosed quote."""
    n = len(names)
    limits = limits or Limits.from_env()
    if odd_quotes:
        return _parse_with_pandas(body, n, delim, name, first, escape, limits)
    try:
        tbl, invalid = _arrow_csv(body, n, delim, escape, collect=False)
        if not invalid:
            return _arrow_to_frame(tbl, n), []
        tbl, invalid = _arrow_csv(body, n, delim, escape, collect=True)
    except (pa.ArrowInvalid, pa.ArrowException):
        return _parse_with_pandas(body, n, delim, name, first, escape, limits)
    if len(invalid) > 2_000_000:
        return _parse_with_pandas(body, n, delim, name, first, escape, limits)
    return _merge_ragged(tbl, invalid, n, delim, first, escape, limits, name)


def _arrow_parse_options(delim: str, escape: bool, handler) -> pv.ParseOptions:
    return pv.ParseOptions(delimiter=delim, newlines_in_values=True, invalid_row_handler=handler,
                           double_quote=not escape, escape_char="\\" if escape else False)


def _arrow_csv(body: memoryview, n: int, delim: str, escape: bool, collect: bool
               ) -> tuple[pa.Table, list[tuple[int, str]]]:
    """All-text pyarrow read; ``collect`` (single-threaded) records each bad row's record number and text."""
    invalid: list[tuple[int, str]] = []

    def handler(row: pv.InvalidRow) -> str:
        invalid.append((row.number or 0, row.text) if collect else (0, ""))
        return "skip"
    cols = [f"f{i}" for i in range(n)]
    tbl = pv.read_csv(
        pa.BufferReader(pa.py_buffer(body)),
        read_options=pv.ReadOptions(column_names=cols, block_size=16 * MiB, use_threads=not collect),
        parse_options=_arrow_parse_options(delim, escape, handler),
        convert_options=pv.ConvertOptions(column_types={c: pa.string() for c in cols}, strings_can_be_null=True,
                                          quoted_strings_can_be_null=True, null_values=[""]))
    return tbl, invalid


def _merge_ragged(tbl: pa.Table, invalid: list[tuple[int, str]], n: int, delim: str, first: int,
                  escape: bool = False, limits: Limits | None = None, name: str = "") -> tuple[pd.DataFrame, list[Msg]]:
    """Put rows with more/fewer fields back at their place (pyarrow numbers records from 1),
    padded with empty cells; extra fields go to added columns."""
    rows: list[tuple[int, list[str]]] = []
    blanks: list[int] = []
    for number, text in invalid:
        if not text.strip():
            blanks.append(number)          # a line of spaces: not a record
            continue
        try:
            records = list(csv.reader(_io.StringIO(text), **csv_options(delim, escape)))
        except csv.Error:
            records = [text.split(delim)]
        rows.append((number, [f for rec in records for f in rec]))
    width = max([n, *(len(f) for _, f in rows)])
    check_columns(width, name, limits or Limits.from_env())              # a row far wider than the header
    total = tbl.num_rows + len(rows)
    blank_sorted = np.array(sorted(blanks), dtype=np.int64)
    numbers = np.array([num for num, _ in rows], dtype=np.int64)
    pos = numbers - 1 - np.searchsorted(blank_sorted, numbers)
    placed = np.zeros(total, dtype=bool)
    placed[pos] = True
    perm = np.empty(total, dtype=np.int64)
    perm[~placed] = np.arange(tbl.num_rows)
    perm[pos] = tbl.num_rows + np.arange(len(rows))
    order = pa.array(perm)
    columns = {}
    for i in range(width):
        valid = tbl.column(i).combine_chunks() if i < n else pa.nulls(tbl.num_rows, pa.string())
        extra = pa.array([f[i] if i < len(f) else None for _, f in rows], pa.string())
        columns[i] = pd.Series(pd.arrays.ArrowStringArray(clean_text(pa.chunked_array(
            [pa.concat_arrays([valid.cast(pa.string()), extra]).take(order)]))), copy=False)
    more = [num for num, f in rows if len(f) > n]
    fewer = [num for num, f in rows if len(f) < n]
    return pd.DataFrame(columns), _ragged_warnings(more, fewer, n, first)


def _line_list(records: list[int], first: int) -> str:
    """Up to five file line numbers, "4, 9, 12" (numbers as written in the file: data, not a count)."""
    return ", ".join(str(first + r - 1) for r in sorted(records)[:5])


def _ragged_warnings(more: list[int], fewer: list[int], n: int, first: int) -> list[Msg]:
    warnings = []
    if more:
        warnings.append(msg("{count} row(s) have more fields than the header's {fields} (e.g. lines {lines}); the "
                            "extra values were kept in added columns. A delimiter inside an unquoted value usually "
                            "causes this.", count=len(more), fields=n, lines=_line_list(more, first)))
    if fewer:
        warnings.append(msg("{count} row(s) have fewer fields than the header's {fields} (e.g. lines {lines}); "
                            "the missing values were left empty.", count=len(fewer), fields=n,
                            lines=_line_list(fewer, first)))
    return warnings


def _arrow_to_frame(tbl: pa.Table, n: int) -> pd.DataFrame:
    arrays = [clean_text(tbl.column(i)) for i in range(n)]
    return pd.DataFrame({i: pd.Series(pd.arrays.ArrowStringArray(a), copy=False) for i, a in enumerate(arrays)})


def _parse_with_pandas(body: memoryview, n: int, delim: str, name: str, first: int, escape: bool = False,
                       limits: Limits | None = None) -> tuple[pd.DataFrame, list[Msg]]:
    """pandas' C parser: pads short rows, and reports where an unclosed quote starts."""
    counts = _field_counts(body, n, delim, escape)
    width = max([n, *counts.values()]) if counts else n
    check_columns(width, name, limits or Limits.from_env())
    try:
        df = pd.read_csv(_io.BytesIO(body), sep=delim, header=None, names=list(range(width)), dtype=STRING,
                         keep_default_na=False, na_values=[""], skip_blank_lines=True, engine="c",
                         quotechar='"', doublequote=not escape, escapechar="\\" if escape else None)
    except pd.errors.ParserError as err:
        m = re.search(r"EOF inside string starting at row (\d+)", str(err))
        if m:
            line = first + int(m.group(1))
            raise CxDataError(msg("a quoted field that starts on this line is never closed (a \" is missing)."),
                              file=name, row=line,
                              hint=msg("Fix or remove the stray quote on that line, or export again with standard "
                                       "CSV quoting.")) from None
        # the parser's own (English, technical) reason is kept as it is
        raise CxDataError(msg("the file could not be read as a table ({reason}).", reason=str(err)), file=name,
                          hint=REEXPORT) from None
    more = [r for r, c in counts.items() if c > n]
    fewer = [r for r, c in counts.items() if c < n]
    frame = pd.DataFrame({i: _frame_column(df[i]) for i in range(width)})
    return frame, _ragged_warnings(more, fewer, n, first)


def _field_counts(body: memoryview, n: int, delim: str, escape: bool = False) -> dict[int, int]:
    """Record number (1-based from the body start) -> field count, for records with other than ``n`` fields."""
    invalid: list[tuple[int, int]] = []

    def handler(row: pv.InvalidRow) -> str:
        if len(invalid) < 100_000 and row.text.strip():
            invalid.append((row.number or 1, row.actual_columns))
        return "skip"
    cols = [f"f{i}" for i in range(n)]
    try:
        pv.read_csv(pa.BufferReader(pa.py_buffer(body)),
                    read_options=pv.ReadOptions(column_names=cols, use_threads=False),
                    parse_options=_arrow_parse_options(delim, escape, handler),
                    convert_options=pv.ConvertOptions(column_types={c: pa.string() for c in cols}))
    except pa.ArrowException:
        return {}
    return dict(invalid)


def _parse_whitespace(body: memoryview, names: list[str | None], first: int) -> tuple[pd.DataFrame, list[Msg]]:
    """Whitespace-aligned text (pandas' C parser); lines with extra values get them joined into the last column."""
    n = len(names)
    extra: list[int] = []

    def bad_line(fields: list[str]) -> list[str]:
        extra.append(len(fields))
        return fields[: n - 1] + [" ".join(fields[n - 1:])]
    options = dict(sep=r"\s+", header=None, names=list(range(n)), dtype=STRING, keep_default_na=False,
                   na_values=[""])
    try:
        df = pd.read_csv(_io.BytesIO(body), **options)
    except pd.errors.ParserError:
        df = pd.read_csv(_io.BytesIO(body), engine="python", on_bad_lines=bad_line, **options)
    warnings = []
    if extra:
        warnings.append(msg("{count} row(s) have more space-separated values than the header's {fields}; "
                            "the extra values were joined into the last column.", count=len(extra), fields=n))
    return pd.DataFrame({i: _frame_column(df[i]) for i in range(n)}), warnings


def _frame_column(column: pd.Series) -> pd.Series:
    """A pandas text column -> cleaned pyarrow-backed text column."""
    arr = pa.chunked_array([pa.array(column, type=pa.large_string()).cast(pa.string())])
    return pd.Series(pd.arrays.ArrowStringArray(clean_text(arr)), copy=False)
