"""Data: upload exports, see what was understood, fix the mapping, download the cleaned table."""
import streamlit as st

import ui
from cxlib.core.errors import CxDataError, CxNeedsMapping
from cxlib.data.schema import ROLES_BY_NAME
from ui import state
from ui.connect_view import render_connect
from ui.data_view import raw_store, reading, render_dataset, render_pending
from ui.i18n import t, tr

ui.shell(t("Data"), icon=":material/folder_open:")
st.write(t("Drop the exports you already have: orders, events, survey answers, support tickets, "
           "experiment assignments or customer lists. CSV, TSV, TXT, Excel, Parquet and JSON lines "
           "(also zipped or gzipped) are understood."))

uploads = st.file_uploader(t("Upload files"), accept_multiple_files=True, key="uploader")
seen = st.session_state.setdefault("seen_uploads", set())
errors = st.session_state.setdefault("upload_errors", {})
pending = st.session_state.setdefault("pending_files", {})
added = False
for up in uploads or []:
    token = (up.name, up.size, getattr(up, "file_id", ""))
    if token in seen:
        continue
    seen.add(token)
    data = up.getvalue()
    with reading(up.name):
        try:
            ds = state.load_upload(up.name, data)
        except CxNeedsMapping as err:
            pending[up.name] = (data, err)
            continue
        except CxDataError as err:
            errors[up.name] = err           # shown in the language of the moment (it may change)
            continue
    errors.pop(up.name, None)
    raw_store()[ds.content_hash] = (up.name, data)
    st.session_state["last_added"] = state.add(ds)
    added = True
if added:
    st.rerun()          # redraw the sidebar with the new dataset
render_connect()        # a table in a database or a cluster (local mode)

for name, err in list(errors.items()):
    c1, c2 = st.columns([10, 1])
    c1.error(ui.esc(ui.error_text(err)), icon=":material/error:")
    if c2.button(t("Dismiss"), key=f"dismiss_{name}"):
        errors.pop(name)
        st.rerun()

for name, (data, err) in list(pending.items()):
    with st.expander(ui.esc(t("Not understood yet: {name}", name=name)), expanded=True):
        render_pending(name, data, err)

loaded = state.datasets()
if not loaded:
    st.info(t("No data loaded. Upload files above, or load the sample shop's data."))
    if st.button(t("Load sample data"), key="load_samples", type="primary"):
        st.session_state["samples_removed"] = False
        st.session_state["samples_loaded"] = False
        st.rerun()

for ds_id, ds in reversed(list(loaded.items())):          # newest first
    newest = ds_id == st.session_state.get("last_added")
    with st.expander(ui.esc(t("{role} · {file}", role=tr(ROLES_BY_NAME[ds.role].label), file=ds.name)),
                     expanded=newest or len(loaded) <= 2):
        render_dataset(ds_id, ds)

demos = [m for m in state.sample_manifest() if not m.get("default")]
if demos:
    st.subheader(t("Demo files"))
    st.caption(t("Real-shaped exports from other shops and tools, to see how they are understood."))
    for item in demos:
        if st.button(t("Load {title}", title=tr(item.get("title", item["file"]))), key=f"demo_{item['file']}"):
            path = state.SAMPLE_DIR / item["file"]
            try:
                data = path.read_bytes()
                ds = state.load_upload(path.name, data)
                raw_store()[ds.content_hash] = (path.name, data)
                st.session_state["last_added"] = state.add(ds)
                st.rerun()
            except (CxDataError, OSError) as err:
                ui.show_error(err)
