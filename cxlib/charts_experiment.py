"""Altair charts for A/B test results (no data logic: they read an ExperimentResult)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from cxlib.experiment import METRIC_LABELS, ExperimentResult

_PALETTE = {"control": "#7f7f7f", "variant": "#1f77b4", "better": "#2ca02c", "worse": "#d62728",
            "no significant difference": "#7f7f7f"}


def _scale(part: slice) -> alt.Scale:
    """Fixed colours for a slice of the palette (control/variant, or better/worse/no difference)."""
    return alt.Scale(domain=list(_PALETTE)[part], range=list(_PALETTE.values())[part])


def _level(res: ExperimentResult) -> str:
    c = res.comparisons[0].test.ci_level if res.comparisons else 1 - res.spec.alpha
    return f"{c:.0%}"


def rates_chart(res: ExperimentResult) -> alt.LayerChart:
    """The analysed metric per variant with its interval (Wilson for conversion rates)."""
    label = METRIC_LABELS[res.spec.metric]
    is_rate = res.spec.metric == "converted"
    df = pd.DataFrame([{"variant": v.name, "value": v.value, "low": v.value_ci[0], "high": v.value_ci[1],
                        "users": v.users, "conversions": v.conversions,
                        "arm": "control" if v.name == res.control else "variant"} for v in res.variants])
    fmt = ".2%" if is_rate else ",.2f"
    order = [v.name for v in res.variants]
    y = alt.Y("variant:N", sort=order, title="Variant", axis=alt.Axis(labelLimit=240))
    base = alt.Chart(df)
    tooltip = [alt.Tooltip("variant:N", title="Variant"), alt.Tooltip("value:Q", title=label.capitalize(), format=fmt),
               alt.Tooltip("low:Q", title="CI low", format=fmt), alt.Tooltip("high:Q", title="CI high", format=fmt),
               alt.Tooltip("users:Q", title="Users", format=","),
               alt.Tooltip("conversions:Q", title="Conversions", format=",")]
    bars = base.mark_rule(strokeWidth=3).encode(
        y=y, x=alt.X("low:Q", title=f"{label.capitalize()} ({1 - res.spec.alpha:.0%} interval)",
                     axis=alt.Axis(format=".1%" if is_rate else ",.2f"), scale=alt.Scale(zero=False)),
        x2="high:Q", color=alt.Color("arm:N", scale=_scale(slice(0, 2)), title=None, legend=alt.Legend(orient="bottom")),
        tooltip=tooltip)
    points = base.mark_point(filled=True, size=90).encode(y=y, x="value:Q", color="arm:N", tooltip=tooltip)
    return (bars + points).properties(title=f"{label.capitalize()} by variant", height=alt.Step(44))


def lift_chart(res: ExperimentResult) -> alt.LayerChart:
    """Relative lift of each variant over the control with its interval; 0 marked."""
    rows = []
    for c in res.comparisons:
        t = c.test
        status = ("no significant difference" if not c.significant else ("better" if t.abs_lift > 0 else "worse"))
        rows.append({"variant": c.variant, "lift": t.rel_lift, "low": t.rel_ci[0], "high": t.rel_ci[1],
                     "p": c.p_value_adjusted, "status": status})
    df = pd.DataFrame(rows)
    y = alt.Y("variant:N", sort=[c.variant for c in res.comparisons], title="Variant", axis=alt.Axis(labelLimit=240))
    tooltip = [alt.Tooltip("variant:N", title="Variant"), alt.Tooltip("lift:Q", title="Relative lift", format="+.2%"),
               alt.Tooltip("low:Q", title="CI low", format="+.2%"), alt.Tooltip("high:Q", title="CI high", format="+.2%"),
               alt.Tooltip("p:Q", title="p-value", format=".4f"), alt.Tooltip("status:N", title="Result")]
    color = alt.Color("status:N", title=None, legend=alt.Legend(orient="bottom"), scale=_scale(slice(2, None)))
    base = alt.Chart(df)
    bars = base.mark_rule(strokeWidth=3).encode(
        y=y, x=alt.X("low:Q", title=f"Relative lift vs {res.control} ({_level(res)} interval)",
                     axis=alt.Axis(format="+.0%")), x2="high:Q", color=color, tooltip=tooltip)
    points = base.mark_point(filled=True, size=90).encode(y=y, x="lift:Q", color=color, tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4], color="black").encode(x="x:Q")
    return (bars + points + zero).properties(title=f"Lift in {METRIC_LABELS[res.spec.metric]} over {res.control}",
                                             height=alt.Step(44))
