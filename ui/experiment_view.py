"""The Experiments page's results table: one row per variant, numbers in the session's language.

The decision memo (``cxlib.present.memo``) is a document in English; the page shows the same figures as a
table of numbers (so columns sort and the locale formats them) with translated headers.
"""
from __future__ import annotations

import math

import pandas as pd

from cxlib.analyses.experiment import ExperimentResult
from cxlib.core.messages import N_
from ui import fmt
from ui.i18n import t
from ui.tables import show_table

# Header of the analysed metric's column, per metric.
VALUE_HEADERS = {"converted": N_("Conversion"), "revenue": N_("Revenue per user"), "aov": N_("Average order value")}


def _finite(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def results_frame(res: ExperimentResult) -> pd.DataFrame:
    """Variant, users, conversions, the metric, absolute and relative lift with its CI, p-value, significance."""
    comps = {c.variant: c for c in res.comparisons}
    adjusted = any(c.p_value_adjusted != c.test.p_value for c in res.comparisons)
    p_header = N_("p-value (Holm-adjusted)") if adjusted else N_("p-value")
    rows = []
    for v in res.variants:
        c = comps.get(v.name)
        test = c.test if c else None
        rows.append({
            N_("Variant"): v.name, N_("Users"): v.users, N_("Conversions"): v.conversions,
            VALUE_HEADERS.get(res.spec.metric, N_("Value")): v.value,
            N_("Absolute lift"): test.abs_lift if test else float("nan"),
            N_("Relative lift"): test.rel_lift if test else float("nan"),
            N_("Relative lift, CI low"): test.rel_ci[0] if test else float("nan"),
            N_("Relative lift, CI high"): test.rel_ci[1] if test else float("nan"),
            p_header: c.p_value_adjusted if c else float("nan"),
            N_("Significant"): bool(c.significant) if c else None,
        })
    return pd.DataFrame(rows)


def show_results(res: ExperimentResult) -> None:
    """The results table: rates as percentages, lifts with their sign, the control marked."""
    pct = res.spec.metric == "converted"
    value = (lambda x: fmt.pct(x, 2)) if pct else (lambda x: fmt.num(x, 2))
    rel = (lambda x: fmt.signed(x, 2, percent=True) if _finite(x) else "—")

    def abs_lift(x) -> str:
        if not _finite(x):
            return "—"
        return t("{d:+.2f} pp", d=x * 100) if pct else fmt.signed(x, 2)

    def p_value(x) -> str:
        if not _finite(x):
            return "—"
        return "< " + fmt.num(0.001, 3) if x < 0.001 else fmt.num(x, 3)

    def significant(x) -> str:
        return "—" if x is None or x != x else (t("yes") if x else t("no"))

    def variant(name) -> str:
        if name == res.control and "control" not in str(name).lower():
            return t("{variant} (control)", variant=name)
        return str(name)

    frame = results_frame(res)
    p_header = next(c for c in frame.columns if c.startswith("p-value"))
    value_header = VALUE_HEADERS.get(res.spec.metric, "Value")
    show_table(frame, width="stretch", formats={
        "Variant": variant, value_header: value, "Absolute lift": abs_lift, "Relative lift": rel,
        "Relative lift, CI low": rel, "Relative lift, CI high": rel, p_header: p_value, "Significant": significant})
