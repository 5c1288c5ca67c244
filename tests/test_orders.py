"""Order metrics checked against hand computations on small tables."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from cxlib.analyses import orders
from cxlib.data.loader import from_frame
from cxlib.data.dataset import Dataset
from cxlib.core.definitions import DefinitionSet, RepeatDef, RevenueDef


def _ds(df: pd.DataFrame) -> Dataset:
    return from_frame(df, "orders")


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


@pytest.mark.slow
def test_cli_contract(tmp_path, contract_problems):
    f = tmp_path / "orders.csv"
    f.write_text("order_id,customer_id,ordered_at,amount,status,refunded\n1,a,2024-01-01,10,completed,0\n")
    assert contract_problems("orders", str(f)) == []


def test_cli_values(tmp_path, capsys):
    from cxlib.cli.main import main
    f = tmp_path / "orders.csv"
    f.write_text("order_id,customer_id,ordered_at,amount,status,refunded\n1,a,2024-01-01,10,completed,0\n"
                 "2,a,2024-02-01,20,refunded,20\n3,b,2024-02-03,5,cancelled,0\n")
    assert main(["orders", str(f), "--by", "status", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["orders"], out["valid_orders"], out["net_revenue"], out["repeat_customers"]) == (3, 2, 10.0, 1)
    assert out["first_order_at"].startswith("2024-01-01")
    assert {r["status"]: r["orders"] for r in out["by"]} == {"completed": 1, "refunded": 1, "cancelled": 1}


# --- end to end: export-shaped files (tests/exports.py) through the loader --------------------------
def _load(data: bytes, name: str, mapping: dict | None = None) -> Dataset:
    exports = pytest.importorskip("tests.exports")
    assert exports
    from cxlib.data.loader import load_bytes
    return load_bytes(data, name, role="orders", mapping=mapping)


def test_shopify_line_items_net_revenue_by_hand():
    from tests import exports
    s = orders.summarize(_load(exports.shopify_orders(), "orders_export.csv"))
    # 9 line rows -> 5 orders; valid: #1001 paid 29.90, #1002 refunded 15.00 - 15.00, #1003 partially
    # refunded 60.00 - 20.00; #1004 voided (cancelled) and #1005 pending are not valid
    assert (s.orders, s.valid_orders, s.customers) == (5, 3, 4)
    assert s.net_revenue == pytest.approx(29.90 + 0.0 + 40.0)
    assert s.repeat_customers == 0                 # anna's second order (#1005) is pending
    assert s.first_order_at == pd.Timestamp("2024-03-05 13:03:11", tz="UTC")
    assert s.currency == "EUR"


def test_taobao_gbk_net_revenue_by_hand():
    from tests import exports
    ds = _load(exports.taobao_orders(), "ExportOrderList.csv")
    s = orders.summarize(ds)
    # valid: ...0001 交易成功 128.00; ...0005 refunded 88.00 - 88.00; ...0006 partially refunded 100 - 10
    assert (s.orders, s.valid_orders, s.customers) == (6, 3, 4)
    assert s.net_revenue == pytest.approx(128.0 + 0.0 + 90.0)
    assert s.repeat_customers == 1                 # 小明: 0001 and 0006
    assert s.first_order_at == pd.Timestamp("2024-03-05 06:03:11", tz="UTC")
    assert "3712345678901230006" in set(ds.df["order_id"])   # 19-digit ids kept exactly


def _ozon_mapping() -> dict:
    from tests import exports
    from cxlib.data import io as cxio
    from cxlib.data import detection
    det = detection.detect(cxio.read_table(exports.ozon_postings(), "postings.csv"), role="orders")
    # Ozon postings carry no buyer id: every posting here goes to one delivery region = one "customer"
    return {**det.mapping, "customer_id": "Регион доставки"}


def test_ozon_cp1251_net_revenue_by_hand():
    from tests import exports
    s = orders.summarize(_load(exports.ozon_postings(), "postings.csv", _ozon_mapping()))
    # 4 orders: 0001 Доставлен 1 299,00 + 450,00 (two postings); 0002 Доставляется (in transit);
    # 0003 Отменён; 0004 Ожидает сборки (pending) -> only 0001 is valid
    assert (s.orders, s.valid_orders) == (4, 1)
    assert s.net_revenue == pytest.approx(1749.00)
    assert s.status_counts == {"completed": 1, "in_transit": 1, "cancelled": 1, "pending": 1}
    assert s.first_order_at == pd.Timestamp("2024-03-05 11:03:11", tz="UTC")


def test_ozon_loads_without_a_mapping():
    from tests import exports
    assert orders.summarize(_load(exports.ozon_postings(), "postings.csv")).net_revenue == pytest.approx(1749.0)


def test_same_definitions_json_gives_same_numbers_in_cli_and_library(tmp_path, capsys):
    from cxlib.cli.main import main
    from tests import exports
    f = tmp_path / "ExportOrderList.csv"
    f.write_bytes(exports.taobao_orders())
    defs = DefinitionSet.default().replace(net_revenue=RevenueDef(("completed", "in_transit"), False))
    p = tmp_path / "defs.json"
    p.write_text(defs.dumps(), encoding="utf-8")
    assert main(["orders", str(f), "--definitions", str(p), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    lib = orders.summarize(_load(exports.taobao_orders(), "ExportOrderList.csv"), defs)
    # completed ...0001 (128.00) + in_transit ...0002 (59.90); the partially refunded ...0006 no longer counts
    assert out["net_revenue"] == round(lib.net_revenue, 2) == pytest.approx(128.0 + 59.90)
    assert out["valid_orders"] == lib.valid_orders == 2


def test_orders_without_customer_ids_still_give_revenue():
    df = pd.DataFrame({"order_id": ["1", "2"], "ordered_at": ["2024-01-01", "2024-01-02"], "amount": [5.0, 7.0]})
    ds = Dataset(name="x.csv", role="orders", df=from_frame(df.assign(customer_id=None), "orders").df
                 .drop(columns="customer_id"), mapping={})
    s = orders.summarize(ds)
    assert (s.orders, s.valid_orders, s.customers, s.repeat_customers) == (2, 2, 0, 0)
    assert s.net_revenue == pytest.approx(12.0)
    assert any("does not identify customers" in w for w in s.warnings)
    from cxlib.analyses import scorecard
    assert {t.metric for t in scorecard.build([ds]).tiles} >= {"net_revenue", "aov"}
    assert scorecard.build([ds]).tile("repeat_rate") is None


# --- real public data: UCI Online Retail (30k line-item sample) ----------------------------------------
def _uci_raw() -> pd.DataFrame:
    from tests.conftest import real_file
    path = real_file("online_retail", "online_retail_sample30k.csv.gz")
    return pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str})


@pytest.mark.slow
def test_uci_line_items_collapse_matches_plain_python_reference():
    raw = _uci_raw()
    lines = pd.DataFrame({
        "order_id": raw["InvoiceNo"], "customer_id": raw["CustomerID"].str.replace(r"\.0$", "", regex=True),
        "ordered_at": raw["InvoiceDate"], "amount": raw["Quantity"] * raw["UnitPrice"],
        "status": raw["InvoiceNo"].str.startswith("C").map({True: "cancelled", False: "completed"}),
        "country": raw["Country"]})
    s = orders.summarize(_ds(lines))
    # reference: plain dicts over the raw rows
    totals: dict[str, float] = {}
    owner: dict[str, str] = {}
    for inv, cust, q, p in zip(raw["InvoiceNo"], raw["CustomerID"], raw["Quantity"], raw["UnitPrice"]):
        totals[inv] = totals.get(inv, 0.0) + q * p
        if isinstance(cust, str):
            owner[inv] = cust
    valid = [inv for inv in totals if not inv.startswith("C")]
    per_customer: dict[str, int] = {}
    for inv in valid:
        if inv in owner:
            per_customer[owner[inv]] = per_customer.get(owner[inv], 0) + 1
    assert s.orders == len(totals)
    assert s.valid_orders == len(valid)
    assert s.net_revenue == pytest.approx(sum(totals[i] for i in valid), rel=1e-9)
    assert s.repeat_customers == sum(n >= 2 for n in per_customer.values())
    assert s.customers == raw["CustomerID"].nunique() == 3569                       # SOURCE.md
    assert any("line items" in w for w in s.warnings)


@pytest.mark.slow
def test_uci_loads_and_matches_the_reference_through_the_loader():
    from tests.conftest import real_file
    from cxlib.data.loader import load_path
    path = real_file("online_retail", "online_retail_sample30k.csv.gz")
    raw = _uci_raw()
    s = orders.summarize(load_path(path, role="orders"))
    ok = ~raw["InvoiceNo"].str.startswith("C")
    assert s.valid_orders == raw.loc[ok, "InvoiceNo"].nunique()
    assert s.net_revenue == pytest.approx((raw.loc[ok, "Quantity"] * raw.loc[ok, "UnitPrice"]).sum(), rel=1e-6)


# ---- regressions found by an independent review (hand-computed expectations) -----------------------
def _summ(csv: str):
    from cxlib.data.loader import load_bytes
    return orders.summarize(load_bytes(csv.encode(), "review.csv", role="orders"))


def test_cancelled_order_with_partial_refund_adds_no_revenue():
    s = _summ("order_id,customer_id,ordered_at,amount,refunded,status\n"
              "1,a,2024-01-01,100,0,completed\n2,a,2024-01-02,40,10,cancelled\n")
    assert (s.valid_orders, s.net_revenue, s.repeat_customers) == (1, 100.0, 0)


def test_unknown_status_is_not_a_valid_order_but_chinese_variants_are_known():
    s = _summ("order_id,customer_id,ordered_at,amount,status\n1,a,2024-01-01,30,交易成功\n"
              "2,a,2024-01-02,30,\"卖家已发货，等待买家确认收货\"\n3,b,2024-01-03,50,awaiting pickup\n")
    assert (s.valid_orders, s.net_revenue, s.repeat_customers) == (1, 30.0, 0)
    assert s.status_counts == {"completed": 1, "in_transit": 1, "unknown": 1}


def test_rows_without_order_id_stay_separate_orders():
    s = _summ("order_id,customer_id,ordered_at,amount\n1,a,2024-01-01,10\n,c,2024-01-03,7\n,c,2024-01-04,8\n"
              "2,d,2024-01-05,1\n")
    assert (s.orders, s.repeat_customers, s.net_revenue) == (4, 1, 26.0)


def test_refunded_order_without_refund_column_nets_zero_and_partial_is_warned():
    from cxlib.data.loader import load_bytes
    ds = load_bytes(b"order_id,customer_id,ordered_at,amount,status\n1,a,2024-01-01,100,refunded\n"
                    b"2,b,2024-01-02,50,completed\n3,c,2024-01-03,80,partially_refunded\n", "r.csv", role="orders")
    assert orders.summarize(ds).net_revenue == 130.0
    assert any("partially refunded" in w and "overstated" in w for w in ds.warnings)


# --------------------------------------------------------------------------------- translatable text
def test_warnings_and_summary_are_msg_templates_with_values():
    from cxlib.core.messages import Msg
    df = pd.DataFrame({"order_id": ["1", "2", "3"], "customer_id": ["a", None, "b"],
                       "ordered_at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
                       "amount": [10.0, 20.0, 5.0], "status": ["completed", "completed", "lost"],
                       "currency": ["EUR", "EUR", "USD"]})
    s = orders.summarize(_ds(df))
    status = next(w for w in s.warnings if "unrecognized status" in w)
    assert isinstance(status, Msg) and status.params == {"count": 1, "examples": "'lost'"}
    cur = next(w for w in s.warnings if "currencies" in w)
    assert cur.template.startswith("Orders are in {count} currencies ({currencies})") and cur.params["count"] == 2
    text = s.summary()
    assert isinstance(text, Msg) and text.params["currency"] == "EUR" and text.params["net_revenue"] == 30.0
    assert "{net_revenue:,.2f} {currency}" in text.template          # a number: formatted by the locale
    assert isinstance(s.description, Msg)                               # the definition sentence
    assert orders.over_time(_ds(df)).summary().template == "Orders by period: {rows} rows."
