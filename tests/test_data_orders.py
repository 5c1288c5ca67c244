"""The one valid-orders / net-revenue rule (cxlib.data.orders): pandas and the engine agree, numbers by
hand, and every analysis that counts valid orders or adds net revenue agrees with it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cxlib as cx
from cxlib.analyses import churn as churn_mod
from cxlib.analyses import clv, experiment_units, retention, segments
from cxlib.analyses import orders as orders_mod
from cxlib.core.definitions import DefinitionSet, RevenueDef
from cxlib.core.periods import ChurnSpec, CohortSpec
from cxlib.core.statuses import ORDER_STATUSES
from cxlib.data import engine
from cxlib.data.orders import order_expr, order_frame, rule_notes, valid_orders, valid_orders_expr
from tests.conftest import SAMPLE

T0 = pd.Timestamp("2024-01-01", tz="UTC")


def lines() -> pd.DataFrame:
    """A small line-item export: order A has three lines (status and customer on some lines only, the
    refund repeated on each), B is cancelled, a row without an order id, C refunded, D without amount."""
    return pd.DataFrame({
        "order_id": ["A", "A", "A", "B", None, "C", "D", "E"],
        "customer_id": [None, "x", "x", "y", "z", "z", "x", "y"],
        "ordered_at": [T0, T0, T0, T0 + pd.Timedelta(days=1), T0 + pd.Timedelta(days=2), T0 + pd.Timedelta(days=3),
                       T0 + pd.Timedelta(days=4), T0 + pd.Timedelta(days=5)],
        "amount": [10.0, 5.0, None, 7.0, 3.0, 9.0, None, 20.0],
        "refunded": [2.0, 2.0, 2.0, None, None, 9.0, 1.0, 5.0],
        "status": [None, "completed", None, "cancelled", None, "refunded", "completed", "partially_refunded"]})


def _engine(df, defs=None, extra=None) -> pd.DataFrame:
    return engine.execute(order_expr(df, defs, extra)).sort_values("_row").reset_index(drop=True)


def _same(got: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert got["_row"].tolist() == ref["_row"].tolist()
    for col in ("order_id", "customer_id", "status"):
        assert got[col].astype("string").fillna("~").tolist() == ref[col].astype("string").fillna("~").tolist(), col
    assert got["valid"].astype(bool).tolist() == ref["valid"].tolist()
    np.testing.assert_allclose(got["net"].to_numpy(float), ref["net"].to_numpy(float))
    np.testing.assert_allclose(got["amount"].to_numpy(float), ref["amount"].to_numpy(float))   # NaN == NaN
    assert (pd.to_datetime(got["ordered_at"], utc=True) == ref["ordered_at"]).all()


# ---- by hand -------------------------------------------------------------------------------------------
def test_line_items_by_hand():
    f = order_frame(lines())
    # A = 10 + 5 (+ empty) - refund 2 once = 13, customer x (first line that has one), status completed;
    # B cancelled; the row without id is an order (completed, 3); C refunded 9 - 9 = 0; D no amount -> 0;
    # E partially refunded 20 - 5 = 15
    assert f["order_id"].fillna("~").tolist() == ["A", "B", "~", "C", "D", "E"]
    assert f["customer_id"].tolist() == ["x", "y", "z", "z", "x", "y"]
    assert f["status"].tolist() == ["completed", "cancelled", "completed", "refunded", "completed",
                                    "partially_refunded"]
    assert f["valid"].tolist() == [True, False, True, True, True, True]
    assert f["amount"].fillna(-1).tolist() == [15.0, 7.0, 3.0, 9.0, -1, 20.0]
    assert f["net"].tolist() == [13.0, 7.0, 3.0, 0.0, 0.0, 15.0]
    v = valid_orders(lines())
    assert len(v) == 5 and v["net"].sum() == 31.0 and "valid" not in v.columns
    notes = rule_notes(f, len(lines()))
    assert [n.params.get("count") for n in notes] == [2, 1]          # 2 repeated lines; D has no amount


def test_custom_revenue_definition_by_hand():
    rev = RevenueDef(("completed", "cancelled"), subtract_refunds=False)
    f = order_frame(lines(), DefinitionSet.default().replace(net_revenue=rev))
    assert f["valid"].tolist() == [True, True, True, False, True, False]
    assert f.loc[f["valid"], "net"].tolist() == [15.0, 7.0, 3.0, 0.0]            # refunds kept in
    assert order_frame(lines(), rev)["valid"].tolist() == f["valid"].tolist()    # a RevenueDef works as well


@pytest.mark.parametrize("status", [*ORDER_STATUSES, None, "unknown", "  Refunded "])
def test_every_status_alone_pandas_and_engine(status):
    df = pd.DataFrame({"order_id": ["1"], "customer_id": ["a"], "ordered_at": [T0], "amount": [10.0],
                       "refunded": [4.0], "status": [status]})
    ref = order_frame(df)
    canonical = "completed" if status is None else status.strip().lower()
    assert ref["status"].tolist() == [canonical]
    assert ref["valid"].tolist() == [canonical in ("completed", "refunded", "partially_refunded")]
    _same(_engine(df), ref)


def test_extra_columns_combine_the_same_way():
    df = lines().assign(channel=["web", "app", None, "web", "app", "app", None, "web"], qty=[1, 2, 3, 1, 1, 1, 1, 2])
    how = {"channel": "first", "qty": "sum"}
    ref = order_frame(df, extra=how)
    got = _engine(df, extra={"channel": "channel", "qty": (lambda t: t.qty, "sum")})
    assert ref["channel"].tolist()[:2] == ["web", "web"] and ref["qty"].tolist()[0] == 6
    assert got["channel"].fillna("~").tolist() == ref["channel"].fillna("~").tolist()
    assert got["qty"].tolist() == ref["qty"].tolist()


def test_engine_agrees_on_line_items_and_the_sample_shop():
    _same(_engine(lines()), order_frame(lines()))
    ds = cx.load(SAMPLE / "orders_shopify.csv")
    _same(_engine(ds.df), order_frame(ds.df))
    got = engine.execute(valid_orders_expr(ds.df))
    assert len(got) == 2401 and round(float(got["net"].sum()), 2) == 139889.34   # tests/test_sample_data.py facts


# ---- random frames ---------------------------------------------------------------------------------------
STATUS = st.sampled_from([*ORDER_STATUSES, None, "unknown", " Completed", "REFUNDED "])
MONEY = st.one_of(st.none(), st.integers(0, 10_000).map(lambda c: c / 100))
ROW = st.tuples(st.sampled_from(["1", "2", "3", "4", None]), st.sampled_from(["a", "b", None]),
                st.integers(0, 20), MONEY, MONEY, STATUS)
REVENUE = st.builds(RevenueDef, st.lists(st.sampled_from(ORDER_STATUSES), min_size=1, max_size=6, unique=True)
                    .map(tuple), st.booleans())


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(ROW, min_size=1, max_size=12), rev=REVENUE)
def test_pandas_and_engine_agree_on_random_frames(rows, rev):
    df = pd.DataFrame(rows, columns=["order_id", "customer_id", "day", "amount", "refunded", "status"])
    df["ordered_at"] = T0 + pd.to_timedelta(df.pop("day"), unit="D")
    df = df.astype({"order_id": "string", "customer_id": "string", "status": "string",
                    "amount": "float64", "refunded": "float64"})
    ref = order_frame(df, rev)
    _same(_engine(df, rev), ref)
    # independent: one order per id (and per id-less row), valid by status, net by the documented rule
    keys = df["order_id"].fillna(pd.Series([f"~{i}" for i in range(len(df))], index=df.index, dtype="string"))
    assert len(ref) == keys.nunique()
    for key, g in df.groupby(keys, sort=False):
        status = g["status"].dropna()
        status = status.iloc[0].strip().lower() if len(status) else "completed"
        amount = g["amount"].sum(min_count=1)
        refund = g["refunded"].max() if rev.subtract_refunds and g["refunded"].notna().any() else 0.0
        row = ref[ref["_row"] == g.index.min()].iloc[0]
        assert row["valid"] == (status in rev.valid_statuses)
        assert row["net"] == pytest.approx(0.0 if pd.isna(amount) else amount - refund)


# ---- every analysis agrees ---------------------------------------------------------------------------------
def _files():
    paths = sorted(SAMPLE.glob("**/*orders*.csv"))
    assert len(paths) >= 3
    return [(p.name, cx.load(p)) for p in paths] + [("lines", cx.from_frame(lines(), "orders"))]


@pytest.mark.parametrize("name,ds", _files(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_analysis_counts_the_same_valid_orders_and_net_revenue(name, ds):
    rule = valid_orders(ds)
    rule = rule[rule["customer_id"].notna() & rule["ordered_at"].notna()]       # what customer analyses can use
    n, net = len(rule), round(float(rule["net"].sum()), 2)
    ours = orders_mod.summarize(ds)
    if name != "lines":                                      # every sample order has a customer and a date
        assert (ours.valid_orders, round(ours.net_revenue, 2)) == (n, net)
    per = orders_mod.customer_table(ds)
    assert (int(per["valid_orders"].sum()), round(float(per["net_revenue"].sum()), 2)) == (n, net)
    rfm = segments.compute_rfm(ds).customers
    assert (int(rfm["orders"].sum()), round(float(rfm["net_revenue"].sum()), 2)) == (n, net)
    vo = retention.valid_orders(ds).orders
    assert (len(vo), round(float(vo["net"].sum()), 2)) == (n, net)
    end = (rule["ordered_at"].max() + pd.Timedelta(days=400)).date().isoformat()
    gone = churn_mod.churn_list(ds, ChurnSpec(inactive_days=1, as_of=end), 0).to_frame()   # everyone churned
    assert (int(gone["orders"].sum()), round(float(gone["net_revenue"].sum()), 2)) == (n, net)
    cohorts = retention.cohort_table(ds, CohortSpec()).table
    assert int(cohorts.loc[cohorts["period"] == 0, "customers"].sum()) == rule["customer_id"].nunique()
    hist = clv.historical_clv(ds).customers
    assert (int(hist["orders"].sum()), round(float(hist["net_revenue"].sum()), 2)) == (n, net)
    units = pd.DataFrame({"unit_id": rule["customer_id"].unique()}).assign(
        exposed_at=pd.Timestamp(end, tz="UTC"))
    assert round(float(experiment_units.pre_period_revenue(units, ds).sum()), 2) == net


def test_line_item_file_figures_by_hand():
    ds = cx.from_frame(lines(), "orders")
    s = orders_mod.summarize(ds)
    assert (s.orders, s.valid_orders, s.net_revenue) == (6, 5, 31.0)
    assert len(retention.valid_orders(ds).orders) == 5          # was 6 line rows before the one rule
