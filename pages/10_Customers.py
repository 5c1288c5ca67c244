"""Customers: every loaded export joined on the person (Customer 360): the match report first, then the
CX questions across the files (scores by group, tickets and value by NPS band, revenue at risk, response bias)."""
import json

import streamlit as st

import ui
from cxlib.core.definitions import DefinitionSet
from cxlib.core.errors import CxDataError
from cxlib.present import charts_customers as charts
from cxlib.saved import replay
from ui import customers_view as view
from ui import t

ui.shell(t("Customers"), icon=":material/groups:")
orders = ui.pick_dataset("orders", key="customers_orders", label=t("Orders"))
files = view.pick_files(orders)
defs = ui.definitions()
DEFS = json.dumps(defs.to_json(), sort_keys=True)
a, b = st.columns(2)
fields = view.by_options(files)
by = a.selectbox(t("Group customers by"), fields, key="customers_by",
                 format_func=ui.option_labels(fields, charts.field_label))
levels = {"customer": t("Each customer's latest answer"), "response": t("Every answer (tier and repeat as of then)")}
level = b.radio(t("Survey scores from"), list(levels), format_func=ui.option_labels(list(levels), levels.get),
                key="customers_level", horizontal=True)
options = {"by": by, "level": level}


@st.cache_data(show_spinner=False, max_entries=16)
def run(_files, keys: str, options_json: str, defs_json: str):
    """The Customer 360 result and its crosswalk (the crosswalk reads the engine: computed here, once)."""
    res = replay.run("customers", _files, json.loads(options_json), DefinitionSet.from_json(json.loads(defs_json)))
    return res, res.crosswalk()


try:
    with st.spinner(t("Joining the files on the customer…")):
        res, crosswalk = run(files, "|".join(d.key for d in files), json.dumps(options, sort_keys=True), DEFS)
except CxDataError as err:
    ui.show_error(err)
    st.stop()
ui.show_warnings(res.warnings)
ui.spec_download(res, files, key="spec_customers", title=t("Customers"))
view.render(res, crosswalk, orders, defs)
