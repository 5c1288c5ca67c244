"""Segments joined with the other files and cut by rules: the customer view (customers, survey answers
and tickets joined onto the RFM table), rule segments and member lists for campaigns.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.data.dataset import Dataset
from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, N_, msg
from cxlib.analyses.segments import CustomerView, JoinStats, NO_ORDERS, ORDER_ATTRIBUTES, RFMResult, index_in, name_msg, nps_band


def _norm_email(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.lower().replace("", pd.NA)


def _match(ids: pd.Series | None, emails: pd.Series | None, known_ids: pd.Series,
           email_to_id: pd.Series) -> tuple[pd.Series, int, int]:
    """customer_id per row: by customer id first, else by normalized email."""
    n = len(ids if ids is not None else emails)
    out = pd.Series(pd.NA, index=range(n), dtype="string")
    by_id = 0
    if ids is not None:
        ids = ids.astype("string").str.strip().reset_index(drop=True)
        found = index_in(ids, known_ids) >= 0
        out = ids.where(found, pd.NA).astype("string")
        by_id = int(out.notna().sum())
    by_email = 0
    if emails is not None and len(email_to_id):
        via = _norm_email(emails.reset_index(drop=True)).map(email_to_id).astype("string")
        fill = out.isna() & via.notna()
        out = out.mask(fill, via)
        by_email = int(fill.sum())
    return out, by_id, by_email


def _latest(df: pd.DataFrame, col: str, time_col: str | None) -> pd.Series:
    d = df[df[col].notna() & (df[col].between(0, 10) if col == "nps" else True)]     # NPS: answers 0-10 only
    if time_col and time_col in d.columns:
        d = d.sort_values(time_col, kind="mergesort", na_position="first")
    return d.groupby("customer_id", sort=False)[col].last()


def shares_customers(other: Dataset, *sources: Dataset | None) -> bool:
    """True when ``other`` (customers, responses or tickets) has a customer id or an email that also
    appears in one of ``sources`` (orders, customers): a cheap test of whether a join makes sense."""
    ids = [d.df["customer_id"].astype("string").str.strip() for d in sources if d is not None and "customer_id" in d.df]
    emails = [_norm_email(d.df["email"]) for d in sources if d is not None and "email" in d.df]
    ids = pd.concat(ids).dropna() if ids else pd.Series([], dtype="string")
    emails = pd.concat(emails).dropna() if emails else pd.Series([], dtype="string")
    d = other.df
    for col in ("customer_id", "requester"):
        if col in d.columns and d[col].astype("string").str.strip().isin(ids).any():
            return True
    for col in ("email", "requester"):
        if col in d.columns and _norm_email(d[col]).isin(emails).any():
            return True
    return False


def build_customer_view(rfm: RFMResult, customers: Dataset | None = None, responses: Dataset | None = None,
                        tickets: Dataset | None = None, *, promoter_min: int = 9, detractor_max: int = 6
                        ) -> CustomerView:
    """Join customer attributes, survey responses and tickets to the RFM table (customer id first,
    else email normalized to lower case without spaces); counts of matched/unmatched rows in ``joins``.

    With responses, ``nps`` and ``csat`` are each customer's latest answer (NPS: the latest answer
    0-10) and ``nps_band`` its band (:func:`nps_band` with ``promoter_min``/``detractor_max``).

    Attributes in both the customers file and the orders (email, country, channel) take the
    customers file's value, falling back to the latest order's; other clashing columns of the
    customers file get a ``_attr`` suffix."""
    base = rfm.customers.copy()
    joins: list[JoinStats] = []
    warnings: list[Msg] = []
    if customers is not None:
        attrs = customers.df.copy()
        attrs["customer_id"] = attrs["customer_id"].astype("string").str.strip()
        attrs = attrs[attrs["customer_id"].notna()]
        dup = attrs["customer_id"].duplicated()
        if dup.any():
            warnings.append(msg("{repeated} repeated customer id(s) in {file}; the first row of each is used.",
                                repeated=int(dup.sum()), file=customers.name))
            attrs = attrs[~dup]
        shared = [c for c in attrs.columns if c in base.columns and c != "customer_id"
                  and (c == "email" or c in ORDER_ATTRIBUTES)]        # customers file wins, orders fill gaps
        clash = [c for c in attrs.columns if c in base.columns and c != "customer_id" and c not in shared]
        attrs = attrs.rename(columns={c: f"{c}_attr" for c in shared + clash})
        in_rfm = attrs["customer_id"].isin(base["customer_id"])
        base = base.merge(attrs, on="customer_id", how="outer", sort=True)
        for col in shared:
            base[col] = base[f"{col}_attr"].astype("string").fillna(base[col].astype("string"))
            base = base.drop(columns=f"{col}_attr")
        no_orders = base["orders"].isna()
        base.loc[no_orders, ["orders", "net_revenue"]] = 0
        base["orders"] = base["orders"].astype(int)
        base["segment"] = base["segment"].astype("string").fillna(NO_ORDERS)
        joins.append(JoinStats("customers", len(attrs), int(in_rfm.sum()), 0, int((~in_rfm).sum())))
    base["email_norm"] = _norm_email(base["email"]) if "email" in base.columns else pd.NA
    emails = base.dropna(subset=["email_norm"]).drop_duplicates("email_norm")
    email_to_id = pd.Series(emails["customer_id"].to_numpy(), index=emails["email_norm"].to_numpy())
    resp_out = None
    if responses is not None:
        r = responses.df
        ids = r["customer_id"] if responses.has("customer_id") else None
        em = r["email"] if responses.has("email") else None
        if ids is None and em is None:
            warnings.append(msg("{file} has no customer id or email column, so responses cannot be joined.",
                                file=responses.name))
        else:
            cid, by_id, by_em = _match(ids, em, base["customer_id"], email_to_id)
            keep = [c for c in ("nps", "csat", "ces", "answered_at") if c in r.columns]
            resp_out = r[keep].reset_index(drop=True).assign(customer_id=cid)
            resp_out = resp_out[resp_out["customer_id"].notna()].reset_index(drop=True)
            joins.append(JoinStats("responses", len(r), by_id, by_em, len(r) - by_id - by_em))
            for col in ("nps", "csat"):
                if col in resp_out.columns:
                    base[col] = base["customer_id"].map(_latest(resp_out, col, "answered_at")).astype(float)
            if "nps" in base.columns:
                base["nps_band"] = nps_band(base["nps"], promoter_min, detractor_max)
    tick_out = None
    if tickets is not None:
        t = tickets.df
        ids = next((t[c] for c in ("customer_id", "requester") if c in t.columns and t[c].notna().any()), None)
        em = next((t[c] for c in ("email", "requester_email", "requester")
                   if c in t.columns and t[c].notna().any()), None)
        if ids is None and em is None:
            warnings.append(msg("{file} has no customer id, email or requester column, so tickets cannot be joined.",
                                file=tickets.name))
        else:
            cid, by_id, by_em = _match(ids, em, base["customer_id"], email_to_id)
            tick_out = pd.DataFrame({"ticket_id": t["ticket_id"].to_numpy(), "customer_id": cid})
            tick_out = tick_out[tick_out["customer_id"].notna()].reset_index(drop=True)
            joins.append(JoinStats("tickets", len(t), by_id, by_em, len(t) - by_id - by_em))
            counts = tick_out.groupby("customer_id").size()
            base["tickets"] = base["customer_id"].map(counts).fillna(0).astype(int)
    for j in joins:
        if j.source != "customers" and j.rows and j.matched == 0:
            warnings.append(msg("none of the {rows} responses rows match a customer by id or email.", rows=j.rows)
                            if j.source == "responses" else
                            msg("none of the {rows} tickets rows match a customer by id or email.", rows=j.rows))
    return CustomerView(customers=base.drop(columns="email_norm"), orders=rfm.orders, responses=resp_out,
                        tickets=tick_out, joins=tuple(joins), warnings=tuple(rfm.warnings) + tuple(warnings))


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A named rule segment as saved. ``id`` identifies it while its name or rule is edited (the
    Segments page keeps a renamed segment selected in Compare by it)."""

    name: str
    rule: str
    id: str = ""

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "rule": self.rule}

    @classmethod
    def from_json(cls, obj: dict) -> "RuleSpec":
        if not isinstance(obj, dict) or not isinstance(obj.get("rule"), str) or not isinstance(obj.get("name"), str):
            raise CxDataError(msg("a rule segment in the saved analysis needs a name and a rule (text)."),
                              hint=msg('Write it as {"name": "Detractors", "rule": "nps <= 6"}.'))
        return cls(name=obj["name"], rule=obj["rule"], id=str(obj.get("id") or ""))


