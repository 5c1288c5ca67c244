"""Altair charts for segments: sizes and value share, the R x FM grid, value tiers, comparisons.

Builders take result objects (or their ``to_frame()`` tables) and return ``alt.Chart``; no data logic.
Titles, axis titles, legends and the names of segments and tiers go through ``localize`` (the app's
language while a page draws; English elsewhere).
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from cxlib.analyses.compare import Comparison
from cxlib.core.messages import N_, localize, msg
from cxlib.analyses.segments import RFMResult


def _names(values: pd.Series) -> pd.Series:
    """Segment or tier names as people read them (marked names translated, the user's own kept)."""
    shown = {v: localize(v) for v in values.dropna().unique()}
    return values.map(shown)


def segment_share_chart(rfm: RFMResult, title: str | None = None, table: pd.DataFrame | None = None) -> alt.Chart:
    """Per segment: % of customers next to % of net revenue (grouped horizontal bars). ``rfm`` is an
    RFMResult or a ``segment_analysis.SegmentsResult`` (whose table adds the "No orders" customers);
    ``table`` (``segment_members.segment_frame``) overrides ``rfm.to_frame()``."""
    t = (rfm.to_frame() if table is None else table).copy()
    t["segment"] = _names(t["segment"])
    long = pd.concat([
        t.assign(measure=localize(N_("Customers")), pct=t["customers_pct"]),
        t.assign(measure=localize(N_("Net revenue")), pct=t["revenue_share_pct"]),
    ])[["segment", "measure", "pct", "customers", "net_revenue"]]
    order = t["segment"].tolist()
    return alt.Chart(long, title=title or localize(N_("Segment size and value share"))).mark_bar().encode(
        y=alt.Y("segment:N", sort=order, title=None),
        yOffset=alt.YOffset("measure:N"),
        x=alt.X("pct:Q", title=localize(N_("Share of total (%)"))),
        color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("segment:N", title=localize(N_("Segment"))),
                 alt.Tooltip("measure:N", title=localize(N_("Share of"))),
                 alt.Tooltip("pct:Q", title="%", format=".2f"),
                 alt.Tooltip("customers:Q", title=localize(N_("Customers"))),
                 alt.Tooltip("net_revenue:Q", title=localize(N_("Net revenue")), format=",.2f")],
    ).properties(height=alt.Step(12))


def rfm_grid_chart(rfm: RFMResult, title: str | None = None) -> alt.Chart:
    """5 x 5 heatmap of customers per (R, FM) cell, labelled with the cell's segment."""
    g = rfm.grid_frame()
    g["segment"] = _names(g["segment"])
    customers = localize(N_("Customers"))
    base = alt.Chart(g).encode(
        x=alt.X("fm:O", title=localize(N_("FM score (frequency and monetary, 5 = best)"))),
        y=alt.Y("r:O", sort="descending", title=localize(N_("R score (recency, 5 = most recent)"))),
        tooltip=[alt.Tooltip("segment:N", title=localize(N_("Segment"))), alt.Tooltip("r:O", title="R"),
                 alt.Tooltip("fm:O", title="FM"), alt.Tooltip("customers:Q", title=customers)])
    cells = base.mark_rect().encode(color=alt.Color("customers:Q", title=customers, scale=alt.Scale(scheme="blues")))
    labels = base.mark_text(fontSize=10).encode(text="segment:N")
    title = title or localize(N_("Customers by recency and frequency/monetary score"))
    return alt.layer(cells, labels).properties(title=title, width=420, height=300)


def value_tier_chart(tiers: pd.DataFrame, title: str | None = None) -> alt.Chart:
    """Bars of revenue share per value tier (``segments.value_tier_frame``)."""
    tiers = tiers.assign(value_tier=_names(tiers["value_tier"]))
    return alt.Chart(tiers, title=title or localize(N_("Net revenue share by value tier"))).mark_bar().encode(
        x=alt.X("value_tier:N", sort=tiers["value_tier"].tolist(), title=localize(N_("Customers ranked by net revenue"))),
        y=alt.Y("revenue_share_pct:Q", title=localize(N_("Share of net revenue (%)"))),
        tooltip=[alt.Tooltip("value_tier:N", title=localize(N_("Tier"))),
                 alt.Tooltip("customers:Q", title=localize(N_("Customers"))),
                 alt.Tooltip("net_revenue:Q", title=localize(N_("Net revenue")), format=",.2f"),
                 alt.Tooltip("revenue_share_pct:Q", title=localize(N_("Share (%)")), format=".2f")])


def _n_title(unit: str) -> str:
    if unit == "orders":
        return localize(N_("N (orders)"))
    if unit == "responses":
        return localize(N_("N (responses)"))
    return localize(N_("N (customers)"))


def comparison_chart(cmp: Comparison) -> alt.Chart:
    """Each segment's value with its 95 % confidence interval."""
    df = cmp.to_frame()
    df["segment"] = _names(df["segment"])
    metric = cmp.metric.label
    kind = cmp.metric.kind
    fmt = {"rate": ".1%", "money": ",.2f", "nps": ".1f"}[kind]
    x_title = localize(msg("{metric} (share)", metric=metric) if kind == "rate" else
                       msg("{metric} (points)", metric=metric) if kind == "nps" else metric)
    axis = alt.Axis(format=".0%") if kind == "rate" else alt.Axis()
    base = alt.Chart(df).encode(
        y=alt.Y("segment:N", sort=df["segment"].tolist(), title=None),
        tooltip=[alt.Tooltip("segment:N", title=localize(N_("Segment"))),
                 alt.Tooltip("n:Q", title=_n_title(cmp.metric.unit)),
                 alt.Tooltip("value:Q", title=localize(metric), format=fmt),
                 alt.Tooltip("ci_low:Q", title=localize(N_("CI low")), format=fmt),
                 alt.Tooltip("ci_high:Q", title=localize(N_("CI high")), format=fmt)])
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("ci_low:Q", title=x_title, axis=axis), x2="ci_high:Q")
    points = base.mark_point(filled=True, size=80).encode(x="value:Q")
    title = localize(msg("{metric} by segment, with 95% confidence intervals", metric=metric))
    return alt.layer(bars, points).properties(title=title, height=alt.Step(36))
