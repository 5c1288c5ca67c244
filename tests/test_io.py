"""Tests for cxlib.data.io and the modules behind it (table, sniffing, delimited, formats): bytes -> Table,
and the cell parsers on whole files (their own tests: tests/test_cells.py).

Oracles: hand-written expected tables, values formatted by Python itself (hypothesis round trips),
and the counts documented in /work/shared/data/real/*/SOURCE.md for the real files.
"""
from __future__ import annotations

import datetime as dt
import gzip
import time

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib.core.errors import CxDataError, CxLimitError
from cxlib.data.cells import datetime_format_note, parse_datetimes, parse_flags, parse_numbers
from cxlib.data.io import read_table
from cxlib.data.table import Limits, Table
from tests import io_samples as samples
from tests.conftest import real_file

UTC = dt.timezone.utc


def cells(table: Table) -> list[list[object]]:
    return [[None if pd.isna(v) else v for v in row] for row in table.df.itertuples(index=False)]


# --------------------------------------------------------------------------------------------
# Table contract
# --------------------------------------------------------------------------------------------
def test_cells_are_pyarrow_text_and_empty_is_na():
    t = read_table(b"a,b,c\n1,,x\n2,  ,\n", "t.csv")
    assert all(dtype == pd.StringDtype("pyarrow") for dtype in t.df.dtypes)
    assert cells(t) == [["1", None, "x"], ["2", None, None]]
    assert (t.encoding, t.delimiter, t.header_rows, t.file_format, t.first_data_row) == ("utf-8", ",", 1, "csv", 2)


def test_column_names_are_stripped_unique_and_blank_ones_numbered():
    t = read_table(b" a ,a,,a.1,a\n1,2,3,4,5\n", "t.csv")
    assert list(t.df.columns) == ["a", "a.2", "column_3", "a.1", "a.3"]


def test_leading_blank_lines_shift_first_data_row():
    t = read_table(b"\n\nid,amount\n7,1.5\n", "t.csv")
    assert cells(t) == [["7", "1.5"]]
    assert t.first_data_row == 4


def test_title_lines_above_the_header_are_skipped_with_a_warning():
    t = read_table(b"Orders report\nGenerated 2024-03-05\nid,amount,status\n1,2,paid\n", "t.csv")
    assert list(t.df.columns) == ["id", "amount", "status"]
    assert t.first_data_row == 4
    assert any("Skipped 2 line" in w for w in t.warnings)


# --------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------
ROWS = {
    "zh": "姓名,城市,金额\n张三,北京,12.50\n李四,上海,8.00\n",
    "ru": "Имя,Город,Сумма\nИван,Москва,12.50\nПётр,Санкт-Петербург,8.00\n",
    "fr": "name,city,amount\nJosé,Köln,12.50\nRenée,Zürich,8.00\n",
}


@pytest.mark.parametrize("encoding, text, expected", [
    ("utf-8", ROWS["zh"], "utf-8"),
    ("utf-8-sig", ROWS["ru"], "utf-8-sig"),
    ("utf-16", ROWS["zh"], "utf-16"),          # with BOM (little-endian on this platform)
    ("utf-16-be", "\ufeff" + ROWS["ru"], "utf-16"),
    ("utf-16-le", ROWS["fr"], "utf-16-le"),    # no BOM: told by the NUL-byte pattern
    ("utf-16-be", ROWS["zh"], "utf-16-be"),
    ("gbk", ROWS["zh"], "gb18030"),
    ("gb18030", ROWS["zh"], "gb18030"),
    ("cp1251", ROWS["ru"], "cp1251"),
    ("latin-1", ROWS["fr"], "latin-1"),
])
def test_encoding_is_detected_and_text_decoded_exactly(encoding, text, expected):
    t = read_table(text.encode(encoding), "t.csv")
    header, *body = text.lstrip("\ufeff").splitlines()
    assert t.encoding == expected
    assert list(t.df.columns) == header.split(",")
    assert cells(t) == [line.split(",") for line in body]


def test_cp1252_curly_quotes_and_euro_decode():
    text = "product,note\nCafé,“best” price €5\n"
    t = read_table(text.encode("cp1252"), "t.csv")
    assert t.encoding == "cp1252"
    assert cells(t) == [["Café", "“best” price €5"]]


@pytest.mark.parametrize("word, encoding", [
    ("Иван", "cp1251"), ("Пётр", "cp1251"), ("Москва", "cp1251"), ("Доставлен", "cp1251"),
    ("北京", "gbk"), ("交易成功", "gbk"), ("张三", "gbk"), ("卖家已发货", "gbk"),
    ("Müller", "latin-1"), ("São Paulo", "latin-1"), ("Señor", "latin-1"), ("Ærø", "latin-1"),
])
def test_legacy_encoding_decided_right_on_a_two_line_file(word, encoding):
    t = read_table(f"name\n{word}\n".encode(encoding), "t.csv")
    assert t.df.iloc[0, 0] == word


