"""Reading uploaded bytes into a table, and the cell parsers used to give columns their types.

Public API (stable):
- ``read_table(data, name, limits=None) -> Table``: bytes -> all-text DataFrame + metadata.
  Formats are told apart by their content (magic bytes), never by the file name: CSV/TSV/TXT
  (also whitespace-aligned and headerless), XLSX, XLS, Parquet, JSON lines, each optionally
  gzip- or zip-compressed.
- ``parse_numbers(series) -> (float64 series, bad mask)``
- ``parse_datetimes(series) -> (datetime64[us, UTC] series, bad mask)``
- ``parse_flags(series) -> (float64 0/1 series, bad mask)``
- ``datetime_format_note(series) -> str | None``: the one ambiguity a caller should warn about.

``bad`` marks non-empty cells that could not be parsed; callers turn them into warnings with
counts and example rows, so nothing becomes NaN silently. Nothing here evaluates cell content
(no eval, no pickle, formulas stay text).
"""
from __future__ import annotations

import csv
import io as _io
import json
import os
import re
import unicodedata
import zipfile
import zlib
from collections import Counter
from itertools import chain
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from cxlib.core.errors import CxDataError, CxLimitError
from cxlib.core.messages import Msg, msg

__all__ = ["Limits", "Table", "read_table", "parse_numbers", "parse_datetimes", "parse_flags",
           "datetime_format_note"]

STRING = pd.StringDtype("pyarrow")     # every Table cell: pyarrow-backed text, <NA> when empty
MiB = 1024 * 1024
_SAMPLE_BYTES = 64 * 1024
_REEXPORT = msg("Export the data again from the source system (CSV or XLSX) and upload that file.")
_UPLOAD_TABLE = msg("Upload a CSV, TSV, XLSX, XLS, Parquet or JSON-lines export of the data.")
_NO_ROWS_HINT = msg("Export again including the data rows (check any filters in the export).")


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


