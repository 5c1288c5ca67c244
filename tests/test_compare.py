"""cxlib.analyses.compare: segment comparisons checked against scipy/statsmodels and hand computations."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from cxlib.analyses.compare import METRICS, compare_segments, segment_groups
from cxlib.core.errors import CxDataError
from cxlib.analyses.segments import CustomerView


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
    cmp = compare_segments(view, segment_groups(view, ["A", "B", "C"]), "revenue_per_customer", population="all")
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
    assert text.startswith("Compared among all 900 customers, whether or not they bought or answered the survey. "
                           "Real differences in Conversion") and "A vs B" in text
    assert "Not a real difference (could be chance): B vs C" in text
    out = json.loads(json.dumps(cmp.to_json()))
    assert out["pairs"][0]["p_holm"] == cmp.pairs[0].p_holm and len(out["groups"]) == 3
    assert cmp.to_frame()["segment"].tolist() == ["A", "B", "C"] and len(cmp.pairs_frame()) == 3


def test_small_empty_and_overlapping_groups_warn_not_raise():
    view = make_view()
    c = view.customers
    groups = {"tiny": np.asarray(c.index < 5), "none": np.zeros(len(c), bool), "A": (c["segment"] == "A").to_numpy()}
    cmp = compare_segments(view, groups, "revenue_per_customer", population="all")
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
    from cxlib.core.messages import Msg
    view = make_view()
    cmp = compare_segments(view, segment_groups(view, ["A", "B", "C"]), "conversion")
    s = cmp.summary()
    assert isinstance(s, Msg) and s.template == "{first} {second}"          # whole sentences
    assert s.params["first"].template.startswith("Compared among all {total:,} customers")     # the baseline first
    real, not_real = s.params["second"].params["first"], s.params["second"].params["second"]
    assert real.template == "Real differences in {metric} (Holm-adjusted p < {alpha:g}): {pairs}."
    assert real.params["metric"].template == "Conversion" and real.params["alpha"] == 0.05
    pair = not_real.params["pairs"]
    assert not_real.template == "Not a real difference (could be chance): {pairs}."
    assert pair.template == "{a} vs {b} {diff_points:+.1f} pts (p = {p:.3g})"
    assert pair.params["a"] == "B" and pair.params["diff_points"] == pytest.approx(100 * cmp.pairs[2].diff)
    money = compare_segments(view, segment_groups(view, ["A", "B"]), "aov")
    assert "{diff:+,.2f}" in money.summary().params["second"].params["pairs"].template
    groups = {"tiny": np.asarray(view.customers.index < 5), "A": (view.customers["segment"] == "A").to_numpy()}
    w = compare_segments(view, groups, "revenue_per_customer", population="all").warnings
    few = next(x for x in w if "'tiny'" in x)
    assert few.template == "'{segment}' has only {n} customers: its {metric} is imprecise." and few.params["n"] == 5
    d = METRICS[0].describe()
    assert d.template == "{metric}: {definition}" and isinstance(d.params["definition"], Msg)
    with pytest.raises(CxDataError) as exc:
        compare_segments(make_view(with_responses=False), segment_groups(view, ["A", "B"]), "nps")
    assert exc.value.message.template == "{metric} needs survey responses with a {score} score joined to customers."


# ---- fair baseline (issue 20, finding 2) -----------------------------------------------------------
def survey_view() -> CustomerView:
    """3 detractors (revenue 10, 20, 30), 3 promoters (40, 50, 60), 4 buyers who never answered
    (100 each) and 2 customers without a valid order who never answered (0)."""
    from cxlib.analyses.segments import nps_band
    ids = [f"c{i}" for i in range(12)]
    nps = [2, 5, 6, 9, 10, 9] + [np.nan] * 6
    customers = pd.DataFrame({"customer_id": ids, "orders": [1] * 10 + [0, 0],
                              "net_revenue": [10, 20, 30, 40, 50, 60, 100, 100, 100, 100, 0, 0.0], "nps": nps})
    customers["nps_band"] = nps_band(customers["nps"])
    orders = pd.DataFrame({"customer_id": ids[:10], "ordered_at": pd.Timestamp("2024-01-01", tz="UTC"),
                           "net": customers["net_revenue"][:10]})
    responses = pd.DataFrame({"customer_id": ids[:6], "nps": nps[:6]})
    return CustomerView(customers=customers, orders=orders, responses=responses)


def detractors(view: CustomerView) -> np.ndarray:
    from cxlib.analyses.segment_rules import rule_mask
    return rule_mask("nps <= 6", view.customers)


def test_survey_group_vs_everyone_else_on_revenue_counts_respondent_buyers_only():
    from cxlib.analyses.compare import EVERYONE_ELSE, Group
    view = survey_view()
    groups = [Group("Detractors", detractors(view), frozenset({"nps"})), Group(EVERYONE_ELSE, None)]
    cmp = compare_segments(view, groups, "revenue_per_customer")
    assert [(g.segment, g.n, g.value) for g in cmp.groups] == [("Detractors", 3, 20.0), ("Everyone else", 3, 50.0)]
    assert cmp.pairs[0].diff == pytest.approx(-30.0)
    assert cmp.population.name == "buyers_respondents" and (cmp.population.customers, cmp.population.total) == (6, 12)
    assert cmp.summary().startswith("Compared among customers who answered the NPS question and have at least one "
                                    "valid order: 6 of 12. This is the fair baseline: the groups come from the survey "
                                    "and Revenue per customer from orders.")
    assert not [w for w in cmp.warnings if "differ in who" in w]
    assert cmp.to_json()["population"] == {"baseline": "buyers_respondents", "chosen": "auto", "answered": ["nps"],
                                           "customers": 6, "total": 12}


def test_all_customers_baseline_reproduces_the_unfair_answer_and_warns():
    from cxlib.analyses.compare import EVERYONE_ELSE, Group
    view = survey_view()
    groups = [Group("Detractors", detractors(view), frozenset({"nps"})), Group(EVERYONE_ELSE, None)]
    cmp = compare_segments(view, groups, "revenue_per_customer", population="all")
    rest = (40 + 50 + 60 + 400) / 9                             # promoters, 4 non-respondents, 2 at 0
    assert cmp.groups[1].n == 9 and cmp.groups[1].value == pytest.approx(rest)
    assert cmp.summary().startswith("Compared among all 12 customers")
    differ = [w for w in cmp.warnings if "differ in who" in w]
    assert len(differ) == 2
    assert "customers without a valid order make up 0% of 'Detractors', 22% of 'Everyone else'" in differ[0]
    assert "customers who did not answer make up 0% of 'Detractors', 67% of 'Everyone else'" in differ[1]
    buyers = compare_segments(view, groups, "revenue_per_customer", population="buyers")
    assert buyers.groups[1].n == 7 and buyers.groups[1].value == pytest.approx(550 / 7)
    assert [w for w in buyers.warnings if "differ in who" in w] == [differ[1].replace("67%", "57%")]


def test_nps_band_groups_compare_detractors_with_promoters():
    from cxlib.analyses.compare import nps_band_groups
    view = survey_view()
    bands = nps_band_groups(view)
    assert [(g.name, int(g.mask.sum())) for g in bands] == [("Detractors", 3), ("Passives", 0), ("Promoters", 3)]
    cmp = compare_segments(view, [bands[0], bands[2]], "revenue_per_customer")
    assert [g.value for g in cmp.groups] == [20.0, 50.0] and cmp.population.name == "buyers_respondents"
    welch = stats.ttest_ind([10, 20, 30], [40, 50, 60], equal_var=False).pvalue
    assert cmp.pairs[0].p_value == pytest.approx(welch, rel=1e-12)


def test_order_metric_on_order_groups_counts_buyers_and_conversion_everyone():
    view = make_view()
    c = view.customers
    cmp = compare_segments(view, segment_groups(view, ["A", "B"]), "revenue_per_customer")
    buyers_a = c.loc[(c["segment"] == "A") & (c["orders"] > 0), "net_revenue"]
    assert cmp.population.name == "buyers" and cmp.groups[0].n == len(buyers_a)
    assert cmp.groups[0].value == pytest.approx(buyers_a.mean())
    assert compare_segments(view, segment_groups(view, ["A", "B"]), "conversion").population.name == "all"
    everyone = compare_segments(view, segment_groups(view, ["A", "B"]), "revenue_per_customer", population="all")
    share = {s: (c.loc[c["segment"] == s, "orders"] == 0).mean() for s in "AB"}       # 40% and 53%
    assert any(f"customers without a valid order make up {share['A']:.0%} of 'A', {share['B']:.0%} of 'B'" in w
               for w in everyone.warnings)


def test_baseline_errors_name_the_problem():
    view = make_view(with_responses=False)
    with pytest.raises(CxDataError, match="no survey answers are joined"):
        compare_segments(view, segment_groups(view, ["A", "B"]), "aov", population="respondents")
    with pytest.raises(CxDataError, match="unknown baseline"):
        compare_segments(view, segment_groups(view, ["A", "B"]), "aov", population="fair")
    masks = segment_groups(view, ["A", "B"])
    from cxlib.analyses.compare import Group
    with pytest.raises(CxDataError, match="two compared groups are called 'A'"):
        compare_segments(view, [Group("A", masks["A"]), Group("A", masks["B"])], "aov")


def test_comparison_groups_keys_survive_a_rename():
    from cxlib.analyses.compare import comparison_groups
    from cxlib.analyses.segment_members import RuleSpec, rule_segments
    view = survey_view()
    view.customers["segment"] = "Champions"
    before = comparison_groups(view, ["Champions"], rule_segments(view, [RuleSpec("Unhappy", "nps <= 6", id="7")]))
    after = comparison_groups(view, ["Champions"], rule_segments(view, [RuleSpec("Detractors", "nps <= 6", id="7")]))
    assert list(before) == list(after) == ["rfm:Champions", "nps:detractor", "nps:passive", "nps:promoter", "rule:7", "rest"]
    assert after["rule:7"].name == "Detractors" and after["rule:7"].fields == {"nps"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans()), min_size=2, max_size=40))
def test_everyone_else_is_the_baseline_minus_the_other_groups(rows):
    from cxlib.analyses.compare import EVERYONE_ELSE, Group, _group_masks
    a, b, base = (np.array([r[i] for r in rows]) for i in (0, 1, 2))
    masks = _group_masks([Group("a", a), Group("b", b), Group(EVERYONE_ELSE, None)], base)
    assert (masks[EVERYONE_ELSE] == (base & ~a & ~b)).all()
    assert not (masks["a"] & ~base).any() and not (masks[EVERYONE_ELSE] & (a | b)).any()


def test_detractors_on_the_sample_shop_match_a_pandas_computation():
    """Finding 2: 'nps <= 6' vs everyone else said detractors bring EUR 81.92 more per customer; among
    respondents (the fair baseline) there is no real difference, also against promoters."""
    from cxlib.analyses.compare import EVERYONE_ELSE, Group, nps_band_groups
    from cxlib.data.loader import load_path
    from cxlib.analyses.segments import compute_rfm
    from cxlib.analyses.segment_members import rule_segment
    from cxlib.analyses.segments import build_customer_view
    from tests import sample_oracles as so
    base = Path(__file__).resolve().parent.parent / "sample_data"
    rfm = compute_rfm(load_path(base / "orders_shopify.csv"))
    view = build_customer_view(rfm, load_path(base / "customers.csv"), load_path(base / "survey_responses.csv"))
    c = so.customers()
    resp = c[c["nps"].notna() & (c["orders"] > 0)]
    det, other, pro = (resp.loc[m, "net_revenue"] for m in (resp["nps"] <= 6, resp["nps"] > 6, resp["nps"] >= 9))
    seg = rule_segment(view, "nps <= 6", "Detractors")
    cmp = compare_segments(view, [Group(seg.name, seg.mask, seg.fields), Group(EVERYONE_ELSE, None)],
                           "revenue_per_customer")
    assert [g.n for g in cmp.groups] == [len(det), len(other)] == [108, 480]
    assert [g.value for g in cmp.groups] == pytest.approx([det.mean(), other.mean()])     # 168.70 vs 167.79
    assert cmp.pairs[0].p_value == pytest.approx(stats.ttest_ind(det, other, equal_var=False).pvalue, rel=1e-9)
    assert not cmp.pairs[0].significant
    bands = {g.name: g for g in nps_band_groups(view)}
    vs = compare_segments(view, [bands["Detractors"], bands["Promoters"]], "revenue_per_customer")
    assert [g.n for g in vs.groups] == [108, len(pro)] == [108, 300]
    assert [round(g.value, 2) for g in vs.groups] == [round(det.mean(), 2), round(pro.mean(), 2)] == [168.70, 170.92]
    assert vs.pairs[0].diff < 0 and not vs.pairs[0].significant       # detractors bring less, not reliably
    unfair = compare_segments(view, [Group(seg.name, seg.mask, seg.fields), Group(EVERYONE_ELSE, None)],
                              "revenue_per_customer", population="all")
    everyone = c.loc[~(c["nps"] <= 6), "net_revenue"]
    assert unfair.pairs[0].diff == pytest.approx(det.mean() - everyone.mean()) and round(unfair.pairs[0].diff, 2) == 81.92
    assert any("who answered the survey" in w for w in unfair.warnings)
