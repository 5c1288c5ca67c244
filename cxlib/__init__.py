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
import sys
import types

from cxlib.dataset import ColumnIssue, Dataset, Report
from cxlib.errors import CxDataError, CxLimitError, CxNeedsMapping

_LAZY: dict[str, tuple[str, str]] = {
    "load": ("cxlib.loader", "load_path"), "load_path": ("cxlib.loader", "load_path"),
    "load_bytes": ("cxlib.loader", "load_bytes"), "connect": ("cxlib.sources", "connect"),
    "DefinitionSet": ("cxlib.definitions", "DefinitionSet"), "METRICS": ("cxlib.definitions", "METRICS"),
    "METRICS_BY_NAME": ("cxlib.definitions", "METRICS_BY_NAME"),
    "nps": ("cxlib.survey", "nps"), "csat": ("cxlib.survey", "csat"), "ces": ("cxlib.survey", "ces"),
    # funnel names resolve through cxlib.analyses (same objects) until FunnelResult inherits Displayable
    "FunnelSpec": ("cxlib.analyses", "FunnelSpec"), "Step": ("cxlib.analyses", "Step"),
    "funnel": ("cxlib.analyses", "funnel"),      # see _callable: the module cxlib.funnel, callable
    "RFMSpec": ("cxlib.segments", "RFMSpec"), "compute_rfm": ("cxlib.segments", "compute_rfm"),
    "rfm": ("cxlib.segments", "compute_rfm"), "rule_segment": ("cxlib.segments", "rule_segment"),
    "compare_segments": ("cxlib.compare", "compare_segments"),
    "CohortSpec": ("cxlib.retention", "CohortSpec"), "ChurnSpec": ("cxlib.retention", "ChurnSpec"),
    "cohort_table": ("cxlib.retention", "cohort_table"), "churn_rate": ("cxlib.retention", "churn_rate"),
    "churn_trend": ("cxlib.retention", "churn_trend"), "retention_rate": ("cxlib.retention", "retention_rate"),
    "CLVSpec": ("cxlib.clv", "CLVSpec"), "historical_clv": ("cxlib.clv", "historical_clv"),
    "predict_clv": ("cxlib.clv", "predict_clv"),
    "PropensitySpec": ("cxlib.propensity", "PropensitySpec"),
    "propensity": ("cxlib.propensity", "propensity"),       # the module cxlib.propensity, callable (see _callable)
    "TagSpec": ("cxlib.tags", "TagSpec"), "customer_tags": ("cxlib.tags", "customer_tags"),
    "trigger_lists": ("cxlib.tags", "trigger_lists"),
    "ExperimentSpec": ("cxlib.experiment", "ExperimentSpec"), "abtest": ("cxlib.experiment", "analyze"),
    "analyze": ("cxlib.experiment", "analyze"), "analyze_counts": ("cxlib.experiment", "analyze_counts"),
    "conversions_from_events": ("cxlib.experiment", "conversions_from_events"),
    "sample_size": ("cxlib.power", "sample_size"), "achieved_power": ("cxlib.power", "achieved_power"),
    "minimum_detectable_effect": ("cxlib.power", "minimum_detectable_effect"),
    "open_analysis": ("cxlib.analyses", "open_analysis"), "make_spec": ("cxlib.analyses", "make_spec"),
    "spec_to_file": ("cxlib.analyses", "spec_to_file"), "Analysis": ("cxlib.analyses", "Analysis"),
    "AnalysisSpec": ("cxlib.workspace", "AnalysisSpec"), "Workspace": ("cxlib.workspace", "Workspace"),
    "chart": ("cxlib.display", "chart"), "chart_kinds": ("cxlib.display", "chart_kinds"),
    "to_html": ("cxlib.display", "to_html"),
    # every page's analysis, one call away (cx.orders is also the module cxlib.orders: see _CALLABLE)
    "scorecard": ("cxlib.scorecard", "build"),
    "orders": ("cxlib.orders", "summarize"), "orders_over_time": ("cxlib.orders", "over_time"),
    "orders_by": ("cxlib.orders", "by_field"), "customer_table": ("cxlib.orders", "customer_table"),
    "survey": ("cxlib.survey", "summarize"), "survey_by": ("cxlib.survey", "by_segment"),
    "survey_over_time": ("cxlib.survey", "over_time"), "comments": ("cxlib.survey", "comments"),
    "support": ("cxlib.support", "summarize"), "support_over_time": ("cxlib.support", "over_time"),
    "event_counts": ("cxlib.funnel", "event_counts"),
    "customer_view": ("cxlib.segments", "build_customer_view"), "segment_groups": ("cxlib.compare", "segment_groups"),
    "value_tier_frame": ("cxlib.segments", "value_tier_frame"), "members_frame": ("cxlib.segments", "members_frame"),
    "memo_markdown": ("cxlib.memo", "memo_markdown"), "memo_html": ("cxlib.memo", "memo_html"),
    # customer 360: the module cxlib.customers is callable (see _callable), like cxlib.funnel
    "customers": ("cxlib.customers", "customers"), "CustomersSpec": ("cxlib.customers", "CustomersSpec"),
    "IdentitySpec": ("cxlib.identity", "IdentitySpec"),
}
# Short names that are also submodules: importing the submodule binds the package attribute to the
# module, so the module itself must be callable (it calls the name's function).
_CALLABLE = frozenset({"funnel", "orders", "survey", "support", "scorecard", "customers", "propensity"})

__all__ = sorted(["ColumnIssue", "CxDataError", "CxLimitError", "CxNeedsMapping", "Dataset", "Report", *_LAZY])
__version__ = "0.1.0"


class _CallableModule(types.ModuleType):
    """A submodule named like a page's analysis (``cxlib.orders``): calling the module calls the function
    of the public name (``cx.orders(ds)`` is ``cxlib.orders.summarize(ds)``).

    Importing ``cxlib.orders`` binds the package attribute ``orders`` to the module, so ``cx.orders``
    must work both as ``cx.orders(ds)`` and as ``from cxlib import orders; orders.over_time``.
    """

    def __call__(self, *args, **kwargs):
        module, attr = _LAZY[self.__name__.rsplit(".", 1)[1]]
        return getattr(importlib.import_module(module), attr)(*args, **kwargs)


def _callable(module: types.ModuleType) -> types.ModuleType:
    if not isinstance(module, _CallableModule):
        module.__class__ = _CallableModule
    return module


class _Package(types.ModuleType):
    """The package itself: a submodule in ``_CALLABLE`` becomes callable as the import system binds it."""

    def __setattr__(self, name: str, value) -> None:
        if name in _CALLABLE and isinstance(value, types.ModuleType) and value.__name__ == f"{__name__}.{name}":
            value = _callable(value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        if f"{__name__}.{name}" in sys.modules:        # a submodule of that name: never shadow it
            return _callable(sys.modules[f"{__name__}.{name}"])
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cxlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
