"""AppTest of the Retention page: cohort heatmap, churn metrics and trend, CLV charts and top customers."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxlib.analyses.clv import CLVSpec, predict_clv
from cxlib.data.loader import from_frame
from cxlib.data.dataset import Dataset
from cxlib.analyses.retention import ChurnSpec, churn_rate, cohort_table
from cxlib.analyses.segments import RFMSpec, compute_rfm
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
    return from_frame(orders, "orders", name="orders.csv")


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
    at = run_page(from_frame(df, "orders", name="bad.csv"))
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


# ---- issue 20, finding 6: the churned / at-risk list with revenue at stake -------------------------
def test_churn_tab_lists_churned_and_at_risk_customers_with_revenue_at_stake():
    """Before the fix the Churn tab had no customer list and no revenue at stake."""
    from cxlib.analyses.churn import churn_list
    ds = shop()
    at = run_page(ds)
    assert not at.exception
    expected = churn_list(ds, ChurnSpec(), 30)
    table = next(d.value for d in at.dataframe if "net_revenue_window" in d.value.columns)
    assert table["customer_id"].tolist() == expected.to_frame()["customer_id"].head(500).tolist()
    metrics = {m.label: m.value for m in at.metric}
    totals = expected.totals()
    assert metrics["Churned"] == f"{totals['churned']['customers']:,}"
    assert metrics["At risk of churning"] == f"{totals['at_risk']['customers']:,}"
    assert any(b.proto.id.endswith("dl_churn_list_csv") or "dl_churn_list_csv" in b.proto.id
               for b in at.get("download_button"))
    assert any("'At risk' and 'Can't lose'" in c.value.replace("\\", "") for c in at.caption)
    at.number_input(key="ret_at_risk_days_90").set_value(0).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["At risk of churning"] == "0"


@pytest.mark.parametrize("lang, words", [("en", {"Churned", "At risk of churning"}), ("ru", {"Ушли", "Скоро уйдут"})])
def test_churn_list_csv_names_the_status_as_the_table_does(monkeypatch, lang, words):
    """The download used to keep the raw codes (churned / at_risk) while the table showed words."""
    import ui.churn_view as view
    from ui.tables import export_frame
    sent = {}
    real = view.download_table

    def spy(df, name, **kw):                     # runs inside the page's run: the session's language
        sent[kw["key"]] = export_frame(df, kw.get("labels"))
        return real(df, name, **kw)
    monkeypatch.setattr(view, "download_table", spy)
    at = run_page(shop(), lang=lang)
    assert not at.exception
    frame = sent["dl_churn_list_csv"]
    status = next(c for c in frame.columns if set(frame[c]) & words)
    assert set(frame[status]) <= words


def test_churn_tab_on_the_sample_shop_matches_a_pandas_computation():
    if not (ROOT / "sample_data/MANIFEST.json").exists():
        pytest.skip("sample data not generated in this checkout")
    from tests import sample_oracles as so
    truth = so.churn_list(90, 30)
    at = run_page()
    assert not at.exception
    metrics = {m.label: (m.value, m.help) for m in at.metric}
    churned, risk = truth[truth["status"] == "churned"], truth[truth["status"] == "at_risk"]
    assert metrics["Churned"][0] == f"{len(churned):,}" == "771"
    assert metrics["At risk of churning"][0] == f"{len(risk):,}" == "99"
    assert metrics["Revenue at stake, churned"] == (f"€{churned['net_revenue_window'].sum():,.2f}",   # €51,541.50
                                                    f"Net revenue in their last 90 days of buying. In all: "
                                                    f"€{churned['net_revenue'].sum():,.2f}")       # €61,094.77
    assert metrics["Revenue at stake, at risk"][0] == f"€{risk['net_revenue_window'].sum():,.2f}"     # €8,406.96
    table = next(d.value for d in at.dataframe if "net_revenue_window" in d.value.columns)
    assert len(table) == 500 and set(table["customer_id"]) <= set(truth["customer_id"])
