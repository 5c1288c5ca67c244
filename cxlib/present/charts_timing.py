"""Altair charts for timing results: the weekday x hour heatmap of counts and of conversion rates.

Titles, axis titles and legends go through ``localize`` (the app's language while a page draws).
Slots without enough data for a rate are drawn grey and say so in their tooltip.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from cxlib.analyses.timing import UNITS, WEEKDAYS, TimingResult
from cxlib.core.messages import N_, localize, msg


def _frame(res: TimingResult) -> pd.DataFrame:
    by = res.spec.by
    df = res.cells
    if by:                                  # the heatmap shows every segment together; tooltips say so
        sums = ["count"] + (["units", "conversions"] if res.has_rates else [])
        df = df.groupby(["weekday", "hour"], as_index=False)[sums].sum()
        if res.has_rates:
            from cxlib.core.stats import wilson_ci
            df["rate"] = df["conversions"] / df["units"].where(df["units"] > 0)
            df["ci_low"], df["ci_high"] = wilson_ci(df["conversions"].to_numpy(), df["units"].to_numpy())
            df["enough"] = ((df["units"] >= int(res.spec.min_units))
                            & ((df["ci_high"] - df["ci_low"]) <= res.spec.max_ci_width))
    df = df.copy()
    days = [localize(d) for d in WEEKDAYS]
    df["day"] = [days[int(w)] for w in df["weekday"]]
    df["slot"] = [f"{int(h):02d}:00" for h in df["hour"]]
    return df


def _axes(days: list[str]) -> dict:
    return {"x": alt.X("hour:O", title=localize(N_("Hour of the day")), axis=alt.Axis(labelAngle=0)),
            "y": alt.Y("day:N", title=None, sort=days)}


def count_heatmap(res: TimingResult, title: str | None = None) -> alt.Chart:
    """Counts per weekday and hour (summed over the weeks of the data)."""
    df = _frame(res)
    unit = localize(UNITS.get(res.role, N_("rows")))
    days = [localize(d) for d in WEEKDAYS]
    return alt.Chart(df).mark_rect().encode(
        **_axes(days),
        color=alt.Color("count:Q", title=unit, scale=alt.Scale(scheme="blues")),
        tooltip=[alt.Tooltip("day:N", title=localize(N_("Day"))), alt.Tooltip("slot:N", title=localize(N_("Hour"))),
                 alt.Tooltip("count:Q", title=unit, format=",")],
    ).properties(title=title or localize(msg("When: {unit} by weekday and hour ({tz})", unit=unit, tz=res.spec.tz)),
                 width=alt.Step(22), height=alt.Step(22))


def rate_heatmap(res: TimingResult, title: str | None = None) -> alt.LayerChart:
    """Conversion rate per weekday and hour; grey where there is not enough data to judge."""
    df = _frame(res)
    days = [localize(d) for d in WEEKDAYS]
    rate = localize(N_("Conversion rate"))
    no = localize(N_("not enough data"))
    df["note"] = df["enough"].map({True: "", False: no})
    base = alt.Chart(df).encode(
        **_axes(days),
        tooltip=[alt.Tooltip("day:N", title=localize(N_("Day"))), alt.Tooltip("slot:N", title=localize(N_("Hour"))),
                 alt.Tooltip("rate:Q", title=rate, format=".1%"),
                 alt.Tooltip("ci_low:Q", title=localize(N_("95% CI low")), format=".1%"),
                 alt.Tooltip("ci_high:Q", title=localize(N_("95% CI high")), format=".1%"),
                 alt.Tooltip("units:Q", title=localize(N_("User-hours")), format=","),
                 alt.Tooltip("note:N", title=localize(N_("Note")))])
    judged = base.transform_filter(alt.datum.enough).mark_rect().encode(
        color=alt.Color("rate:Q", title=rate, scale=alt.Scale(scheme="greens"), legend=alt.Legend(format="%")))
    unjudged = base.transform_filter(~alt.datum.enough).mark_rect(color="#e6e6e6")
    return (unjudged + judged).properties(
        title=title or localize(msg("Conversion rate by weekday and hour ({tz}); grey: not enough data",
                                    tz=res.spec.tz)), width=alt.Step(22), height=alt.Step(22))


__all__ = ["count_heatmap", "rate_heatmap"]
