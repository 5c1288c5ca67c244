"""Orders on the engine: the careful order steps (:func:`cxlib.data.schema.build` for role ``orders``) after the
cells are converted, as SQL over the converted table.

The engine takes an orders file only when those steps are row by row: one row per order (order ids unique; no
quantity or unit price to combine), and no currency read from the amounts' header. Then:

- statuses: the file's distinct labels go through the careful reader's table (:func:`cxlib.data.convert.labels`)
  and the SQL maps each label to what the table says; one label the table does not know sends the file the
  careful way (it would be reported with rows and examples);
- refunds and statuses are made to agree exactly as :func:`cxlib.data.convert.refund_statuses` does;
- no status column: order ids numbered "C123" would be credit notes (:func:`cxlib.data.convert.credit_notes`),
  so such a file goes the careful way;
- the value inventory of statuses is built by the careful code from the cleaned labels in file order.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from cxlib.data import canonical_labels
from cxlib.data.engine import sql_name as _q

if TYPE_CHECKING:                     # pragma: no cover - typing only
    from cxlib.data.table import Table

_ST, _ST2 = "__cx_st", "__cx_st2"


def eligible(mapping: dict[str, str], sample: Table) -> bool:
    """True when the careful order steps are row by row for this file (see the module's docstring)."""
    import pandas as pd

    from cxlib.data import convert
    if {"quantity", "unit_price", "items"} & set(mapping) or "amount" not in mapping:
        return False
    return "currency" in mapping or convert.currencies(pd.Series(["1"], dtype="string"), mapping["amount"]) is None


def finish(con, relation: str, names: list[str], mapping: dict[str, str], deferred: dict[str, str] | None = None
           ) -> tuple[str, dict] | None:
    """(the SELECT of the finished table from ``relation``, the counts its notes need), or None when the file
    must go the careful way."""
    from cxlib.core import statuses
    from cxlib.data import convert
    ids = '"order_id"' if "order_id" in mapping else None
    counts = ["count(*)"]
    if ids:
        counts += [f"count(*) - count({ids})", f"count(DISTINCT {ids}) = count({ids})"]
    if "status" not in mapping:
        if ids:
            counts.append(f"count(*) FILTER (WHERE regexp_full_match({ids}, '[Cc][0-9]+'))")
        row = con.sql(f"SELECT {', '.join(counts)} FROM {relation}").fetchall()[0]
        if ids and (not row[2] or row[3]):
            return None                                  # line items or credit notes: the careful reader
        return f"SELECT {', '.join(map(_q, names))} FROM {relation}", {"no_id": int(row[1]) if ids else 0,
                                                                       "refunds": [0, 0, 0]}
    status = canonical_labels.mapped(con, relation, "status",
                                     lambda v: convert.labels(v, statuses.ORDER_STATUS_TABLE))
    if status is None:
        return None
    had = "refunded" in mapping
    refund = '"refunded"' if had else "CAST(NULL AS DOUBLE)"
    paid = f"(coalesce({refund}, 0) > 0)"
    full = f"coalesce({refund} >= coalesce(\"amount\", 0) - 0.005, false)"
    completed = f"coalesce({_ST} = 'completed' AND {paid}, false)"
    closed = f"coalesce({_ST} = 'cancelled' AND {paid} AND {full}, false)"
    agreed = (f"CASE WHEN ({completed} OR {closed}) AND {full} THEN 'refunded' "
              f"WHEN {completed} THEN 'partially_refunded' ELSE {_ST} END")
    whole = f"coalesce({_ST2} = 'refunded' AND {refund} IS NULL, false)"
    part = f"coalesce({_ST2} = 'partially_refunded' AND {refund} IS NULL, false)"
    steps = f"(SELECT *, {agreed} AS {_ST2} FROM (SELECT *, {status} AS {_ST} FROM {relation}))"
    counts += [f"count(*) FILTER (WHERE {completed} OR {closed})", f"count(*) FILTER (WHERE {whole})",
               f"count(*) FILTER (WHERE {part})"]
    row = con.sql(f"SELECT {', '.join(counts)} FROM {steps}").fetchall()[0]
    if ids and not row[2]:
        return None                                      # line items: the careful reader combines them
    marked, whole_n, part_n = (int(x) for x in row[-3:])
    if whole_n and not had:
        return None                                      # the careful reader adds a refunded column
    cols = []
    for n in names:
        if n == "status":
            cols.append(f"{_ST2} AS status")
        elif n == "refunded":
            cols.append(f"CASE WHEN {whole} THEN \"amount\" ELSE {refund} END AS refunded")
        else:
            cols.append(_q(n))
    return (f"SELECT {', '.join(cols)} FROM {steps}",
            {"no_id": int(row[1]) if ids else 0, "refunds": [marked, whole_n, part_n]})


def inventory(parquet: str, deferred: dict[str, str]) -> dict:
    """The value inventory of statuses, by the careful code, from the cleaned labels in file order."""
    return canonical_labels.inventory(parquet, "orders", [f for f in ("status",) if f in deferred])


def duplicates(counts: dict, rows_duplicates: int) -> tuple[int, list]:
    """The report's duplicates and its sentence: copies of a row."""
    from cxlib.data import schema
    return rows_duplicates, schema.duplicate_row_warnings(rows_duplicates)


def notes(counts: dict) -> list:
    """The order steps' sentences, in the careful reader's order."""
    from cxlib.data import convert
    return convert.no_order_id_notes(counts.get("no_id", 0)) + convert.refund_notes(*counts.get("refunds", [0, 0, 0]))


def note_templates() -> set[str]:
    from cxlib.data import convert
    return {m.template for m in convert.no_order_id_notes(1) + convert.refund_notes(1, 1, 1)}


__all__ = ["duplicates", "eligible", "finish", "inventory", "note_templates", "notes"]
