"""cxlib.analyses.retention_engine: retention, churn, RFM and CLV statistics from per-customer aggregates.

The oracle is the careful path (the file read into pandas): on a large table kept in its Parquet file
(``ds.aggregate_on_engine``) every analysis gives exactly the careful result's JSON, and reads no pandas copy
of the table (``ds.on_engine`` stays True).
"""
from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib.analyses.churn import churn_list, churn_trend
from cxlib.analyses.clv import CLVSpec, historical_clv, predict_clv, rfm_summary
from cxlib.analyses.retention import (
    ChurnSpec,
    CohortSpec,
    churn_rate,
    cohort_table,
    retention_rate,
)
from cxlib.analyses.segments import RFMSpec, compute_rfm
from cxlib.core.errors import CxDataError
from cxlib.data import engine as engine_module
from tests.engine_pairs import orders_pair
from tests.test_canonical import as_json, both, orders_frame, write_csv


@pytest.fixture(autouse=True)
def _engine(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CX_ENGINE_ANALYSIS_MIN_ROWS", "0")       # else a table this small computes in pandas


def messy_orders(seed: int = 21) -> pd.DataFrame:
    """Orders over 400 days: cancelled, pending, refunded and unknown statuses, blank customers, missing
    amounts and dates, a few big spenders and many one-order customers (ties in every quintile)."""
    df = orders_frame(seed=seed)
    df.loc[df.index % 11 == 0, "customer_id"] = ""
    df.loc[df.index % 13 == 0, "total"] = np.nan
    df.loc[df.index % 17 == 0, "created_at"] = ""
    df["email"] = np.where(df.index % 3 == 0, "", "m" + (df.index % 50).astype(str) + "@x.org")
    return df


@pytest.fixture(scope="module", params=["file", "frame"])
def datasets(request, tmp_path_factory):
    """(engine Dataset, careful Dataset) of one messy orders file: converted by the engine ("file"), or the
    careful frame with unrecognized statuses (the engine declines such files) written to Parquet ("frame")."""
    return orders_pair(request.param, tmp_path_factory.mktemp("orders"), messy_orders())


def same(engine, careful, fn, *, rel: float = 0.0) -> str:
    """``fn``'s JSON on the engine Dataset, checked equal to the careful one's, with no pandas copy made.
    ``rel``: numbers may differ by this relative amount (an unrounded mean of per-customer money, which the
    engine sums exactly and pandas in floats, can differ in its last digit); everything else is identical."""
    assert engine.aggregate_on_engine
    a, b = as_json(fn(engine)), as_json(fn(careful))
    assert engine.on_engine                                # the analysis never read the table into pandas
    if rel:
        x, y = nested(json.loads(a)), nested(json.loads(b))
        assert x.keys() == y.keys()
        for k in x:
            num = isinstance(x[k], float) and isinstance(y[k], float)
            assert x[k] == pytest.approx(y[k], rel=rel, abs=0) if num else x[k] == y[k], k
    else:
        assert a == b
    return a


def nested(x, key: str = "") -> dict:
    """A JSON value flattened to {path: leaf}, for approximate comparison."""
    if isinstance(x, dict):
        return {k: v for name, item in x.items() for k, v in nested(item, f"{key}/{name}").items()}
    if isinstance(x, list):
        return {k: v for i, item in enumerate(x) for k, v in nested(item, f"{key}/{i}").items()}
    return {key: x}


@pytest.mark.parametrize("spec", [CohortSpec(), CohortSpec(period="week", max_periods=30),
                                  CohortSpec(max_periods=3)], ids=["month", "week", "short"])
def test_cohorts_on_the_engine_equal_the_careful_ones(datasets, spec):
    out = same(*datasets, lambda d: cohort_table(d, spec))
    assert "without a customer or an order date" in out and "no amount" in out
    assert ("unrecognized status (e.g. 'on hold?')" in out) == bool((datasets[1].df["status"] == "on hold?").any())


@pytest.mark.parametrize("spec", [ChurnSpec(), ChurnSpec(inactive_days=60, as_of="2025-09-30"),
                                  ChurnSpec(inactive_days=30, as_of="2027-01-01"),
                                  ChurnSpec(as_of="2025-01-20")], ids=["default", "as_of", "after", "early"])
def test_churn_and_retention_rates_on_the_engine_equal_the_careful_ones(datasets, spec):
    same(*datasets, lambda d: churn_rate(d, spec))
    same(*datasets, lambda d: retention_rate(d, spec))


@pytest.mark.parametrize("freq", ["month", "week"])
def test_churn_trend_on_the_engine_equals_the_careful_one(datasets, freq):
    out = same(*datasets, lambda d: churn_trend(d, ChurnSpec(inactive_days=45), freq))
    assert '"points": [{' in out


def test_a_table_without_valid_orders_gets_the_careful_error(tmp_path):
    df = messy_orders()
    df["status"], df["refunded"] = "cancelled", np.nan
    path = tmp_path / "orders.csv"
    write_csv(path, df)
    engine, careful = both(path)
    errors = []
    for ds in (engine, careful):
        with pytest.raises(CxDataError) as err:
            cohort_table(ds)
        errors.append(str(err.value))
    assert errors[0] == errors[1] and "no valid order" in errors[0]


@pytest.mark.parametrize("spec", [RFMSpec(), RFMSpec(quintile_method="rank"), RFMSpec(as_of=date(2025, 10, 1))],
                         ids=["ties", "rank", "as_of"])
def test_rfm_on_the_engine_equals_the_careful_one(datasets, spec):
    engine, careful = datasets
    out = same(engine, careful, lambda d: compute_rfm(d, spec))
    a, b = compute_rfm(engine, spec), compute_rfm(careful, spec)
    # money per customer: both paths sum it exactly, in millionths, so the tables are the same to the last bit
    pd.testing.assert_frame_equal(a.customers, b.customers, check_exact=True)
    assert len(a.orders) == 0 and engine.on_engine                       # no order rows came back: they stay
    kept = a.order_values().table()                                      # on the engine, the same orders
    got = engine_module.execute(kept.order_by(["customer_id", "net"]))
    want = b.order_values()[["customer_id", "net"]].sort_values(["customer_id", "net"]).reset_index(drop=True)
    assert got["customer_id"].tolist() == want["customer_id"].tolist() and got["net"].tolist() == want["net"].tolist()
    assert "left out of RFM" in out


def test_rfm_on_the_engine_gives_the_careful_errors(tmp_path):
    path = tmp_path / "orders.csv"
    write_csv(path, messy_orders())
    engine, careful = both(path)
    errors = []
    for ds in (engine, careful):
        with pytest.raises(CxDataError) as err:
            compute_rfm(ds, RFMSpec(as_of=date(2024, 6, 1)))
        errors.append(str(err.value))
    assert errors[0] == errors[1] and "on or before 2024-06-01" in errors[0]


@pytest.mark.parametrize("by", [None, "country", "amount", "ordered_at"])       # text, a number, a time
def test_historical_clv_on_the_engine_equals_the_careful_one(datasets, by):
    engine, careful = datasets
    if by in (None, "country"):
        same(engine, careful, lambda d: historical_clv(d, by=by))
    else:            # the segment is the value as pandas writes it; many one-customer segments: money to the cent
        a, b = ({g["segment"]: g for g in historical_clv(d, by=by).to_json()["segments"]} for d in (engine, careful))
        assert {k: g["customers"] for k, g in a.items()} == {k: g["customers"] for k, g in b.items()}
        assert {k: g["net_revenue"] for k, g in a.items()} == pytest.approx({k: g["net_revenue"] for k, g in b.items()},
                                                                            abs=0.011)      # order: ties may swap
        assert engine.on_engine
    a, b = historical_clv(engine, by=by).customers, historical_clv(careful, by=by).customers
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)          # money: exact sum vs float sum
    pd.testing.assert_frame_equal(a.drop(columns="net_revenue"), b.drop(columns="net_revenue"), check_exact=True)


