"""A/B test statistics on sufficient statistics (counts, means, variances): no data handling here.

Every function answers one question and returns plain numbers or a small frozen dataclass;
``cxlib.analyses.experiment`` turns data into these inputs and these outputs into verdicts.

Conventions
-----------
- ``a`` is the control, ``b`` the variant; lifts are ``b - a`` (absolute) and ``(b - a) / a``
  (relative), as fractions.
- ``alternative``: ``"two-sided"``, ``"larger"`` (variant better: b > a) or ``"smaller"`` (b < a).
  For a one-sided test at level alpha the interval reported is the two-sided ``1 - 2 alpha``
  interval, whose relevant bound is exactly the one-sided bound (so the interval and the test agree).
- **One method per comparison: the p-value and both intervals come from the same test statistic**, the
  intervals being the values of the change that the test would not reject. So a result is significant
  exactly when its intervals exclude 0 (absolute) and 0 % (relative): a verdict never says
  "significant" next to an interval that touches 0.

  * Proportions: the score test (Miettinen-Nurminen / Farrington-Manning, without the small-sample
    factor n/(n-1)); at "no difference" it is the pooled two-proportion z-test. The difference and
    the ratio intervals invert it (statsmodels ``test_proportions_2indep`` and
    ``confint_proportions_2indep`` with ``method="score", correction=False`` give the same numbers).
  * Means (revenue per user; average order value linearized by the delta method): the Welch t-test;
    the absolute interval is its own, the relative one is Fieller's interval for ``mean_b / mean_a``
    with the same critical value (unbounded, given as NaN, when the control mean itself is not
    distinguishable from 0).
  * Always-valid (sequential) results: one confidence sequence gives the p-value and the absolute
    interval; the relative interval is Fieller's with the sequence's critical value.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from scipy import integrate, optimize, special, stats

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


def fieller_interval(mean_a: float, se2_a: float, mean_b: float, se2_b: float, crit: float) -> tuple[float, float]:
    """Fieller's interval for the relative change ``mean_b / mean_a - 1`` of two independent means with
    squared standard errors ``se2_*``: the ratios r with ``(mean_b - r mean_a)^2 <= crit^2 (se2_b + r^2 se2_a)``.

    At r = 1 the inequality is the Wald/Welch test of "no difference" with the same ``crit``, so the
    interval excludes 0 exactly when that test rejects. NaN bounds when the set is unbounded (the
    control mean is not distinguishable from 0 at this level) or the input is degenerate.
    """
    a = mean_a ** 2 - crit ** 2 * se2_a
    if not (np.isfinite(a) and np.isfinite(mean_b) and a > 0):
        return float("nan"), float("nan")
    half = crit * np.sqrt(mean_a ** 2 * se2_b + mean_b ** 2 * se2_a - crit ** 2 * se2_a * se2_b)
    return float((mean_a * mean_b - half) / a - 1), float((mean_a * mean_b + half) / a - 1)


def _intervals(mean_a, var_a, n_a, mean_b, var_b, n_b, crit) -> tuple:
    """Absolute (Wald/Welch) and relative (Fieller) intervals with one critical value."""
    diff = mean_b - mean_a
    se_abs = float(np.sqrt(var_a / n_a + var_b / n_b)) if n_a and n_b else float("nan")
    rel = diff / mean_a if mean_a else float("nan")
    rel_ci = fieller_interval(mean_a, var_a / n_a, mean_b, var_b / n_b, crit) if n_a and n_b else (np.nan, np.nan)
    return (diff, (diff - crit * se_abs, diff + crit * se_abs), rel, rel_ci)


def score_statistic_diff(conv_a: int, n_a: int, conv_b: int, n_b: int, delta: float = 0.0) -> float:
    """Score statistic of "p_b - p_a = delta" (Farrington & Manning 1990: restricted maximum likelihood
    estimates from the cubic of Miettinen & Nurminen 1985, no n/(n-1) factor); at 0 the pooled z."""
    pa, pb = conv_a / n_a, conv_b / n_b
    if delta == 0:
        qa = qb = (conv_a + conv_b) / (n_a + n_b)
    else:                                      # the variant is sample 1, the control sample 2
        th = n_a / n_b
        a = 1 + th
        b = -(1 + th + pb + th * pa + delta * (th + 2))
        c = delta ** 2 + delta * (2 * pb + th + 1) + pb + th * pa
        d = -pb * delta * (1 + delta)
        v = b ** 3 / (3 * a) ** 3 - b * c / (6 * a ** 2) + d / (2 * a)
        u = np.sign(v) * np.sqrt(max(b ** 2 / (3 * a) ** 2 - c / (3 * a), 0.0))
        w = (np.pi + np.arccos(np.clip(v / u ** 3, -1, 1))) / 3 if u else np.pi / 2
        qb = float(np.clip(2 * u * np.cos(w) - b / (3 * a), 0, 1))
        qa = float(np.clip(qb - delta, 0, 1))
    return _z(pb - pa - delta, qb * (1 - qb) / n_b + qa * (1 - qa) / n_a)


def _z(num: float, var: float) -> float:
    """num / sqrt(var); a zero variance (all or no conversions under the hypothesis) gives +-inf or 0."""
    if var > 0:
        return float(num / np.sqrt(var))
    return float(np.copysign(np.inf, num)) if num else 0.0


def score_statistic_ratio(conv_a: int, n_a: int, conv_b: int, n_b: int, ratio: float = 1.0) -> float:
    """Score statistic of "p_b / p_a = ratio" (Miettinen & Nurminen 1985: restricted estimates from a
    quadratic, no n/(n-1) factor); at ratio 1 the pooled z, as for the difference."""
    pa, pb = conv_a / n_a, conv_b / n_b
    a = (n_a + n_b) * ratio
    b = -(n_b * ratio + conv_b + n_a + conv_a * ratio)
    c = conv_a + conv_b
    qa = float(2 * c / (-b + np.sqrt(max(b * b - 4 * a * c, 0.0))))      # the smaller root, without cancellation
    qb = qa * ratio
    return _z(pb - ratio * pa, qb * (1 - qb) / n_b + ratio ** 2 * qa * (1 - qa) / n_a)


def _invert(stat, estimate: float, low: float, high: float, crit: float) -> tuple[float, float]:
    """Where the decreasing statistic ``stat`` (0 at ``estimate``) crosses ``crit`` below the estimate and
    ``-crit`` above it, searched within (low, high); an edge when it never gets there."""
    def f(x: float, target: float) -> float:
        return float(np.clip(stat(x) - target, -1e12, 1e12))         # +-inf at the edges: still a sign

    def bound(target: float, edge: float) -> float:
        if np.sign(f(edge, target)) == np.sign(f(estimate, target)):
            return edge
        return float(optimize.brentq(f, *sorted((estimate, edge)), args=(target,), xtol=1e-15, rtol=1e-13,
                                     maxiter=300))
    return bound(crit, low), bound(-crit, high)


def score_interval_diff(conv_a: int, n_a: int, conv_b: int, n_b: int, crit: float) -> tuple[float, float]:
    """Interval of ``p_b - p_a``: the differences the score test does not reject at ``crit``."""
    diff = conv_b / n_b - conv_a / n_a
    return _invert(lambda d: score_statistic_diff(conv_a, n_a, conv_b, n_b, d), diff, -1.0, 1.0, crit)


def score_interval_relative(conv_a: int, n_a: int, conv_b: int, n_b: int, crit: float) -> tuple[float, float]:
    """Interval of ``p_b / p_a - 1``: the ratios the score test does not reject at ``crit`` (searched on
    the log scale; NaN without control conversions, lower bound -100 % without variant conversions)."""
    if conv_a == 0:
        return float("nan"), float("nan")
    stat = (lambda x: score_statistic_ratio(conv_a, n_a, conv_b, n_b, float(np.exp(x))))
    if conv_b == 0:
        return -1.0, float(np.expm1(_invert(stat, -40.0, -40.0, 40.0, crit)[1]))
    est = float(np.log((conv_b / n_b) / (conv_a / n_a)))
    lo, hi = _invert(stat, est, est - 40, est + 40, crit)
    return float(np.expm1(lo)), float(np.expm1(hi))


def proportion_test(conv_a: int, n_a: int, conv_b: int, n_b: int, *, alpha: float = 0.05,
                    alternative: Alternative = "two-sided") -> LiftTest:
    """Score test of two proportions with its own intervals (module docstring).

    The p-value is the pooled two-proportion z-test (``statsmodels proportions_ztest``), which is the
    score test at "no difference"; the absolute and relative intervals invert the same score test, so
    significant <=> both exclude 0. Degenerate input (an empty arm, or no conversions at all) gives
    ``p_value = 1`` and NaN intervals, never an exception.
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
                        "score test", level)
    z = float((pb - pa) / se0)
    abs_ci = score_interval_diff(conv_a, n_a, conv_b, n_b, crit)
    rel_ci = score_interval_relative(conv_a, n_a, conv_b, n_b, crit)
    return LiftTest(pa, pb, pb - pa, abs_ci, (pb - pa) / pa if pa else float("nan"), rel_ci,
                    _p_from_stat(z, alternative), z, "score test", level)


