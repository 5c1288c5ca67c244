"""How results are shown: titles, definition sentences, charts and the notebook card, per result type.

This module is the *presenter* of :mod:`cxlib.core.result` (installed by ``cxlib/__init__.py``):
each result type registers one :class:`View` (``view_of`` dispatches on the type with
:func:`functools.singledispatch`). Every result class inherits :class:`~cxlib.core.result.Result`,
so in Jupyter a result renders as a compact card (title, summary, the definition sentence, the head of ``to_frame()``, warnings) and
``result.chart()`` returns the same Altair chart the app page shows for it. Everything that can come
from a file (names, labels, comments, warnings) is escaped with :func:`html.escape`; the HTML uses no
external resource (no script, no stylesheet link).

Chart builders live in ``cxlib/present/charts_*.py`` and are imported only when a chart is asked for;
this module itself is imported on a result's first ``title()``/``chart()``/card, so ``import cxlib`` stays light.

Titles and definition sentences (:func:`title_of`, :func:`definition_of`) are
:class:`~cxlib.core.messages.Msg` sentences, so a page can show them in its language; the HTML card
itself is for notebooks and stays English.

Examples
--------
>>> import cxlib as cx
>>> res = cx.rfm(cx.load("sample_data/orders_shopify.csv"))
>>> html = res._repr_html_()                 # what Jupyter shows: the card
>>> cx.chart_kinds(res)                      # res.chart() is the first, as on the Segments page
('segments', 'grid', 'value_tiers')
>>> res.chart("grid").to_dict()["title"]      # labels sized to their text: a long title wraps onto lines
['Customers by recency and', 'frequency/monetary score']
"""
from __future__ import annotations

import functools
import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from cxlib.analyses.channels import ChannelsResult
from cxlib.analyses.clv import CLVResult, HistoricalCLV
from cxlib.analyses.compare import Comparison
from cxlib.analyses.customers import CustomersResult
from cxlib.analyses.experiment import ExperimentResult
from cxlib.analyses.funnel import FunnelResult
from cxlib.analyses.orders import OrdersSummary, OrdersTable
from cxlib.analyses.power import PowerPlan
from cxlib.analyses.propensity import PropensityResult
from cxlib.analyses.retention import CohortResult, RateResult
from cxlib.analyses.churn import ChurnList, ChurnTrend
from cxlib.analyses.scorecard import Scorecard
from cxlib.analyses.segment_analysis import SegmentsResult
from cxlib.analyses.segments import RFMResult
from cxlib.analyses.segment_members import RuleSegment
from cxlib.analyses.support import SupportSummary, SupportTrend
from cxlib.analyses.survey import GroupedResult, NpsResult, ScaleResult, SurveySummary
from cxlib.analyses.timing import TimingResult
from cxlib.core.errors import CxDataError
from cxlib.core.messages import N_, msg

if TYPE_CHECKING:                    # pragma: no cover - typing only
    import altair as alt

    from cxlib.core.definitions import DefinitionSet

MAX_ROWS = 10                        # rows of to_frame() shown in the HTML card
MAX_WARNINGS = 20


# ---------------------------------------------------------------------------------------------
# What each result class shows: a title, a definition sentence and its charts (first = default)
ChartFn = Callable[..., "alt.TopLevelMixin"]


@dataclass(frozen=True)
class View:
    title: Callable[[object], str]
    definition: Callable[[object], str]
    charts: dict[str, ChartFn]
    default_chart: Callable[[object], str | None] = lambda res: None
    available: Callable[[object, str], bool] = lambda res, kind: True     # e.g. no breakdown chart without one


def _defs(defs: DefinitionSet | None) -> DefinitionSet:
    from cxlib.core.definitions import DefinitionSet
    return defs if defs is not None else DefinitionSet.default()


def _cs():
    from cxlib.present import charts_scorecard
    return charts_scorecard


def _cr():
    from cxlib.present import charts_retention
    return charts_retention


def _cseg():
    from cxlib.present import charts_segments
    return charts_segments


def _cexp():
    from cxlib.present import charts_experiment
    return charts_experiment


def _ctim():
    from cxlib.present import charts_timing
    return charts_timing


def _cchan():
    from cxlib.present import charts_channels
    return charts_channels


def _cprop():
    from cxlib.present import charts_propensity
    return charts_propensity


def _cfun():
    from cxlib.present import charts_funnel
    return charts_funnel


def _ccus():
    from cxlib.present import charts_customers
    return charts_customers