# --------------------------------------------------------------------------------------------
# Delimiters, whitespace-aligned, headerless, multi-row headers
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_delimiter_is_detected(delim):
    text = delim.join(["id", "name", "amount"]) + "\n" + delim.join(["1", "Ann, Bob", "12"]).replace(
        "Ann, Bob", '"Ann, Bob"' if delim == "," else "Ann, Bob") + "\n" + delim.join(["2", "Cy", "3"]) + "\n"
    t = read_table(text.encode(), "t.txt")
    assert t.delimiter == delim
    assert cells(t) == [["1", "Ann, Bob", "12"], ["2", "Cy", "3"]]


def test_semicolon_file_with_decimal_commas_is_not_split_on_commas():
    t = read_table(b"id;amount;fee\n1;12,50;0,5\n2;1.234,56;1,0\n", "t.csv")
    assert t.delimiter == ";"
    assert cells(t) == [["1", "12,50", "0,5"], ["2", "1.234,56", "1,0"]]


def test_whitespace_aligned_text_with_a_header():
    text = b" customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n"
    t = read_table(text, "t.txt")
    assert (t.delimiter, t.header_rows) == ("whitespace", 1)
    assert list(t.df.columns) == ["customer_id", "date", "number_of_cds", "dollar_value"]
    assert cells(t) == [["00001", "19970101", "1", "11.77"], ["00002", "19970112", "1", "12.00"]]


def test_headerless_numeric_file_gets_numbered_columns():
    t = read_table(b"00004 0001 19970101 2 29.33\n00004 0001 19970118 2 29.73\n", "t.txt")
    assert t.header_rows == 0 and t.first_data_row == 1
    assert list(t.df.columns) == [f"column_{i}" for i in range(1, 6)]
    assert cells(t)[0] == ["00004", "0001", "19970101", "2", "29.33"]


def test_single_column_file():
    t = read_table(b"email\na@x.com\nb@y.org\n", "t.csv")
    assert cells(t) == [["a@x.com"], ["b@y.org"]]


def test_surveymonkey_style_two_row_csv_header_is_merged():
    text = ("Respondent ID,How likely are you to recommend us?,Which channels do you use?,,Any comments?\n"
            ",Response,Email,Phone,Open-Ended Response\n"
            "1001,9,Email,,Great\n1002,4,,Phone,\n")
    t = read_table(text.encode(), "survey.csv")
    assert t.header_rows == 2 and t.first_data_row == 3
    assert list(t.df.columns) == ["Respondent ID", "How likely are you to recommend us?",
                                  "Which channels do you use? - Email", "Which channels do you use? - Phone",
                                  "Any comments?"]
    assert cells(t)[1] == ["1002", "4", None, "Phone", None]


def test_two_row_header_detected_without_surveymonkey_labels_when_types_prove_it():
    text = "id,Revenue,,Orders,\n,Web,App,Web,App\n1,10.5,12.0,3,4\n2,7.25,8.0,1,2\n3,1.0,2.0,5,6\n"
    t = read_table(text.encode(), "t.csv")
    assert t.header_rows == 2
    assert list(t.df.columns)[1:] == ["Revenue - Web", "Revenue - App", "Orders - Web", "Orders - App"]


def test_ordinary_header_with_a_text_first_row_stays_one_row():
    t = read_table(b"id,name,city\nA1,Ann,Paris\nB2,Bob,Rome\n", "t.csv")
    assert t.header_rows == 1 and cells(t)[0] == ["A1", "Ann", "Paris"]


# --------------------------------------------------------------------------------------------
# Excel text wrappers, long ids, formulas
# --------------------------------------------------------------------------------------------
def test_excel_text_wrappers_unwrapped_in_csv_cells():
    text = b'order_id,sku\n="000123",="0042"\n"=""000124""",plain\n'
    t = read_table(text, "t.csv")
    assert cells(t) == [["000123", "0042"], ["000124", "plain"]]


def test_ids_longer_than_15_digits_survive_csv_exactly():
    t = read_table(b"user_id,category_id\n12345678901234567890,2103807459595387724\n", "t.csv")
    assert cells(t) == [["12345678901234567890", "2103807459595387724"]]


def test_ids_longer_than_15_digits_survive_xlsx_text_cells():
    data = samples.xlsx_bytes({"S": [["user_id", "n"], ["12345678901234567890", 3]]}, text_cells=[("S", "A2")])
    t = read_table(data, "t.xlsx")
    assert cells(t) == [["12345678901234567890", "3"]]


def test_formula_text_in_csv_stays_text():
    t = read_table(b'a,b\n=1+1,"=HYPERLINK(""http://x"",""y"")"\n@SUM(A1),-2+3\n', "t.csv")
    assert cells(t) == [["=1+1", '=HYPERLINK("http://x","y")'], ["@SUM(A1)", "-2+3"]]


