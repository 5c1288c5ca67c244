"""Altair charts for segments: sizes and value share, the R x FM grid, value tiers, comparisons.

Builders take result objects (or their ``to_frame()`` tables) and return ``alt.Chart``; no data logic.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from cxlib.compare import Comparison
from cxlib.segments import RFMResult


def segment_share_chart(rfm: RFMResult, title: str = "Segment size and value share") -> alt.Chart:
    """Per segment: % of customers next to % of net revenue (grouped horizontal bars)."""
    t = rfm.to_frame()
    long = pd.concat([
        t.assign(measure="Customers", pct=t["customers_pct"]),
        t.assign(measure="Net revenue", pct=t["revenue_share_pct"]),
    ])[["segment", "measure", "pct", "customers", "net_revenue"]]
    order = t["segment"].tolist()
    return alt.Chart(long, title=title).mark_bar().encode(
        y=alt.Y("segment:N", sort=order, title=None),
        yOffset=alt.YOffset("measure:N"),
        x=alt.X("pct:Q", title="Share of total (%)"),
        color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("segment:N", title="Segment"), alt.Tooltip("measure:N", title="Share of"),
                 alt.Tooltip("pct:Q", title="%", format=".2f"), alt.Tooltip("customers:Q", title="Customers"),
                 alt.Tooltip("net_revenue:Q", title="Net revenue", format=",.2f")],
    ).properties(height=alt.Step(12))


def rfm_grid_chart(rfm: RFMResult, title: str = "Customers by recency and frequency/monetary score") -> alt.Chart:
    """5 x 5 heatmap of customers per (R, FM) cell, labelled with the cell's segment."""
    g = rfm.grid_frame()
    base = alt.Chart(g).encode(
        x=alt.X("fm:O", title="FM score (frequency and monetary, 5 = best)"),
        y=alt.Y("r:O", sort="descending", title="R score (recency, 5 = most recent)"),
        tooltip=[alt.Tooltip("segment:N", title="Segment"), alt.Tooltip("r:O", title="R"),
                 alt.Tooltip("fm:O", title="FM"), alt.Tooltip("customers:Q", title="Customers")])
    cells = base.mark_rect().encode(color=alt.Color("customers:Q", title="Customers", scale=alt.Scale(scheme="blues")))
    labels = base.mark_text(fontSize=10).encode(text="segment:N")
    return alt.layer(cells, labels).properties(title=title, width=420, height=300)


def value_tier_chart(tiers: pd.DataFrame, title: str = "Net revenue share by value tier") -> alt.Chart:
    """Bars of revenue share per value tier (``segments.value_tier_frame``)."""
    return alt.Chart(tiers, title=title).mark_bar().encode(
        x=alt.X("value_tier:N", sort=tiers["value_tier"].tolist(), title="Customers ranked by net revenue"),
        y=alt.Y("revenue_share_pct:Q", title="Share of net revenue (%)"),
        tooltip=[alt.Tooltip("value_tier:N", title="Tier"), alt.Tooltip("customers:Q", title="Customers"),
                 alt.Tooltip("net_revenue:Q", title="Net revenue", format=",.2f"),
                 alt.Tooltip("revenue_share_pct:Q", title="Share (%)", format=".2f")])


def comparison_chart(cmp: Comparison) -> alt.Chart:
    """Each segment's value with its 95 % confidence interval."""
    df = cmp.to_frame()
    fmt = {"rate": ".1%", "money": ",.2f", "nps": ".1f"}[cmp.metric.kind]
    title = {"rate": f"{cmp.metric.label} (share)", "money": cmp.metric.label, "nps": f"{cmp.metric.label} (points)"}
    x_title = title[cmp.metric.kind]
    axis = alt.Axis(format=".0%") if cmp.metric.kind == "rate" else alt.Axis()
    base = alt.Chart(df).encode(
        y=alt.Y("segment:N", sort=df["segment"].tolist(), title=None),
        tooltip=[alt.Tooltip("segment:N", title="Segment"), alt.Tooltip("n:Q", title=f"N ({cmp.metric.unit})"),
                 alt.Tooltip("value:Q", title=cmp.metric.label, format=fmt),
                 alt.Tooltip("ci_low:Q", title="CI low", format=fmt), alt.Tooltip("ci_high:Q", title="CI high", format=fmt)])
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("ci_low:Q", title=x_title, axis=axis), x2="ci_high:Q")
    points = base.mark_point(filled=True, size=80).encode(x="value:Q")
    return alt.layer(bars, points).properties(title=f"{cmp.metric.label} by segment, with 95% confidence intervals",
                                              height=alt.Step(36))
