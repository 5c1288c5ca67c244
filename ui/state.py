"""Session state: the datasets loaded in this browser session, and the definitions in use.

``st.session_state["datasets"]`` is a dict ``{dataset_id: Dataset}`` in load order (dataset_id =
``Dataset.key``). Sample data from ``sample_data/MANIFEST.json`` is loaded on a session's first run
unless the user removed it. Parsing is cached on the upload's bytes (never on a DataFrame: Streamlit
hashes only a sample of large frames, see STREAMLIT.md §5), in a cache bounded by bytes.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import streamlit as st

from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg
from cxlib.data.dataset import Dataset

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "sample_data"


def load_upload(name: str, data: bytes, *, role: str | None = None, mapping: dict[str, str] | None = None,
                values: dict[str, dict[str, str]] | None = None, trusted: bool = False) -> Dataset:
    """Parse an upload (cached on its bytes, for every session, bounded by bytes: serve.worker), with a
    column mapping and a value mapping (``cxlib.data.values``) when given. In hosted mode an upload is parsed
    in a worker process with a time and memory budget, off this session's script thread (``trusted``:
    the app's own sample files, parsed here). Raises CxDataError with a user-facing message."""
    from cxlib.data.table import Limits
    from serve import worker
    from ui.auth import hosted
    limits = Limits.from_env()
    if len(data) > limits.max_bytes:
        raise CxDataError(msg("the file is {size:.0f} MB, over the {limit:.0f} MB limit.", size=len(data) / 2**20,
                              limit=limits.max_bytes / 2**20), file=name,
                          hint=msg("Split the file or filter it to the period you need."))
    key = worker.ParseCache.key(data, name, role, {"mapping": mapping, "values": values, "limits": repr(limits)})
    ds = worker.CACHE.get(key)
    if ds is not None and _file_gone(ds):        # its canonical file was pruned: parsed again
        ds = None
    if ds is None:
        if hosted() and not trusted and os.environ.get("CX_PARSE_IN_PROCESS") != "1":
            ds = worker.parse(data, name, role=role, mapping=mapping, limits=limits, values=values)
        else:
            from cxlib.data.loader import load_bytes
            ds = load_bytes(data, name, role=role, mapping=mapping, limits=limits, values=values)
        worker.CACHE.put(key, ds)
    return ds


def cache_key(ds: Dataset) -> str:
    """Key for caching a result that shows the dataset's file name: content key *and* name, so a
    session uploading the same bytes under another name never gets the first session's name back."""
    return f"{ds.key}:{ds.name}"


def table_sources() -> dict[str, tuple[object, str]]:
    """content_hash -> (open :class:`cxlib.data.sources.Source`, table name): how a table connected on the Data
    page is read again with another mapping. The connection is kept, never the URL typed to open it."""
    return st.session_state.setdefault("table_sources", {})


def datasets() -> dict[str, Dataset]:
    """The session's datasets. One whose canonical file the engine's cache folder removed to make room (a session
    left open while many newer files were loaded) is taken out, and its name kept for :func:`take_gone`."""
    store = st.session_state.setdefault("datasets", {})
    for key in [k for k, d in store.items() if _file_gone(d)]:
        st.session_state.setdefault("datasets_gone", []).append(store.pop(key).name)
    return store


def _file_gone(ds: Dataset) -> bool:
    """True when the engine's cache folder removed the dataset's canonical file (pruning: CX_CACHE_MAX_MB)."""
    return bool(ds.parquet) and not os.path.exists(ds.parquet)


def take_gone() -> list[str]:
    """Names of the datasets :func:`datasets` took out since the last call (to say so once)."""
    return st.session_state.pop("datasets_gone", [])


def of_role(role: str) -> list[Dataset]:
    return [d for d in datasets().values() if d.role == role]


def add(ds: Dataset) -> str:
    """Add (or replace, when the same file+mapping is loaded again) a dataset; returns its id."""
    store = datasets()
    store[ds.key] = ds
    return ds.key


def remove(dataset_id: str) -> None:
    datasets().pop(dataset_id, None)
    st.session_state["samples_removed"] = True


def sample_manifest() -> list[dict]:
    path = SAMPLE_DIR / "MANIFEST.json"
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))


def ensure_samples() -> None:
    """Load the default sample files once per session (unless the user removed data)."""
    if st.session_state.get("samples_loaded") or st.session_state.get("samples_removed"):
        return
    st.session_state["samples_loaded"] = True
    problems = []
    for item in sample_manifest():
        if not item.get("default"):
            continue
        path = SAMPLE_DIR / item["file"]
        try:
            add(load_upload(path.name, path.read_bytes(), role=item.get("role"), trusted=True))
        except (CxDataError, OSError) as err:       # sample data must never break the app
            problems.append(str(err))
    st.session_state["sample_problems"] = problems


def definitions():
    """The session's metric definitions (cxlib.core.definitions.DefinitionSet)."""
    if "definitions" not in st.session_state:
        from cxlib.core.definitions import DefinitionSet
        st.session_state["definitions"] = DefinitionSet.default()
    return st.session_state["definitions"]