def _survey_unit(metric: str, defs: DefinitionSet) -> str:
    """The value unit the Survey page uses: NPS points, CSAT % (top-2-box mode) or scale points."""
    return {"nps": N_("pts"), "csat": "%" if defs.csat.mode == "top2_pct" else ""}.get(metric, "")


def _nps_chart(res, defs=None, promoter_min: int | None = None, detractor_max: int | None = None):
    d = _defs(defs).nps
    return _cs().nps_distribution(res, d.promoter_min if promoter_min is None else promoter_min,
                                  d.detractor_max if detractor_max is None else detractor_max)


def _grouped_trend(res, defs=None, unit: str | None = None, target: float | None = None):
    d = _defs(defs)
    return _cs().grouped_trend(res, unit=_survey_unit(res.metric, d) if unit is None else unit,
                               target=d.target(res.metric) if target is None else target)


def _grouped_bars(res, defs=None, unit: str | None = None):
    return _cs().grouped_bars(res, unit=_survey_unit(res.metric, _defs(defs)) if unit is None else unit)


def _summary_part(metric: str) -> ChartFn:
    def build(res, defs=None, **options):
        part = getattr(res, metric)
        if part is None:
            raise CxDataError(msg("this survey has no {metric} answers to chart.", metric=metric.upper()),
                              hint=msg("Use one of: {options}.", options=", ".join(chart_kinds(res))))
        return chart(part, defs=defs, **options)
    return build


def _rfm_tiers(res, defs=None, title: str | None = None):          # None: the builder's own (translated) title
    from cxlib.analyses.segments import value_tier_frame
    return _cseg().value_tier_chart(value_tier_frame(res.customers), title=title)


def _no_defs(builder: Callable[[], ChartFn]) -> ChartFn:
    """Adapt a builder ``f(result, **options)`` that needs no definitions."""
    def build(res, defs=None, **options):
        return builder()(res, **options)
    return build


_NPS_TEXT = msg("NPS = % promoters minus % detractors among valid 0-10 answers (bands of the definitions in use); "
                "95% CI from the multinomial variance.")
_SCALE_TEXT = {"csat": msg("CSAT: share of answers in the top two boxes (Wilson 95% CI) and mean answer (t interval)."),
               "ces": msg("CES: share of easy answers (Wilson 95% CI) and mean answer (t interval).")}
_HIST_CLV_TEXT = msg("Historical CLV = net revenue of a customer's valid orders so far (amount minus refunds).")
_SCALE_TITLE = {"csat": msg("CSAT"), "ces": msg("CES")}


def _by_title(metric: str, by: str):
    """"NPS by month", "CSAT by week", "NPS by <column>": one template per kind of breakdown."""
    if by == "week":
        return msg("{metric} by week", metric=metric)
    if by == "month":
        return msg("{metric} by month", metric=metric)
    return msg("{metric} by {field}", metric=metric, field=by)


def _support_title(freq: str):
    if freq == "week":
        return msg("Support by week")
    if freq == "month":
        return msg("Support by month")
    return msg("Support by {period}", period=freq)


def _cohort_title(period: str):
    if period == "week":
        return msg("Retention by weekly cohort")
    if period == "month":
        return msg("Retention by monthly cohort")
    return msg("Retention by {period} cohort", period=period)

