"""Shared statistics checked against statsmodels."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from cxlib.core.stats import holm, proportion_ci, wilson_ci


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.01, 0.05, 0.1]))
def test_wilson_matches_statsmodels(kn, alpha):
    k, n = kn
    assert wilson_ci(k, n, alpha) == pytest.approx(proportion_confint(k, n, alpha=alpha, method="wilson"), abs=1e-12)


def test_wilson_vectorized_and_empty_denominator():
    lo, hi = wilson_ci(np.array([3, 0, 10]), np.array([10, 0, 10]))
    ref = proportion_confint(np.array([3, 10]), np.array([10, 10]), method="wilson")
    assert lo[[0, 2]] == pytest.approx(ref[0]) and hi[[0, 2]] == pytest.approx(ref[1])
    assert np.isnan(lo[1]) and np.isnan(hi[1])
    p, plo, phi = proportion_ci(0, 0)
    assert np.isnan(p) and np.isnan(plo)


def _holm_textbook(ps):
    """Holm (1979) as written: sort, multiply by (m - i), running maximum, cap at 1."""
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    out, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        out[i] = running
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=12))
def test_holm_matches_textbook_definition(ps):
    assert holm(ps) == pytest.approx(_holm_textbook(ps), abs=1e-12)


@pytest.mark.parametrize("ps", [[0.01, 0.04, 0.03], [0.2, 0.001], [0.5], [0.03, 0.03, 0.9, 0.0001], [1.0, 0.0]])
def test_holm_matches_statsmodels(ps):       # multipletests is slow (~40 ms a call): a fixed table
    assert holm(ps) == pytest.approx(multipletests(ps, method="holm")[1], abs=1e-12)


def test_holm_ignores_nan():
    out = holm([0.01, float("nan"), 0.04])
    assert np.isnan(out[1]) and out[[0, 2]] == pytest.approx(multipletests([0.01, 0.04], method="holm")[1])
