"""CX Workbench analysis library: load customer-experience exports, compute trustworthy metrics.

No Streamlit here: everything is usable from a notebook or ``python -m cxlib``.

    >>> import cxlib as cx
    >>> orders = cx.load("sample_data/orders_shopify.csv")
    >>> cx.rfm(orders).segment_counts                                 # doctest: +SKIP

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
    "load_bytes": ("cxlib.loader", "load_bytes"),
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
}

__all__ = sorted(["ColumnIssue", "CxDataError", "CxLimitError", "CxNeedsMapping", "Dataset", "Report", *_LAZY])
__version__ = "0.1.0"


class _CallableModule(types.ModuleType):
    """A submodule named like its main function (``cxlib.funnel``): calling the module calls the function.

    Importing ``cxlib.funnel`` binds the package attribute ``funnel`` to the module, so ``cx.funnel``
    must work both as ``cx.funnel(ds, spec)`` and as ``from cxlib import funnel as fn; fn.FunnelSpec``.
    """

    def __call__(self, *args, **kwargs):
        return getattr(self, self.__name__.rsplit(".", 1)[1])(*args, **kwargs)


def _callable(module: types.ModuleType) -> types.ModuleType:
    if not isinstance(module, _CallableModule):
        module.__class__ = _CallableModule
    return module


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