def welch_dof(var_a: float, n_a: float, var_b: float, n_b: float) -> float:
    """Welch–Satterthwaite degrees of freedom."""
    num = (var_a / n_a + var_b / n_b) ** 2
    den = (var_a / n_a) ** 2 / (n_a - 1) + (var_b / n_b) ** 2 / (n_b - 1)
    return float(num / den) if den > 0 else float("inf")


def mean_test(mean_a: float, var_a: float, n_a: int, mean_b: float, var_b: float, n_b: int, *,
              alpha: float = 0.05, alternative: Alternative = "two-sided") -> LiftTest:
    """Welch t-test for a difference in means (unit variances ``var_*`` with ddof = 1).

    Intervals use the Student t quantile with Welch–Satterthwaite degrees of freedom: the absolute one
    is the test's own, the relative one Fieller's with the same quantile (so both agree with the
    p-value). Zero variance in both arms gives ``p_value = 1``.
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
class Moments:
    """Sums over ``n`` units of two per-unit values ``x`` and ``y``: what an engine returns instead of the values.

    The sample (ddof = 1) variances and covariance follow from them:
    ``Var(x) = (Σx² − (Σx)²/n) / (n − 1)`` and ``Cov(x, y) = (Σxy − Σx Σy / n) / (n − 1)``. They equal the
    two-pass values numpy computes from the arrays up to rounding: the relative error grows with
    ``mean² / variance``, about 1e-15 for revenue per user."""

    n: int
    sx: float = 0.0
    sy: float = 0.0
    sxx: float = 0.0
    syy: float = 0.0
    sxy: float = 0.0

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.sx + other.sx, self.sy + other.sy, self.sxx + other.sxx,
                       self.syy + other.syy, self.sxy + other.sxy)

    @property
    def mean_x(self) -> float:
        return self.sx / self.n if self.n else float("nan")

    @property
    def mean_y(self) -> float:
        return self.sy / self.n if self.n else float("nan")

    def _co(self, sab: float, sa: float, sb: float) -> float:
        return (sab - sa * sb / self.n) / (self.n - 1) if self.n > 1 else float("nan")

    @property
    def var_x(self) -> float:
        return self._co(self.sxx, self.sx, self.sx)

    @property
    def var_y(self) -> float:
        return self._co(self.syy, self.sy, self.sy)

    @property
    def cov(self) -> float:
        return self._co(self.sxy, self.sx, self.sy)


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

    @classmethod
    def from_sums(cls, s: Moments) -> RatioStats:
        """The same statistics from sums over the units (``x`` = m, ``y`` = d), as an engine computes them;
        equal to :meth:`from_arrays` up to rounding (see :class:`Moments`)."""
        if s.n < 2:
            return cls(s.n, s.sx / s.n if s.n else 0.0, s.sy / s.n if s.n else 0.0, 0.0, 0.0, 0.0)
        return cls(s.n, s.mean_x, s.mean_y, s.var_x, s.var_y, s.cov)

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


def always_valid_crit(n_total: int, *, alpha: float = 0.05, tuning: float = 5000.0) -> float:
    """The multiple of the standard error that makes the half-width of :func:`always_valid`'s interval at
    ``n_total`` units (it depends on the sample size and the tuning, not on the data)."""
    if not n_total > 0:
        return float("nan")
    rho = np.sqrt((-2 * np.log(alpha) + np.log(-2 * np.log(alpha) + 1)) / tuning)
    k = n_total * rho ** 2 + 1
    return float(np.sqrt(2 * k * np.log(np.sqrt(k) / alpha) / n_total) / rho)


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


def cuped_from_sums(pooled: Moments) -> tuple[float, float]:
    """:func:`cuped`'s ``(theta, variance_reduction)`` from sums over all units (``x`` the covariate, ``y`` the
    outcome). With ``theta = Cov(y, x) / Var(x)``, the adjusted value ``y − theta (x − mean(x))`` has variance
    ``Var(y) − 2 theta Cov + theta² Var(x)``, so the reduction is ``1 − that / Var(y)`` (= corr², written
    the long way as :func:`cuped` computes it)."""
    vx = pooled.var_x if pooled.n > 1 else 0.0
    vy = pooled.var_y if pooled.n > 1 else 0.0
    if not (vx > 0 and vy > 0):
        return 0.0, 0.0
    theta = pooled.cov / vx
    return float(theta), float(1 - cuped_variance(pooled, theta) / vy)


def cuped_mean(arm: Moments, theta: float, pooled_mean_x: float) -> float:
    """The mean of ``y − theta (x − pooled_mean_x)`` over one arm's units, from its sums."""
    return (arm.sy - theta * (arm.sx - arm.n * pooled_mean_x)) / arm.n if arm.n else float("nan")


