"""Altair charts for the scorecard, survey, orders and support results (no data logic here).

Every builder takes a result object from ``cxlib.analyses.scorecard``, ``cxlib.analyses.survey``, ``cxlib.analyses.orders`` or
``cxlib.analyses.support`` and returns an ``alt.Chart`` with a title, axis labels and tooltips. Titles, axis,
legend and tooltip titles, and the labels cxlib itself puts in the data (statuses, NPS groups,
"(blank)") go through :func:`cxlib.core.messages.localize`: English unless an interface installed a
translator for the current run.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from cxlib.analyses import orders as orders_mod
from cxlib.analyses import support as support_mod
from cxlib.analyses import survey as survey_mod
from cxlib.core.messages import Msg, N_, localize, msg
from cxlib.analyses.orders import OrdersTable
from cxlib.analyses.scorecard import Tile
from cxlib.core.statuses import display_label
from cxlib.analyses.support import SupportSummary, SupportTrend
from cxlib.analyses.survey import GroupedResult, NpsResult, ScaleResult

STATUS_COLORS = {"met": "#2e7d32", "not met": "#c62828", "not enough data to tell": "#f9a825",
                 "no target": "#607d8b", "no data": "#9e9e9e"}
_METRIC_TITLES = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}          # acronyms: the same in every language
_UNITS = (N_("pts"),)                                                   # units callers pass to the trend charts
_NPS_GROUPS = {"detractor": N_("detractor"), "passive": N_("passive"), "promoter": N_("promoter")}
_NPS_COLORS = {"detractor": "#c62828", "passive": "#9e9e9e", "promoter": "#2e7d32"}
_PERIODS = {"week": N_("Week"), "month": N_("Month")}
_STATISTICS = {"first_reply_median_min": N_("median"), "first_reply_p90_min": N_("p90")}
# Net revenue by one of the canonical order fields (any other field is the file's own column name).
_ORDER_FIELDS = {"channel": (N_("Channel"), msg("Net revenue by channel")),
                 "country": (N_("Country"), msg("Net revenue by country")),
                 "status": (N_("Status"), msg("Net revenue by status")),
                 "currency": (N_("Currency"), msg("Net revenue by currency"))}


def _own_labels(values: pd.Series, *labels: str) -> pd.Series:
    """Values that cxlib itself made (e.g. "(blank)") in the interface language; the file's values unchanged."""
    return values.map(lambda v: localize(v) if v in labels else v)


def sparkline(tile: Tile, *, width: int = 180, height: int = 80) -> alt.Chart | None:
    """A small line of the tile's trend (None when the tile has no trend), with the target as a dashed
    rule when it lies near the trend (a far-away target would flatten the line)."""
    if tile.trend is None or len(tile.trend.dropna()) < 2:
        return None
    data = tile.trend.dropna()
    label, period = localize(tile.label), localize(N_("Period"))
    line = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=12), color="#1f77b4").encode(
        x=alt.X("period:T", axis=None, title=period, scale=alt.Scale(type="utc")),
        y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False), title=label),
        tooltip=[alt.Tooltip("utcyearmonthdate(period):T", title=period), alt.Tooltip("value:Q", title=label, format=",.2f")])
    chart = line
    lo, hi = float(data["value"].min()), float(data["value"].max())
    span = max(hi - lo, abs(hi) * 0.05, 1e-9)
    if tile.target is not None and lo - span <= tile.target <= hi + span:
        rule = alt.Chart(pd.DataFrame({"target": [tile.target]})).mark_rule(strokeDash=[3, 3], color="#888").encode(
            y="target:Q", tooltip=[alt.Tooltip("target:Q", title=localize(N_("Target")))])
        chart = alt.layer(line, rule)
    # no title: the tile shows the label, and in Streamlit a title squeezes a short chart flat
    return chart.properties(width=width, height=height,
                            description=localize(msg("{metric} trend", metric=Msg(tile.label))))


