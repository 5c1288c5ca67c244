"""The Experiments page's result: the decision, the data checks, the results table (one row per variant,
numbers in the session's language), charts, the decision memo and downloads.

The decision memo (``cxlib.present.memo``) is a document in English; the page shows the same figures as a
table of numbers (so columns sort and the locale formats them) with translated headers.
"""
from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import streamlit as st

from cxlib.analyses import experiment as ex
from cxlib.analyses import experiment_words as exw
from cxlib.analyses.experiment import ExperimentResult
from cxlib.core.messages import N_
from cxlib.present import charts_experiment as charts
from cxlib.present import memo
from ui import fmt
from ui.charts import show_chart
from ui.downloads import download_chart, download_table
from ui.i18n import t, tr
from ui.lang import language
from ui.tables import show_table, sig
from ui.text import caption, esc, show_warnings

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
        return "—" if x is None or x != x else (t("yes") if x else t("no"))  # noqa: PLR0124 (NaN)

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


def ask_question(res: ex.ExperimentResult, key: str) -> str:
    """The question the test answers: a text field holding the test's own question until the user types one."""
    default, seen = tr(exw.default_question(res)), f"{key}_default"
    if st.session_state.get(seen) != default:
        if st.session_state.get(key) in (None, "", st.session_state.get(seen)):
            st.session_state[key] = default
        st.session_state[seen] = default
    return st.text_input(t("Question this test answers (title of the decision memo)"), key=key).strip() or default


DECISION_BOX = {"ship": (st.success, ":material/rocket_launch:"), "dont_ship_yet": (st.warning, ":material/pan_tool:"),
                "no_change": (st.info, ":material/horizontal_rule:")}


def show_result(res: ex.ExperimentResult, key: str) -> ex.ExperimentResult:
    """Draw a result; returns it with the user's question in its spec (for the saved spec)."""
    question = ask_question(res, f"{key}_question")
    res = replace(res, spec=replace(res.spec, question=question))      # the memo and a saved spec carry it
    box, icon = DECISION_BOX[res.decision.call]
    box(esc(tr(res.decision.sentence)), icon=icon)
    ch = res.checks
    if ch.srm_flag:
        st.error(t("Sample ratio mismatch: the users per variant do not match the intended split (p = {p:.2g}). "
                   "The result is not trustworthy until the cause is found.", p=ch.srm_p_value), icon=":material/error:")
    else:
        st.success(t("Sample ratio check passed (p = {p:.2f}): the split matches the intended one.", p=ch.srm_p_value),
                   icon=":material/check_circle:")
    (st.warning if not res.trustworthy else st.info)(esc(tr(res.verdict)), icon=":material/gavel:")
    show_warnings(res.warnings)
    show_results(res)
    with st.expander(t("All numbers (unrounded)")):
        show_table(res.to_frame().dropna(axis=1, how="all"), width="stretch",
                      formats={c: sig(6) for c in ("p_value", "p_value_adjusted", "mann_whitney_p")})
    c1, c2 = st.columns(2)
    rates, lift = charts.rates_chart(res), charts.lift_chart(res)
    show_chart(rates, where=c1, width="stretch")
    show_chart(lift, where=c2, width="stretch")
    caption(res.spec.describe())
    for note in res.caveats:
        caption(note)
    with st.expander(t("Decision memo (preview)")):     # memo_markdown escapes every text that came from a file
        st.markdown(memo.memo_markdown(res, question, translate=tr, provenance=False))
    d = st.columns(4)
    with d[0]:
        download_table(res.to_frame(), "ab_results.csv", key=f"{key}_dl_csv", label=t("Results (CSV)"))
    lang = language()                  # the deferred downloads run outside the script run
    # the memo with its provenance (package versions read from disk) is written when asked for, as the HTML one
    d[1].download_button(t("Decision memo (Markdown)"), file_name="decision_memo.md",
                         data=lambda: memo.memo_markdown(res, question, translate=lambda x: tr(x, lang)),
                         mime="text/markdown", key=f"{key}_dl_md", on_click="ignore", icon=":material/description:")
    d[2].download_button(t("Decision memo (HTML)"), file_name="decision_memo.html",
                         data=lambda: memo.memo_html(res, question=question or None, translate=lambda x: tr(x, lang),
                                                     lang=lang).encode("utf-8"),
                         mime="text/html", key=f"{key}_dl_html", on_click="ignore", icon=":material/article:")
    with d[3]:
        download_chart(lift, "ab_lift.png", key=f"{key}_dl_png", label=t("Lift chart (PNG)"))
    return res
