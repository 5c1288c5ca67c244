"""Altair charts for retention and CLV results (no data logic: each builder reads a result object)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from cxlib.clv import CLVResult, HistoricalCLV
from cxlib.retention import ChurnTrend, CohortResult


def cohort_heatmap(res: CohortResult, title: str | None = None) -> alt.LayerChart:
    """Cohort x period heatmap of retention with the percentage written in each cell."""
    unit = res.spec.period
    df = res.to_frame()
    df["label"] = (df["retention"] * 100).round(0).astype(int).astype(str) + "%"
    df["note"] = df["partial"].map({True: f"{unit} still in progress", False: ""})
    df["row"] = df["cohort"] + " (" + df["customers"].map("{:,}".format) + ")"
    base = alt.Chart(df).encode(
        x=alt.X("period:O", title=f"{unit.capitalize()}s since first order", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("row:O", title=f"Cohort ({unit} of first valid order, customers)", sort="ascending"),
        tooltip=[alt.Tooltip("cohort:N", title="Cohort"),
                 alt.Tooltip("period:O", title=f"{unit.capitalize()}s later"),
                 alt.Tooltip("customers:Q", title="Customers in cohort", format=","),
                 alt.Tooltip("active:Q", title="Ordered in that period", format=","),
                 alt.Tooltip("retention:Q", title="Retention", format=".1%"),
                 alt.Tooltip("note:N", title="Note")],
    )
    rect = base.mark_rect().encode(
        color=alt.Color("retention:Q", title="Retention", scale=alt.Scale(scheme="blues", domain=[0, 1]),
                        legend=alt.Legend(format="%")))
    text = base.mark_text(fontSize=10).encode(
        text="label:N",
        color=alt.condition(alt.datum.retention > 0.55, alt.value("white"), alt.value("black")))
    return (rect + text).properties(title=title or f"Retention by {unit}ly cohort",
                                    width=alt.Step(40), height=alt.Step(22))


def churn_trend_chart(trend: ChurnTrend, title: str | None = None) -> alt.LayerChart:
    """Churn rate over time: a line with its 95% confidence band."""
    df = trend.to_frame()
    days = int(trend.spec.inactive_days)
    base = alt.Chart(df).encode(
        x=alt.X("as_of:T", title="Analysis date"),
        tooltip=[alt.Tooltip("as_of:T", title="Date"),
                 alt.Tooltip("churn_rate:Q", title="Churn rate", format=".1%"),
                 alt.Tooltip("ci_low:Q", title="95% CI low", format=".1%"),
                 alt.Tooltip("ci_high:Q", title="95% CI high", format=".1%"),
                 alt.Tooltip("churned:Q", title="Churned customers", format=","),
                 alt.Tooltip("customers:Q", title="Customers so far", format=",")],
    )
    band = base.mark_area(opacity=0.25).encode(
        y=alt.Y("ci_low:Q", title="Churn rate", axis=alt.Axis(format="%")), y2="ci_high:Q")
    line = base.mark_line(point=True).encode(y="churn_rate:Q")
    return (band + line).properties(title=title or f"Churn rate (no valid order in {days} days), with 95% CI")


def clv_histogram(res: CLVResult | HistoricalCLV, maxbins: int = 40, title: str | None = None) -> alt.Chart:
    """Distribution of CLV per customer: predicted CLV for a ``CLVResult``, net revenue so far otherwise."""
    if isinstance(res, CLVResult):
        df, col, axis = res.to_frame(), "predicted_clv", "Predicted CLV"
    else:
        df, col, axis = res.customers, "net_revenue", "Historical CLV (net revenue so far)"
    df = pd.DataFrame({"value": df[col]}).dropna()
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("value:Q", bin=alt.Bin(maxbins=maxbins), title=axis),
        y=alt.Y("count():Q", title="Customers"),
        tooltip=[alt.Tooltip("value:Q", bin=alt.Bin(maxbins=maxbins), title=axis, format=",.2f"),
                 alt.Tooltip("count():Q", title="Customers", format=",")],
    ).properties(title=title or f"{axis}: distribution over customers")


def top_customers_chart(res: CLVResult, n: int = 20, title: str | None = None) -> alt.Chart:
    """The ``n`` customers with the highest predicted CLV, with their probability of being alive."""
    df = res.top(n)[["customer_id", "predicted_clv", "net_revenue", "p_alive", "expected_purchases"]].copy()
    df["customer_id"] = df["customer_id"].astype(str)
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("predicted_clv:Q", title=f"Predicted CLV, next {int(res.spec.horizon_days)} days"),
        y=alt.Y("customer_id:N", sort="-x", title="Customer"),
        color=alt.Color("p_alive:Q", title="P(alive)", scale=alt.Scale(scheme="greens", domain=[0, 1]),
                        legend=alt.Legend(format="%")),
        tooltip=[alt.Tooltip("customer_id:N", title="Customer"),
                 alt.Tooltip("predicted_clv:Q", title="Predicted CLV", format=",.2f"),
                 alt.Tooltip("net_revenue:Q", title="Net revenue so far", format=",.2f"),
                 alt.Tooltip("expected_purchases:Q", title="Expected purchases", format=".2f"),
                 alt.Tooltip("p_alive:Q", title="P(alive)", format=".0%")],
    ).properties(title=title or f"Top {len(df)} customers by predicted CLV")


def clv_segments_chart(res: HistoricalCLV, title: str | None = None) -> alt.Chart:
    """Mean historical CLV per segment (bars), with customers and revenue share in the tooltip."""
    df = res.to_frame()
    df["segment"] = df["segment"].astype(str)
    label = res.by or "segment"
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("mean:Q", title="Mean net revenue per customer"),
        y=alt.Y("segment:N", sort="-x", title=label),
        tooltip=[alt.Tooltip("segment:N", title=label), alt.Tooltip("customers:Q", title="Customers", format=","),
                 alt.Tooltip("mean:Q", title="Mean", format=",.2f"),
                 alt.Tooltip("median:Q", title="Median", format=",.2f"),
                 alt.Tooltip("share:Q", title="Share of net revenue", format=".1%")],
    ).properties(title=title or f"Historical CLV by {label}")


__all__ = ["churn_trend_chart", "clv_histogram", "clv_segments_chart", "cohort_heatmap", "top_customers_chart"]
