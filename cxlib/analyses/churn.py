"""Churn over time and the churn list: the churn rate at the end of each month or week, and who churned,
who is about to, with the revenue at stake. Valid orders and the churn definition are those of
:mod:`cxlib.analyses.retention` (the one valid-orders rule of :mod:`cxlib.data.orders`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib.data.dataset import Dataset
from cxlib.data.orders import MONEY_SCALE, money_units, revenue_rule
from cxlib.core.result import Result
from cxlib.core.definitions import RevenueDef
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, N_, msg, sentences
from cxlib.core.periods import PERIODS, ChurnSpec, Period
from cxlib.core.stats import wilson_ci
from cxlib.analyses import retention_engine
from cxlib.analyses.retention import DAY, _as_of, _window_warnings, counts_at, order_source
from cxlib.analyses.retention_engine import EngineOrders

if TYPE_CHECKING:
    from cxlib.core.definitions import DefinitionSet


@dataclass(frozen=True, slots=True)
class ChurnTrend(Result):
    """Churn rate at the end of each month (or week), with Wilson 95% intervals."""

    spec: ChurnSpec
    freq: Period
    table: pd.DataFrame              # as_of, customers, churned, churn_rate, ci_low, ci_high
    warnings: tuple[str, ...] = ()
    revenue: RevenueDef | None = None    # the revenue rule whose valid orders were counted (captions name it)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> Msg:
        if self.table.empty:
            return msg("Not enough history for a churn trend.")
        last = self.table.iloc[-1]
        first = self.table.iloc[0]
        return msg("Churn rate {first_rate:.1%} on {first_date} and {last_rate:.1%} on {last_date} ({points} points, "
                   "{days}-day window).", first_rate=float(first["churn_rate"]), first_date=str(first["as_of"]),
                   last_rate=float(last["churn_rate"]), last_date=str(last["as_of"]), points=len(self.table),
                   days=int(self.spec.inactive_days))

    def to_json(self) -> dict:
        pts = [{"as_of": r.as_of, "customers": int(r.customers), "churned": int(r.churned),
                "churn_rate": float(r.churn_rate), "ci95": [float(r.ci_low), float(r.ci_high)]}
               for r in self.table.itertuples(index=False)]
        return {"freq": self.freq, "points": pts, "definition": self.spec.describe(self.revenue),
                "spec": self.spec.to_json(), "warnings": list(self.warnings)}


def churn_trend(ds: Dataset, spec: ChurnSpec | None = None, freq: Period = "month", *,
                defs: DefinitionSet | None = None) -> ChurnTrend:
    """Churn rate at each month (or week) end, from the first date at which a customer could be churned
    (first order + ``inactive_days``) to the analysis date (always the last point).

    Examples
    --------
    >>> import cxlib as cx
    >>> trend = cx.churn_trend(cx.load("sample_data/orders_shopify.csv"))
    >>> len(trend.to_frame()) > 0
    True
    """
    spec = spec or ChurnSpec()
    if freq not in PERIODS:
        raise CxDataError(msg("unknown trend frequency {frequency}.", frequency=repr(freq)),
                          hint=msg("Use 'month' or 'week'."))
    vo = order_source(ds, defs)
    as_of = _as_of(vo, spec)
    start = vo.start + pd.Timedelta(days=int(spec.inactive_days))
    rule = "ME" if freq == "month" else "W-SUN"
    days = pd.date_range(start, as_of, freq=rule, tz="UTC") if start <= as_of else pd.DatetimeIndex([], tz="UTC")
    days = days.normalize().as_unit("us")
    if start <= as_of and (len(days) == 0 or days[-1] != as_of):
        days = days.append(pd.DatetimeIndex([as_of]))
    warnings = list(vo.warnings)
    if len(days) == 0:
        warnings.append(msg("The data spans less than {days} days before the analysis date; there is no churn trend "
                            "to show.", days=int(spec.inactive_days)))
        table = pd.DataFrame({"as_of": pd.Series(dtype="string"), "customers": pd.Series(dtype="int64"),
                              "churned": pd.Series(dtype="int64"), "churn_rate": pd.Series(dtype="float64"),
                              "ci_low": pd.Series(dtype="float64"), "ci_high": pd.Series(dtype="float64")})
        return ChurnTrend(spec, freq, table, tuple(warnings), revenue_rule(defs))
    customers, active = counts_at(vo, days + DAY, int(spec.inactive_days))
    churned = customers - active
    lo, hi = wilson_ci(churned, customers)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(customers > 0, churned / np.maximum(customers, 1), np.nan)
    table = pd.DataFrame({N_("as_of"): pd.array([d.date().isoformat() for d in days], dtype="string"),
                          N_("customers"): customers, N_("churned"): churned, N_("churn_rate"): rate,
                          N_("ci_low"): lo, N_("ci_high"): hi})               # headers people read
    if len(table) < 3:
        warnings.append(msg("Fewer than 3 points in the churn trend; the data covers too short a period."))
    return ChurnTrend(spec, freq, table, tuple(warnings), revenue_rule(defs))


CHURN_STATUS_LABELS: dict[str, str] = {"at_risk": N_("At risk of churning"), "churned": N_("Churned")}


@dataclass(frozen=True, slots=True)
class ChurnList(Result):
    """Churned and at-risk customers at the analysis date, with the revenue at stake.

    ``table``: one row per customer (at risk first, then churned; each by revenue at stake):
    customer_id, email (of the last valid order, when the orders have one), status (``at_risk`` or
    ``churned``), first_order_at, last_order_at, days_since_last_order, orders, net_revenue (all
    valid orders up to the date) and net_revenue_window (the valid orders in the ``inactive_days``
    days up to and including the day of the last one: what the customer brought per churn window
    while buying).
    """

    spec: ChurnSpec
    at_risk_days: int
    as_of: str                       # ISO date of the analysis
    table: pd.DataFrame
    customers: int                   # customers counted (first valid order on or before the date)
    warnings: tuple[str, ...] = ()

    def totals(self) -> dict[str, dict]:
        """Per status: customers, net_revenue_window and net_revenue (sums, rounded to cents)."""
        out = {}
        for status in ("churned", "at_risk"):
            rows = self.table[self.table["status"] == status]
            out[status] = {"customers": int(len(rows)),
                           "net_revenue_window": round(float(rows["net_revenue_window"].sum()), 2),
                           "net_revenue": round(float(rows["net_revenue"].sum()), 2)}
        return out

    def describe(self) -> Msg:
        days, risk = int(self.spec.inactive_days), int(self.at_risk_days)
        parts = [msg("Churned: no valid order in the {days} days up to {date}.", days=days, date=self.as_of)]
        if risk:
            parts.append(msg("At risk of churning: the last valid order was {low} to {high} days before, so they "
                             "churn within {at_risk} days unless they order.", low=days - risk, high=days - 1,
                             at_risk=risk))
        parts.append(msg("Revenue at stake: each customer's net revenue in the {days} days up to their last valid "
                         "order, and in all.", days=days))
        return sentences(parts)

    def summary(self) -> Msg:
        t = self.totals()
        return msg("On {date}: {churned:,} churned customers brought {churned_window:,.2f} in their last {days} days "
                   "of buying ({churned_total:,.2f} in all); {at_risk:,} customers at risk of churning brought "
                   "{risk_window:,.2f} ({risk_total:,.2f} in all).", date=self.as_of, days=int(self.spec.inactive_days),
                   churned=t["churned"]["customers"], churned_window=t["churned"]["net_revenue_window"],
                   churned_total=t["churned"]["net_revenue"], at_risk=t["at_risk"]["customers"],
                   risk_window=t["at_risk"]["net_revenue_window"], risk_total=t["at_risk"]["net_revenue"])

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_json(self) -> dict:
        rows = self.table.assign(first_order_at=self.table["first_order_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                 last_order_at=self.table["last_order_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                 net_revenue=self.table["net_revenue"].round(2),
                                 net_revenue_window=self.table["net_revenue_window"].round(2))
        return {"as_of": self.as_of, "inactive_days": int(self.spec.inactive_days), "at_risk_days": self.at_risk_days,
                "customers": self.customers, **self.totals(), "list": rows.astype(object).where(rows.notna(), None)
                .to_dict("records"), "definition": self.describe(), "spec": self.spec.to_json(),
                "warnings": list(self.warnings)}


def _customers(orders: pd.DataFrame, end: pd.Timestamp, days: int) -> pd.DataFrame:
    """Per customer, over the valid orders before ``end``: customer_id, first_order_at, last_order_at, orders,
    net_revenue, net_revenue_window (the orders from ``days - 1`` days before the last one's day) and row (of the
    last valid order: latest date, then latest in the file). Money is summed exactly, as on the engine."""
    o = orders[orders["ordered_at"] < end]
    o = o.assign(units=money_units(o["net"]))
    g = o.groupby("code", sort=False)
    per = pd.DataFrame({"customer_id": g["customer_id"].first(), "first_order_at": g["ordered_at"].min(),
                        "last_order_at": g["ordered_at"].max(), "orders": g.size(),
                        "net_revenue": g["units"].sum() / MONEY_SCALE})
    last_day = per["last_order_at"].dt.tz_convert("UTC").dt.normalize()
    start = (last_day + DAY - pd.Timedelta(days=days)).reindex(o["code"]).to_numpy()
    in_window = o["ordered_at"].to_numpy() >= start
    window = o.loc[in_window, "units"].groupby(o.loc[in_window, "code"]).sum()
    per["net_revenue_window"] = window.reindex(per.index, fill_value=0) / MONEY_SCALE
    per["row"] = o.sort_values("ordered_at", kind="mergesort").groupby("code")["row"].last().reindex(per.index)
    return per


def default_at_risk_days(inactive_days: int) -> int:
    """30 days, or a third of a shorter churn window."""
    return min(30, int(inactive_days) // 3)


def churn_list(ds: Dataset, spec: ChurnSpec | None = None, at_risk_days: int | None = None, *,
               defs: DefinitionSet | None = None) -> ChurnList:
    """The churned and at-risk customers at ``spec.as_of`` with their revenue at stake.

    A customer counted by :func:`churn_rate` (first valid order on or before the date) is *churned*
    when their last valid order is ``inactive_days`` or more calendar days before the date (no valid
    order in the window), and *at risk* when it is ``inactive_days - at_risk_days`` to
    ``inactive_days - 1`` days before (they turn churned within ``at_risk_days`` days without an
    order). ``at_risk_days`` = 0 lists the churned only; default :func:`default_at_risk_days`.

    Examples
    --------
    >>> import cxlib as cx
    >>> res = churn_list(cx.load("sample_data/orders_shopify.csv"))
    >>> res.totals()["churned"]["customers"], res.totals()["at_risk"]["customers"]
    (771, 99)
    """
    spec = spec or ChurnSpec()
    days = int(spec.inactive_days)
    at_risk_days = default_at_risk_days(days) if at_risk_days is None else int(at_risk_days)
    if not 0 <= at_risk_days < days:
        raise CxDataError(msg("the at-risk window must be from 0 to {most} days (shorter than the churn window).",
                              most=days - 1),
                          hint=msg("Choose fewer days, e.g. 30 with a 90-day churn window."))
    vo = order_source(ds, defs)
    as_of = _as_of(vo, spec)
    if isinstance(vo, EngineOrders):            # one row per customer leaves the engine
        per = retention_engine.churn_customers(vo, as_of + DAY, days)
    else:
        per = _customers(vo.orders, as_of + DAY, days)
    last_day = per["last_order_at"].dt.tz_convert("UTC").dt.normalize()
    per["days_since_last_order"] = (as_of - last_day).dt.days.astype(np.int64)
    since = per["days_since_last_order"]
    per["status"] = np.where(since >= days, "churned", np.where(since >= days - at_risk_days, "at_risk", ""))
    listed = per[per["status"] != ""].copy()
    if "email" in ds.columns:                  # the e-mail on each listed customer's last valid order
        rows = listed["row"].to_numpy(dtype=np.int64)      # positions in the canonical table
        if isinstance(vo, EngineOrders):
            listed["email"] = retention_engine.values_at_rows(ds, "email", rows).to_numpy()
        else:
            listed["email"] = ds.df["email"].astype("string").iloc[rows].to_numpy()
    listed["rank"] = listed["status"].map({"at_risk": 0, "churned": 1})
    listed = listed.sort_values(["rank", "net_revenue_window", "net_revenue", "customer_id"],
                                ascending=[True, False, False, True], kind="mergesort")
    cols = [N_("customer_id"), N_("email"), N_("status"), N_("first_order_at"), N_("last_order_at"),
            N_("days_since_last_order"), N_("orders"), N_("net_revenue"), N_("net_revenue_window")]   # headers people read
    table = listed[[c for c in cols if c in listed.columns]].reset_index(drop=True)
    table["status"] = table["status"].astype("string")
    warnings = list(vo.warnings) + _window_warnings(vo, as_of, spec)
    return ChurnList(spec, at_risk_days, as_of.date().isoformat(), table, int(len(per)), tuple(warnings))


__all__ = ["CHURN_STATUS_LABELS", "ChurnList", "ChurnTrend", "churn_list", "churn_trend", "default_at_risk_days"]
