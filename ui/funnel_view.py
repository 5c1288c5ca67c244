"""The Funnels page: the step form, and the sections under the funnel chart (breakdown, time to convert,
trend, who dropped off)."""
from __future__ import annotations

import streamlit as st

from cxlib.analyses import funnel as fn
from cxlib.core.definitions import DefinitionSet
from cxlib.data.dataset import Dataset
from cxlib.present import charts_funnel as charts
from ui import fmt
from ui.charts import show_chart
from ui.downloads import download_chart, download_table
from ui.i18n import t, tr
from ui.pickers import option_labels
from ui.tables import show_table, sig
from ui.text import esc


def event_counts(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    """Events of the log with their row counts, most frequent first (for the step pickers)."""
    return fn.event_counts(datasets[0])


def spec_inputs(ds: Dataset, ev) -> fn.FunnelSpec:
    """The form: steps, window, order, start, unit, exclusion, breakdown and a step filter; raises
    CxDataError for a spec that cannot be (a bad window)."""
    events = ev["event"].tolist()
    n_of = dict(zip(ev["event"], ev["events"]))
    label = (lambda e: t("{event} ({n:,} events)", event=e, n=n_of.get(e, 0)))
    event_label = option_labels(events, label)
    default = fn.default_steps(events)                 # the shop's path as far as the log has it: up to purchase
    guess = (default + [e for e in events if e not in default])[:fn.MAX_STEPS]

    with st.container(border=True):
        c = st.columns([1, 1, 1, 1])
        n_steps = c[0].number_input(t("Steps"), 2, fn.MAX_STEPS, max(2, len(default)), key="funnel_n_steps")
        window = c[1].number_input(t("Conversion window"), 1, 10_000, 7, key="funnel_window")
        w_unit = c[2].selectbox(t("Window unit"), ["d", "h", "m"], key="funnel_window_unit",
                                format_func={"d": t("days"), "h": t("hours"), "m": t("minutes")}.get)
        units = ["user", "session"] if ds.has("session_id") else ["user"]
        unit = c[3].selectbox(t("Count"), units, key="funnel_unit",
                              format_func={"user": t("users"), "session": t("sessions")}.get)
        cols = st.columns(int(n_steps))
        steps = [cols[i].selectbox(t("Step {i}", i=i + 1), events, index=events.index(guess[min(i, len(guess) - 1)]),
                                   key=f"funnel_step_{i}", format_func=event_label) for i in range(int(n_steps))]
        c = st.columns(4)
        order = c[0].radio(t("Order"), ["any", "strict"], key="funnel_order", horizontal=True,
                           format_func={"any": t("other events allowed"), "strict": t("strict")}.get)
        start = c[1].radio(t("Start from"), ["any", "first"], key="funnel_start", horizontal=True,
                           format_func={"any": t("any step 1"), "first": t("first step 1")}.get)
        exclude = c[2].selectbox(t("Exclude attempts with"), [None] + events, key="funnel_exclude",
                                 format_func=option_labels([None, *events], lambda e: t("(none)") if e is None else label(e)))
        skip = {"user_id", "session_id", "event", "timestamp", "revenue"}
        fields = [col for col in ds.columns if col not in skip]          # ds.df would read an engine table
        by = c[3].selectbox(t("Break down by"), [None] + fields, key="funnel_by",
                            format_func=option_labels([None, *fields], lambda f: t("(none)") if f is None else str(f)))
        with st.expander(t("Filter a step by a property (e.g. page_view where page = /checkout)")):
            f1, f2, f3 = st.columns(3)
            f_step = f1.selectbox(t("Step"), [None] + list(range(int(n_steps))), key="funnel_filter_step",
                                  format_func=option_labels([None, *range(int(n_steps))],
                                                                lambda i: t("(none)") if i is None else t("Step {i}", i=i + 1)))
            f_prop = f2.selectbox(t("Property"), fields or [None], key="funnel_filter_prop",
                                  format_func=option_labels(fields or [None], lambda f: t("(none)") if f is None else f))
            f_value = f3.text_input(t("equals"), key="funnel_filter_value")

    step_objs = [fn.Step(e) for e in steps]
    if f_step is not None and f_prop and f_value:
        step_objs[f_step] = fn.Step(steps[f_step], f_prop, f_value)
    return fn.FunnelSpec(tuple(step_objs), fn.parse_window(f"{window}{w_unit}"), order=order, start=start,
                         unit=unit, exclude=fn.Step(exclude) if exclude else None, by=by)


BINS = [0, 10, 60, 600, 3600, 21600, 86400]          # seconds; 0 = a readable width picked from the data
RATES = ("conversion_from_first", "ci_low_from_first", "ci_high_from_first", "conversion_from_previous",
         "ci_low_from_previous", "ci_high_from_previous", "drop_off_rate")


def show_funnel(res: fn.FunnelResult, sessions: bool) -> None:
    """Entered, completed, overall conversion, the drop-off sentence, the chart and the step table."""
    table = res.to_frame()
    m = st.columns(3)
    m[0].metric(t("Entered the funnel"), fmt.num(res.units[0]))
    m[1].metric(t("Completed all steps"), fmt.num(res.units[-1]))
    m[2].metric(t("Overall conversion"), fmt.pct(table["conversion_from_first"].iloc[-1], 2)
                if res.units[0] else t("n/a"))
    st.info(esc(tr(res.drop_off_sentence())), icon=":material/trending_down:")
    chart = charts.funnel_chart(res, title=t("Funnel: sessions per step (drop-off in red)") if sessions
                                else t("Funnel: users per step (drop-off in red)"))
    show_chart(chart, width="stretch")
    show_table(table, width="stretch", formats={c: (lambda v: fmt.pct(v, 1)) for c in RATES})
    d = st.columns(2)
    with d[0]:
        download_chart(chart, "funnel.png", key="dl_funnel_png")
    with d[1]:
        download_table(table, "funnel.csv", key="dl_funnel_csv")


def show_sections(res: fn.FunnelResult, sessions: bool) -> None:
    """Breakdown with its tests, time to convert, conversion trend and who dropped off."""
    if res.breakdown is not None:
        st.subheader(esc(t("Breakdown by {field}", field=res.spec.by)))
        bchart = charts.breakdown_chart(res, title=t("Conversion by {field}", field=res.spec.by))
        show_chart(bchart, width="stretch")
        if res.test is not None and res.test.p_value == res.test.p_value:
            st.text(t("Chi-square test of full-funnel conversion across values: chi2 = {c:.2f}, df = {d}, p = {p:.3g}",
                      c=res.test.chi2, d=res.test.dof, p=res.test.p_value))
            show_table(res.test.pairwise, width="stretch",
                       formats={c: sig(3) for c in res.test.pairwise.columns if str(c).startswith("p")})
        download_chart(bchart, "funnel_breakdown.png", key="dl_funnel_by_png")
        download_table(res.breakdown, "funnel_breakdown.csv", key="dl_funnel_by_csv")

    st.subheader(t("Time to convert"))
    ttc = res.time_to_convert_view()
    show_table(ttc, width="stretch", labels=list(fn.TIME_COLUMNS[2:]))
    _histogram(res)
    download_table(res.time_to_convert(), "time_to_convert.csv", key="dl_funnel_ttc_csv")

    st.subheader(t("Conversion trend"))
    _trend(res)

    st.subheader(t("Who dropped off"))
    _dropped(res, sessions)


# The sections below redraw alone when their own option changes (st.fragment): a bin width, a period or a
# step is read off the cached result, so rerunning the page (its widgets, the result from the cache, the
# other charts and tables) for it was wasted work: 0.3-0.6 s on a 1M-event upload.
@st.fragment
def _histogram(res: fn.FunnelResult) -> None:
    h = st.columns(2)
    pairs = {j: t("{first} -> {rest}", first=res.steps[j - 2], rest=res.steps[j - 1]) for j in range(2, len(res.steps) + 1)}
    h_step = h[0].selectbox(t("Into step"), list(pairs), key="funnel_hist_step", format_func=pairs.get)
    h_bin = h[1].selectbox(t("Bin width"), BINS, key="funnel_hist_bin", format_func=option_labels(
        BINS, lambda b: t("automatic") if not b else tr(fn.format_window(b))))
    hchart = charts.time_histogram_chart(res, h_step, h_bin or None, title=t("Time to convert"))
    show_chart(hchart, width="stretch")


@st.fragment
def _trend(res: fn.FunnelResult) -> None:
    period = st.radio(t("Period"), ["day", "week"], key="funnel_period", horizontal=True,
                      format_func={"day": t("Day"), "week": t("Week")}.get)
    tchart = charts.trend_chart(res, period, title=t("Conversion trend"))
    show_chart(tchart, width="stretch")
    download_table(res.trend(period), "funnel_trend.csv", key="dl_funnel_trend_csv")


@st.fragment
def _dropped(res: fn.FunnelResult, sessions: bool) -> None:
    drop_step = st.selectbox(t("Reached this step but not the next"), list(range(1, len(res.steps))),
                             key="funnel_drop_step", format_func=lambda j: f"{j}. {res.steps[j - 1]}")
    dropped = res.dropped_at(drop_step)
    st.text(t("{n:,} sessions dropped off after this step (first 1,000 shown).", n=len(dropped)) if sessions
            else t("{n:,} users dropped off after this step (first 1,000 shown).", n=len(dropped)))
    show_table(dropped.head(1000), width="stretch")
    download_table(dropped, f"dropped_after_step_{drop_step}.csv", key="dl_funnel_dropped_csv")
