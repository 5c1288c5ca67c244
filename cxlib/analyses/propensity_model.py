"""The readiness score's model: features from the per-customer snapshots, the scorers (a logistic
model and the BG/NBD and recency baselines), the ranking metrics they are judged by (AUC with DeLong's
interval, gains, calibration; pure numpy) and the reasons told per customer. The analysis that runs
them over time (snapshots, backtest, result): :mod:`cxlib.analyses.propensity`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, N_, msg

if TYPE_CHECKING:                    # pragma: no cover - typing only
    pass


DAY = 86_400


EVENT_LOOKBACK = 90                  # events older than this before a cut-off are not read


BGNBD_FIT_MAX = 10_000               # customers the BG/NBD parameters are fitted on (a seeded sample above)


BGNBD_SEED = 20_261_207


# feature -> the phrase that says its value in words (a reason)
PHRASES: dict[str, str] = {
    "recency_days": N_("last order {value:,.0f} days ago"),
    "orders": N_("{value:,.0f} valid order(s) so far"),
    "orders_90d": N_("{value:,.0f} order(s) in the last 90 days"),
    "orders_365d": N_("{value:,.0f} order(s) in the last 365 days"),
    "tenure_days": N_("first order {value:,.0f} days ago"),
    "aov": N_("average order {value:,.2f}"),
    "overdue": N_("{value:,.1f} times their usual gap between orders since the last one"),
    "never_ordered": N_("no order yet"),
    "sessions_7d": N_("{value:,.0f} session(s) in the last 7 days"),
    "sessions_30d": N_("{value:,.0f} session(s) in the last 30 days"),
    "sessions_90d": N_("{value:,.0f} session(s) in the last 90 days"),
    "views_7d": N_("{value:,.0f} view(s) in the last 7 days"),
    "views_30d": N_("{value:,.0f} view(s) in the last 30 days"),
    "carts_7d": N_("{value:,.0f} add(s) to cart in the last 7 days"),
    "carts_30d": N_("{value:,.0f} add(s) to cart in the last 30 days"),
    "clicks_30d": N_("{value:,.0f} click(s) in the last 30 days"),
    "days_since_event": N_("last visit {value:,.0f} days ago"),
    "bgnbd_p": N_("BG/NBD: {value:.0%} chance of an order in the horizon"),
    "p_alive": N_("BG/NBD: {value:.0%} chance of still being an active customer"),
}


# reasons are told per group of related features (their contributions added): correlated inputs such
# as sessions in 7 and in 30 days, or order counts and the BG/NBD probability made from them, share the
# weight between them, and one of them alone can point the other way
GROUPS: dict[str, str] = {
    "recency_days": "recency", "overdue": "recency", "orders": "history", "orders_90d": "history",
    "orders_365d": "history", "tenure_days": "history", "aov": "spend", "never_ordered": "never",
    "bgnbd_p": "history", "p_alive": "history", "sessions_7d": "sessions", "sessions_30d": "sessions",
    "sessions_90d": "sessions", "days_since_event": "sessions", "views_7d": "views", "views_30d": "views",
    "carts_7d": "carts", "carts_30d": "carts", "clicks_30d": "clicks"}


EVENT_FEATURES = ("sessions_7d", "sessions_30d", "sessions_90d", "views_7d", "views_30d", "carts_7d", "carts_30d",
                  "clicks_30d", "days_since_event")


def raw_features(frame: pd.DataFrame, events: bool) -> pd.DataFrame:
    """The features in their own units (days, counts, money) from :func:`snapshots` rows."""
    c = frame["cutoff"].to_numpy(dtype=float)
    n = frame["orders"].to_numpy(dtype=float)
    has = n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        last, first = frame["last"].to_numpy(dtype=float), frame["first"].to_numpy(dtype=float)
        recency = np.where(has, (c - last) / DAY, np.nan)
        gap = np.where(n >= 2, (last - first) / np.maximum(n - 1, 1) / DAY, np.nan)
        out = {"recency_days": recency, "orders": n,
               "orders_90d": frame["orders_90d"].to_numpy(dtype=float),
               "orders_365d": frame["orders_365d"].to_numpy(dtype=float),
               "tenure_days": np.where(has, (c - first) / DAY, np.nan),
               "aov": np.where(has, frame["net"].to_numpy(dtype=float) / np.maximum(n, 1), np.nan),
               "overdue": np.where(gap > 0, recency / np.where(gap > 0, gap, 1.0), np.nan),
               "never_ordered": (~has).astype(float)}
    if events:
        for f in EVENT_FEATURES[:-1]:
            out[f] = frame[f].to_numpy(dtype=float)
        last_event = frame["last_event"].to_numpy(dtype=float)
        out["days_since_event"] = np.where(np.isfinite(last_event), (c - last_event) / DAY, np.nan)
    return pd.DataFrame(out, index=frame.index)


def transform(raw: pd.DataFrame) -> pd.DataFrame:
    """Model inputs: log1p of the non-negative features, empty values filled (an order-less visitor has
    ``never_ordered = 1``; no visit in 90 days counts as 90 days)."""
    out = pd.DataFrame(index=raw.index)
    for col in raw.columns:
        v = raw[col].to_numpy(dtype=float)
        if col == "bgnbd_p":                 # the model's own probability enters on the log-odds scale
            q = np.clip(np.where(np.isfinite(v), v, 0.0), 1e-6, 1 - 1e-6)
            out[col] = np.log(q / (1 - q))
            continue
        if col in ("never_ordered", "p_alive"):
            out[col] = np.where(np.isfinite(v), v, 0.0)
            continue
        if col == "days_since_event":
            v = np.where(np.isfinite(v), np.minimum(v, EVENT_LOOKBACK), EVENT_LOOKBACK)
        out[col] = np.log1p(np.where(np.isfinite(v), np.maximum(v, 0.0), 0.0))
    return out


def delong_auc(y, score) -> tuple[float, float, float]:
    """AUC with its DeLong (1988) standard error, via midranks (Sun & Xu 2014): ``(auc, lo95, hi95)``.

    NaN when one class is missing; the interval is clipped to [0, 1]."""
    from scipy.stats import rankdata
    y = np.asarray(y).astype(bool)
    s = np.asarray(score, dtype=float)
    pos, neg = s[y], s[~y]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        return float("nan"), float("nan"), float("nan")
    tz = rankdata(np.concatenate([pos, neg]))
    tx, ty = rankdata(pos), rankdata(neg)
    auc = (tz[:m].sum() - m * (m + 1) / 2) / (m * n)
    v10 = (tz[:m] - tx) / n                     # per positive: share of negatives below (ties half)
    v01 = 1.0 - (tz[m:] - ty) / m               # per negative: share of positives above (ties half)
    var = (v10.var(ddof=1) / m if m > 1 else 0.0) + (v01.var(ddof=1) / n if n > 1 else 0.0)
    half = 1.959963984540054 * np.sqrt(var)
    return float(auc), float(max(0.0, auc - half)), float(min(1.0, auc + half))


def gains(y, score, shares=(0.1, 0.2, 0.3)) -> dict[float, tuple[float, float]]:
    """For each top share of customers by score: (share of all buyers captured, lift = rate in the top /
    overall rate). Ties at the boundary are broken by the order of the input (stable sort)."""
    y = np.asarray(y, dtype=float)
    order = np.argsort(-np.asarray(score, dtype=float), kind="stable")
    total, rate = y.sum(), y.mean() if len(y) else np.nan
    out = {}
    for share in shares:
        k = max(1, int(round(share * len(y))))
        top = y[order[:k]].sum()
        out[share] = (float(top / total) if total else np.nan, float(top / k / rate) if rate else np.nan)
    return out


def calibration_table(y, prob, bins: int = 10) -> pd.DataFrame:
    """Calibration curve: customers in ``bins`` groups of equal size by predicted probability; per group
    the mean prediction, the observed rate and its Wilson 95 % interval."""
    from cxlib.core.stats import wilson_ci
    y = np.asarray(y, dtype=float)
    p = np.asarray(prob, dtype=float)
    ok = np.isfinite(p)
    y, p = y[ok], p[ok]
    if not len(y):
        return pd.DataFrame(columns=["bin", "customers", "predicted", "observed", "observed_lo", "observed_hi"])
    order = np.argsort(p, kind="stable")
    groups = np.array_split(order, min(bins, len(y)))
    rows = []
    for i, g in enumerate(groups):
        k = int(y[g].sum())
        lo, hi = wilson_ci(k, len(g))
        rows.append((i + 1, len(g), float(p[g].mean()), k / len(g), float(lo), float(hi)))
    return pd.DataFrame(rows, columns=["bin", "customers", "predicted", "observed", "observed_lo", "observed_hi"])


def bgnbd_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    """BG/NBD summary in weeks from snapshot rows, as :func:`cxlib.analyses.clv.summarize_transactions` with
    ``calibration_end`` = the day before the cut-off, ``count_per="day"``: frequency = distinct purchase
    days - 1, recency = last - first purchase day, T = last day before the cut-off - first purchase day."""
    end_day = frame["cutoff"].to_numpy(dtype=np.int64) // DAY - 1
    first, last = frame["first_day"].to_numpy(dtype=float), frame["last_day"].to_numpy(dtype=float)
    return pd.DataFrame({"frequency": frame["days"].to_numpy(dtype=float) - 1, "recency": (last - first) / 7.0,
                         "T": (end_day - first) / 7.0}, index=frame.index)


def bgnbd_probability(model, t, x, t_x, T) -> np.ndarray:
    """P(at least one purchase in the next ``t``) under BG/NBD: alive customers stay alive until they buy,
    so P(none) = P(dead) + P(alive) ((alpha + T) / (alpha + T + t))^(r + x) (the Gamma posterior of the
    purchase rate of a customer alive at T is Gamma(r + x, alpha + T))."""
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    alive = model.probability_alive(x, t_x, T)
    return alive * (1.0 - ((model.alpha + T) / (model.alpha + T + float(t))) ** (model.r + x))


def baselines(frame: pd.DataFrame, horizon_days: int) -> tuple[pd.DataFrame, object]:
    """Per row of one cut-off: ``recency`` (minus days since the last order; visitors without orders last),
    ``bgnbd`` (BG/NBD expected purchases in the horizon; 0 for visitors), ``bgnbd_p`` (BG/NBD
    probability of at least one purchase) and ``p_alive``, with the fitted model (None when it cannot
    be fitted: the BG/NBD columns of customers are then empty). The four parameters are fitted on at
    most ``BGNBD_FIT_MAX`` customers (a seeded random sample), predictions made for all."""
    from cxlib.analyses.clv import fit_bgnbd
    has = frame["orders"].to_numpy(dtype=float) > 0
    rec = (frame["cutoff"].to_numpy(dtype=float) - frame["last"].to_numpy(dtype=float)) / DAY
    out = pd.DataFrame({"recency": np.where(has, -rec, -1e12), "bgnbd": np.where(has, np.nan, 0.0),
                        "bgnbd_p": np.where(has, np.nan, 0.0), "p_alive": np.nan}, index=frame.index)
    summ = bgnbd_inputs(frame[has])
    model = None
    if int((summ["frequency"] > 0).sum()) >= 2:
        fit_on = summ if len(summ) <= BGNBD_FIT_MAX else summ.sample(BGNBD_FIT_MAX, random_state=BGNBD_SEED)
        try:
            model = fit_bgnbd(fit_on["frequency"], fit_on["recency"], fit_on["T"])
        except (CxDataError, ValueError, FloatingPointError):
            model = None
    if model is not None:
        uniq, back = np.unique(summ.to_numpy(dtype=float), axis=0, return_inverse=True)
        back = back.ravel()
        t = horizon_days / 7.0
        out.loc[has, "bgnbd"] = model.expected_purchases(t, uniq[:, 0], uniq[:, 1], uniq[:, 2])[back]
        out.loc[has, "bgnbd_p"] = bgnbd_probability(model, t, uniq[:, 0], uniq[:, 1], uniq[:, 2])[back]
        out.loc[has, "p_alive"] = model.probability_alive(uniq[:, 0], uniq[:, 1], uniq[:, 2])[back]
    return out, model


def _pipeline():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, solver="newton-cholesky", max_iter=200))


@dataclass(frozen=True)
class Model:
    """A fitted readiness model: calibrated classifier, the plain logistic pipeline (for reasons) and
    the features it uses."""

    calibrated: object
    plain: object
    features: tuple[str, ...]
    method: str                      # "isotonic" | "sigmoid"

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.calibrated.predict_proba(X[list(self.features)].to_numpy(dtype=float))[:, 1]

    def contributions(self, X: pd.DataFrame) -> np.ndarray:
        """Per row and feature: coefficient x standardized value (the terms of the log-odds)."""
        scaler, lr = self.plain[0], self.plain[-1]
        z = scaler.transform(X[list(self.features)].to_numpy(dtype=float))
        return z * lr.coef_[0]

    def coefficients(self) -> pd.DataFrame:
        return pd.DataFrame({"feature": list(self.features), "coefficient": self.plain[-1].coef_[0]})


def _varying(X: pd.DataFrame) -> list[str]:
    """The inputs that are not constant (a constant carries nothing and breaks standardizing)."""
    return [c for c in X.columns if np.nanstd(X[c].to_numpy(dtype=float)) > 0]


def fit_model(X: pd.DataFrame, y) -> Model:
    """Logistic regression on standardized inputs, calibrated by CalibratedClassifierCV (calibrator fitted
    on 3-fold out-of-fold predictions, isotonic with >= 500 rows of each class, else sigmoid; one
    classifier fitted on all rows). Inputs constant in the training data are dropped."""
    from sklearn.calibration import CalibratedClassifierCV
    y = np.asarray(y, dtype=int)
    keep = tuple(_varying(X))
    A = X[list(keep)].to_numpy(dtype=float)
    pos = int(y.sum())
    method = "sigmoid"
    calibrated = CalibratedClassifierCV(_pipeline(), method=method, cv=3, ensemble=False).fit(A, y)
    plain = calibrated.calibrated_classifiers_[0].estimator          # the pipeline fitted on all rows
    return Model(calibrated, plain, keep, method)


NO_ORDER = N_("no order yet")


MISSING_PHRASES = {"recency_days": NO_ORDER, "tenure_days": NO_ORDER, "aov": NO_ORDER,
                   "overdue": N_("fewer than two orders: no usual gap yet"),
                   "days_since_event": N_("no visit in the last 90 days")}


def phrase(feature: str, value: float) -> Msg:
    """A feature's value in words, e.g. "last order 12 days ago"."""
    if feature == "never_ordered":
        return msg(NO_ORDER) if value else msg(N_("has ordered before"))
    if not np.isfinite(value):
        return msg(MISSING_PHRASES.get(feature, N_("no data")))
    return msg(PHRASES[feature], value=float(value))


