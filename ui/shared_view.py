"""The Saved analysis page's workspace side: a shared analysis opened by its link, and the list.

``render(analysis_id)`` reads the spec and its datasets from the workspace (never from the
session), recomputes the figures with ``cxlib.saved.replay`` and shows them read-only: title,
author, time, the definition in words, the data's date range, the page's chart(s) and table.
The datasets are the author's: their file names are the ones the author gave, and an analysis
whose author deleted the stored data says so (even when someone else still stores the same
content). The spec is looked up on every run, so a deleted analysis stops opening at once; the
recomputation is cached by the spec's JSON (its author and its dataset ids, content hashes).
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

import streamlit as st

from cxlib.saved import replay as analyses
from cxlib.present import display
from cxlib.core.errors import CxDataError
from cxlib.saved.workspace import AnalysisSpec, NotFound
from ui import auth, share
from ui import fmt
from ui.charts import localized
from ui.downloads import download_chart, download_table
from ui.i18n import t, tr
from ui.lang import language
from ui.tables import label_columns, show_table
from ui.text import caption, esc, show_error, show_warnings


@dataclass(frozen=True)
class DataInfo:
    name: str
    role: str
    rows: int
    date_range: tuple[str, str] | None


@dataclass(frozen=True)
class Opened:
    """What the shared view draws (no DataFrames of the raw data: cheap to copy out of the cache).
    Charts are kept as Vega-Lite JSON, built once: twenty people opening one link do not each
    rebuild and validate the Altair charts."""

    result: object
    data: tuple[DataInfo, ...]
    charts: tuple[tuple[str | None, str], ...]          # (kind, Vega-Lite JSON)


@dataclass(frozen=True)
class _SpecChart:
    """A chart given as Vega-Lite JSON, for ``ui.downloads.download_chart``."""

    spec_json: str

    def to_json(self) -> str:
        return self.spec_json


class DataDeleted(NotFound):
    """The author deleted the data this analysis reads."""


@st.cache_data(show_spinner=False, max_entries=32)
def _open(spec_json: str, root: str, lang: str) -> Opened:
    """``lang`` is part of the key: chart titles are built in the reader's language."""
    spec = AnalysisSpec.from_json(json.loads(spec_json))
    ws = share._workspace(root)
    data = [ws.get_dataset(i, owner=spec.author) for i in (spec.dataset_id, *spec.extra_dataset_ids)]
    a = analyses.open_analysis(spec, data=data)
    info = tuple(DataInfo(d.name, d.role, d.report.rows, d.report.date_range) for d in a.datasets)
    charts = []
    for kind in display.chart_kinds(a.result) or (None,):
        try:
            charts.append((kind, localized(a.chart(kind), lang).to_json()))   # the analysis's own definitions
        except CxDataError:                                         # a view without this chart
            continue
    return Opened(a.result, info, tuple(charts))


def _load(analysis_id: str) -> tuple[AnalysisSpec, Opened]:
    if not share.workspace_exists():
        raise NotFound("nothing has been saved in this workspace yet.")
    ws = share.workspace()
    spec = ws.get_analysis(analysis_id)                       # uncached: deletions count at once
    if not data_kept(ws, spec):
        raise DataDeleted("the data of this analysis was deleted.")
    return spec, _open(json.dumps(spec.to_json(), sort_keys=True), str(ws.root), language())


def data_kept(ws, spec: AnalysisSpec) -> bool:
    """Whether the analysis's author still stores every dataset it reads."""
    return all(ws.has_dataset(i, owner=spec.author) for i in (spec.dataset_id, *spec.extra_dataset_ids))


def render(analysis_id: str) -> None:
    """The shared analysis ``analysis_id``, read-only; a clear message when it does not open."""
    try:
        with st.spinner(t("Opening the shared analysis…")):
            spec, opened = _load(analysis_id)
    except DataDeleted:
        st.warning(t("The data of this analysis was deleted by the person who shared it, so its figures cannot be "
                     "shown any more. Ask them to share it again."), icon=":material/folder_off:")
        _back_to_list()
        return
    except NotFound:
        st.error(t("This link does not open an analysis: it does not exist or was deleted. "
                   "Ask the person who shared it for a new link."), icon=":material/link_off:")
        _back_to_list()
        return
    except CxDataError as err:
        show_error(err)
        _back_to_list()
        return
    except (OSError, sqlite3.Error) as err:              # the workspace cannot be read
        st.error(esc(t("The workspace cannot be read ({problem}).", problem=str(err))), icon=":material/error:")
        return
    res = opened.result
    st.subheader(esc(spec.title or tr(display.title_of(res))))
    st.caption(esc(t("Shared by {author} on {when} · {page}", author=spec.author or "—",
                     when=_when(spec.created_at), page=display.title_of(res))))
    caption(display.definition_of(res))
    for d in opened.data:
        st.caption(esc(t("Data: {name}, {rows:,} rows, from {start} to {end}", name=d.name, rows=d.rows,
                         start=fmt.day(d.date_range[0]), end=fmt.day(d.date_range[1])) if d.date_range
                       else t("Data: {name}, {rows:,} rows", name=d.name, rows=d.rows)))
    st.text(tr(res.summary()))
    show_warnings(getattr(res, "warnings", ()))
    charts = opened.charts
    tabs = st.tabs([_kind_label(k) for k, _ in charts]) if len(charts) > 1 else [st.container()] * len(charts)
    for n, ((kind, spec_json), tab) in enumerate(zip(charts, tabs)):
        with tab:
            st.vega_lite_chart(spec=json.loads(spec_json), width="stretch")
            download_chart(_SpecChart(spec_json), f"shared_{kind or 'chart'}.png", key=f"shared_png_{n}")
    table = res.to_frame()
    show_table(table, hide_index=True, width="stretch", labels=label_columns(table))
    download_table(table, "shared_analysis.csv", key="shared_csv")
    _back_to_list()


