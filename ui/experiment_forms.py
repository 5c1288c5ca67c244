"""The Experiments page's inputs: the experiment upload, conversions from an events log, the test's
options, the quick check from counts and the sample-size calculator."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from cxlib.analyses import experiment as ex
from cxlib.analyses import experiment_events as exe
from cxlib.analyses import power
from cxlib.core.definitions import DefinitionSet
from cxlib.core.errors import CxDataError
from cxlib.core.messages import N_
from cxlib.data.dataset import Dataset
from ui import fmt, runner, state
from ui.experiment_view import show_result
from ui.i18n import t, tr
from ui.pickers import dataset_label, option_labels
from ui.text import caption, show_error

LEVELS = [0.05, 0.01, 0.10]
FILE_TYPES = ["csv", "tsv", "txt", "xlsx", "xls", "parquet", "jsonl", "gz", "zip"]


def conversions(datasets: list[Dataset], options: dict, defs: DefinitionSet) -> Dataset:
    """The experiment (first dataset) with ``converted`` from the events (second) within ``options["window"]``."""
    return exe.conversions_from_events(datasets[0], datasets[1], options["event"], options["window"])


def upload() -> None:
    """An experiment file uploaded here is loaded and selected once (then the choice is the user's)."""
    up = st.file_uploader(t("Upload an experiment file (unit id, variant, converted and/or revenue)"),
                          key="exp_upload", type=FILE_TYPES)
    if up is not None and st.session_state.get("exp_uploaded") != up.file_id:
        try:
            st.session_state["exp_dataset"] = state.add(state.load_upload(up.name, up.getvalue(), role="experiment"))
            st.session_state["exp_uploaded"] = up.file_id      # select the new file once, then leave the choice
        except CxDataError as err:
            show_error(err)


def with_events(ds: Dataset) -> Dataset:
    """The experiment, or its conversions from a chosen events log and event (stops the page on an error)."""
    events_all = state.of_role("events")
    with st.expander(t("Conversion from events (instead of the file's converted column)")):
        e = st.columns(3)
        by_key = {d.key: d for d in events_all}
        ev_ds = by_key.get(e[0].selectbox(t("Events dataset"), ["-", *by_key], key="exp_events", format_func=option_labels(
                                              ["-", *by_key], lambda k: t("none") if k == "-" else dataset_label(by_key[k]))))
        event = e[1].selectbox(t("Conversion event"), sorted(map(str, ev_ds.distinct("event"))),
                               key=f"exp_event_{ev_ds.key}") if ev_ds else None
        window = e[2].text_input(t("Window after exposure"), "7d", key="exp_window") if ev_ds else "7d"
    if ev_ds is not None and event:
        ds = runner.run("experiment", [ds, ev_ds], {"event": event, "window": window}, analysis=conversions)
    return ds


def spec_inputs(ds: Dataset) -> tuple[ex.ExperimentSpec, Dataset | None]:
    """Control, metric, level, test and more options; the spec and the CUPED orders (revenue only).
    Raises CxDataError for a split that cannot be read."""
    names = sorted(str(v) for v in ds.distinct("variant"))
    metrics = ["converted"] + (["revenue", "aov"] if ds.has("revenue") else [])
    c = st.columns(4)
    control = c[0].selectbox(t("Control"), names, index=names.index(ex.pick_control(names)) if names else 0,
                             key="exp_control")
    metric = c[1].selectbox(t("Metric"), metrics, key="exp_metric",
                            format_func=option_labels(metrics, lambda m: tr(ex.METRIC_LABELS[m])))
    alpha = c[2].selectbox(t("Significance level"), LEVELS, key="exp_alpha", format_func=option_labels(LEVELS, fmt.num))
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
                               format_func=option_labels(["-"] + [d.key for d in orders_all], lambda k: t("none")
                                                         if k == "-" else dataset_label(next(d for d in orders_all
                                                                                             if d.key == k))),
                               disabled=metric != "revenue")
        bayes = o[1].checkbox(t("Bayesian chance to beat control"), key="exp_bayes", disabled=metric != "converted")
        seq = o[2].checkbox(t("Sequential (always-valid) testing"), key="exp_seq")
    orders_ds = next((d for d in orders_all if d.key == o_key), None) if metric == "revenue" else None
    spec = ex.ExperimentSpec(control=control, metric=metric, alpha=alpha, alternative=alternative,
                             split=ex.parse_split(split), winsorize_pct=wins or None, bayesian=bayes,
                             sequential=seq, planned_users_per_variant=int(planned) or None)
    return spec, orders_ds


def counts_tab() -> None:
    """Users and conversions typed per variant, analysed like a file."""
    st.caption(t("Type users and conversions per variant; the first row is the control."))
    start = pd.DataFrame({N_("variant"): ["A", "B"], N_("users"): [10000, 10000], N_("conversions"): [410, 462]})
    table = st.data_editor(start, num_rows="dynamic", key="exp_counts", hide_index=True, column_config={
        c: st.column_config.Column(label=tr(c)) for c in start.columns})
    try:
        rows = table.dropna()
        counts = {str(r.variant): (int(r.users), int(r.conversions)) for r in rows.itertuples()}
        show_result(ex.analyze_counts(counts, control=str(rows["variant"].iloc[0]) if len(rows) else None), "cnt")
    except CxDataError as err:
        show_error(err)


def plan_tab(result: ex.ExperimentResult | None) -> None:
    """Sample size for a baseline and an effect, the smallest effect a size detects, and the loaded test's power."""
    p = st.columns(5)
    base = p[0].number_input(t("Baseline conversion (%)"), 0.01, 99.0, 3.0, key="plan_base")
    mde = p[1].number_input(t("Minimum detectable effect (% relative)"), 0.1, 500.0, 10.0, key="plan_mde")
    p_alpha = p[2].selectbox(t("Significance level"), LEVELS, key="plan_alpha", format_func=option_labels(LEVELS, fmt.num))
    p_power = p[3].selectbox(t("Power"), [0.8, 0.9, 0.95], key="plan_power",
                             format_func=option_labels([0.8, 0.9, 0.95], fmt.num))
    sides = p[4].selectbox(t("Test"), ["two-sided", "one-sided"], key="plan_sides",
                           format_func={"two-sided": t("Two-sided"), "one-sided": t("One-sided")}.get)
    try:
        plan = power.sample_size(base / 100, mde / 100, alpha=p_alpha, power=p_power, sides=sides)
        m = st.columns(2)
        m[0].metric(t("Users per variant"), fmt.num(plan.n_per_variant))
        m[1].metric(t("Users in total (2 variants)"), fmt.num(plan.total))
        caption(plan.describe())
        q = st.columns(3)
        have = q[0].number_input(t("Users per variant you can get"), 10, 10**9, 20000, key="plan_have")
        got = power.minimum_detectable_effect(base / 100, int(have), alpha=p_alpha, power=p_power, sides=sides)
        q[1].metric(t("Smallest detectable relative effect"), fmt.signed(got, 1, percent=True) if got == got else t("none"))
        if result is not None and result.spec.metric == "converted" and 0 < result.variants[0].rate < 1:
            a, b = result.variants[0], result.variants[1]
            pw = power.achieved_power(a.rate, min(0.999, a.rate * (1 + mde / 100)), a.users, b.users, alpha=p_alpha,
                                      sides=sides)
            q[2].metric(t("Power of the loaded test to detect this effect"), fmt.pct(pw, 0),
                        help=t("{n_a:,} and {n_b:,} users, control conversion {rate:.2%}.", n_a=a.users,
                               n_b=b.users, rate=a.rate))
    except CxDataError as err:
        show_error(err)
