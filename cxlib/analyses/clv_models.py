"""The CLV models: BG/NBD (how many purchases, whether a customer is still alive) and Gamma-Gamma
(how much per purchase), fitted by maximum likelihood.

Likelihoods follow Fader, Hardie & Lee (2005) and Fader & Hardie (2013); they are computed once per
distinct (x, t_x, T) row with analytic gradients and minimized with L-BFGS-B on log parameters
(bounded to exp(+-LOG_BOUND) of the rescaled problem). ``cxlib.analyses.clv`` uses them for predictions.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg

__all__ = ["BGNBD", "GammaGamma", "bgnbd_log_likelihood", "fit_bgnbd", "fit_gamma_gamma", "gamma_gamma_log_likelihood"]


# ----------------------------------------------------------------------------------------------
# BG/NBD
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BGNBD:
    """Fitted BG/NBD parameters (time in the unit of the data they were fitted on)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n: int
    converged: bool

    def to_json(self) -> dict:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b,
                "log_likelihood": self.log_likelihood, "n": self.n, "converged": self.converged}

    def probability_alive(self, x, t_x, T) -> np.ndarray:
        """P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))."""
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        return 1.0 / (1.0 + _dropout_term(self, x, t_x, T))

    def expected_purchases(self, t, x, t_x, T) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` time units (FHL 2005, eq. 10)."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        a = a if abs(a - 1) > 1e-9 else 1 + 1e-9          # the closed form has a removable pole at a = 1
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        t = float(t)
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
        return num / (1.0 + _dropout_term(self, x, t_x, T))

    def expected_purchases_new(self, t) -> float:
        """E[X(t)] for a new customer: (a + b - 1) / (a - 1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        t = float(t)
        return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r
                                                * special.hyp2f1(r, b, a + b - 1, t / (alpha + t))))


def _dropout_term(m: BGNBD, x, t_x, T) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        log_term = (np.log(m.a) - np.log(np.maximum(m.b + x - 1, 1e-300))
                    + (m.r + x) * (np.log(m.alpha + T) - np.log(m.alpha + t_x)))
        return np.where(x > 0, np.exp(log_term), 0.0)


def bgnbd_log_likelihood(params, x, t_x, T, weights=None) -> float:
    """Total BG/NBD log-likelihood (FHL 2005, eq. 6), computed in log space."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    ux, inv = np.unique(x, return_inverse=True)
    return _bgnbd_ll(params, ux, inv, x, t_x, T, w)


def _bgnbd_ll(params, ux: np.ndarray, inv: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
              w: np.ndarray) -> float:
    """The log-likelihood with the terms that depend on x alone computed once per distinct x."""
    return _bgnbd_ll_grad(params, ux, inv, x, t_x, T, w, grad=False)[0]


def _bgnbd_ll_grad(params, ux, inv, x, t_x, T, w, grad: bool = True) -> tuple[float, np.ndarray | None]:
    """Log-likelihood and (optionally) its analytic gradient in (r, alpha, a, b).

    LL_i = C + logaddexp(A1, A2); with w1 = exp(A1 - LL_i + C) the weight of the "alive at T" term,
    derivatives use digamma: d lB(a, b)/da = psi(a) - psi(a + b)."""
    r, alpha, a, b = params
    lb = special.betaln(a, b)
    common = special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha)
    b1 = special.betaln(a, b + ux) - lb
    b2 = np.where(ux > 0, special.betaln(a + 1, b + np.maximum(ux, 1) - 1) - lb, -np.inf)
    rx = r + x
    with np.errstate(divide="ignore", invalid="ignore"):
        log_aT, log_at = np.log(alpha + T), np.log(alpha + t_x)
        a1 = b1[inv] - rx * log_aT
        a2 = b2[inv] - rx * log_at
        mix = np.logaddexp(a1, a2)
        ll = float(np.dot(w, common[inv] + mix))
        if not grad:
            return ll, None
        w1 = np.exp(a1 - mix)
        w2 = 1.0 - w1
        dg = special.digamma
        d_r = dg(r + ux)[inv] - dg(r) + np.log(alpha) - w1 * log_aT - w2 * log_at
        d_alpha = r / alpha - rx * (w1 / (alpha + T) + w2 / (alpha + t_x))
        da1 = dg(a) - dg(a + b + ux)
        da2 = np.where(ux > 0, dg(a + 1) - dg(a + b + ux), 0.0)
        db1 = dg(b + ux) - dg(a + b + ux)
        db2 = np.where(ux > 0, dg(b + np.maximum(ux, 1) - 1) - dg(a + b + ux), 0.0)
        d_a = w1 * da1[inv] + w2 * da2[inv] - (dg(a) - dg(a + b))
        d_b = w1 * db1[inv] + w2 * db2[inv] - (dg(b) - dg(a + b))
        g = np.array([np.dot(w, d_r), np.dot(w, d_alpha), np.dot(w, d_a), np.dot(w, d_b)])
    return ll, g


def fit_bgnbd(frequency, recency, T) -> BGNBD:
    """Maximum-likelihood BG/NBD fit (bounded L-BFGS-B on log-parameters; Nelder-Mead if it fails).

    Identical (x, t_x, T) rows are pooled with weights, so large customer bases fit quickly.
    """
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    _check_rft(x, t_x, T)
    pooled = pd.DataFrame({"x": x, "t": t_x, "T": T}).value_counts().reset_index(name="w")
    px, pt, pT, pw = (pooled[c].to_numpy(dtype=float) for c in ("x", "t", "T", "w"))
    scale = 10.0 / max(pT.max(), 1e-12)             # fit on rescaled time: alpha scales, r, a, b do not
    ux, inv = np.unique(px, return_inverse=True)
    pt, pT, total = pt * scale, pT * scale, pw.sum()

    def nll(logp: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(logp)
        ll, g = _bgnbd_ll_grad(params, ux, inv, px, pt, pT, pw)
        if not (np.isfinite(ll) and np.all(np.isfinite(g))):
            return 1e10, np.zeros(4)
        return -ll / total, -g * params / total         # chain rule: d/d log(theta) = theta d/d theta

    best = _minimize(nll, np.zeros(4))
    r, alpha, a, b = np.exp(best.x)
    ll = _bgnbd_ll((r, alpha / scale, a, b), ux, inv, px, pt / scale, pT / scale, pw)
    return BGNBD(float(r), float(alpha / scale), float(a), float(b), float(ll), int(len(x)), bool(best.success))


LOG_BOUND = 10.0                 # parameters kept within exp(+-10) of the rescaled problem


def _minimize(fun, x0: np.ndarray):
    """Bounded L-BFGS-B with the analytic gradient (``fun`` returns value and gradient). When the
    likelihood keeps rising towards a limit (e.g. a, b -> infinity: the same dropout probability for
    everyone) the fit stops at the bound instead of wandering. If L-BFGS-B reports a failure, a
    bounded Nelder-Mead search (value only) continues from its point."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(x0)
    first = optimize.minimize(fun, x0, method="L-BFGS-B", jac=True, bounds=bounds,
                              options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 1000})
    if first.success:
        return first
    polish = optimize.minimize(lambda z: fun(z)[0], first.x, method="Nelder-Mead", bounds=bounds,
                               options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 1500})
    best = polish if polish.fun <= first.fun else first
    best.success = bool(polish.success)
    return best


def _check_rft(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
    if len(x) == 0:
        raise CxDataError(msg("there are no customers to fit the model on."), hint=msg("Load orders with customers."))
    if np.any(x < 0) or np.any(np.abs(x - np.round(x)) > 1e-9):
        raise CxDataError(msg("frequency must be a whole number of repeat purchases >= 0."))
    if np.any(t_x < 0) or np.any(t_x > T + 1e-9):
        raise CxDataError(msg("recency must lie between 0 and T (the customer's age)."),
                          hint=msg("Check that no purchase is after the calibration end."))
    if np.any((x == 0) & (t_x != 0)):
        raise CxDataError(msg("customers without repeat purchases must have recency 0."))


# ----------------------------------------------------------------------------------------------
# Gamma-Gamma
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class GammaGamma:
    """Fitted Gamma-Gamma spend model."""

    p: float
    q: float
    v: float
    log_likelihood: float
    n: int
    converged: bool

    def to_json(self) -> dict:
        return {"p": self.p, "q": self.q, "v": self.v, "log_likelihood": self.log_likelihood, "n": self.n,
                "converged": self.converged}

    @property
    def population_mean(self) -> float:
        """E[M] = p v / (q - 1) (infinite when q <= 1)."""
        return self.p * self.v / (self.q - 1) if self.q > 1 else float("inf")

    def expected_average_value(self, x, m) -> np.ndarray:
        """E[M | x, m] = p (v + x m) / (p x + q - 1); customers with x = 0 get the population mean."""
        x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
        use = (x > 0) & (m > 0)
        xx, mm = np.where(use, x, 0.0), np.where(use, m, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.p * (self.v + xx * mm) / (self.p * xx + self.q - 1)


def gamma_gamma_log_likelihood(params, x, m) -> float:
    """Gamma-Gamma log-likelihood of the average repeat value ``m`` over ``x`` purchases."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    ux, inv = np.unique(x, return_inverse=True)
    return _gg_ll(params, ux, inv, x, m, np.log(m))


def _gg_ll(params, ux: np.ndarray, inv: np.ndarray, x: np.ndarray, m: np.ndarray, log_m: np.ndarray) -> float:
    return _gg_ll_grad(params, ux, inv, x, m, log_m, grad=False)[0]


def _gg_ll_grad(params, ux, inv, x, m, log_m, grad: bool = True) -> tuple[float, np.ndarray | None]:
    """Gamma-Gamma log-likelihood and (optionally) its analytic gradient in (p, q, v)."""
    p, q, v = params
    pux = p * ux
    per_x = special.gammaln(pux + q) - special.gammaln(pux) - special.gammaln(q) + q * np.log(v) + pux * np.log(ux)
    px = p * x
    log_xmv = np.log(x * m + v)
    ll = float(np.sum(per_x[inv] + (px - 1) * log_m - (px + q) * log_xmv))
    if not grad:
        return ll, None
    dg = special.digamma
    psi_pq, psi_p = dg(pux + q)[inv], dg(pux)[inv]
    d_p = np.sum(x * (psi_pq - psi_p + log_m + np.log(x) - log_xmv))
    d_q = np.sum(psi_pq - dg(q) + np.log(v) - log_xmv)
    d_v = np.sum(q / v - (px + q) / (x * m + v))
    return ll, np.array([d_p, d_q, d_v])


def fit_gamma_gamma(frequency, monetary_value) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma fit on customers with ``frequency > 0`` and a positive value."""
    x, m = np.asarray(frequency, dtype=float), np.asarray(monetary_value, dtype=float)
    use = (x > 0) & (m > 0) & np.isfinite(m)
    x, m = x[use], m[use]
    if len(x) < 2:
        raise CxDataError(msg("fewer than 2 repeat customers with a positive order value; the spend model cannot "
                              "be fitted."), hint=msg("Use a longer period of orders."))
    scale = 1.0 / np.median(m)                     # fit on rescaled money: v scales, p, q do not
    ux, inv = np.unique(x, return_inverse=True)
    ms = m * scale
    log_ms = np.log(ms)

    def nll(logp: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(logp)
        ll, g = _gg_ll_grad(params, ux, inv, x, ms, log_ms)
        if not (np.isfinite(ll) and np.all(np.isfinite(g))):
            return 1e10, np.zeros(3)
        return -ll / len(x), -g * params / len(x)

    best = _minimize(nll, np.zeros(3))
    p, q, v = np.exp(best.x)
    return GammaGamma(float(p), float(q), float(v / scale), gamma_gamma_log_likelihood((p, q, v / scale), x, m),
                      int(len(x)), bool(best.success))
