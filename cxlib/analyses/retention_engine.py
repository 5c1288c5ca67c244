"""Per-customer sufficient statistics on the engine, for a Dataset whose canonical table lives in its Parquet file.

Retention (cohorts, churn and retention rates, the churn trend), RFM and CLV need per order only which
customer bought when and for how much; their statistics need per customer (or per cohort and period) a
handful of aggregates. Here those aggregates are Ibis expressions over the one valid-orders rule
(:func:`cxlib.data.orders.order_expr`) and only they leave the engine: one row per customer at most, never one
per order. The statistics themselves stay in :mod:`cxlib.analyses.retention`, ``segments``, ``clv`` and
``churn``, which feed the same code from pandas for small tables. Money is summed as exact decimals (the sum
does not depend on the engine's order of rows), so the figures equal the pandas path's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib.core.definitions import RevenueDef
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg
from cxlib.data import engine
from cxlib.data.dataset import Dataset
from cxlib.data.orders import (
    money_exact,
    money_sum_expr,
    order_expr,
    rule_notes_expr,
    unknown_status,
)

if TYPE_CHECKING:                    # pragma: no cover - typing only
    import ibis.expr.types as ir

DAY = pd.Timedelta(days=1)
MONDAY = pd.Timestamp("1970-01-05", tz="UTC")        # period numbers count days or ISO weeks from this Monday
_SHIFT = 7 * 200_000                 # whole weeks added before dividing: floor division on positive numbers only


def period_number(ts, period: str) -> ir.IntegerValue:
    """Engine twin of the pandas period numbers: months since year 0 (``month``), days (``day``) or ISO weeks
    (``week``) since 1970-01-05, from a UTC timestamp."""
    import ibis
    if period == "month":
        return (ts.year() * 12 + ts.month() - 1).cast("int64")
    days = ts.date().delta(ibis.date(MONDAY.date()), unit="day").cast("int64")
    return days if period == "day" else (days + _SHIFT) // 7 - _SHIFT // 7


def utc(frame: pd.DataFrame, *cols: str) -> pd.DataFrame:
    """Timestamp columns of an engine result as pandas's own ``datetime64[us, UTC]``."""
    return frame.assign(**{c: pd.to_datetime(frame[c], utc=True).astype("datetime64[us, UTC]") for c in cols})


# ----------------------------------------------------------------------------------------------------------
# The valid orders of retention, churn and CLV
# ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EngineOrders:
    """:class:`cxlib.analyses.retention.ValidOrders` on the engine: the valid orders with a customer and a
    date as an Ibis table (customer_id, ordered_at, net, _row) and the facts the statistics need."""

    table: object                    # ibis Table
    data_end: pd.Timestamp           # midnight UTC of the last day with any order (valid or not)
    start: pd.Timestamp              # midnight UTC of the first valid order's day
    warnings: tuple[str, ...] = ()


def checked(ds: Dataset, rev: RevenueDef, notes, unusable: int, usable: int, valid: int) -> list[Msg]:
    """Retention's rule for orders without a customer or a date (left out, with a warning) and for tables
    without a usable valid order (an error); shared by the pandas and the engine paths."""
    warnings = list(notes)
    if unusable:
        warnings.append(msg("{orders} order(s) without a customer or an order date were left out.", orders=unusable))
    if not usable:
        raise CxDataError(msg("no order has both a customer and an order date."), file=ds.name,
                          hint=msg("Check the mapping of customer_id and ordered_at on the Data page."))
    if not valid:
        raise CxDataError(msg("no valid order (status {statuses}) was found.", statuses=", ".join(rev.valid_statuses)),
                          file=ds.name, hint=msg("Check the status column mapping, or remove it to count every "
                                                 "order as completed."))
    return warnings


def orders_table(ds: Dataset, rev: RevenueDef, extra: dict | None = None):
    """Every order of ``ds`` under the rule (one row per order: the engine loads no line items) and the counts
    every caller needs, in one pass: orders, unknown statuses, valid orders without an amount, orders without
    a customer or date (all and valid), usable orders (all and valid) and the usable orders' dates."""
    t = order_expr(ds.engine_table(row=True), rev, extra, one_row_per_order=True)
    usable = t.customer_id.notnull() & t.ordered_at.notnull()
    good = usable & t.valid
    head = engine.execute(t.aggregate(
        orders=t.count(), unknown=unknown_status(t).sum(), no_amount=(t.valid & t.amount.isnull()).sum(),
        unusable=(~usable).sum(), valid_unusable=(t.valid & ~usable).sum(), usable=usable.sum(), valid=good.sum(),
        end=t.ordered_at.max(where=usable), first_valid=t.ordered_at.min(where=good),
        last_valid=t.ordered_at.max(where=good))).iloc[0]
    counts = {k: (int(head[k]) if not pd.isna(head[k]) else 0)
              for k in ("orders", "unknown", "no_amount", "unusable", "valid_unusable", "usable", "valid")}
    counts.update(end=engine.stamp(head["end"]), first_valid=engine.stamp(head["first_valid"]),
                  last_valid=engine.stamp(head["last_valid"]))
    notes = rule_notes_expr(t, ds.report.rows_in, counts["orders"], counts["unknown"], counts["no_amount"])
    return t, counts, notes


