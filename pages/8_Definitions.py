"""Definitions: edit every metric definition and target; download or upload them as JSON."""
import streamlit as st

import ui
from cxlib.core.statuses import ORDER_STATUSES
from ui import t
from ui.definitions_view import apply, save_and_load, targets_tab, values
from ui.pickers import date_input_format
from ui.tables import status_label

ui.shell(t("Definitions"), icon=":material/rule:")
defs = ui.definitions()
for key, value in values(defs).items():      # before the widgets: they show the session's set
    st.session_state[key] = value
err = st.session_state.pop("definitions_error", None)
if err:
    ui.show_error(err)
ON = {"on_change": apply}

tabs = st.tabs([t("Survey"), t("Orders and customers"), t("Events and support"), t("Targets"), t("Save and load")])
with tabs[0]:
    st.subheader(t("NPS"))
    a, b = st.columns(2)
    a.number_input(t("Promoters from"), 1, 10, step=1, key="def_nps_prom", **ON)
    b.number_input(t("Detractors up to"), 0, 9, step=1, key="def_nps_det", **ON)
    ui.caption(defs.describe("nps"))
    st.subheader(t("CSAT"))
    a, b = st.columns(2)
    a.selectbox(t("Scale"), [5, 7, 10], format_func=lambda n: f"1-{n}", key="def_csat_scale", **ON)
    b.radio(t("Headline"), ["top2_pct", "mean"], key="def_csat_mode", horizontal=True, **ON,
            format_func={"top2_pct": t("Top-2-box %"), "mean": t("Mean")}.get)
    ui.caption(defs.describe("csat"))
    st.subheader(t("CES"))
    a, b, c = st.columns(3)
    a.selectbox(t("Scale"), ["1-7", "1-5", "0-10"], key="def_ces_scale", **ON)
    b.number_input(t("Easy from (agreement scales)"), 0, 10, step=1, key="def_ces_easy_min", **ON)
    c.number_input(t("Easy up to (0-10 effort scale)"), 0, 10, step=1, key="def_ces_easy_max", **ON)
    ui.caption(defs.describe("ces"))
with tabs[1]:
    st.subheader(t("Net revenue and valid orders"))
    st.multiselect(t("Order states that count"), list(ORDER_STATUSES), key="def_rev_states",
                   format_func=ui.option_labels(list(ORDER_STATUSES), status_label), **ON)
    st.checkbox(t("Subtract refunds"), key="def_rev_refunds", **ON)
    ui.caption(defs.describe("net_revenue"))
    st.number_input(t("Repeat customer: at least this many valid orders"), 2, 1000, step=1, key="def_repeat_min", **ON)
    ui.caption(defs.describe("repeat_rate"))
    st.subheader(t("Churn, retention and CLV"))
    a, b = st.columns(2)
    a.number_input(t("Churned after this many days without an order"), 1, 3650, step=1, key="def_churn_days", **ON)
    b.date_input(t("Analysis date (empty: last order date)"), value=None, key="def_churn_as_of",
                 format=date_input_format(), **ON)
    ui.caption(defs.describe("churn_rate"))
    st.radio(t("Retention cohorts by"), ["month", "week"], key="def_ret_period", horizontal=True, **ON,
             format_func={"month": t("Month"), "week": t("Week")}.get)
    ui.caption(defs.describe("retention"))
    a, b = st.columns(2)
    a.radio(t("CLV on the scorecard"), ["historical", "predictive"], key="def_clv_method", horizontal=True, **ON,
            format_func={"historical": t("Historical"), "predictive": t("Predictive")}.get)
    b.number_input(t("Predictive CLV horizon (days)"), 1, 3650, step=1, key="def_clv_horizon", **ON)
    ui.caption(defs.describe("clv"))
with tabs[2]:
    st.subheader(t("Cart abandonment"))
    a, b = st.columns(2)
    a.text_input(t("Cart events (comma-separated)"), key="def_cart_events", **ON)
    b.text_input(t("Purchase events (comma-separated)"), key="def_buy_events", **ON)
    ui.caption(defs.describe("cart_abandonment"))
    st.subheader(t("First response SLA"))
    st.number_input(t("SLA (hours)"), 0.1, 8760.0, step=1.0, key="def_sla_hours", **ON)
    ui.caption(defs.describe("first_reply_sla"))
with tabs[3]:
    targets_tab(defs, ON)
with tabs[4]:
    save_and_load(defs)