def _kind_label(kind: str | None) -> str:
    return {"overview": t("Overview"), "nps": t("NPS"), "csat": t("CSAT"), "ces": t("CES"), "trend": t("Trend"),
            "segments": t("Segments"), "status": t("Order status"), "by": t("Breakdown"), "channels": t("By channel"),
            "funnel": t("Funnel"), "breakdown": t("Breakdown"), "time": t("Time to convert"), "grid": t("R and FM grid"),
            "value_tiers": t("Value tiers"), "compare": t("Compare segments"), "heatmap": t("Cohorts"), "histogram": t("Distribution"),
            "top": t("Top customers"), "lift": t("Lift"), "rates": t("Rates"),
            "match": t("Match report"), "by_band": t("Tickets by NPS band"),
            "band_value": t("Net revenue and repurchase by NPS band"), "counts": t("Heatmap"),
            "send_hour": t("Conversion by send hour"), "fatigue": t("Fatigue"), "evidence": t("Evidence"),
            "calibration": t("Calibration"), "gains": t("Gains"), "bands": t("Readiness bands")}.get(kind or "", kind or t("Chart"))


def page_label(page: str) -> str:
    """The app page a saved analysis comes from, in words."""
    from cxlib.analyses.registry import ANALYSES_BY_NAME
    entry = ANALYSES_BY_NAME.get(page)
    return tr(entry.label) if entry else page


def _when(created_at: str) -> str:
    return fmt.moment(created_at.replace("Z", "+00:00")) if created_at else "—"


def _back_to_list() -> None:
    from ui.nav import link
    link(auth.SHARED_PAGE, t("All shared analyses"), ":material/list:")


def _open_link(spec: AnalysisSpec) -> None:
    label = esc(spec.title or page_label(spec.page))     # a title is text, never markdown
    try:
        st.page_link(auth.SHARED_PAGE, label=label, icon=":material/insert_chart:",
                     query_params={"analysis": spec.id})
    except Exception:                     # noqa: BLE001 - page run on its own (tests): a plain link
        st.markdown(f"[{label}]({share.link_to(spec.id)})")


def listing(account: auth.Account) -> None:
    """Every shared analysis (newest first); an editor can delete their own, and their stored data."""
    st.subheader(t("Shared analyses"))
    ws = share.workspace() if share.workspace_exists() else None
    specs = list(reversed(ws.list_analyses())) if ws is not None else []
    if not specs:
        st.info(t("Nothing has been shared yet. Editors share an analysis with “Save and share” on its page."),
                icon=":material/info:")
    for spec in specs:
        c1, c2 = st.columns([6, 1]) if account.is_editor else (st.container(), None)
        with c1:
            _open_link(spec)
            st.caption(esc(t("{page} · shared by {author} on {when}", page=page_label(spec.page),
                             author=spec.author or "—",
                             when=_when(spec.created_at))))
            if not data_kept(ws, spec):
                st.caption(t("Its data was deleted: the link shows no figures any more."))
        if c2 is not None and spec.author == account.name:
            if c2.button(t("Delete"), key=f"del_analysis_{spec.id}", icon=":material/delete:"):
                _delete(lambda: share.workspace().delete_analysis(spec.id, user=account.name))
    if account.is_editor and share.workspace_exists():
        _stored_data(account)


def _stored_data(account: auth.Account) -> None:
    ws = share.workspace()
    mine = ws.list_datasets(account.name)
    if not mine:
        return
    asking = st.session_state.get("confirm_del_dataset")
    with st.expander(t("Your stored data ({n})", n=len(mine)), expanded=asking in {d.id for d in mine}):
        st.caption(t("Data stored when you shared an analysis. Deleting it stops the analyses that use it "
                     "from opening."))
        for d in mine:
            c1, c2 = st.columns([6, 1])
            used = len(ws.analyses_using(d.id, account.name))
            c1.text(t("{name} · {rows:,} rows · used by {n} of your analyses", name=d.name, rows=d.rows, n=used))
            if c2.button(t("Delete"), key=f"del_dataset_{d.id}", icon=":material/delete:"):
                if not used:
                    _delete(lambda: ws.delete_dataset(d.id, user=account.name))
                st.session_state["confirm_del_dataset"] = d.id        # used by analyses: ask first
                st.rerun()
            if asking == d.id:
                _confirm_delete(ws, d, used, account)


def _confirm_delete(ws, d, used: int, account: auth.Account) -> None:
    st.warning(t("{n} of your shared analyses use this data. After deleting it, their links say that the data "
                 "was deleted and show no figures. Delete it?", n=used), icon=":material/warning:")
    yes, no = st.columns(2)
    if yes.button(t("Delete the data"), key=f"del_dataset_yes_{d.id}", type="primary", icon=":material/delete:"):
        st.session_state.pop("confirm_del_dataset", None)
        _delete(lambda: ws.delete_dataset(d.id, user=account.name))
    if no.button(t("Keep it"), key=f"del_dataset_no_{d.id}"):
        st.session_state.pop("confirm_del_dataset", None)
        st.rerun()


def _delete(action) -> None:
    try:
        action()                          # owner-checked in cxlib.saved.workspace
    except CxDataError as err:
        show_error(err)
        return
    st.rerun()

