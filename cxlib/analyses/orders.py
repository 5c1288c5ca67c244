"""Order metrics: orders, customers, valid orders, net revenue, AOV, repeat customers, trends.

Valid orders and net revenue follow the one rule of :mod:`cxlib.data.orders` under
:class:`cxlib.core.definitions.RevenueDef` (line items collapsed, a missing status counts as
``completed``, net = ``amount - refunded`` when refunds are subtracted, a missing amount adds 0).
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from cxlib.core.definitions import DefinitionSet
from cxlib.core.errors import CxDataError
from cxlib.core.messages import N_, Msg, msg
from cxlib.core.result import Result
from cxlib.data.dataset import Dataset
from cxlib.data.loader import from_frame  # noqa: F401 - the examples below use it
from cxlib.data.orders import MONEY_SCALE, money_units, order_frame, rule_notes

Freq = Literal["day", "week", "month"]
_FREQ = {"day": "D", "week": "W-SUN", "month": "M"}
BLANK = N_("(blank)")                 # group of orders whose field value is empty (stored in English)
# Column names of the tables shown to people; an interface translates them for display.
COLUMNS = (N_("period"), N_("orders"), N_("valid_orders"), N_("net_revenue"), N_("customers"), N_("aov"),
           N_("customer_id"), N_("first_order_at"), N_("last_order_at"), N_("metric"), N_("value"),
           N_("repeat_customers"), N_("repeat_rate"))


def prepare(ds: Dataset, defs: DefinitionSet | None = None, extra: tuple[str, ...] = ()
            ) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Every order (:func:`cxlib.data.orders.order_frame`: line items collapsed, ``status`` filled,
    ``valid`` and ``net``) with currency, channel, country and ``extra`` columns. Returns ``(frame, warnings)``.
    """
    defs = defs or DefinitionSet.default()
    df = ds.df
    for col in ("ordered_at", "amount"):
        if col not in df.columns:
            raise CxDataError(msg("the orders table has no {column} column.", column=col), file=ds.name, column=col,
                              hint=msg("Map it on the Data page (or rename the column) and try again."))
    warnings: list[Msg] = []
    work = order_frame(df, defs, ("currency", "channel", "country", *extra))
    if not work["customer_id"].notna().any():
        warnings.append(msg("The file does not identify customers: customer counts and repeat rates are not "
                            "available."))
    warnings += rule_notes(work, len(df))
    no_customer = int(work["customer_id"].isna().sum())
    if 0 < no_customer < len(work):
        warnings.append(msg("{count} order(s) have no customer id: counted in orders and revenue, not in customers "
                            "or repeat rate.", count=no_customer))
    if "currency" in work.columns:
        cur = work["currency"].dropna().unique()
        if len(cur) > 1:
            warnings.append(msg("Orders are in {count} currencies ({currencies}); amounts are added as they are, "
                                "without conversion.", count=len(cur), currencies=", ".join(map(str, cur[:5]))))
    return work, tuple(warnings)


