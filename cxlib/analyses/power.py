"""Power analysis for conversion-rate A/B tests: sample size, minimum detectable effect, power.

All three use the normal approximation of the two-proportion z-test with the pooled variance under
the null and the unpooled variance under the alternative (Fleiss, without continuity correction),
the formula of ``statsmodels.stats.proportion.power_proportions_2indep`` and of common online
calculators:

    n_a = (z_α sqrt(p̄ q̄ (1 + 1/k)) + z_β sqrt(p_a q_a + p_b q_b / k))² / (p_b − p_a)²,   n_b = k n_a,

with ``p̄ = (p_a + k p_b) / (1 + k)``, ``z_α`` the critical value (α/2 two-sided) and ``z_β = Φ⁻¹(power)``.

>>> sample_size(0.03, 0.10).n_per_variant      # baseline 3 %, +10 % relative, α 0.05, power 0.8
53211
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

from scipy import optimize, stats

from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg

MdeType = Literal["relative", "absolute"]
Sides = Literal["two-sided", "one-sided"]


@dataclass(frozen=True, slots=True)
class PowerPlan(Result):
    """A sample-size plan: what was assumed and what it implies."""

    baseline: float                  # control conversion rate, fraction
    mde: float                       # minimum detectable effect, as given
    mde_type: str                    # "relative" or "absolute"
    alpha: float
    power: float
    sides: str
    n_per_variant: int               # control arm size (variant arm = ratio x this)
    ratio: float = 1.0               # variant arm size / control arm size
    variants: int = 2                # arms including control (total = sum of arms)

    @property
    def target_rate(self) -> float:
        return _target(self.baseline, self.mde, self.mde_type)

    @property
    def total(self) -> int:
        return int(self.n_per_variant + math.ceil(self.n_per_variant * self.ratio) * (self.variants - 1))

    def describe(self) -> Msg:
        """The plan in one sentence (one whole template per kind of effect and test)."""
        values = dict(baseline=self.baseline, target=self.target_rate, power=self.power, alpha=self.alpha,
                      users=self.n_per_variant, total=self.total)
        if self.mde_type == "relative":
            values["lift"] = msg("{mde:+.1%} relative", mde=self.mde)
        else:
            values["lift"] = msg("{points:+.2f} points", points=self.mde * 100)
        if self.sides == "two-sided":
            return msg("To detect a change from {baseline:.2%} to {target:.2%} ({lift}) with {power:.0%} power in a "
                       "two-sided test at {alpha:g} significance, each variant needs {users:,} users ({total:,} in "
                       "total).", **values)
        return msg("To detect a change from {baseline:.2%} to {target:.2%} ({lift}) with {power:.0%} power in a "
                   "one-sided test at {alpha:g} significance, each variant needs {users:,} users ({total:,} in "
                   "total).", **values)           # the formulas treat anything but "two-sided" as one-sided

    def to_json(self) -> dict:
        return {**asdict(self), "target_rate": self.target_rate, "total": self.total}


def _target(baseline: float, mde: float, mde_type: str) -> float:
    return baseline * (1 + mde) if mde_type == "relative" else baseline + mde


def _check(baseline: float, alpha: float, power: float | None = None) -> None:
    if not 0 < baseline < 1:
        raise CxDataError(msg("the baseline rate must be between 0 and 1 (got {baseline}).", baseline=baseline),
                          hint=msg("Enter it as a fraction, e.g. 0.03 for 3 %."))
    if not 0 < alpha < 0.5:
        raise CxDataError(msg("alpha must be between 0 and 0.5 (got {alpha}).", alpha=alpha),
                          hint=msg("0.05 is the usual choice."))
    if power is not None and not 0 < power < 1:
        raise CxDataError(msg("power must be between 0 and 1 (got {power}).", power=power),
                          hint=msg("0.8 is the usual choice."))


def _z_alpha(alpha: float, sides: str) -> float:
    return float(stats.norm.isf(alpha / 2 if sides == "two-sided" else alpha))


def _n_exact(pa: float, pb: float, alpha: float, power: float, sides: str, ratio: float) -> float:
    k = ratio
    pbar = (pa + k * pb) / (1 + k)
    za, zb = _z_alpha(alpha, sides), float(stats.norm.ppf(power))
    num = za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / k)) + zb * math.sqrt(pa * (1 - pa) + pb * (1 - pb) / k)
    return num ** 2 / (pb - pa) ** 2


def sample_size(baseline: float, mde: float, *, mde_type: MdeType = "relative", alpha: float = 0.05,
                power: float = 0.8, sides: Sides = "two-sided", ratio: float = 1.0, variants: int = 2) -> PowerPlan:
    """Users needed in the control arm (variant arms: ``ratio`` times that) to detect ``mde``.

    Parameters
    ----------
    baseline : control conversion rate (fraction).
    mde : minimum detectable effect, relative (0.10 = +10 %) or absolute (0.003 = +0.3 points).
    alpha, power, sides : test level, wanted power, two- or one-sided test. Use alpha / (variants - 1)
        yourself for a Bonferroni-safe plan with several variants.

    Examples
    --------
    >>> import cxlib as cx
    >>> cx.sample_size(0.03, 0.10).n_per_variant          # baseline 3 %, +10 % relative, alpha 0.05, power 0.8
    53211
    """
    _check(baseline, alpha, power)
    pb = _target(baseline, mde, mde_type)
    if mde == 0 or not 0 < pb < 1:
        kind = {"relative": msg("relative"), "absolute": msg("absolute")}.get(mde_type, mde_type)
        raise CxDataError(msg("the minimum detectable effect {mde:g} ({kind}) gives a target rate of {target:.4g}, "
                              "which is not a usable rate.", mde=mde, kind=kind, target=pb),
                          hint=msg("Use a non-zero effect that keeps the rate within 0-1."))
    if ratio <= 0:
        raise CxDataError(msg("the allocation ratio must be positive."), hint=msg("Use 1 for an equal split."))
    n = _n_exact(baseline, pb, alpha, power, sides, ratio)
    return PowerPlan(baseline, mde, mde_type, alpha, power, sides, int(math.ceil(n - 1e-9)), ratio, variants)


def achieved_power(baseline: float, target: float, n_a: int, n_b: int | None = None, *, alpha: float = 0.05,
                   sides: Sides = "two-sided") -> float:
    """Power of the z-test to detect a true change from ``baseline`` to ``target`` (both rates)
    with ``n_a`` control and ``n_b`` variant users (the same formula solved for power).

    Examples
    --------
    >>> import cxlib as cx
    >>> round(cx.achieved_power(0.03, 0.033, 53211), 2)
    0.8
    """
    _check(baseline, alpha)
    n_b = n_a if n_b is None else n_b
    if n_a <= 0 or n_b <= 0 or target == baseline or not 0 < target < 1:
        return float(alpha if target == baseline else "nan")
    k = n_b / n_a
    pbar = (baseline + k * target) / (1 + k)
    sd0 = math.sqrt(pbar * (1 - pbar) * (1 / n_a + 1 / n_b))
    sd1 = math.sqrt(baseline * (1 - baseline) / n_a + target * (1 - target) / n_b)
    za = _z_alpha(alpha, sides)
    d = abs(target - baseline)
    pw = stats.norm.sf((za * sd0 - d) / sd1)
    if sides == "two-sided":            # the far tail (rejection in the wrong direction)
        pw += stats.norm.cdf((-za * sd0 - d) / sd1)
    return float(pw)


def minimum_detectable_effect(baseline: float, n_per_variant: int, *, alpha: float = 0.05, power: float = 0.8,
                              sides: Sides = "two-sided", ratio: float = 1.0) -> float:
    """Smallest relative uplift detectable with ``power`` given ``n_per_variant`` control users
    (variant arm ``ratio`` times that): root of the sample-size formula in the uplift.

    Examples
    --------
    >>> import cxlib as cx
    >>> round(cx.minimum_detectable_effect(0.03, 53211), 3)   # relative MDE at that sample size
    0.1
    """
    _check(baseline, alpha, power)
    if n_per_variant < 2:
        raise CxDataError(msg("the sample per variant must be at least 2 users."),
                          hint=msg("Enter the planned users per variant."))
    hi = (1 - 1e-9) / baseline - 1

    def gap(m: float) -> float:
        return _n_exact(baseline, baseline * (1 + m), alpha, power, sides, ratio) - n_per_variant

    if gap(hi) > 0:
        return float("nan")            # not even a jump to a rate of 100 % is detectable
    return float(optimize.brentq(gap, 1e-9, hi, xtol=1e-12))
