"""Order metrics checked against hand computations on small tables."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from cxlib import orders
from cxlib.dataset import Dataset
from cxlib.definitions import DefinitionSet, RepeatDef, RevenueDef


def _ds(df: pd.DataFrame) -> Dataset:
    return Dataset.from_frame(df, "orders")


@pytest.fixture
def small():
    return _ds(pd.DataFrame({
        "order_id": ["1", "2", "3", "4", "5", "6", "7"],
        "customer_id": ["a", "a", "b", "c", "c", "d", None],
        "ordered_at": ["2024-01-05", "2024-02-10", "2024-02-11", "2024-03-01", "2024-03-20", "2024-03-21",
                       "2024-03-22"],
        "amount": [100.0, 50.0, 30.0, 20.0, 80.0, 40.0, 10.0],
        "refunded": [0.0, 50.0, None, 5.0, 0.0, 0.0, 0.0],
        "status": ["completed", "refunded", "cancelled", "partially_refunded", None, "pending", "completed"],
        "channel": ["web", "app", "web", "web", "app", "web", None],
    }))


def test_net_revenue_valid_orders_and_repeat_match_hand_computation(small):
    s = orders.summarize(small)
    # valid: 1 (100-0), 2 (50-50), 4 (20-5), 5 (status missing -> completed, 80), 7 (10) -> 5 valid orders
    assert s.valid_orders == 5 and s.orders == 7
    assert s.net_revenue == pytest.approx(100 + 0 + 15 + 80 + 10)
    assert s.aov == pytest.approx(205 / 5)
    # customers a, b, c, d (7 has none); buyers with valid orders: a (2), c (2) -> both repeat
    assert (s.customers, s.buyers, s.repeat_customers) == (4, 2, 2)
    assert s.repeat_rate == 1.0
    lo, hi = proportion_confint(2, 2, method="wilson")
    assert s.repeat_rate_ci95 == pytest.approx((lo, hi))
    assert s.first_order_at == pd.Timestamp("2024-01-05", tz="UTC")
    assert any("no customer id" in w for w in s.warnings)


def test_definition_changes_the_numbers(small):
    defs = DefinitionSet.default().replace(net_revenue=RevenueDef(("completed", "pending"), False),
                                           repeat=RepeatDef(3))
    s = orders.summarize(small, defs)
    # valid: 1, 5 (missing -> completed), 6 (pending), 7 ; no refund subtraction
    assert s.valid_orders == 4
    assert s.net_revenue == pytest.approx(100 + 80 + 40 + 10)
    assert s.repeat_customers == 0
    assert "refunds not subtracted" in s.description


def test_over_time_month_table(small):
    f = orders.over_time(small, "month").to_frame()
    assert f["period"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03"]
    assert f["orders"].tolist() == [1, 2, 4]
    assert f["valid_orders"].tolist() == [1, 1, 3]
    assert f["net_revenue"].tolist() == pytest.approx([100.0, 0.0, 105.0])
    assert f["customers"].tolist() == [1, 1, 1]


def test_by_channel_table(small):
    f = orders.by_field(small, "channel").to_frame().set_index("channel")
    assert f.loc["web", "net_revenue"] == pytest.approx(115.0)
    assert f.loc["app", "net_revenue"] == pytest.approx(80.0)
    assert f.loc["(blank)", "orders"] == 1
    assert f.index[0] == "web"          # largest net revenue first


def test_line_items_are_collapsed_to_orders():
    df = pd.DataFrame({"order_id": ["#1", "#1", "#1", "#2"], "customer_id": ["a", "a", "a", "a"],
                       "ordered_at": ["2024-01-01"] * 3 + ["2024-01-09"], "amount": [10.0, 5.0, 2.5, 4.0],
                       "status": ["completed"] * 4, "refunded": [5.0, 5.0, 5.0, 0.0]})
    s = orders.summarize(_ds(df))
    assert s.orders == 2 and s.valid_orders == 2
    assert s.net_revenue == pytest.approx(17.5 - 5 + 4)
    assert s.repeat_customers == 1
    assert any("line items" in w for w in s.warnings)


def test_unknown_status_and_currencies_warn():
    df = pd.DataFrame({"customer_id": ["a", "b"], "ordered_at": ["2024-01-01", "2024-01-02"], "amount": [1.0, 2.0],
                       "status": ["completed", "weird"], "currency": ["EUR", "USD"]})
    s = orders.summarize(_ds(df))
    assert s.valid_orders == 1
    assert any("unrecognized status" in w for w in s.warnings)
    assert any("2 currencies" in w for w in s.warnings)


def test_customer_table(small):
    t = orders.customer_table(small).set_index("customer_id")
    assert t.loc["a", "valid_orders"] == 2 and t.loc["a", "net_revenue"] == pytest.approx(100.0)
    assert t.loc["c", "net_revenue"] == pytest.approx(95.0)
    assert "b" not in t.index


def test_randomized_against_plain_python():
    rng = np.random.default_rng(7)
    n = 400
    states = np.array(["completed", "in_transit", "pending", "cancelled", "refunded", "partially_refunded"])
    df = pd.DataFrame({"order_id": [str(i) for i in range(n)],
                       "customer_id": [f"c{i}" for i in rng.integers(0, 120, n)],
                       "ordered_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
                       "amount": rng.gamma(2, 30, n).round(2), "status": rng.choice(states, n),
                       "refunded": rng.choice([0.0, 5.0], n)})
    s = orders.summarize(_ds(df))
    valid = [r for r in df.itertuples() if r.status in ("completed", "refunded", "partially_refunded")]
    assert s.valid_orders == len(valid)
    assert s.net_revenue == pytest.approx(sum(r.amount - r.refunded for r in valid))
    counts: dict[str, int] = {}
    for r in valid:
        counts[r.customer_id] = counts.get(r.customer_id, 0) + 1
    assert s.repeat_customers == sum(v >= 2 for v in counts.values())


def test_cli_contract(tmp_path, contract_problems):
    f = tmp_path / "orders.csv"
    f.write_text("order_id,customer_id,ordered_at,amount,status,refunded\n1,a,2024-01-01,10,completed,0\n"
                 "2,a,2024-02-01,20,refunded,20\n3,b,2024-02-03,5,cancelled,0\n")
    assert contract_problems("orders", str(f)) == []
    import subprocess
    import sys
    out = json.loads(subprocess.run([sys.executable, "-m", "cxlib", "orders", str(f), "--json"],
                                    capture_output=True, text=True, check=True).stdout)
    assert (out["orders"], out["valid_orders"], out["net_revenue"], out["repeat_customers"]) == (3, 2, 10.0, 1)
    assert out["first_order_at"].startswith("2024-01-01")
