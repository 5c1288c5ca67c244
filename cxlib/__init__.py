"""CX Workbench analysis library: load customer-experience exports, compute trustworthy metrics.

No Streamlit here: everything is usable from a notebook or ``python -m cxlib``.
"""
from __future__ import annotations

from cxlib.dataset import ColumnIssue, Dataset, Report
from cxlib.errors import CxDataError, CxLimitError

__all__ = ["ColumnIssue", "CxDataError", "CxLimitError", "Dataset", "Report"]
__version__ = "0.1.0"