def valid_orders(ds: Dataset, rev: RevenueDef, extra: dict | None = None) -> EngineOrders:
    """The valid orders of retention (:func:`cxlib.analyses.retention.valid_orders`) on the engine; ``extra``:
    more columns, as :func:`cxlib.data.orders.order_expr` takes them."""
    t, n, notes = orders_table(ds, rev, extra)
    warnings = checked(ds, rev, notes, n["unusable"], n["usable"], n["valid"])
    v = t.filter(t.valid & t.customer_id.notnull() & t.ordered_at.notnull())
    return EngineOrders(v.select("customer_id", "ordered_at", "net", "_row", *(extra or {})), n["end"].normalize(),
                        n["first_valid"].normalize(), tuple(warnings))


# ----------------------------------------------------------------------------------------------------------
# Cohorts, churn and retention counts
# ----------------------------------------------------------------------------------------------------------
def cohort_counts(eo: EngineOrders, period: str, max_periods: int) -> tuple[pd.Series, pd.Series]:
    """Customers per cohort (period of the first valid order) and active customers per (cohort, periods
    since), ``k <= max_periods``: what :func:`cxlib.analyses.retention.cohort_table` counts."""
    import ibis
    o = eo.table
    p = o.mutate(p=period_number(o.ordered_at, period))
    p = p.mutate(cohort=p.p.min().over(ibis.window(group_by="customer_id")))
    p = p.mutate(period=p.p - p.cohort)
    sizes = engine.execute(p.filter(p.period == 0).group_by("cohort").aggregate(n=p.customer_id.nunique()))
    a = p.filter(p.period <= int(max_periods))
    active = engine.execute(a.group_by(["cohort", "period"]).aggregate(n=a.customer_id.nunique()))
    sizes = sizes.astype("int64").set_index("cohort")["n"].sort_index()
    active = active.astype("int64").set_index(["cohort", "period"])["n"].sort_index()
    return sizes, active


def counts_at(eo: EngineOrders, ends: pd.DatetimeIndex, days: int) -> tuple[np.ndarray, np.ndarray]:
    """For each exclusive end ``e``: customers with a first valid order before ``e``, and those of them with a
    valid order in ``[e - days, e)``: two range joins of the (few) ends against the customers and the orders."""
    import ibis
    o = eo.table
    ends = pd.DatetimeIndex(ends)
    ends = ends.tz_convert("UTC") if ends.tz is not None else ends.tz_localize("UTC")
    e = ibis.memtable(pd.DataFrame({"i": np.arange(len(ends), dtype="int64"), "hi": ends.as_unit("us"),
                                    "lo": (ends - pd.Timedelta(days=days)).as_unit("us")}))
    first = o.group_by("customer_id").aggregate(first=o.ordered_at.min())
    c = first.join(e, first["first"] < e.hi)
    customers = engine.execute(c.group_by("i").aggregate(n=c.count()))
    a = o.join(e, (o.ordered_at >= e.lo) & (o.ordered_at < e.hi))
    active = engine.execute(a.group_by("i").aggregate(n=a.customer_id.nunique()))
    out = []
    for frame in (customers, active):
        x = np.zeros(len(ends), dtype=np.int64)
        x[frame["i"].to_numpy(dtype=np.int64)] = frame["n"].to_numpy(dtype=np.int64)
        out.append(x)
    return out[0], out[1]


def window_counts(eo: EngineOrders, end: pd.Timestamp, n_days: pd.Timedelta) -> tuple[int, int]:
    """Customers with a valid order in ``[end - 2N, end - N)``, and those of them with one in ``[end - N, end)``:
    :func:`cxlib.analyses.retention.retention_rate`'s counts."""
    import ibis
    o = eo.table
    lo, mid = ibis.literal(end - 2 * n_days), ibis.literal(end - n_days)
    w = o.filter((o.ordered_at >= lo) & (o.ordered_at < ibis.literal(end)))
    per = w.group_by("customer_id").aggregate(prev=(w.ordered_at < mid).any(), curr=(w.ordered_at >= mid).any())
    r = engine.execute(per.aggregate(n=per.prev.sum(), retained=(per.prev & per.curr).sum())).iloc[0]
    return (0 if pd.isna(r["n"]) else int(r["n"])), (0 if pd.isna(r["retained"]) else int(r["retained"]))


