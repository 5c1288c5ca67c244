"""Support metrics on the engine (cxlib.analyses.support_engine) equal the careful path's, medians included.

Each test loads one file by the engine (a canonical Parquet file; analyses aggregate on it because
CX_ENGINE_ANALYSIS_MIN_ROWS is 0) and the careful way (pandas); results must be equal to the last bit and the
engine's Dataset must never have read its table into pandas.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib.analyses import support
from tests.engine_pairs import cli_both_ways
from tests.test_canonical import as_json, both, write_csv


@pytest.fixture(autouse=True)
def _engine(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CX_ENGINE_ANALYSIS_MIN_ROWS", "0")      # else a table this small computes in pandas


def messy_tickets(n: int = 3_001, seed: int = 14) -> pd.DataFrame:
    """Several channels (one with a single ticket, one blank), missing and fractional reply times with ties,
    negative times, ratings of every kind, and tickets without a creation date."""
    rng = np.random.default_rng(seed)
    created = pd.Series((pd.Timestamp("2026-01-20", tz="UTC") + pd.to_timedelta(rng.integers(0, 50 * 86400, n),
                                                                                 unit="s")).strftime("%Y-%m-%d %H:%M:%S"))
    created[rng.random(n) < 0.03] = ""
    channel = pd.Series(rng.choice(["email", "Chat", " phone ", "", "web"], n))
    channel[7] = "fax"                                    # a channel of one ticket
    raw = rng.exponential(300, n)
    reply = pd.Series(np.where(rng.random(n) < 0.5, np.round(raw, 2), np.round(raw))).astype(str)
    reply[rng.random(n) < 0.15] = ""
    reply[rng.random(n) < 0.2] = "120"                    # ties
    reply[rng.random(n) < 0.01] = "-5"
    return pd.DataFrame({
        "Ticket ID": [str(1000 + i) for i in range(n)], "Created at": created, "Channel": channel,
        "First reply time (minutes)": reply,
        "Resolution minutes": rng.choice(["30", "600", "", "45.5", "1440.25", "7"], n),
        "Satisfaction": rng.choice(["Good", "bad", "offered", "unoffered", ""], n),
    })


def pair(tmp_path, df: pd.DataFrame):
    path = tmp_path / "tickets.csv"
    write_csv(path, df)
    engine, careful = both(path)
    assert engine is not None and engine.role == "tickets" and engine.aggregate_on_engine
    return engine, careful


@pytest.mark.parametrize("n", [3_001, 3_000])                # odd and even counts per group
def test_summary_and_channels_on_the_engine_equal_the_careful_ones(tmp_path, n):
    engine, careful = pair(tmp_path, messy_tickets(n))
    for hours in (None, 2.0):
        a, b = support.summarize(engine, sla_hours=hours), support.summarize(careful, sla_hours=hours)
        assert as_json(a) == as_json(b) and a.warnings == b.warnings
        assert repr(a) == repr(b)                           # every float to the last bit (NaN == NaN as text)
        pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert engine.on_engine                                 # the figures never read the table into pandas
    assert "fax" in set(a.to_frame()["channel"]) and any("negative" in w for w in a.warnings)


@pytest.mark.parametrize("freq", ["week", "month"])
def test_trend_on_the_engine_equals_the_careful_one(tmp_path, freq):
    engine, careful = pair(tmp_path, messy_tickets())
    a, b = support.over_time(engine, freq), support.over_time(careful, freq)
    assert as_json(a) == as_json(b) and a.warnings == b.warnings and a.warnings
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert engine.on_engine


def test_without_reply_times_ratings_or_channels_the_engine_says_what_pandas_says(tmp_path):
    df = messy_tickets(500).drop(columns=["First reply time (minutes)", "Satisfaction", "Channel"])
    engine, careful = pair(tmp_path, df)
    a, b = support.summarize(engine), support.summarize(careful)
    assert as_json(a) == as_json(b) and repr(a) == repr(b)
    assert as_json(support.over_time(engine)) == as_json(support.over_time(careful))
    assert engine.on_engine


def test_order_statistics_give_pandas_median_and_p90_on_any_group_size():
    rng = np.random.default_rng(3)
    for n in range(1, 60):
        x = np.sort(np.round(rng.exponential(100, n), int(rng.integers(0, 4))) / 3)
        s = pd.Series(x)
        for q, _ in support.QUANTILES:
            want = s.median() if q == 0.5 else s.quantile(q)
            assert support._quantile(lambda r, x=x: x[r], n, q) == want, (n, q)
        assert set(support._ranks(n)) <= set(range(n))


def test_cli_json_is_the_same_on_the_engine_and_the_careful_way(tmp_path, monkeypatch, capsys):
    path = tmp_path / "tickets.csv"
    write_csv(path, messy_tickets())
    engine, careful = cli_both_ways(monkeypatch, capsys, ["support", str(path), "--json"])
    assert engine == careful and engine["tickets"] == 3_001