# --------------------------------------------------------------------------------------------
# read_table: containers and format dispatch
# --------------------------------------------------------------------------------------------
# What a known non-table file is, as the {what} of "this is {what}, not a data table."
_BINARY_MAGIC = (
    (b"%PDF-", msg("a PDF document")), (b"\x89PNG\r\n", msg("a PNG image")), (b"\xff\xd8\xff", msg("a JPEG image")),
    (b"GIF87a", msg("a GIF image")), (b"GIF89a", msg("a GIF image")), (b"7z\xbc\xaf\x27\x1c", msg("a 7-Zip archive")),
    (b"Rar!\x1a\x07", msg("a RAR archive")), (b"\xfd7zXZ\x00", msg("an xz archive")), (b"\x7fELF", msg("a program")),
    (b"SQLite format 3\x00", msg("an SQLite database")), (b"\x28\xb5\x2f\xfd", msg("a zstd archive")),
    (b"{\\rtf1", msg("an RTF document")), (b"BZh91AY&SY", msg("a bzip2 archive")),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NON_SPACE = re.compile(rb"[^\s\x00]")   # any visible byte (UTF-16 spaces are NUL-padded)


def read_table(data: bytes, name: str, limits: Limits | None = None) -> Table:
    """Read an uploaded file into a :class:`Table` of text cells.

    Parameters
    ----------
    data : the file's bytes.
    name : the file name as uploaded (used in every message; the format is told by content).
    limits : size/row limits; default ``Limits.from_env()``.

    Returns
    -------
    Table with unique, stripped column names and every cell as text (<NA> when empty).

    Raises
    ------
    CxDataError for unusable files (empty, binary, damaged, header without data...),
    CxLimitError for files over the limits.

    Examples
    --------
    >>> read_table(b"order_id;amount\\n1;12,50\\n", "orders.csv").df["amount"].tolist()
    ['12,50']
    """
    limits = limits or Limits.from_env()
    if len(data) > limits.max_bytes:
        raise CxLimitError(msg("the file is {size_mb:.1f} MB, over the {limit_mb:.0f} MB limit.",
                               size_mb=len(data) / MiB, limit_mb=limits.max_bytes / MiB),
                           file=name, hint=msg("Split the file, or filter it to the period and columns you need."))
    return _read_any(bytes(data), name, limits, depth=0, notes=())


def _read_any(data: bytes, name: str, limits: Limits, depth: int, notes: tuple[str, ...]) -> Table:
    if not _NON_SPACE.search(data):
        empty = msg("the file is empty (0 bytes).") if not data else msg("the file is empty (only blank space).")
        raise CxDataError(empty, file=name, hint=_REEXPORT)
    if data[:2] == b"\x1f\x8b":
        if depth >= 2:
            raise CxDataError(msg("the file is compressed several times over."), file=name,
                              hint=msg("Decompress it and upload the inner file."))
        return _read_any(_gunzip(data, name, limits), name, limits, depth + 1, notes)
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _read_zip(data, name, limits, depth, notes)
    if data[:8] == _OLE2:
        return _with_notes(_read_xls(data, name, limits), notes)
    if data[:4] == b"PAR1" and data[-4:] == b"PAR1":
        return _with_notes(_read_parquet(data, name, limits), notes)
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            # TRANSLATORS: {what} is a kind of file: "a PDF document", "a PNG image", "a RAR archive", ...
            raise CxDataError(msg("this is {what}, not a data table.", what=what), file=name, hint=_UPLOAD_TABLE)
    utf8, encoding, warnings = _decode(data, name)
    del data
    if utf8.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        table = _read_json(utf8.decode("utf-8"), name, limits, encoding)
        if table is not None:
            return _with_notes(table, notes + tuple(warnings))
    return _with_notes(_read_text(utf8, name, limits, encoding), notes + tuple(warnings))


def _with_notes(table: Table, notes: tuple[Msg, ...]) -> Table:
    if not notes:
        return table
    return Table(table.name, table.df, table.encoding, table.delimiter, table.header_rows, table.file_format,
                 tuple(notes) + table.warnings, table.first_data_row)


def _gunzip(data: bytes, name: str, limits: Limits) -> bytearray:
    """Stream-decompress (all members of) a gzip file, refusing output over the cap (gzip bombs).
    Returns the bytearray itself (bytes-like): no second full-size copy."""
    cap, out, buf = limits.max_decompressed_bytes, bytearray(), data
    while buf:
        dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += dec.decompress(buf, cap + 1 - len(out))
            while dec.unconsumed_tail and len(out) <= cap:
                out += dec.decompress(dec.unconsumed_tail, cap + 1 - len(out))
        except zlib.error:
            raise CxDataError(msg("the gzip-compressed file is damaged."), file=name, hint=_REEXPORT) from None
        if len(out) > cap:
            raise CxLimitError(msg("the file decompresses to more than {limit_mb:.0f} MB.", limit_mb=cap / MiB),
                               file=name, hint=msg("Upload a smaller extract, or the uncompressed file if under the "
                                                   "upload limit."))
        if not dec.eof:
            raise CxDataError(msg("the gzip-compressed file is truncated (incomplete download or copy)."), file=name,
                              hint=_REEXPORT)
        buf = dec.unused_data
        if buf[:2] != b"\x1f\x8b":
            break
    return out


_GENUINE = msg("If the file is genuine, save it again as CSV and upload that.")
_TABLE_EXT = (".csv", ".tsv", ".txt", ".tab", ".dat", ".xlsx", ".xls", ".parquet", ".json", ".jsonl", ".ndjson", ".gz")


def _check_zip(zf: zipfile.ZipFile, name: str, limits: Limits) -> None:
    """Refuse zip bombs from the central directory alone, before anything is decompressed."""
    infos = zf.infolist()
    if len(infos) > 10_000:
        raise CxLimitError(msg("the archive holds {count} entries.", count=len(infos)), file=name,
                           hint=msg("Upload the data file itself."))
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > limits.max_decompressed_bytes:
        raise CxLimitError(msg("the archive would decompress to {size_mb:.0f} MB, over the {limit_mb:.0f} MB limit.",
                               size_mb=total / MiB, limit_mb=limits.max_decompressed_bytes / MiB), file=name,
                           hint=msg("Upload a smaller extract of the data."))
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 32 * MiB and ratio > 100:   # real sheets compress ~5-30:1
            raise CxLimitError(msg("the archive entry '{entry}' is compressed {ratio:.0f}:1 ({size_mb:.0f} MB), "
                                   "which looks like a zip bomb.", entry=info.filename, ratio=ratio,
                                   size_mb=info.file_size / MiB), file=name, hint=_GENUINE)
    if total > 64 * MiB and total / max(packed, 1) > 100:
        raise CxLimitError(msg("the archive is compressed more than 100:1, which looks like a zip bomb."), file=name,
                           hint=_GENUINE)


def _read_zip(data: bytes, name: str, limits: Limits, depth: int, notes: tuple[str, ...]) -> Table:
    """An .xlsx, or a zip holding one data file (the largest table is read when there are several)."""
    damaged = CxDataError(msg("the zip archive is damaged or uses an unsupported compression method "
                              "(XLSX files are zip archives too)."), file=name, hint=_REEXPORT)
    try:
        zf = zipfile.ZipFile(_io.BytesIO(data))
    except MemoryError:
        raise
    except Exception:   # BadZipFile, ValueError, NotImplementedError... on a damaged directory
        raise damaged from None
    with zf:
        _check_zip(zf, name, limits)
        names = set(zf.namelist())
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return _with_notes(_read_xlsx(data, name, limits), notes)
        if "[Content_Types].xml" in names:
            raise CxDataError(msg("this is a Word/PowerPoint-style document, not a data table."), file=name,
                              hint=msg("Upload a CSV or XLSX export of the data."))
        if depth >= 2:
            raise CxDataError(msg("the archive is nested too deeply."), file=name,
                              hint=msg("Upload the inner data file."))
        try:
            chosen, count = _zip_member(zf, name)
            with zf.open(chosen) as fh:
                inner = fh.read(limits.max_decompressed_bytes + 1)
        except (CxDataError, MemoryError):
            raise
        except Exception:   # zipfile raises BadZipFile, ValueError (bad offsets), IndexError, zlib.error...
            raise damaged from None
    extra = (msg("The archive holds {count} files; read '{entry}' (the largest table).", count=count,
                 entry=chosen.filename),) if count > 1 else ()
    return _read_any(inner, name, limits, depth + 1, notes + extra)


def _zip_member(zf: zipfile.ZipFile, name: str) -> tuple[zipfile.ZipInfo, int]:
    """The data file to read (skipping folders, __MACOSX and dot-files) and how many candidates there were."""
    members = [i for i in zf.infolist() if i.filename and not i.is_dir() and i.file_size > 0
               and not i.filename.startswith("__MACOSX/") and not i.filename.rsplit("/", 1)[-1].startswith(".")]
    if not members:
        raise CxDataError(msg("the zip archive contains no data file."), file=name,
                          hint=msg("Zip the CSV/XLSX file itself."))
    if any(i.flag_bits & 0x1 for i in members):
        raise CxDataError(msg("the zip archive is password-protected."), file=name,
                          hint=msg("Upload the unencrypted file."))
    tabular = [i for i in members if i.filename.lower().endswith(_TABLE_EXT)] or members
    return max(tabular, key=lambda i: i.file_size), len(members)


# --------------------------------------------------------------------------------------------
# Text decoding
# --------------------------------------------------------------------------------------------
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_GOOD_PUNCT = set("«»–—“”‘’„…№°€£¥·•×")


def _decode(data: bytes, name: str) -> tuple[bytes, str, list[Msg]]:
    """Bytes -> UTF-8 bytes + the source encoding. Strict UTF-8 first (kept as is, no copy); UTF-16
    by BOM or NUL pattern; else GBK/cp1251/latin-1 by plausibility of the decoded text."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            if enc == "utf-8-sig":
                body = data[len(bom):]
                return (body, enc, []) if _valid_utf8(body) else _mostly_utf8(body, name, enc)
            try:
                return data[len(bom):].decode(enc).encode("utf-8"), "utf-16", []
            except UnicodeDecodeError:
                raise CxDataError(msg("the file starts with a UTF-16 marker but is not valid UTF-16 text."),
                                  file=name, hint=msg("Save the file again as UTF-8 CSV.")) from None
    head = data[:8192]
    if b"\x00" in head:
        enc = _utf16_by_nuls(head)
        if enc:
            try:
                return data.decode(enc).encode("utf-8"), enc, []
            except UnicodeDecodeError:
                pass
        raise CxDataError(msg("this is a binary file, not a text or spreadsheet table."), file=name,
                          hint=_UPLOAD_TABLE)
    controls = sum(1 for b in head if b < 9 or 13 < b < 32 and b != 27)
    if controls > max(8, len(head) // 50):
        raise CxDataError(msg("this is a binary file, not a text or spreadsheet table."), file=name,
                          hint=_UPLOAD_TABLE)
    if _valid_utf8(data):
        return data, "utf-8", []
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    if sum(1 for ch in text[:2_000_000] if ch > "\x7f") >= 20 * broken:   # a few damaged bytes in UTF-8
        return _mostly_utf8(data, name, "utf-8")
    del text
    enc = _guess_legacy_encoding(data)
    if enc == "latin-1-guess":
        return data.decode("latin-1").encode("utf-8"), "latin-1", [
            msg("The text encoding could not be identified with confidence; it was read as latin-1. "
                "If letters look wrong, save the file as UTF-8 CSV and upload it again.")]
    return data.decode(enc, errors="replace").encode("utf-8"), enc, []


def _valid_utf8(data: bytes) -> bool:
    """Strict UTF-8 check in 16 MB steps (no full-size text copy)."""
    import codecs
    dec = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for pos in range(0, len(data), 16 * MiB):
            dec.decode(view[pos:pos + 16 * MiB], final=pos + 16 * MiB >= len(data))
        return True
    except UnicodeDecodeError:
        return False


def _mostly_utf8(data: bytes, name: str, enc: str) -> tuple[bytes, str, list[Msg]]:
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    return text.encode("utf-8"), enc, [
        msg("{count} damaged character(s) (invalid UTF-8 bytes) were replaced by '\ufffd'. "
            "If that matters, export the file again.", count=broken)]


def _utf16_by_nuls(head: bytes) -> str | None:
    even, odd = head[0::2], head[1::2]
    z_even, z_odd = even.count(0) / max(len(even), 1), odd.count(0) / max(len(odd), 1)
    if z_odd > 0.3 and z_even < 0.05:
        return "utf-16-le"
    if z_even > 0.3 and z_odd < 0.05:
        return "utf-16-be"
    return None


def _guess_legacy_encoding(data: bytes) -> str:
    """Pick among GB18030 (GBK), cp1251 and cp1252/latin-1 by how plausible the decoded text is."""
    sample = data[:128 * 1024]
    if len(data) > len(sample):
        cut = sample.rfind(b"\n")
        sample = sample[:cut] if cut > 0 else sample
    scores = []
    for order, enc in enumerate(("gb18030", "cp1251", "cp1252")):
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        scores.append((_implausibility(text, enc), order, enc))
    if scores:
        best = min(scores)
        if best[0] <= 0.25:
            return "latin-1" if best[2] == "cp1252" and not re.search(rb"[\x80-\x9f]", data) else best[2]
    from charset_normalizer import from_bytes   # only for encodings outside our three candidates
    match = from_bytes(sample).best()
    if match is not None:
        try:
            data.decode(match.encoding)
            return match.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    return "latin-1-guess"


_WORD = re.compile(r"[^\W\d_]+")


def _implausibility(text: str, enc: str) -> float:
    """Share of non-ASCII characters that would be odd in real text of that encoding's language."""
    bad = 0.0
    nonascii = 0
    for ch in text:
        if ch < "\x80":
            continue
        nonascii += 1
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Co", "Cn", "Cs"):
            bad += 1
        elif enc == "gb18030":
            if "\u4e00" <= ch <= "\u9fff":
                try:
                    lead = ch.encode("gb2312")[0]
                    bad += 0.0 if 0xB0 <= lead <= 0xD7 else 0.7   # GB2312 level 1 = common characters
                except UnicodeEncodeError:
                    bad += 1
            elif not ("\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" or ch in _GOOD_PUNCT):
                bad += 1
        elif enc == "cp1251":
            if not ("\u0410" <= ch <= "\u044f" or ch in "ЁёІіЇїЄєҐґЎў\xa0" or ch in _GOOD_PUNCT):
                bad += 1
        elif not (cat.startswith("L") or ch in _GOOD_PUNCT or ch in "\xa0°²³½¼¾©®§µ¿¡ªº"):
            bad += 1
    if nonascii == 0:
        return 0.0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        if enc == "cp1251":
            cyr = sum(1 for c in word if "\u0400" <= c <= "\u04ff")
            if cyr < len(word) or any(a.islower() and b.isupper() for a, b in zip(word, word[1:])):
                bad += 1      # Latin+Cyrillic mix or "иВан": not Russian
        elif enc == "cp1252" and len(word) >= 4 and sum(1 for c in word if c >= "\x80") * 2 > len(word):
            bad += len(word)  # "Ïðèâåò": Cyrillic or Chinese bytes read as latin-1
    return bad / nonascii


# --------------------------------------------------------------------------------------------
# Delimited text
# --------------------------------------------------------------------------------------------
_DELIMS = (",", ";", "\t", "|")


def _read_text(utf8: bytes, name: str, limits: Limits, encoding: str) -> Table:
    """Delimited or whitespace-aligned text (already UTF-8) -> Table."""
    if b"\r" in utf8[:_SAMPLE_BYTES] and b"\n" not in utf8:
        utf8 = utf8.replace(b"\r", b"\n")              # classic Mac line endings
    start = 0
    while start < len(utf8) and utf8[start] in b"\r\n":
        start += 1
    forced = re.match(rb'"?sep=(.)"?[ \t]*\r?\n', utf8[start:start + 16])   # Excel's "sep=;" hint line
    if forced:
        start += forced.end()
    blank_lines = utf8.count(b"\n", 0, start)
    head = utf8[start:start + _SAMPLE_BYTES]
    if len(utf8) - start > len(head) and b"\n" in head:
        head = head[: head.rfind(b"\n") + 1]
    text = head.decode("utf-8", errors="replace")
    if forced and forced.group(1).decode("latin-1") in _DELIMS:
        delim = forced.group(1).decode("latin-1")
        records = _records(text, delim)
    else:
        delim, records = _sniff(text)
    escape = delim != " " and _backslash_quoted(text, delim)
    if escape:
        records = _records(text, delim, escape=True)
    if not records:
        raise CxDataError(msg("the file is empty (only blank lines)."), file=name, hint=_REEXPORT)
    _check_columns(max(len(r) for _, r in records[:100]), name, limits)     # before any per-column work
    warnings: list[Msg] = []
    width = _width([len(r) for _, r in records[:100]])
    skip = _preamble([[c if c.strip() else None for c in r] for _, r in records[:60]], width)
    if skip:
        warnings.append(msg("Skipped {count} line(s) above the table header (titles or notes).",
                            count=records[skip - 1][0]))
    rows = [[c if c.strip() else None for c in r] for _, r in records[skip:60]]
    header_rows = _header_rows(rows)
    end_line = records[skip + header_rows - 1][0] if header_rows else (records[skip - 1][0] if skip else 0)
    offset = _line_offset(utf8, start, end_line)
    names = _merge_header(rows[:header_rows]) if header_rows else [f"column_{i + 1}" for i in range(width)]
    first = blank_lines + end_line + 1
    if not _NON_SPACE.search(utf8, offset):
        raise CxDataError(msg("the file has a header but no data rows."), file=name, hint=_NO_ROWS_HINT)
    body = memoryview(utf8)[offset:]
    if delim == " ":
        df, more = _parse_whitespace(body, names, first)
    else:
        quotes = utf8.count(b'"', offset) - (utf8.count(b'\\"', offset) if escape else 0)
        df, more = _parse_delimited(body, quotes % 2 == 1, names, delim, name, first, escape, limits)
    warnings += more
    _check_rows(len(df), name, limits)
    names = list(names) + [None] * (df.shape[1] - len(names))
    empty = {i for i in range(df.shape[1]) if names[i] is None and df[i].isna().all()}
    if empty:                  # a trailing delimiter on every line: an unnamed, empty column
        df = df.drop(columns=sorted(empty))
        names = [n for i, n in enumerate(names) if i not in empty]
    return _finish(name, df, names, encoding, "whitespace" if delim == " " else delim, header_rows, "csv",
                   warnings, first, limits)


def _line_offset(data: bytes, start: int, lines: int) -> int:
    """Byte offset just after ``lines`` newlines counted from ``start``."""
    pos = start
    for _ in range(lines):
        nxt = data.find(b"\n", pos)
        if nxt < 0:
            return len(data)
        pos = nxt + 1
    return pos


def _sniff(sample: str) -> tuple[str, list[tuple[int, list[str]]]]:
    """Choose the delimiter that splits the sample's records most consistently into > 1 field.

    Returns the delimiter (" " means whitespace-aligned) and the sample's records as
    (last physical line number of the record, fields)."""
    best = None
    for rank, delim in enumerate(_DELIMS):
        recs = _records(sample, delim)
        counts = [len(r) for _, r in recs[:100]]
        mode = _width(counts)
        if mode < 2:
            continue
        start = counts.index(mode)
        tail = counts[start:]
        score = (tail.count(mode) / len(tail) - start / len(counts), mode, -rank)
        if best is None or score > best[0]:
            best = (score, delim, recs)
    if best and best[0][0] >= 0.6:
        return best[1], best[2]
    if _whitespace_aligned([ln for ln in sample.splitlines() if ln.strip()][:100]):
        recs = [(number, raw.split()) for number, raw in enumerate(sample.split("\n"), start=1) if raw.strip()]
        return " ", recs
    if best:
        return best[1], best[2]
    return ",", _records(sample, ",")


def _whitespace_aligned(lines: list[str]) -> bool:
    """Columns separated by runs of spaces (CDNOW style): same count > 1 on every line, and either
    wide gaps or mostly numbers (so a list of two-word names is not split in two)."""
    splits = [ln.split() for ln in lines]
    if not lines or len({len(f) for f in splits}) != 1 or len(splits[0]) < 2:
        return False
    gaps = sum(1 for ln in lines if re.search(r"\S(?: {2,}|\t)\S", ln) or ln[:1] == " ")
    fields = [f for parts in splits for f in parts]
    return gaps * 2 >= len(lines) or sum(map(_data_like, fields)) * 2 >= len(fields)


def _preamble(rows: list[list[str | None]], width: int) -> int:
    """Leading title/note rows above the header: short rows (<= 2 filled cells) in a table >= 3 wide."""
    skip = 0
    while skip < min(10, len(rows) - 1) and width >= 3 and len(rows[skip]) < width \
            and sum(1 for c in rows[skip] if c is not None) <= 2:
        skip += 1
    return skip


def _width(counts: list[int]) -> int:
    """The table's field count: the most frequent count above 1 (ties: the wider), else 1."""
    wide = Counter(c for c in counts if c > 1)
    return max(wide.items(), key=lambda kv: (kv[1], kv[0]))[0] if wide else 1


def _backslash_quoted(sample: str, delim: str) -> bool:
    """True for MySQL/PHP-style CSV that escapes quotes as \\" : chosen only when reading the sample
    that way splits records more consistently than standard CSV (so "C:\\dir\\" paths stay standard)."""
    if '\\"' not in sample:
        return False

    def consistency(escape: bool) -> float:
        counts = [len(r) for _, r in _records(sample, delim, escape)]
        return counts.count(counts[0]) / len(counts) if counts else 0.0
    return consistency(True) > consistency(False)


def _csv_options(delim: str, escape: bool) -> dict:
    """Python csv module options: standard doubled quotes, or backslash escapes."""
    return {"delimiter": delim, "doublequote": not escape, "escapechar": "\\" if escape else None}


def _records(sample: str, delim: str, escape: bool = False) -> list[tuple[int, list[str]]]:
    reader = csv.reader(_io.StringIO(sample), **_csv_options(delim, escape))
    out = []
    try:
        for rec in reader:
            if rec and any(c.strip() for c in rec):
                out.append((reader.line_num, rec))
            if len(out) >= 200:
                break
    except csv.Error:
        pass
    return out


_DATA_LIKE = re.compile(r"[\s(+\-−$€£¥￥₽]*\d[\d\s.,'’:/\-+T Z%年月日)APMapm\u00a0\u202f]*(?:UTC|GMT)?")


def _data_like(cell: str | None) -> bool:
    return cell is not None and bool(_DATA_LIKE.fullmatch(cell.strip()))


def _header_rows(rows: list[list[str | None]]) -> int:
    """0 (headerless: the first row is data), 1, or 2 (a question row above an option row)."""
    first = rows[0]
    filled = [i for i, c in enumerate(first) if c is not None]
    if filled and all(_data_like(first[i]) for i in filled) and all(
            sum(_data_like(r[i]) for r in rows[1:20] if i < len(r) and r[i] is not None) * 2
            >= sum(1 for r in rows[1:20] if i < len(r) and r[i] is not None) for i in filled):
        return 0                       # the first row looks like the data below it: no header
    if len(rows) < 3:
        return 1
    second = rows[1]
    labels = {(c or "").strip().casefold() for c in second}
    if labels & {"response", "open-ended response"}:
        return 2
    width = min(len(first), len(second))
    fills = sum(1 for i in range(1, width) if first[i] is None and second[i] is not None
                and any(first[j] is not None for j in range(i)))
    if fills == 0 or any(_data_like(c) for c in second if c is not None):
        return 1
    below = [r for r in rows[2:12]]
    typed = any(second[i] is not None and sum(_data_like(r[i]) for r in below if i < len(r)) > len(below) / 2
                for i in range(width))
    return 2 if typed else 1


_DROP_LABELS = {"response", "open-ended response", "responses"}


def _merge_header(rows: list[list[str | None]]) -> list[str | None]:
    if len(rows) == 1:
        return [None if c is None else str(c) for c in rows[0]]
    top, sub = rows[0], rows[1]
    width = max(len(top), len(sub))
    top = list(top) + [None] * (width - len(top))
    sub = list(sub) + [None] * (width - len(sub))
    names, current = [], None
    for q, o in zip(top, sub):
        if q is not None:
            current = q.strip()
        elif o is None:
            current = None
        question = q.strip() if q is not None else current
        option = o.strip() if o is not None else None
        if option is None or option.casefold() in _DROP_LABELS:
            names.append(question)
        elif not question:
            names.append(option)
        else:
            names.append(f"{question} - {option}")
    return names


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
            records = list(csv.reader(_io.StringIO(text), **_csv_options(delim, escape)))
        except csv.Error:
            records = [text.split(delim)]
        rows.append((number, [f for rec in records for f in rec]))
    width = max([n, *(len(f) for _, f in rows)])
    _check_columns(width, name, limits or Limits.from_env())              # a row far wider than the header
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
        columns[i] = pd.Series(pd.arrays.ArrowStringArray(_clean_text(pa.chunked_array(
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
    arrays = [_clean_text(tbl.column(i)) for i in range(n)]
    return pd.DataFrame({i: pd.Series(pd.arrays.ArrowStringArray(a), copy=False) for i, a in enumerate(arrays)})


def _parse_with_pandas(body: memoryview, n: int, delim: str, name: str, first: int, escape: bool = False,
                       limits: Limits | None = None) -> tuple[pd.DataFrame, list[Msg]]:
    """pandas' C parser: pads short rows, and reports where an unclosed quote starts."""
    counts = _field_counts(body, n, delim, escape)
    width = max([n, *counts.values()]) if counts else n
    _check_columns(width, name, limits or Limits.from_env())
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
                          hint=_REEXPORT) from None
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
    return pd.Series(pd.arrays.ArrowStringArray(_clean_text(arr)), copy=False)


def _clean_text(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Whitespace-only -> null; Excel text wrappers ="..." unwrapped (never evaluated)."""
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    blank = pc.utf8_is_space(arr)
    if pc.any(blank).as_py():
        arr = pc.if_else(blank, pa.scalar(None, pa.string()), arr)
    if pc.any(pc.starts_with(arr, '="')).as_py():
        arr = pc.replace_substring_regex(arr, r'^="(.*)"$', r"\1")
    return arr


def _check_columns(columns: int, name: str, limits: Limits) -> None:
    """Refuse a table wider than ``limits.max_columns`` (``columns`` may be a count seen so far)."""
    if columns > limits.max_columns:
        raise CxLimitError(msg("the file has {count:,} or more columns, over the {limit:,}-column limit.",
                               count=columns, limit=limits.max_columns), file=name,
                           hint=msg("Export only the columns you need (ids, dates, amounts, scores), or ask the "
                                    "administrator to raise CX_MAX_COLUMNS."))


def _check_rows(rows: int, name: str, limits: Limits, complete: bool = True) -> None:
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


def _finish(name: str, df: pd.DataFrame, names: list[str | None], encoding: str, delimiter: str | None,
            header_rows: int, file_format: str, warnings: list[Msg], first: int, limits: Limits | None = None) -> Table:
    _check_columns(df.shape[1], name, limits or Limits.from_env())
    names = list(names) + [None] * (df.shape[1] - len(names))
    df = df.set_axis(_unique_names(names[: df.shape[1]]), axis=1)
    if df.empty:
        raise CxDataError(msg("the file has a header but no data rows."), file=name, hint=_NO_ROWS_HINT)
    return Table(name=name, df=df.reset_index(drop=True), encoding=encoding, delimiter=delimiter,
                 header_rows=header_rows, file_format=file_format, warnings=tuple(warnings), first_data_row=first)


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
    _check_columns(max(len(r) for _, r in head), name, limits)
    skip = _preamble([r for _, r in head], _width([len(r) for _, r in head]))
    if skip:
        warnings = [*warnings, msg("Skipped {count} row(s) above the table header (titles or notes).", count=skip)]
        head = head[skip:]
    header_rows = _header_rows([r for _, r in head])
    names = _merge_header([r for _, r in head[:header_rows]]) if header_rows else []
    if len(head) <= header_rows:
        raise CxDataError(msg("the file has a header but no data rows."), file=name, hint=_NO_ROWS_HINT)
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
            _check_rows(count, name, limits, complete=False)
        if len(chunk) >= 100_000:
            flush()
    flush()
    if not header_rows:
        names = [f"column_{i + 1}" for i in range(len(columns))]
    keep = [i for i in range(len(columns)) if (i < len(names) and names[i])
            or any(a.null_count < len(a) for a in columns[i])]
    df = pd.DataFrame({k: pd.Series(pd.arrays.ArrowStringArray(
        _clean_text(pa.chunked_array(columns[i], pa.string()))), copy=False) for k, i in enumerate(keep)})
    kept_names = [names[i] if i < len(names) else None for i in keep]
    if not header_rows:
        kept_names = [f"column_{k + 1}" for k in range(len(keep))]
    table = _finish(name, df, kept_names, encoding, None, header_rows, file_format, warnings, first, limits)
    long_numbers = [table.df.columns[k] for k, i in enumerate(keep) if i in (rounded or ())]
    if long_numbers:
        listed = ", ".join(f"'{c}'" for c in long_numbers[:5])      # the file's headers: data
        table = _with_notes(table, (msg("Column(s) {columns} hold numbers of 16 or more digits, which the spreadsheet "
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


def _read_xlsx(data: bytes, name: str, limits: Limits) -> Table:
    """First non-empty sheet of an .xlsx (openpyxl read-only, cached formula values, never formulas)."""
    import openpyxl   # lazy: only Excel uploads pay for the import
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


def _read_xls(data: bytes, name: str, limits: Limits) -> Table:
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


def _read_parquet(data: bytes, name: str, limits: Limits) -> Table:
    """Parquet -> text columns (limits checked on the footer before any page is decoded)."""
    import pyarrow.parquet as pq
    try:
        pf = pq.ParquetFile(pa.BufferReader(data))
        meta = pf.metadata
        _check_rows(meta.num_rows, name, limits)
        _check_columns(meta.num_columns, name, limits)
        size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if size > limits.max_decompressed_bytes:
            raise CxLimitError(msg("the Parquet file holds {size_mb:.0f} MB of data, over the {limit_mb:.0f} MB "
                                   "limit.", size_mb=size / MiB, limit_mb=limits.max_decompressed_bytes / MiB),
                               file=name, hint=msg("Upload a smaller extract."))
        tbl = pf.read()
        cols = {i: pd.Series(pd.arrays.ArrowStringArray(_clean_text(_arrow_text(tbl.column(i)))), copy=False)
                for i in range(tbl.num_columns)}
    except (CxDataError, MemoryError):
        raise
    except Exception as err:   # pyarrow: ArrowInvalid, OSError, bad UTF-8... on damaged footers or pages
        raise CxDataError(msg("the Parquet file is damaged ({error}).", error=type(err).__name__), file=name,
                          hint=_REEXPORT) from None
    if tbl.num_rows == 0:
        raise CxDataError(msg("the file has a header but no data rows."), file=name, hint=_REEXPORT)
    return _finish(name, pd.DataFrame(cols), list(tbl.schema.names), "utf-8", None, 1, "parquet", [], 1, limits)


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


def _read_json(text: str, name: str, limits: Limits, encoding: str) -> Table | None:
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
            _check_columns(len(keys), name, limits)
    cols = {i: pd.Series(pd.arrays.ArrowStringArray(_clean_text(pa.chunked_array(
        [pa.array([_json_text(rec.get(key)) for _, rec in records], pa.string())]))), copy=False)
        for i, key in enumerate(keys)}
    warnings = [msg("{count} line(s) are not JSON objects and were skipped (e.g. lines {lines}).", count=len(bad),
                    lines=", ".join(map(str, bad[:5])))] if bad else []
    return _finish(name, pd.DataFrame(cols), list(keys), encoding, None, 1, "jsonl", warnings, records[0][0], limits)


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
        _check_rows(len(items), name, limits)
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
            _check_rows(len(records), name, limits, complete=False)
    return records, bad


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
