"""Experiments: A/B test verdicts with data checks first, a decision memo, and a sample-size calculator."""
import json
from dataclasses import replace

import pandas as pd
import streamlit as st

import ui
from cxlib.present import charts_experiment as charts
from cxlib.analyses import experiment as ex
from cxlib.analyses import experiment_events as exe, experiment_units as exu, experiment_words as exw
from cxlib.present import memo
from cxlib.analyses import power
from cxlib.core.errors import CxDataError
from cxlib.core.messages import N_
from ui import fmt, state, t, tr
from ui.experiment_view import show_results
from ui.i18n import language

ui.shell(t("Experiments"), icon=":material/science:")


@st.cache_data(show_spinner=False, max_entries=32)
def run(_ds, key: str, spec_json: str, _orders=None, orders_key: str = "") -> ex.ExperimentResult:
    return ex.analyze(_ds, ex.ExperimentSpec.from_json(json.loads(spec_json)), orders=_orders)


@st.cache_data(show_spinner=False, max_entries=8)
def joined(_exp, exp_key: str, _events, events_key: str, event: str, window: str):
    return exe.conversions_from_events(_exp, _events, event, window)


@st.cache_data(show_spinner=False, max_entries=16)
def memo_html(_res: ex.ExperimentResult, result_json: str, question: str, lang: str, dataset_name: str) -> bytes:
    """The memo in ``lang`` (passed in: a deferred download runs outside the script run); the file name
    is part of the key because the memo shows it and the result's JSON does not."""
    return memo.memo_html(_res, question=question or None, translate=lambda x: tr(x, lang), lang=lang).encode("utf-8")


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
    box(ui.esc(tr(res.decision.sentence)), icon=icon)
    ch = res.checks
    if ch.srm_flag:
        st.error(t("Sample ratio mismatch: the users per variant do not match the intended split (p = {p:.2g}). "
                   "The result is not trustworthy until the cause is found.", p=ch.srm_p_value), icon=":material/error:")
    else:
        st.success(t("Sample ratio check passed (p = {p:.2f}): the split matches the intended one.", p=ch.srm_p_value),
                   icon=":material/check_circle:")
    (st.warning if not res.trustworthy else st.info)(ui.esc(tr(res.verdict)), icon=":material/gavel:")
    ui.show_warnings(res.warnings)
    show_results(res)
    with st.expander(t("All numbers (unrounded)")):
        ui.show_table(res.to_frame().dropna(axis=1, how="all"), width="stretch",
                      formats={c: ui.sig(6) for c in ("p_value", "p_value_adjusted", "mann_whitney_p")})
    c1, c2 = st.columns(2)
    rates, lift = charts.rates_chart(res), charts.lift_chart(res)
    ui.show_chart(rates, where=c1, width="stretch")
    ui.show_chart(lift, where=c2, width="stretch")
    ui.caption(res.spec.describe())
    for note in res.caveats:
        ui.caption(note)
    memo_md = memo.memo_markdown(res, question, translate=tr)
    with st.expander(t("Decision memo (preview)")):     # memo_markdown escapes every text that came from a file
        st.markdown(memo.memo_markdown(res, question, translate=tr, provenance=False))
    d = st.columns(4)
    with d[0]:
        ui.download_table(res.to_frame(), "ab_results.csv", key=f"{key}_dl_csv", label=t("Results (CSV)"))
    lang = language()
    d[1].download_button(t("Decision memo (Markdown)"), data=memo_md, file_name="decision_memo.md",
                         mime="text/markdown", key=f"{key}_dl_md", on_click="ignore", icon=":material/description:")
    d[2].download_button(t("Decision memo (HTML)"), file_name="decision_memo.html",
                         data=lambda: memo_html(res, json.dumps(res.to_json(), sort_keys=True), question, lang,
                                                res.dataset_name),
                         mime="text/html", key=f"{key}_dl_html", on_click="ignore", icon=":material/article:")
    with d[3]:
        ui.download_chart(lift, "ab_lift.png", key=f"{key}_dl_png", label=t("Lift chart (PNG)"))
    return res


