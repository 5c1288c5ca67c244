"""The one registry of analyses: every page of the app and every command of ``python -m cxlib``.

An :class:`Analysis` is a page that can be saved and replayed: its name (stored in saved specs), the
role of its primary dataset, its label (the app's page title), the module that computes it, its Spec
and its runner ``(datasets, options, definitions) -> Result`` (:mod:`cxlib.analyses.runners`).
A :class:`Command` is one command of the command line: the analysis whose result it prints, the
role of its FILE, its help line, and its glue (``cli_arguments(parser)`` adds its options,
``cli_run(dataset, args, definitions) -> dict`` computes the JSON object; the commands whose
analysis module has no glue of its own have theirs in :mod:`cxlib.analyses.commands`). Saved analyses
(:mod:`cxlib.saved.replay`) and the command line (:mod:`cxlib.cli.main`) both read these tables.

Everything is named by dotted path and imported when used, so reading the registry (``--help``)
imports no pandas, scipy or DuckDB.

Adding an analysis: its module (spec + computation -> Result), its view in
``cxlib.present.display``, one :class:`Analysis` line and/or one :class:`Command` line here, and its page.

>>> [c.name for c in COMMANDS][:4]
['orders', 'survey', 'support', 'funnel']
>>> ANALYSES_BY_NAME["funnel"].spec_class().__name__
'FunnelSpec'
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from cxlib.core.messages import N_


def _attr(path: str):
    """``"package.module:name"`` -> the object (the module is imported now, not before)."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Analysis:
    """A page that can be saved and reopened: its primary role, its module and Spec, how to run it."""

    name: str                        # stored in saved specs ("funnel"); never translated
    role: str | None                 # role of the primary dataset (None: any, e.g. the scorecard)
    label: str                       # what people read (the app's page title), marked for translation
    module: str                      # the module that computes it
    runner: str                      # "module:function": (datasets, options, defs) -> Result
    spec: str | None = None          # its Spec class in ``module`` (options are its JSON), if one

    def run(self, datasets, options: dict, defs):
        return _attr(self.runner)(datasets, options, defs)

    def spec_class(self) -> type | None:
        return _attr(f"{self.module}:{self.spec}") if self.spec else None


@dataclass(frozen=True)
class Command:
    """A command of ``python -m cxlib``: ``python -m cxlib NAME FILE [options] --json``."""

    name: str
    analysis: str | None             # the Analysis whose figures it prints (None: a command of its own)
    role: str | None                 # role the FILE must have (None: any)
    help: str                        # one line, shown by --help (the README's command list too)
    glue: str                        # module with {prefix}_arguments(parser), {prefix}_run(ds, args, defs) -> dict
    prefix: str = "cli"

    def add_arguments(self, parser) -> None:
        _attr(f"{self.glue}:{self.prefix}_arguments")(parser)

    def run(self, ds, args, defs) -> dict:
        return _attr(f"{self.glue}:{self.prefix}_run")(ds, args, defs)


_R = "cxlib.analyses.runners"
ANALYSES: tuple[Analysis, ...] = (
    Analysis("scorecard", None, N_("Scorecard"), "cxlib.analyses.scorecard", f"{_R}:run_scorecard"),
    Analysis("survey", "responses", N_("Survey"), "cxlib.analyses.survey", f"{_R}:run_survey"),
    Analysis("orders", "orders", N_("Orders"), "cxlib.analyses.orders", f"{_R}:run_orders"),
    Analysis("support", "tickets", N_("Support"), "cxlib.analyses.support", f"{_R}:run_support"),
    Analysis("funnel", "events", N_("Funnels"), "cxlib.analyses.funnel", f"{_R}:run_funnel", "FunnelSpec"),
    Analysis("segments", "orders", N_("Segments"), "cxlib.analyses.segment_analysis", f"{_R}:run_segments",
             "SegmentsSpec"),
    Analysis("retention", "orders", N_("Retention"), "cxlib.analyses.retention", f"{_R}:run_retention"),
    Analysis("experiment", "experiment", N_("Experiments"), "cxlib.analyses.experiment", f"{_R}:run_experiment",
             "ExperimentSpec"),
    Analysis("customers", "orders", N_("Customers"), "cxlib.analyses.customers", f"{_R}:run_customers",
             "CustomersSpec"),
    Analysis("timing", None, N_("Engagement"), "cxlib.analyses.timing", f"{_R}:run_timing", "TimingSpec"),
    Analysis("channels", "messages", N_("Engagement"), "cxlib.analyses.channels", f"{_R}:run_channels", "ChannelsSpec"),
    Analysis("propensity", "orders", N_("Engagement"), "cxlib.analyses.propensity", f"{_R}:run_propensity",
             "PropensitySpec"),
)
ANALYSES_BY_NAME: dict[str, Analysis] = {a.name: a for a in ANALYSES}

_C = "cxlib.analyses.commands"
COMMANDS: tuple[Command, ...] = (
    Command("orders", "orders", "orders", "order metrics: orders, customers, net revenue, repeat customers",
            "cxlib.analyses.orders"),
    Command("survey", "survey", "responses", "NPS, CSAT and CES from survey responses", "cxlib.analyses.survey"),
    Command("support", "support", "tickets", "first reply times, SLA and ticket CSAT", "cxlib.analyses.support"),
    Command("funnel", "funnel", "events", "funnel users and conversion per step", "cxlib.analyses.funnel"),
    Command("abtest", "experiment", "experiment", "A/B test: lifts, p-values, SRM and a verdict",
            "cxlib.analyses.experiment"),
    Command("rfm", "segments", "orders", "RFM scores and named segments", "cxlib.analyses.segments"),
    Command("compare", "segments", "orders", "compare customer groups (RFM segments, NPS bands, rule segments) "
            "on a metric, with confidence intervals", _C, "compare"),
    Command("cohorts", "retention", "orders", "monthly retention cohorts", "cxlib.analyses.retention"),
    Command("churn", "retention", "orders", "churn rate, retention rate and the churn trend",
            _C, "churn"),
    Command("clv", "retention", "orders", "predicted customer lifetime value (BG/NBD and Gamma-Gamma)",
            _C, "clv"),
    Command("scorecard", "scorecard", None, "the scorecard's metrics against their targets (one file of each "
            "role: orders, responses, tickets, events)", _C, "scorecard"),
    Command("customers", "customers", "orders", "Customer 360: orders, customers, survey and tickets joined per "
            "person; NPS, tickets and revenue by group", "cxlib.analyses.customers"),
    Command("propensity", "propensity", "orders", "readiness score: probability of a valid order within the horizon, "
            "with its backtest", "cxlib.analyses.propensity"),
    Command("timing", "timing", None, "orders, events, answers or tickets by weekday and hour in the shop's "
            "time zone", "cxlib.analyses.timing"),
    Command("channels", "channels", "messages", "click, conversion and unsubscribe rates per message sent, by "
            "channel; send hour and fatigue", "cxlib.analyses.channels"),
)
COMMANDS_BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}

__all__ = ["ANALYSES", "ANALYSES_BY_NAME", "COMMANDS", "COMMANDS_BY_NAME", "Analysis", "Command"]