@pytest.mark.parametrize("spec", [CLVSpec(), CLVSpec(count_per="week"), CLVSpec(calibration_end="2025-06-30")],
                         ids=["day", "week", "calibration"])
def test_bgnbd_inputs_on_the_engine_equal_the_careful_ones(datasets, spec):
    engine, careful = datasets
    a, b = rfm_summary(engine, spec), rfm_summary(careful, spec)
    assert engine.on_engine
    assert list(a.index) == list(b.index)                                # customers in the same (file) order
    pd.testing.assert_frame_equal(a.drop(columns="monetary_value"), b.drop(columns="monetary_value"), check_exact=True)
    pd.testing.assert_series_equal(a["monetary_value"], b["monetary_value"], check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("spec", [CLVSpec(), CLVSpec(calibration_end="2025-11-30", time_unit="day")],
                         ids=["default", "calibration"])
def test_predicted_clv_on_the_engine_equals_the_careful_one(datasets, spec):
    """BG/NBD sees identical inputs, so its fit is identical; the Gamma-Gamma spend model's inputs (mean repeat
    spend) differ by 1e-15 (exact sums against float sums) and its flat likelihood lets the optimizer stop
    up to ~1e-6 apart (relative), and on random data may stop one side short of its convergence test: its
    parameters are compared with a tolerance of 1e-5, its ``converged`` flag not at all."""
    engine, careful = datasets
    a, b = predict_clv(engine, spec).to_json(), predict_clv(careful, spec).to_json()
    assert engine.on_engine
    assert a["bgnbd"] == b["bgnbd"] and a["expected_purchases_total"] == b["expected_purchases_total"]
    ga, gb = a.pop("gamma_gamma"), b.pop("gamma_gamma")
    assert {k: ga[k] for k in "pqv"} == pytest.approx({k: gb[k] for k in "pqv"}, rel=1e-5) and ga["n"] == gb["n"]
    assert a.pop("predicted_clv_total") == pytest.approx(b.pop("predicted_clv_total"), rel=1e-5)
    assert a == b


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 40), st.integers(-500, 50_000),
                          st.sampled_from(["x", None, "y"])), min_size=1, max_size=40))
