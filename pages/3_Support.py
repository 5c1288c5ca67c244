"""Support: tickets, first reply and resolution times by channel, SLA, ticket CSAT, weekly trend."""
import json

import streamlit as st

import ui
from cxlib import charts_scorecard as charts
from cxlib import support
from cxlib.definitions import DefinitionSet
from cxlib.errors import CxDataError
from ui import t
from ui.state import of_role

ui.shell(t("Support"), icon=":material/support_agent:")
ds = ui.pick_dataset("tickets", key="support_dataset")
defs = ui.definitions()
DEFS = json.dumps(defs.to_json(), sort_keys=True)
customers = (of_role("customers") or [None])[0]


@st.cache_data(show_spinner=False, max_entries=32)
def run(_ds, _customers, keys: str, what: str, defs_json: str, options: str):
    d, o = DefinitionSet.from_json(json.loads(defs_json)), json.loads(options)
    if what == "summary":
        return support.summarize(_ds, d, customers=_customers)
    return support.over_time(_ds, o["freq"], d)


keys = f"{ds.key}|{customers.key if customers is not None else '-'}"
try:
    res = run(ds, customers, keys, "summary", DEFS, "{}")
except CxDataError as err:
    ui.show_error(err)
    st.stop()
ui.show_warnings(res.warnings)
ui.spec_download(res, [ds, customers], key="spec_support", title=t("Support"))
fmt = (lambda v, spec: format(v, spec) if v == v else "n/a")
c = st.columns(5)
c[0].metric(t("Tickets"), f"{res.tickets:,}", help=t("{n} unanswered", n=f"{res.unanswered:,}"))
c[1].metric(t("Median first reply"), t("{m} min", m=fmt(res.first_reply_median_min, ",.0f")),
            help=t("p90: {m} min", m=fmt(res.first_reply_p90_min, ",.0f")))
c[2].metric(t("First reply within SLA"), fmt(res.within_sla_pct, ".1f") + "%",
            help=t("95% CI {lo}% to {hi}%; among {n} answered tickets", lo=fmt(res.within_sla_ci95[0], ".1f"),
                   hi=fmt(res.within_sla_ci95[1], ".1f"), n=f"{res.answered:,}"))
c[3].metric(t("Ticket CSAT (good %)"), fmt(res.csat_good_pct, ".1f") + "%",
            help=t("{n} good/bad ratings", n=f"{res.rated:,}"))
if res.tickets_per_1000_customers is not None:
    c[4].metric(t("Tickets per 1,000 customers"), fmt(res.tickets_per_1000_customers, ",.1f"),
                help=t("Customers counted in {file}", file=customers.name))
else:
    c[4].metric(t("Median resolution"), t("{m} min", m=fmt(res.resolution_median_min, ",.0f")))
ui.caption(defs.describe("first_reply_sla"))
ui.caption(defs.describe("ticket_csat"))

st.subheader(t("By channel"))
chart = charts.first_reply_by_channel(res)
ui.chart_with_downloads(chart, res.to_frame(), png="first_reply_by_channel.png", csv="support_by_channel.csv",
                        key="dl_support_channel")
st.dataframe(res.to_frame(), hide_index=True, width="stretch")

st.subheader(t("Trend"))
a, b = st.columns(2)
freq = a.radio(t("Period"), ["week", "month"], horizontal=True, key="support_freq",
               format_func=lambda f: {"month": t("Month"), "week": t("Week")}[f])
columns = {"tickets": t("Tickets"), "within_sla_pct": t("Within SLA (%)"),
           "first_reply_median_min": t("Median first reply (minutes)"), "csat_good_pct": t("Ticket CSAT good (%)")}
column = b.selectbox(t("Show"), list(columns), format_func=columns.get, key="support_column")
trend = run(ds, customers, keys, "trend", DEFS, json.dumps({"freq": freq}))
ui.show_warnings(trend.warnings)
chart = charts.support_trend(trend, column)
ui.chart_with_downloads(chart, trend.to_frame(), png=f"support_{column}_by_{freq}.png", csv=f"support_by_{freq}.csv", key="dl_support_trend")
