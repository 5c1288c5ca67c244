"""Small statistical helpers shared by every analysis (one implementation each).

- ``wilson_ci``: Wilson score interval for a binomial proportion, vectorized.
- ``proportion_ci``: the proportion with its Wilson interval.
- ``holm``: Holm step-down adjusted p-values (family-wise error control).
"""
from __future__ import annotations

import numpy as np


def wilson_ci(successes, n, alpha: float = 0.05):
    """Wilson score interval (two-sided, level ``1 - alpha``); NaN where ``n == 0``.

    Scalars in, floats out; arrays in, arrays out. Matches statsmodels
    ``proportion_confint(method="wilson")``.
    """
    from scipy.special import ndtri       # here, not at import: 0.2 s the command line overlaps with reading
    x, m = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    z = ndtri(1 - alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / m
        centre = (p + z * z / (2 * m)) / (1 + z * z / m)
        half = z / (1 + z * z / m) * np.sqrt(p * (1 - p) / m + z * z / (4 * m * m))
        lo = np.where(m > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        hi = np.where(m > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    if lo.ndim == 0:
        return float(lo), float(hi)
    return lo, hi


def proportion_ci(successes, n, alpha: float = 0.05):
    """``(p, low, high)``: the proportion and its Wilson interval (NaN where ``n == 0``)."""
    x, m = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(m > 0, x / np.where(m > 0, m, 1.0), np.nan)
    lo, hi = wilson_ci(successes, n, alpha)
    return (float(p), lo, hi) if p.ndim == 0 else (p, lo, hi)


def holm(p_values) -> np.ndarray:
    """Holm step-down adjusted p-values; NaN entries stay NaN and do not count as tests."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    out[order] = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    return out
