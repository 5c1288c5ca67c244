"""Support: tickets, first reply and resolution times by channel, SLA, ticket CSAT, weekly trend."""
import math

import streamlit as st

import ui
from cxlib.present import charts_scorecard as charts
from ui import fmt, runner, t
from ui.state import of_role

ui.shell(t("Support"), icon=":material/support_agent:")
ds = ui.pick_dataset("tickets", key="support_dataset")
defs = ui.definitions()
customers = (of_role("customers") or [None])[0]
res = runner.run("support", [ds, customers], {"view": "summary"}, defs)
ui.show_warnings(res.warnings)
ui.spec_download(res, [ds, customers], key="spec_support", title=t("Support"))


def known(v) -> bool:
    return v is not None and math.isfinite(v)


def minutes(v) -> str:
    return t("{m:,.0f} min", m=v) if known(v) else "—"


def percent_ci(ci) -> str | None:
    if not all(known(x) for x in ci):
        return None
    return t("95% CI {lo:.1%} to {hi:.1%}; among {n:,} answered tickets", lo=ci[0] / 100, hi=ci[1] / 100,
             n=res.answered)


c = st.columns(5)
c[0].metric(t("Tickets"), fmt.num(res.tickets), help=t("{n:,} unanswered", n=res.unanswered))
c[1].metric(t("Median first reply"), minutes(res.first_reply_median_min),
            help=t("p90: {m:,.0f} min", m=res.first_reply_p90_min) if known(res.first_reply_p90_min) else None)
c[2].metric(t("First reply within SLA"), fmt.pct(res.within_sla_pct / 100, 1), help=percent_ci(res.within_sla_ci95))
c[3].metric(t("Ticket CSAT (good %)"), fmt.pct(res.csat_good_pct / 100, 1),
            help=t("{n:,} good/bad ratings", n=res.rated))
if res.tickets_per_1000_customers is not None:
    c[4].metric(t("Tickets per 1,000 customers"), fmt.num(res.tickets_per_1000_customers, 1),
                help=ui.esc(t("Customers counted in {file}", file=customers.name)))
else:
    c[4].metric(t("Median resolution"), minutes(res.resolution_median_min))
ui.caption(defs.describe("first_reply_sla"))
ui.caption(defs.describe("ticket_csat"))

st.subheader(t("By channel"))
chart = charts.first_reply_by_channel(res)
ui.chart_with_downloads(chart, res.to_frame(), png="first_reply_by_channel.png", csv="support_by_channel.csv",
                        key="dl_support_channel")
ui.show_table(res.to_frame(), width="stretch")

st.subheader(t("Trend"))
a, b = st.columns(2)
freq = a.radio(t("Period"), ["week", "month"], horizontal=True, key="support_freq",
               format_func={"month": t("Month"), "week": t("Week")}.get)
columns = {"tickets": t("Tickets"), "within_sla_pct": t("Within SLA (%)"),
           "first_reply_median_min": t("Median first reply (minutes)"), "csat_good_pct": t("Ticket CSAT good (%)")}
column = b.selectbox(t("Show"), list(columns), format_func=columns.get, key="support_column")
trend = runner.run("support", ds, {"view": "trend", "freq": freq}, defs)
ui.show_warnings(trend.warnings)
chart = charts.support_trend(trend, column)
ui.chart_with_downloads(chart, trend.to_frame(), png=f"support_{column}_by_{freq}.png", csv=f"support_by_{freq}.csv", key="dl_support_trend")