@dataclass(frozen=True)
class OrdersSummary(Result):
    orders: int
    customers: int
    valid_orders: int
    net_revenue: float
    aov: float                       # net revenue / valid orders
    repeat_customers: int
    buyers: int                      # customers with >= 1 valid order
    repeat_rate: float               # repeat_customers / buyers (fraction)
    repeat_rate_ci95: tuple[float, float]
    first_order_at: pd.Timestamp | None
    last_order_at: pd.Timestamp | None
    status_counts: dict[str, int]
    currency: str | None
    description: str = ""            # the definition sentence (a Msg)
    warnings: tuple[Msg, ...] = ()

    def to_json(self) -> dict:
        iso = (lambda t: None if t is None or pd.isna(t) else t.isoformat())
        return {"orders": self.orders, "customers": self.customers, "valid_orders": self.valid_orders,
                "net_revenue": round(self.net_revenue, 2), "repeat_customers": self.repeat_customers,
                "first_order_at": iso(self.first_order_at), "last_order_at": iso(self.last_order_at),
                "aov": None if not np.isfinite(self.aov) else round(self.aov, 2),
                "buyers": self.buyers,
                "repeat_rate": None if not np.isfinite(self.repeat_rate) else self.repeat_rate,
                "repeat_rate_ci95": [None if not np.isfinite(x) else x for x in self.repeat_rate_ci95],
                "repeat_pct": None if not np.isfinite(self.repeat_rate) else round(100 * self.repeat_rate, 2),
                "status_counts": dict(self.status_counts), "currency": self.currency,
                "warnings": list(self.warnings)}

    def to_frame(self) -> pd.DataFrame:
        rows = [("orders", self.orders), ("customers", self.customers), ("valid_orders", self.valid_orders),
                ("net_revenue", self.net_revenue), ("aov", self.aov), ("repeat_customers", self.repeat_customers),
                ("repeat_rate", self.repeat_rate)]
        return pd.DataFrame(rows, columns=["metric", "value"])

    def summary(self) -> Msg:
        values = dict(orders=self.orders, valid_orders=self.valid_orders, customers=self.customers,
                      net_revenue=self.net_revenue, aov=self.aov, repeat_customers=self.repeat_customers,
                      repeat_pct=100 * self.repeat_rate)
        if self.currency:
            return msg("{orders} orders ({valid_orders} valid) from {customers} customers; net revenue "
                       "{net_revenue:,.2f} {currency}, AOV {aov:,.2f} {currency}; {repeat_customers} repeat customers "
                       "({repeat_pct:.1f}% of buyers).", currency=self.currency, **values)
        return msg("{orders} orders ({valid_orders} valid) from {customers} customers; net revenue "
                   "{net_revenue:,.2f}, AOV {aov:,.2f}; {repeat_customers} repeat customers "
                   "({repeat_pct:.1f}% of buyers).", **values)


def summarize(ds: Dataset, defs: DefinitionSet | None = None) -> OrdersSummary:
    """Headline order metrics under ``defs`` (see module docstring for the definitions).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"order_id": ["1", "2", "3"], "customer_id": ["a", "a", "b"],
    ...     "ordered_at": ["2024-01-01", "2024-02-01", "2024-02-03"], "amount": [10.0, 20.0, 5.0],
    ...     "status": ["completed", "refunded", "cancelled"], "refunded": [0, 20, 0]})
    >>> summarize(from_frame(df, "orders")).net_revenue
    10.0
    """
    from cxlib.core.stats import proportion_ci
    defs = defs or DefinitionSet.default()
    if ds.aggregate_on_engine:       # a large table stays in the engine: aggregates only
        from cxlib.analyses.orders_engine import figures
        f = figures(ds, defs)
        rate, lo, hi = proportion_ci(f["repeat"], f["buyers"]) if f["buyers"] else (np.nan, np.nan, np.nan)
        return OrdersSummary(
            orders=f["orders"], customers=f["customers"], valid_orders=f["valid"], net_revenue=f["net"],
            aov=f["net"] / f["valid"] if f["valid"] else float("nan"), repeat_customers=f["repeat"],
            buyers=f["buyers"], repeat_rate=float(rate), repeat_rate_ci95=(float(lo), float(hi)),
            first_order_at=f["first"], last_order_at=f["last"], status_counts=f["status_counts"],
            currency=f["currency"], description=defs.describe("net_revenue"),
            warnings=f["warnings"] + ((msg("The orders table is empty."),) if f["empty"] else ()))
    work, warnings = prepare(ds, defs)
    valid = work[work["valid"]]
    per_customer = valid.groupby("customer_id", dropna=True).size()
    buyers = len(per_customer)
    repeat = int((per_customer >= defs.repeat.min_orders).sum())
    rate, lo, hi = proportion_ci(repeat, buyers) if buyers else (np.nan, np.nan, np.nan)
    net = float(valid["net"].sum())
    times = work["ordered_at"].dropna()
    cur = work["currency"].dropna().mode() if "currency" in work.columns else pd.Series([], dtype=object)
    if work.empty:
        warnings += (msg("The orders table is empty."),)
    return OrdersSummary(
        orders=len(work), customers=int(work["customer_id"].nunique(dropna=True)), valid_orders=len(valid),
        net_revenue=net, aov=net / len(valid) if len(valid) else float("nan"), repeat_customers=repeat,
        buyers=buyers, repeat_rate=float(rate), repeat_rate_ci95=(float(lo), float(hi)),
        first_order_at=times.min() if len(times) else None, last_order_at=times.max() if len(times) else None,
        status_counts={str(k): int(v) for k, v in work["status"].value_counts().items()},
        currency=str(cur.iloc[0]) if len(cur) else None, description=defs.describe("net_revenue"),
        warnings=warnings)


