"""The Retention page's list of churned and at-risk customers with the revenue at stake."""
from __future__ import annotations

import streamlit as st

from cxlib.analyses.retention import ChurnSpec
from cxlib.analyses.churn import CHURN_STATUS_LABELS, default_at_risk_days
from ui import fmt, runner
from ui.downloads import download_table, spec_download
from ui.i18n import t, tr
from ui.nav import link
from ui.pickers import dataset_currency
from ui.tables import show_table
from ui.text import caption


def churn_list_section(ds, defs, spec: ChurnSpec) -> None:
    """Who churned and who is about to, what they brought, the list to download, and where the RFM
    at-risk segments are."""
    days = int(spec.inactive_days)
    st.subheader(t("Churned and at-risk customers"))
    risk = st.columns(3)[0].number_input(t("At risk: days before the churn window ends"), 0, days - 1, default_at_risk_days(days),
                           key=f"ret_at_risk_days_{days}", help=t(
                               "Customers whose last valid order is this close to the churn window's end are at risk: "
                               "they churn within these days unless they order."))
    res = runner.run("retention", ds, {"view": "churn_list", "churn": spec.to_json(), "at_risk_days": int(risk)}, defs,
                     stop=False)
    if res is None:
        return
    totals, currency = res.totals(), dataset_currency(ds)

    def money(value: float) -> str:
        return fmt.money(value, currency, 2)
    stake = {"churned": t("Revenue at stake, churned"), "at_risk": t("Revenue at stake, at risk")}
    cols = st.columns(4)
    for col, status in zip((cols[:2], cols[2:]), ("churned", "at_risk")):
        col[0].metric(tr(CHURN_STATUS_LABELS[status]), fmt.num(totals[status]["customers"]))
        col[1].metric(stake[status], money(totals[status]["net_revenue_window"]), help=t(
            "Net revenue in their last {days} days of buying. In all: {total}", days=days,
            total=money(totals[status]["net_revenue"])))
    caption(res.describe())
    table = res.to_frame()
    status = {"status": lambda v: tr(CHURN_STATUS_LABELS.get(v, v))}     # the same words on screen and in the file
    show_table(table.head(500), labels=status)
    download_table(table, "churned_customers.csv", key="dl_churn_list_csv", label=t("Download the list (CSV)"),
                   labels=status)
    spec_download(res, ds, key="spec_retention_churn_list", title=t("Churned and at-risk customers"))
    st.caption(t("The RFM segments 'At risk' and 'Can't lose' (customers who bought often and much, but not lately) "
                 "are on the Segments page, with their members to download."))
    link("pages/5_Segments.py", t("Segments"), ":material/group_work:")
