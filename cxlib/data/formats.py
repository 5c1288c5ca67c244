"""The readers of files whose cells are values, not text: XLSX, XLS, Parquet and JSON lines ->
:class:`cxlib.data.table.Table` of text cells (ints without ".0", 15 significant digits like Excel,
dates as ISO). Delimited text is read by ``cxlib.data.delimited``; ``cxlib.data.io.read_table``
chooses the reader from the content (magic bytes).
"""
from __future__ import annotations

import io as _io
import json
from decimal import Decimal
from itertools import chain

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlib.core.errors import CxDataError, CxLimitError
from cxlib.core.messages import Msg, msg
from cxlib.data.cells import clean_text
from cxlib.data.sniffing import (
    count_header_rows,
    merge_header,
    preamble_rows,
    table_width,
)
from cxlib.data.table import (
    NO_ROWS_HINT,
    REEXPORT,
    Limits,
    MiB,
    Table,
    check_columns,
    check_rows,
    finish_table,
    with_notes,
)


# --------------------------------------------------------------------------------------------
# Spreadsheets, Parquet, JSON lines: rows of Python values -> text columns
# --------------------------------------------------------------------------------------------
def _cell_text(value: object) -> str | None:
    """Excel/JSON value -> text: ints without ".0", 15 significant digits like Excel, dates as ISO."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if hasattr(value, "isoformat"):
        if hasattr(value, "hour") and hasattr(value, "date") and not (value.hour or value.minute or value.second
                                                                       or value.microsecond):
            return value.date().isoformat()
        return value.isoformat(sep=" ") if hasattr(value, "date") else value.isoformat()
    return str(value)


def _rows_to_table(name: str, rows, limits: Limits, file_format: str, warnings: list[Msg],
                   encoding: str = "utf-8", rounded: set[int] | None = None) -> Table:
    """Rows as (1-based file row, [text|None, ...]) -> Table; detects 0/1/2 header rows."""
    rows = iter(rows)
    head: list[tuple[int, list[str | None]]] = []
    for item in rows:
        head.append(item)
        if len(head) >= 60:
            break
    if not head:
        raise CxDataError(msg("the file has no data (every sheet is empty)."), file=name,
                          hint=msg("Check that you exported the right sheet or report."))
    check_columns(max(len(r) for _, r in head), name, limits)
    skip = preamble_rows([r for _, r in head], table_width([len(r) for _, r in head]))
    if skip:
        warnings = [*warnings, msg("Skipped {count} row(s) above the table header (titles or notes).", count=skip)]
        head = head[skip:]
    header_rows = count_header_rows([r for _, r in head])
    names = merge_header([r for _, r in head[:header_rows]]) if header_rows else []
    if len(head) <= header_rows:
        raise CxDataError(msg("the file has a header but no data rows."), file=name, hint=NO_ROWS_HINT)
    first = head[header_rows][0]
    columns: list[list[pa.Array]] = []
    count = 0
    chunk: list[list[str | None]] = []

    def flush() -> None:
        width = max([len(columns), *(len(r) for r in chunk)])
        while len(columns) < width:
            columns.append([pa.nulls(count - len(chunk), pa.string())] if count > len(chunk) else [])
        for i in range(width):
            columns[i].append(pa.array([r[i] if i < len(r) else None for r in chunk], type=pa.string()))
        chunk.clear()
    for _, values in chain(head[header_rows:], rows):
        chunk.append(values)
        count += 1
        if count > limits.max_rows:
            check_rows(count, name, limits, complete=False)
        if len(chunk) >= 100_000:
            flush()
    flush()
    if not header_rows:
        names = [f"column_{i + 1}" for i in range(len(columns))]
    keep = [i for i in range(len(columns)) if (i < len(names) and names[i])
            or any(a.null_count < len(a) for a in columns[i])]
    df = pd.DataFrame({k: pd.Series(pd.arrays.ArrowStringArray(
        clean_text(pa.chunked_array(columns[i], pa.string()))), copy=False) for k, i in enumerate(keep)})
    kept_names = [names[i] if i < len(names) else None for i in keep]
    if not header_rows:
        kept_names = [f"column_{k + 1}" for k in range(len(keep))]
    table = finish_table(name, df, kept_names, encoding, None, header_rows, file_format, warnings, first, limits)
    long_numbers = [table.df.columns[k] for k, i in enumerate(keep) if i in (rounded or ())]
    if long_numbers:
        listed = ", ".join(f"'{c}'" for c in long_numbers[:5])      # the file's headers: data
        table = with_notes(table, (msg("Column(s) {columns} hold numbers of 16 or more digits, which the spreadsheet "
                                        "stores rounded to 15 digits: long ids there may have lost their last "
                                        "digits. Format such id columns as Text in the spreadsheet and export again.",
                                        columns=listed),))
    return table


def _nonempty_rows(raw_rows, rounded: set[int]):
    """Enumerate sheet rows (1-based), converting cells to text and dropping fully empty rows.
    Adds to ``rounded`` the column positions holding numbers of 16+ digits (Excel keeps only 15)."""
    for number, values in enumerate(raw_rows, start=1):
        cells = [_cell_text(v) for v in values]
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            for i, v in enumerate(values):
                if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) >= 1e15:
                    rounded.add(i)
            yield number, cells


_DAMAGED_XLSX = msg("Open it in Excel and save it again as .xlsx or CSV.")


def read_xlsx(data: bytes, name: str, limits: Limits) -> Table:
    """First non-empty sheet of an .xlsx (openpyxl read-only, cached formula values, never formulas)."""
    import openpyxl  # lazy: only Excel uploads pay for the import
    try:
        wb = openpyxl.load_workbook(_io.BytesIO(data), read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception as err:   # openpyxl raises many types (KeyError, XML errors...) on damaged files
        raise CxDataError(msg("the Excel file is damaged or not a real .xlsx ({error}).", error=type(err).__name__),
                          file=name, hint=_DAMAGED_XLSX) from None
    try:
        sheets = wb.worksheets
        for ws in sheets:
            ws.reset_dimensions()      # trust the cells, not the sheet's declared size
            rounded: set[int] = set()
            rows = _nonempty_rows(ws.iter_rows(values_only=True), rounded)
            first = next(rows, None)
            if first is None:
                continue
            notes = [_sheet_note(ws.title, len(sheets))] if len(sheets) > 1 else []
            return _rows_to_table(name, chain([first], rows), limits, "xlsx", notes, rounded=rounded)
    except (CxDataError, MemoryError):
        raise
    except Exception as err:   # damaged XML/zip parts surface while iterating rows
        raise CxDataError(msg("the Excel file is damaged ({error}).", error=type(err).__name__), file=name,
                          hint=_DAMAGED_XLSX) from None
    finally:
        wb.close()
    raise CxDataError(msg("the workbook has no data (every sheet is empty)."), file=name,
                      hint=msg("Check that you exported the right report, or fill in the sheet and save again."))


def _sheet_note(sheet: str, sheets: int) -> Msg:
    return msg("Read sheet '{sheet}', the first sheet with data (the workbook has {count} sheets).", sheet=str(sheet),
               count=sheets)


def read_xls(data: bytes, name: str, limits: Limits) -> Table:
    import xlrd
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=_io.StringIO())  # not stdout
    except Exception as err:   # xlrd: XLRDError, CompDocError, struct errors on damaged files
        text = str(err).lower()
        encrypted = "encrypt" in text or "workbook is encrypted" in text \
            or b"EncryptionInfo" in data[:65536].replace(b"\x00", b"")
        why = msg("the Excel file is password-protected (encrypted).") if encrypted \
            else msg("the Excel file is damaged or not a real .xls.")
        raise CxDataError(why, file=name,
                          hint=msg("Open it in Excel, remove any password, and save it as .xlsx or CSV.")) from None

    def convert_row(sheet, r: int) -> list[object]:
        out = []
        for c, (ctype, value) in enumerate(zip(sheet.row_types(r), sheet.row_values(r))):
            if ctype == xlrd.XL_CELL_DATE:
                try:
                    value = xlrd.xldate_as_datetime(value, book.datemode)
                except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                    pass
            elif ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                value = None
            elif ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(value)
            out.append(value)
        return out
    try:
        names = book.sheet_names()
        for idx in range(book.nsheets):
            sheet = book.sheet_by_index(idx)
            if sheet.nrows == 0:
                continue
            rounded = set()
            rows = _nonempty_rows((convert_row(sheet, r) for r in range(sheet.nrows)), rounded)
            first = next(rows, None)
            if first is None:
                continue
            notes = [_sheet_note(names[idx], len(names))] if len(names) > 1 else []
            return _rows_to_table(name, chain([first], rows), limits, "xls", notes, rounded=rounded,
                                  encoding=str(book.encoding or "utf-16-le").replace("_", "-"))
    except (CxDataError, MemoryError):
        raise
    except Exception as err:   # xlrd: damaged records surface while reading sheets
        raise CxDataError(msg("the Excel file is damaged ({error}).", error=type(err).__name__), file=name,
                          hint=_DAMAGED_XLSX) from None
    finally:
        book.release_resources()
    raise CxDataError(msg("the workbook has no data (every sheet is empty)."), file=name,
                      hint=msg("Check that you exported the right report."))


def read_parquet(data: bytes, name: str, limits: Limits) -> Table:
    """Parquet -> text columns (limits checked on the footer before any page is decoded)."""
    import pyarrow.parquet as pq
    try:
        pf = pq.ParquetFile(pa.BufferReader(data))
        meta = pf.metadata
        check_rows(meta.num_rows, name, limits)
        check_columns(meta.num_columns, name, limits)
        size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if size > limits.max_decompressed_bytes:
            raise CxLimitError(msg("the Parquet file holds {size_mb:.0f} MB of data, over the {limit_mb:.0f} MB "
                                   "limit.", size_mb=size / MiB, limit_mb=limits.max_decompressed_bytes / MiB),
                               file=name, hint=msg("Upload a smaller extract."))
        tbl = pf.read()
        cols = _text_columns(tbl)
    except (CxDataError, MemoryError):
        raise
    except Exception as err:   # pyarrow: ArrowInvalid, OSError, bad UTF-8... on damaged footers or pages
        raise CxDataError(msg("the Parquet file is damaged ({error}).", error=type(err).__name__), file=name,
                          hint=REEXPORT) from None
    if tbl.num_rows == 0:
        raise CxDataError(msg("the file has a header but no data rows."), file=name, hint=REEXPORT)
    return finish_table(name, pd.DataFrame(cols), list(tbl.schema.names), "utf-8", None, 1, "parquet", [], 1, limits)


def read_arrow(tbl: pa.Table, name: str, limits: Limits, file_format: str = "parquet") -> Table:
    """An Arrow table (a database table read by its engine) -> text columns, exactly as :func:`read_parquet`
    turns the same columns of a Parquet file into text; the caller checks rows and columns first."""
    if tbl.num_rows == 0:
        raise CxDataError(msg("the table has no rows."), file=name, hint=msg("Check the table name and its filter."))
    return finish_table(name, pd.DataFrame(_text_columns(tbl)), list(tbl.schema.names), "utf-8", None, 1,
                        file_format, [], 1, limits)


def _text_columns(tbl: pa.Table) -> dict[int, pd.Series]:
    return {i: pd.Series(pd.arrays.ArrowStringArray(clean_text(_arrow_text(tbl.column(i)))), copy=False)
            for i in range(tbl.num_columns)}


def _arrow_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Any Arrow column -> text: 12.0 -> "12", timestamps -> ISO, NaN -> missing, nested values -> JSON."""
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    if pa.types.is_floating(col.type):
        col = pc.if_else(pc.is_nan(col), pa.scalar(None, col.type), col)
    try:
        return pc.cast(col, pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.chunked_array([pa.array([None if v is None else v if isinstance(v, str)
                                           else json.dumps(v, default=str, ensure_ascii=False)
                                           for v in col.to_pylist()], pa.string())])


def _json_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=float)


