"""cxlib.analyses.power checked against statsmodels' power functions and the textbook formula."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import power_proportions_2indep, samplesize_proportions_2indep_onetail

from cxlib.analyses import power
from cxlib.core.errors import CxDataError


def test_sample_size_baseline_3pct_mde_10pct_matches_statsmodels():
    plan = power.sample_size(0.03, 0.10, alpha=0.05, power=0.8)
    ref = samplesize_proportions_2indep_onetail(0.003, 0.03, 0.8, alpha=0.05, alternative="two-sided")
    assert ref == pytest.approx(53210.3, abs=0.1)
    assert plan.n_per_variant == math.ceil(ref) == 53211
    assert plan.total == 2 * 53211
    assert "53,211 users" in plan.describe() and "3.00% to 3.30%" in plan.describe()


@pytest.mark.parametrize("baseline,mde,mde_type,alpha,pw,sides,ratio", [
    (0.10, 0.05, "relative", 0.05, 0.8, "two-sided", 1.0),
    (0.05, 0.01, "absolute", 0.01, 0.9, "two-sided", 1.0),
    (0.20, -0.10, "relative", 0.05, 0.8, "one-sided", 1.0),
    (0.03, 0.15, "relative", 0.05, 0.8, "two-sided", 2.0),
])
def test_sample_size_matches_statsmodels_grid(baseline, mde, mde_type, alpha, pw, sides, ratio):
    plan = power.sample_size(baseline, mde, mde_type=mde_type, alpha=alpha, power=pw, sides=sides, ratio=ratio)
    target = plan.target_rate
    alt = "two-sided" if sides == "two-sided" else ("larger" if target > baseline else "smaller")
    # statsmodels: nobs1 is the arm with prop1 = prop2 + diff (our variant), nobs2 = ratio * nobs1 (our control)
    nobs1 = samplesize_proportions_2indep_onetail(target - baseline, baseline, pw, ratio=1 / ratio, alpha=alpha,
                                                  alternative=alt)
    assert plan.n_per_variant == math.ceil(nobs1 / ratio - 1e-9)


@pytest.mark.parametrize("n_a,n_b,sides", [(53000, 53000, "two-sided"), (20000, 30000, "two-sided"),
                                           (10000, 10000, "one-sided")])
def test_achieved_power_matches_statsmodels(n_a, n_b, sides):
    got = power.achieved_power(0.03, 0.033, n_a, n_b, sides=sides)
    ref = power_proportions_2indep(0.003, 0.03, n_b, ratio=n_a / n_b, alpha=0.05,   # nobs1 = variant arm
                                   alternative="two-sided" if sides == "two-sided" else "larger").power
    assert got == pytest.approx(ref, rel=1e-6)


def test_mde_inverts_sample_size():
    mde = power.minimum_detectable_effect(0.03, 53211)
    assert mde == pytest.approx(0.10, abs=1e-4)
    assert power.achieved_power(0.03, 0.03 * (1 + mde), 53211) == pytest.approx(0.8, abs=1e-6)


def test_mde_is_nan_when_nothing_is_detectable():
    assert math.isnan(power.minimum_detectable_effect(0.5, 2))


@pytest.mark.parametrize("kwargs", [dict(baseline=0.0, mde=0.1), dict(baseline=0.03, mde=0.0),
                                    dict(baseline=0.6, mde=1.0), dict(baseline=0.03, mde=0.1, alpha=0.7),
                                    dict(baseline=0.03, mde=0.1, power=1.2)])
def test_bad_plans_raise_clear_errors(kwargs):
    with pytest.raises(CxDataError):
        power.sample_size(**kwargs)


def test_plan_json_round_trip_fields():
    d = power.sample_size(0.03, 0.10).to_json()
    assert d["n_per_variant"] == 53211 and d["target_rate"] == pytest.approx(0.033)


@settings(max_examples=80, deadline=None)
@given(base=st.floats(0.005, 0.5), mde=st.floats(0.02, 0.5), pw=st.floats(0.5, 0.95))
def test_planned_sample_reaches_the_wanted_power(base, mde, pw):
    plan = power.sample_size(base, mde, power=pw)
    assert power.achieved_power(base, plan.target_rate, plan.n_per_variant) >= pw - 1e-9
    assert power.achieved_power(base, plan.target_rate, max(2, plan.n_per_variant - 2)) < pw + 1e-3


def test_plan_sentence_is_one_template_per_kind_of_effect_with_numbers_as_values():
    from cxlib.core.messages import Msg
    rel = power.sample_size(0.03, 0.10).describe()
    assert isinstance(rel, Msg) and rel.template.startswith("To detect a change from {baseline:.2%} to {target:.2%} "
                                                            "({lift}) with {power:.0%} power in a two-sided test")
    assert rel.params["users"] == 53211 and rel.params["lift"].template == "{mde:+.1%} relative"
    absolute = power.sample_size(0.03, 0.003, mde_type="absolute", sides="one-sided").describe()
    assert "one-sided test" in absolute.template and absolute.params["lift"].params == {"points": pytest.approx(0.3)}
    with pytest.raises(CxDataError) as err:
        power.sample_size(0.5, 2)
    assert err.value.message.params["kind"].template == "relative" and err.value.message.params["target"] == 1.5
