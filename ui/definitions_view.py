"""The Definitions page: every widget's value from the session's definition set, the set rebuilt from the
widgets on a change (an invalid set is refused with a message), targets, and saving and loading as JSON."""
from __future__ import annotations

import datetime as dt
import math

import streamlit as st

from cxlib.core import definitions as D
from cxlib.core.errors import CxDataError
from ui.i18n import t, tr
from ui.scorecard_view import held_for_question, percent_question
from ui.state import definitions
from ui.text import esc

def values(d: D.DefinitionSet) -> dict:
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


def apply() -> None:
    """on_change: rebuild the whole set from the widgets; an invalid set is refused with a message."""
    s = {k[4:]: v for k, v in st.session_state.items() if isinstance(k, str) and k.startswith("def_")}
    old = definitions()
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


def targets_tab(defs: D.DefinitionSet, on: dict) -> None:
    """A target per metric, within its bounds; a percent typed as a fraction is asked about."""
    st.caption(t("Leave a target empty for no target. Statuses on the scorecard respect the confidence interval."))
    cols = st.columns(3)
    for i, m in enumerate(D.METRICS):
        low, high = defs.target_bounds(m.name)
        with cols[i % 3]:
            st.number_input(t("{metric}: target ({unit})", metric=tr(m.label), unit=tr(defs.target_unit_words(m.name))),
                            None if math.isinf(low) else low, None if math.isinf(high) else high, value=None,
                            key=f"def_tg_{m.name}", placeholder=t("No target"),
                            help=t("Higher is better") if m.higher_is_better else t("Lower is better"), **on)
            percent_question(m.name, f"def_tg_{m.name}")
            if defs.is_default_target(m.name):
                st.caption(t("Default target"))


def save_and_load(defs: D.DefinitionSet) -> None:
    """Download the definitions as JSON, upload a JSON file of them, or reset them (targets kept)."""
    st.download_button(t("Download definitions (JSON)"), defs.dumps(), "cx_definitions.json", "application/json",
                       key="dl_definitions_json", on_click="ignore", icon=":material/download:")
    up = st.file_uploader(t("Upload definitions (JSON)"), type=["json"], key="definitions_upload")
    if up is not None and st.session_state.get("definitions_upload_id") != up.file_id:
        st.session_state["definitions_upload_id"] = up.file_id
        try:
            st.session_state["definitions"] = D.DefinitionSet.loads(up.getvalue())
        except CxDataError as exc:
            st.error(esc(t("{file}: {problem} Your current definitions are unchanged.", file=up.name,
                          problem=getattr(exc, "msg", None) or str(exc))))
        else:
            st.rerun()
    if st.button(t("Reset to defaults"), key="definitions_reset"):
        st.session_state["definitions"] = D.DefinitionSet.default().replace(targets=dict(defs.targets))
        st.rerun()
    st.text(t("Targets are kept when resetting definitions."))
