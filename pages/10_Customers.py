"""Customers: every loaded export joined on the person (Customer 360): the match report first, then the
CX questions across the files (scores by group, tickets and value by NPS band, revenue at risk, response bias)."""
import streamlit as st

import ui
from cxlib.present import charts_customers as charts
from ui import customers_view as view
from ui import runner, t

ui.shell(t("Customers"), icon=":material/groups:")
orders = ui.pick_dataset("orders", key="customers_orders", label=t("Orders"))
files = view.pick_files(orders)
defs = ui.definitions()
a, b = st.columns(2)
fields = view.by_options(files)
by = a.selectbox(t("Group customers by"), fields, key="customers_by",
                 format_func=ui.option_labels(fields, charts.field_label))
levels = {"customer": t("Each customer's latest answer"), "response": t("Every answer (tier and repeat as of then)")}
level = b.radio(t("Survey scores from"), list(levels), format_func=ui.option_labels(list(levels), levels.get),
                key="customers_level", horizontal=True)
options = {"by": by, "level": level}


with st.spinner(t("Joining the files on the customer…")):
    res, crosswalk = runner.run("customers", files, options, defs, analysis=view.customers_with_crosswalk)
ui.show_warnings(res.warnings)
ui.spec_download(res, files, key="spec_customers", title=t("Customers"))
view.render(res, crosswalk, orders, defs)
