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


# ------------------------------------------------------------------ engines for the parity tests (tests/engines.py)
@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server for this test run (Debian's binaries, free localhost port, temp data
    directory, stopped afterwards): its ``postgres://`` URL. Skips when the server is not installed."""
    from tests.engines import PostgresServer, postgres_bin
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server not installed (Debian package postgresql; `make test` installs it)")
    pytest.importorskip("psycopg", reason="psycopg not installed (requirements-engines.txt)")
    server = PostgresServer(bin_dir)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def spark_source():
    """A local Spark session (local[2], UI off, UTC) as a ``pyspark://`` Source, stopped at the end."""
    import shutil
    pytest.importorskip("pyspark", reason="pyspark not installed (requirements-engines.txt)")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime for Spark (Debian package openjdk-17-jre-headless; `make test` installs it)")
    from cxlib.data.sources import connect
    src = connect("pyspark://")
    yield src
    src.backend._session.stop()


@pytest.fixture(scope="session")
def engines(postgres_url, spark_source, tmp_path_factory):
    """DuckDB, PostgreSQL and Spark, ready for tests.engines.run_everywhere (see Engines.load)."""
    from cxlib.data.sources import connect
    from tests.engines import Engines
    pg = connect(postgres_url)
    yield Engines({"duckdb": connect("duckdb://"), "postgres": pg, "pyspark": spark_source},
                  tmp_path_factory.mktemp("spark-tables"))
    pg.close()
