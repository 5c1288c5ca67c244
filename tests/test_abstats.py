"""cxlib.core.abstats checked against statsmodels, scipy, gbstats (GrowthBook) and hand computations."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from cxlib.core import abstats



def _gbstats():
    """gbstats is a test-only oracle; skip the test when it is not installed."""
    return pytest.importorskip("gbstats")


# ------------------------------------------------------------------ proportions

@pytest.mark.parametrize("ca,na,cb,nb", [(410, 10000, 462, 10000), (17489, 145274, 17264, 145310),
                                         (3, 50, 9, 60), (120, 1000, 95, 1200)])
@pytest.mark.parametrize("alt", ["two-sided", "larger", "smaller"])
def test_ztest_matches_statsmodels(ca, na, cb, nb, alt):
    res = abstats.proportion_test(ca, na, cb, nb, alternative=alt)
    z, p = proportions_ztest([cb, ca], [nb, na], alternative=alt)
    assert res.p_value == pytest.approx(p, rel=1e-10)
    assert res.statistic == pytest.approx(z, rel=1e-10)


def _restricted_mle_statistic(ca, na, cb, nb, delta):
    """Independent oracle for the score statistic of p_b - p_a = delta: the restricted maximum likelihood
    estimate found numerically (scipy), not from the cubic."""
    from scipy import optimize

    def nll(qa):
        qb = qa + delta
        return -(cb * np.log(qb) + (nb - cb) * np.log1p(-qb) + ca * np.log(qa) + (na - ca) * np.log1p(-qa))
    lo, hi = max(0.0, -delta) + 1e-12, min(1.0, 1 - delta) - 1e-12
    qa = optimize.minimize_scalar(nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-14}).x
    qb = qa + delta
    return (cb / nb - ca / na - delta) / math.sqrt(qa * (1 - qa) / na + qb * (1 - qb) / nb)


PROPORTIONS = [(410, 10000, 462, 10000), (17489, 145274, 17264, 145310), (3, 50, 9, 60), (120, 1000, 95, 1200),
               (245, 5981, 295, 6009)]


@pytest.mark.parametrize("ca,na,cb,nb", PROPORTIONS)
@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.1])
def test_p_value_and_intervals_are_one_score_method_as_statsmodels(ca, na, cb, nb, alpha):
    from statsmodels.stats.proportion import test_proportions_2indep
    res = abstats.proportion_test(ca, na, cb, nb, alpha=alpha)
    same = test_proportions_2indep(cb, nb, ca, na, method="score", correction=False)
    assert res.p_value == pytest.approx(same.pvalue, rel=1e-10) and res.test == "score test"
    low, high = confint_proportions_2indep(cb, nb, ca, na, method="score", compare="ratio", alpha=alpha,
                                           correction=False)
    assert res.rel_ci == pytest.approx((low - 1, high - 1), rel=1e-7, abs=1e-9)
    assert res.ci_level == pytest.approx(1 - alpha)


@pytest.mark.parametrize("ca,na,cb,nb", PROPORTIONS)
def test_difference_interval_inverts_the_score_test(ca, na, cb, nb):
    # statsmodels' score interval for the difference has a wrong coefficient in its restricted estimate
    # (statsmodels issue #10269, open; value != 0 only): the oracle here maximizes the likelihood itself
    crit = stats.norm.ppf(0.975)
    lo, hi = abstats.proportion_test(ca, na, cb, nb).abs_ci
    assert _restricted_mle_statistic(ca, na, cb, nb, lo) == pytest.approx(crit, abs=1e-6)
    assert _restricted_mle_statistic(ca, na, cb, nb, hi) == pytest.approx(-crit, abs=1e-6)
    for delta in (lo, (lo + hi) / 2, hi, -0.02, 0.03):
        assert abstats.score_statistic_diff(ca, na, cb, nb, delta) == pytest.approx(
            _restricted_mle_statistic(ca, na, cb, nb, delta), abs=1e-6)
    # at "no difference" the score statistic is the pooled z of statsmodels proportions_ztest
    assert abstats.score_statistic_diff(ca, na, cb, nb, 0.0) == pytest.approx(
        proportions_ztest([cb, ca], [nb, na])[0], rel=1e-12)


def test_one_sided_interval_is_the_two_sided_interval_at_twice_alpha():
    one = abstats.proportion_test(410, 10000, 462, 10000, alpha=0.05, alternative="larger")
    two = abstats.proportion_test(410, 10000, 462, 10000, alpha=0.10)
    assert one.abs_ci == pytest.approx(two.abs_ci) and one.ci_level == pytest.approx(0.90)


def test_relative_ci_at_the_edges():
    assert abstats.proportion_test(0, 100, 5, 100).rel_ci != abstats.proportion_test(0, 100, 5, 100).rel_ci  # NaN
    low, high = abstats.proportion_test(5, 100, 0, 100).rel_ci        # the variant never converts
    ref = confint_proportions_2indep(0, 100, 5, 100, method="score", compare="ratio", correction=False)
    assert low == -1.0 and high == pytest.approx(ref[1] - 1, rel=1e-7)


# ---- the property the verdict relies on: significant <=> the interval excludes no change
_ALTS = {"two-sided": (lambda lo, hi: lo > 0 or hi < 0), "larger": (lambda lo, hi: lo > 0),
         "smaller": (lambda lo, hi: hi < 0)}


def _margin(z: float, alpha: float, alternative: str) -> float:
    """How far the statistic is from the rejection boundary (ties are decided by rounding, not by the method)."""
    crit = stats.norm.ppf(1 - (alpha / 2 if alternative == "two-sided" else alpha))
    return abs(abs(z) - crit) if alternative == "two-sided" else abs(z - crit) if alternative == "larger" \
        else abs(z + crit)


@settings(max_examples=300, deadline=None)
@given(na=st.integers(20, 50000), nb=st.integers(20, 50000), fa=st.floats(0.005, 0.995), fb=st.floats(0.005, 0.995),
       alpha=st.sampled_from([0.01, 0.05, 0.1]), alternative=st.sampled_from(list(_ALTS)))
def test_proportions_significant_iff_both_intervals_exclude_no_change(na, nb, fa, fb, alpha, alternative):
    from hypothesis import assume
    ca, cb = max(1, round(fa * na)), max(1, round(fb * nb))
    assume(ca < na and cb < nb)
    res = abstats.proportion_test(ca, na, cb, nb, alpha=alpha, alternative=alternative)
    assume(_margin(res.statistic, alpha, alternative) > 1e-6)
    significant = res.p_value < alpha
    assert _ALTS[alternative](*res.abs_ci) == significant, res
    assert _ALTS[alternative](*res.rel_ci) == significant, res


@settings(max_examples=300, deadline=None)
@given(ma=st.floats(0.5, 100), mb=st.floats(0.5, 100), sa=st.floats(0.1, 200), sb=st.floats(0.1, 200),
       na=st.integers(3, 20000), nb=st.integers(3, 20000), alpha=st.sampled_from([0.01, 0.05, 0.1]),
       alternative=st.sampled_from(list(_ALTS)))
def test_means_significant_iff_both_intervals_exclude_no_change(ma, mb, sa, sb, na, nb, alpha, alternative):
    from hypothesis import assume
    res = abstats.mean_test(ma, sa ** 2, na, mb, sb ** 2, nb, alpha=alpha, alternative=alternative)
    dof = abstats.welch_dof(sa ** 2, na, sb ** 2, nb)
    crit = stats.t.ppf(1 - (alpha / 2 if alternative == "two-sided" else alpha), dof)
    assume(abs(abs(res.statistic) - crit) > 1e-6 and abs(res.statistic - crit) > 1e-6
           and abs(res.statistic + crit) > 1e-6)
    significant = res.p_value < alpha
    assert _ALTS[alternative](*res.abs_ci) == significant
    if math.isfinite(res.rel_ci[0]):                  # bounded: the control mean is distinguishable from 0
        assert _ALTS[alternative](*res.rel_ci) == significant


def test_fieller_interval_by_brute_force_inversion():
    a, b = _sample(11, 900, 40), _sample(12, 950, 46)
    res = abstats.mean_test(a.mean(), a.var(ddof=1), len(a), b.mean(), b.var(ddof=1), len(b))
    se2a, se2b = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    crit = stats.t.ppf(0.975, abstats.welch_dof(a.var(ddof=1), len(a), b.var(ddof=1), len(b)))
    grid = np.linspace(0.5, 2.0, 300001)                  # ratios r = mean_b / mean_a kept by the test
    kept = grid[(b.mean() - grid * a.mean()) ** 2 <= crit ** 2 * (se2b + grid ** 2 * se2a)]
    assert res.rel_ci == pytest.approx((kept.min() - 1, kept.max() - 1), abs=1e-5)
    # and in a case where the delta method and Fieller differ visibly, Fieller is asymmetric around the estimate
    lo, hi = abstats.fieller_interval(10.0, 4.0, 15.0, 4.0, 1.96)
    assert hi - 0.5 > 0.5 - lo


def test_fieller_is_unbounded_when_the_control_mean_is_not_distinguishable_from_zero():
    assert all(math.isnan(x) for x in abstats.fieller_interval(1.0, 1.0, 2.0, 0.1, 1.96))


def test_udacity_ab_data_published_z_and_p():
    # Udacity "Analyze A/B Test Results" (ab_data.csv): z = 1.3109, p = 0.9051 for "new page is better"
    res = abstats.proportion_test(17489, 145274, 17264, 145310, alternative="larger")
    assert res.statistic == pytest.approx(-1.3109, abs=1e-4)
    assert res.p_value == pytest.approx(0.9051, abs=1e-4)


def test_degenerate_proportions_do_not_raise():
    res = abstats.proportion_test(0, 100, 0, 100)
    assert res.p_value == 1.0 and math.isnan(res.abs_ci[0]) and math.isnan(res.rel_lift)
    res = abstats.proportion_test(0, 0, 5, 100)
    assert res.p_value == 1.0


# ------------------------------------------------------------------ means, ratios

def _sample(seed, n, scale):
    rng = np.random.default_rng(seed)
    return rng.gamma(0.5, scale, n) * (rng.random(n) < 0.3)


@pytest.mark.parametrize("alt", ["two-sided", "larger", "smaller"])
def test_welch_matches_scipy(alt):
    a, b = _sample(1, 800, 40), _sample(2, 900, 46)
    res = abstats.mean_test(a.mean(), a.var(ddof=1), len(a), b.mean(), b.var(ddof=1), len(b), alternative=alt)
    ref = stats.ttest_ind(b, a, equal_var=False, alternative={"two-sided": "two-sided", "larger": "greater",
                                                              "smaller": "less"}[alt])
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    if alt == "two-sided":
        ci = ref.confidence_interval(0.95)
        assert res.abs_ci == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_welch_relative_and_absolute_match_gbstats():
    _gbstats()
    from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest
    from gbstats.models.statistics import SampleMeanStatistic
    a, b = _sample(3, 1500, 40), _sample(4, 1400, 46)
    sa = SampleMeanStatistic(n=len(a), sum=a.sum(), sum_squares=(a ** 2).sum())
    sb = SampleMeanStatistic(n=len(b), sum=b.sum(), sum_squares=(b ** 2).sum())
    res = abstats.mean_test(a.mean(), a.var(ddof=1), len(a), b.mean(), b.var(ddof=1), len(b))
    rel = TwoSidedTTest(sa, sb, FrequentistConfig(difference_type="relative")).compute_result()
    ab = TwoSidedTTest(sa, sb, FrequentistConfig(difference_type="absolute")).compute_result()
    assert res.rel_lift == pytest.approx(rel.expected, rel=1e-8)
    # the relative interval is Fieller's with the Welch quantile (not gbstats' delta method): its ends r - 1
    # solve (mean_b - r mean_a)^2 = t^2 (se_b^2 + r^2 se_a^2)
    t = stats.t.ppf(0.975, abstats.welch_dof(a.var(ddof=1), len(a), b.var(ddof=1), len(b)))
    for r in np.array(res.rel_ci) + 1:
        assert (b.mean() - r * a.mean()) ** 2 == pytest.approx(
            t ** 2 * (b.var(ddof=1) / len(b) + r ** 2 * a.var(ddof=1) / len(a)), rel=1e-9)
    assert res.abs_ci == pytest.approx(tuple(ab.ci), rel=1e-8)
    assert res.p_value == pytest.approx(ab.p_value, rel=1e-6)


def test_ratio_delta_method_matches_gbstats():
    _gbstats()
    from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest
    from gbstats.models.statistics import RatioStatistic, SampleMeanStatistic
    rng = np.random.default_rng(5)

    def arm(n, aov):
        orders = rng.poisson(0.4, n).astype(float)
        revenue = orders * rng.gamma(2, aov / 2, n)
        return revenue, orders

    (ma, da), (mb, db) = arm(3000, 50), arm(3100, 55)

    def gbstat(m, d):
        return RatioStatistic(n=len(m), m_statistic=SampleMeanStatistic(n=len(m), sum=m.sum(), sum_squares=(m ** 2).sum()),
                              d_statistic=SampleMeanStatistic(n=len(d), sum=d.sum(), sum_squares=(d ** 2).sum()),
                              m_d_sum_of_products=(m * d).sum())

    res = abstats.ratio_test(abstats.RatioStats.from_arrays(ma, da), abstats.RatioStats.from_arrays(mb, db))
    ref_abs = TwoSidedTTest(gbstat(ma, da), gbstat(mb, db), FrequentistConfig(difference_type="absolute")).compute_result()
    ref_rel = TwoSidedTTest(gbstat(ma, da), gbstat(mb, db), FrequentistConfig(difference_type="relative")).compute_result()
    assert res.mean_a == pytest.approx(ma.sum() / da.sum())
    assert res.abs_lift == pytest.approx(ref_abs.expected, rel=1e-9)
    assert res.abs_ci == pytest.approx(tuple(ref_abs.ci), rel=1e-7)
    assert res.p_value == pytest.approx(ref_abs.p_value, rel=1e-6)
    assert res.rel_lift == pytest.approx(ref_rel.expected, rel=1e-9)
    assert res.rel_ci == pytest.approx(tuple(ref_rel.ci), abs=0.01)    # Fieller vs gbstats' delta method: close


def test_ratio_variance_matches_bootstrap_free_hand_formula():
    m = np.array([10.0, 0, 30, 20, 0, 50])
    d = np.array([1.0, 0, 2, 1, 0, 2])
    s = abstats.RatioStats.from_arrays(m, d)
    c = np.cov(m, d)
    hand = c[0, 0] / d.mean() ** 2 - 2 * c[0, 1] * m.mean() / d.mean() ** 3 + m.mean() ** 2 * c[1, 1] / d.mean() ** 4
    assert s.ratio == pytest.approx(110 / 6) and s.unit_variance == pytest.approx(hand)


# ------------------------------------------------------------------ sequential, Bayesian, SRM, CUPED, Holm

def test_always_valid_matches_gbstats_sequential():
    _gbstats()
    from gbstats.frequentist.tests import SequentialConfig, SequentialTwoSidedTTest
    from gbstats.models.statistics import ProportionStatistic
    a, b = ProportionStatistic(n=5000, sum=230), ProportionStatistic(n=5100, sum=290)
    ref = SequentialTwoSidedTTest(a, b, SequentialConfig(difference_type="absolute",
                                                         sequential_tuning_parameter=8000)).compute_result()
    pa, pb = 230 / 5000, 290 / 5100
    var = pa * (1 - pa) / 5000 + pb * (1 - pb) / 5100
    ci, p = abstats.always_valid(pb - pa, var, 10100, tuning=8000)
    assert ci == pytest.approx(tuple(ref.ci), rel=1e-9)
    assert p == pytest.approx(ref.p_value, rel=1e-9)


def test_always_valid_interval_is_wider_than_fixed_horizon():
    t = abstats.proportion_test(230, 5000, 290, 5100)
    ci, p = abstats.always_valid(t.abs_lift, (t.mean_a * (1 - t.mean_a)) / 5000 + t.mean_b * (1 - t.mean_b) / 5100, 10100)
    assert ci[0] < t.abs_ci[0] and ci[1] > t.abs_ci[1] and p >= t.p_value


def _evan_miller_chance(ca, na, cb, nb):
    """P(p_b > p_a), closed form of Evan Miller ("Formulas for Bayesian A/B testing"), uniform priors."""
    a_a, b_a, a_b, b_b = 1 + ca, 1 + na - ca, 1 + cb, 1 + nb - cb
    i = np.arange(a_b)
    terms = (special.betaln(a_a + i, b_a + b_b) - np.log(b_b + i) - special.betaln(1 + i, b_b)
             - special.betaln(a_a, b_a))
    return float(np.exp(terms).sum())


@pytest.mark.parametrize("ca,na,cb,nb", [(41, 1000, 52, 1000), (200, 5000, 180, 5000), (3, 40, 8, 45)])
def test_chance_to_beat_matches_evan_miller_closed_form(ca, na, cb, nb):
    ctb, _, _ = abstats.beta_binomial(ca, na, cb, nb)
    assert ctb == pytest.approx(_evan_miller_chance(ca, na, cb, nb), abs=1e-8)


def test_expected_loss_matches_monte_carlo():
    rng = np.random.default_rng(7)
    a = rng.beta(1 + 41, 1 + 959, 2_000_000)
    b = rng.beta(1 + 52, 1 + 948, 2_000_000)
    ctb, loss_b, loss_a = abstats.beta_binomial(41, 1000, 52, 1000)
    assert ctb == pytest.approx((b > a).mean(), abs=2e-3)
    assert loss_b == pytest.approx(np.maximum(a - b, 0).mean(), rel=0.02)
    assert loss_a == pytest.approx(np.maximum(b - a, 0).mean(), rel=0.01)


def test_chance_to_beat_close_to_gbstats_normal_approximation_on_large_samples():
    _gbstats()
    from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig
    from gbstats.models.statistics import ProportionStatistic
    ref = EffectBayesianABTest(ProportionStatistic(n=50000, sum=2050), ProportionStatistic(n=50000, sum=2180),
                               EffectBayesianConfig(difference_type="absolute")).compute_result()
    ctb, loss_b, _ = abstats.beta_binomial(2050, 50000, 2180, 50000)
    assert ctb == pytest.approx(ref.chance_to_win, abs=2e-3)
    assert loss_b == pytest.approx(ref.risk[1], rel=0.05)


@pytest.mark.parametrize("users,weights", [([5050, 4950], None), ([4000, 6300], [0.4, 0.6]),
                                           ([1000, 1100, 870], None), ([500, 0], [0.5, 0.5])])
def test_srm_matches_scipy_chisquare_and_gbstats(users, weights):
    w = np.ones(len(users)) if weights is None else np.asarray(weights)
    exp = w / w.sum() * sum(users)
    assert abstats.srm_p_value(users, weights) == pytest.approx(stats.chisquare(users, exp).pvalue, rel=1e-9)
    _gbstats()
    from gbstats.utils import check_srm
    assert abstats.srm_p_value(users, weights) == pytest.approx(check_srm(users, list(w)), rel=1e-9)


def test_cuped_theta_and_reduction_match_ols():
    import statsmodels.api as sm
    rng = np.random.default_rng(11)
    x = rng.gamma(1, 40, 3000)
    y = 0.7 * x + rng.normal(0, 25, 3000)
    adj, theta, red = abstats.cuped(y, x)
    ols = sm.OLS(y, sm.add_constant(x)).fit()
    assert theta == pytest.approx(ols.params[1], rel=1e-9)
    assert red == pytest.approx(ols.rsquared, rel=1e-9)
    assert adj.mean() == pytest.approx(y.mean())


def test_cuped_without_covariate_variance_is_identity():
    y = np.array([1.0, 2, 3])
    adj, theta, red = abstats.cuped(y, np.zeros(3))
    assert theta == 0 and red == 0 and list(adj) == [1, 2, 3]


# ------------------------------------------------------------------ properties

counts = st.integers(min_value=1, max_value=20000)


@settings(max_examples=150, deadline=None)
@given(na=counts, nb=counts, fa=st.floats(0, 1), fb=st.floats(0, 1),
       alt=st.sampled_from(["two-sided", "larger", "smaller"]))
def test_swapping_arms_flips_lift_and_keeps_p(na, nb, fa, fb, alt):
    ca, cb = int(fa * na), int(fb * nb)
    ab = abstats.proportion_test(ca, na, cb, nb, alternative=alt)
    flipped = {"two-sided": "two-sided", "larger": "smaller", "smaller": "larger"}[alt]
    ba = abstats.proportion_test(cb, nb, ca, na, alternative=flipped)
    assert 0.0 <= ab.p_value <= 1.0
    assert ab.abs_lift == pytest.approx(-ba.abs_lift, abs=1e-12)
    assert ab.p_value == pytest.approx(ba.p_value, abs=1e-9)
    if all(map(math.isfinite, ab.abs_ci)):
        assert ab.abs_ci[0] <= ab.abs_lift <= ab.abs_ci[1]


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 10**6), k=st.integers(2, 6))
def test_srm_never_flags_an_exact_split(n, k):
    assert abstats.srm_p_value([n] * k) == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(ca=st.integers(0, 300), cb=st.integers(0, 300), extra=st.integers(0, 700))
def test_chance_to_beat_is_a_probability_and_symmetric(ca, cb, extra):
    n = 300 + extra
    ctb, lb, la = abstats.beta_binomial(ca, n, cb, n)
    back, _, _ = abstats.beta_binomial(cb, n, ca, n)
    assert 0 <= ctb <= 1 and lb >= 0 and la >= 0
    assert ctb + back == pytest.approx(1.0, abs=1e-6)


# ------------------------------------------------------------------ from sums (what an engine returns)

SIDES = {"two-sided": "two-sided", "larger": "greater", "smaller": "less"}
values = st.lists(st.one_of(st.integers(0, 6).map(float), st.floats(-1e3, 1e3, allow_nan=False)),
                  min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(x=values, y=values, alt=st.sampled_from(list(SIDES)))
def test_mann_whitney_from_rank_sums_matches_scipy(x, y, alt):
    """U exactly, the p-value to 1e-12 (the tie term is summed in another order), in both of scipy's regimes:
    exact (a sample of at most 8 values, no ties) and the normal approximation with tie and continuity
    corrections."""
    u, ties = abstats.rank_sums_of(x, y)
    oracle = stats.mannwhitneyu(x, y, alternative=SIDES[alt])
    assert u == oracle.statistic
    assert abstats.mann_whitney(u, len(x), len(y), ties, alt) == pytest.approx(oracle.pvalue, rel=1e-12, abs=1e-300)


@settings(max_examples=300, deadline=None)
@given(samples=st.lists(values, min_size=2, max_size=5))
def test_kruskal_from_rank_sums_matches_scipy(samples):
    """Kruskal-Wallis from each sample's rank sum (midranks over the pooled values), its size and the tie term:
    scipy's p-value, and NaN where scipy refuses (every value the same)."""
    pooled = np.concatenate(samples)
    ranks = stats.rankdata(pooled)
    edges = np.cumsum([0] + [len(x) for x in samples])
    sums = [ranks[a:b].sum() for a, b in itertools.pairwise(edges)]
    _, counts = np.unique(pooled, return_counts=True)
    ties = float((counts.astype(float) ** 3 - counts).sum())
    got = abstats.kruskal(sums, [len(x) for x in samples], ties)
    if len(counts) == 1:
        assert math.isnan(got)
        return
    assert got == pytest.approx(stats.kruskal(*samples).pvalue, rel=1e-9, abs=1e-300)