def scorecard_overview(tiles: list[Tile] | tuple[Tile, ...]) -> alt.Chart:
    """One row per tile: a status-coloured dot, the value, target and status (PNG export of the scorecard)."""
    def line(t: Tile) -> Msg:
        if t.target is not None:
            # TRANSLATORS: a scorecard line: the value, the target, and the status (e.g. "met")
            return msg("{value}  (target {target}: {status})", value=t.formatted(), target=t.formatted(t.target),
                       status=Msg(t.status))
        return msg("{value}  (no target)", value=t.formatted())
    data = pd.DataFrame({"metric": [localize(t.label) for t in tiles], "text": [localize(line(t)) for t in tiles],
                         "status": [localize(t.status) for t in tiles], "x": [0.02] * len(tiles)})
    x = alt.X("x:Q", axis=None, title="", scale=alt.Scale(domain=[0, 1]))
    base = alt.Chart(data).encode(y=alt.Y("metric:N", sort=None, title=None), x=x)
    status = localize(N_("Status"))
    dots = base.mark_circle(size=160).encode(
        color=alt.Color("status:N", title=status, scale=alt.Scale(domain=[localize(s) for s in STATUS_COLORS],
                                                                   range=list(STATUS_COLORS.values()))),
        tooltip=[alt.Tooltip("metric:N", title=localize(N_("Metric"))), alt.Tooltip("text:N", title=localize(N_("Value"))),
                 alt.Tooltip("status:N", title=status)])
    text = base.mark_text(align="left", dx=12).encode(text="text:N")
    return alt.layer(dots, text).properties(title=localize(N_("CX scorecard")), width=420)


# ---------------------------------------------------------------------------------------------
# Survey
def score_distribution(res: ScaleResult) -> alt.Chart:
    """Bar chart of CSAT or CES answer counts (``survey.csat`` / ``survey.ces``)."""
    name = _METRIC_TITLES.get(res.metric, res.metric)
    responses = localize(N_("Responses"))
    return alt.Chart(res.to_frame()).mark_bar(color="#1f77b4").encode(
        x=alt.X("score:O", title=localize(msg("{metric} answer", metric=name))),
        y=alt.Y("responses:Q", title=responses),
        tooltip=[alt.Tooltip("score:O", title=localize(N_("Answer"))), alt.Tooltip("responses:Q", title=responses)],
    ).properties(title=localize(msg("{metric}: distribution of answers (n={n})", metric=name, n=res.n)))


def nps_distribution(res: NpsResult, promoter_min: int, detractor_max: int) -> alt.Chart:
    """NPS answer counts coloured by the bands of the definition in use."""
    data = res.to_frame()
    groups = {k: localize(v) for k, v in _NPS_GROUPS.items()}
    data["group"] = [groups["detractor"] if s <= detractor_max else groups["promoter"] if s >= promoter_min
                     else groups["passive"] for s in data["score"]]
    responses, group = localize(N_("Responses")), localize(N_("Group"))
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("score:O", title=localize(N_("NPS answer (0-10)"))),
        y=alt.Y("responses:Q", title=responses),
        color=alt.Color("group:N", title=group, scale=alt.Scale(
            domain=list(groups.values()), range=list(_NPS_COLORS.values()))),
        tooltip=[alt.Tooltip("score:O", title=localize(N_("Answer"))), alt.Tooltip("responses:Q", title=responses),
                 alt.Tooltip("group:N", title=group)],
    ).properties(title=localize(msg("{metric}: distribution of answers (n={n})", metric="NPS", n=res.n)))


def _value_title(res: GroupedResult, unit: str) -> str:
    name = _METRIC_TITLES.get(res.metric, res.metric)
    # TRANSLATORS: an axis title: a metric (NPS, CSAT, CES) and its unit ("pts" = NPS points, "%")
    return localize(msg("{metric} ({unit})", metric=name, unit=Msg(unit))) if unit else name


def _by_title(res: GroupedResult) -> str:
    name = _METRIC_TITLES.get(res.metric, res.metric)
    if res.by == "week":
        return localize(msg("{metric} by week with 95% CI", metric=name))
    if res.by == "month":
        return localize(msg("{metric} by month with 95% CI", metric=name))
    return localize(msg("{metric} by {field} with 95% CI", metric=name, field=res.by))


def _ci_tooltips() -> list[alt.Tooltip]:
    return [alt.Tooltip("value:Q", title=localize(N_("Value")), format=".2f"),
            alt.Tooltip("ci_low:Q", title=localize(N_("95% CI low")), format=".2f"),
            alt.Tooltip("ci_high:Q", title=localize(N_("95% CI high")), format=".2f"),
            alt.Tooltip("n:Q", title=localize(N_("Answers")))]


