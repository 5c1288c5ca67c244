"""Every table goes through :func:`show_table`: translated column headers, and numbers and dates shown in
the session's language through a pandas Styler (display text only: sorting and the values stay
numeric). :func:`export_frame` is what a CSV download holds: raw, locale-neutral numbers under
translated headers, with labels (segment names, tiers, statuses) translated."""
from __future__ import annotations

import math
from functools import cache

import pandas as pd
import streamlit as st

from cxlib.present.headers import header
from ui import fmt
from ui.i18n import tr
from ui.lang import language

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
    return frozenset({orders.BLANK, survey.BLANK, support.BLANK, support.ALL, funnel_breakdown.MISSING,
                      funnel_breakdown.OTHER,
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


__all__ = ["STYLE_MAX_CELLS", "column_label", "export_frame", "label_columns", "show_table", "sig", "status_label",
           "table_view", "translated_headers"]
