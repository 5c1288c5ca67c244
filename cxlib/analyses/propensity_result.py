"""The readiness score's question and answer: :class:`PropensitySpec` (what is asked) and
:class:`PropensityResult` with its backtest folds, readiness bands and the exports of the scored list
(the analysis that fills them: :mod:`cxlib.analyses.propensity`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.core.spec import Spec
from cxlib.core.messages import Msg, N_, msg
from cxlib.analyses.propensity_model import DAY

if TYPE_CHECKING:                    # pragma: no cover - typing only
    pass


BANDS = (N_("ready"), N_("warming"), N_("not now"))


@dataclass(frozen=True, slots=True)
class PropensitySpec(Spec):
    """Settings of the readiness score."""

    horizon_days: int = 30
    as_of: str | None = None         # ISO date; None -> the day after the last order
    folds: int = 3                   # backtest folds (test cut-offs D - H, D - 2H, ...)
    min_positives: int = 30          # data gate: buyers needed in a fold's training and test windows
    holdout_share: float = 0.1       # share of customers kept out of a campaign (random, seeded)
    seed: int = 17

    def __post_init__(self) -> None:
        if not 1 <= int(self.horizon_days) <= 730:
            raise CxDataError(msg("the horizon must be between 1 and 730 days, got {days}.", days=self.horizon_days),
                              hint=msg("Use e.g. 30d."))
        if not 1 <= int(self.folds) <= 12:
            raise CxDataError(msg("the number of backtest folds must be between 1 and 12, got {folds}.",
                                  folds=self.folds))
        if int(self.min_positives) < 1:
            raise CxDataError(msg("the data gate needs at least 1 buyer per fold, got {count}.",
                                  count=self.min_positives))
        if not 0 < float(self.holdout_share) < 1:
            raise CxDataError(msg("the hold-out share {share} is not a fraction in (0, 1).", share=self.holdout_share),
                              hint=msg("Use e.g. 0.1 for 10%."))
        if self.as_of is not None:
            _day(self.as_of)

    def describe(self) -> Msg:
        return msg("Readiness score: the calibrated probability that a customer places a valid order in the {days} "
                   "days from the analysis date, from a logistic regression on what they did before it (orders; "
                   "sessions, views, carts and clicks when events are given), trained on earlier {days}-day "
                   "windows.", days=int(self.horizon_days))


def _day(value) -> pd.Timestamp:
    """An ISO date (or timestamp) -> midnight UTC of that calendar day."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if ts is pd.NaT:
        raise CxDataError(msg("the analysis date {value} is not a date.", value=repr(value)),
                          hint=msg("Write it as YYYY-MM-DD, e.g. 2024-06-30."))
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.normalize()