# --------------------------------------------------------------------------------------------
# Excel, XLS, Parquet, JSON
# --------------------------------------------------------------------------------------------
def test_xlsx_values_become_text_like_excel_shows_them():
    rows = [["id", "amount", "count", "ordered_at", "day", "ok"],
            [1, 12.5, 3.0, dt.datetime(2024, 3, 5, 14, 3, 7), dt.datetime(2024, 3, 5), True],
            [2, 0.1 + 0.2, 10.0, dt.datetime(2024, 3, 6, 9, 0), dt.datetime(2024, 3, 6), False]]
    t = read_table(samples.xlsx_bytes({"Orders": rows}), "orders.xlsx")
    assert t.file_format == "xlsx" and t.delimiter is None
    assert cells(t) == [["1", "12.5", "3", "2024-03-05 14:03:07", "2024-03-05", "true"],
                        ["2", "0.3", "10", "2024-03-06 09:00:00", "2024-03-06", "false"]]


def test_xlsx_first_non_empty_sheet_and_leading_blank_rows():
    data = samples.xlsx_bytes({"Cover": [], "Data": [[None], [None], ["id", "v"], [1, "x"]]})
    t = read_table(data, "t.xlsx")
    assert cells(t) == [["1", "x"]]
    assert t.first_data_row == 4
    assert any("Data" in w for w in t.warnings)


def test_xlsx_surveymonkey_two_row_header_with_merged_question_cells():
    data = samples.xlsx_bytes({"Sheet": samples.surveymonkey_rows()}, merges=[("Sheet", "D1:F1")])
    t = read_table(data, "survey.xlsx")
    assert t.header_rows == 2 and t.first_data_row == 3
    assert list(t.df.columns) == ["Respondent ID", "Start Date", "How likely are you to recommend us?",
                                  "Which channels do you use? - Email", "Which channels do you use? - Phone",
                                  "Which channels do you use? - Chat", "Any comments?"]
    assert cells(t)[0] == ["11849960521", "2024-03-05 14:03:00", "9", "Email", None, "Chat", "Great service"]


def test_xls_is_read_with_dates_and_integers():
    data = samples.xls_bytes([["id", "when", "amount"], [12, dt.datetime(2024, 3, 5, 14, 3), 9.99]])
    t = read_table(data, "legacy.xls")
    assert t.file_format == "xls"
    assert cells(t) == [["12", "2024-03-05 14:03:00", "9.99"]]


def test_parquet_columns_become_text():
    data = samples.parquet_bytes({"id": [1, 2], "amount": [1.5, 3.0], "name": ["a", None],
                                  "at": pa_timestamps(["2024-03-05 14:03:00"] * 2),
                                  "missing": [float("nan"), 2.5], "tags": [["x", "y"], None]})
    t = read_table(data, "t.parquet")
    assert t.file_format == "parquet"
    assert cells(t)[0][:3] == ["1", "1.5", "a"] and cells(t)[1][:3] == ["2", "3", None]
    assert t.df["missing"].tolist()[0] is pd.NA and t.df["tags"].iloc[0] == '["x", "y"]'
    assert parse_datetimes(t.df["at"])[0].iloc[0] == pd.Timestamp("2024-03-05 14:03:00", tz="UTC")


def pa_timestamps(values: list[str]):
    import pyarrow as pa
    return pa.array(pd.to_datetime(values).to_pydatetime(), pa.timestamp("us", tz="UTC"))


def test_json_lines_keep_number_text_exact_and_skip_bad_lines():
    data = (b'{"user_id": 12345678901234567890, "event": "view", "price": 1.10}\n'
            b'not json\n{"user_id": 7, "event": "cart", "extra": {"a": 1}}\n')
    t = read_table(data, "events.jsonl")
    assert t.file_format == "jsonl"
    assert list(t.df.columns) == ["user_id", "event", "price", "extra"]
    assert cells(t) == [["12345678901234567890", "view", "1.10", None], ["7", "cart", None, '{"a": 1}']]
    assert any("line(s) are not JSON" in w and "2" in w for w in t.warnings)


def test_json_array_of_objects():
    t = read_table(b'[{"a": 1, "b": "x"}, {"a": 2, "b": null}]', "t.json")
    assert cells(t) == [["1", "x"], ["2", None]]


# --------------------------------------------------------------------------------------------
# Compression
# --------------------------------------------------------------------------------------------
def test_gzip_by_magic_bytes_not_extension():
    t = read_table(gzip.compress("id;amount\n1;12,5\n".encode("cp1251")), "orders.csv")
    assert cells(t) == [["1", "12,5"]]


def test_zip_with_a_csv_and_macos_junk():
    data = samples.zip_bytes({"__MACOSX/._orders.csv": b"junk", "orders.csv": b"id,amount\n1,2\n"})
    assert cells(read_table(data, "orders.zip")) == [["1", "2"]]


def test_zip_with_several_files_reads_the_largest_table_and_says_so():
    data = samples.zip_bytes({"readme.txt": b"hello", "orders.csv": b"id,amount\n1,2\n3,4\n5,6\n"})
    t = read_table(data, "bundle.zip")
    assert cells(t)[0] == ["1", "2"]
    assert any("orders.csv" in w for w in t.warnings)


def test_gzipped_xlsx():
    data = gzip.compress(samples.xlsx_bytes({"S": [["a"], [1]]}))
    assert cells(read_table(data, "t.xlsx.gz")) == [["1"]]


