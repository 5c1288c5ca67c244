"""The one valid-orders / net-revenue rule, in pandas and as an Ibis (engine) expression.

Every analysis that counts valid orders or adds up net revenue (Orders, Segments, Retention, CLV,
Experiments' CUPED covariate, Customer 360, readiness, tags) takes them from here. The rule, under a
:class:`cxlib.core.definitions.RevenueDef` (``defs.net_revenue``):

1. **Orders.** Rows sharing an ``order_id`` are line items of one order and are collapsed into it:
   amounts summed (empty when every line is empty), the refunded amount taken once (the largest line
   value: Shopify repeats the order's refund on each line), every other field from the first line that
   has a value (file order). Rows without an order id are orders of their own.
2. **Status.** Trimmed and lower-cased; a missing status counts as ``completed``
   (:data:`cxlib.core.statuses.MISSING_STATUS`). A status outside
   :data:`cxlib.core.statuses.ORDER_STATUSES` (``unknown``) is never valid.
3. **Valid.** The status is one of ``valid_statuses``.
4. **Net.** ``amount - refunded`` (missing refunded -> 0) when refunds are subtracted, else ``amount``.
   **Missing amount:** an order without an amount still counts as an order, with net revenue 0 (the
   rule decided once here; ``amount`` itself stays empty so callers can warn about it).

Orders without a customer or a date are kept here; analyses that need them leave them out (and say so).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxlib.core.definitions import DefinitionSet, RevenueDef
from cxlib.core.messages import Msg, msg
from cxlib.core.statuses import MISSING_STATUS, ORDER_STATUSES
from cxlib.data import engine

if TYPE_CHECKING:                    # pragma: no cover - typing only
    import ibis.expr.types as ir

ORDER_COLUMNS = ("_row", "order_id", "customer_id", "ordered_at", "amount", "refunded", "status", "valid", "net")
VALID_COLUMNS = ("_row", "order_id", "customer_id", "ordered_at", "amount", "refunded", "status", "net")
HOW = ("first", "min", "max", "sum")   # how an extra column combines over an order's lines


def revenue_rule(defs: DefinitionSet | RevenueDef | None) -> RevenueDef:
    """The revenue definition in use: ``defs.net_revenue``, ``defs`` itself when it is one, else the default."""
    if defs is None:
        return RevenueDef()
    return defs if isinstance(defs, RevenueDef) else defs.net_revenue


def _extra(extra: Sequence[str] | Mapping[str, str] | None) -> dict[str, str]:
    out = dict(extra) if isinstance(extra, Mapping) else {c: "first" for c in (extra or ())}
    bad = [h for h in out.values() if h not in HOW]
    if bad:
        raise ValueError(f"extra columns combine by one of {HOW}, not {bad}")
    return out


MONEY_SCALE = 1_000_000               # money is summed exactly, in millionths (the engine's decimal(38, 6))


# ---- pandas ----------------------------------------------------------------------------------------------
def money_units(amounts: pd.Series) -> pd.Series:
    """Amounts as whole millionths (int64): their sums are exact in any order, and a sum divided by
    :data:`MONEY_SCALE` is the same float as :func:`money_sum_expr` gives on the engine.

    >>> (money_units(pd.Series([0.1, 0.2])).sum() / MONEY_SCALE, pd.Series([0.1, 0.2]).sum())
    (np.float64(0.3), np.float64(0.30000000000000004))
    """
    return (amounts.astype("float64").fillna(0.0) * MONEY_SCALE).round().astype("int64")


def _column(df: pd.DataFrame, name: str, dtype: str) -> pd.Series:
    if name not in df.columns:
        return pd.Series(pd.NA if dtype == "string" else np.nan, index=df.index, dtype=dtype)
    col = df[name]
    if dtype == "string":
        return col.astype("string")
    return pd.to_numeric(col, errors="coerce").astype("float64")


def order_frame(orders: pd.DataFrame | Any, defs: DefinitionSet | RevenueDef | None = None,
                extra: Sequence[str] | Mapping[str, str] | None = None) -> pd.DataFrame:
    """Every order of a canonical orders table (a DataFrame or a Dataset), one row per order.

    Columns :data:`ORDER_COLUMNS` (``_row``: position of the order's first row in the input; ``status``
    normalized, missing -> completed; ``valid`` bool; ``net`` float, never empty) plus ``extra``: column
    names taken from the order's first line that has them, or ``{name: "first" | "min" | "max" | "sum"}``.
    Rows come in the order of their first line.

    >>> df = pd.DataFrame({"order_id": ["1", "1", "2"], "customer_id": ["a", "a", "b"],
    ...     "ordered_at": pd.to_datetime(["2024-01-01"] * 3, utc=True), "amount": [10.0, 5.0, None],
    ...     "status": ["completed", None, "cancelled"]})
    >>> order_frame(df)[["order_id", "amount", "status", "valid", "net"]].values.tolist()
    [['1', 15.0, 'completed', True, 15.0], ['2', nan, 'cancelled', False, 0.0]]
    """
    df = getattr(orders, "df", orders)
    rev = revenue_rule(defs)
    how = _extra(extra)
    work = pd.DataFrame({
        "_row": np.arange(len(df), dtype="int64"), "order_id": _column(df, "order_id", "string"),
        "customer_id": _column(df, "customer_id", "string"),
        "ordered_at": df["ordered_at"] if "ordered_at" in df.columns else pd.Series(pd.NaT, index=df.index),
        "amount": _column(df, "amount", "float64"), "refunded": _column(df, "refunded", "float64"),
        "status": _column(df, "status", "string").str.strip().str.lower(),
        **{c: df[c] for c in how if c in df.columns and c not in ORDER_COLUMNS}}, index=df.index)
    work = work.reset_index(drop=True)
    keyed = work["order_id"].notna()
    if work.loc[keyed, "order_id"].duplicated().any():
        agg = {c: how.get(c, "first") for c in work.columns if c != "order_id"}
        agg.update(_row="min", amount="sum", refunded="max")
        lines = work[keyed]
        orders_ = lines.groupby("order_id", sort=False).agg(agg)
        orders_["amount"] = lines.groupby("order_id", sort=False)["amount"].sum(min_count=1)
        work = (pd.concat([orders_.reset_index(), work[~keyed]], ignore_index=True)
                .sort_values("_row", kind="stable").reset_index(drop=True))
    work["status"] = work["status"].fillna(MISSING_STATUS).astype("string")
    work["valid"] = work["status"].isin(list(rev.valid_statuses)).to_numpy(dtype=bool)
    refunded = work["refunded"].fillna(0.0) if rev.subtract_refunds else 0.0
    work["net"] = (work["amount"] - refunded).where(work["amount"].notna(), 0.0).astype("float64")
    return work[[*ORDER_COLUMNS, *(c for c in work.columns if c not in ORDER_COLUMNS)]]


def valid_orders(orders: pd.DataFrame | Any, defs: DefinitionSet | RevenueDef | None = None,
                 extra: Sequence[str] | Mapping[str, str] | None = None) -> pd.DataFrame:
    """The valid orders of :func:`order_frame` (without its ``valid`` column), index 0..n-1."""
    frame = order_frame(orders, defs, extra)
    return frame[frame["valid"]].drop(columns="valid").reset_index(drop=True)


def rule_notes(frame: pd.DataFrame, lines: int) -> tuple[Msg, ...]:
    """What the rule did that a person should know: line items collapsed, unrecognized statuses, valid
    orders without an amount. ``frame`` is :func:`order_frame`'s output, ``lines`` the input's row count."""
    unknown = ~frame["status"].isin(ORDER_STATUSES)
    examples = frame.loc[unknown, "status"].unique()[:3]                # the file's own values
    return _notes(lines, len(frame), int(unknown.sum()), examples,
                  int((frame["valid"] & frame["amount"].isna()).sum()))


def _notes(lines: int, orders: int, unknown: int, examples, no_amount: int) -> tuple[Msg, ...]:
    """:func:`rule_notes` from its counts (the same sentences on pandas and on the engine)."""
    notes: list[Msg] = []
    if lines > orders:
        notes.append(msg("{count} row(s) repeat an order number already seen: treated as line items of the "
                         "same order and summed.", count=lines - orders))
    if unknown:
        notes.append(msg("{count} order(s) have an unrecognized status (e.g. {examples}) and are not counted as "
                         "valid orders.", count=unknown, examples=", ".join(repr(s) for s in examples)))
    if no_amount:
        notes.append(msg("{count} valid order(s) have no amount and add nothing to revenue.", count=no_amount))
    return tuple(notes)


# ---- Ibis (engine) ---------------------------------------------------------------------------------------
def _rows(source) -> ir.Table:
    """An engine table with ``_row``: a DataFrame or Dataset gets its row positions; an engine table
    without one gets the engine's scan order (exact for tables read from one file or frame)."""
    import ibis
    import ibis.expr.types as ir
    if not isinstance(source, ir.Table):
        df = getattr(source, "df", source)
        if isinstance(df, pd.DataFrame):
            return engine.table(df.assign(_row=np.arange(len(df), dtype="int64")))
        source = engine.table(source)
    return source if "_row" in source.columns else source.mutate(_row=ibis.row_number().cast("int64"))


