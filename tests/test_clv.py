"""Tests for cxlib.analyses.clv and clv_models: RFM summary, BG/NBD, Gamma-Gamma, historical and predictive CLV.

Oracles: the CDNOW files shipped with lifetimes 0.11.3 (../shared/data/real/cdnow), the published
estimates of Fader, Hardie & Lee (BG/NBD 2005: r 0.243, alpha 4.414, a 0.793, b 2.426, LL -9582.4;
Gamma-Gamma: p 6.25, q 3.74, v 15.44), reference numbers printed by lifetimes 0.11.3 (not a
dependency: the values are pasted below), closed forms evaluated by hand, numerical integration
with scipy, and simulation from the model.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from cxlib.analyses.clv import CLVSpec, historical_clv, predict_clv, rfm_summary, summarize_transactions
from cxlib.analyses.clv_models import (BGNBD, GammaGamma, bgnbd_log_likelihood, fit_bgnbd, fit_gamma_gamma,
                                       gamma_gamma_log_likelihood)
from cxlib.data.loader import from_frame
from cxlib.data.dataset import Dataset
from cxlib.core.errors import CxDataError

CDNOW = Path(__file__).resolve().parents[2] / "shared/data/real/cdnow"
PUBLISHED = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=math.nan, n=0, converged=True)


def _need(name: str) -> Path:
    path = CDNOW / name
    if not path.exists():
        pytest.skip(f"real data absent: {path}")
    return path


@pytest.fixture(scope="module")
def cdnow_tx() -> pd.DataFrame:
    """CDNOW_sample.txt: customer_id, customer_index, yyyymmdd, cds, dollars (no header)."""
    df = pd.read_csv(_need("CDNOW_sample.txt"), sep=r"\s+", header=None,
                     names=["customer_id", "index", "date", "cds", "dollars"],
                     dtype={"customer_id": str, "index": str, "date": str})
    df["ordered_at"] = pd.to_datetime(df["date"], format="%Y%m%d", utc=True)
    return df


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    return pd.read_csv(_need("cdnow_customers_summary.csv"))


@pytest.fixture(scope="module")
def cdnow_calibration(cdnow_tx) -> pd.DataFrame:
    out = summarize_transactions(cdnow_tx, "index", "ordered_at", "dollars", calibration_end="1997-09-30",
                                 time_unit="week", count_per="day")
    out.index = out.index.astype(int)
    return out


# ---------------------------------------------------------------------------------------------- summary
def test_summary_reproduces_cdnow_customers_summary_csv(cdnow_calibration, cdnow_summary):
    # Convention found: purchases counted once per DAY, recency and T = days / 7, calibration end
    # 1997-09-30 inclusive (lifetimes freq="D", freq_multiplier=7). Weekly periods (freq="W") give
    # integer weeks and 151 different frequencies instead.
    got = cdnow_calibration.loc[cdnow_summary["ID"]]
    assert len(got) == 2357
    assert (got["frequency"].to_numpy() == cdnow_summary["frequency"].to_numpy()).all()
    assert np.abs(got["recency"].round(2).to_numpy() - cdnow_summary["recency"].to_numpy()).max() < 1e-9
    assert np.abs(got["T"].round(2).to_numpy() - cdnow_summary["T"].to_numpy()).max() < 1e-9


def test_summary_monetary_value_by_hand(cdnow_calibration):
    # customer 0001 (id 00004): 1997-01-01 $29.33 (first), 01-18 $29.73, 08-02 $14.96; 12-12 is after calibration
    row = cdnow_calibration.loc[1]
    assert row["frequency"] == 2
    assert row["monetary_value"] == pytest.approx((29.73 + 14.96) / 2)
    assert cdnow_calibration.loc[3, "monetary_value"] == 0.0             # one-time buyer


def test_summary_merges_same_day_purchases_and_counts_weeks():
    tx = pd.DataFrame({"c": ["a", "a", "a", "a", "b"],
                       "t": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 18:00", "2024-01-03 00:00",
                                            "2024-01-15 00:00", "2024-01-10 00:00"], utc=True),
                       "v": [10.0, 5.0, 20.0, 30.0, 7.0]})
    d = summarize_transactions(tx, "c", "t", "v", calibration_end="2024-01-15", time_unit="day")
    assert d.loc["a"].tolist() == [2, 14.0, 14.0, 25.0]                   # days 1, 3, 15; (20+30)/2
    assert d.loc["b"].tolist() == [0, 0.0, 5.0, 0.0]
    w = summarize_transactions(tx, "c", "t", "v", calibration_end="2024-01-15", time_unit="week", count_per="week")
    # ISO weeks starting Mon 01-01, 01-08, 01-15: a bought in weeks 0 and 2 -> frequency 1, recency 2 weeks
    assert w.loc["a", "frequency"] == 1 and w.loc["a", "recency"] == 2.0 and w.loc["a", "T"] == 2.0
    assert w.loc["a", "monetary_value"] == 30.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcde"), st.integers(0, 200), st.floats(0.5, 500)),
                min_size=1, max_size=40), st.integers(0, 220))
def test_summary_matches_plain_python_reference(rows, end_day):
    start = pd.Timestamp("2024-01-01", tz="UTC")
    tx = pd.DataFrame(rows, columns=["c", "d", "v"])
    tx["t"] = start + pd.to_timedelta(tx["d"], unit="D") + pd.Timedelta(hours=13)
    if tx["d"].min() > end_day:
        return
    got = summarize_transactions(tx, "c", "t", "v", calibration_end=start + pd.Timedelta(days=end_day),
                                 time_unit="day")
    for c in set(tx["c"]):
        days: dict[int, float] = {}
        for _, d, v in (r for r in rows if r[0] == c and r[1] <= end_day):
            days[d] = days.get(d, 0.0) + v
        if not days:
            assert c not in got.index
            continue
        ordered = sorted(days)
        f, r, T = len(ordered) - 1, ordered[-1] - ordered[0], end_day - ordered[0]
        m = sum(days[d] for d in ordered[1:]) / f if f else 0.0
        assert got.loc[c, ["frequency", "recency", "T"]].tolist() == [f, r, T]
        assert got.loc[c, "monetary_value"] == pytest.approx(m)
        assert 0 <= got.loc[c, "recency"] <= got.loc[c, "T"]


def _cdnow_dataset(tx: pd.DataFrame) -> Dataset:
    df = pd.DataFrame({"order_id": [f"o{i}" for i in range(len(tx))], "customer_id": tx["index"],
                       "ordered_at": tx["ordered_at"], "amount": tx["dollars"]})
    return from_frame(df, "orders", name="cdnow")


def test_rfm_summary_of_orders_dataset_equals_cdnow_summary(cdnow_tx, cdnow_summary):
    s = rfm_summary(_cdnow_dataset(cdnow_tx), CLVSpec(calibration_end="1997-09-30"))
    s.index = s.index.astype(int)
    s = s.loc[cdnow_summary["ID"]]
    assert (s["frequency"].to_numpy() == cdnow_summary["frequency"].to_numpy()).all()
    assert np.allclose(s["T"].round(2), cdnow_summary["T"])


# ---------------------------------------------------------------------------------------------- BG/NBD
def test_bgnbd_fit_matches_published_cdnow_estimates(cdnow_summary):
    m = fit_bgnbd(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])
    # FHL (2005) Table / lifetimes docs: r=0.2426, alpha=4.4135, a=0.7929, b=2.4258; LL = -9582.4
    assert (round(m.r, 2), round(m.alpha, 2), round(m.a, 2), round(m.b, 2)) == (0.24, 4.41, 0.79, 2.43)
    assert m.r == pytest.approx(0.2426, abs=1e-4) and m.alpha == pytest.approx(4.4135, abs=1e-4)
    assert m.a == pytest.approx(0.7929, abs=1e-4) and m.b == pytest.approx(2.4258, abs=1e-4)
    assert m.log_likelihood == pytest.approx(-9582.4, abs=0.05)
    assert m.converged and m.n == 2357


def test_bgnbd_log_likelihood_matches_plain_formula():
    # FHL 2005 eq. 3, evaluated with math.gamma / beta functions, no logs
    r, alpha, a, b = 0.5, 3.0, 1.2, 2.5
    B = lambda x, y: math.gamma(x) * math.gamma(y) / math.gamma(x + y)   # noqa: E731
    total = 0.0
    for x, tx, T in [(0, 0.0, 10.0), (1, 2.0, 10.0), (3, 7.5, 12.0)]:
        common = math.gamma(r + x) * alpha ** r / math.gamma(r)
        L = B(a, b + x) / B(a, b) * common / (alpha + T) ** (r + x)
        if x > 0:
            L += B(a + 1, b + x - 1) / B(a, b) * common / (alpha + tx) ** (r + x)
        total += math.log(L)
    got = bgnbd_log_likelihood((r, alpha, a, b), [0, 1, 3], [0.0, 2.0, 7.5], [10.0, 10.0, 12.0])
    assert got == pytest.approx(total, rel=1e-12)


# lifetimes 0.11.3 BetaGeoFitter with params_ set to (r .243, alpha 4.414, a .793, b 2.426):
X = np.array([0, 1, 2, 7, 29.0])
TX = np.array([0, 1.71, 30.43, 29.43, 38.43])
T_ = np.array([38.86, 38.86, 32.0, 38.86, 38.86])
LIFETIMES_E52 = [0.25207302, 0.25982346, 1.96453213, 4.19885558, 24.60966412]   # conditional, t = 52
LIFETIMES_PALIVE = [1.0, 0.21210099, 0.79648542, 0.64175635, 0.96627463]
LIFETIMES_NEW_E52 = 1.446050595396398                                             # unconditional, t = 52


def test_bgnbd_predictions_match_lifetimes_reference_values():
    assert PUBLISHED.expected_purchases(52, X, TX, T_) == pytest.approx(LIFETIMES_E52, rel=1e-6)
    assert PUBLISHED.probability_alive(X, TX, T_) == pytest.approx(LIFETIMES_PALIVE, rel=1e-6)
    assert PUBLISHED.expected_purchases_new(52) == pytest.approx(LIFETIMES_NEW_E52, rel=1e-9)


def test_p_alive_closed_form_by_hand():
    # x = 1, t_x = 1.71, T = 38.86: 1 / (1 + a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x))
    a, b, r, alpha = 0.793, 2.426, 0.243, 4.414
    hand = 1 / (1 + a / b * ((alpha + 38.86) / (alpha + 1.71)) ** (r + 1))
    assert PUBLISHED.probability_alive(1, 1.71, 38.86) == pytest.approx(hand, rel=1e-12)


def test_unconditional_expectation_matches_simulation():
    rng = np.random.default_rng(7)
    m = BGNBD(r=0.8, alpha=6.0, a=1.5, b=3.0, log_likelihood=math.nan, n=0, converged=True)
    x, _, _ = _simulate(rng, 40_000, m, np.full(40_000, 30.0))
    # E[X(30)] counts every purchase, while x excludes the first one: compare means with a 4-SE tolerance
    sim = x.mean()
    assert abs(sim - m.expected_purchases_new(30)) < 4 * x.std() / math.sqrt(len(x))


def _simulate(rng: np.random.Generator, n: int, m: BGNBD, T: np.ndarray):
    """BG/NBD purchases over (0, T] for n customers (time 0 is NOT a purchase), vectorized over customers.

    Returns (x, t_x, T) in the convention of the fit where the first observed purchase starts the clock:
    for this check we use the unconditional count, so x counts purchases in (0, T].
    """
    lam = rng.gamma(m.r, 1 / m.alpha, n)
    p = rng.beta(m.a, m.b, n)
    t = np.zeros(n)
    x = np.zeros(n)
    last = np.zeros(n)
    alive = np.ones(n, bool)
    while alive.any():
        t = t + np.where(alive, rng.exponential(1 / np.where(alive, lam, 1.0)), 0.0)
        buy = alive & (t <= T)
        x += buy
        last = np.where(buy, t, last)
        alive = buy & (rng.random(n) >= p)          # drops out after a purchase with probability p
    return x, last, T


def test_bgnbd_fit_recovers_simulated_parameters_and_is_the_maximum():
    rng = np.random.default_rng(11)
    true = BGNBD(r=0.6, alpha=4.0, a=1.0, b=3.0, log_likelihood=math.nan, n=0, converged=True)
    T = rng.uniform(20, 52, 6000)
    # repeat purchases after a first purchase at time 0: exactly the BG/NBD data-generating process
    x, tx, T = _simulate(rng, len(T), true, T)
    fit = fit_bgnbd(x, tx, T)
    ll_true = bgnbd_log_likelihood((true.r, true.alpha, true.a, true.b), x, tx, T)
    assert fit.log_likelihood >= ll_true - 1e-6                       # the MLE beats the truth
    assert fit.r == pytest.approx(true.r, rel=0.2) and fit.alpha == pytest.approx(true.alpha, rel=0.3)
    assert fit.a == pytest.approx(true.a, rel=0.35) and fit.b == pytest.approx(true.b, rel=0.4)


@pytest.mark.parametrize("x, tx, T, needle", [
    ([1.5], [1.0], [2.0], "whole number"),
    ([1], [3.0], [2.0], "between 0 and T"),
    ([0], [1.0], [2.0], "recency 0"),
    ([], [], [], "no customers"),
])
def test_bgnbd_rejects_impossible_summaries(x, tx, T, needle):
    with pytest.raises(CxDataError, match=needle):
        fit_bgnbd(x, tx, T)


# ---------------------------------------------------------------------------------------------- Gamma-Gamma
def test_gamma_gamma_fit_matches_published_cdnow_estimates(cdnow_calibration):
    c = cdnow_calibration
    gg = fit_gamma_gamma(c["frequency"], c["monetary_value"])
    # Fader & Hardie, "The Gamma-Gamma model of monetary value" (CDNOW sample): p 6.25, q 3.74, v 15.44
    assert (round(gg.p, 2), round(gg.q, 2), round(gg.v, 2)) == (6.25, 3.74, 15.44)
    assert gg.n == 946                                             # repeat buyers in the calibration period
    # the likelihood is flat along p*v/(q-1); the population mean is pinned down tightly
    assert gg.population_mean == pytest.approx(6.25 * 15.44 / 2.74, rel=2e-3)


def test_gamma_gamma_likelihood_matches_numerical_integration():
    # zbar | nu ~ Gamma(shape p x, rate x nu); nu ~ Gamma(shape q, rate v): integrate nu out with quad
    p, q, v = 6.25, 3.74, 15.44
    for x, m in [(1, 11.77), (2, 22.35), (5, 40.0)]:
        f = lambda nu: (stats.gamma.pdf(m, a=p * x, scale=1 / (x * nu))        # noqa: E731
                        * stats.gamma.pdf(nu, a=q, scale=1 / v))
        dens, _ = integrate.quad(f, 0, np.inf, limit=200)
        assert gamma_gamma_log_likelihood((p, q, v), [x], [m]) == pytest.approx(math.log(dens), rel=1e-7)


def test_gamma_gamma_conditional_value_matches_lifetimes_and_posterior_mean():
    gg = GammaGamma(p=6.25, q=3.74, v=15.44, log_likelihood=math.nan, n=0, converged=True)
    # lifetimes 0.11.3 GammaGammaFitter.conditional_expected_average_profit with the same params
    got = gg.expected_average_value([2, 1, 5, 0], [22.35, 11.77, 40.0, 0.0])
    assert got == pytest.approx([24.66371391, 18.91685206, 39.61459253, 35.2189781], rel=1e-7)
    # E[M | x, m] = p E[1/nu | data]: posterior of nu is Gamma(q + p x, v + x m); integrate numerically
    x, m = 2, 22.35
    post = stats.gamma(a=gg.q + gg.p * x, scale=1 / (gg.v + x * m))
    inv_mean, _ = integrate.quad(lambda nu: post.pdf(nu) / nu, 0, np.inf)
    assert got[0] == pytest.approx(gg.p * inv_mean, rel=1e-7)


def test_gamma_gamma_needs_repeat_customers():
    with pytest.raises(CxDataError, match="fewer than 2 repeat"):
        fit_gamma_gamma([0, 0, 1], [0.0, 0.0, 10.0])


# ---------------------------------------------------------------------------------------------- predictive CLV
def test_predict_clv_on_cdnow_uses_the_fitted_models(cdnow_tx):
    spec = CLVSpec(horizon_days=273, calibration_end="1997-09-30")      # 39 weeks
    res = predict_clv(_cdnow_dataset(cdnow_tx), spec)
    assert res.bgnbd.r == pytest.approx(0.2426, abs=2e-4) and res.bgnbd.b == pytest.approx(2.4259, abs=2e-3)
    assert (round(res.gamma_gamma.p, 2), round(res.gamma_gamma.q, 2)) == (6.25, 3.74)
    c = res.to_frame().set_index("customer_id")
    one = c.loc["0001"]           # x=2, t_x=30.43, T=38.86 (in weeks)
    assert one["expected_purchases"] == pytest.approx(
        res.bgnbd.expected_purchases(39, 2, one["recency"], one["T"]), rel=1e-12)
    assert one["predicted_clv"] == pytest.approx(one["expected_purchases"] * one["expected_value"])
    assert one["orders"] == 3 and one["net_revenue"] == pytest.approx(29.33 + 29.73 + 14.96)
    assert c["p_alive"].between(0, 1).all()
    assert np.allclose(c.loc[c["frequency"] == 0, "expected_value"], res.gamma_gamma.population_mean)
    assert c["predicted_clv"].is_monotonic_decreasing
    # holdout check: purchase days of these customers in weeks 40-78 (1997-10-01..1998-06-30), counted
    # from the file, against the model's 39-week forecast made at 1997-09-30
    hold = cdnow_tx[cdnow_tx["ordered_at"] > pd.Timestamp("1997-09-30", tz="UTC")]
    actual = len(hold.drop_duplicates(["index", "date"]))
    assert actual == 1882
    forecast = res.to_frame()["expected_purchases"].sum()
    assert forecast == pytest.approx(actual, rel=0.15)
    # lifetimes 0.11.3 on cdnow_customers_summary.csv: sum of conditional_expected_number_of_purchases_up_to_time(39)
    assert forecast == pytest.approx(1653.4233, rel=1e-4)
    assert json.dumps(res.to_json(), allow_nan=False)
    assert len(res.top(10)) == 10


def test_predict_clv_on_too_little_data_warns_instead_of_raising():
    ds = from_frame(pd.DataFrame({"customer_id": ["a", "b"], "ordered_at": ["2024-01-01", "2024-02-01"],
                                          "amount": [10.0, 20.0]}), "orders")
    res = predict_clv(ds)
    assert res.bgnbd is None and res.to_frame()["predicted_clv"].isna().all()
    assert any("repeat buyers" in w for w in res.warnings)
    assert "not available" in res.summary()


def test_clv_margin_scales_prediction(cdnow_tx):
    ds = _cdnow_dataset(cdnow_tx)
    full = predict_clv(ds, CLVSpec(calibration_end="1997-09-30")).to_frame().set_index("customer_id")
    part = predict_clv(ds, CLVSpec(calibration_end="1997-09-30", margin=0.3)).to_frame().set_index("customer_id")
    assert np.allclose(part["predicted_clv"], 0.3 * full.loc[part.index, "predicted_clv"])


# ---------------------------------------------------------------------------------------------- historical CLV
SHOP = pd.DataFrame({
    "order_id": ["1", "2", "3", "4", "5", "6"],
    "customer_id": ["a", "a", "b", "c", "c", "d"],
    "ordered_at": ["2024-01-01", "2024-02-01", "2024-01-05", "2024-01-07", "2024-03-01", "2024-03-02"],
    "amount": [100.0, 50.0, 80.0, 30.0, 40.0, 500.0],
    "refunded": [0.0, 10.0, 0.0, 0.0, 0.0, 0.0],
    "status": ["completed", "partially_refunded", "completed", None, "completed", "cancelled"],
    "channel": ["web", "app", "app", "web", "app", "web"],
})


def test_historical_clv_by_first_order_channel_matches_hand_computation():
    res = historical_clv(from_frame(SHOP, "orders"), by="channel")
    per = res.customers.set_index("customer_id")
    assert per["net_revenue"].to_dict() == {"a": 140.0, "b": 80.0, "c": 70.0}       # d only cancelled
    assert per["segment"].to_dict() == {"a": "web", "b": "app", "c": "web"}       # channel of first order
    seg = res.to_frame().set_index("segment")
    assert seg.loc["web", "customers"] == 2 and seg.loc["web", "net_revenue"] == 210.0
    assert seg.loc["web", "mean"] == 105.0 and seg.loc["app", "median"] == 80.0
    assert seg.loc["web", "share"] == pytest.approx(210 / 290)
    assert res.to_json()["segments"][0] == {"segment": "web", "customers": 2, "net_revenue": 210.0, "mean": 105.0,
                                            "median": 105.0, "share_pct": 72.41}


def test_historical_clv_with_external_segments_and_bad_column():
    ds = from_frame(SHOP, "orders")
    res = historical_clv(ds, segments=pd.Series({"a": "Champions", "b": "New"}, name="rfm"))
    assert res.customers.set_index("customer_id")["segment"].to_dict() == {"a": "Champions", "b": "New",
                                                                             "c": "(none)"}
    assert res.by == "rfm"
    with pytest.raises(CxDataError, match="not in the dataset"):
        historical_clv(ds, by="nope")


def test_historical_clv_honours_revenue_definition():
    from cxlib.core.definitions import DefinitionSet, RevenueDef
    defs = DefinitionSet.default().replace(net_revenue=RevenueDef(valid_statuses=("completed",),
                                                                  subtract_refunds=False))
    per = historical_clv(from_frame(SHOP, "orders"), defs=defs).customers.set_index("customer_id")
    assert per["net_revenue"].to_dict() == {"a": 100.0, "b": 80.0, "c": 70.0}


@pytest.mark.parametrize("spec", [CLVSpec(), CLVSpec(horizon_days=90, time_unit="day", count_per="week",
                                                     calibration_end="2024-06-30", margin=0.25)])
def test_clv_spec_round_trips_json_and_describes_in_one_sentence(spec):
    assert CLVSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
    text = spec.describe()
    assert text.endswith(".") and ". " not in text


@pytest.mark.parametrize("kwargs", [{"horizon_days": 0}, {"margin": 1.5}, {"time_unit": "year"}])
def test_clv_spec_rejects_bad_values(kwargs):
    with pytest.raises(CxDataError):
        CLVSpec(**kwargs)


def test_predict_clv_warns_when_nobody_seems_to_stop_buying():
    # 80 customers buying every 5-15 days right up to the end: the fit puts the dropout probability at ~0
    rng = np.random.default_rng(2)
    rows = []
    for i in range(80):
        day = int(rng.integers(0, 30))
        while day < 300:
            rows.append((f"c{i}", pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(days=day), 20.0))
            day += int(rng.integers(5, 16))
    ds = from_frame(pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"]), "orders")
    res = predict_clv(ds)
    assert res.bgnbd.a / (res.bgnbd.a + res.bgnbd.b) < 1e-3
    assert res.to_frame()["p_alive"].min() > 0.99
    note = next(w for w in res.warnings if "no sign of customers stopping" in w)
    assert "P(alive) is close to 100% for everyone" in note.template        # a Msg: the app translates the note


@pytest.mark.parametrize("params", [(0.3, 4.0, 0.8, 2.4), (2.0, 1.5, 3.0, 0.7)])
def test_bgnbd_gradient_matches_finite_differences(params):
    from scipy.optimize import approx_fprime
    from cxlib.analyses.clv_models import _bgnbd_ll_grad
    x = np.array([0, 0, 1, 2, 5, 9.0])
    tx, T = np.array([0, 0, 3.0, 10.0, 20.0, 30.5]), np.array([5.0, 40.0, 30.0, 31.0, 35.0, 38.0])
    ux, inv = np.unique(x, return_inverse=True)
    w = np.array([3.0, 1, 2, 1, 1, 4])
    f = lambda p: _bgnbd_ll_grad(p, ux, inv, x, tx, T, w, grad=False)[0]        # noqa: E731
    g = _bgnbd_ll_grad(np.array(params), ux, inv, x, tx, T, w)[1]
    assert g == pytest.approx(approx_fprime(np.array(params), f, 1e-7), rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("params", [(6.25, 3.74, 15.44), (0.8, 1.5, 2.0)])
def test_gamma_gamma_gradient_matches_finite_differences(params):
    from scipy.optimize import approx_fprime
    from cxlib.analyses.clv_models import _gg_ll_grad
    x, m = np.array([1, 2, 2, 5, 9.0]), np.array([11.77, 22.35, 5.0, 40.0, 13.3])
    ux, inv = np.unique(x, return_inverse=True)
    f = lambda p: _gg_ll_grad(p, ux, inv, x, m, np.log(m), grad=False)[0]        # noqa: E731
    g = _gg_ll_grad(np.array(params), ux, inv, x, m, np.log(m))[1]
    assert g == pytest.approx(approx_fprime(np.array(params), f, 1e-7), rel=1e-4, abs=1e-5)


def test_expected_purchases_is_continuous_through_a_equal_one():
    def e(a):
        return BGNBD(0.5, 4.0, a, 2.0, math.nan, 0, True).expected_purchases(20, [0, 3], [0, 10.0], [30.0, 30.0])
    at_one, around = e(1.0), (e(1 - 1e-4) + e(1 + 1e-4)) / 2
    assert np.all(np.isfinite(at_one)) and at_one == pytest.approx(around, rel=1e-3)


pos = st.floats(0.05, 20.0)


@settings(max_examples=100, deadline=None)
@given(pos, pos, pos, pos, st.integers(0, 30), st.floats(0.0, 1.0), st.floats(1.0, 100.0), st.floats(0.5, 60.0))
def test_bgnbd_predictions_are_probabilities_and_grow_with_horizon(r, alpha, a, b, x, frac, T, t):
    m = BGNBD(r, alpha, a, b, math.nan, 0, True)
    tx = frac * T if x > 0 else 0.0
    p = float(m.probability_alive(x, tx, T))
    assert 0.0 <= p <= 1.0
    e1, e2 = float(m.expected_purchases(t, x, tx, T)), float(m.expected_purchases(2 * t, x, tx, T))
    if math.isfinite(e1) and math.isfinite(e2):
        assert -1e-9 <= e1 <= e2 + 1e-9


def test_clv_sentences_are_msg_templates_with_values():
    from cxlib.core.messages import Msg
    d = CLVSpec(margin=0.3, calibration_end="2024-06-30", count_per="week").describe()
    assert isinstance(d, Msg) and d.template.startswith("Predicted CLV is the profit ({margin:.0%} of net revenue)")
    assert d.params["margin"] == 0.3 and d.params["date"] == "2024-06-30"
    assert d.params["counted"].template == "counted once per week"
    assert "up to the last order date." in CLVSpec().describe().template
    hist = historical_clv(from_frame(SHOP, "orders"), by="channel")
    assert hist.summary().template.startswith("{customers:,} customers, net revenue {net_revenue:,.2f};")
    assert hist.summary().params["net_revenue"] == 290.0
    few = hist.warnings[0]
    assert few.template == "{segments} segment(s) have fewer than 30 customers; their averages are noisy."
    assert few.params == {"segments": 2}
    # two repeat buyers, only one with a positive repeat value: the spend model cannot be fitted
    ds = from_frame(pd.DataFrame({
        "customer_id": ["a", "a", "b", "b", "c"],
        "ordered_at": ["2024-01-01", "2024-01-10", "2024-01-02", "2024-01-20", "2024-01-05"],
        "amount": [10.0, 0.0, 10.0, 5.0, 8.0]}), "orders")
    res = predict_clv(ds)
    spend = next(w for w in res.warnings if w.startswith("Spend model not fitted"))
    assert spend.template == "Spend model not fitted: {reason}"
    reason = spend.params["reason"]                   # the error's own Msg, translated in turn
    assert isinstance(reason, Msg) and "the spend model cannot be fitted" in reason
    assert res.summary().template.startswith("{customers:,} customers; expected {purchases:,.0f} repeat purchases")
    with pytest.raises(CxDataError) as exc:
        CLVSpec(margin=1.5)
    assert exc.value.message.params == {"margin": 1.5}
