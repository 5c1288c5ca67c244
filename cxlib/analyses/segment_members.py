"""Rule segments and member lists: customers of the joined customer view picked by a rule
(``nps <= 6``, ``segment = Lost``), the table of rule segments and the member list for campaigns.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, N_, msg
from cxlib.core.spec import Spec
from cxlib.analyses.segments import CustomerView, NO_ORDERS, RFMResult, name_msg


def _bad_rule() -> CxDataError:
    return CxDataError(msg("a rule segment in the saved analysis needs a name and a rule (text)."),
                       hint=msg('Write it as {"name": "Detractors", "rule": "nps <= 6"}.'))


@dataclass(frozen=True)      # no slots: from_json calls super()
class RuleSpec(Spec):
    """A named rule segment as saved. ``id`` identifies it while its name or rule is edited (the
    Segments page keeps a renamed segment selected in Compare by it)."""

    name: str
    rule: str
    id: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.rule, str) or not isinstance(self.name, str) or not isinstance(self.id, str):
            raise _bad_rule()

    @classmethod
    def from_json(cls, obj: dict) -> "RuleSpec":
        if not isinstance(obj, dict) or not {"name", "rule"} <= set(obj):
            raise _bad_rule()
        return super().from_json(obj)

    @classmethod
    def _read(cls, name: str, value: object) -> object:
        return str(value or "") if name == "id" else value


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


__all__ = ["MEMBER_COLUMNS", "RuleSegment", "RuleSpec", "members_frame", "rule_segment", "rule_segments",
           "rule_segments_frame", "segment_frame"]