VIEWS: dict[type, View] = {
    NpsResult: View(lambda r: msg("NPS"), lambda r: _NPS_TEXT, {"distribution": _nps_chart}),
    ScaleResult: View(lambda r: _SCALE_TITLE.get(r.metric, r.metric.upper()),
                                     lambda r: _SCALE_TEXT.get(r.metric, ""),
                                     {"distribution": _no_defs(lambda: _cs().score_distribution)}),
    GroupedResult: View(
        lambda r: _by_title(r.metric.upper(), r.by), lambda r: r.description,
        {"trend": _grouped_trend, "segments": _grouped_bars},
        available=lambda r, kind: (kind == "trend") == (r.by in ("week", "month"))),
    SurveySummary: View(
        lambda r: msg("Survey scores"),
        lambda r: _NPS_TEXT if r.nps else _SCALE_TEXT.get("csat" if r.csat else "ces", ""),
        {m: _summary_part(m) for m in ("nps", "csat", "ces")},
        lambda r: next((m for m in ("nps", "csat", "ces") if getattr(r, m) is not None), None),
        lambda r, kind: getattr(r, kind) is not None),
    OrdersSummary: View(lambda r: msg("Orders"), lambda r: r.description,
                                       {"status": lambda r, defs=None: _cs().order_status(r.status_counts)}),
    OrdersTable: View(
        lambda r: msg("Net revenue over time") if r.freq else msg("Orders by {field}", field=r.by),
        lambda r: r.description,
        {"trend": _no_defs(lambda: _cs().revenue_trend), "by": _no_defs(lambda: _cs().orders_by)},
        available=lambda r, kind: (kind == "trend") == bool(r.freq)),
    SupportSummary: View(lambda r: msg("Support tickets"), lambda r: r.sla.describe(),
                                         {"channels": _no_defs(lambda: _cs().first_reply_by_channel)}),
    SupportTrend: View(lambda r: _support_title(r.freq), lambda r: r.description,
                                       {"trend": _no_defs(lambda: _cs().support_trend)}),
    Scorecard: View(
        lambda r: msg("CX scorecard"), lambda r: msg("Each metric is judged against its target using its 95% CI."),
        {"overview": lambda r, defs=None: _cs().scorecard_overview(r.tiles)}),
    RFMResult: View(
        lambda r: msg("RFM segments"), lambda r: r.spec.describe(),
        {"segments": _no_defs(lambda: _cseg().segment_share_chart), "grid": _no_defs(lambda: _cseg().rfm_grid_chart),
         "value_tiers": _rfm_tiers}),
    SegmentsResult: View(
        lambda r: msg("RFM segments"), lambda r: r.spec.describe(),
        {"segments": _no_defs(lambda: _cseg().segment_share_chart),
         "grid": lambda r, defs=None, **o: _cseg().rfm_grid_chart(r.rfm, **o),
         "value_tiers": lambda r, defs=None, **o: _rfm_tiers(r.rfm, **o),
         "compare": lambda r, defs=None, **o: _cseg().comparison_chart(r.comparison, **o)},
        available=lambda r, kind: kind != "compare" or r.comparison is not None),
    RuleSegment: View(lambda r: msg("Segment {name}", name=r.name), lambda r: r.describe(), {}),
    Comparison: View(lambda r: msg("{metric} by segment", metric=r.metric.label),
                                     lambda r: r.metric.describe(),
                                     {"segments": _no_defs(lambda: _cseg().comparison_chart)}),
    CohortResult: View(lambda r: _cohort_title(r.spec.period),
                                         lambda r: r.spec.describe(r.revenue),
                                         {"heatmap": _no_defs(lambda: _cr().cohort_heatmap)}),
    RateResult: View(
        lambda r: msg("Churn rate") if r.metric == "churn_rate" else msg("Retention rate"), lambda r: r.sentence, {}),
    ChurnList: View(lambda r: msg("Churned and at-risk customers"), lambda r: r.describe(), {}),
    ChurnTrend: View(lambda r: msg("Churn trend"), lambda r: r.spec.describe(r.revenue),
                                       {"trend": _no_defs(lambda: _cr().churn_trend_chart)}),
    HistoricalCLV: View(
        lambda r: msg("Historical CLV by {field}", field=r.by) if r.by else msg("Historical CLV"),
        lambda r: _HIST_CLV_TEXT,
        {"histogram": _no_defs(lambda: _cr().clv_histogram), "segments": _no_defs(lambda: _cr().clv_segments_chart)},
        lambda r: "segments" if r.by else "histogram", lambda r, kind: kind != "segments" or bool(r.by)),
    CLVResult: View(lambda r: msg("Predicted CLV"), lambda r: r.spec.describe(),
                                {"histogram": _no_defs(lambda: _cr().clv_histogram),
                                 "top": _no_defs(lambda: _cr().top_customers_chart)}),
    ExperimentResult: View(
        lambda r: msg("A/B test on {name}", name=r.dataset_name) if r.dataset_name else msg("A/B test"),
        lambda r: r.spec.describe(),
        {"lift": _no_defs(lambda: _cexp().lift_chart), "rates": _no_defs(lambda: _cexp().rates_chart)}),
    PowerPlan: View(lambda r: msg("Sample size plan"), lambda r: r.describe(), {}),
    TimingResult: View(
        lambda r: msg("When customers act"), lambda r: r.spec.describe(),
        {"counts": _no_defs(lambda: _ctim().count_heatmap), "rates": _no_defs(lambda: _ctim().rate_heatmap)},
        available=lambda r, kind: kind != "rates" or r.has_rates),
    ChannelsResult: View(
        lambda r: msg("Channels"), lambda r: r.spec.describe(),
        {"rates": _no_defs(lambda: _cchan().rates_chart), "send_hour": _no_defs(lambda: _cchan().send_hour_chart),
         "fatigue": _no_defs(lambda: _cchan().fatigue_chart)},
        available=lambda r, kind: kind == "rates" or "converted" in r.has),
    PropensityResult: View(
        lambda r: msg("Ready to buy in the next {days} days", days=r.horizon_days), lambda r: r.describe(),
        {"evidence": _no_defs(lambda: _cprop().auc_chart), "calibration": _no_defs(lambda: _cprop().calibration_chart),
         "gains": _no_defs(lambda: _cprop().gains_chart), "bands": _no_defs(lambda: _cprop().bands_chart)},
        available=lambda r, kind: kind == "bands" or len(r.backtest.calibration) > 0),
    FunnelResult: View(
        lambda r: msg("Funnel"), lambda r: r.spec.describe(),
        {"funnel": _no_defs(lambda: _cfun().funnel_chart), "breakdown": _no_defs(lambda: _cfun().breakdown_chart),
         "trend": _no_defs(lambda: _cfun().trend_chart),
         "time": lambda r, defs=None, step_index=2, bin_seconds=None, **o: _cfun().time_histogram_chart(
             r, step_index, bin_seconds, **o)},
        available=lambda r, kind: kind != "breakdown" or r.breakdown is not None),
    CustomersResult: View(
        lambda r: msg("Customer 360"), lambda r: _ccus().definition(r),
        {"breakdown": lambda r, defs=None, metric=None, **o: _ccus().scores_by_group(
            r, metric or next((m for m in ("nps", "csat", "ces") if r.groups.get(f"{m}_n", pd.Series()).sum()), "nps"),
            **o),
         "by_band": _no_defs(lambda: _ccus().by_band_chart), "band_value": _no_defs(lambda: _ccus().band_value_chart),
         "match": lambda r, defs=None, **o: _ccus().match_chart(r.resolution, **o)},
        available=lambda r, kind: {"breakdown": len(r.groups) > 0, "by_band": len(r.by_band) > 0,
                                   "band_value": len(r.band_value) > 0}.get(kind, True)),
}


