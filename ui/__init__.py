"""The Streamlit side: shell, translation, session state, shared widgets. Pages import only this."""
from ui.i18n import t
from ui.shell import shell
from ui.state import datasets, definitions
from ui.text import caption, esc, show_error, show_warnings
from ui.widgets import chart_png, chart_with_downloads, dataset_label, download_chart, download_table, pick_dataset, spec_download

__all__ = ["caption", "chart_png", "chart_with_downloads", "dataset_label", "datasets", "definitions", "download_chart",
           "download_table", "esc", "pick_dataset", "shell", "show_error", "show_warnings", "spec_download", "t"]