# ----------------------------------------------------------------------------------------------------------
# Customers: RFM and historical CLV
# ----------------------------------------------------------------------------------------------------------
def customer_frame(t, attrs: tuple[str, ...] = (), first: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per customer of the orders ``t`` (customer_id, ordered_at, net, _row, and the columns named):
    orders, net_revenue (exact sum), first_order_at, last_order_at; per column of ``attrs`` its value on the
    latest order that has one (pandas's ``last`` after a stable sort by date), per column of ``first`` its
    value on the first order (by date, then file order), missing or not. Sorted by customer id."""
    by = [t.ordered_at, t._row]
    c = engine.execute(t.group_by("customer_id").aggregate(
        orders=t.count(), net_revenue=money_sum_expr(t.net), first_order_at=t.ordered_at.min(),
        last_order_at=t.ordered_at.max(), **{a: t[a].last(order_by=by) for a in attrs},
        **{f: t[f].first(order_by=by, include_null=True) for f in first}))
    c = utc(c, "first_order_at", "last_order_at").astype({"orders": "int64", "net_revenue": "float64"})
    c = c.astype({col: "string" for col in ("customer_id", *attrs, *first)})
    return c.sort_values("customer_id", kind="stable").reset_index(drop=True)


def clv_periods(eo: EngineOrders, end: pd.Timestamp, count_per: str) -> pd.DataFrame:
    """Per customer, over the valid orders up to the day ``end``, merged per ``count_per`` period: the first and
    last period number, periods with a purchase, the value of all of them and of the first, orders and net
    revenue: :func:`cxlib.analyses.clv.summarize_transactions`'s inputs. Customers come in the order of their
    first such order in the file, as pandas numbers them."""
    import ibis
    o = eo.table
    o = o.filter(o.ordered_at < ibis.literal(end + DAY))
    o = o.mutate(p=period_number(o.ordered_at, count_per), v=money_exact(o.net))
    per = o.group_by(["customer_id", "p"]).aggregate(v=o.v.sum(), k=o.count(), at=o._row.min())
    c = per.group_by("customer_id").aggregate(
        first=per.p.min(), last=per.p.max(), n=per.count(), total=per.v.sum().cast("float64"),
        first_v=per.v.first(order_by=per.p).cast("float64"), orders=per.k.sum(), net=per.v.sum().cast("float64"),
        at=per.at.min())
    c = engine.execute(c.order_by("at")).astype({"first": "int64", "last": "int64", "n": "int64", "orders": "int64"})
    return c.set_index(pd.Index(c["customer_id"].to_numpy(dtype=object), name="customer_id")).drop(
        columns=["customer_id", "at"])


def churn_customers(eo: EngineOrders, end: pd.Timestamp, days: int) -> pd.DataFrame:
    """:func:`cxlib.analyses.churn._customers` on the engine: per customer, over the valid orders before
    ``end``, the first and last valid order, orders, net revenue (exact), the net revenue of the orders from
    ``days - 1`` days before the last one's day, and the row of the last valid order (latest, then last in the
    file)."""
    import ibis
    o = eo.table
    o = o.filter(o.ordered_at < ibis.literal(end))
    o = o.mutate(_start=o.ordered_at.max().over(ibis.window(group_by="customer_id")).truncate("D")
                 - ibis.interval(days=days - 1))
    c = engine.execute(o.group_by("customer_id").aggregate(
        first_order_at=o.ordered_at.min(), last_order_at=o.ordered_at.max(), orders=o.count(),
        net_revenue=money_sum_expr(o.net), net_revenue_window=money_sum_expr(o.net, o.ordered_at >= o._start),
        row=o._row.last(order_by=[o.ordered_at, o._row])))
    c = utc(c, "first_order_at", "last_order_at").fillna({"net_revenue_window": 0.0})
    return c.astype({"customer_id": "string", "orders": "int64", "net_revenue": "float64",
                     "net_revenue_window": "float64", "row": "int64"})


def values_at_rows(ds: Dataset, column: str, rows) -> pd.Series:
    """``column``'s values (as ``string``) at the table's rows ``rows`` (positions), in that order: only those
    rows leave the engine."""
    import ibis

    t = ds.engine_table(row=True)
    want = ibis.memtable(pd.DataFrame({"_want": np.asarray(rows, dtype="int64")}).drop_duplicates())
    j = t.join(want, t._row == want._want)
    got = engine.fetch(j.select(_row=j._row, v=j[column]))
    return got.set_index("_row")["v"].astype("string").reindex(np.asarray(rows, dtype="int64"))


def rfm_orders(ds: Dataset, rev: RevenueDef, attrs: tuple[str, ...]):
    """The valid orders RFM scores (with the columns ``attrs`` as text) and the counts its warnings need:
    the rule's notes, valid orders without a customer or date, usable valid orders and the latest one."""
    t, n, notes = orders_table(ds, rev, {a: (lambda s, a=a: s[a].cast("string"), "first") for a in attrs})
    v = t.filter(t.valid & t.customer_id.notnull() & t.ordered_at.notnull())
    return v, n, notes


def rfm_later(v, cutoff: pd.Timestamp) -> int:
    """Valid orders placed on or after ``cutoff`` (the day after the as-of date)."""
    import ibis
    return int(engine.execute(v.aggregate(n=(v.ordered_at >= ibis.literal(cutoff)).sum()))["n"].iloc[0] or 0)


__all__ = ["EngineOrders", "checked", "churn_customers", "clv_periods", "cohort_counts", "counts_at", "customer_frame", "orders_table",
           "period_number", "rfm_later", "rfm_orders", "valid_orders", "values_at_rows", "window_counts"]