@functools.singledispatch
def view_of(result: object) -> View | None:
    """The display description registered for a result's type (its closest base class), or None."""
    return None


for _cls, _view in VIEWS.items():
    view_of.register(_cls)(lambda result, _view=_view: _view)


def title_of(result: object) -> str:
    """The result's title (a ``Msg``; the class name for a result without a view)."""
    view = view_of(result)
    return view.title(result) if view else type(result).__name__


def definition_of(result: object) -> str:
    """The one-sentence definition shown under the result's figures ("" when none)."""
    view = view_of(result)
    try:
        return (view.definition(result) if view else "") or ""
    except Exception:                # noqa: BLE001 - display never fails on a missing attribute
        return ""


def chart_kinds(result: object) -> tuple[str, ...]:
    """Names accepted by ``result.chart(kind)``, default first.

    Examples
    --------
    >>> import cxlib as cx
    >>> chart_kinds(cx.abtest(cx.load("sample_data/experiment_checkout.csv")))
    ('lift', 'rates')
    """
    view = view_of(result)
    if view is None:
        return ()
    kinds = [k for k in view.charts if view.available(result, k)]
    first = view.default_chart(result)
    return tuple(([first] if first in kinds else []) + [k for k in kinds if k != first])


def chart(result: object, kind: str | None = None, *, defs: DefinitionSet | None = None,
          **options) -> alt.TopLevelMixin:
    """The Altair chart the app draws for ``result``.

    Parameters
    ----------
    result : any cxlib result object (``cx.nps(...)``, ``cx.rfm(...)``, ``cx.funnel(...)``, ...).
    kind : which chart when a result has several (``chart_kinds(result)``); default: the page's main one.
    defs : the definitions in use, for charts that depend on them (NPS bands, CSAT unit, targets);
        default ``DefinitionSet.default()``.
    **options : passed to the chart builder (e.g. ``title=``, ``currency=`` for order tables,
        ``column=`` for the support trend, ``step_index=``/``bin_seconds=`` for funnel times).

    Raises
    ------
    CxDataError
        When the result has no chart or ``kind`` is unknown.

    Examples
    --------
    >>> import cxlib as cx
    >>> survey = cx.load("sample_data/survey_responses.csv")
    >>> from cxlib.core.definitions import NpsDef
    >>> strict = cx.DefinitionSet.default().replace(nps=NpsDef(promoter_min=10))
    >>> spec = chart(cx.nps(survey, strict), defs=strict).to_dict()
    >>> spec["title"]
    'NPS: distribution of answers (n=881)'
    """
    view = view_of(result)
    kinds = chart_kinds(result)
    if view is None or not kinds:
        raise CxDataError(msg("{title} has no chart.", title=title_of(result)),
                          hint=msg("Use .to_frame() for its table or .summary() for its text."))
    kind = kind or kinds[0]
    if kind not in kinds:
        raise CxDataError(msg("unknown chart {kind!r} for {title}.", kind=kind, title=title_of(result)),
                          hint=msg("Use one of: {options}.", options=", ".join(kinds)))
    from cxlib.present.charts_layout import fit            # labels sized to their text, in any language
    return fit(view.charts[kind](result, defs=defs, **options))


