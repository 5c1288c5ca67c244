"""CX Workbench home: the CX scorecard of the loaded data (the sample shop's data by default)."""
import streamlit as st

import ui
from ui import nav, state
from ui.i18n import t

ui.shell(t("CX scorecard"), icon=":material/dashboard:")

if not state.datasets():
    st.info(t("No data loaded. Upload your exports on the Data page to see the scorecard."))
    nav.link("pages/0_Data.py", t("Go to the Data page"), ":material/folder_open:")
    st.stop()

try:
    from ui.scorecard_view import render
except ImportError:        # scorecard not installed in this build: point to the pages instead
    render = None
if render is not None:
    render()
else:
    st.write(t("Open a page in the sidebar to analyse the loaded data."))
