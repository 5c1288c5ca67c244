"""Retention: cohort heatmap, churn trend, CLV distribution and top customers."""
import json
from datetime import date

import pandas as pd
import streamlit as st

import ui
from cxlib.present import charts_retention as charts
from cxlib.analyses.clv import CLVSpec, historical_clv, predict_clv
from cxlib.core.errors import CxDataError
from cxlib.core.messages import N_
from cxlib.analyses.retention import ChurnSpec, CohortSpec, churn_rate, cohort_table, retention_rate
from cxlib.analyses.churn import churn_trend
from cxlib.analyses.segments import RFMSpec, compute_rfm
from ui import fmt, t, tr
from ui.churn_view import churn_list_section
from ui.widgets import dataset_currency, date_input_format

ui.shell(t("Retention"), icon=":material/autorenew:")
ds = ui.pick_dataset("orders", key="ret_dataset", label=t("Orders"))
defs = ui.definitions()
defs_key = json.dumps(defs.to_json(), sort_keys=True, default=str)


@st.cache_data(show_spinner=False, max_entries=16)
def retention_view(_ds, _defs, key: str, defs_json: str, spec_json: str):
    s = json.loads(spec_json)
    cspec, chspec = CohortSpec.from_json(s["cohort"]), ChurnSpec.from_json(s["churn"])
    return (cohort_table(_ds, cspec, defs=_defs), churn_rate(_ds, chspec, defs=_defs),
            retention_rate(_ds, chspec, defs=_defs), churn_trend(_ds, chspec, cspec.period, defs=_defs))


RFM_BY = {"segment": N_("RFM segment"), "value_tier": N_("Value tier")}     # breakdowns from cxlib.analyses.segments


@st.cache_data(show_spinner=False, max_entries=16)
def clv_view(_ds, _defs, key: str, defs_json: str, spec_json: str, by: str):
    spec = CLVSpec.from_json(json.loads(spec_json))
    if by in RFM_BY:
        as_of = date.fromisoformat(spec.calibration_end) if spec.calibration_end else None
        rfm = compute_rfm(_ds, RFMSpec.from_definitions(_defs, as_of=as_of)).customers
        labels = pd.Series(rfm[by].astype("string").to_numpy(), index=rfm["customer_id"], name=RFM_BY[by])
        hist = historical_clv(_ds, segments=labels, defs=_defs)
    else:
        hist = historical_clv(_ds, by=by or None, defs=_defs)
    return hist, predict_clv(_ds, spec, defs=_defs)


last = ds.df["ordered_at"].max() if ds.has("ordered_at") else None
with st.expander(t("Settings for this page")):
    c1, c2, c3 = st.columns(3)
    period = c1.selectbox(t("Cohort period"), ["month", "week"], key="ret_period",
                          index=["month", "week"].index(defs.retention.period),
                          format_func={"month": t("Month"), "week": t("Week")}.get)
    max_periods = c1.number_input(t("Periods shown after the first order"), 1, 60, int(defs.retention.max_periods),
                                  key="ret_max_periods")
    inactive = c2.number_input(t("Churned after this many days without a valid order"), 1, 3650,
                               int(defs.churn.inactive_days), key="ret_inactive_days")
    as_of = c2.date_input(t("Analysis date"), value=last.date() if pd.notna(last) else None, key="ret_as_of",
                          format=date_input_format())
    horizon = c3.number_input(t("CLV horizon (days)"), 1, 3650, int(defs.clv.horizon_days), key="ret_horizon")
    margin = c3.number_input(t("Profit margin (1 = revenue)"), 0.01, 1.0, float(defs.clv.margin), step=0.05,
                             key="ret_margin")
try:
    cohort_spec = CohortSpec(period=period, max_periods=int(max_periods))
    churn_spec = ChurnSpec(inactive_days=int(inactive), as_of=as_of.isoformat() if as_of else None)
    clv_spec = CLVSpec(horizon_days=int(horizon), time_unit=defs.clv.time_unit, count_per=defs.clv.count_per,
                       calibration_end=churn_spec.as_of, margin=float(margin))
    spec_json = json.dumps({"cohort": cohort_spec.to_json(), "churn": churn_spec.to_json()})
    with st.spinner(t("Building cohorts and churn…")):
        cohorts, churn, retention, trend = retention_view(ds, defs, ds.key, defs_key, spec_json)
except CxDataError as err:
    ui.show_error(err)
    st.stop()

