"""AppTest of pages/2_Orders.py with sample data and with a seeded orders table."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxlib.data.loader import from_frame
from cxlib.core.definitions import DefinitionSet, RevenueDef

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "2_Orders.py")


def _seeded(defs: DefinitionSet | None = None, *, lang: str | None = None) -> AppTest:
    ds = from_frame(pd.DataFrame({
        "order_id": ["1", "2", "3", "4", "5"], "customer_id": ["a", "a", "b", "c", "c"],
        "ordered_at": ["2024-01-05", "2024-02-10", "2024-02-11", "2024-03-01", "2024-03-20"],
        "amount": [100.0, 50.0, 30.0, 20.0, 80.0], "refunded": [0.0, 50.0, 0.0, 5.0, 0.0],
        "status": ["completed", "refunded", "cancelled", "partially_refunded", "completed"],
        "currency": ["EUR"] * 5, "channel": ["web", "app", "web", "web", "=cmd|' /C calc'!A0"],
    }), "orders", name="o.csv")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["samples_loaded"] = True
    at.session_state["datasets"] = {ds.key: ds}
    if defs is not None:
        at.session_state["definitions"] = defs
    if lang is not None:
        at.session_state["lang"] = lang
    return at.run()


def display_values(el) -> pd.DataFrame:
    """The text a table shows (its Styler display values), not the values behind it."""
    from streamlit import dataframe_util
    return dataframe_util.convert_arrow_bytes_to_pandas_df(el.proto.arrow_data.styler.display_values)


def test_headline_numbers_and_charts():
    at = _seeded()
    assert not at.exception
    m = {x.label: x.value for x in at.metric}
    # valid: 1 (100), 2 (50-50), 4 (20-5), 5 (80) -> 195 over 4 valid orders
    assert m["Net revenue"] == "€195.00" and m["Valid orders"] == "4" and m["Orders"] == "5"
    assert m["Average order value"] == "€48.75" and m["Repeat customers"] == "2"
    specs = [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]
    assert [s["title"] for s in specs] == ["Net revenue over time", "Net revenue by channel", "Orders by status"]
    by = at.dataframe[0].value.set_index("channel")
    assert by.loc["web", "net_revenue"] == pytest.approx(115.0)


def test_definition_change_changes_revenue_and_sentence():
    at = _seeded(DefinitionSet.default().replace(net_revenue=RevenueDef(("completed", "cancelled"), False)))
    assert not at.exception
    m = {x.label: x.value for x in at.metric}
    assert m["Net revenue"] == "€210.00"          # 100 + 30 + 80
    assert any("refunds not subtracted" in c.value.replace("\\", "") for c in at.caption)


def test_switch_period_and_breakdown():
    at = _seeded()
    at.radio(key="orders_freq").set_value("week").run()
    at.selectbox(key="orders_by").set_value("status").run()
    assert not at.exception
    assert at.dataframe[0].value["status"].tolist()[0] == "completed"
    assert display_values(at.dataframe[0])["status"].tolist()[0] == "Completed"     # the label people read


def test_with_sample_data():
    if not (ROOT / "sample_data" / "MANIFEST.json").exists():
        pytest.skip("sample data not generated yet")
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    assert not at.exception
    assert {x.label for x in at.metric} >= {"Orders", "Net revenue"}


@pytest.mark.parametrize("lang, revenue, aov", [("zh", "€195.00", "€48.75"), ("ru", "195,00\xa0€", "48,75\xa0€")])
def test_page_in_chinese_and_russian(lang, revenue, aov):
    at = _seeded(lang=lang)
    assert not at.exception
    values = [m.value for m in at.metric]
    assert revenue in values and aov in values