def test_per_customer_aggregates_equal_pandas_groupby(rows):
    """customer_frame (the engine's per-customer aggregates) against pandas's groupby on any orders: counts,
    exact money sums, first/last order, the latest value that is not empty and the value on the first order."""
    import ibis

    from cxlib.analyses.retention_engine import customer_frame
    df = pd.DataFrame(rows, columns=["customer_id", "day", "cents", "tag"]).assign(
        ordered_at=lambda d: pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(d["day"] * 7, unit="h"),
        net=lambda d: d["cents"] / 100, _row=lambda d: np.arange(len(d), dtype="int64"))
    df = df.astype({"customer_id": "string", "tag": "string", "ordered_at": "datetime64[us, UTC]"})
    got = customer_frame(ibis.memtable(df[["customer_id", "ordered_at", "net", "_row", "tag"]]), ("tag",))
    srt = df.sort_values("ordered_at", kind="mergesort")
    g = srt.groupby("customer_id", sort=True)
    want = pd.DataFrame({"orders": g.size(), "net_revenue": g["net"].sum(), "first_order_at": g["ordered_at"].min(),
                         "last_order_at": g["ordered_at"].max(), "tag": g["tag"].last()}).reset_index()
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    assert got["orders"].tolist() == want["orders"].tolist() and got["tag"].tolist() == want["tag"].tolist()
    assert (got["first_order_at"].tolist(), got["last_order_at"].tolist()) == (
        want["first_order_at"].tolist(), want["last_order_at"].tolist())
    exact = df.groupby("customer_id", sort=True)["cents"].sum().to_numpy() / 100      # integer cents: exact
    assert got["net_revenue"].tolist() == exact.tolist()
    assert got["net_revenue"].to_numpy() == pytest.approx(want["net_revenue"].to_numpy(), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("spec,at_risk", [(ChurnSpec(), None), (ChurnSpec(inactive_days=60, as_of="2025-09-30"), 20),
                                          (ChurnSpec(inactive_days=30, as_of="2027-01-01"), 0)],
                         ids=["default", "as_of", "after"])
def test_churn_list_on_the_engine_equals_the_careful_one(datasets, spec, at_risk):
    """Per-customer aggregates on the engine, the e-mail of the listed customers' last valid orders fetched by
    row number: the same list, in the same order, with the same money (summed exactly on both paths)."""
    engine, careful = datasets
    out = same(engine, careful, lambda d: churn_list(d, spec, at_risk))
    a, b = churn_list(engine, spec, at_risk).table, churn_list(careful, spec, at_risk).table
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert engine.on_engine and "email" in a.columns and a["email"].notna().any() and a["email"].isna().any()
    assert '"churned": {"customers": 0' not in out