def parse_horizon(text) -> int:
    """``"30d"``, ``"4w"`` or a number of days -> whole days."""
    if isinstance(text, (int, np.integer)) and not isinstance(text, bool):
        return int(text)
    from cxlib.core.durations import parse_window
    raw = str(text).strip().lower()
    seconds = parse_window(raw if raw[-1:].isalpha() else raw + "d")
    if seconds % DAY:
        raise CxDataError(msg("the horizon {text!r} is not a whole number of days.", text=text),
                          hint=msg("Use e.g. 30d."))
    return int(seconds // DAY)


def _r(x, digits: int | None = None):
    """JSON number: None for NaN; rounded when ``digits`` is given."""
    if x is None or not np.isfinite(x):
        return None
    return round(float(x), digits) if digits is not None else float(x)


@dataclass(frozen=True)
class Fold:
    """One backtest fold: a model trained on the snapshots before ``cutoff`` scores the customers known
    at ``cutoff``; their label is a valid order in ``[cutoff, cutoff + H)``."""

    cutoff: str                      # ISO date
    train_customers: int             # training rows (customers x training snapshots)
    train_positives: int
    customers: int
    positives: int
    used: bool                       # passed the data gate (in the headline figures)
    auc: float
    auc_ci95: tuple[float, float]
    brier: float
    auc_recency: float
    auc_bgnbd: float

    @property
    def base_rate(self) -> float:
        return self.positives / self.customers if self.customers else float("nan")

    def to_json(self) -> dict:
        return {"cutoff": self.cutoff, "train_customers": self.train_customers,
                "train_positives": self.train_positives, "customers": self.customers, "positives": self.positives,
                "base_rate": _r(self.base_rate), "used": self.used, "auc": _r(self.auc),
                "auc_ci95": [_r(v) for v in self.auc_ci95], "brier": _r(self.brier),
                "auc_recency": _r(self.auc_recency), "auc_bgnbd": _r(self.auc_bgnbd)}


@dataclass(frozen=True)
class Backtest:
    """Pooled figures over the used folds, for the ranking in use (``scorer``) and the baselines."""

    scorer: str                      # "model" | "bgnbd" | "recency"
    customers: int
    positives: int
    auc: float
    auc_ci95: tuple[float, float]
    brier: float                     # NaN for a ranking without probabilities (recency)
    brier_base_rate: float           # a constant forecast at each fold's realized rate
    gains: dict                      # top share -> (share of buyers captured, lift)
    calibration: pd.DataFrame
    auc_recency: float
    auc_recency_ci95: tuple[float, float]
    auc_bgnbd: float
    auc_bgnbd_ci95: tuple[float, float]
    auc_random_split: float          # the same model on a random 70/30 split of the same rows
    folds: tuple[Fold, ...]

    @property
    def lift_top10(self) -> float:
        return self.gains.get(0.1, (np.nan, np.nan))[1]

    def contract_json(self) -> dict:
        """The keys of DESIGN.md's ``propensity`` contract."""
        return {"auc": _r(self.auc), "auc_ci95": [_r(v) for v in self.auc_ci95], "brier": _r(self.brier),
                "brier_base_rate": _r(self.brier_base_rate), "lift_top10": _r(self.lift_top10),
                "folds": [f.to_json() for f in self.folds]}

    def to_json(self) -> dict:
        return {**self.contract_json(), "scorer": self.scorer, "customers": self.customers,
                "positives": self.positives,
                "gains_pct": {f"top{round(k * 100)}": _r(100 * v[0], 2) for k, v in self.gains.items()},
                "lift": {f"top{round(k * 100)}": _r(v[1]) for k, v in self.gains.items()},
                "auc_recency": _r(self.auc_recency), "auc_recency_ci95": [_r(v) for v in self.auc_recency_ci95],
                "auc_bgnbd": _r(self.auc_bgnbd), "auc_bgnbd_ci95": [_r(v) for v in self.auc_bgnbd_ci95],
                "auc_random_split": _r(self.auc_random_split),
                "calibration": [{k: _r(v) if isinstance(v, float) else int(v) for k, v in row.items()}
                                for row in self.calibration.to_dict("records")]}


@dataclass(frozen=True)
class PropensityResult(Result):
    """Readiness score of every customer known before the as-of date, with the backtest evidence."""

    spec: PropensitySpec
    as_of: str                       # ISO date: data strictly before it
    method: str                      # "model" | "bgnbd" | "recency" (what ranks the customers)
    customers: pd.DataFrame          # CUSTOMER_COLUMNS, highest score first
    base_rate: float                 # share of the customers known at D - H who ordered in [D - H, D)
    thresholds: tuple[float, float]  # ready, warming
    backtest: Backtest
    coefficients: pd.DataFrame       # feature, coefficient (standardized inputs); empty without a model
    gate: str = ""                   # why a transparent ranking is used instead of a model (a Msg) or ""
    warnings: tuple[str, ...] = ()

    @property
    def horizon_days(self) -> int:
        return int(self.spec.horizon_days)

    def to_frame(self) -> pd.DataFrame:
        return self.customers.copy()

    def describe(self) -> Msg:
        return self.spec.describe() if self.method == "model" else self.gate

    def band_counts(self) -> dict[str, int]:
        counts = self.customers["band"].value_counts()
        return {b: int(counts.get(b, 0)) for b in BANDS}

    def summary(self) -> Msg:
        bands = self.band_counts()
        values = dict(customers=len(self.customers), days=self.horizon_days, date=self.as_of, ready=bands["ready"],
                      warming=bands["warming"])
        bt = self.backtest
        if self.method == "model" and np.isfinite(bt.auc_recency) and np.isfinite(bt.auc_bgnbd):
            return msg("{customers:,} customers scored for the {days} days from {date}: {ready:,} ready, {warming:,} "
                       "warming. Backtest AUC {auc:.3f} (recency alone {recency:.3f}, BG/NBD {bgnbd:.3f}).",
                       auc=bt.auc, recency=bt.auc_recency, bgnbd=bt.auc_bgnbd, **values)
        if np.isfinite(bt.auc):
            return msg("{customers:,} customers ranked for the {days} days from {date}: {ready:,} ready, {warming:,} "
                       "warming. Backtest AUC {auc:.3f}.", auc=bt.auc, **values)
        return msg("{customers:,} customers ranked for the {days} days from {date}: {ready:,} ready, {warming:,} "
                   "warming. No backtest was possible.", **values)

    def contract_json(self) -> dict:
        """Exactly the keys of DESIGN.md's ``propensity`` command."""
        return {"as_of": self.as_of, "horizon_days": self.horizon_days, "customers": len(self.customers),
                "base_rate": _r(self.base_rate), "backtest": self.backtest.contract_json(),
                "warnings": [str(w) for w in ((self.gate,) if self.gate else ()) + tuple(self.warnings)]}

    def to_json(self) -> dict:
        return {**self.contract_json(), "method": self.method, "spec": self.spec.to_json(),
                "definition": self.describe(), "bands": self.band_counts(),
                "thresholds": {"ready": _r(self.thresholds[0]), "warming": _r(self.thresholds[1])},
                "mean_score": _r(float(self.customers["score"].mean())) if len(self.customers) else None,
                "backtest": self.backtest.to_json(),
                "coefficients": {r.feature: _r(r.coefficient) for r in self.coefficients.itertuples()}}

    def holdout(self, share: float | None = None, seed: int | None = None) -> pd.DataFrame:
        """See :func:`holdout_list`."""
        return holdout_list(self, share, seed)


def band_thresholds(base_rate: float) -> tuple[float, float]:
    """(ready, warming): ready at ``min(2b, (1 + b) / 2)``, warming at ``b`` (b = the base rate)."""
    b = float(base_rate) if np.isfinite(base_rate) else 0.0
    return min(2 * b, (1 + b) / 2), b


def bands(score: np.ndarray, thresholds: tuple[float, float]) -> np.ndarray:
    ready, warming = thresholds
    s = np.asarray(score, dtype=float)
    return np.where(s >= ready, BANDS[0], np.where(s >= warming, BANDS[1], BANDS[2])).astype(object)


def holdout_list(result: PropensityResult, share: float | None = None, seed: int | None = None) -> pd.DataFrame:
    """Customers split at random into ``campaign`` and ``holdout`` (share ``spec.holdout_share``), within
    each band so both groups have the same mix; seeded, so the same list comes back. Columns
    ``unit_id, variant, score, band``: the assignment log the Experiments page reads once outcomes
    (``converted``, ``revenue``) are added."""
    share = float(result.spec.holdout_share if share is None else share)
    if not 0 < share < 1:
        raise CxDataError(msg("the hold-out share {share} is not a fraction in (0, 1).", share=share),
                          hint=msg("Use e.g. 0.1 for 10%."))
    rng = np.random.default_rng(result.spec.seed if seed is None else seed)
    c = result.customers.sort_values("customer_id", kind="stable").reset_index(drop=True)
    hold = np.zeros(len(c), dtype=bool)
    for band in BANDS:
        idx = np.flatnonzero(c["band"].to_numpy() == band)
        take = int(round(share * len(idx)))
        hold[rng.permutation(idx)[:take]] = True
    return pd.DataFrame({"unit_id": c["customer_id"], "variant": np.where(hold, "holdout", "campaign"),
                         "score": c["score"], "band": c["band"]})


def scores_csv(result: PropensityResult) -> bytes:
    """The scored list as CSV (formula-neutralized): customer_id, score, band, reasons (joined by "; ")."""
    from cxlib.data.export import to_csv_bytes
    c = result.customers
    reasons = ["; ".join(str(r) for r in row if isinstance(r, str) and r)
               for row in c[["reason_1", "reason_2", "reason_3"]].itertuples(index=False)]
    return to_csv_bytes(pd.DataFrame({"customer_id": c["customer_id"], "score": c["score"].round(6),
                                      "band": c["band"], "reasons": reasons}))


def holdout_csv(result: PropensityResult, share: float | None = None, seed: int | None = None) -> bytes:
    from cxlib.data.export import to_csv_bytes
    return to_csv_bytes(holdout_list(result, share, seed))


__all__ = ["BANDS", "Backtest", "Fold", "PropensityResult", "PropensitySpec", "band_thresholds",
           "bands", "holdout_csv", "holdout_list", "parse_horizon", "scores_csv"]
