"""The Streamlit side: shell, translation, session state, shared widgets. Pages import only this."""
from ui.i18n import t, tr
from ui.shell import shell
from ui.state import datasets, definitions
from ui.text import caption, error_text, esc, show_error, show_warnings
from ui.widgets import (chart_png, chart_with_downloads, dataset_label, download_chart, download_table, option_labels,
                        pick_dataset, show_chart, show_table, sig, spec_download)

__all__ = ["caption", "chart_png", "chart_with_downloads", "dataset_label", "datasets", "definitions", "download_chart",
           "download_table", "error_text", "esc", "option_labels", "pick_dataset", "shell", "show_chart", "show_error", "show_table",
           "show_warnings", "sig", "spec_download", "t", "tr"]
