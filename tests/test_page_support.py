"""AppTest of pages/3_Support.py with sample data and with seeded tickets."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxlib.data.loader import from_frame
from cxlib.core.definitions import DefinitionSet, SlaDef

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "3_Support.py")


def _seeded(defs: DefinitionSet | None = None, with_customers: bool = False, *, lang: str | None = None) -> AppTest:
    ds = from_frame(pd.DataFrame({
        "ticket_id": [str(i) for i in range(1, 7)],
        "created_at": pd.date_range("2024-01-01", periods=6, freq="4D"),
        "channel": ["email", "email", "chat", "chat", "chat", "phone"],
        "first_reply_minutes": [30, 2000, 5, None, 100, 60],
        "satisfaction": ["good", "bad", "good", "offered", "good", None]}), "tickets", name="t.csv")
    store = {ds.key: ds}
    if with_customers:
        cust = from_frame(pd.DataFrame({"customer_id": [str(i) for i in range(200)]}), "customers",
                                  name="c.csv")
        store[cust.key] = cust
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["samples_loaded"] = True
    at.session_state["datasets"] = store
    if defs is not None:
        at.session_state["definitions"] = defs
    if lang is not None:
        at.session_state["lang"] = lang
    return at.run()


def test_headline_numbers_and_charts():
    at = _seeded()
    assert not at.exception
    m = {x.label: x.value for x in at.metric}
    # answered 30, 2000, 5, 100, 60 -> median 60; within 24 h: 4 of 5; good 3 of 4 rated
    assert m["Tickets"] == "6" and m["Median first reply"] == "60 min"
    assert m["First reply within SLA"] == "80.0%" and m["Ticket CSAT (good %)"] == "75.0%"
    specs = [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]
    assert specs[0]["title"] == "First reply time by channel (median and p90)"
    assert specs[1]["title"] == "Tickets by week"
    by = at.dataframe[0].value.set_index("channel")
    assert by.loc["chat", "first_reply_median_min"] == pytest.approx(52.5)


def test_sla_definition_changes_the_figure_and_sentence():
    at = _seeded(DefinitionSet.default().replace(sla=SlaDef(1)))
    assert not at.exception
    assert {x.label: x.value for x in at.metric}["First reply within SLA"] == "60.0%"   # 30, 5, 60
    assert any("within 1 h" in c.value.replace("\\", "") for c in at.caption)


def test_tickets_per_1000_customers_and_trend_column():
    at = _seeded(with_customers=True)
    assert {x.label: x.value for x in at.metric}["Tickets per 1,000 customers"] == "30.0"
    at.selectbox(key="support_column").set_value("within_sla_pct").run()
    at.radio(key="support_freq").set_value("month").run()
    assert not at.exception
    specs = [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]
    assert specs[1]["title"] == "Within SLA (%) by month"


def test_with_sample_data():
    if not (ROOT / "sample_data" / "MANIFEST.json").exists():
        pytest.skip("sample data not generated yet")
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    assert not at.exception
    assert "First reply within SLA" in {x.label for x in at.metric}


@pytest.mark.parametrize("lang, sla, per_1000", [("zh", "80.0%", "30.0"), ("ru", "80,0\xa0%", "30,0")])
def test_page_in_chinese_and_russian(lang, sla, per_1000):
    at = _seeded(with_customers=True, lang=lang)
    assert not at.exception
    values = [m.value for m in at.metric]
    assert sla in values and per_1000 in values
