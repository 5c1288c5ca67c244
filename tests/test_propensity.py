"""Readiness score (cxlib.analyses.propensity): engine aggregates against pandas, metrics against sklearn and
brute force, and the score itself on generated shops whose future is kept out of the files."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats
from sklearn.metrics import roc_auc_score

import cxlib as cx
from cxlib.data.loader import from_frame
from cxlib.data import engine
from cxlib.analyses import propensity as P
from cxlib.analyses import propensity_model as PM
from cxlib.analyses import propensity_result as PR
from cxlib.analyses.clv import summarize_transactions
from cxlib.analyses.clv_models import BGNBD
from cxlib.analyses.orders import prepare
from cxlib.analyses.retention import valid_orders
from tests.conftest import SAMPLE
from tests.propensity_shops import shop

DAY = 86_400


@pytest.fixture(scope="module")
def sample():
    return cx.load(SAMPLE / "orders_shopify.csv")


@pytest.fixture(scope="module")
def gen():
    """A generated shop (3,000 customers, 18 months, browsing leads purchases) and its score."""
    s = shop(3000, seed=1)
    orders, events = from_frame(s.orders, "orders"), from_frame(s.events, "events")
    return s, orders, events, P.propensity(orders, events, horizon_days=30)


# ---------------------------------------------------------------------------------------------- engine
def test_customer_orders_expr_equals_the_pandas_rule_on_the_sample_shop(sample):
    got = engine.execute(P.customer_orders_expr(sample)).sort_values(["customer_id", "ordered_at"]).reset_index(drop=True)
    want = valid_orders(sample).orders.sort_values(["customer_id", "ordered_at"]).reset_index(drop=True)
    assert len(got) == len(want) == 2401
    assert (got["customer_id"].astype(str) == want["customer_id"].astype(str)).all()
    assert (got["ordered_at"] == want["ordered_at"]).all()
    np.testing.assert_allclose(got["net"], want["net"])


def test_customer_orders_expr_collapses_line_items_like_orders_prepare():
    df = pd.DataFrame({
        "order_id": ["1", "1", "1", "2", "3", None, "4", "5"],
        "customer_id": ["a", "a", "a", "b", "c", "c", None, "d"],
        "ordered_at": ["2024-01-01 10:00"] * 3 + ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", None],
        "amount": [10.0, 5.0, None, 3.0, 7.0, 4.0, 1.0, 2.0],
        "status": [" Completed", None, None, "cancelled", "partially_refunded", None, "completed", "completed"],
        "refunded": [2.0, 2.0, 2.0, None, 1.5, None, 0.0, 0.0]})
    ds = from_frame(df, "orders")
    work, _ = prepare(ds)
    want = work[work["valid"] & work["customer_id"].notna() & work["ordered_at"].notna()]
    got = engine.execute(P.customer_orders_expr(ds))
    key = ["customer_id", "ordered_at"]
    want = want[key + ["net"]].sort_values(key).reset_index(drop=True)
    got = got.sort_values(key).reset_index(drop=True)
    assert got["customer_id"].astype(str).tolist() == want["customer_id"].astype(str).tolist() == ["a", "c", "c"]
    np.testing.assert_allclose(got["net"], want["net"])            # 15 - 2, 7 - 1.5, 4


def _reference_snapshot(orders: pd.DataFrame, events: pd.DataFrame, cutoff: pd.Timestamp, h: int) -> pd.DataFrame:
    """Plain pandas, one cut-off: the same per-customer facts as snapshot_exprs."""
    o = orders[orders["status"].isin(["completed", "refunded"])]
    before = o[o["ordered_at"] < cutoff]
    g = before.groupby("customer_id")
    day = before["ordered_at"].dt.floor("D")
    out = pd.DataFrame({"orders": g.size(), "last": g["ordered_at"].max(), "net": g["net"].sum(),
                        "days": day.groupby(before["customer_id"]).nunique()})
    for w in (30, 90, 365):
        out[f"orders_{w}d"] = (before["ordered_at"] >= cutoff - pd.Timedelta(days=w)).groupby(
            before["customer_id"]).sum()
    future = o[(o["ordered_at"] >= cutoff) & (o["ordered_at"] < cutoff + pd.Timedelta(days=h))]
    e = events[(events["timestamp"] < cutoff) & (events["timestamp"] >= cutoff - pd.Timedelta(days=90))]
    ev = pd.DataFrame({"events": e.groupby("user_id").size(), "last_event": e.groupby("user_id")["timestamp"].max()})
    for w in (7, 30, 90):
        inside = e[e["timestamp"] >= cutoff - pd.Timedelta(days=w)]
        gi = inside.groupby("user_id")
        ev[f"sessions_{w}d"] = gi["session_id"].nunique()
        ev[f"views_{w}d"] = gi["event"].agg(lambda s: int(s.str.contains("view").sum()))
        ev[f"carts_{w}d"] = gi["event"].agg(lambda s: int((s == "add_to_cart").sum()))
    frame = out.join(ev, how="outer")
    frame["label"] = frame.index.isin(future["customer_id"]).astype(int)
    return frame.fillna({c: 0 for c in frame.columns if c.startswith(P.COUNT_PREFIXES)})   # counts: none = 0


def test_snapshots_equal_a_pandas_computation_at_every_cutoff():
    s = shop(400, seed=5, days=300)
    orders = s.orders.assign(net=s.orders["amount"] - s.orders["refunded"])
    cuts = [s.cut - pd.Timedelta(days=30 * k) for k in range(4)]
    frame = P.snapshots(P.customer_orders_expr(from_frame(s.orders, "orders")),
                        from_frame(s.events, "events"), [int(c.timestamp()) for c in cuts], 30)
    for c in cuts[1:]:
        got = frame[frame["cutoff"] == int(c.timestamp())].set_index("customer_id")
        want = _reference_snapshot(orders, s.events, c, 30)
        assert sorted(got.index) == sorted(want.index)
        want = want.reindex(got.index)
        for col in ("orders", "days", "orders_30d", "orders_90d", "orders_365d", "label", "events", "sessions_7d",
                    "sessions_30d", "sessions_90d", "views_7d", "views_30d", "carts_7d", "carts_30d"):
            np.testing.assert_array_equal(got[col].fillna(0).to_numpy(float), want[col].fillna(0).to_numpy(float),
                                          err_msg=col)
        np.testing.assert_allclose(got["net"].fillna(0), want["net"].fillna(0))
        last = want["last"].map(lambda t: t.timestamp() if pd.notna(t) else np.nan).to_numpy(float)
        np.testing.assert_allclose(got["last"].to_numpy(float), np.floor(last), equal_nan=True)


def test_bgnbd_inputs_equal_clv_summary_on_the_sample_shop(sample):
    cutoff = pd.Timestamp("2026-09-01", tz="UTC")
    frame = P.snapshots(P.customer_orders_expr(sample), None, [int(cutoff.timestamp())], 30)
    frame = frame[frame["orders"] > 0].set_index("customer_id")
    got = PM.bgnbd_inputs(frame)
    vo = valid_orders(sample).orders
    want = summarize_transactions(vo[vo["ordered_at"] < cutoff], "customer_id", "ordered_at", "net",
                                  calibration_end="2026-08-31", time_unit="week", count_per="day")
    want = want.reindex(got.index)
    for col in ("frequency", "recency", "T"):
        np.testing.assert_allclose(got[col], want[col], err_msg=col)


def test_bgnbd_probability_of_an_order_matches_numerical_integration():
    """P(no order in (T, T + t]) = E[alive-and-silent or dead | data], integrated over the purchase rate
    numerically (the dropout probability in closed form: Beta integrals)."""
    from scipy.special import beta as B
    model = BGNBD(r=1.3, alpha=6.0, a=1.2, b=2.5, log_likelihood=0.0, n=0, converged=True)
    t = 4.0
    for x, t_x, T in ((0, 0.0, 10.0), (2, 5.0, 12.0), (6, 30.0, 31.0)):
        stay = B(model.a, model.b + x) / B(model.a, model.b)                     # E[(1 - p)^x]
        drop = B(model.a + 1, model.b + x - 1) / B(model.a, model.b) if x else 0.0   # E[p (1 - p)^(x - 1)]
        g = stats.gamma(model.r, scale=1 / model.alpha).pdf

        def mass(silent_after: bool) -> float:
            alive = integrate.quad(lambda lam: lam ** x * np.exp(-lam * (T + (t if silent_after else 0))) * g(lam),
                                   0, np.inf)[0]
            dead = integrate.quad(lambda lam: lam ** x * np.exp(-lam * t_x) * g(lam), 0, np.inf)[0] if x else 0.0
            return stay * alive + drop * dead

        want = 1 - mass(True) / mass(False)
        assert PM.bgnbd_probability(model, t, x, t_x, T) == pytest.approx(want, rel=1e-6)


# ---------------------------------------------------------------------------------------------- metrics
def _brute_delong(y, s):
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    var = v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg)
    return psi.mean(), var


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 6)), min_size=4, max_size=60))
def test_delong_auc_matches_sklearn_and_the_brute_force_variance(rows):
    y = np.array([r[0] for r in rows])
    s = np.array([r[1] for r in rows], dtype=float)          # few distinct values: many ties
    if y.sum() < 2 or (1 - y).sum() < 2:
        return
    auc, lo, hi = PM.delong_auc(y, s)
    want, var = _brute_delong(y, s)
    assert auc == pytest.approx(roc_auc_score(y, s)) == pytest.approx(want)
    half = 1.959963984540054 * np.sqrt(var)
    assert lo == pytest.approx(max(0.0, want - half)) and hi == pytest.approx(min(1.0, want + half))


def test_gains_and_calibration_by_hand():
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 1, 0])
    s = np.arange(10, 0, -1, dtype=float)                    # the first row scores highest
    g = PM.gains(y, s, shares=(0.1, 0.2, 0.3))
    assert g[0.1] == pytest.approx((1 / 3, 1 / 0.3))          # top 1 of 10: one buyer of three, rate 1 vs 0.3
    assert g[0.3] == pytest.approx((2 / 3, (2 / 3) / 0.3))
    cal = PM.calibration_table(y, s / 10, bins=2)
    assert cal["customers"].tolist() == [5, 5] and cal["observed"].tolist() == [0.2, 0.4]
    assert cal["predicted"].tolist() == pytest.approx([0.3, 0.8])


def test_bands_follow_the_documented_thresholds():
    ready, warming = PR.band_thresholds(0.1)
    assert (ready, warming) == pytest.approx((0.2, 0.1))
    assert PR.band_thresholds(0.8) == pytest.approx((0.9, 0.8))             # (1 + b) / 2 caps 2b
    assert PR.bands(np.array([0.25, 0.2, 0.15, 0.05]), (ready, warming)).tolist() == [
        "ready", "ready", "warming", "not now"]


# ---------------------------------------------------------------------------------------------- the score
def test_score_beats_the_baselines_on_the_unseen_horizon_and_its_backtest_says_so(gen):
    s, _, _, res = gen
    c = res.customers
    y = c["customer_id"].map(s.truth()).fillna(0).to_numpy(int)
    auc = roc_auc_score(y, c["score"])
    auc_recency = roc_auc_score(y, -c["recency_days"].fillna(1e9))
    auc_bgnbd = roc_auc_score(y, c["bgnbd_expected"].fillna(0))
    assert res.method == "model" and not res.gate
    assert auc > auc_recency + 0.03 and auc > auc_bgnbd + 0.03
    assert abs(res.backtest.auc - auc) < 0.04                     # the backtest predicts the unseen AUC
    assert res.backtest.auc_ci95[0] < res.backtest.auc < res.backtest.auc_ci95[1]
    assert abs(c["score"].mean() / y.mean() - 1) < 0.3            # calibrated: mean = realized rate within 30 %
    assert res.backtest.brier < res.backtest.brier_base_rate
    assert res.backtest.auc > max(res.backtest.auc_recency, res.backtest.auc_bgnbd)
    assert len(res.backtest.folds) == 3 and all(f.used for f in res.backtest.folds)


def test_backtest_figures_are_the_metrics_of_the_pooled_folds(gen):
    _, _, _, res = gen
    bt = res.backtest
    assert bt.customers == sum(f.customers for f in bt.folds) and bt.positives == sum(f.positives for f in bt.folds)
    rates = np.array([f.base_rate for f in bt.folds])
    sizes = np.array([f.customers for f in bt.folds])
    assert bt.brier_base_rate == pytest.approx(float((rates * (1 - rates) * sizes).sum() / sizes.sum()))
    cal = bt.calibration
    assert cal["customers"].sum() == bt.customers
    assert (cal["observed"] * cal["customers"]).sum() == pytest.approx(bt.positives)
    assert cal["predicted"].is_monotonic_increasing
    assert bt.lift_top10 == pytest.approx(bt.gains[0.1][1]) and bt.lift_top10 > 2


def test_no_feature_uses_data_on_or_after_the_as_of_date(gen):
    s, _, _, res = gen
    orders = from_frame(pd.concat([s.orders, s.future_orders], ignore_index=True), "orders")
    events = from_frame(pd.concat([s.events, s.future_events], ignore_index=True), "events")
    again = P.propensity(orders, events, horizon_days=30, as_of=s.cut.date().isoformat())
    assert again.as_of == res.as_of
    pd.testing.assert_frame_equal(again.customers, res.customers)            # equal up to float summation order
    _same(again.contract_json(), res.contract_json())


def _same(a, b, path="json"):
    """Equal JSON, numbers up to 1e-9 relative (sums over more rows may add in another order)."""
    assert type(a) is type(b) or {type(a), type(b)} <= {int, float}, path
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        assert a == pytest.approx(b, rel=1e-9), path
    else:
        assert a == b, path


def test_reasons_are_the_largest_contributions_in_words(gen):
    _, _, _, res = gen
    top = res.customers.iloc[0]
    assert top["band"] == "ready" and all(top[f"reason_{i}"] for i in (1, 2, 3))
    assert all(str(top[f"reason_{i}"]).endswith(("(raises the score)", "(lowers the score)")) for i in (1, 2, 3))
    assert "(raises the score)" in str(top["reason_1"])                       # the strongest pushes it up
    bottom = res.customers.iloc[-1]
    assert bottom["band"] == "not now" and "(lowers the score)" in str(bottom["reason_1"])


def test_contributions_add_up_to_the_plain_model_log_odds():
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.normal(size=400), "b": rng.exponential(size=400), "c": np.ones(400)})
    y = (X["a"] + rng.normal(size=400) > 0.5).astype(int)
    m = PM.fit_model(X, y)
    assert m.features == ("a", "b")                                          # a constant input is dropped
    logit = m.contributions(X).sum(axis=1) + m.plain[-1].intercept_[0]
    p = m.plain.predict_proba(X[list(m.features)].to_numpy())[:, 1]
    np.testing.assert_allclose(logit, np.log(p / (1 - p)))


def test_a_small_shop_fails_the_data_gate_and_is_ranked_transparently():
    s = shop(150, seed=2, days=200)
    res = P.propensity(from_frame(s.orders, "orders"), horizon_days=30)
    assert res.method == "bgnbd" and "Not enough buyers" in res.gate
    assert res.coefficients.empty and res.contract_json()["warnings"][0] == res.gate
    np.testing.assert_allclose(res.customers["score"], res.customers["bgnbd_probability"])
    assert res.customers["score"].is_monotonic_decreasing


def test_holdout_is_seeded_stratified_by_band_and_reads_as_an_experiment(gen):
    _, _, _, res = gen
    h = res.holdout()
    assert h.equals(res.holdout()) and not h.equals(res.holdout(seed=99))
    for band, group in h.groupby("band"):
        assert (group["variant"] == "holdout").sum() == round(0.1 * len(group)), band
    exp = cx.load_bytes(PR.holdout_csv(res), "holdout.csv", role="experiment")
    assert exp.df["variant"].value_counts().to_dict() == h["variant"].value_counts().to_dict()


def test_scores_csv_is_formula_neutral():
    df = pd.DataFrame({"customer_id": ["=HYPERLINK(1)", "b"], "ordered_at": ["2024-01-01", "2024-01-02"],
                       "amount": [1.0, 2.0]})
    res = P.propensity(from_frame(df, "orders"), horizon_days=30)
    text = PR.scores_csv(res).decode("utf-8-sig")
    assert text.splitlines()[0] == "customer_id,score,band,reasons" and "'=HYPERLINK(1)" in text
    assert res.method == "recency" and res.backtest.auc != res.backtest.auc     # nothing to backtest: NaN


def test_spec_from_json_is_strict_and_validates():
    assert PR.PropensitySpec.from_json(PR.PropensitySpec(horizon_days=14).to_json()).horizon_days == 14
    with pytest.raises(cx.CxDataError, match="unknown key.*horizon.*Known keys"):
        PR.PropensitySpec.from_json({"horizon": 30})
    with pytest.raises(cx.CxDataError, match="horizon"):
        PR.PropensitySpec(horizon_days=0)
    assert PR.parse_horizon("30d") == 30 and PR.parse_horizon("2w") == 14 and PR.parse_horizon("45") == 45
    with pytest.raises(cx.CxDataError):
        PR.parse_horizon("36h")


def test_public_entry_point(sample):
    res = cx.propensity(sample, horizon_days=30)
    assert isinstance(res, PR.PropensityResult) and cx.PropensitySpec is PR.PropensitySpec
    assert res.as_of == "2026-11-01" and len(res.customers) == 1180
    assert set(res.customers["band"]) <= set(PR.BANDS)


# ---------------------------------------------------------------------------------------------- command line
def test_cli_contract_on_the_sample_shop(contract_problems, tmp_path):
    out = tmp_path / "scores.csv"
    assert contract_problems("propensity", str(SAMPLE / "orders_shopify.csv"), "--horizon", "30d",
                             "--scores-out", str(out)) == []
    scores = pd.read_csv(out, dtype={"customer_id": str})
    assert list(scores.columns) == ["customer_id", "score", "band", "reasons"] and len(scores) == 1180
    assert scores["score"].between(0, 1).all()


def test_cli_keys_are_exactly_the_contract_and_events_are_read(tmp_path):
    import subprocess
    import sys
    s = shop(600, seed=4, days=360)
    s.orders.to_csv(tmp_path / "orders.csv", index=False)
    s.events.to_csv(tmp_path / "events.csv", index=False)
    p = subprocess.run([sys.executable, "-m", "cxlib", "propensity", str(tmp_path / "orders.csv"), "--events",
                        str(tmp_path / "events.csv"), "--horizon", "30d", "--as-of", "2024-12-01", "--json"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert list(out) == ["as_of", "horizon_days", "customers", "base_rate", "backtest", "warnings"]
    assert list(out["backtest"]) == ["auc", "auc_ci95", "brier", "brier_base_rate", "lift_top10", "folds"]
    assert out["as_of"] == "2024-12-01" and out["horizon_days"] == 30
    assert out["customers"] > 0


def test_cli_bad_horizon_is_one_error_line(contract_problems):
    assert contract_problems("propensity", str(SAMPLE / "orders_shopify.csv"), "--horizon", "soon") == []


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12])
def test_larger_generated_shops(seed):
    s = shop(20000, seed=seed, days=720)
    res = P.propensity(from_frame(s.orders, "orders"), from_frame(s.events, "events"),
                       horizon_days=30)
    c = res.customers
    y = c["customer_id"].map(s.truth()).fillna(0).to_numpy(int)
    auc = roc_auc_score(y, c["score"])
    assert auc > roc_auc_score(y, -c["recency_days"].fillna(1e9)) + 0.03
    assert auc > roc_auc_score(y, c["bgnbd_expected"].fillna(0)) + 0.03
    assert abs(res.backtest.auc - auc) < 0.03
    assert abs(c["score"].mean() / y.mean() - 1) < 0.15


def test_no_valid_order_before_the_date_is_an_error():
    df = pd.DataFrame({"customer_id": ["a", "b"], "ordered_at": ["2024-01-01", "2024-02-01"], "amount": [1.0, 2.0],
                       "status": ["cancelled", "pending"]})
    with pytest.raises(cx.CxDataError, match="no valid order"):
        P.propensity(from_frame(df, "orders"))
