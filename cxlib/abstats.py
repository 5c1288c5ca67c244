"""A/B test statistics on sufficient statistics (counts, means, variances): no data handling here.

Every function answers one question and returns plain numbers or a small frozen dataclass;
``cxlib.experiment`` turns data into these inputs and these outputs into verdicts.

Conventions
-----------
- ``a`` is the control, ``b`` the variant; lifts are ``b - a`` (absolute) and ``(b - a) / a``
  (relative), as fractions.
- ``alternative``: ``"two-sided"``, ``"larger"`` (variant better: b > a) or ``"smaller"`` (b < a).
  For a one-sided test at level alpha the interval reported is the two-sided ``1 - 2 alpha``
  interval, whose relevant bound is exactly the one-sided bound (so the interval and the test agree).
- Relative-lift intervals use the **delta method on the ratio** (first-order Taylor expansion of
  ``mean_b / mean_a``), the method GrowthBook's gbstats uses, so results can be checked against it:
  ``Var(rel) = var_b / (mean_a^2 n_b) + var_a mean_b^2 / (mean_a^4 n_a)``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from scipy import integrate, special, stats

Alternative = Literal["two-sided", "larger", "smaller"]
ALTERNATIVES: tuple[str, ...] = ("two-sided", "larger", "smaller")


@dataclass(frozen=True, slots=True)
class LiftTest:
    """One variant against the control on one metric."""

    mean_a: float                    # control value (rate, revenue per user, ratio)
    mean_b: float                    # variant value
    abs_lift: float                  # mean_b - mean_a
    abs_ci: tuple[float, float]
    rel_lift: float                  # (mean_b - mean_a) / mean_a; NaN when mean_a == 0
    rel_ci: tuple[float, float]
    p_value: float
    statistic: float                 # z or t
    test: str                        # name of the test, shown in memos
    ci_level: float                  # e.g. 0.95


def _quantile(alpha: float, alternative: str, dof: float | None = None) -> float:
    """Critical value of the interval reported with a test at level ``alpha``."""
    q = 1 - alpha / 2 if alternative == "two-sided" else 1 - alpha
    return float(stats.norm.ppf(q) if dof is None or not np.isfinite(dof) else stats.t.ppf(q, dof))


def ci_level(alpha: float, alternative: str) -> float:
    """Coverage of the interval reported with a test at level ``alpha`` (see module docstring)."""
    return 1 - alpha if alternative == "two-sided" else 1 - 2 * alpha


def _p_from_stat(z: float, alternative: str, dof: float | None = None) -> float:
    dist = stats.norm if dof is None or not np.isfinite(dof) else stats.t(dof)
    if not np.isfinite(z):
        return float("nan")
    if alternative == "two-sided":
        return float(min(1.0, 2 * dist.sf(abs(z))))
    return float(dist.sf(z) if alternative == "larger" else dist.cdf(z))


def relative_variance(mean_a: float, var_a: float, n_a: float, mean_b: float, var_b: float, n_b: float) -> float:
    """Delta-method variance of ``mean_b / mean_a - 1`` (unit variances ``var_*``, sizes ``n_*``)."""
    if mean_a == 0 or n_a == 0 or n_b == 0:
        return float("nan")
    return var_b / (mean_a ** 2 * n_b) + var_a * mean_b ** 2 / (mean_a ** 4 * n_a)


def _intervals(mean_a, var_a, n_a, mean_b, var_b, n_b, crit) -> tuple:
    diff = mean_b - mean_a
    se_abs = float(np.sqrt(var_a / n_a + var_b / n_b)) if n_a and n_b else float("nan")
    rel = diff / mean_a if mean_a else float("nan")
    se_rel = float(np.sqrt(relative_variance(mean_a, var_a, n_a, mean_b, var_b, n_b)))
    return (diff, (diff - crit * se_abs, diff + crit * se_abs), rel, (rel - crit * se_rel, rel + crit * se_rel))


def proportion_test(conv_a: int, n_a: int, conv_b: int, n_b: int, *, alpha: float = 0.05,
                    alternative: Alternative = "two-sided") -> LiftTest:
    """Two-proportion z-test (pooled standard error under H0, as ``statsmodels proportions_ztest``).

    Absolute-lift interval: Wald with unpooled standard error ``sqrt(pa qa / na + pb qb / nb)``;
    relative-lift interval: delta method on the ratio (module docstring). Degenerate input (an empty
    arm, or no conversions at all) gives ``p_value = 1`` and NaN intervals, never an exception.
    """
    pa = conv_a / n_a if n_a else float("nan")
    pb = conv_b / n_b if n_b else float("nan")
    crit = _quantile(alpha, alternative)
    level = ci_level(alpha, alternative)
    pooled = (conv_a + conv_b) / (n_a + n_b) if n_a + n_b else float("nan")
    se0 = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b)) if n_a and n_b else 0.0
    if not se0 or not np.isfinite(se0):
        nan2 = (float("nan"), float("nan"))
        diff = pb - pa if n_a and n_b else float("nan")
        return LiftTest(pa, pb, diff, nan2, diff / pa if pa else float("nan"), nan2, 1.0, 0.0,
                        "two-proportion z-test", level)
    z = float((pb - pa) / se0)
    diff, abs_ci, rel, rel_ci = _intervals(pa, pa * (1 - pa), n_a, pb, pb * (1 - pb), n_b, crit)
    return LiftTest(pa, pb, diff, abs_ci, rel, rel_ci, _p_from_stat(z, alternative), z,
                    "two-proportion z-test", level)


def welch_dof(var_a: float, n_a: float, var_b: float, n_b: float) -> float:
    """Welch–Satterthwaite degrees of freedom."""
    num = (var_a / n_a + var_b / n_b) ** 2
    den = (var_a / n_a) ** 2 / (n_a - 1) + (var_b / n_b) ** 2 / (n_b - 1)
    return float(num / den) if den > 0 else float("inf")


def mean_test(mean_a: float, var_a: float, n_a: int, mean_b: float, var_b: float, n_b: int, *,
              alpha: float = 0.05, alternative: Alternative = "two-sided") -> LiftTest:
    """Welch t-test for a difference in means (unit variances ``var_*`` with ddof = 1).

    Intervals use the Student t quantile with Welch–Satterthwaite degrees of freedom; relative
    lift by the delta method on the ratio. Zero variance in both arms gives ``p_value = 1``.
    """
    level = ci_level(alpha, alternative)
    if n_a < 2 or n_b < 2 or (var_a <= 0 and var_b <= 0):
        nan2 = (float("nan"), float("nan"))
        diff = mean_b - mean_a
        return LiftTest(mean_a, mean_b, diff, nan2, diff / mean_a if mean_a else float("nan"), nan2,
                        1.0, 0.0, "Welch t-test", level)
    dof = welch_dof(var_a, n_a, var_b, n_b)
    t = float((mean_b - mean_a) / np.sqrt(var_a / n_a + var_b / n_b))
    diff, abs_ci, rel, rel_ci = _intervals(mean_a, var_a, n_a, mean_b, var_b, n_b, _quantile(alpha, alternative, dof))
    return LiftTest(mean_a, mean_b, diff, abs_ci, rel, rel_ci, _p_from_stat(t, alternative, dof), t,
                    "Welch t-test", level)


@dataclass(frozen=True, slots=True)
class RatioStats:
    """Sufficient statistics of a ratio metric sum(m) / sum(d) over n randomized units."""

    n: int
    mean_m: float
    mean_d: float
    var_m: float
    var_d: float
    cov_md: float

    @classmethod
    def from_arrays(cls, m: np.ndarray, d: np.ndarray) -> "RatioStats":
        m, d = np.asarray(m, float), np.asarray(d, float)
        n = len(m)
        if n < 2:
            return cls(n, float(m.mean()) if n else 0.0, float(d.mean()) if n else 0.0, 0.0, 0.0, 0.0)
        cov = np.cov(m, d, ddof=1)
        return cls(n, float(m.mean()), float(d.mean()), float(cov[0, 0]), float(cov[1, 1]), float(cov[0, 1]))

    @property
    def ratio(self) -> float:
        return self.mean_m / self.mean_d if self.mean_d else float("nan")

    @property
    def unit_variance(self) -> float:
        """Delta-method variance of the ratio times n: Var(m)/μd² − 2 Cov μm/μd³ + μm² Var(d)/μd⁴."""
        if not self.mean_d:
            return float("nan")
        md, mm = self.mean_d, self.mean_m
        return self.var_m / md ** 2 - 2 * self.cov_md * mm / md ** 3 + mm ** 2 * self.var_d / md ** 4


def ratio_test(a: RatioStats, b: RatioStats, *, alpha: float = 0.05,
               alternative: Alternative = "two-sided") -> LiftTest:
    """Ratio metric (e.g. average order value = revenue / orders) with the delta method, the unit of
    randomization (user) being the unit of analysis; Welch t on the linearized values."""
    res = mean_test(a.ratio, a.unit_variance, a.n, b.ratio, b.unit_variance, b.n, alpha=alpha,
                    alternative=alternative)
    return replace(res, test="delta-method t-test")


def always_valid(estimate: float, variance: float, n_total: int, *, alpha: float = 0.05,
                 tuning: float = 5000.0) -> tuple[tuple[float, float], float]:
    """Always-valid (sequential) two-sided interval and p-value for a normal estimate.

    Asymptotic confidence sequence of Waudby-Smith et al. (2023, arXiv:2103.06476, eq. 9 for the
    interval, eq. 155 for the p-value) with ``rho`` from eq. 161, as in gbstats; ``tuning`` is the
    total sample size at which the sequence is tightest (set it to the planned sample). ``variance``
    is the variance of the estimate. Valid however often the results are looked at.
    """
    if not (variance > 0 and n_total > 0 and np.isfinite(estimate)):
        return (float("nan"), float("nan")), 1.0
    rho = np.sqrt((-2 * np.log(alpha) + np.log(-2 * np.log(alpha) + 1)) / tuning)
    s2 = variance * n_total
    k = n_total * rho ** 2 + 1
    width = np.sqrt(s2) * np.sqrt(2 * k * np.log(np.sqrt(k) / alpha) / (n_total * rho) ** 2)
    st2 = estimate ** 2 * n_total / variance
    evalue = np.exp(rho ** 2 * st2 / (2 * k)) / np.sqrt(k)
    return (float(estimate - width), float(estimate + width)), float(min(1.0, 1 / evalue))


def beta_binomial(conv_a: int, n_a: int, conv_b: int, n_b: int, *, prior: tuple[float, float] = (1.0, 1.0)
                  ) -> tuple[float, float, float]:
    """Bayesian comparison of two rates with Beta(prior) priors (Beta-Binomial model).

    Returns ``(chance_to_beat, loss_b, loss_a)``: P(p_b > p_a), and the expected loss in absolute
    rate of shipping the variant, E[max(p_a - p_b, 0)], and of keeping the control,
    E[max(p_b - p_a, 0)]. Computed by adaptive quadrature over the variant's posterior:
    P(p_b > p_a) = ∫ f_b(y) F_a(y) dy and
    E[max(p_a - y, 0)] = μ_a (1 − I_y(α_a+1, β_a)) − y (1 − I_y(α_a, β_a)).
    """
    aa, ba = prior[0] + conv_a, prior[1] + n_a - conv_a
    ab, bb = prior[0] + conv_b, prior[1] + n_b - conv_b
    post_b = stats.beta(ab, bb)
    lo, hi = post_b.ppf(1e-12), post_b.isf(1e-12)
    mu_a = aa / (aa + ba)

    def gain_a(y):             # E[max(p_a - y, 0)]
        return mu_a * special.betaincc(aa + 1, ba, y) - y * special.betaincc(aa, ba, y)

    pts = np.linspace(lo, hi, 9)[1:-1]
    ctb = integrate.quad(lambda y: post_b.pdf(y) * special.betainc(aa, ba, y), lo, hi, points=pts, limit=200)[0]
    loss_b = integrate.quad(lambda y: post_b.pdf(y) * gain_a(y), lo, hi, points=pts, limit=200)[0]
    mu_b = ab / (ab + bb)
    loss_a = loss_b + mu_b - mu_a       # E[max(b-a,0)] - E[max(a-b,0)] = E[b - a]
    return float(np.clip(ctb, 0, 1)), float(max(loss_b, 0.0)), float(max(loss_a, 0.0))


def srm_p_value(users: list[int] | np.ndarray, weights: list[float] | np.ndarray | None = None) -> float:
    """Sample ratio mismatch: Pearson chi-square goodness-of-fit of observed users per variant
    against the intended split ``weights`` (default equal). Returns the p-value (1.0 when no users)."""
    obs = np.asarray(users, float)
    w = np.ones(len(obs)) if weights is None else np.asarray(weights, float)
    if obs.sum() <= 0 or len(obs) < 2:
        return 1.0
    exp = w / w.sum() * obs.sum()
    keep = exp > 0
    chi2 = float((((obs - exp) ** 2)[keep] / exp[keep]).sum())
    return float(stats.chi2.sf(chi2, len(obs) - 1))


def cuped(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, float, float]:
    """CUPED (Deng et al. 2013): ``y - theta (x - mean(x))`` with ``theta = Cov(y, x) / Var(x)``
    pooled over all units. Returns ``(adjusted, theta, variance_reduction)`` where the reduction is
    ``1 - Var(adjusted) / Var(y)`` (= squared correlation of y and x)."""
    y, x = np.asarray(y, float), np.asarray(x, float)
    vx = float(np.var(x, ddof=1)) if len(x) > 1 else 0.0
    vy = float(np.var(y, ddof=1)) if len(y) > 1 else 0.0
    if vx <= 0 or vy <= 0:
        return y.copy(), 0.0, 0.0
    theta = float(np.cov(y, x, ddof=1)[0, 1] / vx)
    adj = y - theta * (x - x.mean())
    return adj, theta, float(1 - np.var(adj, ddof=1) / vy)