def cuped_variance(arm: Moments, theta: float) -> float:
    """The sample variance of ``y − theta (x − c)`` over the units summed in ``arm`` (any constant ``c``):
    ``Var(y) − 2 theta Cov(y, x) + theta² Var(x)``."""
    if theta == 0:
        return arm.var_y
    return arm.var_y - 2 * theta * arm.cov + theta ** 2 * arm.var_x


def rank_sums(counts_x: np.ndarray, counts_y: np.ndarray) -> tuple[float, float]:
    """Mann-Whitney's ``U`` of sample x and the tie term ``Σ(t³ − t)`` from the counts of x and of y at each
    distinct value of the pooled samples, in ascending order of the value. Each value's units share its
    midrank ``before + (t + 1) / 2`` (``before``: units at smaller values, ``t``: units at this value);
    ``U = Σ count_x · midrank − n_x (n_x + 1) / 2``. An engine computes the same two numbers with a window
    over the distinct values (:mod:`cxlib.analyses.experiment_engine`)."""
    cx, cy = np.asarray(counts_x, float), np.asarray(counts_y, float)
    t = cx + cy
    before = np.cumsum(t) - t
    n_x = cx.sum()
    u = float((cx * (2 * before + t + 1)).sum() / 2 - n_x * (n_x + 1) / 2)
    return u, float((t ** 3 - t).sum())