def read_json(text: str, name: str, limits: Limits, encoding: str) -> Table | None:
    """JSON lines (one object per line) or a JSON array of objects; None when it is not JSON."""
    found = _json_records(text.lstrip("\ufeff \t\r\n"), name, limits)
    if found is None:
        return None
    records, bad = found
    if not records:
        raise CxDataError(msg("the JSON file holds no records."), file=name, hint=msg("Export one JSON object per line."))
    keys: dict[str, None] = {}
    for _, rec in records:
        if len(rec) != len(keys) or any(k not in keys for k in rec):
            keys.update(dict.fromkeys(rec))
            check_columns(len(keys), name, limits)
    cols = {i: pd.Series(pd.arrays.ArrowStringArray(clean_text(pa.chunked_array(
        [pa.array([_json_text(rec.get(key)) for _, rec in records], pa.string())]))), copy=False)
        for i, key in enumerate(keys)}
    warnings = [msg("{count} line(s) are not JSON objects and were skipped (e.g. lines {lines}).", count=len(bad),
                    lines=", ".join(map(str, bad[:5])))] if bad else []
    return finish_table(name, pd.DataFrame(cols), list(keys), encoding, None, 1, "jsonl", warnings, records[0][0],
                        limits)


_JSON_HOOKS = {"parse_float": Decimal, "parse_constant": lambda c: None}   # ints are exact in Python


def _json_records(text: str, name: str, limits: Limits) -> tuple[list[tuple[int, dict]], list[int]] | None:
    """(line number, object) pairs and the numbers of lines that are not objects; None when not JSON."""
    if text.startswith("["):
        try:
            items = json.loads(text, **_JSON_HOOKS)
        except (json.JSONDecodeError, RecursionError):
            return None
        if not isinstance(items, list) or not all(isinstance(r, dict) for r in items):
            return None
        check_rows(len(items), name, limits)
        return [(i + 2, r) for i, r in enumerate(items)], []
    records: list[tuple[int, dict]] = []
    bad: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):   # not splitlines: U+2028 is valid in JSON
        if not line.strip():
            continue
        try:
            obj = json.loads(line, **_JSON_HOOKS)
        except (json.JSONDecodeError, RecursionError):
            obj = None
        if not isinstance(obj, dict):
            if not records and number == 1:
                return None
            bad.append(number)
            continue
        records.append((number, obj))
        if len(records) > limits.max_rows:
            check_rows(len(records), name, limits, complete=False)
    return records, bad
