"""Funnels: ordered steps, drop-off, breakdown with tests, time to convert, trend, drop-off users."""
import streamlit as st

import ui
from cxlib.core.errors import CxDataError
from ui import runner, t
from ui.funnel_view import event_counts, show_funnel, show_sections, spec_inputs

ui.shell(t("Funnels"), icon=":material/filter_alt:")
ds = ui.pick_dataset("events", key="funnel_dataset")
ev = runner.run("funnel", ds, analysis=event_counts)
try:
    spec = spec_inputs(ds, ev)
except CxDataError as err:
    ui.show_error(err)
    st.stop()
with st.spinner(t("Computing the funnel over {n:,} events...", n=ds.report.rows if ds.on_engine else len(ds.df))):
    res = runner.run("funnel", ds, spec.to_json())

sessions = res.unit_name == "sessions"
ui.caption(res.spec.describe())
ui.show_warnings(res.warnings)
ui.spec_download(res, ds, key="spec_funnel", title=t("Funnel"))
show_funnel(res, sessions)
show_sections(res, sessions)
