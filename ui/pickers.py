"""Choosing: the dataset picker, dataset labels, option labels made in this run's language, the date
input format of the language."""
from __future__ import annotations

import streamlit as st

from cxlib.data.dataset import Dataset
from ui import state
from ui.i18n import t
from ui.lang import language

DATA_PAGE = "pages/0_Data.py"

# Rows per role, one whole sentence each (a translator may need another word order or case).
_ROWS = {
    "events": lambda name, n: t("{name} · {n:,} events", name=name, n=n),
    "orders": lambda name, n: t("{name} · {n:,} orders", name=name, n=n),
    "responses": lambda name, n: t("{name} · {n:,} responses", name=name, n=n),
    "tickets": lambda name, n: t("{name} · {n:,} tickets", name=name, n=n),
    "experiment": lambda name, n: t("{name} · {n:,} units", name=name, n=n),
    "customers": lambda name, n: t("{name} · {n:,} customers", name=name, n=n),
    "messages": lambda name, n: t("{name} · {n:,} messages", name=name, n=n),
}
_NONE_LOADED = {
    "events": lambda: t("No events loaded yet. Upload a file on the Data page."),
    "orders": lambda: t("No orders loaded yet. Upload a file on the Data page."),
    "responses": lambda: t("No survey responses loaded yet. Upload a file on the Data page."),
    "tickets": lambda: t("No support tickets loaded yet. Upload a file on the Data page."),
    "experiment": lambda: t("No experiment assignments loaded yet. Upload a file on the Data page."),
    "customers": lambda: t("No customer lists loaded yet. Upload a file on the Data page."),
    "messages": lambda: t("No campaign messages loaded yet. Upload a file on the Data page."),
}


def option_labels(options, label):
    """A widget's ``format_func`` whose labels are all made now, in this run's language.

    Streamlit's AppTest calls ``format_func`` again outside the script run, where the session (so its
    language) cannot be read; labels made up front read the same in both places.
    """
    shown = {o: label(o) for o in options}
    return lambda o: shown[o] if o in shown else label(o)


def dataset_label(ds: Dataset) -> str:
    """``orders.csv · 1,234 orders`` in the session's language."""
    row = _ROWS.get(ds.role)
    if row is None:
        return t("{name} · {n:,} rows", name=ds.name, n=ds.report.rows)
    return row(ds.name, ds.report.rows)


def dataset_currency(ds: Dataset | None) -> str | None:
    """The currency of an orders dataset when its ``currency`` column holds exactly one code; else None
    (amounts are then shown as plain numbers)."""
    if ds is None or not ds.has("currency"):
        return None
    codes = {str(v).strip().upper() for v in ds.distinct("currency", limit=1000)} - {""}
    return codes.pop() if len(codes) == 1 else None


# st.date_input's display format per language (Streamlit offers only these patterns; the calendar
# itself stays English).
_DATE_INPUT = {"en": "YYYY/MM/DD", "zh": "YYYY/MM/DD", "ru": "DD.MM.YYYY"}


def date_input_format() -> str:
    """``format=`` for st.date_input in the session's language (``DD.MM.YYYY`` in Russian)."""
    return _DATE_INPUT.get(language(), "YYYY/MM/DD")


def pick_dataset(role: str, *, key: str, label: str | None = None) -> Dataset:
    """Choose among loaded datasets of ``role``; stops the page with guidance when there is none."""
    options = state.of_role(role)
    if not options:
        none = _NONE_LOADED.get(role)
        st.info(none() if none else t("No data of this kind loaded yet. Upload a file on the Data page."),
                icon=":material/info:")
        from ui.nav import link
        link(DATA_PAGE, t("Go to the Data page"), ":material/folder_open:")
        st.stop()
    if len(options) == 1:
        return options[0]
    ids = [d.key for d in options]
    by_id = {d.key: d for d in options}
    choice = st.selectbox(label or t("Dataset"), ids, format_func=option_labels(ids, lambda i: dataset_label(by_id[i])),
                          key=key)
    return by_id[choice]


__all__ = ["DATA_PAGE", "dataset_currency", "dataset_label", "date_input_format", "option_labels", "pick_dataset"]