tab_data, tab_counts, tab_plan = st.tabs([t("Analyse a test"), t("Quick check from counts"), t("Sample size")])

with tab_data:
    up = st.file_uploader(t("Upload an experiment file (unit id, variant, converted and/or revenue)"),
                          key="exp_upload", type=["csv", "tsv", "txt", "xlsx", "xls", "parquet", "jsonl", "gz", "zip"])
    if up is not None and st.session_state.get("exp_uploaded") != up.file_id:
        try:
            st.session_state["exp_dataset"] = state.add(state.load_upload(up.name, up.getvalue(), role="experiment"))
            st.session_state["exp_uploaded"] = up.file_id      # select the new file once, then leave the choice
        except CxDataError as err:
            ui.show_error(err)
    ds = ui.pick_dataset("experiment", key="exp_dataset")
    events_all = state.of_role("events")
    with st.expander(t("Conversion from events (instead of the file's converted column)")):
        e = st.columns(3)
        by_key = {d.key: d for d in events_all}
        ev_ds = by_key.get(e[0].selectbox(t("Events dataset"), ["-", *by_key], key="exp_events", format_func=ui.option_labels(
                                              ["-", *by_key], lambda k: t("none") if k == "-" else ui.dataset_label(by_key[k]))))
        event = e[1].selectbox(t("Conversion event"), sorted(ev_ds.df["event"].dropna().unique()),
                               key=f"exp_event_{ev_ds.key}") if ev_ds else None
        window = e[2].text_input(t("Window after exposure"), "7d", key="exp_window") if ev_ds else "7d"
    if ev_ds is not None and event:
        try:
            ds = joined(ds, state.cache_key(ds), ev_ds, state.cache_key(ev_ds), event, window)
        except CxDataError as err:
            ui.show_error(err)
            st.stop()
    ui.show_warnings(ds.warnings)
    names = sorted(str(v) for v in ds.df["variant"].dropna().unique())
    metrics = ["converted"] + (["revenue", "aov"] if ds.has("revenue") else [])
    c = st.columns(4)
    control = c[0].selectbox(t("Control"), names, index=names.index(exu.pick_control(names)) if names else 0,
                             key="exp_control")
    metric = c[1].selectbox(t("Metric"), metrics, key="exp_metric", format_func=ui.option_labels(metrics, lambda m: tr(ex.METRIC_LABELS[m])))
    alpha = c[2].selectbox(t("Significance level"), [0.05, 0.01, 0.10], key="exp_alpha", format_func=ui.option_labels([0.05, 0.01, 0.10], fmt.num))
    alternative = c[3].selectbox(t("Test"), ["two-sided", "larger", "smaller"], key="exp_alt", format_func={
        "two-sided": t("Two-sided"), "larger": t("One-sided: variant better"),
        "smaller": t("One-sided: variant worse")}.get)
    with st.expander(t("More options: split, winsorizing, CUPED, Bayesian, sequential")):
        o = st.columns(3)
        split = o[0].text_input(t("Intended split (empty = equal)"), key="exp_split", placeholder="control=50,B=50")
        wins = o[1].number_input(t("Cap revenue at percentile (0 = off)"), 0.0, 99.9, 0.0, key="exp_wins")
        planned = o[2].number_input(t("Planned users per variant (0 = none)"), 0, 10**9, 0, key="exp_planned")
        orders_all = state.of_role("orders")
        o_key = o[0].selectbox(t("CUPED: pre-experiment orders"), ["-"] + [d.key for d in orders_all], key="exp_cuped",
                               format_func=ui.option_labels(["-"] + [d.key for d in orders_all], lambda k: t("none") if k == "-"
                                                            else ui.dataset_label(next(d for d in orders_all if d.key == k))),
                               disabled=metric != "revenue")
        bayes = o[1].checkbox(t("Bayesian chance to beat control"), key="exp_bayes", disabled=metric != "converted")
        seq = o[2].checkbox(t("Sequential (always-valid) testing"), key="exp_seq")
    orders_ds = next((d for d in orders_all if d.key == o_key), None) if metric == "revenue" else None
    try:
        spec = ex.ExperimentSpec(control=control, metric=metric, alpha=alpha, alternative=alternative,
                                 split=ex.parse_split(split), winsorize_pct=wins or None, bayesian=bayes,
                                 sequential=seq, planned_users_per_variant=int(planned) or None)
        with st.spinner(t("Analysing the experiment...")):
            result = run(ds, state.cache_key(ds), json.dumps(spec.to_json(), sort_keys=True), orders_ds,
                         orders_ds.key if orders_ds else "")
    except CxDataError as err:
        ui.show_error(err)
    else:
        result = show_result(result, "exp")
        ui.spec_download(result, [ds, orders_ds], key="spec_experiment", title=t("A/B test"))