# ---------------------------------------------------------------------------------------------
# HTML
_STYLE = ("font-family: system-ui, sans-serif; font-size: 13px; border: 1px solid #ddd; border-radius: 6px; "
          "padding: 8px 12px; max-width: 100%; overflow-x: auto")


def _frame_html(result: object, max_rows: int) -> str:
    try:
        frame = result.to_frame()
    except Exception as err:         # noqa: BLE001 - a card must render even when the table cannot
        return f"<p><em>Table not available: {html.escape(str(err))}</em></p>"
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return ""
    head = frame.head(max_rows)
    if head.shape[1] > 1:
        head = head.dropna(axis=1, how="all")   # compact: no column that is empty in every row shown
    table = head.to_html(index=False, escape=True, border=0, na_rep="", max_cols=30,
                         float_format=lambda x: f"{x:,.6g}" if math.isfinite(x) else str(x))
    more = (f"<p style='color:#666'>{len(frame) - max_rows:,} more rows: use <code>.to_frame()</code>.</p>"
            if len(frame) > max_rows else "")
    return table + more


def _warnings_html(warnings: tuple[str, ...] | list[str]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{html.escape(str(w))}</li>" for w in list(warnings)[:MAX_WARNINGS])
    extra = f"<li>... and {len(warnings) - MAX_WARNINGS} more</li>" if len(warnings) > MAX_WARNINGS else ""
    opened = " open" if len(warnings) <= 3 else ""
    return (f"<details{opened}><summary style='color:#b26a00'>{len(warnings)} warning(s)</summary>"
            f"<ul>{items}{extra}</ul></details>")


def to_html(result: object, *, title: str | None = None, definition: str | None = None,
            max_rows: int = MAX_ROWS) -> str:
    """A self-contained HTML card for a result; all text is escaped.

    Parameters
    ----------
    result : a result object (anything with ``summary()``/``to_frame()``/``warnings`` works).
    title, definition : override the class's title and definition sentence.
    max_rows : rows of ``to_frame()`` shown.

    Examples
    --------
    >>> import cxlib as cx
    >>> plan = cx.sample_size(0.03, 0.10)
    >>> to_html(plan, title="<Plan>").count("&lt;Plan&gt;")
    1
    """
    title = title if title is not None else title_of(result)
    definition = definition if definition is not None else definition_of(result)
    try:
        summary = result.summary() if hasattr(result, "summary") else ""
    except Exception as err:         # noqa: BLE001
        summary = f"(summary not available: {err})"
    parts = [f"<div class='cx-result' style='{_STYLE}'>", f"<strong>{html.escape(str(title))}</strong>"]
    if summary:
        text = html.escape(str(summary)).replace("\n", "<br>")
        parts.append(f"<p style='margin:4px 0'>{text}</p>")
    if definition:
        parts.append(f"<p style='margin:4px 0;color:#555'><em>{html.escape(str(definition))}</em></p>")
    parts.append(_frame_html(result, max_rows))
    parts.append(_warnings_html(tuple(getattr(result, "warnings", ()) or ())))
    kinds = chart_kinds(result)
    if kinds:
        parts.append(f"<p style='color:#666;margin:4px 0'>Charts: {html.escape(', '.join(kinds))} "
                     "(<code>.chart(kind)</code>)</p>")
    parts.append("</div>")
    return "".join(parts)


__all__ = ["VIEWS", "View", "chart", "chart_kinds", "definition_of", "title_of", "to_html", "view_of"]
