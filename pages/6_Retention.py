"""Retention: cohort heatmap, churn trend, CLV distribution and top customers."""
import streamlit as st

import ui
from cxlib.core.errors import CxDataError
from ui import runner, t
from ui.retention_view import clv_breakdown, settings, show_churn, show_clv, show_cohorts

ui.shell(t("Retention"), icon=":material/autorenew:")
ds = ui.pick_dataset("orders", key="ret_dataset", label=t("Orders"))
defs = ui.definitions()
try:
    cohort_spec, churn_spec, clv_spec = settings(ds, defs)
except CxDataError as err:
    ui.show_error(err)
    st.stop()


def retention(view: str, **options):
    """One of the page's results (``cxlib.saved.replay`` options of the retention page)."""
    return runner.run("retention", ds, {"view": view, **options}, defs)


with st.spinner(t("Building cohorts and churn…")):
    cohorts = retention("cohorts", cohort=cohort_spec.to_json())
    churn = retention("churn", churn=churn_spec.to_json())
    kept = retention("retention_rate", churn=churn_spec.to_json())
    trend = retention("churn_trend", churn=churn_spec.to_json(), freq=cohort_spec.period)

tab_cohorts, tab_churn, tab_clv = st.tabs([t("Cohorts"), t("Churn"), t("Customer lifetime value")])
with tab_cohorts:
    show_cohorts(ds, cohorts, cohort_spec)
with tab_churn:
    show_churn(ds, defs, churn_spec, churn, kept, trend)
with tab_clv:
    by = clv_breakdown(ds)
    with st.spinner(t("Fitting the CLV models…")):
        hist = retention("historical_clv", by=by, clv=clv_spec.to_json())
        pred = retention("clv", clv=clv_spec.to_json())
    show_clv(ds, hist, pred, clv_spec, by)
