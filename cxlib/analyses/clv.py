"""Customer lifetime value: historical (net revenue so far) and predictive (BG/NBD + Gamma-Gamma).

Predictive CLV follows Fader, Hardie & Lee:

- BG/NBD ("Counting your customers the easy way", Marketing Science 2005): while alive, a customer
  buys at Poisson rate ``lambda ~ Gamma(r, alpha)``; after each purchase they drop out with
  probability ``p ~ Beta(a, b)``. Inputs per customer: ``x`` repeat purchases (frequency), ``t_x`` time
  of the last purchase since the first (recency) and ``T`` age since the first purchase.
- Gamma-Gamma ("RFM and CLV", JMR 2005; Fader & Hardie's 2013 note): the average value of a
  customer's repeat purchases, ``m``, has ``E[M | p, q, v, x, m] = p (v + x m) / (p x + q - 1)``.

Both are fitted (``cxlib.analyses.clv_models``) by maximum likelihood with ``scipy.optimize.minimize``
on log-parameters; on the CDNOW sample they reproduce the published estimates (r 0.243, alpha 4.414,
a 0.793, b 2.426; p 6.25, q 3.74, v 15.44).

The summary (frequency, recency, T, monetary value) follows the ``lifetimes``
``summary_data_from_transaction_data`` convention: purchases are counted once per period (day by
default), frequency = periods with a purchase - 1, recency and T are measured between period starts,
monetary value = mean net revenue of the repeat periods (0 for one-time buyers).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib.analyses.clv_models import BGNBD, LOG_BOUND, GammaGamma, fit_bgnbd, fit_gamma_gamma
from cxlib.analyses import retention_engine
from cxlib.analyses.retention import _orders_only, order_source, valid_orders
from cxlib.data.orders import revenue_rule
from cxlib.analyses.retention_engine import EngineOrders
from cxlib.core.errors import CxDataError
from cxlib.core.messages import N_, Msg, msg
from cxlib.core.periods import UNIT_DAYS, CLVSpec, CountPeriod, TimeUnit, parse_day
from cxlib.core.result import Result
from cxlib.data.dataset import Dataset

if TYPE_CHECKING:
    from cxlib.core.definitions import DefinitionSet

MIN_REPEAT = 20                  # fewer repeat customers than this -> the models are unreliable
NO_SEGMENT = N_("(none)")        # historical CLV: segment of customers without a value (stored, shown translated)
ALL_CUSTOMERS = N_("all")        # historical CLV without a breakdown: the one segment


# ----------------------------------------------------------------------------------------------
# RFM summary (frequency, recency, T, monetary value)
# ----------------------------------------------------------------------------------------------
def summarize_transactions(df: pd.DataFrame, customer: str, time: str, value: str | None = None, *,
                           calibration_end: str | pd.Timestamp | None = None, time_unit: TimeUnit = "week",
                           count_per: CountPeriod = "day") -> pd.DataFrame:
    """Per-customer ``frequency, recency, T, monetary_value`` from a transaction table.

    Transactions after ``calibration_end`` (a day, inclusive; default the last transaction's day) are
    ignored. Purchases within one ``count_per`` period are merged (values summed). Recency and T are
    in ``time_unit`` (days / 7 for weeks), measured between period starts. ``monetary_value`` is the
    mean value of repeat periods (0 when frequency is 0). Vectorized groupby, one row per customer,
    indexed by customer.
    """
    ts = pd.to_datetime(df[time], utc=True)
    end = parse_day(calibration_end) if calibration_end is not None else ts.max().normalize()
    keep = (ts < end + pd.Timedelta(days=1)).to_numpy()
    codes, uniques = pd.factorize(df[customer][keep])       # integer keys: fast groupby on any id type
    t = pd.DataFrame({"c": codes, "p": _period_number(ts[keep], count_per),
                      "v": (df[value].to_numpy(dtype=float)[keep] if value else 0.0)})
    per = t.groupby(["c", "p"], sort=True)["v"].sum().reset_index()
    g = per.groupby("c", sort=True)
    first_v = per.drop_duplicates("c", keep="first").set_index("c")["v"]
    periods = pd.DataFrame({"first": g["p"].min(), "last": g["p"].max(), "n": g["p"].size(), "total": g["v"].sum()})
    periods = periods.assign(first_v=first_v.reindex(periods.index))
    periods.index = pd.Index(np.asarray(uniques)[periods.index.to_numpy()], name=customer)
    return _summary(periods, end, time_unit, count_per)


def _summary(periods: pd.DataFrame, end: pd.Timestamp, time_unit: TimeUnit, count_per: CountPeriod) -> pd.DataFrame:
    """frequency, recency, T and monetary_value from each customer's first and last period number, periods
    with a purchase (``n``), the value of all of them (``total``) and of the first (``first_v``)."""
    end_p = _period_number(pd.Series([end]), count_per)[0]
    unit = UNIT_DAYS[time_unit] / (7.0 if count_per == "week" else 1.0)   # periods per time unit
    freq = (periods["n"] - 1).astype("int64")
    monetary = np.where(freq > 0, (periods["total"] - periods["first_v"]) / freq.clip(lower=1), 0.0)
    return pd.DataFrame({"frequency": freq.to_numpy(), "recency": ((periods["last"] - periods["first"]) / unit)
                         .to_numpy(), "T": ((end_p - periods["first"]) / unit).to_numpy(),
                         "monetary_value": monetary}, index=periods.index)


def _customers(ds: Dataset, spec: CLVSpec, defs: DefinitionSet | None) -> tuple[pd.DataFrame, pd.Timestamp, list]:
    """The BG/NBD summary per customer with their orders and net revenue up to the calibration end, that day
    and the warnings; from the engine's per-customer aggregates when the table stays there."""
    vo = order_source(ds, defs)
    end = parse_day(spec.calibration_end) if spec.calibration_end else vo.data_end
    if isinstance(vo, EngineOrders):
        per = retention_engine.clv_periods(vo, end, spec.count_per)
        summ = _summary(per, end, spec.time_unit, spec.count_per)
        return summ.assign(orders=per["orders"].to_numpy(), net_revenue=per["net"].to_numpy()), end, list(vo.warnings)
    summ = summarize_transactions(vo.orders, "customer_id", "ordered_at", "net", calibration_end=end,
                                  time_unit=spec.time_unit, count_per=spec.count_per)
    hist = vo.orders[vo.orders["ordered_at"] < end + pd.Timedelta(days=1)].groupby(
        "customer_id", observed=True)["net"].agg(["size", "sum"])
    return summ.assign(orders=hist["size"].reindex(summ.index).to_numpy(),
                       net_revenue=hist["sum"].reindex(summ.index).to_numpy()), end, list(vo.warnings)


def _period_number(ts: pd.Series, count_per: CountPeriod) -> np.ndarray:
    """Days since 1970-01-05 (a Monday), or ISO weeks since then, as integers."""
    days = (ts.dt.tz_convert("UTC").dt.floor("D") - pd.Timestamp("1970-01-05", tz="UTC")).dt.days
    days = days.to_numpy(dtype=np.int64)
    return np.floor_divide(days, 7) if count_per == "week" else days


def rfm_summary(ds: Dataset, spec: CLVSpec | None = None, *, defs: DefinitionSet | None = None) -> pd.DataFrame:
    """The BG/NBD summary of an orders dataset from its valid orders (net revenue as value).

    One row per customer (index ``customer_id``): frequency, recency, T (in ``spec.time_unit``),
    monetary_value (mean net revenue of repeat purchases).
    """
    return _customers(ds, spec or CLVSpec(), defs)[0].drop(columns=["orders", "net_revenue"])


# ----------------------------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HistoricalCLV(Result):
    """Net revenue per customer so far, and its distribution per segment."""

    customers: pd.DataFrame          # customer_id, segment, orders, net_revenue, first/last_order_at
    segments: pd.DataFrame           # segment, customers, net_revenue, mean, median, p90, share
    by: str | None
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.segments.copy()

    def summary(self) -> Msg:
        rev = self.customers["net_revenue"]
        return msg("{customers:,} customers, net revenue {net_revenue:,.2f}; mean historical CLV {mean:,.2f}, "
                   "median {median:,.2f}.", customers=len(rev), net_revenue=float(rev.sum()), mean=float(rev.mean()),
                   median=float(rev.median()))

    def to_json(self) -> dict:
        segs = [{"segment": str(r.segment), "customers": int(r.customers),
                 "net_revenue": round(float(r.net_revenue), 2),
                 "mean": round(float(r.mean), 2), "median": round(float(r.median), 2),
                 "share_pct": round(float(r.share) * 100, 2)} for r in self.segments.itertuples(index=False)]
        return {"customers": len(self.customers), "by": self.by,
                "net_revenue": round(float(self.customers["net_revenue"].sum()), 2),
                "segments": segs, "warnings": list(self.warnings)}


def historical_clv(ds: Dataset, by: str | None = None, segments: pd.Series | None = None, *,
                   defs: DefinitionSet | None = None) -> HistoricalCLV:
    """Historical CLV = net revenue of a customer's valid orders, per customer and per segment.

    Parameters
    ----------
    ds : Dataset
        An orders dataset.
    by : str, optional
        A column of ``ds.df`` (e.g. ``channel``, ``country``); a customer's segment is its value on
        their first valid order.
    segments : pd.Series, optional
        customer_id -> segment label (e.g. RFM segments); overrides ``by``. Customers absent from it
        are labelled "(none)".
    defs : DefinitionSet, optional
        Valid statuses and refund handling (``defs.net_revenue``).

    Examples
    --------
    >>> import cxlib as cx
    >>> cx.historical_clv(cx.load("sample_data/orders_shopify.csv")).summary()[:40]
    '1,180 customers, net revenue 139,889.34;'
    """
    by = None if segments is not None else by
    if ds.aggregate_on_engine:          # per-customer aggregates (and the value on the first order) from the engine
        _orders_only(ds)
        extra = {"seg": (lambda s: s[by], "first")} if by in ds.columns else None
        vo = retention_engine.valid_orders(ds, revenue_rule(defs), extra)
        _has_column(ds, by)
        cust = retention_engine.customer_frame(vo.table, first=("seg",) if by else ()).set_index("customer_id")
        # the value as it is typed, to text here: pandas writes numbers and times as the pandas path shows them
        first = cust.pop("seg").astype("string") if by else None
        return _historical(cust, first, by, segments, list(vo.warnings))
    vo = valid_orders(ds, defs)
    _has_column(ds, by)
    o = vo.orders
    g = o.groupby("customer_id", sort=True, observed=True)
    cust = pd.DataFrame({"orders": g.size(), "net_revenue": g["net"].sum(),
                         "first_order_at": g["ordered_at"].min(), "last_order_at": g["ordered_at"].max()})
    first = None
    if by:
        frame = o.assign(seg=ds.df[by].astype("string").to_numpy()[o["row"].to_numpy()])
        first = frame.sort_values(["ordered_at", "row"], kind="stable").drop_duplicates("customer_id").set_index(
            "customer_id")["seg"]
    return _historical(cust, first, by, segments, list(vo.warnings))


def _has_column(ds: Dataset, by: str | None) -> None:
    if by and by not in ds.columns:
        raise CxDataError(msg("column {column} is not in the dataset.", column=repr(by)), file=ds.name,
                          hint=msg("Pick one of: {columns}.", columns=", ".join(map(str, ds.columns))))


def _historical(cust: pd.DataFrame, first: pd.Series | None, by: str | None, segments: pd.Series | None,
                warnings: list) -> HistoricalCLV:
    """Historical CLV from one row per customer (orders, net_revenue, first/last order, indexed by id) and the
    value of ``by`` on each customer's first valid order."""
    if segments is not None:
        seg = segments.copy()
        seg.index = seg.index.astype("string")
        cust["segment"] = seg.astype("string").reindex(cust.index).fillna(NO_SEGMENT).to_numpy()
        label = segments.name if isinstance(segments.name, str) else N_("segment")
    elif by:
        cust["segment"] = first.reindex(cust.index).fillna(NO_SEGMENT).to_numpy()
        label = by
    else:
        cust["segment"] = ALL_CUSTOMERS
        label = None
    cust = cust.reset_index()
    s = cust.groupby("segment", sort=True, observed=True)["net_revenue"]
    table = pd.DataFrame({N_("customers"): s.size(), N_("net_revenue"): s.sum(), N_("mean"): s.mean(),
                          N_("median"): s.median(), N_("p90"): s.quantile(0.9)}).reset_index()   # headers people read
    total = table["net_revenue"].sum()
    table[N_("share")] = table["net_revenue"] / total if total else np.nan
    table = table.sort_values("net_revenue", ascending=False, kind="stable").reset_index(drop=True)
    small = int((table["customers"] < 30).sum())
    if label and small:
        warnings.append(msg("{segments} segment(s) have fewer than 30 customers; their averages are noisy.",
                            segments=small))
    return HistoricalCLV(cust[["customer_id", "segment", "orders", "net_revenue", "first_order_at",
                               "last_order_at"]], table, label, tuple(warnings))


# The per-customer table of a prediction, in order; marked because the app shows these headers.
CUSTOMER_COLUMNS = (N_("customer_id"), N_("frequency"), N_("recency"), "T", N_("monetary_value"), N_("orders"),
                    N_("net_revenue"), N_("p_alive"), N_("expected_purchases"), N_("expected_value"),
                    N_("predicted_clv"))


@dataclass(frozen=True, slots=True)
class CLVResult(Result):
    """Predictive CLV per customer (BG/NBD + Gamma-Gamma) with the fitted models."""

    spec: CLVSpec
    customers: pd.DataFrame          # customer_id, frequency, recency, T, monetary_value, orders,
                                     # net_revenue, p_alive, expected_purchases, expected_value, predicted_clv
    bgnbd: BGNBD | None
    gamma_gamma: GammaGamma | None
    calibration_end: str
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.customers.copy()

    def top(self, n: int = 20) -> pd.DataFrame:
        """The ``n`` customers with the highest predicted CLV."""
        return self.customers.nlargest(n, "predicted_clv")

    def summary(self) -> Msg:
        c = self.customers
        if self.bgnbd is None:
            return msg("{customers:,} customers; predictive CLV is not available.", customers=len(c))
        return msg("{customers:,} customers; expected {purchases:,.0f} repeat purchases and {clv:,.2f} in the next "
                   "{days} days; mean P(alive) {p_alive:.1%}.", customers=len(c),
                   purchases=float(c["expected_purchases"].sum()), clv=float(c["predicted_clv"].sum()),
                   days=int(self.spec.horizon_days), p_alive=float(c["p_alive"].mean()))

    def to_json(self) -> dict:
        c = self.customers
        return {"customers": len(c), "calibration_end": self.calibration_end, "spec": self.spec.to_json(),
                "definition": self.spec.describe(),
                "bgnbd": self.bgnbd.to_json() if self.bgnbd else None,
                "gamma_gamma": self.gamma_gamma.to_json() if self.gamma_gamma else None,
                "predicted_clv_total": round(float(c["predicted_clv"].sum()), 2) if self.bgnbd else None,
                "expected_purchases_total": float(c["expected_purchases"].sum()) if self.bgnbd else None,
                "warnings": list(self.warnings)}


def predict_clv(ds: Dataset, spec: CLVSpec | None = None, *, defs: DefinitionSet | None = None) -> CLVResult:
    """Predictive CLV for every customer: P(alive), expected repeat purchases in the horizon (BG/NBD),
    expected purchase value (Gamma-Gamma), and their product times the margin.

    Weak data (few repeat customers, a fit that does not converge, spend correlated with frequency)
    gives warnings; when BG/NBD cannot be fitted at all the prediction columns are NaN.

    Examples
    --------
    >>> import cxlib as cx
    >>> res = cx.predict_clv(cx.load("sample_data/orders_shopify.csv"))
    >>> len(res.to_frame()) > 0
    True
    """
    spec = spec or CLVSpec()
    c, end, warnings = _customers(ds, spec, defs)
    repeaters = int((c["frequency"] > 0).sum())
    bg = gg = None
    nan = np.full(len(c), np.nan)
    p_alive, purchases, value = nan, nan, nan
    if repeaters < 2:
        warnings.append(msg("Fewer than 2 customers bought more than once; predictive CLV needs repeat buyers."))
    else:
        if repeaters < MIN_REPEAT:
            warnings.append(msg("Only {customers} customers bought more than once; the CLV model is unreliable.",
                                customers=repeaters))
        bg = fit_bgnbd(c["frequency"], c["recency"], c["T"])
        horizon = int(spec.horizon_days) / UNIT_DAYS[spec.time_unit]
        # evaluate once per distinct (x, t_x, T): many customers share one (e.g. one-time buyers of a day)
        uniq, back = np.unique(c[["frequency", "recency", "T"]].to_numpy(dtype=float), axis=0, return_inverse=True)
        back = back.ravel()
        p_alive = bg.probability_alive(uniq[:, 0], uniq[:, 1], uniq[:, 2])[back]
        purchases = bg.expected_purchases(horizon, uniq[:, 0], uniq[:, 1], uniq[:, 2])[back]
        if not bg.converged:
            warnings.append(msg("The BG/NBD fit did not fully converge; treat predictions as rough."))
        if bg.a / (bg.a + bg.b) < 1e-3:
            warnings.append(msg("The orders show almost no sign of customers stopping after a purchase (estimated "
                                "dropout probability near 0), so P(alive) is close to 100% for everyone; check the "
                                "churn trend and prefer a longer order history."))
        elif max(bg.a, bg.b) > np.exp(LOG_BOUND - 0.5):
            warnings.append(msg("Customers look alike in how likely they are to stop buying (the BG/NBD dropout "
                                "parameters reached their limit); predictions are still usable."))
        bad = ~np.isfinite(purchases)
        if bad.any():
            purchases = np.where(bad, np.nan, purchases)
            warnings.append(msg("Expected purchases could not be computed for {customers} customer(s) (numerical "
                                "overflow); they are left empty.", customers=int(bad.sum())))
        try:
            gg = fit_gamma_gamma(c["frequency"], c["monetary_value"])
            value = gg.expected_average_value(c["frequency"], c["monetary_value"])
            if gg.q <= 1:
                warnings.append(msg("The spend model has no finite average (q <= 1); values of one-time buyers are "
                                    "unreliable."))
            rep = c[(c["frequency"] > 0) & (c["monetary_value"] > 0)]
            varies = len(rep) > 2 and rep["frequency"].std() > 0 and rep["monetary_value"].std() > 0
            corr = float(np.corrcoef(rep["frequency"], rep["monetary_value"])[0, 1]) if varies else 0.0
            if abs(corr) > 0.3:
                warnings.append(msg("Purchase value and frequency are correlated (r = {r:.2f}); the Gamma-Gamma model "
                                    "assumes they are not, so CLV may be biased.", r=corr))
        except CxDataError as err:
            reason = getattr(err, "msg", None) or str(err)     # the error's own Msg when cxlib.core.errors gives one
            # TRANSLATORS: {reason} is the error sentence (translated on its own)
            warnings.append(msg("Spend model not fitted: {reason}", reason=reason))
    c = c.assign(p_alive=p_alive, expected_purchases=purchases, expected_value=value,
                 predicted_clv=np.asarray(purchases) * np.asarray(value) * float(spec.margin))
    c = c.reset_index().sort_values("predicted_clv", ascending=False, kind="stable", na_position="last")
    return CLVResult(spec, c[list(CUSTOMER_COLUMNS)].reset_index(drop=True), bg, gg, end.date().isoformat(),
                     tuple(warnings))


__all__ = ["CLVResult", "CLVSpec", "HistoricalCLV", "historical_clv", "predict_clv", "rfm_summary",
           "summarize_transactions"]
