"""Shared fixtures: paths to the project, its sample data and the shared real datasets."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CX_SHARED", ROOT.parent / "shared"))
REAL = SHARED / "data" / "real"
SAMPLE = ROOT / "sample_data"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def real_file(*parts: str) -> Path:
    """Path to a shared real dataset file, or skip the test cleanly when it is absent."""
    path = REAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared real data not present: {path}")
    return path


@pytest.fixture
def contract_problems():
    """``problems(command, file, *args)`` from ../shared/tools/check_contract.py (skip if absent)."""
    tools = SHARED / "tools"
    if not (tools / "check_contract.py").exists():
        pytest.skip("shared/tools/check_contract.py not present")
    sys.path.insert(0, str(tools))
    from check_contract import problems
    return problems


@pytest.fixture(autouse=True)
def _clear_streamlit_cache():
    """st.cache_data is process-global: keep AppTests independent (STREAMLIT.md §5)."""
    def clear():
        if "streamlit" in sys.modules:
            import streamlit as st
            st.cache_data.clear()
    clear()
    yield
    clear()
