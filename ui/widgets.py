"""Small shared widgets: dataset picker, charts and tables in the interface language, downloads.

Every Altair chart the app draws goes through :func:`show_chart` (or :func:`chart_with_downloads`),
which sizes its labels to their text in the session's language (``cxlib.present.charts_layout``) and sets
the Vega number and time locale of the session's language (``config.locale``: decimal
comma and non-breaking-space thousands in Russian, month names in Russian and Chinese); the PNG
download is rendered from the same localized spec. Every table goes through :func:`show_table`:
translated column headers, and numbers and dates shown in the session's language through a pandas
Styler (display text only: sorting and the values stay numeric). CSV downloads keep raw,
locale-neutral numbers under translated headers, with labels (segment names, tiers, statuses) translated.
"""
from __future__ import annotations

import json
import math
from functools import cache

import pandas as pd
import streamlit as st

from cxlib.data import export
from cxlib.present.charts_layout import fit
from cxlib.data.dataset import Dataset
from cxlib.present.headers import header
from ui import fmt, state
from ui.i18n import language, t, tr
from ui.text import esc

DATA_PAGE = "pages/0_Data.py"

# Rows per role, one whole sentence each (a translator may need another word order or case).
_ROWS = {
    "events": lambda name, n: t("{name} · {n:,} events", name=name, n=n),
    "orders": lambda name, n: t("{name} · {n:,} orders", name=name, n=n),
    "responses": lambda name, n: t("{name} · {n:,} responses", name=name, n=n),
    "tickets": lambda name, n: t("{name} · {n:,} tickets", name=name, n=n),
    "experiment": lambda name, n: t("{name} · {n:,} units", name=name, n=n),
    "customers": lambda name, n: t("{name} · {n:,} customers", name=name, n=n),
}
_NONE_LOADED = {
    "events": lambda: t("No events loaded yet. Upload a file on the Data page."),
    "orders": lambda: t("No orders loaded yet. Upload a file on the Data page."),
    "responses": lambda: t("No survey responses loaded yet. Upload a file on the Data page."),
    "tickets": lambda: t("No support tickets loaded yet. Upload a file on the Data page."),
    "experiment": lambda: t("No experiment assignments loaded yet. Upload a file on the Data page."),
    "customers": lambda: t("No customer lists loaded yet. Upload a file on the Data page."),
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
    codes = {str(v).strip().upper() for v in ds.df["currency"].dropna().unique()} - {""}
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


# ---- charts -------------------------------------------------------------------------------------

# d3-time-format patterns per language (as in d3's ru-RU and zh-CN locale files); names come from Babel.
_TIME_PATTERNS = {
    "ru": {"dateTime": "%A, %e %B %Y г. %X", "date": "%d.%m.%Y", "time": "%H:%M:%S"},
    "zh": {"dateTime": "%x %A %X", "date": "%Y/%-m/%-d", "time": "%H:%M:%S"},
}


@cache
def vega_locale(lang: str) -> dict | None:
    """The Vega ``config.locale`` (d3 number and time locale) for ``lang``; None for English (Vega's default).

    Numbers: the locale's decimal and group symbols (Russian: ``,`` and a no-break space), the percent
    sign as the locale writes it (``12\u00a0%`` in Russian). Time: month and weekday names.
    """
    if lang not in _TIME_PATTERNS:
        return None
    from babel import Locale
    loc = Locale.parse(fmt.LOCALES[lang])
    sym = loc.number_symbols["latn"]
    pct_pattern = loc.percent_formats[None].pattern
    percent = pct_pattern[pct_pattern.rindex("0") + 1:].replace("\u202f", "\u00a0") or "%"
    cur = {"ru": ["", "\u00a0₽"], "zh": ["¥", ""]}[lang]
    d3_days = [6, 0, 1, 2, 3, 4, 5]                 # d3 weeks start on Sunday, Babel's on Monday
    return {
        "number": {"decimal": sym["decimal"], "thousands": sym["group"], "grouping": [3], "currency": cur,
                   "percent": percent},
        "time": {**_TIME_PATTERNS[lang],
                 "periods": [loc.day_periods["format"]["abbreviated"][p] for p in ("am", "pm")],
                 "days": [loc.days["stand-alone"]["wide"][i] for i in d3_days],
                 "shortDays": [loc.days["stand-alone"]["abbreviated"][i] for i in d3_days],
                 "months": [loc.months["stand-alone"]["wide"][i] for i in range(1, 13)],
                 "shortMonths": [loc.months["stand-alone"]["abbreviated"][i] for i in range(1, 13)]},
    }


def localized(chart, lang: str | None = None):
    """A copy of an Altair chart whose labels fit their text (``cxlib.present.charts_layout.fit``: translated labels
    wrap instead of being cut) and whose axis numbers and dates follow the language (``config.locale``)."""
    if chart is None or not hasattr(chart, "copy"):          # a spec given as JSON: already localized
        return chart
    chart = fit(chart)
    loc = vega_locale(lang or language())
    if loc is None:
        return chart
    import altair as alt
    out = chart.copy(deep=False)
    config = out.config if getattr(out, "config", alt.Undefined) is not alt.Undefined else alt.Config()
    config = config.copy(deep=False)
    config.locale = alt.Locale(**loc)
    out.config = config
    return out


def show_chart(chart, *, where=None, **kwargs) -> None:
    """Draw an Altair chart (in ``where``, a column or container; the page by default), localized."""
    if chart is None:
        return
    (where or st).altair_chart(localized(chart), **kwargs)


@st.cache_data(show_spinner=False, max_entries=64)
def _png(spec_json: str) -> bytes:
    import vl_convert as vlc
    return vlc.vegalite_to_png(spec_json, scale=2)


def chart_png(chart) -> bytes:
    """The chart as PNG, with the same number and date formats as on the page."""
    return _png(localized(chart).to_json())


def download_chart(chart, filename: str, *, key: str, label: str | None = None) -> None:
    """PNG download of an Altair chart (rendered offline with vl-convert, only when clicked)."""
    spec = localized(chart).to_json()
    st.download_button(label or t("Download chart (PNG)"), data=lambda: _png(spec), file_name=filename,
                       mime="image/png", key=key, on_click="ignore", icon=":material/image:")


# ---- tables -------------------------------------------------------------------------------------

STYLE_MAX_CELLS = 10_000     # pandas Styler costs ~20 µs a cell: bigger tables keep Streamlit's own number display


def column_label(name: str) -> str:
    """A column name as people read it: translated (names cxlib marked with ``N_``), in English cxlib's
    snake_case names in words (``cxlib.present.headers``); a file's own names stay as they are."""
    return header(name) if language() == "en" else tr(name)


def translated_headers(df: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """``df`` with its column names translated (names cxlib marked with ``N_``; others stay as they are)."""
    names = {c: tr(c, lang) for c in df.columns if isinstance(c, str)}
    if len(set(names.values())) < len(names):          # two names translated alike: keep the originals
        return df
    return df.rename(columns=names)


def _symbols(lang: str) -> dict[int, str]:
    return str.maketrans({",": fmt.LOCALE_GROUP[lang], ".": fmt.LOCALE_DECIMAL[lang]})


def _number_cells(values: pd.Series, lang: str):
    """A formatter for one numeric column: integers grouped; fixed 2 decimals from 10 on; else 4 significant
    digits (also for fractions below 1 in a 2-decimal column, e.g. a rate in a "metric / value" table)."""
    finite = pd.to_numeric(values, errors="coerce").dropna()
    finite = finite[finite.map(math.isfinite)] if len(finite) else finite
    if finite.empty:
        column = ",.2f"
    elif (finite == finite.round()).all():
        column = ",.0f"
    elif finite.abs().max() >= 10:
        column = ",.2f"
    else:
        column = ".4g"
    table = _symbols(lang)

    def spec(v: float) -> str:
        return ".4g" if column == ",.2f" and 0 < abs(v) < 1 else column

    def cell(v) -> str:
        if v is None or isinstance(v, bool):
            return "" if v is None else str(v)
        try:
            if v != v:
                return "—"
            return format(v, spec(float(v))).translate(table)
        except (TypeError, ValueError):
            return str(v)
    return cell


def _time_cells(values: pd.Series, lang: str):
    """A formatter for one datetime column: dates when every time is midnight, else date and time."""
    stamps = values.dropna()
    only_dates = stamps.empty or bool((stamps == stamps.dt.normalize()).all())
    shown: dict = {}

    def cell(v) -> str:
        if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
            return "—"
        if v not in shown:
            shown[v] = fmt.day(v, lang=lang) if only_dates else fmt.moment(v, lang=lang)
        return shown[v]
    return cell


def status_label(value: object, lang: str | None = None) -> str:
    """A canonical order status or ticket rating (``in_transit``) as people read it, translated."""
    from cxlib.core import statuses
    return tr(statuses.display_label(value), lang) if isinstance(value, str) else value


def _label_cells(fn):
    return lambda v: fn(v) if isinstance(v, str) else ("—" if v is None or v != v else str(v))


def table_view(df, *, formats: dict | None = None, labels=(), lang: str | None = None):
    """What :func:`show_table` draws: a Styler over ``df`` with translated headers and localized cells.

    ``formats`` maps a column (its cxlib name) to a function value -> text; ``labels`` names columns
    whose cells are labels to translate (segment names), or maps a column to its label function
    (``{"status": status_label}``). Only the shown text changes: the values (and sorting) stay.
    Tables larger than ``STYLE_MAX_CELLS`` get translated headers and labels only.
    """
    if not isinstance(df, pd.DataFrame):
        return df
    lang = lang or language()
    labels = labels if isinstance(labels, dict) else {c: tr for c in labels}
    formats = {**{c: _label_cells(fn) for c, fn in labels.items()}, **(formats or {})}
    frame = df
    shown = translated_headers(frame)
    if frame.size == 0 or frame.size > STYLE_MAX_CELLS or not shown.columns.is_unique:
        shown = shown.copy(deep=False)
        for col, new in zip(frame.columns, shown.columns):
            if col in labels:
                shown[new] = frame[col].map(_label_cells(labels[col]))
        return shown
    formatters = {}
    for col, new in zip(frame.columns, shown.columns):
        series = frame[col]
        if col in formats:
            formatters[new] = formats[col]
        elif pd.api.types.is_bool_dtype(series):
            continue
        elif pd.api.types.is_numeric_dtype(series):
            formatters[new] = _number_cells(series, lang)
        elif pd.api.types.is_datetime64_any_dtype(series):
            formatters[new] = _time_cells(series, lang)
    if not formatters:
        return shown
    return shown.style.format(formatters, na_rep="—")


def label_columns(df, lang: str | None = None) -> dict:
    """The columns of a result table whose cells are cxlib's own labels (metric names, segments and value
    tiers, statuses), for ``show_table(labels=...)`` where a page does not know the table's shape."""
    def label(v):
        return tr(v, lang)

    def status(v):
        return status_label(v, lang)
    known = {"metric": label, "segment": label, "tier": label, "value_tier": label, "list": label, "status": status}
    return {c: fn for c, fn in known.items() if isinstance(df, pd.DataFrame) and c in df.columns}


@cache
def _own_values() -> frozenset[str]:
    """Values cxlib writes into data columns (an empty group, all channels, the rest): labels to translate."""
    from cxlib.analyses import clv
    from cxlib.analyses import funnel_breakdown
    from cxlib.analyses import orders
    from cxlib.analyses import segments
    from cxlib.analyses import support
    from cxlib.analyses import survey
    return frozenset({orders.BLANK, survey.BLANK, support.BLANK, support.ALL, funnel_breakdown.MISSING, funnel_breakdown.OTHER,
                      clv.NO_SEGMENT, segments.NO_ORDERS})


def _relabel(values: pd.Series, fn, only=None) -> pd.Series:
    """``values`` with each text cell (of ``only``, when given) replaced by ``fn(cell)``."""
    shown = {v: fn(v) for v in values.dropna().unique() if isinstance(v, str) and (only is None or v in only)}
    if not shown:
        return values
    return values.map(lambda v: shown.get(v, v) if isinstance(v, str) else v).astype(object)


def export_frame(df, labels=None, lang: str | None = None) -> pd.DataFrame:
    """What a CSV download holds: translated headers, label cells translated (``labels`` as in
    :func:`table_view`; default :func:`label_columns`), cxlib's own values in other columns ("(blank)",
    "Other") translated too; data and numbers unchanged (locale-neutral)."""
    if not isinstance(df, pd.DataFrame):
        return df

    def label(v):
        return tr(v, lang)
    labels = label_columns(df, lang) if labels is None else labels if isinstance(labels, dict) else \
        {c: label for c in labels}
    out = df.copy(deep=False)
    for col in df.columns:
        if col in labels:
            out[col] = _relabel(df[col], labels[col])
        elif df[col].dtype == object or pd.api.types.is_string_dtype(df[col].dtype):
            out[col] = _relabel(df[col], label, _own_values())
    return translated_headers(out, lang)


def show_table(df, *, formats: dict | None = None, labels=(), where=None, **kwargs) -> None:
    """st.dataframe in the session's language (headers, numbers, dates, labels); ``hide_index`` by default."""
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("placeholder", "—")          # a missing cell reads as a dash, not as "None"
    if isinstance(df, pd.DataFrame) and language() == "en":    # English has no catalog: snake_case names in words
        words = {c: header(c) for c in df.columns if isinstance(c, str) and header(c) != c}
        kwargs["column_config"] = {**{c: st.column_config.Column(label=w) for c, w in words.items()},
                                   **(kwargs.get("column_config") or {})}
    (where or st).dataframe(table_view(df, formats=formats, labels=labels), **kwargs)


def sig(digits: int = 3):
    """A cell formatter with ``digits`` significant digits in the session's language (p-values)."""
    formatter = fmt.LocaleFormatter(language())
    spec = f"{{v:.{digits}g}}"
    return lambda v: "—" if v is None or v != v else formatter.format(spec, v=v)


def download_table(df, filename: str, *, key: str, label: str | None = None, labels=None) -> None:
    """CSV download: translated headers and labels (segment names, tiers, statuses: ``export_frame``)
    over raw, locale-neutral numbers; spreadsheet formulas neutralized and timestamps in ISO-8601 UTC."""
    frame = export_frame(df, labels)
    st.download_button(label or t("Download table (CSV)"), data=lambda: export.to_csv_bytes(frame),
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
    from ui.share import save_and_share         # and the same analysis stored, with a link to it
    save_and_share(result, data, key=key, title=title)


def chart_with_downloads(chart, table, *, png: str, csv: str, key: str) -> None:
    """An Altair chart (localized) with its PNG and its data table's CSV download side by side."""
    show_chart(chart, width="stretch")
    c1, c2 = st.columns(2)
    with c1:
        download_chart(chart, png, key=f"{key}_png")
    with c2:
        download_table(table, csv, key=f"{key}_csv")


__all__ = ["chart_png", "chart_with_downloads", "column_label", "dataset_currency", "dataset_label", "date_input_format", "download_chart", "download_table", "esc", "export_frame",
           "localized", "option_labels", "pick_dataset", "show_chart", "show_table", "sig", "spec_download", "status_label", "table_view",
           "translated_headers", "vega_locale"]
