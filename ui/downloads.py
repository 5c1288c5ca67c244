"""Downloads: a chart as PNG (rendered offline with vl-convert, only when clicked), a table as CSV
(formulas neutralized by ``cxlib.data.export``), the analysis spec as JSON with "Save and share", and a
chart with its two downloads side by side."""
from __future__ import annotations

import io
import json

import pandas as pd
import streamlit as st

from cxlib.data import export
from ui.charts import localized, show_chart
from ui.i18n import t
from ui.lang import language
from ui.tables import export_frame


@st.cache_data(show_spinner=False, max_entries=64)
def _png(spec_json: str) -> bytes:
    import vl_convert as vlc
    return vlc.vegalite_to_png(spec_json, scale=2)


def chart_png(chart) -> bytes:
    """The chart as PNG, with the same number and date formats as on the page."""
    return _png(localized(chart).to_json())


def download_chart(chart, filename: str, *, key: str, label: str | None = None) -> None:
    """PNG download of an Altair chart (rendered offline with vl-convert, only when clicked).

    The localized spec is made when clicked too: sizing the labels and validating the spec cost 20-100 ms
    a chart, on every rerun of a page that nobody downloads from. The language is read now (the click is
    served outside the script run, where the session cannot be read)."""
    lang = language()
    st.download_button(label or t("Download chart (PNG)"), data=lambda: _png(localized(chart, lang).to_json()),
                       file_name=filename, mime="image/png", key=key, on_click="ignore", icon=":material/image:")


def download_table(df, filename: str, *, key: str, label: str | None = None, labels=None) -> None:
    """CSV download: translated headers and labels (segment names, tiers, statuses: ``export_frame``)
    over raw, locale-neutral numbers; spreadsheet formulas neutralized and timestamps in ISO-8601 UTC.
    ``df`` may be a function returning the frame, or an iterator of its parts (``Dataset.frames``): it is then
    read only when the button is pressed, a part at a time."""
    if callable(df):
        def data() -> bytes:
            got = df()
            parts = [got] if isinstance(got, pd.DataFrame) else got
            buf = io.BytesIO()
            export.write_csv((export_frame(part, labels) for part in parts), buf)
            return buf.getvalue()
    else:
        frame = export_frame(df, labels)

        def data() -> bytes:
            return export.to_csv_bytes(frame)
    st.download_button(label or t("Download table (CSV)"), data=data,
                       file_name=filename, mime="text/csv", key=key, on_click="ignore",
                       icon=":material/download:")


def spec_download(result, datasets, *, key: str, title: str = "") -> None:
    """Download of the analysis spec (JSON): reopens with the same figures in a notebook
    (``cx.open_analysis``) or on the Saved analysis page; and "Save and share" (``ui.share``)."""
    from cxlib.saved import replay as analyses
    from ui.state import definitions
    data = [d for d in (datasets if isinstance(datasets, (list, tuple)) else [datasets]) if d is not None]
    defs = definitions()

    def build() -> bytes:
        spec = analyses.make_spec(result, data, definitions=defs, title=title)
        return json.dumps(spec.to_json(), ensure_ascii=False, indent=2).encode("utf-8")
    st.download_button(t("Save analysis spec (JSON)"), data=build, file_name=f"{key}.json", mime="application/json",
                       key=key, on_click="ignore", icon=":material/save:",
                       help=t("Reopen it on the Saved analysis page, or in a notebook with cx.open_analysis()."))
    # and the same analysis stored, with a link to it
    from ui.share import save_and_share
    save_and_share(result, data, key=key, title=title)


def chart_with_downloads(chart, table, *, png: str, csv: str, key: str) -> None:
    """An Altair chart (localized) with its PNG and its data table's CSV download side by side."""
    show_chart(chart, width="stretch")
    c1, c2 = st.columns(2)
    with c1:
        download_chart(chart, png, key=f"{key}_png")
    with c2:
        download_table(table, csv, key=f"{key}_csv")


__all__ = ["chart_png", "chart_with_downloads", "download_chart", "download_table", "spec_download"]
