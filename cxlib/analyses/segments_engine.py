"""The customer view's joins on the engine, for tables kept in their Parquet file (no pandas copy of them):
whether a file shares customers with the orders, and the tickets matched to each customer.

Canonical text is already stripped (blank cells are missing), so ids compare as they are and emails in lower case:
the same matches as :func:`cxlib.analyses.segments._match` on the pandas copy, customer id first, else email.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.data import engine
from cxlib.data.dataset import Dataset


def _values(d: Dataset, col: str, email: bool):
    t = d.engine_table()
    v = t[col].cast("string")
    v = v.lower() if email else v
    return t.select(v=v).filter(v.notnull() & (v != ""))


def group_members(customer_ids: pd.Series, masks: dict[str, np.ndarray]):
    """The members of each group as a small engine table (``m_id``: customer id, ``g``: the group's position in
    ``masks``), masks over ``customer_ids``; a customer in two groups is a member of both."""
    import ibis
    ids = customer_ids.astype("string").reset_index(drop=True)
    members = pd.DataFrame({
        "m_id": pd.concat([ids[np.asarray(m, dtype=bool)] for m in masks.values()], ignore_index=True),
        "g": np.repeat(np.arange(len(masks), dtype=np.int64), [int(np.sum(m)) for m in masks.values()])})
    return ibis.memtable(members.astype({"m_id": object}))


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


def _matched(t, id_col: str | None, em_col: str | None, known_ids: pd.Series, email_to_id: pd.Series):
    """``t`` with ``cid`` (the matched customer, or null) and ``by_id`` (matched by id): a row's id when it is a
    known customer id, else its email's customer (``email_to_id``: normalized email -> customer id)."""
    import ibis
    ids = ibis.memtable(pd.DataFrame({"k_id": known_ids.astype("string").dropna().astype(object).unique()}))
    emails = ibis.memtable(pd.DataFrame({"k_em": email_to_id.index.astype(object),
                                         "k_cid": email_to_id.astype("string").astype(object).to_numpy()}))
    x = t.mutate(k_i=t[id_col].cast("string") if id_col else ibis.null("string"),
                 k_e=t[em_col].cast("string").lower() if em_col else ibis.null("string"))
    x = x.left_join(ids, x.k_i == ids.k_id).left_join(emails, x.k_e == emails.k_em)
    return x.mutate(by_id=x.k_id.notnull(), cid=x.k_id.coalesce(x.k_cid)).drop("k_i", "k_e", "k_id", "k_em", "k_cid")


def ticket_counts(tickets: Dataset, known_ids: pd.Series, email_to_id: pd.Series, id_cols: tuple[str, ...],
                  email_cols: tuple[str, ...]) -> tuple[pd.DataFrame, int, int, int] | None:
    """(matched tickets per customer, tickets, matched by id, matched by email) or None: see
    :func:`cxlib.analyses.segments._ticket_counts`. The id column is the first of ``id_cols`` with a value, the
    email column the first of ``email_cols``."""
    t = tickets.engine_table()
    present = [c for c in dict.fromkeys(id_cols + email_cols) if c in tickets.columns]
    filled = engine.execute(t.aggregate(rows=t.count(), **{f"n{i}": t[c].count() for i, c in enumerate(present)}))
    filled = filled.iloc[0]
    has = {c for i, c in enumerate(present) if int(filled[f"n{i}"])}
    id_col = next((c for c in id_cols if c in has), None)
    em_col = next((c for c in email_cols if c in has), None)
    if id_col is None and em_col is None:
        return None
    x = _matched(t.select(*dict.fromkeys(c for c in (id_col, em_col) if c)), id_col, em_col, known_ids, email_to_id)
    m = x.filter(x.cid.notnull())
    per = engine.execute(m.group_by("cid").aggregate(tickets=m.count(), by_id=m.by_id.sum()))
    out = pd.DataFrame({"customer_id": per["cid"].astype("string"), "tickets": per["tickets"].astype("int64")})
    by_id = int(per["by_id"].sum())
    return (out.sort_values("customer_id", kind="stable").reset_index(drop=True), int(filled["rows"]), by_id,
            int(per["tickets"].sum()) - by_id)


