"""Readiness score: the probability that a customer places a valid order within the next H days.

Everything is computed from data strictly before the as-of date ``D`` (midnight UTC).

1. Engine (Ibis, portable): valid orders (:func:`customer_orders_expr`, the one rule) and, when given, events are
   summarized per customer at several cut-offs ``c`` in one query each (:func:`snapshot_exprs`): for
   data before ``c`` - valid orders, first/last order, net spend, orders in the last 30/90/365 days,
   distinct purchase days (BG/NBD frequency); sessions, item views, carts and clicks in the last
   7/30/90 days and the time since the last event; and the label, a valid order in ``[c, c + H)``.
   Cut-offs are ``D, D - H, D - 2H, ...``; only the ones whose label window ends by ``D`` are labelled.
2. Statistics (scikit-learn, numpy): a logistic regression on standardized, log-scaled features,
   calibrated with :class:`~sklearn.calibration.CalibratedClassifierCV`. It is trained on the
   snapshots at ``c - H`` and ``c - 2H`` (labels up to ``c``) and scores customers at ``c``.
3. Evidence before the score: a rolling time-split backtest (test cut-offs ``D - H, D - 2H, ...``,
   each scored by a model that saw nothing from its own label window), pooled AUC with a DeLong
   interval, Brier score next to the Brier score of a constant forecast at the realized rate, a
   calibration curve, gains in the top 10/20/30 %, the two classic baselines on the same folds
   (recency alone; BG/NBD expected purchases, :mod:`cxlib.analyses.clv`) and a random-split AUC beside it,
   which shows how optimistic a split that ignores time would be.
4. Data gate: a fold counts only with at least ``min_positives`` buyers in its training and its test
   window; without one such fold (or with too few buyers to train the final model) the customers are
   ranked transparently instead - by the BG/NBD probability of at least one order within H days when
   BG/NBD can be fitted, else by recency - with a sentence saying why.

Bands (documented thresholds, relative to the base rate ``b`` = share of known customers who
ordered in the last H days before ``D``): *ready* when the score is at least ``min(2b, (1 + b)/2)``
(at least twice as likely to buy as the average customer), *warming* when it is at least ``b``,
*not now* below. Reasons: the three features with the largest contributions to the customer's
log-odds (standardized coefficient x standardized value), in words.
"""
from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib.data import engine
from cxlib.data.dataset import Dataset
from cxlib.data.orders import order_expr, revenue_rule, unknown_status, valid_orders_expr
from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, N_, msg

if TYPE_CHECKING:                    # pragma: no cover - typing only
    from cxlib.core.definitions import DefinitionSet

DAY = 86_400
EVENT_WINDOWS = (7, 30, 90)          # days of engagement counted before a cut-off
EVENT_LOOKBACK = 90                  # events older than this before a cut-off are not read
BANDS = (N_("ready"), N_("warming"), N_("not now"))
COUNT_PREFIXES = ("orders", "future", "events", "sessions_", "views_", "carts_", "clicks_")
BGNBD_FIT_MAX = 10_000               # customers the BG/NBD parameters are fitted on (a seeded sample above)
BGNBD_SEED = 20_261_207
RANDOM_SPLIT_MAX = 100_000           # rows of the random-split check (a seeded sample above)
TRAIN_SNAPSHOTS = 2                  # training snapshots per model: c - H and c - 2H


# ----------------------------------------------------------------------------------------------
# Spec
# ----------------------------------------------------------------------------------------------
class FlatSpec:
    """JSON plumbing of a flat settings dataclass: ``to_json`` (its fields) and a strict ``from_json``
    (unknown keys raise CxDataError naming the known ones)."""

    __slots__ = ()

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_json(cls, obj: dict):
        names = [f.name for f in dataclasses.fields(cls)]
        if not isinstance(obj, dict):
            raise CxDataError(msg("{spec} must be a JSON object, got {type}", spec=cls.__name__,
                                  type=type(obj).__name__))
        unknown = sorted(set(obj) - set(names))
        if unknown:
            raise CxDataError(msg("unknown key(s) {keys} in {spec}", keys=", ".join(unknown), spec=cls.__name__),
                              hint=msg("Known keys: {keys}.", keys=", ".join(sorted(names))))
        return cls(**obj)


