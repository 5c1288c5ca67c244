"""The valid orders RFM scores (:func:`cxlib.analyses.segments.compute_rfm`), in pandas or on the engine.

RFM counts the valid orders of the one rule (:mod:`cxlib.data.orders`, under ``RFMSpec.revenue``) that have a
customer id and a date and were placed on or before the as-of date (default: the day of the latest one), and
says what it left out. For a large table in its Parquet file (``Dataset.aggregate_on_engine``) the same orders
stay on the engine and only their per-customer aggregates come back (:func:`engine_customers`); the warnings
and errors are the same sentences on both paths.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from cxlib.analyses import retention_engine as eng
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg
from cxlib.data.dataset import Dataset
from cxlib.data.orders import order_frame, rule_notes

ORDER_ATTRIBUTES = ("country", "channel", "currency")   # per customer: the value on the latest valid order
NO_ORDERS_FRAME = pd.DataFrame({"customer_id": pd.Series(dtype="string"),
                                "ordered_at": pd.Series(dtype="datetime64[us, UTC]"), "net": pd.Series(dtype="float64")})


def valid_orders(orders: Dataset, spec, warnings: list[Msg]) -> tuple[pd.DataFrame, date]:
    """The valid orders RFM scores, in pandas (customer_id, ordered_at, net, email and the order attributes),
    and the as-of date; what was left out is added to ``warnings``."""
    df = orders.df
    attrs = _columns(orders, df.columns)
    frame = order_frame(df, spec.revenue, ("email", *attrs))
    warnings.extend(rule_notes(frame, len(df)))
    frame = frame.loc[frame["valid"], ["customer_id", "ordered_at", "net"]].assign(
        email=frame["email"].astype("string") if "email" in frame.columns else pd.NA,
        **{c: frame[c].astype("string") for c in attrs})
    no_id = frame["customer_id"].isna() | frame["ordered_at"].isna()
    frame = frame[~no_id]
    _usable(orders, spec, warnings, int(no_id.sum()), len(frame))
    as_of = spec.as_of or frame["ordered_at"].max().date()
    later = frame["ordered_at"] >= pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1)
    _kept(spec, warnings, as_of, int(later.sum()), int((~later).sum()))
    return frame[~later].reset_index(drop=True), as_of


def _columns(orders: Dataset, columns) -> list[str]:
    """The order attributes RFM keeps (raises when a column it needs is missing)."""
    for col in ("customer_id", "ordered_at", "amount"):
        if col not in columns:
            raise CxDataError(msg("RFM needs an orders table with '{column}'.", column=col), file=orders.name,
                              hint=msg("Map the customer id, order date and amount columns on the Data page."))
    return [c for c in ORDER_ATTRIBUTES if c in columns]


def _usable(orders: Dataset, spec, warnings: list[Msg], no_id: int, usable: int) -> None:
    if no_id:
        warnings.append(msg("{orders} valid order(s) have no customer id or order date and are left out of RFM.",
                            orders=no_id))
    if not usable:
        raise CxDataError(msg("there are no valid orders with a customer id and a date to score."), file=orders.name,
                          hint=msg("Valid statuses are {statuses}; check the status column or widen the definition.",
                                   statuses=", ".join(spec.valid_statuses)))


def _kept(spec, warnings: list[Msg], as_of: date, later: int, kept: int) -> None:
    if later:
        warnings.append(msg("{orders} valid order(s) placed after {date} are ignored.",
                            orders=later, date=as_of.isoformat()))
    if not kept:
        raise CxDataError(msg("no valid orders were placed on or before {date}.", date=as_of.isoformat()),
                          hint=msg("Choose a later as-of date."))


def engine_customers(orders: Dataset, spec, warnings: list[Msg]) -> tuple[pd.DataFrame, date]:
    """Per-customer RFM inputs computed on the engine (the table stays in its Parquet file)."""
    attrs = (*(["email"] if "email" in orders.columns else []), *_columns(orders, orders.columns))
    v, n, notes = eng.rfm_orders(orders, spec.revenue, attrs)
    warnings.extend(notes)
    _usable(orders, spec, warnings, n["valid_unusable"], n["valid"])
    as_of = spec.as_of or n["last_valid"].date()
    cutoff = pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1)
    later = eng.rfm_later(v, cutoff)
    _kept(spec, warnings, as_of, later, n["valid"] - later)
    c = eng.customer_frame(v.filter(v.ordered_at < cutoff), attrs)
    if "email" not in c.columns:
        c = c.assign(email=None)                       # as pandas gives it: no email column, no value
    first = ["customer_id", "email", "orders", "net_revenue", "first_order_at", "last_order_at"]
    return c[first + [a for a in attrs if a not in first]], as_of                 # pandas's column order


@dataclass(frozen=True)
class EngineOrderValues:
    """The valid orders RFM counted as of ``as_of``, left on the engine: a large table's orders never reach pandas.
    :meth:`table` is their ``customer_id`` and ``net``; a comparison of average order value aggregates it
    (:mod:`cxlib.analyses.compare_engine`). ``RFMResult.orders`` is the same orders as pandas on the pandas path."""

    source: Dataset
    spec: object                     # the RFMSpec whose revenue rule picked the orders
    as_of: date

    def table(self):
        v, _, _ = eng.rfm_orders(self.source, self.spec.revenue, ())
        v = v.filter(v.ordered_at < pd.Timestamp(self.as_of, tz="UTC") + pd.Timedelta(days=1))
        return v.select("customer_id", "net")


__all__ = ["ORDER_ATTRIBUTES", "EngineOrderValues", "engine_customers", "valid_orders"]
