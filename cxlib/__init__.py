"""CX Workbench analysis library: load customer-experience exports, compute trustworthy metrics.

No Streamlit here: everything is usable from a notebook or the ``cxlib`` command (``python -m cxlib``).
Every page of the app is one call away; on the sample shop (run from the project root):

    >>> import cxlib as cx
    >>> orders = cx.load("sample_data/orders_shopify.csv")
    >>> survey = cx.load("sample_data/survey_responses.csv")
    >>> tickets = cx.load("sample_data/tickets_zendesk.csv")
    >>> events = cx.load("sample_data/events.csv")
    >>> test = cx.load("sample_data/experiment_checkout.csv")
    >>> card = cx.scorecard([orders, survey, tickets])                  # Scorecard
    >>> type(card).__name__, len(card.tiles) > 5
    ('Scorecard', True)
    >>> cx.orders(orders).orders                                        # Orders
    2460
    >>> type(cx.orders_over_time(orders, "month")).__name__, type(cx.orders_by(orders, "channel")).__name__
    ('OrdersTable', 'OrdersTable')
    >>> cx.survey(survey).nps.n > 0, cx.nps(survey).n > 0               # Survey
    (True, True)
    >>> cx.support(tickets).tickets > 0                                 # Support
    True
    >>> steps = tuple(cx.Step(e) for e in ("view_item", "add_to_cart", "purchase"))
    >>> cx.funnel(events, cx.FunnelSpec(steps)).steps                   # Funnels
    ('view_item', 'add_to_cart', 'purchase')
    >>> rfm = cx.rfm(orders)                                            # Segments
    >>> sum(rfm.segment_counts.values())
    1180
    >>> view = cx.customer_view(rfm, responses=survey)
    >>> cmp = cx.compare_segments(view, cx.segment_groups(view, ["Champions", "Lost"]), "aov", n_boot=50)
    >>> type(cmp).__name__
    'Comparison'
    >>> type(cx.cohort_table(orders)).__name__                          # Retention
    'CohortResult'
    >>> result = cx.abtest(test)                                        # Experiments
    >>> cx.memo_markdown(result).startswith("#")
    True

Each result has ``.summary()``, ``.to_frame()`` and ``.chart()`` (the page's own chart).
Names are imported on first use (PEP 562), so ``import cxlib`` and the command line stay fast.
"""
from __future__ import annotations

import importlib

from cxlib.core import result as _result
from cxlib.core.errors import CxDataError, CxLimitError, CxNeedsMapping
from cxlib.core.version import __version__

# Results are shown (titles, charts, notebook cards) by the presentation layer, loaded on first use.
_result.set_presenter(lambda: importlib.import_module("cxlib.present.display"))