def _period(ts: pd.Series, freq: Freq) -> pd.Series:
    naive = ts.dt.tz_convert("UTC").dt.tz_localize(None) if ts.dt.tz is not None else ts
    return naive.dt.to_period(_FREQ[freq]).dt.start_time


def _table(work: pd.DataFrame, key: pd.Series, name: str) -> pd.DataFrame:
    w = work.assign(_k=key, _vnet=money_units(work["net"].where(work["valid"], 0.0)),
                    _vcust=work["customer_id"].where(work["valid"]))
    out = w.groupby("_k", dropna=True, sort=True, observed=True).agg(
        orders=("valid", "size"), valid_orders=("valid", "sum"), net_revenue=("_vnet", "sum"),
        customers=("_vcust", "nunique"))
    out["net_revenue"] = out["net_revenue"] / MONEY_SCALE        # exact sums, as the engine's
    return _finish(out.reset_index(), name)


def _finish(groups: pd.DataFrame, name: str) -> pd.DataFrame:
    """The table from its counts per group (column ``_k``: period or group; orders, valid_orders, net_revenue,
    customers), in key order, with AOV: the pandas and the engine paths end here."""
    out = groups.sort_values("_k", kind="stable").set_index("_k")
    out["valid_orders"] = out["valid_orders"].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["aov"] = out["net_revenue"] / out["valid_orders"].replace(0, np.nan)
    out.index.name = name
    return out.reset_index()


def _group_key(values: pd.Series) -> pd.Series:
    """The group of each value of a breakdown column: its text, trimmed; empty or missing -> (blank)."""
    return values.astype("string").str.strip().fillna(BLANK).replace("", BLANK)


def _undated(warnings: tuple[Msg, ...], undated: int) -> tuple[Msg, ...]:
    if undated:
        warnings += (msg("{count} order(s) have no date and are left out of the trend.", count=undated),)
    return warnings


def _largest(frame: pd.DataFrame, by: str, warnings: tuple[Msg, ...], max_groups: int
             ) -> tuple[pd.DataFrame, tuple[Msg, ...]]:
    """Groups by net revenue, largest first; beyond ``max_groups`` the rest is left out, with a warning."""
    frame = frame.sort_values("net_revenue", ascending=False, kind="stable")
    if len(frame) > max_groups:
        warnings += (msg("{count} values of {field}: showing the {shown} largest by net revenue.", count=len(frame),
                         field=by, shown=max_groups),)
        frame = frame.head(max_groups)
    return frame.reset_index(drop=True), warnings


@dataclass(frozen=True)
class OrdersTable(Result):
    """Orders per period or per value of a field (tidy: one row per group)."""

    by: str
    frame: pd.DataFrame              # columns: <by>, orders, valid_orders, net_revenue, customers, aov
    description: str = ""            # the definition sentence (a Msg)
    warnings: tuple[Msg, ...] = ()
    freq: str = ""                   # "day" | "week" | "month" for a table over time

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def to_json(self) -> dict:
        f = self.frame.copy()
        f[self.by] = f[self.by].astype(str)
        return {"by": self.by, "rows": f.round({"net_revenue": 2, "aov": 2}).to_dict("records")}

    def summary(self) -> Msg:
        if self.freq:
            return msg("Orders by period: {rows} rows.", rows=len(self.frame))
        return msg("Orders by {field}: {rows} rows.", field=self.by, rows=len(self.frame))


def over_time(ds: Dataset, freq: Freq = "month", defs: DefinitionSet | None = None) -> OrdersTable:
    """Orders, valid orders, net revenue, buying customers and AOV per day/week (Monday)/month.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"order_id": ["1", "2", "3"], "customer_id": ["a", "a", "b"],
    ...     "ordered_at": ["2024-01-05", "2024-01-20", "2024-02-03"], "amount": [10.0, 20.0, 5.0],
    ...     "channel": ["web", "web", "app"]})
    >>> ds = from_frame(df, "orders")
    >>> over_time(ds, "month").to_frame()[["orders", "net_revenue", "aov"]].values.tolist()
    [[2.0, 30.0, 15.0], [1.0, 5.0, 5.0]]
    """
    defs = defs or DefinitionSet.default()
    if ds.aggregate_on_engine:       # a large table stays in the engine: counts per period only
        from cxlib.analyses import orders_engine
        p = orders_engine.prepare(ds, defs)
        frame = _finish(orders_engine.period_groups(p, freq), "period")
        warnings = _undated(p.warnings, int(p.head["undated"] or 0))
        return OrdersTable("period", frame, defs.describe("net_revenue"), warnings, freq)
    work, warnings = prepare(ds, defs)
    warnings = _undated(warnings, int(work["ordered_at"].isna().sum()))
    frame = _table(work, _period(work["ordered_at"], freq), "period")
    return OrdersTable("period", frame, defs.describe("net_revenue"), warnings, freq)


