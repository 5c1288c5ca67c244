"""One cached runner for every page: inputs -> :func:`run` -> the result the page's view draws.

A page names what it shows the way a saved analysis does (``cxlib.saved.replay``): the page
(``"orders"``), its datasets, its options (JSON-able: ``{"view": "trend", "freq": "week"}``) and the
session's definitions. :func:`run` computes it through :func:`cxlib.saved.replay.run`, so the page,
the saved spec and ``python -m cxlib run`` give the same result. What a page shows beyond its saved
views (the funnel's event counts, the customer view joined to RFM) is an ``analysis``: a function
``(datasets, options, definitions) -> result``, the same shape as replay's runners, defined in the
page's ``ui/*_view.py``.

The cache key is the page, the analysis's qualified name, the datasets' keys (content hash and
mapping, plus the file name, which results show: :func:`ui.state.cache_key`), the options' JSON and
the definitions' JSON; never a DataFrame (Streamlit hashes only a sample of a large frame:
STREAMLIT.md §5). A :class:`CxDataError` is shown as the page's error box, never as a traceback.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from cxlib.core.definitions import DefinitionSet
from cxlib.core.errors import CxDataError
from cxlib.data.dataset import Dataset
from ui import state
from ui.text import show_error

Analysis = Callable[[list[Dataset], dict, DefinitionSet], object]


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def _name(analysis: Analysis | None) -> str:
    return "" if analysis is None else f"{analysis.__module__}.{analysis.__qualname__}"


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(page: str, analysis: str, keys: tuple[str, ...], options_json: str, defs_json: str,
            _datasets: tuple[Dataset, ...], _analysis: Analysis | None):
    """Everything that decides the result is in the hashed arguments; ``_datasets`` and ``_analysis``
    (not hashed) are what the keys and the name stand for."""
    from cxlib.saved import replay
    options, defs = json.loads(options_json), DefinitionSet.from_json(json.loads(defs_json))
    if _analysis is None:
        return replay.run(page, list(_datasets), options, defs)
    return _analysis(list(_datasets), options, defs)


def compute(page: str, datasets: Dataset | Sequence[Dataset | None], options: Mapping | None = None,
            defs: DefinitionSet | None = None, *, analysis: Analysis | None = None):
    """The page's result (cached); raises :class:`CxDataError`. ``datasets``: the primary first, then the
    extra ones (``None`` for an extra one not chosen); ``defs``: the session's definitions by default."""
    data = [datasets] if isinstance(datasets, Dataset) else [d for d in datasets if d is not None]
    defs = state.definitions() if defs is None else defs
    return _cached(page, _name(analysis), tuple(state.cache_key(d) for d in data), _json(dict(options or {})),
                   _json(defs.to_json()), tuple(data), analysis)


def run(page: str, datasets: Dataset | Sequence[Dataset | None], options: Mapping | None = None,
        defs: DefinitionSet | None = None, *, analysis: Analysis | None = None, stop: bool = True):
    """:func:`compute`, with a bad input shown as the page's error box: then the page stops (``stop``) or
    this returns None (a section that fails while the rest of the page goes on)."""
    try:
        return compute(page, datasets, options, defs, analysis=analysis)
    except CxDataError as err:
        show_error(err)
        if stop:
            st.stop()
        return None


__all__ = ["Analysis", "compute", "run"]
