"""AppTest of the Retention page: cohort heatmap, churn metrics and trend, CLV charts and top customers."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxlib.clv import CLVSpec, predict_clv
from cxlib.dataset import Dataset
from cxlib.retention import ChurnSpec, churn_rate, cohort_table
from cxlib.segments import RFMSpec, compute_rfm
from ui.fmt import day

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages/6_Retention.py")


def shop() -> Dataset:
    """400 customers over 2024 with repeat purchases (geometric counts), a channel per order."""
    rng = np.random.default_rng(3)
    n = 400
    per = rng.geometric(0.45, n)
    cust = np.repeat([f"c{i:03d}" for i in range(n)], per)
    m = len(cust)
    first = np.repeat(rng.integers(0, 300, n), per)
    when = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(first + rng.integers(0, 200, m), unit="D")
    orders = pd.DataFrame({"order_id": [f"o{i}" for i in range(m)], "customer_id": cust, "ordered_at": when,
                           "amount": np.round(rng.lognormal(3.5, 0.6, m), 2),
                           "status": rng.choice(["completed", "completed", "completed", "cancelled"], m),
                           "channel": rng.choice(["web", "app"], m)})
    return Dataset.from_frame(orders, "orders", name="orders.csv")


def run_page(ds: Dataset | None = None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if lang is not None:
        at.session_state["lang"] = lang
    if ds is not None:
        at.session_state["samples_removed"] = True
        at.session_state["datasets"] = {ds.key: ds}
    at.run()
    return at


def specs(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def test_page_shows_cohorts_churn_and_clv_matching_cxlib():
    ds = shop()
    at = run_page(ds)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    cohorts = cohort_table(ds)
    assert metrics["Customers"] == f"{cohorts.customers:,}"
    churn = churn_rate(ds, ChurnSpec())
    assert metrics[f"Churn rate on {day(churn.as_of, lang='en')}"] == f"{churn.value:.1%}"
    pred = predict_clv(ds, CLVSpec(calibration_end=churn.as_of))
    assert metrics["Mean predicted CLV, next 365 days"] == f"{pred.customers['predicted_clv'].mean():,.2f}"
    charts = specs(at)
    titles = [c.get("title") for c in charts]
    assert "Retention by cohort of first valid order" in titles
    assert "Churn rate over time, with 95% CI" in titles
    assert "Top 20 customers by predicted CLV" in titles
    heat = next(c for c in charts if c.get("title") == "Retention by cohort of first valid order")
    assert heat["layer"][0]["mark"]["type"] == "rect"
    assert heat["layer"][0]["encoding"]["color"]["field"] == "retention"
    top = next(d.value for d in at.dataframe if "predicted_clv" in d.value.columns)
    assert top["customer_id"].iloc[0] == pred.customers["customer_id"].iloc[0]


def test_changing_settings_recomputes_churn():
    ds = shop()
    at = run_page(ds)
    at.number_input(key="ret_inactive_days").set_value(30).run()
    assert not at.exception
    churn = churn_rate(ds, ChurnSpec(inactive_days=30))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[f"Churn rate on {day(churn.as_of, lang='en')}"] == f"{churn.value:.1%}"
    at.selectbox(key="ret_period").select("week").run()
    assert not at.exception
    heat = next(c for c in specs(at) if c.get("title") == "Retention by cohort of first valid order")
    assert heat["layer"][0]["encoding"]["x"]["title"] == "Weeks since first order"


def test_segment_breakdown_draws_segment_chart():
    ds = shop()
    at = run_page(ds)
    at.selectbox(key="ret_clv_by").select("channel").run()
    assert not at.exception
    assert "Mean historical CLV by channel" in [c.get("title") for c in specs(at)]
    at.selectbox(key="ret_clv_by").select("segment").run()
    assert not at.exception
    assert "Mean historical CLV by RFM segment" in [c.get("title") for c in specs(at)]
    table = next(d.value for d in at.dataframe if "share" in d.value.columns)
    rfm = compute_rfm(ds, RFMSpec(as_of=ds.df["ordered_at"].max().date())).customers
    assert table.set_index("segment")["customers"].to_dict() == rfm["segment"].value_counts().to_dict()


def test_unusable_orders_show_an_error_not_a_traceback():
    df = pd.DataFrame({"customer_id": ["a"], "ordered_at": ["2024-01-01"], "amount": [1.0], "status": ["cancelled"]})
    at = run_page(Dataset.from_frame(df, "orders", name="bad.csv"))
    assert not at.exception
    assert any("no valid order" in e.value for e in at.error)


@pytest.mark.slow
def test_page_runs_on_default_sample_data():
    at = run_page()
    assert not at.exception
    assert at.error or at.get("vega_lite_chart")          # sample orders either analysed or explained


@pytest.mark.parametrize("lang", ["zh", "ru"])
def test_page_in_chinese_and_russian(lang):
    ds = shop()
    at = run_page(ds, lang)
    assert not at.exception
    churn = churn_rate(ds, ChurnSpec())
    values = [m.value for m in at.metric]
    assert ({"zh": f"{churn.value:.1%}", "ru": f"{churn.value * 100:.1f}\xa0%".replace(".", ",")}[lang]) in values
    assert any(day(churn.as_of, lang=lang) in m.label for m in at.metric)
    at.selectbox(key="ret_clv_by").select("segment").run()
    assert not at.exception
