"""Reading uploaded bytes into a table: the entry point and the containers around the formats.

Public API (stable):
- ``read_table(data, name, limits=None) -> Table``: bytes -> all-text DataFrame + metadata.
  Formats are told apart by their content (magic bytes), never by the file name: CSV/TSV/TXT
  (also whitespace-aligned and headerless), XLSX, XLS, Parquet, JSON lines, each optionally
  gzip- or zip-compressed. Nothing evaluates cell content (no eval, no pickle, formulas stay text).

Where the rest lives (all in ``cxlib.data``): ``table`` (:class:`Table`, :class:`Limits`),
``sniffing`` (encoding, delimiter, header rows), ``delimited`` (the CSV/TSV/TXT reader), ``formats``
(the XLSX, XLS, Parquet and JSON-lines readers), ``cells`` (the number / date / flag cell parsers
that give columns their types).
"""
from __future__ import annotations

import io as _io
import zipfile
import zlib

from cxlib.core.errors import CxDataError, CxLimitError
from cxlib.core.messages import msg
from cxlib.data.delimited import read_text
from cxlib.data.formats import read_json, read_parquet, read_xls, read_xlsx
from cxlib.data.sniffing import decode
from cxlib.data.table import NON_SPACE, REEXPORT, UPLOAD_TABLE, Limits, MiB, Table, with_notes

__all__ = ["read_table"]


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
    if not NON_SPACE.search(data):
        empty = msg("the file is empty (0 bytes).") if not data else msg("the file is empty (only blank space).")
        raise CxDataError(empty, file=name, hint=REEXPORT)
    if data[:2] == b"\x1f\x8b":
        if depth >= 2:
            raise CxDataError(msg("the file is compressed several times over."), file=name,
                              hint=msg("Decompress it and upload the inner file."))
        return _read_any(_gunzip(data, name, limits), name, limits, depth + 1, notes)
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _read_zip(data, name, limits, depth, notes)
    if data[:8] == _OLE2:
        return with_notes(read_xls(data, name, limits), notes)
    if data[:4] == b"PAR1" and data[-4:] == b"PAR1":
        return with_notes(read_parquet(data, name, limits), notes)
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            # TRANSLATORS: {what} is a kind of file: "a PDF document", "a PNG image", "a RAR archive", ...
            raise CxDataError(msg("this is {what}, not a data table.", what=what), file=name, hint=UPLOAD_TABLE)
    utf8, encoding, warnings = decode(data, name)
    del data
    if utf8.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        table = read_json(utf8.decode("utf-8"), name, limits, encoding)
        if table is not None:
            return with_notes(table, notes + tuple(warnings))
    return with_notes(read_text(utf8, name, limits, encoding), notes + tuple(warnings))


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
            raise CxDataError(msg("the gzip-compressed file is damaged."), file=name, hint=REEXPORT) from None
        if len(out) > cap:
            raise CxLimitError(msg("the file decompresses to more than {limit_mb:.0f} MB.", limit_mb=cap / MiB),
                               file=name, hint=msg("Upload a smaller extract, or the uncompressed file if under the "
                                                   "upload limit."))
        if not dec.eof:
            raise CxDataError(msg("the gzip-compressed file is truncated (incomplete download or copy)."), file=name,
                              hint=REEXPORT)
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
                              "(XLSX files are zip archives too)."), file=name, hint=REEXPORT)
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
            return with_notes(read_xlsx(data, name, limits), notes)
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