def test_mann_whitney_from_counts_with_a_huge_tie_matches_scipy():
    rng = np.random.default_rng(3)
    x = np.where(rng.random(300_000) < .9, 0.0, rng.gamma(2, 20, 300_000).round(1))
    y = np.where(rng.random(250_000) < .88, 0.0, rng.gamma(2, 21, 250_000).round(1))
    u, ties = abstats.rank_sums_of(x, y)
    oracle = stats.mannwhitneyu(x, y)
    assert u == oracle.statistic
    assert abstats.mann_whitney(u, len(x), len(y), ties) == pytest.approx(oracle.pvalue, rel=1e-9)


@settings(max_examples=300, deadline=None)
@given(v=st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=60),
       pct=st.one_of(st.sampled_from([50, 90, 95, 99, 99.5, 99.9]), st.floats(50, 99.999)))
def test_percentile_from_two_order_statistics_is_numpys_to_the_last_bit(v, pct):
    s = np.sort(v)
    assert abstats.percentile(lambda i: s[i], len(v), pct) == np.percentile(v, pct)


def _moments(x, y) -> abstats.Moments:
    x, y = np.asarray(x, float), np.asarray(y, float)
    return abstats.Moments(len(x), x.sum(), y.sum(), (x * x).sum(), (y * y).sum(), (x * y).sum())


