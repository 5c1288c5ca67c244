"""Experiments: A/B test verdicts with data checks first, a decision memo, and a sample-size calculator."""
import streamlit as st

import ui
from cxlib.core.errors import CxDataError
from ui import runner, t
from ui.experiment_forms import counts_tab, plan_tab, spec_inputs, upload, with_events
from ui.experiment_view import show_result

ui.shell(t("Experiments"), icon=":material/science:")
tab_data, tab_counts, tab_plan = st.tabs([t("Analyse a test"), t("Quick check from counts"), t("Sample size")])

result = None
with tab_data:
    upload()
    ds = with_events(ui.pick_dataset("experiment", key="exp_dataset"))
    ui.show_warnings(ds.warnings)
    try:
        spec, orders = spec_inputs(ds)
    except CxDataError as err:
        ui.show_error(err)
    else:
        with st.spinner(t("Analysing the experiment...")):
            result = runner.run("experiment", [ds, orders], spec.to_json(), stop=False)
    if result is not None:
        result = show_result(result, "exp")
        ui.spec_download(result, [ds, orders], key="spec_experiment", title=t("A/B test"))

with tab_counts:
    counts_tab()

with tab_plan:
    plan_tab(result)
