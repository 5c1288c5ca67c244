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
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib.analyses.propensity_model import (
    DAY,
    EVENT_LOOKBACK,
    _pipeline,
    _varying,
    baselines,
    bgnbd_inputs,
    calibration_table,
    delong_auc,
    fit_model,
    gains,
    model_reasons,
    plain_reasons,
    raw_features,
    transform,
)
from cxlib.analyses.propensity_result import (
    BANDS,
    Backtest,
    Fold,
    PropensityResult,
    PropensitySpec,
    _day,
    band_thresholds,
    bands,
    parse_horizon,
    scores_csv,
)
from cxlib.core.errors import CxDataError
from cxlib.core.messages import N_, Msg, msg
from cxlib.data import engine
from cxlib.data.dataset import Dataset
from cxlib.data.orders import (
    money_exact,
    order_expr,
    revenue_rule,
    unknown_status,
    valid_orders_expr,
)

if TYPE_CHECKING:                    # pragma: no cover - typing only
    from cxlib.core.definitions import DefinitionSet

EVENT_WINDOWS = (7, 30, 90)          # days of engagement counted before a cut-off
COUNT_PREFIXES = ("orders", "future", "events", "sessions_", "views_", "carts_", "clicks_")
RANDOM_SPLIT_MAX = 100_000           # rows of the random-split check (a seeded sample above)
TRAIN_SNAPSHOTS = 2                  # training snapshots per model: c - H and c - 2H


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
    # money summed as exact decimals: a parallel float sum adds in a different order from run to run, and the
    # last bits then flip a rounded figure ("average order 47.62" / "47.63") between two identical runs
    daily = o.group_by(["customer_id", "day"]).aggregate(n=o.count(), net=money_exact(o.net).sum(),
                                                         first=o.e.min(), last=o.e.max())
    j = daily.cross_join(cuts)
    start = j.day * DAY
    j = j.filter(start < j.cutoff + h)
    before = start < j.cutoff
    agg = {"orders": j.n.sum(where=before), "first": j.first.min(where=before), "last": j.last.max(where=before),
           "net": j.net.sum(where=before).cast("float64"), "days": j.day.count(where=before),
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


# The per-customer table, in order; marked because a page shows these headers.
CUSTOMER_COLUMNS = (N_("customer_id"), N_("score"), N_("band"), N_("reason_1"), N_("reason_2"), N_("reason_3"),
                    N_("recency_days"), N_("orders"), N_("bgnbd_expected"), N_("bgnbd_probability"))


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


def cli_run(ds: Dataset, args: argparse.Namespace, defs) -> dict:
    from pathlib import Path

    from cxlib.data.loader import load_path
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


__all__ = ["customer_orders_expr", "no_valid_orders", "propensity", "snapshot_exprs", "snapshots"]
