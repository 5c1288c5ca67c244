"""cxlib.compare: segment comparisons checked against scipy/statsmodels and hand computations."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from cxlib.compare import METRICS, compare_segments, segment_groups
from cxlib.errors import CxDataError
from cxlib.segments import CustomerView


def make_view(seed: int = 1, n: int = 900, with_responses: bool = True) -> CustomerView:
    """Three segments of 300 customers with different conversion, revenue, NPS and ticket rates."""
    rng = np.random.default_rng(seed)
    seg = np.repeat(["A", "B", "C"], n // 3)
    conv = rng.random(n) < np.select([seg == "A", seg == "B"], [0.6, 0.45], 0.44)
    orders = np.where(conv, rng.geometric(0.6, n), 0)
    ids = np.array([f"c{i:04d}" for i in range(n)])
    order_cust = np.repeat(ids, orders)
    scale = np.select([order_cust < "c0300", order_cust < "c0600"], [60.0, 40.0], 39.0)
    net = np.round(rng.exponential(scale), 2)
    orders_df = pd.DataFrame({"customer_id": order_cust, "ordered_at": pd.Timestamp("2024-01-01", tz="UTC"),
                              "net": net})
    revenue = orders_df.groupby("customer_id")["net"].sum()
    customers = pd.DataFrame({"customer_id": ids, "segment": seg, "orders": orders,
                              "net_revenue": pd.Series(ids).map(revenue).fillna(0.0).to_numpy(),
                              "tickets": rng.poisson(np.select([seg == "A"], [0.2], 0.5))})
    responses = None
    if with_responses:
        who = rng.choice(ids, 600)
        nps_p = {"A": [0.2, 0.3, 0.5], "B": [0.35, 0.3, 0.35], "C": [0.36, 0.3, 0.34]}
        cat = [rng.choice([0, 7, 10], p=nps_p[s]) for s in pd.Series(who).map(dict(zip(ids, seg)))]
        responses = pd.DataFrame({"customer_id": who, "nps": np.array(cat, dtype=float),
                                  "csat": rng.integers(1, 6, 600).astype(float)})
    return CustomerView(customers=customers, orders=orders_df, responses=responses)


def obs_rate(view, name, fn):
    c = view.customers
    x = fn(c[c["segment"] == name])
    return int(x.sum()), len(x)


def test_rate_comparison_matches_statsmodels_and_scipy():
    view = make_view()
    cmp = compare_segments(view, segment_groups(view, ["A", "B", "C"]), "conversion")
    counts = {s: obs_rate(view, s, lambda d: d["orders"] > 0) for s in "ABC"}
    for g in cmp.groups:
        k, n = counts[g.segment]
        lo, hi = proportion_confint(k, n, method="wilson")
        assert (g.n, g.successes, g.value) == (n, k, k / n)
        assert (g.ci_low, g.ci_high) == pytest.approx((lo, hi), rel=1e-12)
    raw = [proportions_ztest([counts[a][0], counts[b][0]], [counts[a][1], counts[b][1]])[1]
           for a, b in (("A", "B"), ("A", "C"), ("B", "C"))]
    holm = multipletests(raw, alpha=0.05, method="holm")[1]
    assert [p.p_value for p in cmp.pairs] == pytest.approx(raw, rel=1e-12)
    assert [p.p_holm for p in cmp.pairs] == pytest.approx(list(holm), rel=1e-12)
    lo, hi = confint_proportions_2indep(*counts["A"], *counts["B"], method="newcomb", compare="diff")
    assert (cmp.pairs[0].ci_low, cmp.pairs[0].ci_high) == pytest.approx((lo, hi))
    table = [[k, n - k] for k, n in counts.values()]
    assert cmp.omnibus_p == pytest.approx(stats.chi2_contingency(table, correction=False).pvalue, rel=1e-12)
    assert cmp.pairs[0].significant and not cmp.pairs[2].significant        # A (60%) vs B; B vs C ~ equal


def test_two_segment_chi_square_equals_z_test():
    view = make_view()
    cmp = compare_segments(view, segment_groups(view, ["A", "B"]), "conversion")
    assert cmp.omnibus_p == pytest.approx(cmp.pairs[0].p_value, rel=1e-9)


def test_money_comparison_matches_welch_and_mann_whitney():
    view = make_view()
    cmp = compare_segments(view, segment_groups(view, ["A", "B", "C"]), "revenue_per_customer")
    c = view.customers
    x = {s: c.loc[c["segment"] == s, "net_revenue"].to_numpy() for s in "ABC"}
    welch = [stats.ttest_ind(x[a], x[b], equal_var=False).pvalue for a, b in (("A", "B"), ("A", "C"), ("B", "C"))]
    mw = [stats.mannwhitneyu(x[a], x[b], alternative="two-sided").pvalue for a, b in (("A", "B"), ("A", "C"), ("B", "C"))]
    assert [p.p_value for p in cmp.pairs] == pytest.approx(welch, rel=1e-10)
    assert [p.mw_p_value for p in cmp.pairs] == pytest.approx(mw, rel=1e-10)
    assert [p.p_holm for p in cmp.pairs] == pytest.approx(list(multipletests(welch, method="holm")[1]), rel=1e-10)
    assert [p.mw_p_holm for p in cmp.pairs] == pytest.approx(list(multipletests(mw, method="holm")[1]), rel=1e-10)
    lo, hi = CompareMeans(DescrStatsW(x["A"]), DescrStatsW(x["B"])).tconfint_diff(usevar="unequal")
    assert (cmp.pairs[0].ci_low, cmp.pairs[0].ci_high) == pytest.approx((lo, hi), rel=1e-9)
    assert cmp.pairs[0].diff == pytest.approx(x["A"].mean() - x["B"].mean())
    g = cmp.groups[0]
    assert (g.ci_low, g.ci_high) == pytest.approx(DescrStatsW(x["A"]).tconfint_mean(), rel=1e-9)
    assert cmp.omnibus_test == "Kruskal-Wallis"
    assert cmp.omnibus_p == pytest.approx(stats.kruskal(*x.values()).pvalue)


def test_aov_uses_orders_of_segment_members():
    view = make_view()
    cmp = compare_segments(view, segment_groups(view, ["A", "B"]), "aov")
    o = view.orders.merge(view.customers[["customer_id", "segment"]], on="customer_id")
    a, b = (o.loc[o["segment"] == s, "net"].to_numpy() for s in "AB")
    assert cmp.groups[0].n == len(a) and cmp.groups[0].value == pytest.approx(a.mean())
    assert cmp.pairs[0].p_value == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue, rel=1e-10)


def nps_view(a: tuple[int, int, int], b: tuple[int, int, int]) -> CustomerView:
    """Responses with (promoters, passives, detractors) per segment."""
    rows = []
    for seg, counts in (("A", a), ("B", b)):
        for score, k in zip((10, 8, 3), counts):
            rows += [(seg, score)] * k
    resp = pd.DataFrame(rows, columns=["segment", "nps"])
    resp["customer_id"] = [f"{s}{i}" for i, s in enumerate(resp["segment"])]
    customers = resp[["customer_id", "segment"]].assign(orders=1, net_revenue=1.0)
    return CustomerView(customers=customers, orders=pd.DataFrame(columns=["customer_id", "ordered_at", "net"]),
                        responses=resp[["customer_id", "nps"]])


def test_nps_difference_matches_hand_computation():
    view = nps_view((5, 3, 2), (2, 3, 5))
    cmp = compare_segments(view, segment_groups(view, ["A", "B"]), "nps")
    assert [g.value for g in cmp.groups] == pytest.approx([30.0, -30.0])
    # multinomial variance: 0.5 + 0.2 - 0.3^2 = 0.61 per answer in both groups
    se = np.sqrt(0.61 / 10 + 0.61 / 10)
    assert cmp.pairs[0].diff == pytest.approx(60.0)
    assert cmp.pairs[0].p_value == pytest.approx(2 * stats.norm.sf(0.6 / se), rel=1e-12)
    assert cmp.groups[0].ci_low == pytest.approx(30 - 100 * 1.959964 * np.sqrt(0.61 / 10), rel=1e-5)


def test_nps_bands_follow_the_definition():
    view = nps_view((5, 3, 2), (2, 3, 5))                      # answers 10, 8, 3
    cmp = compare_segments(view, segment_groups(view, ["A", "B"]), "nps", promoter_min=8)
    assert [g.value for g in cmp.groups] == pytest.approx([60.0, 0.0])   # 8s now promoters


def test_nps_bootstrap_ci_is_seeded_and_close_to_normal_theory():
    view = nps_view((900, 600, 500), (700, 600, 700))
    a = compare_segments(view, segment_groups(view, ["A", "B"]), "nps", seed=3)
    b = compare_segments(view, segment_groups(view, ["A", "B"]), "nps", seed=3)
    assert (a.pairs[0].ci_low, a.pairs[0].ci_high) == (b.pairs[0].ci_low, b.pairs[0].ci_high)
    pa, da, pb, db = 0.45, 0.25, 0.35, 0.35
    se = 100 * np.sqrt((pa + da - (pa - da) ** 2) / 2000 + (pb + db - (pb - db) ** 2) / 2000)
    assert a.pairs[0].ci_low == pytest.approx(20 - 1.96 * se, abs=0.6)
    assert a.pairs[0].ci_high == pytest.approx(20 + 1.96 * se, abs=0.6)


def test_csat_and_ticket_rate_are_rates_over_the_right_units():
    view = make_view()
    cmp = compare_segments(view, segment_groups(view, ["A", "B"]), "csat")
    r = view.responses.merge(view.customers[["customer_id", "segment"]], on="customer_id")
    ra = r[r["segment"] == "A"]
    assert (cmp.groups[0].n, cmp.groups[0].successes) == (len(ra), int((ra["csat"] >= 4).sum()))
    t = compare_segments(view, segment_groups(view, ["A", "B"]), "ticket_rate")
    assert t.groups[0].successes == obs_rate(view, "A", lambda d: d["tickets"] > 0)[0]


def test_metrics_needing_joins_explain_what_to_load():
    view = make_view(with_responses=False)
    with pytest.raises(CxDataError, match="needs survey responses"):
        compare_segments(view, segment_groups(view, ["A", "B"]), "nps")
    with pytest.raises(CxDataError, match="at least two segments"):
        compare_segments(view, segment_groups(view, ["A"]), "aov")
    with pytest.raises(CxDataError, match="'short' do not match the customer table"):
        compare_segments(view, {"A": np.ones(len(view.customers), bool), "short": np.ones(3, bool)}, "aov")
    with pytest.raises(CxDataError, match="unknown comparison metric"):
        compare_segments(view, segment_groups(view, ["A", "B"]), "ltv")


def test_summary_says_what_is_and_is_not_real_and_json_is_safe():
    view = make_view()
    cmp = compare_segments(view, segment_groups(view, ["A", "B", "C"]), "conversion")
    text = cmp.summary()
    assert text.startswith("Real differences in Conversion") and "A vs B" in text
    assert "Not a real difference (could be chance): B vs C" in text
    out = json.loads(json.dumps(cmp.to_json()))
    assert out["pairs"][0]["p_holm"] == cmp.pairs[0].p_holm and len(out["groups"]) == 3
    assert cmp.to_frame()["segment"].tolist() == ["A", "B", "C"] and len(cmp.pairs_frame()) == 3


def test_small_empty_and_overlapping_groups_warn_not_raise():
    view = make_view()
    c = view.customers
    groups = {"tiny": np.asarray(c.index < 5), "none": np.zeros(len(c), bool), "A": (c["segment"] == "A").to_numpy()}
    cmp = compare_segments(view, groups, "revenue_per_customer")
    assert any("'tiny' has only 5" in w for w in cmp.warnings)
    assert any("'none' has no customers" in w for w in cmp.warnings)
    assert any("5 customer(s) are in more than one" in w for w in cmp.warnings)
    assert np.isfinite(cmp.pairs[1].p_value)                                # tiny vs A is still tested
    assert all(np.isnan(p.p_value) for p in cmp.pairs if "none" in (p.a, p.b))


@pytest.mark.parametrize("metric", [m for m in METRICS], ids=lambda m: m.name)
def test_every_metric_computes_and_describes_itself(metric):
    view = make_view()
    cmp = compare_segments(view, segment_groups(view, ["A", "C"]), metric.name)
    assert np.isfinite(cmp.pairs[0].p_value) and metric.describe().endswith(".")


def test_summary_warnings_and_definition_are_msg_templates():
    from cxlib.messages import Msg
    view = make_view()
    cmp = compare_segments(view, segment_groups(view, ["A", "B", "C"]), "conversion")
    s = cmp.summary()
    assert isinstance(s, Msg) and s.template == "{first} {second}"          # two whole sentences
    real, not_real = s.params["first"], s.params["second"]
    assert real.template == "Real differences in {metric} (Holm-adjusted p < {alpha:g}): {pairs}."
    assert real.params["metric"].template == "Conversion" and real.params["alpha"] == 0.05
    pair = not_real.params["pairs"]
    assert not_real.template == "Not a real difference (could be chance): {pairs}."
    assert pair.template == "{a} vs {b} {diff_points:+.1f} pts (p = {p:.3g})"
    assert pair.params["a"] == "B" and pair.params["diff_points"] == pytest.approx(100 * cmp.pairs[2].diff)
    money = compare_segments(view, segment_groups(view, ["A", "B"]), "aov")
    assert "{diff:+,.2f}" in money.summary().params["pairs"].template
    groups = {"tiny": np.asarray(view.customers.index < 5), "A": (view.customers["segment"] == "A").to_numpy()}
    w = compare_segments(view, groups, "revenue_per_customer").warnings
    few = next(x for x in w if "'tiny'" in x)
    assert few.template == "'{segment}' has only {n} customers: its {metric} is imprecise." and few.params["n"] == 5
    d = METRICS[0].describe()
    assert d.template == "{metric}: {definition}" and isinstance(d.params["definition"], Msg)
    with pytest.raises(CxDataError) as exc:
        compare_segments(make_view(with_responses=False), segment_groups(view, ["A", "B"]), "nps")
    assert exc.value.message.template == "{metric} needs survey responses with a {score} score joined to customers."
