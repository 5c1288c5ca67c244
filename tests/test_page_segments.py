"""AppTest of the Segments page: RFM overview, rule segment + member download, comparison."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxlib.dataset import Dataset
from cxlib.segments import RFMSpec, compute_rfm

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages/5_Segments.py")


def shop() -> dict[str, Dataset]:
    rng = np.random.default_rng(5)
    n = 400
    per = rng.geometric(0.5, n)
    cust = np.repeat([f"c{i:03d}" for i in range(n)], per)
    m = len(cust)
    orders = pd.DataFrame({
        "order_id": [f"o{i}" for i in range(m)], "customer_id": cust,
        "ordered_at": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 365, m), unit="D"),
        "amount": np.round(rng.lognormal(3.5, 0.7, m), 2), "status": "completed"})
    customers = pd.DataFrame({"customer_id": [f"c{i:03d}" for i in range(n + 20)],
                              "country": rng.choice(["DE", "FR", "NL"], n + 20),
                              "email": [f"=cmd{i}@x.com" if i == 0 else f"user{i}@x.com" for i in range(n + 20)]})
    responses = pd.DataFrame({"respondent_id": [f"r{i}" for i in range(300)],
                              "email": [f"user{i}@x.com" for i in rng.integers(1, n, 300)],
                              "nps": rng.integers(0, 11, 300).astype(float)})
    out = [Dataset.from_frame(orders, "orders", name="orders.csv"),
           Dataset.from_frame(customers, "customers", name="customers.csv"),
           Dataset.from_frame(responses, "responses", name="survey.csv")]
    return {d.key: d for d in out}


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def run_page(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["samples_removed"] = True
    at.session_state["datasets"] = shop()
    if lang is not None:
        at.session_state["lang"] = lang
    at.run()
    return at


def test_rfm_overview_matches_cxlib_and_draws_charts():
    at = run_page()
    assert not at.exception
    orders = next(d for d in shop().values() if d.role == "orders")
    expected = compute_rfm(orders, RFMSpec(as_of=orders.df["ordered_at"].max().date()))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Customers with orders"] == f"{len(expected.customers):,}"
    assert metrics["As of"] == f"{expected.as_of:%b} {expected.as_of.day}, {expected.as_of.year}"   # Babel medium date
    specs = [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]
    share = next(s for s in specs if "yOffset" in json.dumps(s))
    assert share["title"] == "Segment size and value share"
    table = frame_with(at, "revenue_share_pct")
    assert dict(zip(table["segment"], table["customers"])) == expected.segment_counts


def test_changing_as_of_rescores():
    at = run_page()
    at.date_input[0].set_value(date(2024, 6, 30)).run()          # key depends on the orders dataset
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["As of"] == "Jun 30, 2024"
    assert any("placed after 2024-06-30" in w.value.replace("\\", "") for w in at.warning)


def test_rule_segment_counts_members_and_offers_download():
    at = run_page()
    at.text_input(key="seg_rule").set_value("country = DE and orders >= 2").run()
    assert not at.exception
    orders = next(d for d in shop().values() if d.role == "orders").df
    cust = next(d for d in shop().values() if d.role == "customers").df
    n_orders = orders.groupby("customer_id").size()
    de = cust.loc[cust["country"] == "DE", "customer_id"]
    expected = int((de.map(n_orders).fillna(0) >= 2).sum())
    assert {m.label: m.value for m in at.metric}["Customers"] == f"{expected:,}"
    members = frame_with(at, "list")
    assert len(members) == expected and set(members["list"]) == {"Rule segment"}
    keys = [b.proto.id for b in at.get("download_button")]
    assert any("dl_rule_members" in k for k in keys)


def test_bad_rule_shows_position_not_traceback():
    at = run_page()
    at.text_input(key="seg_rule").set_value("country = DE and orders >=").run()
    assert not at.exception
    assert any("position" in e.value for e in at.error)


def test_compare_two_segments_on_nps_states_verdict():
    at = run_page()
    at.multiselect(key="seg_cmp_groups").set_value(["Champions", "Lost"]).run()
    at.selectbox(key="seg_cmp_metric").select("revenue_per_customer").run()
    assert not at.exception
    text = " ".join(i.value for i in at.info).replace("\\", "")
    assert "Champions vs Lost" in text and "Revenue per customer" in text
    at.selectbox(key="seg_cmp_metric").select("nps").run()
    assert not at.exception
    specs = [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]
    assert any(str(s.get("title", "")).startswith("NPS by segment") for s in specs)


def test_default_comparison_is_rule_segment_against_everyone_else():
    at = run_page()
    at.text_input(key="seg_rule").set_value("country = FR").run()
    at.selectbox(key="seg_cmp_metric").select("conversion").run()
    assert not at.exception
    assert at.multiselect(key="seg_cmp_groups").value == ["Rule segment", "Everyone else"]
    pairs = frame_with(at, "p_holm")
    cust = next(d for d in shop().values() if d.role == "customers").df
    buyers = set(next(d for d in shop().values() if d.role == "orders").df["customer_id"])
    fr = cust["country"] == "FR"
    bought = cust["customer_id"].isin(buyers)
    expected = bought[fr].mean() - bought[~fr].mean()          # conversion of FR minus the rest
    assert pairs.loc[0, "diff"] == pytest.approx(expected)


def test_orders_only_offers_order_metrics_and_no_join():
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["samples_removed"] = True
    at.session_state["datasets"] = {k: d for k, d in shop().items() if d.role == "orders"}
    at.run()
    assert not at.exception
    metric = at.selectbox(key="seg_cmp_metric")
    assert metric.value == "aov" and metric.options == ["Conversion", "Repeat rate", "Average order value",
                                                        "Revenue per customer"]
    assert not any("matched to customers" in c.value.replace("\\", "") for c in at.caption)


def test_page_runs_on_sample_data_when_present():
    if not (ROOT / "sample_data/MANIFEST.json").exists():
        pytest.skip("sample data not generated in this checkout")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    orders = [d for d in at.session_state["datasets"].values() if d.role == "orders"]
    if orders and orders[0].has("ordered_at"):
        assert any(m.label == "Customers with orders" for m in at.metric)
        assert any("matched to customers" in c.value.replace("\\", "") for c in at.caption)


@pytest.mark.parametrize("lang", ["zh", "ru"])
def test_page_in_chinese_and_russian(lang):
    from ui.fmt import day
    at = run_page(lang)
    assert not at.exception
    orders = next(d for d in shop().values() if d.role == "orders")
    as_of = orders.df["ordered_at"].max().date()
    assert day(as_of, lang=lang) in [m.value for m in at.metric]
    at.text_input(key="seg_rule").set_value("country = DE and orders >= 2").run()
    assert not at.exception
    shares = [m.value for m in at.metric if m.value.endswith("%")]
    assert shares and all(("," in v) == (lang == "ru") for v in shares)