@dataclass(frozen=True, slots=True)
class PropensitySpec(FlatSpec):
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
    from cxlib.analyses.funnel import parse_window
    raw = str(text).strip().lower()
    seconds = parse_window(raw if raw[-1:].isalpha() else raw + "d")
    if seconds % DAY:
        raise CxDataError(msg("the horizon {text!r} is not a whole number of days.", text=text),
                          hint=msg("Use e.g. 30d."))
    return int(seconds // DAY)


# ----------------------------------------------------------------------------------------------
# Engine: valid orders and per-customer snapshots
# ----------------------------------------------------------------------------------------------
def no_valid_orders(defs: DefinitionSet | None, name: str | None) -> CxDataError:
    """The error for a file without any valid order before the analysis date."""
    return CxDataError(msg("no valid order (status {statuses}) was found.",
                           statuses=", ".join(revenue_rule(defs).valid_statuses)),
                       file=name, hint=msg("Check the status column mapping, or remove it to count every order as "
                                           "completed."))


def customer_orders_expr(orders, defs: DefinitionSet | None = None, extra=None):
    """Valid orders with a customer and a date, as an Ibis table ``customer_id, ordered_at, net`` (+ ``extra``):
    :func:`cxlib.data.orders.valid_orders_expr` (the one rule) less orders nobody or no day can be given to.
    ``extra``: more columns, ``name -> (function of the orders table -> expression, "first" | "min" | "max" |
    "sum")`` (how an order's lines combine)."""
    t = valid_orders_expr(orders, defs, extra)
    t = t.filter(t.customer_id.notnull() & t.ordered_at.notnull())
    return t.select("customer_id", "ordered_at", *(extra or {}), "net")


def _order_facts(orders) -> dict:
    """Small aggregates for warnings and the default as-of date: orders, unknown statuses, unusable rows,
    last order time (epoch seconds)."""
    t = order_expr(engine.table(orders))
    expr = t.aggregate(orders=t.count(), unknown=unknown_status(t).sum(),
                       unusable=(t.customer_id.isnull() | t.ordered_at.isnull()).sum(),
                       last=t.ordered_at.epoch_seconds().max())
    row = engine.execute(expr).iloc[0]
    return {k: (None if pd.isna(row[k]) else int(row[k])) for k in ("orders", "unknown", "unusable", "last")}


def _cutoffs_table(cutoffs: list[int]):
    import ibis
    return ibis.memtable(pd.DataFrame({"cutoff": np.asarray(cutoffs, dtype="int64")}))


def snapshot_exprs(valid, events, cutoffs: list[int], horizon_days: int):
    """Ibis expressions of the per-customer snapshots at each cut-off (epoch seconds, UTC).

    Returns ``(orders_expr, events_expr or None)``; one row per (cutoff, customer) with data before
    the cut-off (orders: also customers whose first order falls in the label window, with
    ``orders = 0``). Day numbers are whole UTC days since 1970-01-01. Cut-offs must be midnights UTC
    (whole days since the epoch, in seconds).
    """
    import ibis
    if any(int(c) % DAY for c in cutoffs):
        raise ValueError("cut-offs must be midnights UTC")
    h = int(horizon_days) * DAY
    cuts = _cutoffs_table(cutoffs)
    o = valid.select("customer_id", "net", e=valid.ordered_at.epoch_seconds().cast("int64"))
    # cut-offs are midnights UTC and windows whole days: orders summed per customer and day first (a day
    # is in or out of every window as a whole), which also makes "distinct purchase days" a row count
    o = o.mutate(day=(o.e // DAY).cast("int64"))
    daily = o.group_by(["customer_id", "day"]).aggregate(n=o.count(), net=o.net.sum(), first=o.e.min(),
                                                         last=o.e.max())
    j = daily.cross_join(cuts)
    start = j.day * DAY
    j = j.filter(start < j.cutoff + h)
    before = start < j.cutoff
    agg = {"orders": j.n.sum(where=before), "first": j.first.min(where=before), "last": j.last.max(where=before),
           "net": j.net.sum(where=before), "days": j.day.count(where=before),
           "first_day": j.day.min(where=before), "last_day": j.day.max(where=before),
           "future": j.n.sum(where=~before)}
    for w in (30, 90, 365):
        agg[f"orders_{w}d"] = j.n.sum(where=before & (start >= j.cutoff - w * DAY))
    orders_expr = j.group_by(["cutoff", "customer_id"]).aggregate(**agg)
    if events is None:
        return orders_expr, None
    ev = engine.table(events)
    name = ev.event.cast("string").lower()
    session = (ev.session_id.cast("string") if "session_id" in ev.columns
               else (ev.timestamp.epoch_seconds() // DAY).cast("string"))
    session = ibis.coalesce(session, (ev.timestamp.epoch_seconds() // DAY).cast("string"))
    e = ev.filter(ev.user_id.notnull() & ev.timestamp.notnull()).select(
        customer_id=ev.user_id.cast("string"), e=ev.timestamp.epoch_seconds().cast("int64"), session=session,
        is_view=name.contains("view"),
        is_cart=name.contains("cart") & ~name.contains("remove"),
        is_click=name.contains("click"))
    # cut-offs are midnights UTC and windows whole days, so a day's events of one session fall in or out of
    # a window together: summing them per (customer, session, day) first gives the same counts from far
    # fewer rows
    e = e.mutate(day=(e.e // DAY).cast("int64"))
    daily = e.group_by(["customer_id", "session", "day"]).aggregate(
        n=e.count(), last=e.e.max(), views=e.e.count(where=e.is_view), carts=e.e.count(where=e.is_cart),
        clicks=e.e.count(where=e.is_click))
    k = daily.cross_join(cuts)
    start = k.day * DAY
    k = k.filter((start < k.cutoff) & (start >= k.cutoff - EVENT_LOOKBACK * DAY))
    eagg = {"events": k.n.sum(), "last_event": k.last.max()}
    for w in EVENT_WINDOWS:
        inside = k.day * DAY >= k.cutoff - w * DAY
        eagg[f"sessions_{w}d"] = k.session.nunique(where=inside)
        eagg[f"views_{w}d"] = k.views.sum(where=inside)
        eagg[f"carts_{w}d"] = k.carts.sum(where=inside)
        eagg[f"clicks_{w}d"] = k.clicks.sum(where=inside)
    events_expr = k.group_by(["cutoff", "customer_id"]).aggregate(**eagg)
    return orders_expr, events_expr


def snapshots(valid, events, cutoffs: list[int], horizon_days: int) -> pd.DataFrame:
    """Run :func:`snapshot_exprs` and join orders and events per (cutoff, customer) (small: one row per
    customer and cut-off). The universe at a cut-off: customers with a valid order before it, and, with
    events, users active in the 90 days before it. ``label`` = a valid order in ``[c, c + H)``."""
    o_expr, e_expr = snapshot_exprs(valid, events, cutoffs, horizon_days)
    o = engine.execute(o_expr)
    o["customer_id"] = o["customer_id"].astype("string")
    if e_expr is not None:
        ev = engine.execute(e_expr)
        ev["customer_id"] = ev["customer_id"].astype("string")
        frame = o.merge(ev, on=["cutoff", "customer_id"], how="outer")
        frame = frame[(frame["orders"].fillna(0) > 0) | frame["events"].notna()]
    else:
        frame = o[o["orders"] > 0].copy()
    counts = [c for c in frame.columns if c.startswith(COUNT_PREFIXES)]
    frame[counts] = frame[counts].astype("float64").fillna(0.0)          # none in a window: 0 (SQL: NULL)
    frame["label"] = (frame["future"] > 0).astype("int8")
    return frame.sort_values(["cutoff", "customer_id"], kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------------------------
# Features
# ----------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------
# Metrics (pure numpy; tested against sklearn and brute force)
# ----------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------
# Scorers
# ----------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------------------------
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


# The per-customer table, in order; marked because a page shows these headers.
CUSTOMER_COLUMNS = (N_("customer_id"), N_("score"), N_("band"), N_("reason_1"), N_("reason_2"), N_("reason_3"),
                    N_("recency_days"), N_("orders"), N_("bgnbd_expected"), N_("bgnbd_probability"))


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


# ----------------------------------------------------------------------------------------------
# Reasons
# ----------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------
# The analysis
# ----------------------------------------------------------------------------------------------
def _iso(epoch: int) -> str:
    return pd.Timestamp(epoch, unit="s", tz="UTC").date().isoformat()


def _time_filter(obj, column: str, before: pd.Timestamp):
    import ibis
    t = engine.table(obj)
    return t.filter(t[column] < ibis.literal(before.to_pydatetime(), type="timestamp('UTC')"))


def propensity(orders, events=None, spec: PropensitySpec | None = None, *, defs: DefinitionSet | None = None,
               horizon_days: int | None = None, as_of: str | None = None) -> PropensityResult:
    """Readiness score: P(a valid order within the horizon) for every customer known before the as-of date.

    Parameters
    ----------
    orders : Dataset (role orders) or anything :func:`cxlib.data.engine.table` takes, with canonical columns.
    events : optional events (role events) whose ``user_id`` is the orders' ``customer_id``.
    spec : :class:`PropensitySpec`; ``horizon_days`` and ``as_of`` override its fields.
    defs : valid statuses and refund handling (``defs.net_revenue``).

    Examples
    --------
    >>> import cxlib as cx
    >>> res = cx.propensity(cx.load("sample_data/orders_shopify.csv"), horizon_days=30)
    >>> res.as_of, res.method, len(res.to_frame()) > 1000
    ('2026-11-01', 'model', True)
    """
    spec = spec or PropensitySpec()
    if horizon_days is not None or as_of is not None:
        spec = dataclasses.replace(spec, horizon_days=int(horizon_days or spec.horizon_days),
                                   as_of=as_of if as_of is not None else spec.as_of)
    _check_role(orders, "orders")
    if events is not None:
        _check_role(events, "events")
    name = getattr(orders, "name", "orders")
    orders = engine.table(orders)                 # once per input: every expression below shares it
    facts = _order_facts(orders)
    if facts["last"] is None:
        raise CxDataError(msg("no order has a date."), file=name,
                          hint=msg("Check the mapping of customer_id and ordered_at on the Data page."))
    D = _day(spec.as_of) if spec.as_of else _day(pd.Timestamp(facts["last"], unit="s", tz="UTC")) + pd.Timedelta(days=1)
    warnings: list[Msg] = []
    if facts["unknown"]:
        warnings.append(msg("{orders} order(s) have an unrecognized status and are not counted as valid orders.",
                            orders=facts["unknown"]))
    if facts["unusable"]:
        warnings.append(msg("{orders} order(s) without a customer or an order date were left out.",
                            orders=facts["unusable"]))
    H, d = int(spec.horizon_days), int(D.timestamp())
    h = H * DAY
    cutoffs = [d - k * h for k in range(spec.folds + TRAIN_SNAPSHOTS + 1)]
    valid = customer_orders_expr(_time_filter(orders, "ordered_at", D), defs)      # nothing on or after D is read
    ev = _time_filter(events, "timestamp", D) if events is not None else None
    frame = snapshots(valid, ev, cutoffs, H)
    has_events = ev is not None
    base_parts, bg_models = [], {}
    for c, rows in frame.groupby("cutoff", sort=True):
        part, bg_models[int(c)] = baselines(rows, H)
        base_parts.append(part)
    base = pd.concat(base_parts).reindex(frame.index) if base_parts else pd.DataFrame(
        columns=["recency", "bgnbd", "bgnbd_p", "p_alive"], index=frame.index, dtype=float)
    raw = raw_features(frame, has_events).assign(bgnbd_p=base["bgnbd_p"].to_numpy(float),
                                                 p_alive=base["p_alive"].to_numpy(float))
    X = transform(raw)
    at = {int(c): idx for c, idx in frame.groupby("cutoff", sort=True).groups.items()}
    y = frame["label"].to_numpy(dtype=int)
    empty = pd.Index([], dtype=int)
    if not (frame.loc[at.get(d, empty), "orders"] > 0).any():
        raise no_valid_orders(defs, name)

    def rows_of(cs):
        idx = [at.get(c, empty) for c in cs]
        return idx[0].append(idx[1:]) if idx else empty

    minimum = int(spec.min_positives)

    def enough(idx) -> bool:
        pos = int(y[idx].sum()) if len(idx) else 0
        return pos >= minimum and len(idx) - pos >= minimum

    # --- backtest folds
    folds, pooled = [], []
    for k in range(1, spec.folds + 1):
        c = d - k * h
        test = rows_of([c])
        train = rows_of([c - j * h for j in range(1, TRAIN_SNAPSHOTS + 1)])
        used = enough(train) and enough(test)
        prob = np.full(len(test), np.nan)
        if used:
            prob = fit_model(X.loc[train], y[train]).predict(X.loc[test])
        yt = y[test]
        rec, bg = base.loc[test, "recency"].to_numpy(float), base.loc[test, "bgnbd"].to_numpy(float)
        auc = delong_auc(yt, prob) if used else (np.nan,) * 3
        folds.append(Fold(_iso(c), len(train), int(y[train].sum()) if len(train) else 0, len(test), int(yt.sum()),
                          used, auc[0], auc[1:], float(np.mean((prob - yt) ** 2)) if used else np.nan,
                          delong_auc(yt, rec)[0], delong_auc(yt, bg)[0] if np.isfinite(bg).all() else np.nan))
        pooled.append(pd.DataFrame({"y": yt, "model": prob, "recency": rec, "bgnbd": bg,
                                    "bgnbd_p": base.loc[test, "bgnbd_p"].to_numpy(float),
                                    "used": used, "cutoff": c}))
    final_train = rows_of([d - j * h for j in range(1, TRAIN_SNAPSHOTS + 1)])
    now = rows_of([d])
    method, gate = "model", ""
    if not any(f.used for f in folds) or not enough(final_train):
        method = "bgnbd" if bg_models.get(d) is not None else "recency"
        best = max(folds, key=lambda f: min(f.train_positives, f.positives), default=None)
        ranked_by = (msg("the BG/NBD probability of at least one order in the horizon") if method == "bgnbd"
                     else msg("recency (days since the last order)"))
        gate = msg("Not enough buyers to train and test a model: the backtest needs at least {minimum} buyers (and as "
                   "many non-buyers) in a fold's training and test windows, and the best fold has {train} and {test}. "
                   "Customers are ranked by {ranked_by} instead; its backtest is shown, but the score is not a "
                   "tested probability.", minimum=minimum, train=best.train_positives if best else 0,
                   test=best.positives if best else 0, ranked_by=ranked_by)
    backtest = _backtest(pd.concat(pooled, ignore_index=True) if pooled else pd.DataFrame(), folds, method,
                         X, y, [c for c in cutoffs[1:]], at, spec)
    # --- scores now
    fnow = frame.loc[now]
    base_rate = float(y[at[d - h]].mean()) if len(at.get(d - h, empty)) else float("nan")
    thresholds = band_thresholds(base_rate)
    coefs = pd.DataFrame(columns=["feature", "coefficient"])
    if method == "model":
        model = fit_model(X.loc[final_train], y[final_train])
        score = model.predict(X.loc[now])
        reasons = model_reasons(raw.loc[now], model.contributions(X.loc[now]), model.features)
        coefs = model.coefficients()
        rivals = [(v, name) for v, name in ((backtest.auc_recency, msg("recency alone")),
                                             (backtest.auc_bgnbd, msg("BG/NBD expected purchases"))) if np.isfinite(v)]
        best = max(rivals, key=lambda r: r[0], default=None)
        if best is not None and backtest.auc <= best[0]:
            warnings.append(msg("In the backtest the model does not beat {baseline} (AUC {auc:.3f} vs {other:.3f}); "
                                "the simpler ranking is as good here.", baseline=best[1], auc=backtest.auc,
                                other=best[0]))
    else:
        score = base.loc[now, "bgnbd_p"].to_numpy(float) if method == "bgnbd" else np.full(len(now), np.nan)
        model_now = bg_models.get(d)
        p_alive = None
        if model_now is not None:
            s = bgnbd_inputs(fnow)
            p_alive = np.where(fnow["orders"].to_numpy(float) > 0,
                               model_now.probability_alive(s["frequency"], s["recency"], s["T"]), np.nan)
        reasons = plain_reasons(raw.loc[now], p_alive)
    band = bands(score, thresholds)
    if method == "recency":
        recent = raw.loc[now, "recency_days"].to_numpy(float) <= H
        band = np.where(recent, BANDS[1], BANDS[2]).astype(object)
    if has_events and len(fnow) and not ((fnow["orders"] > 0) & (fnow["events"] > 0)).any():
        warnings.append(msg("No user id of the events matches a customer id of the orders: the events only add "
                            "visitors who have not ordered."))
    r = np.array(reasons, dtype=object).reshape(len(now), 3) if len(now) else np.empty((0, 3), dtype=object)
    customers = pd.DataFrame({
        "customer_id": fnow["customer_id"].astype("string").to_numpy(), "score": score, "band": band,
        "reason_1": r[:, 0], "reason_2": r[:, 1], "reason_3": r[:, 2],
        "recency_days": raw.loc[now, "recency_days"].to_numpy(float), "orders": fnow["orders"].to_numpy(float),
        "bgnbd_expected": base.loc[now, "bgnbd"].to_numpy(float),
        "bgnbd_probability": base.loc[now, "bgnbd_p"].to_numpy(float)})
    key = customers["score"].fillna(-1) if method != "recency" else -customers["recency_days"].fillna(np.inf)
    customers = customers.assign(_k=key).sort_values(["_k", "customer_id"], ascending=[False, True],
                                                     kind="stable").drop(columns="_k").reset_index(drop=True)
    return PropensityResult(spec, D.date().isoformat(), method, customers, base_rate, thresholds, backtest, coefs,
                            gate, tuple(warnings))


def _backtest(pool: pd.DataFrame, folds: list[Fold], method: str, X: pd.DataFrame, y: np.ndarray,
              labelled: list[int], at: dict, spec: PropensitySpec) -> Backtest:
    """Pooled figures over the folds that count: the gate's folds for a model, every fold with buyers
    and non-buyers for a transparent ranking."""
    nan2 = (np.nan, np.nan)
    if pool.empty:
        return Backtest(method, 0, 0, np.nan, nan2, np.nan, np.nan, {}, calibration_table([], []), np.nan, nan2,
                        np.nan, nan2, np.nan, tuple(folds))
    if method == "model":
        use = pool[pool["used"]]
    else:
        both = pool.groupby("cutoff")["y"].agg(lambda s: 0 < s.sum() < len(s))
        use = pool[pool["cutoff"].map(both).astype(bool)]
    col = {"model": "model", "bgnbd": "bgnbd_p", "recency": "recency"}[method]
    yy = use["y"].to_numpy(int)
    s = use[col].to_numpy(float)
    auc = delong_auc(yy, s) if len(use) else (np.nan,) * 3
    has_prob = method != "recency" and len(use) and np.isfinite(s).all()
    brier = float(np.mean((s - yy) ** 2)) if has_prob else np.nan
    rates = use.groupby("cutoff")["y"].agg(["mean", "size"])
    brier_base = float((rates["mean"] * (1 - rates["mean"]) * rates["size"]).sum() / rates["size"].sum()) if len(
        rates) else np.nan
    rec = delong_auc(yy, use["recency"].to_numpy(float)) if len(use) else (np.nan,) * 3
    bgv = use["bgnbd"].to_numpy(float)
    bg = delong_auc(yy, bgv) if len(use) and np.isfinite(bgv).all() else (np.nan,) * 3
    random_auc = np.nan
    if method == "model":
        used_cuts = sorted({int(c) for c in use["cutoff"].unique()})
        h = int(spec.horizon_days) * DAY
        cuts = sorted({c - j * h for c in used_cuts for j in range(TRAIN_SNAPSHOTS + 1)} & set(labelled))
        idx = pd.Index([], dtype=int).append([at[c] for c in cuts if c in at])
        perm = np.random.default_rng(spec.seed).permutation(len(idx))[:RANDOM_SPLIT_MAX]
        cut = int(0.7 * len(perm))
        tr, te = idx[perm[:cut]], idx[perm[cut:]]
        if min(y[tr].sum(), y[te].sum()) >= 3 and min(len(tr) - y[tr].sum(), len(te) - y[te].sum()) >= 3:
            # AUC only depends on the ranking, which a monotone calibration keeps: the plain model suffices
            keep = _varying(X.loc[tr])
            plain = _pipeline().fit(X.loc[tr, keep].to_numpy(float), y[tr])
            random_auc = delong_auc(y[te], plain.predict_proba(X.loc[te, keep].to_numpy(float))[:, 1])[0]
    return Backtest(method, len(use), int(yy.sum()), auc[0], auc[1:], brier, brier_base,
                    gains(yy, s) if len(use) else {},
                    calibration_table(yy, s) if has_prob else calibration_table([], []),
                    rec[0], rec[1:], bg[0], bg[1:], random_auc, tuple(folds))


def _check_role(obj, role: str) -> None:
    found = getattr(obj, "role", None)
    if found is not None and found != role:
        from cxlib.data.roles import role_noun
        raise CxDataError(msg("this looks like {found} data, not {expected}.", found=role_noun(found),
                              expected=role_noun(role)), file=getattr(obj, "name", None))


# ----------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------
def cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", help="events file whose user ids are the orders' customer ids")
    parser.add_argument("--horizon", default="30d", help="score a valid order within this many days (e.g. 30d)")
    parser.add_argument("--as-of", dest="as_of", help="use data strictly before this date (YYYY-MM-DD)")
    parser.add_argument("--scores-out", dest="scores_out", help="write the scored list here (CSV)")


def cli_run(ds: Dataset, args: argparse.Namespace) -> dict:
    from pathlib import Path

    from cxlib.core.definitions import load_definitions
    from cxlib.data.loader import load_path
    defs = load_definitions(getattr(args, "definitions", None))
    events = load_path(args.events, role="events", expect_role="events") if getattr(args, "events", None) else None
    spec = PropensitySpec(horizon_days=parse_horizon(args.horizon), as_of=args.as_of)
    res = propensity(ds, events, spec, defs=defs)
    if getattr(args, "scores_out", None):
        try:
            Path(args.scores_out).write_bytes(scores_csv(res))
        except OSError as err:
            raise CxDataError(msg("cannot write the scores ({reason}).", reason=err.strerror), file=args.scores_out,
                              hint=msg("Check the path given to --scores-out.")) from None
    out = res.contract_json()
    if events is not None:
        out["warnings"] = [str(w) for w in events.warnings] + out["warnings"]
    return out


__all__ = ["Backtest", "Fold", "PropensityResult", "PropensitySpec", "bands", "band_thresholds", "calibration_table",
           "delong_auc", "gains", "holdout_csv", "holdout_list", "parse_horizon", "propensity", "scores_csv",
           "snapshots", "customer_orders_expr"]
