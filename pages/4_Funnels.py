"""Funnels: ordered steps, drop-off, breakdown with tests, time to convert, trend, drop-off users."""
import json

import streamlit as st

import ui
from cxlib.present import charts_funnel as charts
from cxlib.analyses import funnel as fn
from cxlib.core.errors import CxDataError
from ui import fmt, t

ui.shell(t("Funnels"), icon=":material/filter_alt:")
ds = ui.pick_dataset("events", key="funnel_dataset")


@st.cache_data(show_spinner=False, max_entries=16)
def counts(_ds, key: str):
    return fn.event_counts(_ds)


@st.cache_data(show_spinner=False, max_entries=32)
def run(_ds, key: str, spec_json: str):
    return fn.funnel(_ds, fn.FunnelSpec.from_json(json.loads(spec_json)))


try:
    ev = counts(ds, ds.key)
except CxDataError as err:
    ui.show_error(err)
    st.stop()
events = ev["event"].tolist()
n_of = dict(zip(ev["event"], ev["events"]))
label = (lambda e: t("{event} ({n:,} events)", event=e, n=n_of.get(e, 0)))
event_label = ui.option_labels(events, label)
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
                             format_func=ui.option_labels([None, *events], lambda e: t("(none)") if e is None else label(e)))
    skip = {"user_id", "session_id", "event", "timestamp", "revenue"}
    fields = [col for col in ds.df.columns if col not in skip]
    by = c[3].selectbox(t("Break down by"), [None] + fields, key="funnel_by",
                        format_func=ui.option_labels([None, *fields], lambda f: t("(none)") if f is None else str(f)))
    with st.expander(t("Filter a step by a property (e.g. page_view where page = /checkout)")):
        f1, f2, f3 = st.columns(3)
        f_step = f1.selectbox(t("Step"), [None] + list(range(int(n_steps))), key="funnel_filter_step",
                              format_func=ui.option_labels([None, *range(int(n_steps))],
                                                            lambda i: t("(none)") if i is None else t("Step {i}", i=i + 1)))
        f_prop = f2.selectbox(t("Property"), fields or [None], key="funnel_filter_prop",
                              format_func=ui.option_labels(fields or [None], lambda f: t("(none)") if f is None else f))
        f_value = f3.text_input(t("equals"), key="funnel_filter_value")

step_objs = [fn.Step(e) for e in steps]
if f_step is not None and f_prop and f_value:
    step_objs[f_step] = fn.Step(steps[f_step], f_prop, f_value)
try:
    spec = fn.FunnelSpec(tuple(step_objs), fn.parse_window(f"{window}{w_unit}"), order=order, start=start,
                         unit=unit, exclude=fn.Step(exclude) if exclude else None, by=by)
    with st.spinner(t("Computing the funnel over {n:,} events...", n=len(ds.df))):
        res = run(ds, ds.key, json.dumps(spec.to_json(), sort_keys=True))
except CxDataError as err:
    ui.show_error(err)
    st.stop()

SESSIONS = res.unit_name == "sessions"
ui.caption(res.spec.describe())
ui.show_warnings(res.warnings)
ui.spec_download(res, ds, key="spec_funnel", title=t("Funnel"))
table = res.to_frame()
m = st.columns(3)
m[0].metric(t("Entered the funnel"), fmt.num(res.units[0]))
m[1].metric(t("Completed all steps"), fmt.num(res.units[-1]))
m[2].metric(t("Overall conversion"), fmt.pct(table["conversion_from_first"].iloc[-1], 2)
            if res.units[0] else t("n/a"))
st.info(ui.esc(ui.tr(res.drop_off_sentence())), icon=":material/trending_down:")
chart = charts.funnel_chart(res, title=t("Funnel: sessions per step (drop-off in red)") if SESSIONS
                            else t("Funnel: users per step (drop-off in red)"))
ui.show_chart(chart, width="stretch")
RATES = ("conversion_from_first", "ci_low_from_first", "ci_high_from_first", "conversion_from_previous",
         "ci_low_from_previous", "ci_high_from_previous", "drop_off_rate")
ui.show_table(table, width="stretch", formats={c: (lambda v: fmt.pct(v, 1)) for c in RATES})
d = st.columns(2)
with d[0]:
    ui.download_chart(chart, "funnel.png", key="dl_funnel_png")
with d[1]:
    ui.download_table(table, "funnel.csv", key="dl_funnel_csv")

if res.breakdown is not None:
    st.subheader(ui.esc(t("Breakdown by {field}", field=res.spec.by)))
    bchart = charts.breakdown_chart(res, title=t("Conversion by {field}", field=res.spec.by))
    ui.show_chart(bchart, width="stretch")
    if res.test is not None and res.test.p_value == res.test.p_value:
        st.text(t("Chi-square test of full-funnel conversion across values: chi2 = {c:.2f}, df = {d}, p = {p:.3g}",
                  c=res.test.chi2, d=res.test.dof, p=res.test.p_value))
        ui.show_table(res.test.pairwise, width="stretch",
                      formats={c: ui.sig(3) for c in res.test.pairwise.columns if str(c).startswith("p")})
    ui.download_chart(bchart, "funnel_breakdown.png", key="dl_funnel_by_png")
    ui.download_table(res.breakdown, "funnel_breakdown.csv", key="dl_funnel_by_csv")

st.subheader(t("Time to convert"))
ttc = res.time_to_convert_view()
ui.show_table(ttc, width="stretch", labels=list(fn.TIME_COLUMNS[2:]))
h = st.columns(2)
pairs = {j: t("{first} -> {rest}", first=res.steps[j - 2], rest=res.steps[j - 1]) for j in range(2, len(res.steps) + 1)}
h_step = h[0].selectbox(t("Into step"), list(pairs), key="funnel_hist_step", format_func=pairs.get)
BINS = [0, 10, 60, 600, 3600, 21600, 86400]          # seconds; 0 = a readable width picked from the data
h_bin = h[1].selectbox(t("Bin width"), BINS, key="funnel_hist_bin", format_func=ui.option_labels(
    BINS, lambda b: t("automatic") if not b else ui.tr(fn.format_window(b))))
hchart = charts.time_histogram_chart(res, h_step, h_bin or None, title=t("Time to convert"))
ui.show_chart(hchart, width="stretch")
ui.download_table(res.time_to_convert(), "time_to_convert.csv", key="dl_funnel_ttc_csv")

st.subheader(t("Conversion trend"))
period = st.radio(t("Period"), ["day", "week"], key="funnel_period", horizontal=True,
                  format_func={"day": t("Day"), "week": t("Week")}.get)
tchart = charts.trend_chart(res, period, title=t("Conversion trend"))
ui.show_chart(tchart, width="stretch")
ui.download_table(res.trend(period), "funnel_trend.csv", key="dl_funnel_trend_csv")

st.subheader(t("Who dropped off"))
drop_step = st.selectbox(t("Reached this step but not the next"), list(range(1, len(res.steps))),
                         key="funnel_drop_step", format_func=lambda j: f"{j}. {res.steps[j - 1]}")
dropped = res.dropped_at(drop_step)
st.text(t("{n:,} sessions dropped off after this step (first 1,000 shown).", n=len(dropped)) if SESSIONS
        else t("{n:,} users dropped off after this step (first 1,000 shown).", n=len(dropped)))
ui.show_table(dropped.head(1000), width="stretch")
ui.download_table(dropped, f"dropped_after_step_{drop_step}.csv", key="dl_funnel_dropped_csv")
