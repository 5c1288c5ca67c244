"""The Retention page: its settings, and its three tabs (cohorts, churn, customer lifetime value)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from cxlib.analyses.clv import CLVSpec
from cxlib.analyses.retention import ChurnSpec, CohortSpec
from cxlib.core.definitions import DefinitionSet
from cxlib.core.messages import N_
from cxlib.data.dataset import Dataset
from cxlib.present import charts_retention as charts
from cxlib.saved.replay import RFM_BY
from ui import fmt
from ui.charts import show_chart
from ui.churn_view import churn_list_section
from ui.downloads import download_chart, download_table, spec_download
from ui.i18n import t, tr
from ui.pickers import dataset_currency, date_input_format, option_labels
from ui.tables import show_table
from ui.text import caption, show_warnings


def settings(ds: Dataset, defs: DefinitionSet) -> tuple[CohortSpec, ChurnSpec, CLVSpec]:
    """The page's settings (defaults from the definitions) as the cohort, churn and CLV specs; raises
    CxDataError for settings that make no spec."""
    last = ds.time_range("ordered_at")[1] if ds.has("ordered_at") else None
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
    cohort_spec = CohortSpec(period=period, max_periods=int(max_periods))
    churn_spec = ChurnSpec(inactive_days=int(inactive), as_of=as_of.isoformat() if as_of else None)
    clv_spec = CLVSpec(horizon_days=int(horizon), time_unit=defs.clv.time_unit, count_per=defs.clv.count_per,
                       calibration_end=churn_spec.as_of, margin=float(margin))
    return cohort_spec, churn_spec, clv_spec


def show_cohorts(ds: Dataset, cohorts, cohort_spec: CohortSpec) -> None:
    """Customers, cohorts, the share ordering again a period later, and the cohort heatmap."""
    curve = cohorts.curve().set_index("period")["retention"]
    m1, m2, m3 = st.columns(3)
    m1.metric(t("Customers"), fmt.num(cohorts.customers))
    m2.metric(t("Cohorts"), fmt.num(cohorts.table["cohort"].nunique()))
    m3.metric(t("Ordered again 1 period later"), fmt.pct(curve[1], 1) if 1 in curve else "—")
    heat = charts.cohort_heatmap(cohorts, title=t("Retention by cohort of first valid order"))
    show_chart(heat)
    caption(cohort_spec.describe())
    show_warnings(cohorts.warnings)
    download_chart(heat, "cohorts.png", key="dl_cohorts_png")
    download_table(cohorts.to_frame(), "cohorts.csv", key="dl_cohorts_csv")
    spec_download(cohorts, ds, key="spec_retention_cohorts", title=t("Retention by cohort"))


def show_churn(ds: Dataset, defs: DefinitionSet, churn_spec: ChurnSpec, churn, retention, trend) -> None:
    """Churn and retention rates with their CIs, the churned and at-risk list, the churn trend."""
    for col, label, res in zip(st.columns(2), (t("Churn rate on {date}", date=fmt.day(churn.as_of)),
                                               t("Retention rate")), (churn, retention)):
        col.metric(label, fmt.pct(res.value, 1) if res.n else "—", help=t(
            "95% CI {lo:.1%} to {hi:.1%}; {n:,} customers", lo=res.ci95[0], hi=res.ci95[1], n=res.n)
            if res.n else None)
    caption(churn_spec.describe())
    caption(churn_spec.describe_retention())
    churn_list_section(ds, defs, churn_spec)
    if not trend.table.empty:
        line = charts.churn_trend_chart(trend, title=t("Churn rate over time, with 95% CI"))
        show_chart(line)
        download_chart(line, "churn_trend.png", key="dl_churn_png")
        download_table(trend.to_frame(), "churn_trend.csv", key="dl_churn_csv")
        spec_download(trend, ds, key="spec_retention_churn", title=t("Churn trend"))
    show_warnings(list(dict.fromkeys(churn.warnings + retention.warnings + trend.warnings)))


def clv_breakdown(ds: Dataset) -> str:
    """The historical CLV breakdown picker: all customers, an RFM breakdown or a column of the orders."""
    segment_cols = [c for c in ("channel", "country", "currency") if ds.has(c)]
    return st.selectbox(t("Historical CLV by"), ["", *RFM_BY, *segment_cols], key="ret_clv_by",
                        format_func=option_labels(["", *RFM_BY, *segment_cols],
                                                  lambda c: tr(RFM_BY[c]) if c in RFM_BY else (c or t("all customers"))))


def show_clv(ds: Dataset, hist, pred, clv_spec: CLVSpec, by: str) -> None:
    """Historical and predicted CLV: means, distributions, breakdown, top customers, model parameters."""
    horizon = clv_spec.horizon_days
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
    show_chart(charts.clv_histogram(hist, title=t("Historical CLV per customer")), where=left)
    if by:
        label = tr(RFM_BY[by]) if by in RFM_BY else by
        show_chart(charts.clv_segments_chart(hist, title=t("Mean historical CLV by {field}", field=label)), where=right)
        show_table(hist.to_frame(), labels=("segment", "value_tier"))
    show_warnings(list(dict.fromkeys(hist.warnings + pred.warnings)))
    if pred.bgnbd is not None:
        left, right = st.columns(2)
        show_chart(charts.clv_histogram(pred, title=t("Predicted CLV per customer")), where=left)
        top = charts.top_customers_chart(pred, 20, title=t("Top 20 customers by predicted CLV"))
        show_chart(top, where=right)
        caption(clv_spec.describe())
        download_chart(top, "top_customers.png", key="dl_top_png")
        show_table(pred.top(100))
        download_table(pred.to_frame(), "clv.csv", key="dl_clv_csv")
        spec_download(pred, ds, key="spec_retention_clv", title=t("Predicted CLV"))
        with st.expander(t("Model parameters")):
            models = {"BG/NBD": pred.bgnbd, "Gamma-Gamma": pred.gamma_gamma}
            show_table(pd.DataFrame([{N_("model"): k, **m.to_json()} for k, m in models.items() if m]))
