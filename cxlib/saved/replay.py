"""Saved analyses: one runner per app page, and the notebook <-> app round trip.

A saved analysis (:class:`~cxlib.saved.workspace.AnalysisSpec`) names a page, the dataset(s) by id
(``Dataset.key``), the page's options and the metric definitions. :func:`run` reproduces the page's
result from them; :func:`open_analysis` does it from a JSON file, a dict, a spec or a workspace id, so
a notebook shows the same figures as the app; :func:`make_spec` and :func:`spec_to_file` go the other
way (a notebook exports a spec the app opens).

Options per page (every key optional; the page's defaults otherwise):

============  ================================================================================
page          options
============  ================================================================================
scorecard     ``{}``; datasets: the primary plus ``extra_dataset_ids`` (one per role)
survey        ``view`` summary | trend | segment, ``metric`` nps | csat | ces, ``freq`` month | week, ``by``
orders        ``view`` summary | trend | by, ``freq`` month | week | day, ``by`` (a column)
support       ``view`` summary | trend, ``freq`` week | month, ``sla_hours``; an extra customers dataset
funnel        ``FunnelSpec.to_json()`` (``window`` such as "7d" accepted instead of ``window_seconds``)
segments      ``SegmentsSpec.to_json()``: ``RFMSpec.to_json()`` (as_of, valid_statuses, subtract_refunds,
              quintile_method, score_map) plus ``rule_segments`` ([{id, name, rule}]) and ``compare``
              ({groups, metric, population}); extra customers, responses and tickets datasets are
              joined. Without rule segments and comparison: the RFM result alone
retention     ``view`` cohorts | churn | retention_rate | churn_trend | churn_list | clv | historical_clv,
              ``cohort`` (CohortSpec JSON), ``churn`` (ChurnSpec JSON), ``at_risk_days`` (churn_list),
              ``clv`` (CLVSpec JSON), ``freq``, ``by``
experiment    ``ExperimentSpec.to_json()``; an extra orders dataset is used for CUPED
============  ================================================================================

Examples
--------
>>> import tempfile
>>> import cxlib as cx
>>> ds = cx.load("sample_data/events.csv")
>>> res = cx.funnel(ds, cx.FunnelSpec((cx.Step("view_item"), cx.Step("add_to_cart"), cx.Step("purchase"))))
>>> spec = cx.make_spec(res, ds, title="Checkout funnel")
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = cx.spec_to_file(spec, f"{tmp}/checkout_funnel.json")
...     opened = cx.open_analysis(path, data="sample_data/events.csv")
>>> opened.to_json() == res.to_json()
True
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxlib.analyses.registry import ANALYSES, ANALYSES_BY_NAME
from cxlib.analyses.registry import Analysis as Page
from cxlib.analyses.runners import RFM_BY, options_of
from cxlib.data.dataset import Dataset
from cxlib.core.definitions import DefinitionSet
from cxlib.core.result import Result
from cxlib.present.display import chart, chart_kinds, definition_of, title_of, to_html
from cxlib.core.errors import CxDataError
from cxlib.core.messages import N_, msg
from cxlib.saved.workspace import AnalysisSpec, Workspace

DataArg = str | os.PathLike | Dataset | Sequence[str | os.PathLike | Dataset] | Mapping[str, Dataset]


# The pages that can be saved and reopened: the one registry of analyses (name, role, label, runner).
PAGES: tuple[Page, ...] = ANALYSES
PAGES_BY_NAME: dict[str, Page] = ANALYSES_BY_NAME
# What the ``view`` option's values are called where people read them.
VIEW_LABELS: dict[str, str] = {
    "summary": N_("Summary"), "trend": N_("Trend"), "segment": N_("By segment"), "by": N_("By a column"),
    "cohorts": N_("Cohorts"), "churn": N_("Churn rate"), "retention_rate": N_("Retention rate"),
    "churn_trend": N_("Churn trend"), "churn_list": N_("Churned and at-risk customers"), "clv": N_("Predicted CLV"),
    "historical_clv": N_("Historical CLV"),
}


def _page(name: str) -> Page:
    page = PAGES_BY_NAME.get(name)
    if page is None:
        raise CxDataError(msg("there is no page {page!r} to reopen.", page=name),
                          hint=msg("Pages: {pages}.", pages=", ".join(PAGES_BY_NAME)))
    return page


def _definitions(definitions: DefinitionSet | Mapping | None) -> DefinitionSet:
    if definitions is None or (isinstance(definitions, Mapping) and not definitions):
        return DefinitionSet.default()
    return definitions if isinstance(definitions, DefinitionSet) else DefinitionSet.from_json(dict(definitions))


def run(page: str, data: Dataset | Sequence[Dataset], options: Mapping | None = None,
        definitions: DefinitionSet | Mapping | None = None):
    """Compute a page's result from datasets, options and definitions (what a saved analysis replays).

    Parameters
    ----------
    page : a name in ``PAGES_BY_NAME`` (scorecard, survey, orders, support, funnel, segments,
        retention, experiment).
    data : the primary dataset, or a list with the primary first and then any extra datasets.
    options : the page's options (see the module docstring).
    definitions : a DefinitionSet or its JSON; default ``DefinitionSet.default()``.

    Examples
    --------
    >>> import cxlib as cx
    >>> ds = cx.load("sample_data/orders_shopify.csv")
    >>> run("orders", ds, {"view": "by", "by": "channel"}).summary()
    'Orders by channel: 4 rows.'
    """
    datasets = [data] if isinstance(data, Dataset) else list(data)
    if not datasets:
        raise CxDataError(msg("no dataset to analyse."), hint=msg("Pass the dataset the analysis was saved with."))
    return _page(page).run(datasets, dict(options or {}), _definitions(definitions))


# ---------------------------------------------------------------------------------------------
# An opened analysis
@dataclass(frozen=True)
class Analysis(Result):
    """A reopened saved analysis: its spec, definitions, datasets and the recomputed result.

    Displays and charts like the app (charts use the analysis's own definitions); ``to_json()``,
    ``to_frame()``, ``summary()``, ``warnings`` and every other attribute come from ``result``.
    """

    spec: AnalysisSpec
    result: object
    definitions: DefinitionSet = field(default_factory=DefinitionSet)
    datasets: tuple[Dataset, ...] = field(default=(), repr=False)

    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("spec", "result", "definitions", "datasets"):
            raise AttributeError(name)
        return getattr(object.__getattribute__(self, "result"), name)

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(getattr(self.result, "warnings", ()) or ())

    def to_json(self) -> dict:
        return self.result.to_json()

    def to_frame(self) -> pd.DataFrame:
        return self.result.to_frame()

    def summary(self) -> str:
        return self.result.summary()

    def chart_options(self) -> dict:
        """Presentation details the page takes from the data (the orders' currency)."""
        ds = self.datasets[0] if self.datasets else None
        if self.spec.page == "orders" and type(self.result).__name__ == "OrdersTable" and ds is not None:
            if ds.has("currency"):
                return {"currency": ds.most_common("currency")}
        return {}

    def chart(self, kind: str | None = None, *, defs: DefinitionSet | None = None, **options):
        return chart(self.result, kind, defs=defs or self.definitions, **{**self.chart_options(), **options})

    def _repr_html_(self) -> str:
        title = self.spec.title or f"{title_of(self.result)} ({self.spec.page})"
        return to_html(self.result, title=title, definition=definition_of(self.result))

    def chart_kinds(self) -> tuple[str, ...]:
        return chart_kinds(self.result)


# ---------------------------------------------------------------------------------------------
# Loading specs and data
def read_spec(spec: AnalysisSpec | Mapping | str | os.PathLike, workspace: Workspace | None = None) -> AnalysisSpec:
    """A saved analysis from a JSON file, its dict, an :class:`AnalysisSpec` or an id in ``workspace``."""
    if isinstance(spec, AnalysisSpec):
        return spec
    if isinstance(spec, Mapping):
        return AnalysisSpec.from_json(dict(spec))
    path = Path(spec)
    if path.is_file():
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise CxDataError(msg("not a saved analysis: the file is not valid JSON ({error}).", error=str(err)),
                              file=path.name,
                              hint=msg("Export the analysis again from the app or with cx.spec_to_file().")) from None
        try:
            return AnalysisSpec.from_json(body)
        except CxDataError as err:
            raise CxDataError(getattr(err, "msg", str(err)), file=path.name) from None
    if isinstance(spec, str) and re.fullmatch(r"[A-Za-z0-9_-]{6,64}", spec):
        return (workspace or _default_workspace()).get_analysis(spec)          # an id from a share link
    raise CxDataError(msg("file not found."), file=str(path), hint=msg("Check the path of the saved analysis (.json)."))


def _default_workspace() -> Workspace:
    root = Path(os.environ.get("CX_DATA_DIR") or ".cxdata").resolve()
    if not (root / "workspace.sqlite3").exists():
        raise CxDataError(msg("no workspace at {path}.", path=str(root)),
                          hint=msg("Pass data= (the file the analysis was made from) or workspace=Workspace(path)."))
    return Workspace(root)


def _load(item: str | os.PathLike | Dataset, role: str | None, wanted: set[str], mappings: Mapping) -> Dataset:
    from cxlib.data.loader import load_path
    if isinstance(item, Dataset):
        return item
    try:
        ds = load_path(item)
    except CxDataError as err:                    # e.g. a file that needed its columns picked by hand
        ds, failed = None, err
    if ds is None or ds.key not in wanted:        # read it as the analysis did: its columns and values
        for ds_id in wanted:
            how = mappings.get(ds_id) or {}
            if not how:
                continue
            try:
                again = load_path(item, role=how.get("role"), mapping=how.get("columns") or None,
                                  values=how.get("values") or None)
            except CxDataError:
                continue
            if again.key == ds_id:
                return again
    if ds is None:
        raise failed
    if ds.key not in wanted and role is not None and ds.role != role:
        try:                                      # the app may have loaded it as the page's role
            forced = load_path(item, role=role)
        except CxDataError:
            return ds                             # not that role at all: the id check explains
        ds = forced if forced.key in wanted else ds
    return ds


def _resolve_data(spec: AnalysisSpec, data: DataArg | None, workspace: Workspace | None) -> list[Dataset]:
    ids = [spec.dataset_id, *spec.extra_dataset_ids]
    if data is None:
        ws = workspace or _default_workspace()
        return [ws.get_dataset(i) for i in ids]
    if isinstance(data, Mapping):
        items = list(data.values())
    elif isinstance(data, (str, os.PathLike, Dataset)):
        items = [data]
    else:
        items = list(data)
    role = _page(spec.page).role
    loaded = [_load(item, role if n == 0 else None, set(ids), spec.mappings) for n, item in enumerate(items)]
    by_key = {d.key: d for d in loaded}
    if spec.dataset_id not in by_key:
        got = ", ".join(f"'{d.name}' (id {d.key})" for d in loaded)
        raise CxDataError(msg("the data given is not the data this analysis was saved with: it expects dataset id "
                              "{expected}, got {given}.", expected=spec.dataset_id, given=got),
                          hint=msg("Pass the same file (same content and column mapping) or open the analysis from "
                                   "its workspace."))
    missing = [i for i in spec.extra_dataset_ids if i not in by_key]
    if missing:
        raise CxDataError(msg("this analysis also uses dataset(s) {ids}, which were not given.", ids=", ".join(missing)),
                          hint=msg("Pass every file of the analysis in data=[...], or open it from its workspace."))
    return [by_key[i] for i in ids]


def open_analysis(spec: AnalysisSpec | Mapping | str | os.PathLike, *, data: DataArg | None = None,
                  workspace: Workspace | None = None) -> Analysis:
    """Reopen a saved analysis and recompute its result: the same figures as in the app.

    Parameters
    ----------
    spec : a saved analysis as a JSON file path, its dict, an :class:`AnalysisSpec`, or an analysis id
        (from a share link ``?analysis=<id>``) in ``workspace``.
    data : the dataset(s) instead of the workspace's copy: a path or :class:`Dataset`, or a list with
        one per dataset of the analysis. Each must be the very data saved (``Dataset.key`` equal to
        the spec's dataset ids), else :class:`CxDataError`.
    workspace : where the datasets (and analysis ids) live; default ``$CX_DATA_DIR`` or ``./.cxdata``.

    Returns
    -------
    Analysis
        ``.result`` is the page's result object; the Analysis itself displays, charts
        (``.chart()``), and answers ``to_json()``/``to_frame()``/``summary()`` like it.

    Examples
    --------
    >>> import cxlib as cx
    >>> a = cx.open_analysis("checkout_funnel.json", data="sample_data/events.csv")   # doctest: +SKIP
    >>> a.chart()                    # the page's chart, drawn with the analysis's definitions  # doctest: +SKIP
    """
    saved = read_spec(spec, workspace)
    page = _page(saved.page)
    datasets = _resolve_data(saved, data, workspace)
    defs = _definitions(saved.definitions)
    return Analysis(saved, page.run(datasets, dict(saved.options), defs), defs, tuple(datasets))


# ---------------------------------------------------------------------------------------------
# Exporting specs
def make_spec(result_or_page: object, dataset: Dataset | Sequence[Dataset], options: Mapping | None = None,
              definitions: DefinitionSet | Mapping | None = None, title: str = "", *, author: str = "") -> AnalysisSpec:
    """A saved-analysis spec the app (and :func:`open_analysis`) can reopen.

    Parameters
    ----------
    result_or_page : a result object (its page and options are read from it: funnels, RFM, A/B tests,
        cohorts, churn trend, CLV, survey/orders/support tables, scorecard) or a page name.
    dataset : the dataset analysed, or a list (primary first, then extra datasets such as the customers
        of the support page or the orders used for CUPED).
    options : the page's options; with a result, they update the ones read from it.
    definitions : the definitions used (a DefinitionSet or its JSON); default the defaults. Give the
        same ones the result was computed with.
    title, author : shown in the app's list of saved analyses.

    The spec also stores how each dataset was read (``mappings``: role, columns and values, see
    :func:`mapping_of`), so :func:`open_analysis` rereads the file alone the same way.

    Examples
    --------
    >>> import cxlib as cx
    >>> ds = cx.load("sample_data/orders_shopify.csv")
    >>> spec = make_spec("orders", ds, {"view": "by", "by": "channel"}, title="Revenue by channel")
    >>> spec.page, spec.dataset_id == ds.key
    ('orders', True)
    """
    datasets = [dataset] if isinstance(dataset, Dataset) else list(dataset)
    if not datasets:
        raise CxDataError(msg("make_spec needs the dataset that was analysed."))
    if isinstance(result_or_page, Analysis):
        result_or_page = result_or_page.result
    if isinstance(result_or_page, str):
        page, opts = _page(result_or_page).name, {}
    else:
        page, opts = options_of(result_or_page)
    defs = _definitions(definitions)
    return AnalysisSpec(dataset_id=datasets[0].key, page=page, options=json.loads(json.dumps({**opts, **(options or {})})),
                        definitions=defs.to_json(), title=title, author=author,
                        created_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        extra_dataset_ids=tuple(d.key for d in datasets[1:]),
                        mappings={d.key: mapping_of(d) for d in datasets})


def mapping_of(ds: Dataset) -> dict:
    """How ``ds`` was read, as a mapping file holds it: ``{"role", "columns", "values"}`` (``values`` only
    when the user mapped some)."""
    out = {"role": ds.role, "columns": dict(ds.mapping)}
    if ds.value_map:
        out["values"] = ds.value_map
    return json.loads(json.dumps(out))


def spec_to_file(spec: AnalysisSpec, path: str | os.PathLike) -> Path:
    """Write ``spec`` as JSON (UTF-8, sorted keys) that the app and :func:`open_analysis` read; returns the path.

    Examples
    --------
    >>> import json, tempfile
    >>> spec = AnalysisSpec(dataset_id="0123456789abcdef", page="segments", title="RFM")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     body = json.loads(spec_to_file(spec, f"{tmp}/rfm.json").read_text(encoding="utf-8"))
    >>> AnalysisSpec.from_json(body) == spec
    True
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(spec.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


__all__ = ["PAGES", "PAGES_BY_NAME", "RFM_BY", "VIEW_LABELS", "Analysis", "Page", "make_spec", "mapping_of",
           "open_analysis", "read_spec", "run", "spec_to_file"]
