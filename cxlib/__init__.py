"""CX Workbench analysis library: load customer-experience exports, compute trustworthy metrics.

No Streamlit here: everything is usable from a notebook or ``python -m cxlib``.
"""
from __future__ import annotations

from cxlib.dataset import ColumnIssue, Dataset, Report
from cxlib.definitions import METRICS, METRICS_BY_NAME, DefinitionSet
from cxlib.errors import CxDataError, CxLimitError, CxNeedsMapping
from cxlib.load import load_bytes, load_path

__all__ = ["ColumnIssue", "CxDataError", "CxLimitError", "CxNeedsMapping", "Dataset", "DefinitionSet", "METRICS",
           "METRICS_BY_NAME", "Report", "load_bytes", "load_path"]
__version__ = "0.1.0"
