"""Altair charts for channel results: rates with intervals, conversion by send hour, fatigue.

Titles and axis titles go through ``localize`` (the app's language while a page draws).
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from cxlib.analyses.channels import ChannelsResult
from cxlib.core.messages import N_, localize, msg

_RATES = (("click", N_("Click rate")), ("conversion", N_("Conversion rate")), ("unsubscribe", N_("Unsubscribe rate")))


def rates_chart(res: ChannelsResult, title: str | None = None) -> alt.LayerChart:
    """Click, conversion and unsubscribe rate per channel, each with its 95% interval."""
    overall = res.overall()
    rows = []
    for key, label in _RATES:
        if f"{key}_rate" in overall:
            for r in overall.to_dict("records"):
                rows.append({"channel": r["channel"], "metric": localize(label), "rate": r[f"{key}_rate"],
                             "low": r[f"{key}_ci_low"], "high": r[f"{key}_ci_high"], "sent": int(r["sent"])})
    df = pd.DataFrame(rows, columns=["channel", "metric", "rate", "low", "high", "sent"])
    rate = localize(N_("Rate per message sent"))
    base = alt.Chart(df).encode(y=alt.Y("channel:N", title=None),
                                tooltip=[alt.Tooltip("channel:N", title=localize(N_("Channel"))),
                                         alt.Tooltip("rate:Q", title=rate, format=".2%"),
                                         alt.Tooltip("low:Q", title=localize(N_("95% CI low")), format=".2%"),
                                         alt.Tooltip("high:Q", title=localize(N_("95% CI high")), format=".2%"),
                                         alt.Tooltip("sent:Q", title=localize(N_("Sent")), format=",")])
    bars = base.mark_bar().encode(x=alt.X("rate:Q", title=rate, axis=alt.Axis(format="%")))
    whiskers = base.mark_rule(color="black").encode(x="low:Q", x2="high:Q")
    return alt.layer(bars, whiskers, data=df).facet(
        column=alt.Column("metric:N", title=None)).resolve_scale(x="independent").properties(
        title=title or localize(N_("Rates per message sent, by channel, with 95% confidence intervals")))


def send_hour_chart(res: ChannelsResult, title: str | None = None) -> alt.Chart:
    """Conversion rate by the hour the message was sent (shop's time), one line per channel."""
    df = res.by_send_hour
    conv = localize(N_("Conversion rate"))
    return alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("hour:O", title=localize(msg("Send hour ({tz})", tz=res.spec.tz)), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("conversion_rate:Q", title=conv, axis=alt.Axis(format="%")),
        color=alt.Color("channel:N", title=localize(N_("Channel"))),
        tooltip=[alt.Tooltip("channel:N", title=localize(N_("Channel"))), alt.Tooltip("hour:O", title=localize(N_("Hour"))),
                 alt.Tooltip("conversion_rate:Q", title=conv, format=".2%"),
                 alt.Tooltip("sent:Q", title=localize(N_("Sent")), format=",")],
    ).properties(title=title or localize(N_("Conversion by send hour")))


def fatigue_chart(res: ChannelsResult, title: str | None = None) -> alt.LayerChart:
    """Conversion rate by messages received in the 7 days before, with intervals."""
    df = res.fatigue
    conv = localize(N_("Conversion rate"))
    order = sorted(df["prior_7d"].unique(), key=lambda s: int(str(s).rstrip("+")))
    base = alt.Chart(df).encode(
        x=alt.X("prior_7d:O", title=localize(N_("Messages received in the 7 days before")), sort=order,
                axis=alt.Axis(labelAngle=0)),
        color=alt.Color("channel:N", title=localize(N_("Channel"))),
        tooltip=[alt.Tooltip("channel:N", title=localize(N_("Channel"))),
                 alt.Tooltip("conversion_rate:Q", title=conv, format=".2%"),
                 alt.Tooltip("sent:Q", title=localize(N_("Sent")), format=",")])
    line = base.mark_line(point=True).encode(y=alt.Y("conversion_rate:Q", title=conv, axis=alt.Axis(format="%")))
    band = base.mark_errorbar(opacity=0.5).encode(y=alt.Y("conversion_ci_low:Q", title=conv), y2="conversion_ci_high:Q")
    return (band + line).properties(title=title or localize(N_("Fatigue: conversion by recent messages")),
                                    width=alt.Step(48))


__all__ = ["fatigue_chart", "rates_chart", "send_hour_chart"]
