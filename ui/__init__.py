"""The Streamlit side: shell, translation, session state, shared widgets. Pages import only this."""
from ui.charts import show_chart
from ui.downloads import chart_png, chart_with_downloads, download_chart, download_table, spec_download
from ui.i18n import t, tr
from ui.pickers import dataset_label, option_labels, pick_dataset
from ui.shell import shell
from ui.state import datasets, definitions
from ui.tables import show_table, sig
from ui.text import caption, error_text, esc, show_error, show_warnings

__all__ = ["caption", "chart_png", "chart_with_downloads", "dataset_label", "datasets", "definitions", "download_chart",
           "download_table", "error_text", "esc", "option_labels", "pick_dataset", "shell", "show_chart", "show_error", "show_table",
           "show_warnings", "sig", "spec_download", "t", "tr"]
