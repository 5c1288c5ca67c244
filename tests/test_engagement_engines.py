"""Timing and channels expressions give the same aggregates on DuckDB, PostgreSQL and Spark.

The engine part of each analysis (rows and user-hours per UTC hour, flags per channel, the 7-day
fatigue window) is run on the three engines by the parity harness (tests/engines.py); the rows must
agree exactly (counts) after sorting.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from cxlib.analyses.channels import _flags_expr, fatigue_expr
from cxlib.analyses.timing import _counts_expr, _rates_expr
from tests.engines import assert_same, run_everywhere

pytestmark = pytest.mark.slow


def _events() -> pa.Table:
    rng = np.random.default_rng(7)
    n = 5000
    ts = pd.Timestamp("2024-03-25", tz="UTC") + pd.to_timedelta(rng.integers(0, 14 * 86400, n), unit="s")
    df = pd.DataFrame({"user_id": rng.integers(0, 400, n).astype(str), "timestamp": ts,
                       "event": rng.choice(["page_view", "add_to_cart", "purchase"], n, p=[.8, .15, .05]),
                       "device": rng.choice(["web", "app"], n)})
    return pa.Table.from_pandas(df, preserve_index=False)


def _messages() -> pa.Table:
    rng = np.random.default_rng(8)
    n = 3000
    ts = pd.Timestamp("2024-03-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s")
    df = pd.DataFrame({"recipient": rng.integers(0, 150, n).astype(str), "sent_at": ts,
                       "channel": rng.choice(["email", "sms"], n), "clicked": (rng.random(n) < .1).astype("int64"),
                       "converted": (rng.random(n) < .04).astype("int64")})
    return pa.Table.from_pandas(df, preserve_index=False)


def test_timing_aggregates_agree_on_three_engines(engines):
    loaded = engines.load({"events": _events()})
    for minutes in (60, 30, 15):
        counts = run_everywhere(lambda t: _counts_expr(t["events"], "timestamp", None, "device", minutes), loaded)
        assert_same(counts)
        assert counts["duckdb"]["count"].sum() == 5000
        rates = run_everywhere(lambda t: _rates_expr(t["events"], "timestamp", "user_id", "purchase", None, minutes),
                               loaded)
        assert_same(rates)


def test_channel_aggregates_and_fatigue_agree_on_three_engines(engines):
    loaded = engines.load({"messages": _messages()})
    flags = run_everywhere(lambda t: _flags_expr(t["messages"], ["channel"], {"clicked", "converted"}), loaded)
    assert_same(flags)
    assert flags["pyspark"]["sent"].sum() == 3000
    fatigue = run_everywhere(lambda t: fatigue_expr(t["messages"], 5), loaded)
    assert_same(fatigue)
    assert fatigue["postgres"]["sent"].sum() == 3000
