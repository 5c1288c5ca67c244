"""What every page computes from (datasets, options, definitions): one runner per analysis page.

The registry (:mod:`cxlib.analyses.registry`) names each page's runner; saved analyses
(:mod:`cxlib.saved.replay`) and ``python -m cxlib run SPEC.json`` replay them, so the app, a notebook
and the command line give the same result. :func:`options_of` goes the other way: the page and options
that reproduce a result object. The options of each page are listed in :mod:`cxlib.saved.replay`.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from cxlib.core.definitions import DefinitionSet
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg
from cxlib.data.dataset import Dataset


def _option(options: Mapping, key: str, allowed: tuple[str, ...], default: str) -> str:
    value = options.get(key, default)
    if value not in allowed:
        raise CxDataError(msg("unknown {option} {value!r} in the saved analysis.", option=key, value=value),
                          hint=msg("Use one of: {options}.", options=", ".join(allowed)))
    return value


def _need(options: Mapping, key: str, page: str) -> str:
    value = options.get(key)
    if not value:
        raise CxDataError(msg("the {page} analysis needs the option {option!r}.", page=page, option=key),
                          hint=msg("Add \"{option}\": ... to its options.", option=key))
    return value


def _of_role(datasets: list[Dataset], role: str) -> Dataset | None:
    return next((d for d in datasets if d.role == role), None)


def _primary(datasets: list[Dataset], role: str, page: str) -> Dataset:
    ds = datasets[0]
    if ds.role != role:
        from cxlib.data.roles import role_noun
        from cxlib.analyses.registry import ANALYSES_BY_NAME
        label = ANALYSES_BY_NAME[page].label if page in ANALYSES_BY_NAME else page
        # TRANSLATORS: {page} is a page title (Funnels, Orders...); {role} and {file_role} kinds of data
        raise CxDataError(msg("the {page} page analyses {role} data, but '{file}' is {file_role} data.",
                              page=Msg(label), role=role_noun(role), file=ds.name, file_role=role_noun(ds.role)),
                          file=ds.name, hint=msg("Choose a file of {role} data.", role=role_noun(role)))
    return ds


# ---------------------------------------------------------------------------------------------
# Runners: (datasets, options, definitions) -> result, exactly as the page computes it
def run_scorecard(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    from cxlib.analyses import scorecard
    return scorecard.build(datasets, defs)


def run_survey(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    from cxlib.analyses import survey
    ds = _primary(datasets, "responses", "survey")
    view = _option(options, "view", ("summary", "trend", "segment"), "summary")
    if view == "summary":
        return survey.summarize(ds, defs)
    metric = _option(options, "metric", ("nps", "csat", "ces"), "nps")
    if view == "trend":
        return survey.over_time(ds, metric, _option(options, "freq", ("month", "week"), "month"), defs)
    return survey.by_segment(ds, metric, _need(options, "by", "survey"), defs)


def run_orders(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    from cxlib.analyses import orders
    ds = _primary(datasets, "orders", "orders")
    view = _option(options, "view", ("summary", "trend", "by"), "summary")
    if view == "summary":
        return orders.summarize(ds, defs)
    if view == "trend":
        return orders.over_time(ds, _option(options, "freq", ("month", "week", "day"), "month"), defs)
    return orders.by_field(ds, _need(options, "by", "orders"), defs)


def run_support(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    from cxlib.analyses import support
    ds = _primary(datasets, "tickets", "support")
    view = _option(options, "view", ("summary", "trend"), "summary")
    if view == "trend":
        return support.over_time(ds, _option(options, "freq", ("week", "month"), "week"), defs)
    return support.summarize(ds, defs, customers=_of_role(datasets[1:], "customers"),
                             sla_hours=options.get("sla_hours"))


def run_funnel(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    from cxlib.analyses import funnel
    ds = _primary(datasets, "events", "funnel")
    if not options.get("steps"):
        raise CxDataError(msg("the funnel analysis has no steps."), hint=msg('Add "steps": ["view_item", "purchase"].'))
    return funnel.funnel(ds, funnel.FunnelSpec.from_json(options))


def run_segments(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    from cxlib.analyses import segment_analysis
    from cxlib.analyses import segments
    ds = _primary(datasets, "orders", "segments")
    if options.get("rule_segments") or options.get("compare"):
        extra = {role: _of_role(datasets[1:], role) for role in ("customers", "responses", "tickets")}
        return segment_analysis.analyze_segments(ds, segment_analysis.SegmentsSpec.from_json(options), defs=defs,
                                                 **extra)
    spec = (segments.RFMSpec.from_json(options) if options
            else segments.RFMSpec.from_definitions(defs))
    return segments.compute_rfm(ds, spec)


# The Retention page's RFM breakdowns; the label names the breakdown in titles ("Historical CLV by {field}").
RFM_BY = {"segment": msg("RFM segment"), "value_tier": msg("Value tier")}


def run_retention(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    from cxlib.analyses import clv
    from cxlib.analyses import churn as churn_mod
    from cxlib.analyses import retention
    ds = _primary(datasets, "orders", "retention")
    view = _option(options, "view", ("cohorts", "churn", "retention_rate", "churn_trend", "churn_list", "clv",
                                     "historical_clv"), "cohorts")
    cohort = retention.CohortSpec.from_json(options.get("cohort") or defs.retention.to_json())
    churn = retention.ChurnSpec.from_json(options.get("churn") or defs.churn.to_json())
    if view == "cohorts":
        return retention.cohort_table(ds, cohort, defs=defs)
    if view == "churn":
        return retention.churn_rate(ds, churn, defs=defs)
    if view == "retention_rate":
        return retention.retention_rate(ds, churn, defs=defs)
    if view == "churn_trend":
        return churn_mod.churn_trend(ds, churn, options.get("freq", cohort.period), defs=defs)
    if view == "churn_list":
        return churn_mod.churn_list(ds, churn, options.get("at_risk_days"), defs=defs)
    clv_spec = clv.CLVSpec.from_json(options.get("clv") or defs.clv.to_json())
    if view == "clv":
        return clv.predict_clv(ds, clv_spec, defs=defs)
    by = options.get("by") or None
    if by in RFM_BY:                 # as the Retention page: RFM labels as of the calibration end
        import pandas as pd
        from cxlib.analyses.segments import RFMSpec, compute_rfm
        as_of = date.fromisoformat(clv_spec.calibration_end) if clv_spec.calibration_end else None
        rfm = compute_rfm(ds, RFMSpec.from_definitions(defs, as_of=as_of)).customers
        labels = pd.Series(rfm[by].astype("string").to_numpy(), index=rfm["customer_id"], name=RFM_BY[by])
        return clv.historical_clv(ds, segments=labels, defs=defs)
    return clv.historical_clv(ds, by=by, defs=defs)


def run_experiment(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    from cxlib.analyses import experiment
    ds = _primary(datasets, "experiment", "experiment")
    spec = experiment.ExperimentSpec.from_json(options)
    orders = _of_role(datasets[1:], "orders") if spec.metric == "revenue" else None
    return experiment.analyze(ds, spec, orders=orders, defs=defs)


# ---------------------------------------------------------------------------------------------
# The other way: the page and options of a result
def run_customers(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    from cxlib.analyses import customers
    extra = {role: _of_role(datasets[1:], role) for role in ("customers", "responses", "tickets")}
    return customers.customers(_primary(datasets, "orders", "customers"), spec=customers.CustomersSpec.from_json(options),
                               defs=defs, **extra)


def run_timing(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    from cxlib.analyses import timing
    return timing.timing(datasets[0], timing.TimingSpec.from_json(options), defs)


def run_channels(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    from cxlib.analyses import channels
    return channels.channels(_primary(datasets, "messages", "channels"), channels.ChannelsSpec.from_json(options))


def run_propensity(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    from cxlib.analyses import propensity
    return propensity.propensity(_primary(datasets, "orders", "propensity"), _of_role(datasets[1:], "events"),
                                 propensity.PropensitySpec.from_json(options), defs=defs)


def options_of(result: object) -> tuple[str, dict]:
    """Page and options that reproduce ``result`` (for results that carry their settings)."""
    name = type(result).__name__
    if name == "FunnelResult":
        return "funnel", result.spec.to_json()
    if name in ("CustomersResult", "TimingResult", "ChannelsResult", "PropensityResult"):
        page = {"CustomersResult": "customers", "TimingResult": "timing", "ChannelsResult": "channels",
                "PropensityResult": "propensity"}[name]
        return page, result.spec.to_json()
    if name in ("RFMResult", "SegmentsResult"):
        return "segments", result.spec.to_json()
    if name == "ExperimentResult":
        if not result.data_hash:
            raise CxDataError(msg("an A/B test typed in as counts has no dataset to save."),
                              hint=msg("Save the counts yourself, or analyse the unit-level file."))
        return "experiment", result.spec.to_json()
    if name == "CohortResult":
        return "retention", {"view": "cohorts", "cohort": result.spec.to_json()}
    if name == "ChurnTrend":
        return "retention", {"view": "churn_trend", "churn": result.spec.to_json(), "freq": result.freq}
    if name == "ChurnList":
        return "retention", {"view": "churn_list", "churn": result.spec.to_json(), "at_risk_days": result.at_risk_days}
    if name == "CLVResult":
        return "retention", {"view": "clv", "clv": result.spec.to_json()}
    if name == "HistoricalCLV":
        by = {v: k for k, v in RFM_BY.items()}.get(result.by, result.by)
        return "retention", {"view": "historical_clv", "by": by}
    if name == "GroupedResult":
        if result.by in ("week", "month"):
            return "survey", {"view": "trend", "metric": result.metric, "freq": result.by}
        return "survey", {"view": "segment", "metric": result.metric, "by": result.by}
    if name == "OrdersTable":
        return "orders", ({"view": "trend", "freq": result.freq} if result.freq else {"view": "by", "by": result.by})
    if name == "SupportTrend":
        return "support", {"view": "trend", "freq": result.freq}
    simple = {"SurveySummary": "survey", "OrdersSummary": "orders", "SupportSummary": "support",
              "Scorecard": "scorecard"}
    if name in simple:
        return simple[name], ({"view": "summary"} if name != "Scorecard" else {})
    raise CxDataError(msg("cannot tell how to reproduce a {name} from the object alone.", name=name),
                      hint=msg("Call make_spec(page_name, dataset, options) with the page's options."))


__all__ = ["RFM_BY", "options_of", "run_experiment", "run_funnel", "run_orders", "run_retention", "run_scorecard",
           "run_segments", "run_support", "run_survey"]
