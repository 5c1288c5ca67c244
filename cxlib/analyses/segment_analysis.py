"""The Segments page as one analysis: RFM segments, named rule segments and a comparison of groups.

A :class:`SegmentsSpec` is what a saved analysis (and a shared link) of the Segments page stores:
the RFM definition, every rule segment (name, rule, id) and the comparison (the groups by their
``compare.comparison_groups`` keys, the metric, the baseline). :func:`analyze_segments` replays it on
the orders and the optional customers, survey responses and tickets, with the metric definitions
(NPS bands, CSAT top boxes) given.

Examples
--------
>>> import cxlib as cx
>>> from cxlib.analyses.segments import RuleSpec
>>> spec = SegmentsSpec(rules=(RuleSpec("Detractors", "nps <= 6", "1"),),
...                     compare=CompareSpec(("nps:detractor", "nps:promoter"), "revenue_per_customer"))
>>> res = analyze_segments(cx.load("sample_data/orders_shopify.csv"), spec,
...                        customers=cx.load("sample_data/customers.csv"),
...                        responses=cx.load("sample_data/survey_responses.csv"))
>>> [(g.segment, g.n, round(g.value, 2)) for g in res.comparison.groups]
[('Detractors', 108, 168.7), ('Promoters', 300, 170.92)]
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cxlib.analyses.compare import POPULATIONS, Comparison, comparison_groups, compare_segments
from cxlib.data.dataset import Dataset
from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg, sentences
from cxlib.core.spec import Spec
from cxlib.analyses.segments import CustomerView, RFMResult, RFMSpec, compute_rfm
from cxlib.analyses.segment_members import RuleSegment, RuleSpec, rule_segments, segment_frame
from cxlib.analyses.segments import build_customer_view


@dataclass(frozen=True)      # no slots: from_json calls super()
class CompareSpec(Spec):
    """A comparison as saved: group keys (``rfm:Champions``, ``nps:detractor``, ``rule:<id>``,
    ``rest`` ...), the metric and the baseline (``compare.POPULATIONS``)."""

    groups: tuple[str, ...]
    metric: str
    population: str = "auto"

    def __post_init__(self) -> None:
        if self.population not in POPULATIONS:
            raise CxDataError(msg("unknown baseline {population}.", population=repr(self.population)),
                              hint=msg("Use one of: {options}.", options=", ".join(POPULATIONS)))

    @classmethod
    def from_json(cls, obj: dict) -> "CompareSpec":
        groups = obj.get("groups") if isinstance(obj, dict) else None
        if not isinstance(groups, list) or not isinstance(obj.get("metric"), str):
            raise CxDataError(msg("the saved comparison needs a list of groups and a metric."),
                              hint=msg('Write it as {"groups": ["nps:detractor", "nps:promoter"], '
                                       '"metric": "revenue_per_customer"}.'))
        return super().from_json({**obj, "groups": [str(g) for g in groups]})


@dataclass(frozen=True)
class SegmentsSpec(Spec):
    """Everything the Segments page computes from: RFM, rule segments, the comparison. Its JSON is
    the RFM definition's (old saved analyses of the page open unchanged) plus ``rule_segments`` and
    ``compare``."""

    rfm: RFMSpec = field(default_factory=RFMSpec)
    rules: tuple[RuleSpec, ...] = ()
    compare: CompareSpec | None = None

    def to_json(self) -> dict:
        return {**self.rfm.to_json(), "rule_segments": [r.to_json() for r in self.rules],
                "compare": self.compare.to_json() if self.compare else None}

    @classmethod
    def from_json(cls, obj: dict) -> "SegmentsSpec":
        """The RFM keys go to :class:`RFMSpec` (which refuses unknown ones), plus the two keys of its own."""
        rfm = dict(obj or {})
        rules, compare = rfm.pop("rule_segments", None) or [], rfm.pop("compare", None)
        if not isinstance(rules, list):
            raise CxDataError(msg("rule_segments in the saved analysis must be a list."),
                              hint=msg('Write it as [{"name": "Detractors", "rule": "nps <= 6"}].'))
        return cls(RFMSpec.from_json(rfm), tuple(RuleSpec.from_json(r) for r in rules),
                   CompareSpec.from_json(compare) if compare else None)

    def describe(self) -> Msg:
        return self.rfm.describe()


@dataclass(frozen=True)
class SegmentsResult(Result):
    """RFM segments (with the "No orders" customers), rule segments and a comparison, as the page shows them."""

    rfm: RFMResult
    view: CustomerView
    segments: tuple[RuleSegment, ...]
    comparison: Comparison | None
    spec: SegmentsSpec
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The segment table: RFM segments, then "No orders" (customers-file rows without a valid order)."""
        return segment_frame(self.rfm, self.view)

    def summary(self) -> Msg:
        parts = [self.rfm.summary(), *(s.describe() for s in self.segments)]
        if self.comparison is not None:
            parts.append(self.comparison.summary())
        return sentences(parts)

    def to_json(self) -> dict:
        table = self.to_frame()
        return {**self.rfm.to_json(), "segment_table": table.astype(object).where(table.notna(), None).to_dict("records"),
                "rule_segments": [s.to_json() for s in self.segments],
                "comparison": self.comparison.to_json() if self.comparison else None,
                "joins": [j.to_json() for j in self.view.joins], "definition": self.spec.to_json(),
                "warnings": list(self.warnings)}


def analyze_segments(orders: Dataset, spec: SegmentsSpec | None = None, *, customers: Dataset | None = None,
                     responses: Dataset | None = None, tickets: Dataset | None = None, defs=None) -> SegmentsResult:
    """The Segments page's result for ``spec``: RFM, the customer view with the other files joined,
    every rule segment and the comparison (NPS bands and CSAT top boxes from ``defs``, a
    ``definitions.DefinitionSet``; default the defaults).

    Raises ``CxDataError`` naming the rule segment whose rule does not apply to this data, or the
    compared group this data does not have."""
    from cxlib.core.definitions import DefinitionSet
    spec = spec or SegmentsSpec()
    defs = defs or DefinitionSet.default()
    rfm = compute_rfm(orders, spec.rfm)
    view = build_customer_view(rfm, customers, responses, tickets, promoter_min=defs.nps.promoter_min,
                               detractor_max=defs.nps.detractor_max)
    segs = rule_segments(view, spec.rules)
    cmp = None
    if spec.compare is not None:
        cmp = run_comparison(view, rfm, segs, spec.compare, defs)
    return SegmentsResult(rfm, view, segs, cmp, spec, view.warnings)


def run_comparison(view: CustomerView, rfm: RFMResult, segs, spec: CompareSpec, defs) -> Comparison:
    """The comparison of ``spec`` over the groups the data has (``compare.comparison_groups``)."""
    groups = comparison_groups(view, list(rfm.segment_counts), segs)
    unknown = [k for k in spec.groups if k not in groups]
    if unknown:
        raise CxDataError(msg("the comparison uses group(s) {groups} that this data does not have.",
                              groups=", ".join(map(repr, unknown))),
                          hint=msg("Pick the groups again on the Segments page and save the analysis anew."))
    return compare_segments(view, [groups[k] for k in spec.groups], spec.metric, population=spec.population,
                            csat_top=defs.csat.top2_min, promoter_min=defs.nps.promoter_min,
                            detractor_max=defs.nps.detractor_max)


__all__ = ["CompareSpec", "SegmentsResult", "SegmentsSpec", "analyze_segments", "run_comparison"]
