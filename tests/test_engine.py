"""cxlib.data.engine: every DuckDB session the engine opens reads and prints times in UTC."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

_SESSIONS = """
from cxlib.data import engine, sources
print(engine.connect().sql("SELECT current_setting('TimeZone')").fetchall()[0][0])
print(engine.backend().raw_sql("SELECT current_setting('TimeZone')").fetchall()[0][0])
print(sources.connect("duckdb://").backend.raw_sql("SELECT current_setting('TimeZone')").fetchall()[0][0])
print(engine.connect().sql("SELECT strftime('2026-03-01 00:30:00'::TIMESTAMPTZ, '%d %H:%M')").fetchall()[0][0])
"""


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo"])
def test_every_duckdb_session_is_in_utc_whatever_the_machines_zone(tmp_path, zone):
    """A raw connection (funnels, the canonical conversion), this thread's Ibis backend and a duckdb:// source:
    DuckDB's default would be the machine's zone, where '2026-03-01 00:30' is read hours off."""
    env = {**os.environ, "TZ": zone, "CX_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", _SESSIONS], env=env, capture_output=True, text=True, timeout=300,
                         cwd=os.path.dirname(os.path.dirname(__file__)))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:4] == ["UTC", "UTC", "UTC", "01 00:30"]