_LAZY: dict[str, tuple[str, str]] = {
    "Dataset": ("cxlib.data.dataset", "Dataset"), "Report": ("cxlib.data.dataset", "Report"),
    "ColumnIssue": ("cxlib.data.dataset", "ColumnIssue"),
    "load": ("cxlib.data.loader", "load_path"), "load_path": ("cxlib.data.loader", "load_path"),
    "load_bytes": ("cxlib.data.loader", "load_bytes"), "from_frame": ("cxlib.data.loader", "from_frame"),
    "connect": ("cxlib.data.sources", "connect"), "load_table": ("cxlib.data.connected", "load_table"),
    "DefinitionSet": ("cxlib.core.definitions", "DefinitionSet"), "METRICS": ("cxlib.core.definitions", "METRICS"),
    "METRICS_BY_NAME": ("cxlib.core.definitions", "METRICS_BY_NAME"),
    "nps": ("cxlib.analyses.survey", "nps"), "csat": ("cxlib.analyses.survey", "csat"), "ces": ("cxlib.analyses.survey", "ces"),
    "FunnelSpec": ("cxlib.analyses.funnel", "FunnelSpec"), "Step": ("cxlib.analyses.funnel", "Step"),
    "funnel": ("cxlib.analyses.funnel", "funnel"),
    "RFMSpec": ("cxlib.analyses.segments", "RFMSpec"), "compute_rfm": ("cxlib.analyses.segments", "compute_rfm"),
    "rfm": ("cxlib.analyses.segments", "compute_rfm"), "rule_segment": ("cxlib.analyses.segment_members", "rule_segment"),
    "compare_segments": ("cxlib.analyses.compare", "compare_segments"),
    "CohortSpec": ("cxlib.analyses.retention", "CohortSpec"), "ChurnSpec": ("cxlib.analyses.retention", "ChurnSpec"),
    "cohort_table": ("cxlib.analyses.retention", "cohort_table"), "churn_rate": ("cxlib.analyses.retention", "churn_rate"),
    "churn_trend": ("cxlib.analyses.churn", "churn_trend"), "retention_rate": ("cxlib.analyses.retention", "retention_rate"),
    "CLVSpec": ("cxlib.analyses.clv", "CLVSpec"), "historical_clv": ("cxlib.analyses.clv", "historical_clv"),
    "predict_clv": ("cxlib.analyses.clv", "predict_clv"),
    "PropensitySpec": ("cxlib.analyses.propensity_result", "PropensitySpec"),
    "propensity": ("cxlib.analyses.propensity", "propensity"),
    "TagSpec": ("cxlib.analyses.tags", "TagSpec"), "customer_tags": ("cxlib.analyses.tags", "customer_tags"),
    "trigger_lists": ("cxlib.analyses.tags", "trigger_lists"),
    "ExperimentSpec": ("cxlib.analyses.experiment", "ExperimentSpec"), "abtest": ("cxlib.analyses.experiment", "analyze"),
    "analyze": ("cxlib.analyses.experiment", "analyze"), "analyze_counts": ("cxlib.analyses.experiment", "analyze_counts"),
    "conversions_from_events": ("cxlib.analyses.experiment_events", "conversions_from_events"),
    "sample_size": ("cxlib.analyses.power", "sample_size"), "achieved_power": ("cxlib.analyses.power", "achieved_power"),
    "minimum_detectable_effect": ("cxlib.analyses.power", "minimum_detectable_effect"),
    "open_analysis": ("cxlib.saved.replay", "open_analysis"), "make_spec": ("cxlib.saved.replay", "make_spec"),
    "spec_to_file": ("cxlib.saved.replay", "spec_to_file"), "Analysis": ("cxlib.saved.replay", "Analysis"),
    "AnalysisSpec": ("cxlib.saved.workspace", "AnalysisSpec"), "Workspace": ("cxlib.saved.workspace", "Workspace"),
    "chart": ("cxlib.present.display", "chart"), "chart_kinds": ("cxlib.present.display", "chart_kinds"),
    "to_html": ("cxlib.present.display", "to_html"),
    # every page's analysis, one call away
    "scorecard": ("cxlib.analyses.scorecard", "build"),
    "orders": ("cxlib.analyses.orders", "summarize"), "orders_over_time": ("cxlib.analyses.orders", "over_time"),
    "orders_by": ("cxlib.analyses.orders", "by_field"), "customer_table": ("cxlib.analyses.orders", "customer_table"),
    "survey": ("cxlib.analyses.survey", "summarize"), "survey_by": ("cxlib.analyses.survey", "by_segment"),
    "survey_over_time": ("cxlib.analyses.survey", "over_time"), "comments": ("cxlib.analyses.survey", "comments"),
    "support": ("cxlib.analyses.support", "summarize"), "support_over_time": ("cxlib.analyses.support", "over_time"),
    "event_counts": ("cxlib.analyses.funnel", "event_counts"),
    "customer_view": ("cxlib.analyses.segments", "build_customer_view"), "segment_groups": ("cxlib.analyses.compare", "segment_groups"),
    "value_tier_frame": ("cxlib.analyses.segments", "value_tier_frame"), "members_frame": ("cxlib.analyses.segment_members", "members_frame"),
    "memo_markdown": ("cxlib.present.memo", "memo_markdown"), "memo_html": ("cxlib.present.memo", "memo_html"),
    # customer 360
    "customers": ("cxlib.analyses.customers", "customers"), "CustomersSpec": ("cxlib.analyses.customers", "CustomersSpec"),
    "IdentitySpec": ("cxlib.data.identity", "IdentitySpec"),
    "channels": ("cxlib.analyses.channels", "channels"), "ChannelsSpec": ("cxlib.analyses.channels", "ChannelsSpec"),
    "timing": ("cxlib.analyses.timing", "timing"), "TimingSpec": ("cxlib.analyses.timing", "TimingSpec"),
}
__all__ = sorted(["CxDataError", "CxLimitError", "CxNeedsMapping", *_LAZY])


def __getattr__(name: str):
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cxlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
