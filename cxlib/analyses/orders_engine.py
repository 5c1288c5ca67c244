"""Order figures on the engine, for a Dataset whose canonical table lives in its Parquet file.

The same definitions as :mod:`cxlib.analyses.orders` (the one valid-orders rule,
:func:`cxlib.data.orders.order_expr`), computed as aggregates: counts, the net revenue sum, valid orders per
customer, statuses, the most frequent currency, the rows the warnings name (the first three unknown statuses
and the first five currencies in file order), and the tables of :func:`~cxlib.analyses.orders.over_time`,
:func:`~cxlib.analyses.orders.by_field` and :func:`~cxlib.analyses.orders.customer_table` (one row per period,
group or customer). Only these small results leave the engine; the tables are finished by the same pandas code
as the careful path's.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg
from cxlib.data import engine
from cxlib.data.dataset import Dataset
from cxlib.data.orders import money_sum_expr as money
from cxlib.data.orders import money_exact, order_expr, rule_notes_expr, unknown_status

_TRUNC = {"day": "D", "week": "W", "month": "M"}     # ISO weeks start on Monday, as pandas's W-SUN periods


@dataclass(frozen=True)
class Prepared:
    """:func:`cxlib.analyses.orders.prepare` on the engine: every order as an Ibis table (one row per order,
    with ``_row``), the headline aggregates, the warnings and the most frequent currency."""

    table: object                    # ibis Table
    head: pd.Series
    warnings: tuple[Msg, ...]
    currency: str | None


def prepare(ds: Dataset, defs, extra: dict | None = None) -> Prepared:
    """Every order under the rule with currency and ``extra`` columns, and the careful path's warnings."""
    for col in ("ordered_at", "amount"):
        if col not in ds.columns:
            raise CxDataError(msg("the orders table has no {column} column.", column=col), file=ds.name, column=col,
                              hint=msg("Map it on the Data page (or rename the column) and try again."))
    extra = {**({"currency": "currency"} if "currency" in ds.columns else {}), **(extra or {})}
    # a canonical table the engine loaded has one row per order (files with line items are read the careful way)
    t = order_expr(ds.engine_table(row=True), defs, extra, one_row_per_order=True)
    head = engine.execute(t.aggregate(
        orders=t.count(), customers=t.customer_id.nunique(), valid=t.valid.sum(), net=money(t.net, t.valid),
        first=t.ordered_at.min(), last=t.ordered_at.max(), undated=t.ordered_at.isnull().sum(),
        no_customer=(t.customer_id.isnull()).sum(), any_customer=t.customer_id.notnull().any(),
        unknown=unknown_status(t).sum(), no_amount=(t.valid & t.amount.isnull()).sum())).iloc[0]
    orders = int(head["orders"])
    warnings: list[Msg] = []
    if not bool(head["any_customer"]):
        warnings.append(msg("The file does not identify customers: customer counts and repeat rates are not "
                            "available."))
    warnings += rule_notes_expr(t, ds.report.rows_in, orders, int(head["unknown"] or 0), int(head["no_amount"] or 0))
    no_customer = int(head["no_customer"] or 0)
    if 0 < no_customer < orders:
        warnings.append(msg("{count} order(s) have no customer id: counted in orders and revenue, not in customers "
                            "or repeat rate.", count=no_customer))
    currency = None
    if "currency" in t.columns:
        c = t.filter(t.currency.notnull())
        cur = engine.execute(c.group_by("currency").aggregate(n=c.count(), at=c._row.min()))
        if len(cur):
            currency = str(cur.sort_values(["n", "currency"], ascending=[False, True])["currency"].iloc[0])
            if len(cur) > 1:
                seen = cur.sort_values("at")["currency"].tolist()
                warnings.append(msg("Orders are in {count} currencies ({currencies}); amounts are added as they are, "
                                    "without conversion.", count=len(cur), currencies=", ".join(map(str, seen[:5]))))
    return Prepared(t, head, tuple(warnings), currency)


def figures(ds: Dataset, defs) -> dict:
    """Every figure :class:`cxlib.analyses.orders.OrdersSummary` holds but the interval, and its warnings."""
    p = prepare(ds, defs)
    t, head = p.table, p.head
    v = t.filter(t.valid & t.customer_id.notnull())
    per = v.group_by("customer_id").aggregate(n=v.count())
    repeat_min = defs.repeat.min_orders
    buyers_repeat = engine.execute(per.aggregate(buyers=per.count(), repeat=(per.n >= repeat_min).sum())).iloc[0]
    statuses = engine.execute(t.group_by("status").aggregate(n=t.count()))
    orders = int(head["orders"])
    return {"orders": orders, "customers": int(head["customers"]), "valid": int(head["valid"] or 0),
            "net": float(head["net"]) if not pd.isna(head["net"]) else 0.0,
            "buyers": int(buyers_repeat["buyers"]), "repeat": int(buyers_repeat["repeat"] or 0),
            "first": engine.stamp(head["first"]), "last": engine.stamp(head["last"]),
            "status_counts": {str(s): int(n) for s, n in statuses.sort_values(["n", "status"], ascending=[False, True])
                              .itertuples(index=False, name=None)},
            "currency": p.currency, "warnings": p.warnings, "empty": orders == 0}