@dataclass(frozen=True)
class RuleSegment(Result):
    """Customers matching a rule such as ``country = DE and orders >= 2``."""

    name: str
    rule: str
    mask: np.ndarray                 # aligned with CustomerView.customers
    customers: int
    share_pct: float                 # of all customers in the view
    net_revenue: float
    revenue_share_pct: float
    fields: frozenset[str] = frozenset()     # customer-table fields the rule reads (nps: a survey group)
    id: str = ""

    def describe(self) -> Msg:
        return msg("Segment '{name}': customers matching {rule}.", name=name_msg(self.name), rule=" ".join(self.rule.split()))

    def summary(self) -> Msg:
        return msg("{customers} customers ({share_pct:.2f}% of all) match; they bring {net_revenue:,.2f} net revenue "
                   "({revenue_share_pct:.2f}% of the total).", customers=self.customers, share_pct=self.share_pct,
                   net_revenue=self.net_revenue, revenue_share_pct=self.revenue_share_pct)

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "rule": self.rule, "customers": self.customers,
                "share_pct": self.share_pct, "net_revenue": self.net_revenue,
                "revenue_share_pct": self.revenue_share_pct, "fields": sorted(self.fields)}


def rule_segment(view: CustomerView, rule: str, name: str = N_("Rule segment"), *, id: str = "") -> RuleSegment:
    """Evaluate ``rule`` (see :mod:`cxlib.analyses.segment_rules`) on the customer table.

    Examples
    --------
    >>> import cxlib as cx
    >>> seg = cx.rule_segment(cx.rfm(cx.load("sample_data/orders_shopify.csv")), "country = DE and orders >= 2")
    >>> seg.summary()[:30]
    '119 customers (10.08% of all) '
    """
    from cxlib.analyses.segment_rules import evaluate, field_kinds, fields_of, parse_rule
    c = view.customers
    node = parse_rule(rule, field_kinds(c))
    mask = evaluate(node, c)
    rev = c["net_revenue"].fillna(0.0)
    total = float(rev.sum())
    seg_rev = float(rev[mask].sum())
    return RuleSegment(name=name, rule=rule, mask=mask, customers=int(mask.sum()),
                       share_pct=round(100 * float(mask.mean()), 2) if len(c) else 0.0,
                       net_revenue=round(seg_rev, 2),
                       revenue_share_pct=round(100 * seg_rev / total, 2) if total else 0.0,
                       fields=fields_of(node), id=id)