# --------------------------------------------------------------------------------------------
# Hostile input
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data, words", [
    (b"", "empty (0 bytes)"),
    (b"  \r\n\t\n ", "only blank space"),
    (b"id,amount,status\n", "header but no data rows"),
    (b"id,amount\n\n\n", "header but no data rows"),
    (samples.MINIMAL_PDF, "PDF"),
    (samples.MINIMAL_PNG, "PNG"),
    (bytes(range(256)) * 4, "binary"),
    (b"PK\x03\x04garbage that is not a zip", "zip archive is damaged"),
    (b"\x1f\x8b\x08\x00garbage", "gzip"),
])
def test_unusable_files_raise_a_clear_error_naming_the_file(data, words):
    with pytest.raises(CxDataError) as err:
        read_table(data, "upload.csv")
    assert words in str(err.value) and "upload.csv" in str(err.value)
    assert err.value.file == "upload.csv" and err.value.hint


def test_ragged_rows_are_kept_with_a_warning_naming_lines():
    t = read_table(b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n", "t.csv")
    assert cells(t) == [["1", "2", "3", None], ["4", "5", None, None], ["6", "7", "8", "9"], ["10", "11", "12", None]]
    assert list(t.df.columns) == ["a", "b", "c", "column_4"]
    text = " ".join(t.warnings)
    assert "1 row(s) have more fields" in text and "lines 4" in text
    assert "1 row(s) have fewer fields" in text and "lines 3" in text


def test_unterminated_quote_error_names_the_line_where_it_opens():
    with pytest.raises(CxDataError) as err:
        read_table(b'a,b,c\n1,2,3\n4,"5,6\n7,8,9\n', "t.csv")
    assert err.value.row == 3 and "never closed" in str(err.value) and "row 3" in str(err.value)


def test_stray_quote_inside_a_value_is_literal_text():
    t = read_table(b'product,size\n5" screen,big\nTV,small\n', "t.csv")
    assert cells(t) == [['5" screen', "big"], ["TV", "small"]]


def test_file_over_max_bytes_is_refused():
    with pytest.raises(CxLimitError, match="over the 1 MB limit"):
        read_table(b"a\n" + b"1\n" * 600_000, "big.csv", Limits(max_bytes=1024 * 1024))


def test_more_rows_than_max_rows_is_refused():
    with pytest.raises(CxLimitError, match="over the 100-row limit"):
        read_table(b"a\n" + b"1\n" * 101, "rows.csv", Limits(max_rows=100))
    with pytest.raises(CxLimitError):
        read_table(samples.xlsx_bytes({"S": [["a"]] + [[i] for i in range(101)]}), "rows.xlsx", Limits(max_rows=100))


def test_zip_bomb_dressed_as_xlsx_refused_from_the_central_directory_within_a_second():
    bomb = samples.zip_bomb_xlsx(300)
    assert len(bomb) < 2 * 1024 * 1024
    start = time.perf_counter()
    with pytest.raises(CxLimitError, match="zip bomb"):
        read_table(bomb, "report.xlsx")
    assert time.perf_counter() - start < 1.0


def test_zip_declaring_more_than_the_decompressed_limit_is_refused():
    data = samples.zip_bytes({"a.csv": b"x\n" + b"1\n" * 400_000})
    with pytest.raises(CxLimitError, match="would decompress"):
        read_table(data, "a.zip", Limits(max_decompressed_bytes=512 * 1024))


def test_gzip_bomb_is_stopped_at_the_cap():
    bomb = samples.gzip_bomb(20)
    start = time.perf_counter()
    with pytest.raises(CxLimitError, match="decompresses to more than 8 MB"):
        read_table(bomb, "data.csv.gz", Limits(max_decompressed_bytes=8 * 1024 * 1024))
    assert time.perf_counter() - start < 2.0


def test_truncated_gzip_is_reported():
    data = gzip.compress(b"a,b\n" + b"1,2\n" * 10_000)
    with pytest.raises(CxDataError, match="truncated"):
        read_table(data[: len(data) // 2], "t.csv.gz")


def test_corrupted_xlsx_is_reported_not_crashing():
    good = samples.xlsx_bytes({"S": [["a", "b"], [1, 2]]})
    corrupt = good.replace(b"worksheets/sheet1.xml", b"worksheets/sheetX.xml", 1)
    with pytest.raises(CxDataError, match="damaged"):
        read_table(corrupt, "t.xlsx")
    with pytest.raises(CxDataError, match="damaged"):
        read_table(good[:-200], "t.xlsx")


def test_xlsx_with_no_data_is_reported():
    with pytest.raises(CxDataError, match="no data"):
        read_table(samples.xlsx_bytes({"Empty": [], "Also": []}), "t.xlsx")


def test_xlsx_with_a_header_only_is_reported():
    with pytest.raises(CxDataError, match="header but no data rows"):
        read_table(samples.xlsx_bytes({"S": [["id", "amount"]]}), "t.xlsx")


def test_limits_from_env(monkeypatch):
    monkeypatch.setenv("CX_MAX_UPLOAD_MB", "5")
    monkeypatch.setenv("CX_MAX_ROWS", "1000")
    assert Limits.from_env() == Limits(max_bytes=5 * 1024 * 1024, max_rows=1000)
    monkeypatch.setenv("CX_MAX_ROWS", "lots")
    with pytest.raises(CxDataError, match="CX_MAX_ROWS"):
        Limits.from_env()


def test_read_table_uses_env_limits_by_default(monkeypatch):
    monkeypatch.setenv("CX_MAX_ROWS", "2")
    with pytest.raises(CxLimitError):
        read_table(b"a\n1\n2\n3\n", "t.csv")


def _wide_csv(columns: int, name_len: int = 6, rows: int = 1) -> bytes:
    header = ",".join(f"c{i:0{name_len - 1}d}" for i in range(columns))
    return (header + "\n" + "\n".join(",".join("1" for _ in range(columns)) for _ in range(rows)) + "\n").encode()


def _wide_parquet(columns: int) -> bytes:
    import io as _io

    buf = _io.BytesIO()
    pd.DataFrame({f"c{i}": [1] for i in range(columns)}).to_parquet(buf)
    return buf.getvalue()


WIDE = {
    "csv, short headers": lambda n: _wide_csv(n),
    "csv, headers longer than the sniffed sample": lambda n: _wide_csv(n, name_len=80),
    "csv, one data row far wider than its header": lambda n: b"a,b\n1,2\n" + b",".join([b"1"] * n) + b"\n",
    "csv, unclosed quote (pandas path)": lambda n: b"a,b\n1,2\n" + b",".join([b"1"] * n) + b'\n"x,3\n',
    "json lines": lambda n: b"\n".join([("{" + ",".join(f'"k{i}": 1' for i in range(n)) + "}").encode()] * 2),
    "parquet": _wide_parquet,
    "gzip": lambda n: gzip.compress(_wide_csv(n)),
}


@pytest.mark.parametrize("kind", list(WIDE))
def test_a_file_wider_than_the_column_limit_is_refused_before_per_column_work(kind):
    """Finding 3: width costs per column; above CX_MAX_COLUMNS the answer is a clear error, at once."""
    with pytest.raises(CxLimitError, match=r"or more columns, over the 2,000-column limit") as err:
        read_table(WIDE[kind](5000), "wide.csv")
    assert err.value.file == "wide.csv" and "CX_MAX_COLUMNS" in str(err.value)


def test_a_file_at_the_column_limit_is_read():
    assert read_table(_wide_csv(2000), "w.csv").df.shape == (1, 2000)


def test_the_column_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CX_MAX_COLUMNS", "10")
    assert Limits.from_env().max_columns == 10
    with pytest.raises(CxLimitError, match="11 or more columns, over the 10-column limit"):
        read_table(_wide_csv(11), "w.csv")
    assert read_table(_wide_csv(10), "w.csv").df.shape[1] == 10


def test_an_excel_sheet_wider_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setenv("CX_MAX_COLUMNS", "50")
    with pytest.raises(CxLimitError, match="over the 50-column limit"):
        read_table(samples.xlsx_bytes({"S": [[f"c{i}" for i in range(60)], list(range(60))]}), "w.xlsx")


def test_a_million_column_csv_is_refused_from_its_first_bytes():
    data = _wide_csv(1_000_000)                                      # ~9 MB, one header line and one row
    with pytest.raises(CxLimitError, match="over the 2,000-column limit"):
        read_table(data, "million.csv")


# --------------------------------------------------------------------------------------------
# Real public files (skipped when /work/shared/data/real is absent)
# --------------------------------------------------------------------------------------------
def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_real_cdnow_master_whitespace_aligned():
    t = read_table(real_file("cdnow", "CDNOW_master.txt").read_bytes(), "CDNOW_master.txt")
    assert t.df.shape == (69_659, 4) and t.delimiter == "whitespace" and t.header_rows == 1
    assert t.df["customer_id"].iloc[0] == "00001"
    assert parse_numbers(t.df["dollar_value"])[0].sum() == pytest.approx(2_500_315.63)
    assert parse_numbers(t.df["number_of_cds"])[0].sum() == 167_881
    dates, bad = parse_datetimes(t.df["date"])
    assert not bad.any() and (dates.min(), dates.max()) == (ts("1997-01-01"), ts("1998-06-30"))


def test_real_cdnow_sample_headerless():
    t = read_table(real_file("cdnow", "CDNOW_sample.txt").read_bytes(), "CDNOW_sample.txt")
    assert t.df.shape == (6_919, 5) and t.header_rows == 0 and t.first_data_row == 1
    assert t.df["column_1"].nunique() == 2_357
    assert parse_numbers(t.df["column_5"])[0].sum() == pytest.approx(244_091.94)


def test_real_online_retail_gz():
    t = read_table(real_file("online_retail", "online_retail_sample30k.csv.gz").read_bytes(), "retail.csv.gz")
    assert t.df.shape == (30_000, 8)
    assert t.df["InvoiceNo"].str.startswith("C").sum() == 620
    assert t.df["CustomerID"].isna().sum() == 2_000 and t.df["Country"].nunique() == 38
    assert not parse_datetimes(t.df["InvoiceDate"])[1].any()


def test_real_ab_data_gz():
    t = read_table(real_file("ab_data", "ab_data.csv.gz").read_bytes(), "ab_data.csv.gz")
    assert t.df.shape == (294_478, 5) and t.df["user_id"].nunique() == 290_584
    dates, bad = parse_datetimes(t.df["timestamp"])
    assert not bad.any() and dates.min() >= ts("2017-01-02") and dates.max() < ts("2017-01-25")
    assert set(parse_flags(t.df["converted"])[0].unique()) == {0.0, 1.0}


def test_real_rees46_events():
    t = read_table(real_file("rees46_events", "2019-Oct-sample.csv").read_bytes(), "2019-Oct-sample.csv")
    assert t.df.shape == (1_000, 9)
    assert t.df["event_type"].value_counts().to_dict() == {"view": 987, "purchase": 10, "cart": 3}
    assert t.df["category_id"].iloc[0] == "2103807459595387724"
    dates, bad = parse_datetimes(t.df["event_time"])
    assert not bad.any() and (dates.min(), dates.max()) == (ts("2019-10-01 00:00:00"), ts("2019-10-01 00:17:26"))


# --------------------------------------------------------------------------------------------
# More ragged / damaged text cases
# --------------------------------------------------------------------------------------------
def test_ragged_rows_keep_file_order_around_blank_lines_and_multiline_values():
    text = b'id,note,amount\n1,"two\nlines",5\n\n2,short\n   \n3,x,7,extra\n4,y,8\n'
    t = read_table(text, "t.csv")
    assert cells(t) == [["1", "two\nlines", "5", None], ["2", "short", None, None],
                        ["3", "x", "7", "extra"], ["4", "y", "8", None]]


def test_many_ragged_rows_reported_with_count_and_first_examples():
    lines = ["a,b,c"] + [("1,2" if i % 2 else "1,2,3") for i in range(1, 1001)]
    t = read_table("\n".join(lines).encode(), "t.csv")
    assert len(t.df) == 1000 and t.df["c"].isna().sum() == 500
    assert any(w.startswith("500 row(s) have fewer fields") and "lines 2, 4, 6, 8, 10" in w for w in t.warnings)


def test_a_few_damaged_bytes_in_utf8_are_replaced_with_a_warning():
    text = ("name,city\n" + "Пётр,Москва\n" * 50).encode() + b"Bad\xff,x\n"
    t = read_table(text, "t.csv")
    assert t.encoding == "utf-8" and t.df.iloc[0, 0] == "Пётр" and t.df.iloc[-1, 0] == "Bad\ufffd"
    assert any("1 damaged character" in w for w in t.warnings)


def test_utf16_whitespace_only_file_is_empty():
    with pytest.raises(CxDataError, match="empty"):
        read_table("  \n \n".encode("utf-16-le"), "t.csv")


def test_two_word_values_in_a_one_column_file_are_not_split_on_spaces():
    t = read_table(b"full name\nAnn Lee\nBob Ray\n", "names.txt")
    assert list(t.df.columns) == ["full name"] and cells(t) == [["Ann Lee"], ["Bob Ray"]]


def test_numeric_looking_header_over_text_data_is_still_a_header():
    t = read_table(b"2023,2024\nup,down\nflat,up\n", "t.csv")
    assert t.header_rows == 1 and list(t.df.columns) == ["2023", "2024"]


@pytest.mark.parametrize("data", [b"MZ_code,amount\n1,2\n", b"BZh,amount\n1,2\n", b"GIF8,x\n1,2\n"])
def test_text_files_starting_like_a_magic_number_are_still_text(data):
    assert cells(read_table(data, "t.csv")) == [["1", "2"]]


def test_encrypted_office_file_is_reported_as_password_protected():
    fake = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 400
    with pytest.raises(CxDataError, match="password-protected"):
        read_table(fake, "secret.xlsx")


def test_whitespace_aligned_row_with_extra_values_far_below_the_sample_is_kept():
    lines = [" id  amount  note"] + [f" {i}  {i}.50  ok" for i in range(5000)] + [" 9999  1.00  two words"]
    t = read_table("\n".join(lines).encode(), "t.txt")
    assert len(t.df) == 5001 and t.df["note"].iloc[-1] == "two words"
    assert any("1 row(s) have more space-separated values" in w for w in t.warnings)


# --------------------------------------------------------------------------------------------
# Fuzzing: damaged files raise CxDataError (a message for the user), never another exception
# --------------------------------------------------------------------------------------------
FUZZ_BASES = {
    "xlsx": lambda: samples.xlsx_bytes({"S": [["id", "amount", "when"], [1, 2.5, dt.datetime(2024, 1, 1)]]}),
    "xls": lambda: samples.xls_bytes([["id", "amount"], [1, 2.5]]),
    "parquet": lambda: samples.parquet_bytes({"a": [1, 2], "b": ["x", "y"]}),
    "csv": lambda: "id;name;amount\n1;Пётр;12,5\n2;\"a;b\";3\n".encode("cp1251"),
    "gz": lambda: gzip.compress(b"a,b\n1,2\n3,4\n"),
    "zip": lambda: samples.zip_bytes({"a.csv": b"a,b\n1,2\n"}),
    "jsonl": lambda: b'{"a": 1}\n{"a": 2}\n',
}
_FUZZ_CACHE: dict[str, bytes] = {}


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(sorted(FUZZ_BASES)), edits=st.lists(
    st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(["set", "cut", "insert"]), st.binary(min_size=1, max_size=8)),
    min_size=1, max_size=12))
def test_damaged_files_raise_only_cx_data_error(kind, edits):
    data = bytearray(_FUZZ_CACHE.setdefault(kind, FUZZ_BASES[kind]()))
    for where, op, blob in edits:
        pos = int(where * len(data)) if data else 0
        if op == "set":
            data[pos:pos + len(blob)] = blob
        elif op == "cut":
            del data[pos:pos + 8 * len(blob)]
        else:
            data[pos:pos] = blob
    try:
        table = read_table(bytes(data), f"f.{kind}")
    except CxDataError as err:
        assert str(err).startswith(f"f.{kind}")
    else:
        assert all(dtype == pd.StringDtype("pyarrow") for dtype in table.df.dtypes)
        assert table.df.columns.is_unique


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_a_table_or_a_cx_data_error(data):
    try:
        read_table(data, "f.csv")
    except CxDataError:
        pass


def test_excel_sep_hint_line_sets_the_delimiter_and_is_skipped():
    t = read_table(b"sep=;\r\nid;amount\r\n1;12,5\r\n", "t.csv")
    assert t.delimiter == ";" and cells(t) == [["1", "12,5"]] and t.first_data_row == 3


def test_json_lines_with_a_unicode_line_separator_inside_a_string():
    t = read_table('{"a": "x\u2028y"}\n{"a": "z"}\n'.encode(), "t.jsonl")
    assert cells(t) == [["x\u2028y"], ["z"]]


def test_xlsx_title_rows_above_the_header_are_skipped():
    rows = [["Sales report"], ["Period: March 2024"], [], ["order_id", "amount", "status"], ["A1", 12.5, "paid"]]
    t = read_table(samples.xlsx_bytes({"Report": rows}), "report.xlsx")
    assert list(t.df.columns) == ["order_id", "amount", "status"] and cells(t) == [["A1", "12.5", "paid"]]
    assert t.first_data_row == 5 and any("Skipped 2 row(s)" in w for w in t.warnings)


def test_more_currency_codes_and_symbols():
    values, bad = parse_numbers(pd.Series(["CHF 12.50", "₹1,200", "₩3000", "15 PLN", "HKD 7"]))
    assert values.tolist() == [12.5, 1200.0, 3000.0, 15.0, 7.0] and not bad.any()


def test_parsers_keep_the_input_index_and_accept_object_and_categorical_columns():
    idx = pd.Index([10, 20, 30])
    values, bad = parse_numbers(pd.Series([1, "2,5", None], index=idx, dtype=object))
    assert values.index.equals(idx) and bad.index.equals(idx) and values.tolist()[:2] == [1.0, 2.5]
    dates, bad = parse_datetimes(pd.Series(["2024-03-05", "x", None], index=idx, dtype="category"))
    assert dates.index.equals(idx) and bad.tolist() == [False, True, False]
    flags, bad = parse_flags(pd.Series(["yes", "no", "?"], index=idx))
    assert flags.index.equals(idx) and bad.tolist() == [False, False, True]


def test_classic_mac_line_endings():
    assert cells(read_table(b"a,b\r1,2\r3,4\r", "t.csv")) == [["1", "2"], ["3", "4"]]


CELL = st.text(alphabet=st.sampled_from(list("abcXYZ019 ,\"'\n.-_éЖ中€")), min_size=0, max_size=12)


@settings(max_examples=120, deadline=None)
@given(data=st.data(), ncols=st.integers(2, 4))
def test_csv_written_by_python_reads_back_cell_for_cell(data, ncols):
    import csv
    import io
    rows = data.draw(st.lists(st.lists(CELL, min_size=ncols, max_size=ncols), min_size=1, max_size=15))
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([f"c{i}" for i in range(ncols)])
    writer.writerows(rows)
    t = read_table(buf.getvalue().encode(), "t.csv")
    expected = [[c if c.strip() else None for c in row] for row in rows]
    expected = [row for row in expected if any(c is not None for c in row)]   # blank records vanish
    got = [row for row in cells(t) if any(c is not None for c in row)]
    assert list(t.df.columns) == [f"c{i}" for i in range(ncols)]
    assert got == expected


def test_xlsx_ids_stored_as_numbers_with_16_digits_get_a_rounding_warning():
    data = samples.xlsx_bytes({"S": [["order_id", "amount"], [1234567890123456789, 5], [12, 6]]})
    t = read_table(data, "t.xlsx")
    assert any("'order_id'" in w and "15 digits" in w for w in t.warnings)
    assert not any("'amount'" in w for w in t.warnings)


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "ten"])
def test_limits_from_env_rejects_non_positive_or_non_numbers(monkeypatch, value):
    monkeypatch.setenv("CX_MAX_DECOMPRESSED_MB", value)
    with pytest.raises(CxDataError, match="CX_MAX_DECOMPRESSED_MB"):
        Limits.from_env()


