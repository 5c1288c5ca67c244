"""The Data page's per-dataset panel: what was understood, the mapping editor, report, preview."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from cxlib.dataset import Dataset
from cxlib.errors import CxDataError
from cxlib.messages import N_
from cxlib.schema import ROLES, ROLES_BY_NAME
from ui import fmt, state
from ui.i18n import t, tr
from ui.text import error_text, show_error, show_warnings
from ui.text import esc as ui_esc
from ui.widgets import download_table, option_labels, show_table

NONE = "—"


def raw_store() -> dict[str, tuple[str, bytes]]:
    """content_hash -> (file name, bytes): kept so a mapping change can re-read the file."""
    return st.session_state.setdefault("raw_files", {})


def issues_frame(ds: Dataset) -> pd.DataFrame:
    """One row per column with cells that could not be read (headers are message ids: show_table translates)."""
    rows = [{N_("Column"): i.source, N_("Field"): i.column, N_("Problem"): tr(i.problem), N_("Cells"): i.count,
             N_("Examples (row: value)"): "; ".join(f"{r}: {v}" for r, v in i.examples[:5])}
            for i in ds.report.issues]
    return pd.DataFrame(rows)


def _facts(r) -> str:
    """What was read, one whole sentence per line."""
    lines = [t("Format: {fmt}, encoding {enc}, delimiter {delim}, header rows {h}.", fmt=r.file_format,
               enc=r.encoding, delim=repr(r.delimiter) if r.delimiter else NONE, h=r.header_rows)]
    if r.date_range:
        lines.append(t("Dates from {start} to {end}.", start=fmt.day(r.date_range[0]), end=fmt.day(r.date_range[1])))
    if r.recognized_as:
        lines.append(t("Recognized as: {what}.", what=tr(r.recognized_as)))
    return "\n".join(lines)


def render_dataset(ds_id: str, ds: Dataset) -> None:
    r = ds.report
    role = ROLES_BY_NAME[ds.role]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("Rows in file"), fmt.num(r.rows_in))
    c2.metric(tr(role.label), fmt.num(r.rows))
    c3.metric(t("Duplicates"), fmt.num(r.duplicates))
    days = ((pd.Timestamp(r.date_range[1]) - pd.Timestamp(r.date_range[0])).days + 1) if r.date_range else None
    c4.metric(t("Days covered"), fmt.num(days) if days else NONE,
              help=t("From {start} to {end}", start=fmt.day(r.date_range[0]), end=fmt.day(r.date_range[1]))
              if r.date_range else None)
    st.text(_facts(r))
    if r.confidence < 0.6:
        st.warning(t("The kind of data and the columns were hard to tell apart. Check the mapping below."),
                   icon=":material/help:")
    show_warnings(ds.warnings)
    if r.issues:
        st.caption(t("Cells that could not be understood (left empty)"))
        show_table(issues_frame(ds), width="stretch")
    missing = {k: v for k, v in (r.missing or {}).items() if v}
    if missing:
        st.caption(t("Empty cells per field"))
        total = max(r.rows, 1)
        show_table(pd.DataFrame({N_("Field"): list(missing), N_("Empty cells"): list(missing.values()),
                                 N_("Share"): [v / total for v in missing.values()]}),
                   formats={"Share": lambda v: fmt.pct(v, 1)})
    if r.formulas:
        st.info(t("{n:,} text cells look like spreadsheet formulas; downloads neutralize them.", n=r.formulas))
    _mapping_editor(ds_id, ds)
    st.caption(t("Preview (first 50 rows of the cleaned table)"))
    show_table(ds.df.head(50), width="stretch")
    b1, b2 = st.columns(2)
    with b1:
        download_table(ds.df, f"{ds.name.rsplit('.', 1)[0]}_clean.csv", key=f"dl_{ds_id}",
                       label=t("Download cleaned table (CSV)"))
    with b2:
        if st.button(t("Remove this dataset"), key=f"rm_{ds_id}", icon=":material/delete:"):
            state.remove(ds_id)
            st.rerun()


def _mapping_editor(ds_id: str, ds: Dataset) -> None:
    raw = raw_store().get(ds.content_hash)
    with st.expander(t("Kind of data and column mapping"), expanded=ds.report.confidence < 0.6):
        if raw is None:
            st.caption(t("The mapping of sample data is fixed. Upload the file to change it."))
            st.table(pd.DataFrame({t("Field"): list(ds.mapping), t("Column in file"): list(ds.mapping.values())}))
            return
        picked = mapping_form(ds_id, _source_columns(ds), ds.role, ds.mapping)
        if picked:
            name, data = raw
            try:
                new = state.load_upload(name, data, role=picked[0], mapping=picked[1])
            except CxDataError as err:
                show_error(err)
                return
            _replace(ds_id, new)
            st.session_state["last_added"] = new.key
            st.rerun()


def mapping_form(prefix: str, columns: list[str], role: str | None,
                 current: dict[str, str]) -> tuple[str, dict[str, str]] | None:
    """Role + one selectbox per canonical field. Returns (role, mapping) when Apply is clicked."""
    roles = [x.name for x in ROLES]
    new_role = st.selectbox(t("Kind of data"), roles, index=roles.index(role) if role in roles else 0,
                            format_func=option_labels(roles, lambda x: tr(ROLES_BY_NAME[x].label)),
                            key=f"role_{prefix}")
    mapping = {}
    for f in ROLES_BY_NAME[new_role].fields:
        now = current.get(f.name) if new_role == role else None
        opts = [NONE] + columns
        name = tr(f.name)                          # the canonical field, as people of the language call it
        pick = st.selectbox(name + (" *" if f.required else ""), opts, index=opts.index(now) if now in opts else 0,
                            key=f"map_{prefix}_{new_role}_{f.name}", help=tr(f.help) if f.help else None)
        if pick != NONE:
            mapping[f.name] = pick
    st.caption(t("* required"))
    if st.button(t("Apply"), key=f"apply_{prefix}", type="primary"):
        return new_role, mapping
    return None


def render_pending(name: str, data: bytes, err) -> None:
    """A file that was read but not understood: ask for its kind and columns."""
    st.warning(ui_esc(error_text(err)), icon=":material/help:")
    picked = mapping_form(f"pending_{_slug(name)}", list(err.columns), err.role, dict(err.mapping))
    if picked:
        try:
            ds = state.load_upload(name, data, role=picked[0], mapping=picked[1])
        except CxDataError as again:
            show_error(again)
            return
        raw_store()[ds.content_hash] = (name, data)
        st.session_state["last_added"] = state.add(ds)
        st.session_state.get("pending_files", {}).pop(name, None)
        st.rerun()


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def _source_columns(ds: Dataset) -> list[str]:
    if ds.report.source_columns:                  # the file's own headers
        return list(ds.report.source_columns)
    mapped = list(ds.mapping.values())
    extra = [c for c in ds.df.columns if c not in ds.mapping]
    return list(dict.fromkeys(mapped + extra))


def _replace(old_id: str, new: Dataset) -> None:
    store = state.datasets()
    items = [(k, v) for k, v in store.items()]
    store.clear()
    for k, v in items:
        if k == old_id:
            store[new.key] = new
        elif k != new.key:
            store[k] = v