def rank_sums_of(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """:func:`rank_sums` of two samples of values."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    values, inverse = np.unique(np.concatenate([x, y]), return_inverse=True)
    k = len(values)
    return rank_sums(np.bincount(inverse[:len(x)], minlength=k), np.bincount(inverse[len(x):], minlength=k))


def mann_whitney(u_x: float, n_x: int, n_y: int, tie_term: float, alternative: Alternative = "two-sided") -> float:
    """The p-value of ``scipy.stats.mannwhitneyu(x, y, alternative)`` (its default method, continuity
    correction on) from ``U`` of x, the sample sizes and the tie term (:func:`rank_sums`): "larger" means x
    tends to be larger.

    Normal approximation with the tie correction ``σ² = n_x n_y / 12 · ((n + 1) − Σ(t³ − t) / (n (n − 1)))``
    and ``z = (U − n_x n_y / 2 − 0.5) / σ`` where U is the statistic of the tail tested (two-sided: the larger
    of U and ``n_x n_y − U``, p doubled). Like scipy, the exact null distribution is used when a sample has at
    most 8 values and there are no ties; it depends on the sizes and U alone, so scipy computes it here from
    ranks that give the same U."""
    if n_x <= 0 or n_y <= 0:
        return float("nan")
    u_y = n_x * n_y - u_x
    u, f = {"larger": (u_x, 1), "smaller": (u_y, 1)}.get(alternative, (max(u_x, u_y), 2))
    if (n_x <= 8 or n_y <= 8) and tie_term == 0:
        x, y = _ranks_with_u(round(u_x), n_x, n_y)
        side = {"larger": "greater", "smaller": "less"}.get(alternative, "two-sided")
        return float(stats.mannwhitneyu(x, y, alternative=side, method="exact").pvalue)
    n = n_x + n_y
    s = np.sqrt(n_x * n_y / 12 * ((n + 1) - np.float64(tie_term) / (n * (n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (np.float64(u) - n_x * n_y / 2 - 0.5) / s
    return float(np.clip(special.ndtr(-z) * f, 0.0, 1.0))


def kruskal(rank_sums: np.ndarray, sizes: np.ndarray, tie_term: float) -> float:
    """The p-value of ``scipy.stats.kruskal(*samples)`` from each sample's rank sum (midranks over the pooled
    samples), the sample sizes and the tie term ``Σ(t³ − t)`` of the pooled values: what an engine returns
    instead of the values (:mod:`cxlib.analyses.compare_engine`).

    ``H = 12 / (N (N + 1)) · Σ R_i² / n_i − 3 (N + 1)``, divided by ``1 − Σ(t³ − t) / (N³ − N)``, against a
    chi-square with (samples − 1) degrees of freedom. NaN when every value is the same (scipy raises then)."""
    r, n = np.asarray(rank_sums, float), np.asarray(sizes, float)
    total = n.sum()
    ties = 1.0 - np.float64(tie_term) / (total ** 3 - total) if total > 1 else 0.0
    if len(n) < 2 or ties == 0:
        return float("nan")
    h = 12.0 / (total * (total + 1)) * np.sum(r ** 2 / n) - 3 * (total + 1)
    return float(stats.chi2.sf(h / ties, len(n) - 1))


def _ranks_with_u(u: int, n_x: int, n_y: int) -> tuple[np.ndarray, np.ndarray]:
    """Two samples without ties (the ranks 1..n_x+n_y split in two) whose x has Mann-Whitney statistic ``u``:
    x starts at the lowest ranks and its largest ranks move up until their sum is ``u + n_x (n_x + 1) / 2``."""
    n = n_x + n_y
    x = np.arange(1, n_x + 1)
    for i in range(n_x - 1, -1, -1):
        step = min(u, n - (n_x - 1 - i) - x[i])
        x[i] += step
        u -= step
    y = np.setdiff1d(np.arange(1, n + 1), x)
    return x.astype(float), y.astype(float)


def percentile(at, n: int, pct: float) -> float:
    """``np.percentile(values, pct)`` (linear interpolation) of ``n`` values from the value at a 0-based rank
    in ascending order (``at(rank)``), reading only the two ranks numpy reads and interpolating as numpy does,
    so an engine that returns those two order statistics gives the same number to the last bit."""
    lo, hi, gamma = percentile_ranks(n, pct)
    a = np.float64(at(lo))
    b = a if hi == lo else np.float64(at(hi))
    d = b - a
    return float(b - d * (1 - gamma) if gamma >= 0.5 else a + d * gamma)


def percentile_ranks(n: int, pct: float) -> tuple[int, int, float]:
    """The two 0-based ranks ``np.percentile(values, pct)`` reads among ``n`` values, and the weight of the
    second: numpy's ``(n − 1) q`` with ``q = pct / 100``."""
    v = (n - 1) * np.true_divide(pct, 100)
    if v >= n - 1:
        return n - 1, n - 1, 0.0
    lo = int(np.floor(v))
    return lo, lo + 1, float(v - lo)
