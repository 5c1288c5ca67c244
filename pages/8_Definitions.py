"""Definitions: edit every metric definition and target; download or upload them as JSON."""
import datetime as dt
import math

import streamlit as st

import ui
from cxlib.core import definitions as D
from cxlib.core.errors import CxDataError
from cxlib.core.statuses import ORDER_STATUSES
from ui import t, tr
from ui.scorecard_view import held_for_question, percent_question
from ui.widgets import date_input_format, status_label

ui.shell(t("Definitions"), icon=":material/rule:")
defs = ui.definitions()
STATES = list(ORDER_STATUSES)


def _values(d: D.DefinitionSet) -> dict:
    """Widget key -> value for a definition set (the widgets always show the session's set)."""
    as_of = dt.date.fromisoformat(str(d.churn.as_of)[:10]) if d.churn.as_of else None
    out = {"nps_prom": d.nps.promoter_min, "nps_det": d.nps.detractor_max, "csat_scale": d.csat.scale_max,
           "csat_mode": d.csat.mode, "ces_scale": d.ces.scale, "ces_easy_min": d.ces.easy_min,
           "ces_easy_max": d.ces.easy_max, "rev_states": list(d.net_revenue.valid_statuses),
           "rev_refunds": d.net_revenue.subtract_refunds, "repeat_min": d.repeat.min_orders,
           "churn_days": int(d.churn.inactive_days), "churn_as_of": as_of, "ret_period": d.retention.period,
           "clv_method": d.clv_method.method, "clv_horizon": int(d.clv.horizon_days),
           "cart_events": ", ".join(d.cart.cart_events), "buy_events": ", ".join(d.cart.purchase_events),
           "sla_hours": float(d.sla.first_response_hours)}
    out.update({f"tg_{m.name}": d.target(m.name) for m in D.METRICS})
    return {f"def_{k}": v for k, v in out.items()}


def _events(text: str) -> tuple[str, ...]:
    return tuple(e.strip() for e in str(text).split(",") if e.strip())


def _targets(s: dict, old: D.DefinitionSet) -> dict[str, float]:
    """Targets from the widgets; a percent typed as a fraction keeps the old target and waits for an answer."""
    out = {}
    for m in D.METRICS:
        value = s.get(f"tg_{m.name}")
        value = None if value is None or math.isnan(value) else float(value)
        if held_for_question(m.name, value, f"def_tg_{m.name}"):
            value = old.target(m.name)
        if value is not None:
            out[m.name] = value
    return out


def _apply() -> None:
    """on_change: rebuild the whole set from the widgets; an invalid set is refused with a message."""
    s = {k[4:]: v for k, v in st.session_state.items() if isinstance(k, str) and k.startswith("def_")}
    old = ui.definitions()
    try:
        new = D.DefinitionSet(
            nps=D.NpsDef(int(s["nps_prom"]), int(s["nps_det"])), csat=D.CsatDef(int(s["csat_scale"]), s["csat_mode"]),
            ces=D.CesDef(s["ces_scale"], int(s["ces_easy_min"]), int(s["ces_easy_max"])),
            net_revenue=D.RevenueDef(tuple(s["rev_states"]), bool(s["rev_refunds"])),
            repeat=D.RepeatDef(int(s["repeat_min"])),
            churn=D.ChurnSpec(int(s["churn_days"]), s["churn_as_of"].isoformat() if s["churn_as_of"] else None),
            retention=D.CohortSpec(s["ret_period"], old.retention.max_periods),
            clv=D.CLVSpec.from_json({**old.clv.to_json(), "horizon_days": int(s["clv_horizon"])}),
            clv_method=D.ClvMethodDef(s["clv_method"]),
            cart=D.CartDef(_events(s["cart_events"]), _events(s["buy_events"])),
            sla=D.SlaDef(float(s["sla_hours"])), targets={})
        new = new.replace(targets=new.carry_targets(_targets(s, old), old))    # CSAT % -> mean: its target too
    except (CxDataError, ValueError, TypeError) as err:
        st.session_state["definitions_error"] = err
        return
    st.session_state["definitions"] = new


for key, value in _values(defs).items():      # before the widgets: they show the session's set
    st.session_state[key] = value
err = st.session_state.pop("definitions_error", None)
if err:
    ui.show_error(err)
ON = {"on_change": _apply}

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
    st.multiselect(t("Order states that count"), STATES, key="def_rev_states",
                   format_func=ui.option_labels(STATES, status_label), **ON)
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
    st.caption(t("Leave a target empty for no target. Statuses on the scorecard respect the confidence interval."))
    cols = st.columns(3)
    for i, m in enumerate(D.METRICS):
        low, high = defs.target_bounds(m.name)
        with cols[i % 3]:
            st.number_input(t("{metric}: target ({unit})", metric=tr(m.label), unit=tr(defs.target_unit_words(m.name))),
                            None if math.isinf(low) else low, None if math.isinf(high) else high, value=None,
                            key=f"def_tg_{m.name}", placeholder=t("No target"),
                            help=t("Higher is better") if m.higher_is_better else t("Lower is better"), **ON)
            percent_question(m.name, f"def_tg_{m.name}")
            if defs.is_default_target(m.name):
                st.caption(t("Default target"))
with tabs[4]:
    st.download_button(t("Download definitions (JSON)"), defs.dumps(), "cx_definitions.json", "application/json",
                       key="dl_definitions_json", on_click="ignore", icon=":material/download:")
    up = st.file_uploader(t("Upload definitions (JSON)"), type=["json"], key="definitions_upload")
    if up is not None and st.session_state.get("definitions_upload_id") != up.file_id:
        st.session_state["definitions_upload_id"] = up.file_id
        try:
            st.session_state["definitions"] = D.DefinitionSet.loads(up.getvalue())
        except CxDataError as exc:
            st.error(ui.esc(t("{file}: {problem} Your current definitions are unchanged.", file=up.name,
                              problem=getattr(exc, "msg", None) or str(exc))))
        else:
            st.rerun()
    if st.button(t("Reset to defaults"), key="definitions_reset"):
        st.session_state["definitions"] = D.DefinitionSet.default().replace(targets=dict(defs.targets))
        st.rerun()
    st.text(t("Targets are kept when resetting definitions."))