def order_expr(source, defs: DefinitionSet | RevenueDef | None = None, extra: Mapping | None = None, *,
               one_row_per_order: bool = False) -> ir.Table:
    """:func:`order_frame` on the engine: one row per order with :data:`ORDER_COLUMNS` plus ``extra``.

    ``source``: an Ibis table (with ``_row`` for an exact "first line"), a Dataset or a DataFrame.
    ``extra`` maps output names to a column name, or to ``(function of the source table -> expression,
    how)`` with ``how`` one of :data:`HOW` (how an order's lines combine). ``one_row_per_order``: the caller
    knows no order id repeats (a canonical table the engine loaded), so no lines are combined."""
    import ibis
    rev = revenue_rule(defs)
    t = _rows(source)
    cols = set(t.columns)

    def col(name, typ):
        if name not in cols:
            return ibis.null().cast(typ)
        c = t[name].cast(typ)
        return c.strip().lower() if name == "status" else c

    extras = {name: ((lambda s, c=spec: s[c]), "first") if isinstance(spec, str) else spec
              for name, spec in (extra or {}).items()}
    base = t.select(_row=t._row.cast("int64"), order_id=col("order_id", "string"),
                    customer_id=col("customer_id", "string"), ordered_at=t.ordered_at,
                    amount=col("amount", "float64"), refunded=col("refunded", "float64"),
                    status=col("status", "string"), **{n: fn(t) for n, (fn, _) in extras.items()})
    if "order_id" in cols and not one_row_per_order:
        k = base.filter(base.order_id.notnull())

        def first(c):
            return k[c].first(order_by=k._row)
        combine = {"first": first, "min": lambda c: k[c].min(), "max": lambda c: k[c].max(),
                   "sum": lambda c: k[c].sum()}
        grouped = k.group_by("order_id").aggregate(
            _row=k._row.min(), customer_id=first("customer_id"), ordered_at=first("ordered_at"),
            amount=k.amount.sum(), refunded=k.refunded.max(), status=first("status"),
            **{n: combine[how](n) for n, (_, how) in extras.items()})
        base = grouped.union(base.filter(base.order_id.isnull()).select(*grouped.columns))
    status = ibis.coalesce(base.status, ibis.literal(MISSING_STATUS))
    refunded = base.refunded.fill_null(0.0) if rev.subtract_refunds else ibis.literal(0.0)
    net = base.amount.isnull().ifelse(0.0, base.amount - refunded).cast("float64")
    out = base.mutate(status=status, valid=status.isin(list(rev.valid_statuses)), net=net)
    return out.select(*ORDER_COLUMNS, *extras)