def _groups(t, key) -> pd.DataFrame:
    """Per value of ``key`` (nulls left out): orders, valid orders, net revenue of the valid ones (exact) and
    their distinct customers: what :func:`cxlib.analyses.orders._table` counts."""
    g = t.mutate(_k=key).filter(lambda s: s._k.notnull())
    out = engine.execute(g.group_by("_k").aggregate(
        orders=g.count(), valid_orders=g.valid.sum(), net_revenue=money(g.net, g.valid),
        customers=g.customer_id.nunique(where=g.valid)))
    return out.fillna({"valid_orders": 0, "net_revenue": 0.0, "customers": 0}).astype(
        {"orders": "int64", "valid_orders": "int64", "net_revenue": "float64", "customers": "int64"})


def period_groups(p: Prepared, freq: str) -> pd.DataFrame:
    """:func:`_groups` per day, week (Monday) or month (UTC) of ``ordered_at``; ``_k``: naive UTC start."""
    t = p.table
    out = _groups(t, t.ordered_at.truncate(_TRUNC[freq]))
    stamps = pd.to_datetime(out["_k"], utc=True).astype("datetime64[us, UTC]")
    return out.assign(_k=stamps.dt.tz_localize(None))


def field_groups(p: Prepared, by: str, group_key) -> pd.DataFrame:
    """:func:`_groups` per group of the column ``by``: ``group_key`` turns the column's distinct values (a pandas
    Series, as the careful path holds them) into their groups; ``_k``: the group."""
    t = p.table
    raw = engine.fetch(t.select(_v=t[by]).distinct())["_v"]
    keys = group_key(raw)
    null_key = keys[raw.isna()].iloc[0] if raw.isna().any() else None
    j = engine.lookup(t, t[by], raw[raw.notna()], keys[raw.notna()], null_key, name="_key")
    return _groups(j, j._key).astype({"_k": "string"})


def customer_groups(p: Prepared) -> pd.DataFrame:
    """Per customer of a valid order: valid orders, net revenue (exact), first and last valid order, in the order
    of the customers' first valid order in the file."""
    t = p.table
    v = t.filter(t.valid & t.customer_id.notnull())
    out = engine.execute(v.group_by("customer_id").aggregate(
        valid_orders=v.count(), net_revenue=money(v.net), first_order_at=v.ordered_at.min(),
        last_order_at=v.ordered_at.max(), _at=v._row.min()).order_by("_at"))
    times = {c: pd.to_datetime(out[c], utc=True).astype("datetime64[us, UTC]") for c in ("first_order_at",
                                                                                         "last_order_at")}
    return out.drop(columns="_at").assign(**times).astype(
        {"customer_id": "string", "valid_orders": "int64", "net_revenue": "float64"})


def net_moments(ds: Dataset, defs, per_customer: bool = False) -> tuple[float, float, int, str | None]:
    """Sum, sum of squares and count of the valid orders' net revenue (``per_customer``: of each customer's net
    revenue): the sufficient statistics of a mean and its interval; and the most frequent currency."""
    p = prepare(ds, defs)
    t = p.table
    v = t.filter(t.valid)
    if per_customer:
        v = v.filter(v.customer_id.notnull())
        v = v.group_by("customer_id").aggregate(net=money_exact(v.net).sum())
    x = v.net.cast("float64")
    r = engine.execute(v.aggregate(s=money(v.net), s2=(x * x).sum(), n=v.count())).iloc[0]
    n = int(r["n"] or 0)
    return (float(r["s"]) if n else 0.0), (float(r["s2"]) if n else 0.0), n, p.currency


def currency_mode(ds: Dataset) -> str | None:
    """The most frequent currency of the table's rows (ties: the first in sort order), None without one."""
    if "currency" not in ds.columns:
        return None
    t = ds.engine_table()
    c = t.filter(t.currency.notnull())
    cur = engine.execute(c.group_by("currency").aggregate(n=c.count()))
    if cur.empty:
        return None
    return str(cur.sort_values(["n", "currency"], ascending=[False, True])["currency"].iloc[0])


__all__ = ["Prepared", "currency_mode", "customer_groups", "field_groups", "figures", "net_moments",
           "period_groups", "prepare"]
