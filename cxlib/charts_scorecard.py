"""Altair charts for the scorecard, survey, orders and support results (no data logic here).

Every builder takes a result object from ``cxlib.scorecard``, ``cxlib.survey``, ``cxlib.orders`` or
``cxlib.support`` and returns an ``alt.Chart`` with a title, axis labels and tooltips.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from cxlib.orders import OrdersTable
from cxlib.scorecard import Tile
from cxlib.support import SupportSummary, SupportTrend
from cxlib.survey import GroupedResult, NpsResult, ScaleResult

STATUS_COLORS = {"met": "#2e7d32", "not met": "#c62828", "not enough data to tell": "#f9a825",
                 "no target": "#607d8b", "no data": "#9e9e9e"}
_METRIC_TITLES = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}


def sparkline(tile: Tile, *, width: int = 180, height: int = 80) -> alt.Chart | None:
    """A small line of the tile's trend (None when the tile has no trend), with the target as a dashed
    rule when it lies near the trend (a far-away target would flatten the line)."""
    if tile.trend is None or len(tile.trend.dropna()) < 2:
        return None
    data = tile.trend.dropna()
    line = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=12), color="#1f77b4").encode(
        x=alt.X("period:T", axis=None, title="Period", scale=alt.Scale(type="utc")),
        y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False), title=tile.label),
        tooltip=[alt.Tooltip("utcyearmonthdate(period):T", title="Period"), alt.Tooltip("value:Q", title=tile.label, format=",.2f")])
    chart = line
    lo, hi = float(data["value"].min()), float(data["value"].max())
    span = max(hi - lo, abs(hi) * 0.05, 1e-9)
    if tile.target is not None and lo - span <= tile.target <= hi + span:
        rule = alt.Chart(pd.DataFrame({"target": [tile.target]})).mark_rule(strokeDash=[3, 3], color="#888").encode(
            y="target:Q", tooltip=[alt.Tooltip("target:Q", title="Target")])
        chart = alt.layer(line, rule)
    # no title: the tile shows the label, and in Streamlit a title squeezes a short chart flat
    return chart.properties(width=width, height=height, description=f"{tile.label} trend")


def scorecard_overview(tiles: list[Tile] | tuple[Tile, ...]) -> alt.Chart:
    """One row per tile: a status-coloured dot, the value, target and status (PNG export of the scorecard)."""
    def line(t: Tile) -> str:
        target = f"target {t.formatted(t.target)}" if t.target is not None else "no target"
        return f"{t.formatted()}  ({target}: {t.status})" if t.target is not None else f"{t.formatted()}  ({target})"
    data = pd.DataFrame({"metric": [t.label for t in tiles], "text": [line(t) for t in tiles],
                         "status": [t.status for t in tiles], "x": [0.02] * len(tiles)})
    x = alt.X("x:Q", axis=None, title="", scale=alt.Scale(domain=[0, 1]))
    base = alt.Chart(data).encode(y=alt.Y("metric:N", sort=None, title=None), x=x)
    dots = base.mark_circle(size=160).encode(
        color=alt.Color("status:N", title="Status", scale=alt.Scale(domain=list(STATUS_COLORS),
                                                                     range=list(STATUS_COLORS.values()))),
        tooltip=[alt.Tooltip("metric:N", title="Metric"), alt.Tooltip("text:N", title="Value"),
                 alt.Tooltip("status:N", title="Status")])
    text = base.mark_text(align="left", dx=12).encode(text="text:N")
    return alt.layer(dots, text).properties(title="CX scorecard", width=420)


# ---------------------------------------------------------------------------------------------
# Survey
def score_distribution(res: ScaleResult) -> alt.Chart:
    """Bar chart of CSAT or CES answer counts (``survey.csat`` / ``survey.ces``)."""
    name = _METRIC_TITLES.get(res.metric, res.metric)
    return alt.Chart(res.to_frame()).mark_bar(color="#1f77b4").encode(
        x=alt.X("score:O", title=f"{name} answer"),
        y=alt.Y("responses:Q", title="Responses"),
        tooltip=[alt.Tooltip("score:O", title="Answer"), alt.Tooltip("responses:Q", title="Responses")],
    ).properties(title=f"{name}: distribution of answers (n={res.n})")


def nps_distribution(res: NpsResult, promoter_min: int, detractor_max: int) -> alt.Chart:
    """NPS answer counts coloured by the bands of the definition in use."""
    data = res.to_frame()
    data["group"] = ["detractor" if s <= detractor_max else "promoter" if s >= promoter_min else "passive"
                     for s in data["score"]]
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("score:O", title="NPS answer (0-10)"),
        y=alt.Y("responses:Q", title="Responses"),
        color=alt.Color("group:N", title="Group", scale=alt.Scale(
            domain=["detractor", "passive", "promoter"], range=["#c62828", "#9e9e9e", "#2e7d32"])),
        tooltip=[alt.Tooltip("score:O", title="Answer"), alt.Tooltip("responses:Q", title="Responses"),
                 alt.Tooltip("group:N", title="Group")],
    ).properties(title=f"NPS: distribution of answers (n={res.n})")


def _value_title(res: GroupedResult, unit: str) -> str:
    name = _METRIC_TITLES.get(res.metric, res.metric)
    return f"{name} ({unit})" if unit else name


def grouped_trend(res: GroupedResult, *, unit: str = "", target: float | None = None) -> alt.Chart:
    """Line with a 95 % CI band over periods (``survey.over_time``)."""
    data = res.to_frame().rename(columns={"group": "period"})
    ytitle = _value_title(res, unit)
    base = alt.Chart(data).encode(x=alt.X("period:T", title="Week" if res.by == "week" else "Month",
                                          scale=alt.Scale(type="utc")))
    band = base.mark_area(opacity=0.2).encode(y=alt.Y("ci_low:Q", title=ytitle), y2="ci_high:Q")
    line = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=ytitle),
        tooltip=[alt.Tooltip("utcyearmonthdate(period):T", title="Period"), alt.Tooltip("value:Q", title="Value", format=".2f"),
                 alt.Tooltip("ci_low:Q", title="95% CI low", format=".2f"),
                 alt.Tooltip("ci_high:Q", title="95% CI high", format=".2f"), alt.Tooltip("n:Q", title="Answers")])
    layers = [band, line]
    if target is not None:
        layers.append(alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(strokeDash=[4, 4], color="#555")
                      .encode(y="target:Q", tooltip=[alt.Tooltip("target:Q", title="Target")]))
    name = _METRIC_TITLES.get(res.metric, res.metric)
    return alt.layer(*layers).properties(title=f"{name} by {res.by} with 95% CI")


def grouped_bars(res: GroupedResult, *, unit: str = "") -> alt.Chart:
    """Horizontal bars per segment with 95 % CI error bars (``survey.by_segment``)."""
    data = res.to_frame()
    data["group"] = data["group"].astype(str)
    xtitle = _value_title(res, unit)
    base = alt.Chart(data).encode(y=alt.Y("group:N", sort=None, title=res.by))
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=xtitle),
        tooltip=[alt.Tooltip("group:N", title=res.by), alt.Tooltip("value:Q", title="Value", format=".2f"),
                 alt.Tooltip("ci_low:Q", title="95% CI low", format=".2f"),
                 alt.Tooltip("ci_high:Q", title="95% CI high", format=".2f"), alt.Tooltip("n:Q", title="Answers")])
    err = base.mark_errorbar(color="#333").encode(x=alt.X("ci_low:Q", title=xtitle), x2="ci_high:Q")
    name = _METRIC_TITLES.get(res.metric, res.metric)
    return alt.layer(bars, err).properties(title=f"{name} by {res.by} with 95% CI")


# ---------------------------------------------------------------------------------------------
# Orders
def revenue_trend(table: OrdersTable, currency: str | None = None) -> alt.Chart:
    """Net revenue bars per period with valid orders in the tooltip (``orders.over_time``)."""
    money = f"Net revenue ({currency})" if currency else "Net revenue"
    unit = {"month": "utcyearmonth"}.get(table.freq, "utcyearmonthdate")     # periods are UTC starts
    title = {"month": "Month", "week": "Week (starting Monday)", "day": "Day"}.get(table.freq, "Period")
    # a discrete (ordinal) time axis: one visible bar per period, whatever the number of periods
    return alt.Chart(table.to_frame()).mark_bar().encode(
        x=alt.X("period:O", timeUnit=unit, title=title, axis=alt.Axis(labelOverlap=True, labelAngle=-45)),
        y=alt.Y("net_revenue:Q", title=money),
        tooltip=[alt.Tooltip("utcyearmonthdate(period):T", title="Period"), alt.Tooltip("net_revenue:Q", title=money, format=",.2f"),
                 alt.Tooltip("valid_orders:Q", title="Valid orders"), alt.Tooltip("orders:Q", title="All orders"),
                 alt.Tooltip("customers:Q", title="Buying customers"),
                 alt.Tooltip("aov:Q", title="AOV", format=",.2f")],
    ).properties(title="Net revenue over time")


def orders_by(table: OrdersTable, currency: str | None = None) -> alt.Chart:
    """Net revenue per value of a field (``orders.by_field``)."""
    money = f"Net revenue ({currency})" if currency else "Net revenue"
    data = table.to_frame()
    data[table.by] = data[table.by].astype(str)
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y(f"{table.by}:N", sort=None, title=table.by.replace("_", " ").capitalize()),
        x=alt.X("net_revenue:Q", title=money),
        tooltip=[alt.Tooltip(f"{table.by}:N", title=table.by), alt.Tooltip("net_revenue:Q", title=money, format=",.2f"),
                 alt.Tooltip("valid_orders:Q", title="Valid orders"), alt.Tooltip("aov:Q", title="AOV", format=",.2f"),
                 alt.Tooltip("customers:Q", title="Buying customers")],
    ).properties(title=f"Net revenue by {table.by.replace('_', ' ')}")


def order_status(status_counts: dict[str, int]) -> alt.Chart:
    data = pd.DataFrame({"status": list(status_counts), "orders": list(status_counts.values())})
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("status:N", sort="-x", title="Status"), x=alt.X("orders:Q", title="Orders"),
        tooltip=[alt.Tooltip("status:N", title="Status"), alt.Tooltip("orders:Q", title="Orders")],
    ).properties(title="Orders by status")


# ---------------------------------------------------------------------------------------------
# Support
def first_reply_by_channel(res: SupportSummary) -> alt.Chart:
    """Median and p90 first reply time per channel, with the SLA as a rule."""
    data = res.to_frame()
    long = data.melt(id_vars=["channel", "answered"], value_vars=["first_reply_median_min", "first_reply_p90_min"],
                     var_name="statistic", value_name="minutes")
    long["statistic"] = long["statistic"].map({"first_reply_median_min": "median", "first_reply_p90_min": "p90"})
    bars = alt.Chart(long).mark_bar().encode(
        y=alt.Y("channel:N", title="Channel"), yOffset="statistic:N",
        x=alt.X("minutes:Q", title="First reply time (minutes)"),
        color=alt.Color("statistic:N", title="Statistic"),
        tooltip=[alt.Tooltip("channel:N", title="Channel"), alt.Tooltip("statistic:N", title="Statistic"),
                 alt.Tooltip("minutes:Q", title="Minutes", format=",.0f"),
                 alt.Tooltip("answered:Q", title="Answered tickets")])
    rule = alt.Chart(pd.DataFrame({"sla": [res.sla.first_response_hours * 60]})).mark_rule(
        strokeDash=[4, 4], color="#c62828").encode(x="sla:Q", tooltip=[alt.Tooltip("sla:Q", title="SLA (minutes)")])
    return alt.layer(bars, rule).properties(title="First reply time by channel (median and p90)")


def support_trend(trend: SupportTrend, column: str = "tickets") -> alt.Chart:
    """One column of the per-period ticket table as a line (tickets, within_sla_pct, ...)."""
    titles = {"tickets": "Tickets", "within_sla_pct": "Within SLA (%)", "first_reply_median_min":
              "Median first reply (minutes)", "csat_good_pct": "Ticket CSAT good (%)"}
    ytitle = titles.get(column, column)
    return alt.Chart(trend.to_frame()).mark_line(point=True).encode(
        x=alt.X("period:T", title="Week" if trend.freq == "week" else "Month", scale=alt.Scale(type="utc")),
        y=alt.Y(f"{column}:Q", title=ytitle),
        tooltip=[alt.Tooltip("utcyearmonthdate(period):T", title="Period"), alt.Tooltip(f"{column}:Q", title=ytitle, format=",.2f"),
                 alt.Tooltip("tickets:Q", title="Tickets"), alt.Tooltip("answered:Q", title="Answered")],
    ).properties(title=f"{ytitle} by {trend.freq}")