def rule_segments(view: CustomerView, specs) -> tuple[RuleSegment, ...]:
    """Several named rule segments at once (a sequence of :class:`RuleSpec`), in the order given.

    Raises ``CxDataError`` naming the segment when its rule does not parse, its name is empty, or two
    segments share a name (compared groups are told apart by name).

    >>> import cxlib as cx
    >>> view = cx.rfm(cx.load("sample_data/orders_shopify.csv"))
    >>> [s.customers for s in rule_segments(view, [RuleSpec("Big", "net_revenue >= 500"), RuleSpec("DE", "country = DE")])]
    [39, 432]
    """
    out: list[RuleSegment] = []
    seen: set[str] = set()
    for spec in specs:
        name = str(spec.name).strip()
        if not name:
            raise CxDataError(msg("the rule segment {rule} has no name.", rule=repr(spec.rule)),
                              hint=msg("Give each rule segment a name, e.g. Detractors."))
        if name in seen:
            raise CxDataError(msg("two rule segments are called '{name}'.", name=name_msg(name)),
                              hint=msg("Give each rule segment its own name."))
        seen.add(name)
        try:
            out.append(rule_segment(view, spec.rule, name, id=spec.id))
        except CxDataError as err:
            raise CxDataError(msg("segment '{name}': {problem}", name=name_msg(name), problem=err.message),
                              hint=err.hint) from None
    return tuple(out)