def money_exact(x):
    """Engine expression: an amount as an exact decimal in millionths (:data:`MONEY_SCALE`), so that sums of it
    are the same in any order (a parallel float sum adds in another order from run to run)."""
    return x.cast("decimal(38, 6)")


def money_sum_expr(x, where=None):
    """Engine expression: a sum of money, exact (:func:`money_exact` added: in any order the same result), as a
    float."""
    return money_exact(x).sum(where=where).cast("float64")


def valid_orders_expr(source, defs: DefinitionSet | RevenueDef | None = None,
                      extra: Mapping | None = None) -> ir.Table:
    """:func:`valid_orders` on the engine: the valid rows of :func:`order_expr`, without ``valid``."""
    t = order_expr(source, defs, extra)
    return t.filter(t.valid).drop("valid")


def unknown_status(t: ir.Table):
    """Engine expression: an order's status is not one of the known order states (never valid)."""
    return ~t.status.isin(list(ORDER_STATUSES))


def rule_notes_expr(t: ir.Table, lines: int, orders: int, unknown: int, no_amount: int) -> tuple[Msg, ...]:
    """:func:`rule_notes` on the engine: ``t`` is :func:`order_expr`'s table (with ``_row``), the counts its
    aggregates (orders, orders of an unknown status, valid orders without an amount); the examples of
    unknown statuses are the first three in file order, as pandas finds them."""
    examples: list[str] = []
    if unknown:
        u = t.filter(unknown_status(t))
        first = u.group_by("status").aggregate(at=u._row.min()).order_by("at").limit(3)
        examples = [str(s) for s in engine.execute(first)["status"]]
    return _notes(lines, orders, unknown, examples, no_amount)


__all__ = ["MONEY_SCALE", "ORDER_COLUMNS", "money_exact", "money_sum_expr", "money_units", "order_expr", "order_frame", "revenue_rule", "rule_notes", "rule_notes_expr",
           "unknown_status", "valid_orders", "valid_orders_expr"]