def model_reasons(raw: pd.DataFrame, contributions: np.ndarray, features: tuple[str, ...], k: int = 3) -> list[list]:
    """Per customer, the ``k`` feature groups (:data:`GROUPS`) with the largest absolute contribution to
    the log-odds, each said by its member that pushes most in the group's direction, as "<value in
    words> (raises/lowers the score)"; a group whose words repeat an earlier reason is skipped."""
    names = sorted({GROUPS.get(f, f) for f in features})
    member = np.array([[GROUPS.get(f, f) == g for g in names] for f in features], dtype=bool)
    total = contributions @ member.astype(float)                          # rows x groups
    up = total >= 0
    rep = np.empty(total.shape, dtype=int)                                # the member speaking for the group
    for g in range(len(names)):
        inside = np.flatnonzero(member[:, g])
        pushed = contributions[:, inside] * np.where(up[:, g], 1.0, -1.0)[:, None]
        rep[:, g] = inside[np.argmax(pushed, axis=1)]
    order = np.argsort(-np.abs(total), axis=1, kind="stable")[:, :k + 2]
    values = raw[list(features)].to_numpy(dtype=float)
    rows = np.arange(len(total))[:, None]
    feat, val, direction = rep[rows, order], values[rows, rep[rows, order]], up[rows, order]
    cache: dict = {}
    out = []
    for i in range(len(total)):
        row, seen = [], set()
        for f, v, u in zip(feat[i], val[i], direction[i]):
            key = (f, v, u)
            if key not in cache:
                words = phrase(features[f], v)
                cache[key] = (words, msg("{reason} (raises the score)", reason=words) if u
                              else msg("{reason} (lowers the score)", reason=words))
            words, reason = cache[key]
            if words not in seen:
                seen.add(words)
                row.append(reason)
                if len(row) == k:
                    break
        out.append(row + [""] * (k - len(row)))
    return out


def plain_reasons(raw: pd.DataFrame, p_alive: np.ndarray | None) -> list[list]:
    """Reasons of a transparent ranking: the facts it ranks on (recency, orders, BG/NBD P(alive))."""
    rec, n = raw["recency_days"].to_numpy(dtype=float), raw["orders"].to_numpy(dtype=float)
    out = []
    for i in range(len(raw)):
        row = [phrase("recency_days", rec[i]), phrase("orders", n[i])]
        row.append(phrase("p_alive", p_alive[i]) if p_alive is not None and np.isfinite(p_alive[i]) else "")
        out.append(row)
    return out


__all__ = ["Model", "baselines", "bgnbd_inputs", "bgnbd_probability", "calibration_table", "delong_auc",
           "fit_model", "gains", "model_reasons", "phrase", "plain_reasons", "raw_features", "transform"]
