"""Altair charts for retention and CLV results (no data logic: each builder reads a result object).

Titles, axis titles, legends and the labels written in cells go through ``localize`` (the app's
language while a page draws; English elsewhere).
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from cxlib.analyses.clv import CLVResult, HistoricalCLV
from cxlib.core.messages import Msg, N_, localize, msg
from cxlib.analyses.retention import CohortResult
from cxlib.analyses.churn import ChurnTrend


def cohort_heatmap(res: CohortResult, title: str | None = None) -> alt.LayerChart:
    """Cohort x period heatmap of retention with the percentage written in each cell."""
    week = res.spec.period == "week"
    df = res.to_frame()
    pct = (df["retention"] * 100).round(0).astype(int)
    # TRANSLATORS: a retention percentage written in a heatmap cell
    df["label"] = pct.map({p: localize(msg("{percent}%", percent=int(p))) for p in pct.unique()})
    in_progress = localize(N_("week still in progress") if week else N_("month still in progress"))
    df["note"] = df["partial"].map({True: in_progress, False: ""})
    sizes = df.drop_duplicates("cohort").set_index("cohort")["customers"]
    # TRANSLATORS: a cohort (month such as 2024-03, or the Monday of a week) and its customers
    rows = {c: localize(msg("{cohort} ({customers:,})", cohort=c, customers=int(n))) for c, n in sizes.items()}
    df["row"] = df["cohort"].map(rows)
    base = alt.Chart(df).encode(
        x=alt.X("period:O", title=localize(N_("Weeks since first order") if week else N_("Months since first order")),
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("row:O", title=localize(N_("Cohort (week of first valid order, customers)") if week
                                        else N_("Cohort (month of first valid order, customers)")), sort="ascending"),
        tooltip=[alt.Tooltip("cohort:N", title=localize(N_("Cohort"))),
                 alt.Tooltip("period:O", title=localize(N_("Weeks later") if week else N_("Months later"))),
                 alt.Tooltip("customers:Q", title=localize(N_("Customers in cohort")), format=","),
                 alt.Tooltip("active:Q", title=localize(N_("Ordered in that period")), format=","),
                 alt.Tooltip("retention:Q", title=localize(N_("Retention")), format=".1%"),
                 alt.Tooltip("note:N", title=localize(N_("Note")))],
    )
    rect = base.mark_rect().encode(
        color=alt.Color("retention:Q", title=localize(N_("Retention")), scale=alt.Scale(scheme="blues", domain=[0, 1]),
                        legend=alt.Legend(format="%")))
    text = base.mark_text(fontSize=10).encode(
        text="label:N",
        color=alt.condition(alt.datum.retention > 0.55, alt.value("white"), alt.value("black")))
    title = title or localize(N_("Retention by weekly cohort") if week else N_("Retention by monthly cohort"))
    return (rect + text).properties(title=title, width=alt.Step(40), height=alt.Step(22))


def churn_trend_chart(trend: ChurnTrend, title: str | None = None) -> alt.LayerChart:
    """Churn rate over time: a line with its 95% confidence band."""
    df = trend.to_frame()
    days = int(trend.spec.inactive_days)
    churn = localize(N_("Churn rate"))
    base = alt.Chart(df).encode(
        x=alt.X("as_of:T", title=localize(N_("Analysis date"))),
        tooltip=[alt.Tooltip("as_of:T", title=localize(N_("Date"))),
                 alt.Tooltip("churn_rate:Q", title=churn, format=".1%"),
                 alt.Tooltip("ci_low:Q", title=localize(N_("95% CI low")), format=".1%"),
                 alt.Tooltip("ci_high:Q", title=localize(N_("95% CI high")), format=".1%"),
                 alt.Tooltip("churned:Q", title=localize(N_("Churned customers")), format=","),
                 alt.Tooltip("customers:Q", title=localize(N_("Customers so far")), format=",")],
    )
    band = base.mark_area(opacity=0.25).encode(
        y=alt.Y("ci_low:Q", title=churn, axis=alt.Axis(format="%")), y2="ci_high:Q")
    line = base.mark_line(point=True).encode(y="churn_rate:Q")
    title = title or localize(msg("Churn rate (no valid order in {days} days), with 95% CI", days=days))
    return (band + line).properties(title=title)


def clv_histogram(res: CLVResult | HistoricalCLV, maxbins: int = 40, title: str | None = None) -> alt.Chart:
    """Distribution of CLV per customer: predicted CLV for a ``CLVResult``, net revenue so far otherwise."""
    if isinstance(res, CLVResult):
        df, col = res.to_frame(), "predicted_clv"
        axis = localize(N_("Predicted CLV"))
        default_title = N_("Predicted CLV: distribution over customers")
    else:
        df, col = res.customers, "net_revenue"
        axis = localize(N_("Historical CLV (net revenue so far)"))
        default_title = N_("Historical CLV (net revenue so far): distribution over customers")
    df = pd.DataFrame({"value": df[col]}).dropna()
    customers = localize(N_("Customers"))
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("value:Q", bin=alt.Bin(maxbins=maxbins), title=axis),
        y=alt.Y("count():Q", title=customers),
        tooltip=[alt.Tooltip("value:Q", bin=alt.Bin(maxbins=maxbins), title=axis, format=",.2f"),
                 alt.Tooltip("count():Q", title=customers, format=",")],
    ).properties(title=title or localize(default_title))


def top_customers_chart(res: CLVResult, n: int = 20, title: str | None = None) -> alt.Chart:
    """The ``n`` customers with the highest predicted CLV, with their probability of being alive."""
    df = res.top(n)[["customer_id", "predicted_clv", "net_revenue", "p_alive", "expected_purchases"]].copy()
    df["customer_id"] = df["customer_id"].astype(str)
    customer, p_alive = localize(N_("Customer")), localize(N_("P(alive)"))
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("predicted_clv:Q", title=localize(msg("Predicted CLV, next {days} days",
                                                      days=int(res.spec.horizon_days)))),
        y=alt.Y("customer_id:N", sort="-x", title=customer),
        color=alt.Color("p_alive:Q", title=p_alive, scale=alt.Scale(scheme="greens", domain=[0, 1]),
                        legend=alt.Legend(format="%")),
        tooltip=[alt.Tooltip("customer_id:N", title=customer),
                 alt.Tooltip("predicted_clv:Q", title=localize(N_("Predicted CLV")), format=",.2f"),
                 alt.Tooltip("net_revenue:Q", title=localize(N_("Net revenue so far")), format=",.2f"),
                 alt.Tooltip("expected_purchases:Q", title=localize(N_("Expected purchases")), format=".2f"),
                 alt.Tooltip("p_alive:Q", title=p_alive, format=".0%")],
    ).properties(title=title or localize(msg("Top {customers} customers by predicted CLV", customers=len(df))))


def clv_segments_chart(res: HistoricalCLV, title: str | None = None) -> alt.Chart:
    """Mean historical CLV per segment (bars), with customers and revenue share in the tooltip."""
    df = res.to_frame()
    df["segment"] = df["segment"].astype(str)
    shown = {s: localize(s) for s in df["segment"].unique()}   # marked names ("Lost", "(none)") translated
    df["segment"] = df["segment"].map(shown)
    label = localize(res.by or N_("segment"))          # a breakdown's name: a marked label or a column name
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("mean:Q", title=localize(N_("Mean net revenue per customer"))),
        y=alt.Y("segment:N", sort="-x", title=label),
        tooltip=[alt.Tooltip("segment:N", title=label),
                 alt.Tooltip("customers:Q", title=localize(N_("Customers")), format=","),
                 alt.Tooltip("mean:Q", title=localize(N_("Mean")), format=",.2f"),
                 alt.Tooltip("median:Q", title=localize(N_("Median")), format=",.2f"),
                 alt.Tooltip("share:Q", title=localize(N_("Share of net revenue")), format=".1%")],
    ).properties(title=title or localize(msg("Historical CLV by {field}", field=Msg(res.by or N_("segment")))))


__all__ = ["churn_trend_chart", "clv_histogram", "clv_segments_chart", "cohort_heatmap", "top_customers_chart"]
