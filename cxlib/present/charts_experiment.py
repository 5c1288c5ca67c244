"""Altair charts for A/B test results (no data logic: they read an ExperimentResult).

Titles, axis and legend titles, tooltips and the legend's categories go through
:func:`cxlib.core.messages.localize`, so the app draws them in its language (English elsewhere).
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from cxlib.analyses.experiment import METRIC_LABELS, METRIC_TITLES, ExperimentResult
from cxlib.core.messages import N_, localize, msg

# Legend categories (shown to people, so translated when drawn) and their fixed colours.
# TRANSLATORS: legend of the A/B charts: control or variant arm; better, worse or no significant difference
_PALETTE = {N_("control"): "#7f7f7f", N_("variant"): "#1f77b4", N_("better"): "#2ca02c", N_("worse"): "#d62728",
            N_("no significant difference"): "#7f7f7f"}


def _scale(part: slice) -> alt.Scale:
    """Fixed colours for a slice of the palette (control/variant, or better/worse/no difference)."""
    return alt.Scale(domain=[localize(k) for k in list(_PALETTE)[part]], range=list(_PALETTE.values())[part])


def _level(res: ExperimentResult) -> float:
    return res.comparisons[0].test.ci_level if res.comparisons else 1 - res.spec.alpha


def rates_chart(res: ExperimentResult) -> alt.LayerChart:
    """The analysed metric per variant with its interval (Wilson for conversion rates)."""
    title = METRIC_TITLES[res.spec.metric]
    is_rate = res.spec.metric == "converted"
    control, variant = localize(N_("control")), localize(N_("variant"))
    df = pd.DataFrame([{"variant": v.name, "value": v.value, "low": v.value_ci[0], "high": v.value_ci[1],
                        "users": v.users, "conversions": v.conversions,
                        "arm": control if v.name == res.control else variant} for v in res.variants])
    fmt = ".2%" if is_rate else ",.2f"
    order = [v.name for v in res.variants]
    variant_title = localize(N_("Variant"))
    y = alt.Y("variant:N", sort=order, title=variant_title, axis=alt.Axis(labelLimit=240))
    base = alt.Chart(df)
    tooltip = [alt.Tooltip("variant:N", title=variant_title),
               alt.Tooltip("value:Q", title=localize(title), format=fmt),
               alt.Tooltip("low:Q", title=localize(N_("CI low")), format=fmt),
               alt.Tooltip("high:Q", title=localize(N_("CI high")), format=fmt),
               alt.Tooltip("users:Q", title=localize(N_("Users")), format=","),
               alt.Tooltip("conversions:Q", title=localize(N_("Conversions")), format=",")]
    bars = base.mark_rule(strokeWidth=3).encode(
        y=y, x=alt.X("low:Q", title=localize(msg("{metric} ({level:.0%} interval)", metric=title,
                                                  level=1 - res.spec.alpha)),
                     axis=alt.Axis(format=".1%" if is_rate else ",.2f"), scale=alt.Scale(zero=False)),
        x2="high:Q", color=alt.Color("arm:N", scale=_scale(slice(0, 2)), title=None, legend=alt.Legend(orient="bottom")),
        tooltip=tooltip)
    points = base.mark_point(filled=True, size=90).encode(y=y, x="value:Q", color="arm:N", tooltip=tooltip)
    return (bars + points).properties(title=localize(msg("{metric} by variant", metric=title)), height=alt.Step(44))


def lift_chart(res: ExperimentResult) -> alt.LayerChart:
    """Relative lift of each variant over the control with its interval; 0 marked."""
    rows = []
    for c in res.comparisons:
        t = c.test
        status = (N_("no significant difference") if not c.significant
                  else (N_("better") if t.abs_lift > 0 else N_("worse")))
        rows.append({"variant": c.variant, "lift": t.rel_lift, "low": t.rel_ci[0], "high": t.rel_ci[1],
                     "p": c.p_value_adjusted, "status": localize(status)})
    df = pd.DataFrame(rows)
    variant_title = localize(N_("Variant"))
    y = alt.Y("variant:N", sort=[c.variant for c in res.comparisons], title=variant_title,
              axis=alt.Axis(labelLimit=240))
    tooltip = [alt.Tooltip("variant:N", title=variant_title),
               alt.Tooltip("lift:Q", title=localize(N_("Relative lift")), format="+.2%"),
               alt.Tooltip("low:Q", title=localize(N_("CI low")), format="+.2%"),
               alt.Tooltip("high:Q", title=localize(N_("CI high")), format="+.2%"),
               alt.Tooltip("p:Q", title=localize(N_("p-value")), format=".4f"),
               alt.Tooltip("status:N", title=localize(N_("Result")))]
    color = alt.Color("status:N", title=None, legend=alt.Legend(orient="bottom"), scale=_scale(slice(2, None)))
    base = alt.Chart(df)
    bars = base.mark_rule(strokeWidth=3).encode(
        y=y, x=alt.X("low:Q", title=localize(msg("Relative lift vs {control} ({level:.0%} interval)",
                                                  control=res.control, level=_level(res))),
                     axis=alt.Axis(format="+.0%")), x2="high:Q", color=color, tooltip=tooltip)
    points = base.mark_point(filled=True, size=90).encode(y=y, x="lift:Q", color=color, tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4], color="black").encode(x="x:Q")
    title = msg("Lift in {metric} over {control}", metric=METRIC_LABELS[res.spec.metric], control=res.control)
    return (bars + points + zero).properties(title=localize(title), height=alt.Step(44))