def rule_segments_frame(segments) -> pd.DataFrame:
    """One row per rule segment: name, rule, customers and their share of customers and net revenue."""
    cols = [N_("segment"), N_("rule"), N_("customers"), N_("share_pct"), N_("net_revenue"), N_("revenue_share_pct")]
    return pd.DataFrame([{"segment": s.name, "rule": " ".join(s.rule.split()), "customers": s.customers,
                          "share_pct": s.share_pct, "net_revenue": s.net_revenue,
                          "revenue_share_pct": s.revenue_share_pct} for s in segments], columns=cols)


def segment_frame(rfm: RFMResult, view: CustomerView) -> pd.DataFrame:
    """The RFM segment table (``RFMResult.to_frame``) with a last row for the customers-file rows
    without a valid order (segment ``"No orders"``: 0 orders, 0 revenue), shares over every customer
    of ``view``. Without such customers it is the RFM table itself."""
    table = rfm.to_frame()
    c = view.customers
    missing = int((c["segment"] == NO_ORDERS).sum())
    if not missing:
        return table
    columns = table.columns
    row = {"segment": NO_ORDERS, "customers": missing, "net_revenue": 0.0, "revenue_share_pct": 0.0,
           "recency_days_median": float("nan"), "orders_mean": 0.0, "net_revenue_mean": 0.0}
    table = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
    table["customers_pct"] = (100 * table["customers"] / len(c)).round(2)
    return table[columns]


# Headers people read in the member list (one-letter scores r, f, m and acronyms stay as they are).
MEMBER_COLUMNS = (N_("customer_id"), N_("email"), N_("segment"), N_("value_tier"), N_("orders"), N_("net_revenue"),
                  N_("aov"), N_("recency_days"), N_("last_order_at"), "r", "f", "m", "rfm", N_("country"), "nps",
                  N_("nps_band"), "csat", N_("tickets"))


def members_frame(view: CustomerView, mask: np.ndarray | None = None, segment_name: str | None = None) -> pd.DataFrame:
    """Member list for campaigns: id, email, segment and metrics (export with
    ``cxlib.data.export.to_csv_bytes``, which neutralizes formulas)."""
    c = view.customers if mask is None else view.customers[np.asarray(mask, dtype=bool)]
    out = c[[col for col in MEMBER_COLUMNS if col in c.columns]].copy()
    for col in ("net_revenue", "aov"):
        if col in out.columns:
            out[col] = out[col].round(2)
    if segment_name is not None:
        out.insert(2, N_("list"), segment_name)
    out = out.sort_values(["net_revenue", "customer_id"], ascending=[False, True], kind="mergesort")
    return out.reset_index(drop=True)


__all__ = ["MEMBER_COLUMNS", "RuleSegment", "RuleSpec", "build_customer_view", "members_frame", "rule_segment",
           "rule_segments", "rule_segments_frame", "segment_frame", "shares_customers"]