RESPONSE_COLUMNS = ("nps", "csat", "ces", "answered_at")


@dataclass(frozen=True)
class EngineResponses:
    """Survey answers matched to customers (customer id first, else email), left on the engine: the
    ``CustomerView.responses`` of a table kept in its Parquet file. ``columns`` are those of the pandas copy
    (the scores kept, then ``customer_id``); a comparison counts the answers of each group there."""

    source: Dataset
    id_col: str | None
    em_col: str | None
    known_ids: pd.Series
    email_to_id: pd.Series

    @property
    def columns(self) -> list[str]:
        return [c for c in RESPONSE_COLUMNS if c in self.source.columns] + ["customer_id"]

    def table(self):
        """The matched answers: the kept columns, ``customer_id``, ``by_id`` and ``_row`` (the file's order)."""
        t = self.source.engine_table(row=True)
        keep = [c for c in self.columns if c != "customer_id"]
        x = _matched(t.select(*dict.fromkeys([*keep, *(c for c in (self.id_col, self.em_col) if c), "_row"])),
                     self.id_col, self.em_col, self.known_ids, self.email_to_id)
        x = x.filter(x.cid.notnull())
        return x.select(*keep, customer_id=x.cid, by_id=x.by_id, _row=x._row)

    def latest(self, col: str) -> pd.Series:
        """Each customer's latest answer to ``col`` (NPS: the latest 0-10 answer) by ``answered_at`` (missing times
        first), ties and missing times in the file's order: :func:`cxlib.analyses.segments._latest`."""
        import ibis
        x = self.table()
        ok = x[col].notnull() & (x[col].between(0, 10) if col == "nps" else True)
        d = x.filter(ok)
        order = ([ibis.desc(d.answered_at.notnull()), ibis.desc(d.answered_at)] if "answered_at" in self.columns
                 else []) + [ibis.desc(d._row)]
        d = d.mutate(_n=ibis.row_number().over(group_by=d.customer_id, order_by=order))
        got = engine.execute(d.filter(d._n == 0).select("customer_id", v=d[col].cast("float64")))
        return pd.Series(got["v"].to_numpy(dtype=float), index=got["customer_id"].astype("string").to_numpy())

    def values_by_group(self, col: str, customer_ids: pd.Series, masks: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The answers to ``col`` (present ones) of each group's members, as values repeated by their counts: only
        the counts of each distinct answer per group leave the engine. A customer in two groups counts in both."""
        x = self.table()
        m = group_members(customer_ids, masks)
        j = x.filter(x[col].notnull()).inner_join(m, x.customer_id == m.m_id)
        got = engine.execute(j.group_by(["g", j[col].cast("float64").name("v")]).aggregate(n=j.count()))
        out = {}
        for i, name in enumerate(masks):
            part = got[got["g"] == i]
            out[name] = np.repeat(part["v"].to_numpy(dtype=float), part["n"].to_numpy(dtype=np.int64))
        return out


def responses(source: Dataset, known_ids: pd.Series, email_to_id: pd.Series
              ) -> tuple[EngineResponses, dict[str, pd.Series], int, int, int] | None:
    """(the matched answers, each customer's latest NPS and CSAT, rows, matched by id, matched by email) of a
    responses table kept in its Parquet file, or None without a customer id or email column with a value."""
    id_col = "customer_id" if source.has("customer_id") else None
    em_col = "email" if source.has("email") else None
    if id_col is None and em_col is None:
        return None
    r = EngineResponses(source, id_col, em_col, known_ids.reset_index(drop=True), email_to_id)
    x = r.table()
    n = engine.execute(x.aggregate(matched=x.count(), by_id=x.by_id.sum())).iloc[0]
    rows = int(source.engine_table().count().execute())
    by_id = int(n["by_id"] or 0)
    latest = {col: r.latest(col) for col in ("nps", "csat") if col in r.columns}
    return r, latest, rows, by_id, int(n["matched"]) - by_id


__all__ = ["EngineResponses", "group_members", "responses", "shares_customers", "ticket_counts"]