def by_field(ds: Dataset, by: str, defs: DefinitionSet | None = None, *, max_groups: int = 30) -> OrdersTable:
    """The same table per value of ``by`` (channel, country, ...), largest net revenue first.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"order_id": ["1", "2", "3"], "customer_id": ["a", "a", "b"],
    ...     "ordered_at": ["2024-01-05", "2024-01-20", "2024-02-03"], "amount": [10.0, 20.0, 5.0],
    ...     "channel": ["web", "web", "app"]})
    >>> ds = from_frame(df, "orders")
    >>> by_field(ds, "channel").to_frame()[["channel", "valid_orders", "net_revenue"]].values.tolist()
    [['web', 2, 30.0], ['app', 1, 5.0]]
    """
    defs = defs or DefinitionSet.default()
    columns = ds.columns
    if by not in columns:
        raise CxDataError(msg("no column {column!r} to break orders down by.", column=by), file=ds.name,
                          hint=msg("Columns: {columns}.", columns=", ".join(map(str, columns[:20]))))
    if ds.aggregate_on_engine:       # a large table stays in the engine: counts per group only
        from cxlib.analyses import orders_engine
        from cxlib.data.orders import ORDER_COLUMNS
        p = orders_engine.prepare(ds, defs, None if by in ORDER_COLUMNS else {by: by})
        frame = _finish(orders_engine.field_groups(p, by, _group_key), by)
        warnings = p.warnings
    else:
        work, warnings = prepare(ds, defs, (by,))         # collapsed line items: the order's first value
        frame = _table(work, _group_key(work[by]), by)
    frame, warnings = _largest(frame, by, warnings, max_groups)
    return OrdersTable(by, frame, defs.describe("net_revenue"), warnings)


def customer_table(ds: Dataset, defs: DefinitionSet | None = None) -> pd.DataFrame:
    """One row per customer: valid orders, net revenue, first and last valid order.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"order_id": ["1", "2", "3"], "customer_id": ["a", "a", "b"],
    ...     "ordered_at": ["2024-01-05", "2024-01-20", "2024-02-03"], "amount": [10.0, 20.0, 5.0],
    ...     "channel": ["web", "web", "app"]})
    >>> ds = from_frame(df, "orders")
    >>> customer_table(ds)[["customer_id", "valid_orders", "net_revenue"]].values.tolist()
    [['a', 2, 30.0], ['b', 1, 5.0]]
    """
    defs = defs or DefinitionSet.default()
    if ds.aggregate_on_engine:       # one row per customer leaves the engine, in the order pandas finds them
        from cxlib.analyses import orders_engine
        out = orders_engine.customer_groups(orders_engine.prepare(ds, defs)).set_index("customer_id")
    else:
        work, _ = prepare(ds, defs)
        valid = work[work["valid"] & work["customer_id"].notna()]
        out = valid.assign(net=money_units(valid["net"])).groupby("customer_id", sort=False).agg(
            valid_orders=("valid", "size"), net_revenue=("net", "sum"),
            first_order_at=("ordered_at", "min"), last_order_at=("ordered_at", "max"))
        out["net_revenue"] = out["net_revenue"] / MONEY_SCALE    # exact sums, as the engine's
    return out.sort_values("net_revenue", ascending=False, kind="stable").reset_index()


def cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", help="also break orders down by this column (e.g. channel, country)")


def cli_run(ds: Dataset, args: argparse.Namespace, defs: DefinitionSet) -> dict:
    from cxlib.data.columns import resolve_column
    out = summarize(ds, defs).to_json()
    if args.by:
        out["by"] = by_field(ds, resolve_column(ds, args.by), defs).to_json()["rows"]
    out["definition"] = defs.describe("net_revenue")
    return out
