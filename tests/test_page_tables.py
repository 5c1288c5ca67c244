"""Every table on every page reads as words (issue 20, finding 4): no raw snake_case header such as
``conversion_from_first`` or ``median_s``, and no "None"/"nan" cell, in what the reader sees.

Each page runs as AppTest on the sample shop (English, the language without a catalog, where raw
names used to show); the funnel and experiment pages also in the states that add tables (a breakdown,
the drop-off list after step 2, revenue and order-value metrics).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from ui.nav import PAGES

ROOT = Path(__file__).resolve().parents[1]
SNAKE = re.compile(r"[A-Za-z0-9]_[A-Za-z0-9]")
MISSING_WORDS = {"None", "nan", "NaN", "<NA>", "NaT", "null"}


def shown_tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table as the reader sees it: header labels (column config first) and cell texts."""
    out = []
    for el in at.dataframe:
        data = el.proto.arrow_data
        frame = (dataframe_util.convert_arrow_bytes_to_pandas_df(data.styler.display_values)
                 if data.HasField("styler") else el.value)
        config = json.loads(el.proto.columns) if el.proto.columns else {}
        labels = {c: (config.get(str(c)) or {}).get("label") or c for c in frame.columns}
        out.append(frame.rename(columns=labels))
    return out


def problems(at: AppTest, where: str) -> list[str]:
    found = []
    for i, (el, table) in enumerate(zip(at.dataframe, shown_tables(at))):
        raw = [c for c in table.columns if isinstance(c, str) and SNAKE.search(c)]
        if raw:
            found.append(f"{where} table {i}: raw column names {raw}")
        # the browser draws a missing value as "None" whatever the Styler says, unless the table has a placeholder
        if not el.proto.placeholder and el.value.isna().to_numpy().any():
            found.append(f"{where} table {i}: missing cells shown as None")
            continue
        for col in table.columns:
            cells = table[col].map(lambda v: str(v).strip() if isinstance(v, str) or v is None else None)
            bad = sorted({c for c in cells.dropna() if c in MISSING_WORDS} | ({"None"} if table[col].map(
                lambda v: v is None).any() and table[col].dtype == object else set()))
            if bad:
                found.append(f"{where} table {i} column {col!r}: cells {bad}")
    return found


def _run(path: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=120)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", [p.path for p in PAGES])
def test_every_table_on_every_page_reads_as_words(page):
    at = _run(page)
    assert not problems(at, page), "\n".join(problems(at, page))


def test_funnel_tables_with_a_breakdown_and_a_later_drop_off_step():
    at = _run("pages/4_Funnels.py")
    at.selectbox(key="funnel_by").set_value("device").run()
    at.selectbox(key="funnel_drop_step").set_value(2).run()
    assert not at.exception
    assert len(at.dataframe) >= 4                       # steps, pairwise tests, time to convert, drop-offs
    assert not problems(at, "funnel"), "\n".join(problems(at, "funnel"))


@pytest.mark.parametrize("metric", ["revenue", "aov"])
def test_experiment_tables_for_revenue_metrics(metric):
    at = _run("pages/7_Experiments.py")
    at.selectbox(key="exp_metric").set_value(metric).run()
    assert not at.exception
    assert not problems(at, metric), "\n".join(problems(at, metric))


def test_the_check_finds_raw_names_and_none():
    """The scan itself can fail: a raw table is caught."""
    import streamlit as st                                   # noqa: F401  (AppTest from a function)

    def page():
        import pandas as pd
        import streamlit as st
        st.dataframe(pd.DataFrame({"median_s": [1.0], "note": [None]}))
    at = AppTest.from_function(page).run()
    assert problems(at, "raw") == ["raw table 0: raw column names ['median_s']", "raw table 0: missing cells shown as None"]
