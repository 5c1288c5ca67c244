"""cxlib.abstats checked against statsmodels, scipy, gbstats (GrowthBook) and hand computations."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from cxlib import abstats



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


@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.1])
def test_absolute_ci_matches_statsmodels_wald(alpha):
    res = abstats.proportion_test(410, 10000, 462, 10000, alpha=alpha)
    lo, hi = confint_proportions_2indep(462, 10000, 410, 10000, method="wald", compare="diff", alpha=alpha)
    assert res.abs_ci == pytest.approx((lo, hi), rel=1e-10)
    assert res.ci_level == pytest.approx(1 - alpha)


def test_one_sided_interval_is_the_two_sided_interval_at_twice_alpha():
    one = abstats.proportion_test(410, 10000, 462, 10000, alpha=0.05, alternative="larger")
    two = abstats.proportion_test(410, 10000, 462, 10000, alpha=0.10)
    assert one.abs_ci == pytest.approx(two.abs_ci) and one.ci_level == pytest.approx(0.90)


def test_relative_ci_matches_hand_delta_method():
    pa, pb, n = 0.041, 0.0462, 10000
    var = pb * (1 - pb) / (pa ** 2 * n) + pa * (1 - pa) * pb ** 2 / (pa ** 4 * n)
    rel = pb / pa - 1
    res = abstats.proportion_test(410, n, 462, n)
    assert res.rel_lift == pytest.approx(rel)
    assert res.rel_ci == pytest.approx((rel - 1.959963984540054 * math.sqrt(var), rel + 1.959963984540054 * math.sqrt(var)))


def test_relative_ci_matches_gbstats_proportions():
    gb = _gbstats()
    from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest
    from gbstats.models.statistics import ProportionStatistic
    a, b = ProportionStatistic(n=145274, sum=17489), ProportionStatistic(n=145310, sum=17264)
    ref = TwoSidedTTest(a, b, FrequentistConfig(difference_type="relative")).compute_result()
    res = abstats.proportion_test(17489, 145274, 17264, 145310)
    assert gb and res.rel_lift == pytest.approx(ref.expected, rel=1e-12)
    # gbstats uses a t quantile with ~290k Welch df, we use z: equal to 1e-6 (the half-width is 0.02)
    assert res.rel_ci == pytest.approx(tuple(ref.ci), abs=1e-6)


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
    assert res.rel_ci == pytest.approx(tuple(rel.ci), rel=1e-8)
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
    assert res.rel_ci == pytest.approx(tuple(ref_rel.ci), rel=1e-7)


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