def grouped_trend(res: GroupedResult, *, unit: str = "", target: float | None = None) -> alt.Chart:
    """Line with a 95 % CI band over periods (``survey.over_time``)."""
    data = res.to_frame().rename(columns={"group": "period"})
    ytitle = _value_title(res, unit)
    base = alt.Chart(data).encode(x=alt.X("period:T", title=localize(_PERIODS["week" if res.by == "week" else "month"]),
                                          scale=alt.Scale(type="utc")))
    band = base.mark_area(opacity=0.2).encode(y=alt.Y("ci_low:Q", title=ytitle), y2="ci_high:Q")
    line = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=ytitle),
        tooltip=[alt.Tooltip("utcyearmonthdate(period):T", title=localize(N_("Period")))] + _ci_tooltips())
    layers = [band, line]
    if target is not None:
        layers.append(alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(strokeDash=[4, 4], color="#555")
                      .encode(y="target:Q", tooltip=[alt.Tooltip("target:Q", title=localize(N_("Target")))]))
    return alt.layer(*layers).properties(title=_by_title(res))


def grouped_bars(res: GroupedResult, *, unit: str = "") -> alt.Chart:
    """Horizontal bars per segment with 95 % CI error bars (``survey.by_segment``)."""
    data = res.to_frame()
    data["group"] = _own_labels(data["group"].astype(str), survey_mod.BLANK)
    xtitle = _value_title(res, unit)
    base = alt.Chart(data).encode(y=alt.Y("group:N", sort=None, title=res.by))      # the file's column name
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=xtitle),
        tooltip=[alt.Tooltip("group:N", title=res.by)] + _ci_tooltips())
    err = base.mark_errorbar(color="#333").encode(x=alt.X("ci_low:Q", title=xtitle), x2="ci_high:Q")
    return alt.layer(bars, err).properties(title=_by_title(res))


# ---------------------------------------------------------------------------------------------
# Orders
def revenue_trend(table: OrdersTable, currency: str | None = None) -> alt.Chart:
    """Net revenue bars per period with valid orders in the tooltip (``orders.over_time``)."""
    money = _money_title(currency)
    unit = {"month": "utcyearmonth"}.get(table.freq, "utcyearmonthdate")     # periods are UTC starts
    title = {"month": N_("Month"), "week": N_("Week (starting Monday)"), "day": N_("Day")}.get(table.freq, N_("Period"))
    # a discrete (ordinal) time axis: one visible bar per period, whatever the number of periods
    return alt.Chart(table.to_frame()).mark_bar().encode(
        x=alt.X("period:O", timeUnit=unit, title=localize(title), axis=alt.Axis(labelOverlap=True, labelAngle=-45)),
        y=alt.Y("net_revenue:Q", title=money),
        tooltip=[alt.Tooltip("utcyearmonthdate(period):T", title=localize(N_("Period"))),
                 alt.Tooltip("net_revenue:Q", title=money, format=",.2f"),
                 alt.Tooltip("valid_orders:Q", title=localize(N_("Valid orders"))),
                 alt.Tooltip("orders:Q", title=localize(N_("All orders"))),
                 alt.Tooltip("customers:Q", title=localize(N_("Buying customers"))),
                 alt.Tooltip("aov:Q", title=localize(N_("AOV")), format=",.2f")],
    ).properties(title=localize(N_("Net revenue over time")))


def _money_title(currency: str | None) -> str:
    return localize(msg("Net revenue ({currency})", currency=currency) if currency else N_("Net revenue"))


def orders_by(table: OrdersTable, currency: str | None = None) -> alt.Chart:
    """Net revenue per value of a field (``orders.by_field``)."""
    money = _money_title(currency)
    data = table.to_frame()
    data[table.by] = _own_labels(data[table.by].astype(str), orders_mod.BLANK)
    if table.by in _ORDER_FIELDS:
        axis_title, title = (localize(x) for x in _ORDER_FIELDS[table.by])
        field_title = axis_title
    else:                                      # the file's own column name, as written there
        axis_title, field_title = table.by.replace("_", " ").capitalize(), table.by
        title = localize(msg("Net revenue by {field}", field=table.by.replace("_", " ")))
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y(f"{table.by}:N", sort=None, title=axis_title),
        x=alt.X("net_revenue:Q", title=money),
        tooltip=[alt.Tooltip(f"{table.by}:N", title=field_title),
                 alt.Tooltip("net_revenue:Q", title=money, format=",.2f"),
                 alt.Tooltip("valid_orders:Q", title=localize(N_("Valid orders"))),
                 alt.Tooltip("aov:Q", title=localize(N_("AOV")), format=",.2f"),
                 alt.Tooltip("customers:Q", title=localize(N_("Buying customers")))],
    ).properties(title=title)


