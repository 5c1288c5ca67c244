"""Saved analysis: a shared analysis by its link (?analysis=<id>), the list of shared analyses, and
reopening a spec file saved from a page or a notebook, with the same figures."""
import json

import streamlit as st

import ui
from cxlib.present import display
from cxlib.core.definitions import DefinitionSet
from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg
from cxlib.saved.workspace import AnalysisSpec
from ui import auth, fmt, runner, shared_view, state
from ui.i18n import t, tr
from ui.tables import label_columns

ui.shell(t("Saved analysis"), icon=":material/bookmark:", shared=True)
if st.query_params.get("analysis"):              # a share link: the analysis from the workspace, read-only
    shared_view.render(st.query_params["analysis"])
    st.stop()
account = auth.current()
shared_view.listing(account)
if not account.is_editor:                        # viewers open shared analyses only
    st.stop()
st.subheader(t("Open a spec file"))
st.write(t("Open an analysis spec (JSON) saved from a page of this app or from a notebook "
           "(cx.spec_to_file). Its figures are recomputed from the loaded data with the spec's definitions."))

up = st.file_uploader(t("Analysis spec (JSON)"), type=["json"], key="spec_upload")
if up is None:
    st.stop()
try:
    spec = AnalysisSpec.from_json(json.loads(up.getvalue().decode("utf-8")))
except (UnicodeDecodeError, json.JSONDecodeError):
    ui.show_error(CxDataError(msg("this is not a JSON file."), file=up.name, hint=msg("Upload the file the app saved.")))
    st.stop()
except CxDataError as err:
    ui.show_error(err)
    st.stop()

loaded = state.datasets()
wanted = [spec.dataset_id, *spec.extra_dataset_ids]
missing = [i for i in wanted if i not in loaded]
if missing:
    st.warning(t("This analysis was made from data that is not loaded in this session. Upload the same file "
                 "on the Data page (with the same column mapping), then open the spec again."),
               icon=":material/folder_open:")
    st.stop()

try:
    defs = DefinitionSet.from_json(spec.definitions) if spec.definitions else DefinitionSet.default()
except CxDataError as err:
    ui.show_error(err)
    st.stop()
with st.spinner(t("Recomputing…")):
    res = runner.run(spec.page, [loaded[i] for i in wanted], spec.options, defs)

st.subheader(ui.esc(spec.title or tr(display.title_of(res))))
st.caption(ui.esc(t("Page: {page} · data: {name} · saved {when}", page=spec.page, name=loaded[spec.dataset_id].name,
                    when=fmt.moment(spec.created_at) if spec.created_at else "—")))
ui.caption(display.definition_of(res))
st.text(tr(res.summary()))
ui.show_warnings(getattr(res, "warnings", ()))
try:
    chart = display.chart(res, defs=defs)
    ui.show_chart(chart, width="stretch")
    ui.download_chart(chart, "saved_analysis.png", key="saved_png")
except CxDataError:
    pass
table = res.to_frame()
ui.show_table(table, width="stretch", labels=label_columns(table))
ui.download_table(table, "saved_analysis.csv", key="saved_csv")
