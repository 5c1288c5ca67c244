"""Altair charts for funnels, built from ``FunnelResult`` objects (no data logic here)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from cxlib.funnel import FunnelResult

_STEP_AXIS = alt.Axis(labelAngle=0, labelLimit=160)


def _step_order(result: FunnelResult) -> list[str]:
    return [f"{i}. {s}" for i, s in enumerate(result.steps, 1)]


def funnel_chart(result: FunnelResult, title: str | None = None) -> alt.Chart:
    """Bars of units per step, labelled with conversion from step 1 and the drop-off from the previous step."""
    f = result.to_frame()
    data = pd.DataFrame({
        "step": _step_order(result), "units": f["units"], "conversion": f["conversion_from_first"].fillna(0),
        "drop_off": f["drop_off"], "drop_off_rate": f["drop_off_rate"].fillna(0),
        "label": [f"{u:,} ({c:.1%})" for u, c in zip(f["units"], f["conversion_from_first"].fillna(0))],
        "drop_label": ["" if i == 0 else f"-{d:,} (-{r:.1%})"
                       for i, (d, r) in enumerate(zip(f["drop_off"], f["drop_off_rate"].fillna(0)))],
    })
    base = alt.Chart(data).encode(x=alt.X("step:N", sort=None, title=None, axis=_STEP_AXIS))
    tooltip = [alt.Tooltip("step:N", title="Step"), alt.Tooltip("units:Q", title=result.unit_name.capitalize(),
                                                               format=","),
               alt.Tooltip("conversion:Q", title="From step 1", format=".1%"),
               alt.Tooltip("drop_off:Q", title="Dropped off", format=","),
               alt.Tooltip("drop_off_rate:Q", title="Drop-off rate", format=".1%")]
    bars = base.mark_bar(color="#4C78A8").encode(
        y=alt.Y("units:Q", title=result.unit_name.capitalize()), tooltip=tooltip)
    labels = base.mark_text(dy=-8, fontWeight="bold").encode(y="units:Q", text="label:N")
    drops = base.mark_text(dy=-24, color="#D62728").encode(y="units:Q", text="drop_label:N")
    return alt.layer(bars, labels, drops).properties(
        title=title or f"Funnel: {result.unit_name} per step (drop-off from the previous step in red)",
        height=360, width=alt.Step(140))


def breakdown_chart(result: FunnelResult, title: str | None = None) -> alt.Chart:
    """Grouped bars: conversion from step 1 at every step, one bar per breakdown value."""
    if result.breakdown is None:
        raise ValueError("this funnel has no breakdown; set FunnelSpec.by")
    data = result.breakdown.assign(step=lambda d: [f"{i}. {s}" for i, s in zip(d["step_index"], d["step"])])
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("step:N", sort=_step_order(result), title=None, axis=_STEP_AXIS),
        xOffset=alt.XOffset("value:N", sort=None),
        y=alt.Y("conversion:Q", title="Conversion from step 1", axis=alt.Axis(format="%")),
        color=alt.Color("value:N", sort=None, title=result.spec.by),
        tooltip=[alt.Tooltip("value:N", title=result.spec.by), alt.Tooltip("step:N", title="Step"),
                 alt.Tooltip("units:Q", title=result.unit_name.capitalize(), format=","),
                 alt.Tooltip("conversion:Q", title="From step 1", format=".1%")],
    ).properties(title=title or f"Conversion by {result.spec.by}", height=320)


def _time_unit(seconds: float) -> tuple[str, float]:
    if seconds >= 86400:
        return "days", 86400.0
    if seconds >= 3600:
        return "hours", 3600.0
    if seconds >= 60:
        return "minutes", 60.0
    return "seconds", 1.0


def time_histogram_chart(result: FunnelResult, step_index: int, bin_seconds: float,
                         title: str | None = None) -> alt.Chart:
    """Histogram of time from step ``step_index - 1`` to ``step_index`` with fixed bins."""
    hist = result.time_histogram(step_index, bin_seconds)
    unit, size = _time_unit(bin_seconds)
    data = pd.DataFrame({"start": hist["bin_start_s"] / size, "end": hist["bin_end_s"] / size, "units": hist["units"]})
    name = f"{result.steps[step_index - 2]} -> {result.steps[step_index - 1]}"
    return alt.Chart(data).mark_bar(color="#4C78A8").encode(
        x=alt.X("start:Q", title=f"Time to convert ({unit})"), x2="end:Q",
        y=alt.Y("units:Q", title=result.unit_name.capitalize()),
        tooltip=[alt.Tooltip("start:Q", title=f"From ({unit})", format=",.4~g"),
                 alt.Tooltip("end:Q", title=f"To ({unit})", format=",.4~g"),
                 alt.Tooltip("units:Q", title=result.unit_name.capitalize(), format=",")],
    ).properties(title=title or f"Time to convert: {name}", height=260)


def trend_chart(result: FunnelResult, period: str | None = None, title: str | None = None) -> alt.Chart:
    """Overall conversion by day or week of the first step-1 event, with a Wilson 95 % band."""
    data = result.trend(period).assign(period=lambda d: d["period"].dt.tz_localize(None))
    period = period or result.spec.period
    x = alt.X("period:T", title=f"{period.capitalize()} of first {result.spec.steps[0].event}")
    band = alt.Chart(data).mark_area(opacity=0.2, color="#4C78A8").encode(
        x=x, y=alt.Y("ci_low:Q", title="Conversion (step 1 to last)", axis=alt.Axis(format="%"),
                    scale=alt.Scale(domainMin=0)), y2="ci_high:Q")
    line = alt.Chart(data).mark_line(point=True, color="#4C78A8").encode(
        x=x, y="rate:Q",
        tooltip=[alt.Tooltip("period:T", title=period.capitalize()),
                 alt.Tooltip("units:Q", title=result.unit_name.capitalize(), format=","),
                 alt.Tooltip("converted:Q", title="Converted", format=","),
                 alt.Tooltip("rate:Q", title="Conversion", format=".2%"),
                 alt.Tooltip("ci_low:Q", title="95% CI low", format=".2%"),
                 alt.Tooltip("ci_high:Q", title="95% CI high", format=".2%")])
    return alt.layer(band, line).properties(title=title or "Conversion trend", height=260)