with tab_counts:
    st.caption(t("Type users and conversions per variant; the first row is the control."))
    start = pd.DataFrame({N_("variant"): ["A", "B"], N_("users"): [10000, 10000], N_("conversions"): [410, 462]})
    table = st.data_editor(start, num_rows="dynamic", key="exp_counts", hide_index=True, column_config={
        c: st.column_config.Column(label=tr(c)) for c in start.columns})
    try:
        rows = table.dropna()
        counts = {str(r.variant): (int(r.users), int(r.conversions)) for r in rows.itertuples()}
        show_result(ex.analyze_counts(counts, control=str(rows["variant"].iloc[0]) if len(rows) else None), "cnt")
    except CxDataError as err:
        ui.show_error(err)

with tab_plan:
    p = st.columns(5)
    base = p[0].number_input(t("Baseline conversion (%)"), 0.01, 99.0, 3.0, key="plan_base")
    mde = p[1].number_input(t("Minimum detectable effect (% relative)"), 0.1, 500.0, 10.0, key="plan_mde")
    p_alpha = p[2].selectbox(t("Significance level"), [0.05, 0.01, 0.10], key="plan_alpha",
                           format_func=ui.option_labels([0.05, 0.01, 0.10], fmt.num))
    p_power = p[3].selectbox(t("Power"), [0.8, 0.9, 0.95], key="plan_power",
                           format_func=ui.option_labels([0.8, 0.9, 0.95], fmt.num))
    sides = p[4].selectbox(t("Test"), ["two-sided", "one-sided"], key="plan_sides",
                           format_func={"two-sided": t("Two-sided"), "one-sided": t("One-sided")}.get)
    try:
        plan = power.sample_size(base / 100, mde / 100, alpha=p_alpha, power=p_power, sides=sides)
        m = st.columns(2)
        m[0].metric(t("Users per variant"), fmt.num(plan.n_per_variant))
        m[1].metric(t("Users in total (2 variants)"), fmt.num(plan.total))
        ui.caption(plan.describe())
        q = st.columns(3)
        have = q[0].number_input(t("Users per variant you can get"), 10, 10**9, 20000, key="plan_have")
        got = power.minimum_detectable_effect(base / 100, int(have), alpha=p_alpha, power=p_power, sides=sides)
        q[1].metric(t("Smallest detectable relative effect"), fmt.signed(got, 1, percent=True) if got == got else t("none"))
        if "result" in globals() and result.spec.metric == "converted" and 0 < result.variants[0].rate < 1:
            a, b = result.variants[0], result.variants[1]
            pw = power.achieved_power(a.rate, min(0.999, a.rate * (1 + mde / 100)), a.users, b.users, alpha=p_alpha,
                                      sides=sides)
            q[2].metric(t("Power of the loaded test to detect this effect"), fmt.pct(pw, 0),
                        help=t("{n_a:,} and {n_b:,} users, control conversion {rate:.2%}.", n_a=a.users,
                               n_b=b.users, rate=a.rate))
    except CxDataError as err:
        ui.show_error(err)
