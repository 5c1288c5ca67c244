"""Order headline figures on the engine, for a Dataset whose canonical table lives in its Parquet file.

The same definitions as :func:`cxlib.analyses.orders.summarize` (the one valid-orders rule,
:func:`cxlib.data.orders.order_expr`), computed as aggregates: counts, the net revenue sum, valid orders per
customer, statuses, the most frequent currency, and the rows the warnings name (the first three unknown
statuses and the first five currencies in file order). Only these small results leave the engine.
"""
from __future__ import annotations

from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg
from cxlib.data import engine
from cxlib.data.dataset import Dataset
from cxlib.data.orders import order_expr, rule_notes_expr, unknown_status


def figures(ds: Dataset, defs) -> dict:
    """Every figure :class:`cxlib.analyses.orders.OrdersSummary` holds but the interval, and its warnings."""
    import pandas as pd
    for col in ("ordered_at", "amount"):
        if col not in ds.columns:
            raise CxDataError(msg("the orders table has no {column} column.", column=col), file=ds.name, column=col,
                              hint=msg("Map it on the Data page (or rename the column) and try again."))
    lines = ds.report.rows_in
    extra = {"currency": "currency"} if "currency" in ds.columns else None
    # a canonical table the engine loaded has one row per order (files with line items are read the careful way)
    t = order_expr(ds.engine_table(row=True), defs, extra, one_row_per_order=True)
    head = engine.execute(t.aggregate(
        orders=t.count(), customers=t.customer_id.nunique(), valid=t.valid.sum(),
        net=t.net.cast("decimal(38, 6)").sum(where=t.valid).cast("float64"),      # exact: same in every run
        first=t.ordered_at.min(), last=t.ordered_at.max(),
        no_customer=(t.customer_id.isnull()).sum(), any_customer=t.customer_id.notnull().any(),
        unknown=unknown_status(t).sum(), no_amount=(t.valid & t.amount.isnull()).sum())).iloc[0]
    v = t.filter(t.valid & t.customer_id.notnull())
    per = v.group_by("customer_id").aggregate(n=v.count())
    repeat_min = defs.repeat.min_orders
    buyers_repeat = engine.execute(per.aggregate(buyers=per.count(), repeat=(per.n >= repeat_min).sum())).iloc[0]
    statuses = engine.execute(t.group_by("status").aggregate(n=t.count()))
    orders = int(head["orders"])
    warnings: list[Msg] = []
    if not bool(head["any_customer"]):
        warnings.append(msg("The file does not identify customers: customer counts and repeat rates are not "
                            "available."))
    warnings += rule_notes_expr(t, lines, orders, int(head["unknown"]), int(head["no_amount"] or 0))
    no_customer = int(head["no_customer"])
    if 0 < no_customer < orders:
        warnings.append(msg("{count} order(s) have no customer id: counted in orders and revenue, not in customers "
                            "or repeat rate.", count=no_customer))
    currency = None
    if extra:
        c = t.filter(t.currency.notnull())
        cur = engine.execute(c.group_by("currency").aggregate(n=c.count(), at=c._row.min()))
        if len(cur):
            currency = str(cur.sort_values(["n", "currency"], ascending=[False, True])["currency"].iloc[0])
            if len(cur) > 1:
                seen = cur.sort_values("at")["currency"].tolist()
                warnings.append(msg("Orders are in {count} currencies ({currencies}); amounts are added as they are, "
                                    "without conversion.", count=len(cur), currencies=", ".join(map(str, seen[:5]))))
    stamp = (lambda x: None if x is None or pd.isna(x) else pd.Timestamp(x).tz_convert("UTC"))
    return {"orders": orders, "customers": int(head["customers"]), "valid": int(head["valid"] or 0),
            "net": float(head["net"]) if not pd.isna(head["net"]) else 0.0,
            "buyers": int(buyers_repeat["buyers"]), "repeat": int(buyers_repeat["repeat"] or 0),
            "first": stamp(head["first"]), "last": stamp(head["last"]),
            "status_counts": {str(s): int(n) for s, n in statuses.sort_values(["n", "status"], ascending=[False, True])
                              .itertuples(index=False, name=None)},
            "currency": currency, "warnings": tuple(warnings), "empty": orders == 0}


__all__ = ["figures"]
