"""Builders for exotic and hostile files, made in memory for tests of ``cxlib.data.io``."""
from __future__ import annotations

import datetime as dt
import gzip
import io
import zipfile
from collections.abc import Iterable, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

Row = Sequence[object]


def xlsx_bytes(sheets: dict[str, Iterable[Row]], *, text_cells: Iterable[tuple[str, str]] = (),
               merges: Iterable[tuple[str, str]] = ()) -> bytes:
    """An .xlsx workbook; ``text_cells`` = (sheet, "A2") forced to text format; ``merges`` = (sheet, "B1:D1")."""
    import openpyxl
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    for sheet, ref in text_cells:
        wb[sheet][ref].number_format = "@"
    for sheet, ref in merges:
        wb[sheet].merge_cells(ref)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xls_bytes(rows: Iterable[Row]) -> bytes:
    """A legacy .xls (BIFF8) workbook; datetimes get a date number format like Excel's."""
    import xlwt
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Data")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM:SS")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write(r, c, value, date_style)
            elif value is not None:
                ws.write(r, c, value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def parquet_bytes(columns: dict[str, list]) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    return buf.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def zip_bomb_xlsx(megabytes: int = 300) -> bytes:
    """A zip dressed as .xlsx whose sheet is ``megabytes`` MB of zeros (~1000:1 compression).

    Written in 1 MB chunks, so building it never holds the uncompressed data in memory."""
    buf = io.BytesIO()
    chunk = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(megabytes):
                fh.write(chunk)
    return buf.getvalue()


def gzip_bomb(megabytes: int) -> bytes:
    """``megabytes`` MB of zeros, gzip-compressed (streamed, ~1000:1)."""
    buf = io.BytesIO()
    chunk = b"\0" * (1024 * 1024)
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=1) as fh:
        for _ in range(megabytes):
            fh.write(chunk)
    return buf.getvalue()


def surveymonkey_rows() -> list[list[object]]:
    """Two header rows like a SurveyMonkey export: questions (merged over options), then option labels."""
    return [
        ["Respondent ID", "Start Date", "How likely are you to recommend us?", "Which channels do you use?",
         None, None, "Any comments?"],
        [None, None, "Response", "Email", "Phone", "Chat", "Open-Ended Response"],
        [11849960521, dt.datetime(2024, 3, 5, 14, 3), 9, "Email", None, "Chat", "Great service"],
        [11849960522, dt.datetime(2024, 3, 6, 9, 30), 4, None, "Phone", None, None],
    ]


MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MINIMAL_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
