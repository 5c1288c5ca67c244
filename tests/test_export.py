"""Exports neutralize spreadsheet formulas and write ISO-8601 UTC timestamps."""
import io

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from cxlib.data import export


@pytest.mark.parametrize("cell,expected", [
    ("=HYPERLINK(\"http://x\",\"click\")", True), ("+1-555", True), ("-cmd", True), ("@SUM(A1)", True),
    ("\t=1", True), ("\r=1", True), ("hello", False), ("", False), ("a=b", False), (None, False), (3.5, False),
])
def test_looks_like_formula(cell, expected):
    assert export.looks_like_formula(cell) is expected


def test_csv_neutralizes_text_but_not_numbers():
    df = pd.DataFrame({"comment": ["=1+1", "fine", "@cmd"], "amount": [-5.0, 3.0, 1.5]})
    text = export.to_csv_bytes(df).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text))
    assert list(back["comment"]) == ["'=1+1", "fine", "'@cmd"]
    assert list(back["amount"]) == [-5.0, 3.0, 1.5]            # negative numbers stay numbers
    assert export.count_formulas(df) == 2


def test_csv_writes_timestamps_as_iso_utc():
    ts = pd.Series(pd.to_datetime(["2024-03-05 14:03:11+01:00"], utc=True))
    text = export.to_csv_bytes(pd.DataFrame({"t": ts})).decode("utf-8-sig")
    assert "2024-03-05T13:03:11Z" in text


def test_formula_header_is_neutralized_too():
    text = export.to_csv_bytes(pd.DataFrame({"=evil": [1]})).decode("utf-8-sig")
    assert text.splitlines()[0] == "'=evil"


def test_xlsx_cells_are_text_not_formulas():
    from openpyxl import load_workbook
    data = export.to_xlsx_bytes(pd.DataFrame({"c": ["=1+1", "ok"]}))
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A2"].value == "'=1+1" and ws["A2"].data_type == "s"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=8))
def test_no_exported_cell_starts_like_a_formula(cells):
    text = export.to_csv_bytes(pd.DataFrame({"c": cells})).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for value in back["c"]:
        assert not export.looks_like_formula(value)


def test_a_carriage_return_in_a_cell_cannot_start_a_row_with_a_formula():
    text = export.to_csv_bytes(pd.DataFrame({"c": ["\r=1+1", "a\r\nb"]})).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert back["c"].tolist() == ["'\n=1+1", "a\nb"]


_cells = st.one_of(st.none(), st.sampled_from(["=1+1", "-3", "+x", "@a", "\tt", "a\r\nb", "\r=2", "ok", "", "N/A"]),
                   st.text(max_size=6))


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(_cells, st.one_of(st.none(), st.floats(allow_nan=False, width=32)),
                               st.one_of(st.none(), st.integers(0, 2_000_000_000))), min_size=0, max_size=12),
       cuts=st.lists(st.integers(0, 12), max_size=3))
def test_a_table_written_in_parts_is_the_csv_of_the_whole_table(rows, cuts):
    """write_csv over any split of a table (text with formulas and line breaks, numbers, times and empty cells)
    gives the bytes to_csv_bytes gives for the whole table: one BOM, one header, the same cells."""
    texts, amounts, times = zip(*rows) if rows else ((), (), ())
    df = pd.DataFrame({"text": pd.array(list(texts), dtype="string"),
                       "amount": pd.array([float("nan") if a is None else a for a in amounts], dtype="float64"),
                       "at": pd.to_datetime(pd.Series(list(times), dtype="float64"), unit="s", utc=True)})
    bounds = sorted({0, len(df), *(min(c, len(df)) for c in cuts)})
    parts = [df.iloc[a:b] for a, b in zip(bounds, bounds[1:])] or [df]
    out = io.BytesIO()
    export.write_csv(parts, out)
    assert out.getvalue() == export.to_csv_bytes(df)


def test_a_text_column_with_no_value_at_all_exports():
    """A column the shop never fills (a coupon code, say) is all empty in the careful table's pyarrow strings;
    the download and `normalize` raised ArrowInvalid on it."""
    from cxlib.data.loader import load_bytes
    ds = load_bytes(b"user_id,event,timestamp,coupon\nu1,page_view,2024-01-01,\nu2,=buy,2024-01-02,\n", "e.csv")
    assert ds.df["coupon"].isna().all()
    text = export.to_csv_bytes(ds.df).decode("utf-8-sig")
    assert text.splitlines() == ["user_id,event,timestamp,coupon", "u1,page_view,2024-01-01T00:00:00Z,",
                                 "u2,'=buy,2024-01-02T00:00:00Z,"]
    assert export.count_formulas(ds.df) == 1


_mixed = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True, width=32),
                   st.sampled_from(["=1", "-2", "+", "@x", "\tx", "\r", "a\rb", "ok", "", "N/A", "é=", " =x"]))


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(_mixed, max_size=10), as_text=st.booleans())
def test_the_vectorized_masks_find_exactly_the_cells_the_per_cell_rule_finds(cells, as_text):
    """Formula-looking and carriage-return cells of an object column mixing text, numbers, booleans and gaps, or
    of the careful table's pyarrow strings, are the cells looks_like_formula and '\\r' in ... pick one by one."""
    s = pd.Series(cells, dtype=object)
    if as_text:
        s = pd.Series([c if isinstance(c, str) else None for c in cells], dtype="string[pyarrow]")
    want = [export.looks_like_formula(v) if isinstance(v, str) else False for v in s.astype(object)]
    assert export._formulas(s).tolist() == want
    want_cr = [isinstance(v, str) and "\r" in v for v in s.astype(object)]
    assert export._text_cells(s, lambda t: t.contains("\r", regex=False)).tolist() == want_cr
