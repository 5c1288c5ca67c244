"""Altair charts for funnels, built from ``FunnelResult`` objects (no data logic here).

Titles, axis, legend and tooltip titles go through :func:`cxlib.core.messages.localize` (English unless an
interface installed a translator for the current run); step labels are the data's event names.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from cxlib.analyses.funnel import FunnelResult
from cxlib.analyses.funnel_breakdown import MISSING, OTHER
from cxlib.core.messages import Msg, N_, localize, msg

_STEP_AXIS = alt.Axis(labelAngle=0, labelLimit=160)
_UNIT_TITLES = {"users": N_("Users"), "sessions": N_("Sessions")}
_PERIOD_TITLES = {"day": N_("Day"), "week": N_("Week")}


def _step_order(result: FunnelResult) -> list[str]:
    return [f"{i}. {s}" for i, s in enumerate(result.steps, 1)]


def _units_title(result: FunnelResult) -> str:
    return localize(_UNIT_TITLES.get(result.unit_name, result.unit_name.capitalize()))


def funnel_chart(result: FunnelResult, title: str | None = None) -> alt.Chart:
    """Bars of units per step, labelled with conversion from step 1 and the drop-off from the previous step."""
    f = result.to_frame()
    conversion, rate = f["conversion_from_first"].fillna(0), f["drop_off_rate"].fillna(0)
    # numbers only (no words): Msg, not msg, so nothing is extracted, yet they follow the locale's formats
    data = pd.DataFrame({
        "step": _step_order(result), "units": f["units"], "conversion": conversion,
        "drop_off": f["drop_off"], "drop_off_rate": rate,
        "label": [localize(Msg("{units:,} ({rate:.1%})", units=int(u), rate=float(c)))
                  for u, c in zip(f["units"], conversion)],
        "drop_label": ["" if i == 0 else localize(Msg("-{count:,} (-{rate:.1%})", count=int(d), rate=float(r)))
                       for i, (d, r) in enumerate(zip(f["drop_off"], rate))],
    })
    units = _units_title(result)
    base = alt.Chart(data).encode(x=alt.X("step:N", sort=None, title=None, axis=_STEP_AXIS))
    tooltip = [alt.Tooltip("step:N", title=localize(N_("Step"))), alt.Tooltip("units:Q", title=units, format=","),
               alt.Tooltip("conversion:Q", title=localize(N_("From step 1")), format=".1%"),
               alt.Tooltip("drop_off:Q", title=localize(N_("Dropped off")), format=","),
               alt.Tooltip("drop_off_rate:Q", title=localize(N_("Drop-off rate")), format=".1%")]
    bars = base.mark_bar(color="#4C78A8").encode(y=alt.Y("units:Q", title=units), tooltip=tooltip)
    labels = base.mark_text(dy=-8, fontWeight="bold").encode(y="units:Q", text="label:N")
    drops = base.mark_text(dy=-24, color="#D62728").encode(y="units:Q", text="drop_label:N")
    if title is None:
        title = localize(msg("Funnel: users per step (drop-off from the previous step in red)")
                         if result.spec.unit == "user" else
                         msg("Funnel: sessions per step (drop-off from the previous step in red)"))
    return alt.layer(bars, labels, drops).properties(title=title, height=360, width=alt.Step(140))


def breakdown_chart(result: FunnelResult, title: str | None = None) -> alt.Chart:
    """Grouped bars: conversion from step 1 at every step, one bar per breakdown value."""
    if result.breakdown is None:
        raise ValueError("this funnel has no breakdown; set FunnelSpec.by")
    data = result.breakdown.assign(step=lambda d: [f"{i}. {s}" for i, s in zip(d["step_index"], d["step"])])
    # the two values cxlib makes itself are labels; every other value is the file's own
    data["value"] = data["value"].map(lambda v: localize(v) if v in (OTHER, MISSING) else v)
    from_first = localize(N_("From step 1"))
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("step:N", sort=_step_order(result), title=None, axis=_STEP_AXIS),
        xOffset=alt.XOffset("value:N", sort=None),
        y=alt.Y("conversion:Q", title=localize(N_("Conversion from step 1")), axis=alt.Axis(format="%")),
        color=alt.Color("value:N", sort=None, title=result.spec.by),
        tooltip=[alt.Tooltip("value:N", title=result.spec.by), alt.Tooltip("step:N", title=localize(N_("Step"))),
                 alt.Tooltip("units:Q", title=_units_title(result), format=","),
                 alt.Tooltip("conversion:Q", title=from_first, format=".1%")],
    ).properties(title=title or localize(msg("Conversion by {field}", field=result.spec.by)), height=320)


def _time_unit(seconds: float) -> tuple[str, float]:
    """The unit of a histogram axis (a label marked for translation) and its size in seconds."""
    if seconds >= 86400:
        return N_("days"), 86400.0
    if seconds >= 3600:
        return N_("hours"), 3600.0
    if seconds >= 60:
        return N_("minutes"), 60.0
    return N_("seconds"), 1.0


def time_histogram_chart(result: FunnelResult, step_index: int, bin_seconds: float | None = None,
                         title: str | None = None) -> alt.Chart:
    """Histogram of time from step ``step_index - 1`` to ``step_index``, counts as whole numbers.

    ``bin_seconds=None``: one bar per range people name ("under 10 s", "1 min to 2 min", "3 d to 7 d"),
    fast and slow conversions side by side. A width: equal bins on a time axis in the unit that suits
    the width (seconds ... days), the slowest units in one last orange bar ("... or more")."""
    hist = result.time_histogram(step_index, bin_seconds)
    units = _units_title(result)
    data = pd.DataFrame({"units": hist["units"].astype(int), "overflow": hist["overflow"].astype(bool),
                         "range": [localize(x) for x in hist["label"]]})
    y = alt.Y("units:Q", title=units, axis=alt.Axis(format=",d", tickMinStep=1))
    color = alt.condition("datum.overflow", alt.value("#F58518"), alt.value("#4C78A8"))
    tooltip = [alt.Tooltip("range:N", title=localize(N_("Time to convert"))),
               alt.Tooltip("units:Q", title=units, format=",")]
    if bin_seconds is None:
        chart = alt.Chart(data).mark_bar().encode(
            x=alt.X("range:N", sort=None, title=localize(N_("Time to convert")), axis=alt.Axis(labelAngle=-40)),
            y=y, color=color, tooltip=tooltip)
    else:
        unit, size = _time_unit(bin_seconds)
        data["start"] = hist["bin_start_s"] / size
        data["end"] = (hist["bin_start_s"] + bin_seconds) / size       # the overflow bar drawn one bin wide
        chart = alt.Chart(data).mark_bar().encode(
            # TRANSLATORS: {unit} is days, hours, minutes or seconds
            x=alt.X("start:Q", title=localize(msg("Time to convert ({unit})", unit=Msg(unit))),
                    axis=alt.Axis(format=",.4~g")), x2="end:Q", y=y, y2=alt.datum(0), color=color, tooltip=tooltip)
    return chart.properties(title=title or localize(msg("Time to convert: {from_step} -> {to_step}",
                                                        from_step=result.steps[step_index - 2],
                                                        to_step=result.steps[step_index - 1])), height=260)


def trend_chart(result: FunnelResult, period: str | None = None, title: str | None = None) -> alt.Chart:
    """Overall conversion by day or week of the first step-1 event, with a Wilson 95 % band."""
    data = result.trend(period).assign(period=lambda d: d["period"].dt.tz_localize(None))
    period = period or result.spec.period
    event = result.spec.steps[0].event
    x_title = (msg("Week of first {event}", event=event) if period == "week"
               else msg("Day of first {event}", event=event))
    x = alt.X("period:T", title=localize(x_title))
    band = alt.Chart(data).mark_area(opacity=0.2, color="#4C78A8").encode(
        x=x, y=alt.Y("ci_low:Q", title=localize(N_("Conversion (step 1 to last)")), axis=alt.Axis(format="%"),
                    scale=alt.Scale(domainMin=0)), y2="ci_high:Q")
    line = alt.Chart(data).mark_line(point=True, color="#4C78A8").encode(
        x=x, y="rate:Q",
        tooltip=[alt.Tooltip("period:T", title=localize(_PERIOD_TITLES.get(period, period.capitalize()))),
                 alt.Tooltip("units:Q", title=_units_title(result), format=","),
                 alt.Tooltip("converted:Q", title=localize(N_("Converted")), format=","),
                 alt.Tooltip("rate:Q", title=localize(N_("Conversion")), format=".2%"),
                 alt.Tooltip("ci_low:Q", title=localize(N_("95% CI low")), format=".2%"),
                 alt.Tooltip("ci_high:Q", title=localize(N_("95% CI high")), format=".2%")])
    return alt.layer(band, line).properties(title=title or localize(N_("Conversion trend")), height=260)