def test_limits_from_env_reads_the_decompressed_cap(monkeypatch):
    monkeypatch.setenv("CX_MAX_DECOMPRESSED_MB", "0.5")
    assert Limits.from_env().max_decompressed_bytes == 512 * 1024


def test_damaged_xls_prints_nothing_to_stdout(capsys):
    data = samples.xls_bytes([["a"], [1]])
    with pytest.raises(CxDataError):
        read_table(data[:-700] + b"\0" * 3, "t.xls")
    assert capsys.readouterr().out == ""


def test_trailing_delimiter_on_every_line_adds_no_empty_column():
    t = read_table(b"a;b;\n1;2;\n3;4;\n", "t.csv")
    assert list(t.df.columns) == ["a", "b"] and cells(t) == [["1", "2"], ["3", "4"]]


def test_backslash_escaped_quotes_mysql_style():
    text = b'id,comment,score\n1,"He said \\"great\\", twice",9\n2,"plain",7\n'
    t = read_table(text, "t.csv")
    assert cells(t) == [["1", 'He said "great", twice', "9"], ["2", "plain", "7"]]


def test_doubled_quotes_with_a_literal_backslash_stay_standard_csv():
    text = b'id,path\n1,"C:\\\\dir\\\\"\n2,"say ""hi"""\n'
    t = read_table(text, "t.csv")
    assert cells(t) == [["1", "C:\\\\dir\\\\"], ["2", 'say "hi"']]


