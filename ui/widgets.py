"""Small shared widgets: dataset picker, downloads."""
from __future__ import annotations

import json

import streamlit as st

from cxlib import export
from cxlib.dataset import Dataset
from ui import state
from ui.i18n import t
from ui.text import esc

DATA_PAGE = "pages/0_Data.py"


def dataset_label(ds: Dataset) -> str:
    return t("{name} · {rows} {unit}", name=ds.name, rows=f"{ds.report.rows:,}", unit=_unit(ds.role))


def _unit(role: str) -> str:
    return {"events": t("events"), "orders": t("orders"), "responses": t("responses"),
            "tickets": t("tickets"), "experiment": t("units"), "customers": t("customers")}.get(role, role)


def pick_dataset(role: str, *, key: str, label: str | None = None) -> Dataset:
    """Choose among loaded datasets of ``role``; stops the page with guidance when there is none."""
    options = state.of_role(role)
    if not options:
        from cxlib.schema import ROLES_BY_NAME
        st.info(t("No {what} loaded yet. Upload a file on the Data page.",
                  what=t(ROLES_BY_NAME[role].label).lower()), icon=":material/info:")
        from ui.nav import link
        link(DATA_PAGE, t("Go to the Data page"), ":material/folder_open:")
        st.stop()
    if len(options) == 1:
        return options[0]
    ids = [d.key for d in options]
    by_id = {d.key: d for d in options}
    choice = st.selectbox(label or t("Dataset"), ids, format_func=lambda i: dataset_label(by_id[i]), key=key)
    return by_id[choice]


@st.cache_data(show_spinner=False, max_entries=64)
def _png(spec_json: str) -> bytes:
    import vl_convert as vlc
    return vlc.vegalite_to_png(spec_json, scale=2)


def chart_png(chart) -> bytes:
    return _png(chart.to_json())


def download_chart(chart, filename: str, *, key: str, label: str | None = None) -> None:
    """PNG download of an Altair chart (rendered offline with vl-convert, only when clicked)."""
    spec = chart.to_json()
    st.download_button(label or t("Download chart (PNG)"), data=lambda: _png(spec), file_name=filename,
                       mime="image/png", key=key, on_click="ignore", icon=":material/image:")


def download_table(df, filename: str, *, key: str, label: str | None = None) -> None:
    """CSV download with spreadsheet formulas neutralized and timestamps in ISO-8601 UTC."""
    frame = df
    st.download_button(label or t("Download table (CSV)"), data=lambda: export.to_csv_bytes(frame),
                       file_name=filename, mime="text/csv", key=key, on_click="ignore",
                       icon=":material/download:")


def spec_download(result, datasets, *, key: str, title: str = "") -> None:
    """Download of the analysis spec (JSON): reopens with the same figures in a notebook
    (``cx.open_analysis``) or on the Saved analysis page; and "Save and share" (``ui.share``)."""
    from cxlib import analyses
    from ui.state import definitions
    data = [d for d in (datasets if isinstance(datasets, (list, tuple)) else [datasets]) if d is not None]
    defs = definitions()

    def build() -> bytes:
        spec = analyses.make_spec(result, data, definitions=defs, title=title)
        return json.dumps(spec.to_json(), ensure_ascii=False, indent=2).encode("utf-8")
    st.download_button(t("Save analysis spec (JSON)"), data=build, file_name=f"{key}.json", mime="application/json",
                       key=key, on_click="ignore", icon=":material/save:",
                       help=t("Reopen it on the Saved analysis page, or in a notebook with cx.open_analysis()."))
    from ui.share import save_and_share         # and the same analysis stored, with a link to it
    save_and_share(result, data, key=key, title=title)


def chart_with_downloads(chart, table, *, png: str, csv: str, key: str) -> None:
    """An Altair chart with its PNG and its data table's CSV download side by side."""
    st.altair_chart(chart, width="stretch")
    c1, c2 = st.columns(2)
    with c1:
        download_chart(chart, png, key=f"{key}_png")
    with c2:
        download_table(table, csv, key=f"{key}_csv")


__all__ = ["chart_with_downloads", "spec_download", "pick_dataset", "download_chart", "download_table", "chart_png", "dataset_label", "esc"]