def test_ratio_stats_from_sums_equal_those_from_arrays():
    rng = np.random.default_rng(4)
    orders = rng.poisson(1.2, 5_000).astype(float)
    revenue = orders * rng.gamma(2, 30, 5_000)
    a, b = abstats.RatioStats.from_arrays(revenue, orders), abstats.RatioStats.from_sums(_moments(revenue, orders))
    assert b.n == a.n
    for name in ("mean_m", "mean_d", "var_m", "var_d", "cov_md"):
        assert getattr(b, name) == pytest.approx(getattr(a, name), rel=1e-9), name
    assert abstats.RatioStats.from_sums(_moments([3.0], [1.0])) == abstats.RatioStats.from_arrays([3.0], [1.0])


@pytest.mark.parametrize("with_x", [True, False])
def test_cuped_from_sums_equals_cuped_on_arrays(with_x):
    """theta, the reduction and each arm's adjusted mean and variance, by the algebra in cuped_from_sums."""
    rng = np.random.default_rng(5)
    x = np.where(rng.random(4_000) < .6, 0.0, rng.gamma(2, 40, 4_000)) if with_x else np.zeros(4_000)
    y = 0.5 * x + rng.gamma(1.5, 20, 4_000)
    arm = rng.random(4_000) < .5
    adj, theta, red = abstats.cuped(y, x)
    pooled = _moments(x, y)
    theta2, red2 = abstats.cuped_from_sums(pooled)
    assert theta2 == pytest.approx(theta, rel=1e-9) and red2 == pytest.approx(red, rel=1e-9, abs=1e-15)
    for keep in (arm, ~arm):
        part = _moments(x[keep], y[keep])
        assert abstats.cuped_mean(part, theta2, pooled.mean_x) == pytest.approx(adj[keep].mean(), rel=1e-9)
        assert abstats.cuped_variance(part, theta2) == pytest.approx(np.var(adj[keep], ddof=1), rel=1e-9)
