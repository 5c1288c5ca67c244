"""The customer view's joins on the engine, for tables kept in their Parquet file (no pandas copy of them):
whether a file shares customers with the orders, and the tickets matched to each customer.

Canonical text is already stripped (blank cells are missing), so ids compare as they are and emails in lower case:
the same matches as :func:`cxlib.analyses.segments._match` on the pandas copy, customer id first, else email.
"""
from __future__ import annotations

import pandas as pd

from cxlib.data import engine
from cxlib.data.dataset import Dataset


def _values(d: Dataset, col: str, email: bool):
    t = d.engine_table()
    v = t[col].cast("string")
    v = v.lower() if email else v
    return t.select(v=v).filter(v.notnull() & (v != ""))


def shares_customers(other: Dataset, sources: list[Dataset]) -> bool:
    """:func:`cxlib.analyses.segments.shares_customers` as semi-joins: an id of ``other`` (customer_id or
    requester) among the sources' customer ids, or an email (email or requester) among their emails."""
    for cols, email in ((("customer_id", "requester"), False), (("email", "requester"), True)):
        key = "email" if email else "customer_id"
        known = [_values(d, key, email) for d in sources if key in d.columns]
        for col in (c for c in cols if c in other.columns and known):
            found = _values(other, col, email)
            if any(int(found.semi_join(k, "v").limit(1).count().execute()) for k in known):
                return True
    return False


def ticket_counts(tickets: Dataset, known_ids: pd.Series, email_to_id: pd.Series, id_cols: tuple[str, ...],
                  email_cols: tuple[str, ...]) -> tuple[pd.DataFrame, int, int, int] | None:
    """(matched tickets per customer, tickets, matched by id, matched by email) or None: see
    :func:`cxlib.analyses.segments._ticket_counts`. The id column is the first of ``id_cols`` with a value, the
    email column the first of ``email_cols``; a ticket's id matches when it is a known customer id, else its email
    when it is a known customer's (``email_to_id``: normalized email -> customer id)."""
    import ibis
    t = tickets.engine_table()
    present = [c for c in dict.fromkeys(id_cols + email_cols) if c in tickets.columns]
    filled = engine.execute(t.aggregate(rows=t.count(), **{f"n{i}": t[c].count() for i, c in enumerate(present)}))
    filled = filled.iloc[0]
    has = {c for i, c in enumerate(present) if int(filled[f"n{i}"])}
    id_col = next((c for c in id_cols if c in has), None)
    em_col = next((c for c in email_cols if c in has), None)
    if id_col is None and em_col is None:
        return None
    ids = ibis.memtable(pd.DataFrame({"k_id": known_ids.astype("string").dropna().astype(object).unique()}))
    emails = ibis.memtable(pd.DataFrame({"k_em": email_to_id.index.astype(object),
                                         "k_cid": email_to_id.astype("string").astype(object).to_numpy()}))
    x = t.select(i=t[id_col].cast("string") if id_col else ibis.null("string"),
                 e=t[em_col].cast("string").lower() if em_col else ibis.null("string"))
    x = x.left_join(ids, x.i == ids.k_id).left_join(emails, x.e == emails.k_em)
    x = x.select(by_id=x.k_id.notnull(), cid=x.k_id.coalesce(x.k_cid))
    m = x.filter(x.cid.notnull())
    per = engine.execute(m.group_by("cid").aggregate(tickets=m.count(), by_id=m.by_id.sum()))
    out = pd.DataFrame({"customer_id": per["cid"].astype("string"), "tickets": per["tickets"].astype("int64")})
    by_id = int(per["by_id"].sum())
    return (out.sort_values("customer_id", kind="stable").reset_index(drop=True), int(filled["rows"]), by_id,
            int(per["tickets"].sum()) - by_id)


__all__ = ["shares_customers", "ticket_counts"]