def order_status(status_counts: dict[str, int]) -> alt.Chart:
    """Orders per normalized status, each status shown by its label ("partially_refunded" -> "Partially refunded")."""
    data = pd.DataFrame({"status": [localize(display_label(s)) for s in status_counts],
                         "orders": list(status_counts.values())})
    status, orders = localize(N_("Status")), localize(N_("Orders"))
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("status:N", sort="-x", title=status), x=alt.X("orders:Q", title=orders),
        tooltip=[alt.Tooltip("status:N", title=status), alt.Tooltip("orders:Q", title=orders)],
    ).properties(title=localize(N_("Orders by status")))


# ---------------------------------------------------------------------------------------------
# Support
def first_reply_by_channel(res: SupportSummary) -> alt.Chart:
    """Median and p90 first reply time per channel, with the SLA as a rule."""
    data = res.to_frame()
    long = data.melt(id_vars=["channel", "answered"], value_vars=["first_reply_median_min", "first_reply_p90_min"],
                     var_name="statistic", value_name="minutes")
    long["statistic"] = long["statistic"].map({k: localize(v) for k, v in _STATISTICS.items()})
    long["channel"] = _own_labels(long["channel"], support_mod.BLANK, support_mod.ALL)
    channel, statistic = localize(N_("Channel")), localize(N_("Statistic"))
    bars = alt.Chart(long).mark_bar().encode(
        y=alt.Y("channel:N", title=channel), yOffset="statistic:N",
        x=alt.X("minutes:Q", title=localize(N_("First reply time (minutes)"))),
        color=alt.Color("statistic:N", title=statistic),
        tooltip=[alt.Tooltip("channel:N", title=channel), alt.Tooltip("statistic:N", title=statistic),
                 alt.Tooltip("minutes:Q", title=localize(N_("Minutes")), format=",.0f"),
                 alt.Tooltip("answered:Q", title=localize(N_("Answered tickets")))])
    rule = alt.Chart(pd.DataFrame({"sla": [res.sla.first_response_hours * 60]})).mark_rule(
        strokeDash=[4, 4], color="#c62828").encode(
        x="sla:Q", tooltip=[alt.Tooltip("sla:Q", title=localize(N_("SLA (minutes)")))])
    return alt.layer(bars, rule).properties(title=localize(N_("First reply time by channel (median and p90)")))


def support_trend(trend: SupportTrend, column: str = "tickets") -> alt.Chart:
    """One column of the per-period ticket table as a line (tickets, within_sla_pct, ...)."""
    titles = {"tickets": N_("Tickets"), "within_sla_pct": N_("Within SLA (%)"), "first_reply_median_min":
              N_("Median first reply (minutes)"), "csat_good_pct": N_("Ticket CSAT good (%)")}
    ytitle = localize(titles[column]) if column in titles else column      # another column: its own name
    measure = Msg(titles[column]) if column in titles else column
    if trend.freq == "week":
        # TRANSLATORS: {measure} is a chart's measure, e.g. "Tickets" or "Within SLA (%)"
        title = msg("{measure} by week", measure=measure)
    elif trend.freq == "month":
        # TRANSLATORS: {measure} is a chart's measure, e.g. "Tickets" or "Within SLA (%)"
        title = msg("{measure} by month", measure=measure)
    else:
        title = msg("{measure} by {freq}", measure=measure, freq=trend.freq)
    return alt.Chart(trend.to_frame()).mark_line(point=True).encode(
        x=alt.X("period:T", title=localize(_PERIODS["week" if trend.freq == "week" else "month"]),
                scale=alt.Scale(type="utc")),
        y=alt.Y(f"{column}:Q", title=ytitle),
        tooltip=[alt.Tooltip("utcyearmonthdate(period):T", title=localize(N_("Period"))),
                 alt.Tooltip(f"{column}:Q", title=ytitle, format=",.2f"),
                 alt.Tooltip("tickets:Q", title=localize(N_("Tickets"))),
                 alt.Tooltip("answered:Q", title=localize(N_("Answered")))],
    ).properties(title=localize(title))