def test_windows_path_ending_in_backslash_is_standard_csv():
    t = read_table(b'id,path,n\n1,"C:\\dir\\",5\n2,"D:\\x",6\n', "t.csv")
    assert cells(t) == [["1", "C:\\dir\\", "5"], ["2", "D:\\x", "6"]]


# --------------------------------------------------------------------------------------------
# Messages people read are translatable sentences (cxlib.core.messages.Msg), English unchanged
# --------------------------------------------------------------------------------------------
def test_errors_are_whole_translatable_templates_with_the_values_as_parameters():
    from cxlib.core.messages import Msg
    with pytest.raises(CxLimitError) as info:
        read_table(b"a,b\n" + b"1,2\n" * 5, "big.csv", Limits(max_rows=3))
    err = info.value
    assert str(err) == ("big.csv: the file has 5 rows, over the 3-row limit. "
                        "Filter the export to a shorter period or split it into several files.")
    message = err.msg.params["text"].params["message"]
    assert isinstance(message, Msg)
    assert message.template == "the file has {rows:,} rows, over the {limit:,}-row limit."
    assert message.params == {"rows": 5, "limit": 3}
    assert err.msg.params["text"].params["file"] == "big.csv"
    assert err.msg.params["hint"].template == "Filter the export to a shorter period or split it into several files."

    with pytest.raises(CxDataError) as info:
        read_table(samples.MINIMAL_PDF, "scan.csv")
    what = info.value.msg.params["text"].params["message"]
    assert what.template == "this is {what}, not a data table."
    assert isinstance(what.params["what"], Msg) and what.params["what"].template == "a PDF document"