tab_cohorts, tab_churn, tab_clv = st.tabs([t("Cohorts"), t("Churn"), t("Customer lifetime value")])
with tab_cohorts:
    curve = cohorts.curve().set_index("period")["retention"]
    m1, m2, m3 = st.columns(3)
    m1.metric(t("Customers"), fmt.num(cohorts.customers))
    m2.metric(t("Cohorts"), fmt.num(cohorts.table["cohort"].nunique()))
    m3.metric(t("Ordered again 1 period later"), fmt.pct(curve[1], 1) if 1 in curve else "—")
    heat = charts.cohort_heatmap(cohorts, title=t("Retention by cohort of first valid order"))
    ui.show_chart(heat)
    ui.caption(cohort_spec.describe(defs))
    ui.show_warnings(cohorts.warnings)
    ui.download_chart(heat, "cohorts.png", key="dl_cohorts_png")
    ui.download_table(cohorts.to_frame(), "cohorts.csv", key="dl_cohorts_csv")
    ui.spec_download(cohorts, ds, key="spec_retention_cohorts", title=t("Retention by cohort"))

with tab_churn:
    for col, label, res in zip(st.columns(2), (t("Churn rate on {date}", date=fmt.day(churn.as_of)),
                                               t("Retention rate")), (churn, retention)):
        col.metric(label, fmt.pct(res.value, 1) if res.n else "—", help=t(
            "95% CI {lo:.1%} to {hi:.1%}; {n:,} customers", lo=res.ci95[0], hi=res.ci95[1], n=res.n)
            if res.n else None)
    ui.caption(churn_spec.describe(defs))
    ui.caption(churn_spec.describe_retention())
    churn_list_section(ds, defs, churn_spec)
    if not trend.table.empty:
        line = charts.churn_trend_chart(trend, title=t("Churn rate over time, with 95% CI"))
        ui.show_chart(line)
        ui.download_chart(line, "churn_trend.png", key="dl_churn_png")
        ui.download_table(trend.to_frame(), "churn_trend.csv", key="dl_churn_csv")
        ui.spec_download(trend, ds, key="spec_retention_churn", title=t("Churn trend"))
    ui.show_warnings(list(dict.fromkeys(churn.warnings + retention.warnings + trend.warnings)))

with tab_clv:
    segment_cols = [c for c in ("channel", "country", "currency") if ds.has(c)]
    by = st.selectbox(t("Historical CLV by"), ["", *RFM_BY, *segment_cols], key="ret_clv_by",
                      format_func=ui.option_labels(["", *RFM_BY, *segment_cols],
                                               lambda c: tr(RFM_BY[c]) if c in RFM_BY else (c or t("all customers"))))
    try:
        with st.spinner(t("Fitting the CLV models…")):
            hist, pred = clv_view(ds, defs, ds.key, defs_key, json.dumps(clv_spec.to_json()), by)
    except CxDataError as err:
        ui.show_error(err)
        st.stop()
    per = hist.customers["net_revenue"]
    currency = dataset_currency(ds)
    m1, m2, m3 = st.columns(3)
    m1.metric(t("Mean historical CLV"), fmt.money(per.mean(), currency, 2))
    m2.metric(t("Median historical CLV"), fmt.money(per.median(), currency, 2))
    m3.metric(t("Mean predicted CLV, next {days:,} days", days=int(horizon)),
              fmt.money(pred.customers["predicted_clv"].mean(), currency, 2) if pred.bgnbd else "—",
              help=t("All customers together: {total}", total=fmt.money(pred.customers["predicted_clv"].sum(), currency, 2))
              if pred.bgnbd else None)
    left, right = st.columns(2)
    ui.show_chart(charts.clv_histogram(hist, title=t("Historical CLV per customer")), where=left)
    if by:
        label = tr(RFM_BY[by]) if by in RFM_BY else by
        ui.show_chart(charts.clv_segments_chart(hist, title=t("Mean historical CLV by {field}", field=label)), where=right)
        ui.show_table(hist.to_frame(), labels=("segment", "value_tier"))
    ui.show_warnings(list(dict.fromkeys(hist.warnings + pred.warnings)))
    if pred.bgnbd is not None:
        left, right = st.columns(2)
        ui.show_chart(charts.clv_histogram(pred, title=t("Predicted CLV per customer")), where=left)
        top = charts.top_customers_chart(pred, 20, title=t("Top 20 customers by predicted CLV"))
        ui.show_chart(top, where=right)
        ui.caption(clv_spec.describe())
        ui.download_chart(top, "top_customers.png", key="dl_top_png")
        ui.show_table(pred.top(100))
        ui.download_table(pred.to_frame(), "clv.csv", key="dl_clv_csv")
        ui.spec_download(pred, ds, key="spec_retention_clv", title=t("Predicted CLV"))
        with st.expander(t("Model parameters")):
            models = {"BG/NBD": pred.bgnbd, "Gamma-Gamma": pred.gamma_gamma}
            ui.show_table(pd.DataFrame([{N_("model"): k, **m.to_json()} for k, m in models.items() if m]))