def test_warnings_and_notes_are_messages_that_keep_file_data_as_parameters():
    from cxlib.core.messages import Msg
    t = read_table(b"Sales report\nMay\nid,name,amount\n1,a,2\n2,b,3,4\n", "r.csv")
    assert all(isinstance(w, Msg) for w in t.warnings)
    skipped, ragged = t.warnings
    assert skipped.template == "Skipped {count} line(s) above the table header (titles or notes)."
    assert skipped.params == {"count": 2}
    assert ragged.template.startswith("{count} row(s) have more fields than the header's {fields} (e.g. lines {lines})")
    assert ragged.params == {"count": 1, "fields": 3, "lines": "5"}

    book = samples.xlsx_bytes({"Notes": [], "Данные": [["id", "x"], [1, 2]]})
    note = read_table(book, "b.xlsx").warnings[0]
    assert note == "Read sheet 'Данные', the first sheet with data (the workbook has 2 sheets)."
    assert note.template == "Read sheet '{sheet}', the first sheet with data (the workbook has {count} sheets)."
    assert note.params == {"sheet": "Данные", "count": 2}

    guess = datetime_format_note(pd.Series(["03/04/2024", "05/06/2024"]))
    assert isinstance(guess, Msg) and guess.params == {"example": "03/04/2024"}
    assert guess.template.startswith("Dates such as '{example}' could be day/month or month/day")
