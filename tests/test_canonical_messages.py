"""Message logs converted by the engine (cxlib/data/canonical_rows.py) equal the careful reader's, and the channel
and send-time analyses on them run on the canonical Parquet file with the careful path's figures."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cxlib.analyses.channels import ChannelsSpec, channels
from cxlib.analyses.timing import TimingSpec, timing
from tests.test_canonical import assert_declines, assert_same, both, orders_frame, write_csv


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))


def messages(n: int = 3_000, seed: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    yes_no = (lambda p: rng.choice(["yes", "no", "1", "0", "TRUE", "", "N/A"], n, p=p))
    return pd.DataFrame({
        "recipient": rng.integers(0, 300, n).astype(str),
        "sent_at": (pd.Timestamp("2026-02-01", tz="UTC")
                    + pd.to_timedelta(rng.integers(0, 20 * 86400, n), unit="s")).strftime("%Y-%m-%d %H:%M:%S"),
        "channel": rng.choice(["Email", "SMS", " push", ""], n),
        "opened": yes_no([.2, .4, .1, .1, .1, .05, .05]),
        "clicked": yes_no([.05, .6, .05, .2, .0, .05, .05]),
        "converted": rng.choice(["1", "0", ""], n, p=[.04, .9, .06]),
        "campaign": rng.choice(["spring", "=HYPERLINK(1)", "welcome"], n),
    })


def as_json(result) -> str:
    return json.dumps(result.to_json(), sort_keys=True, default=str)


def test_a_message_log_gives_the_careful_frame_report_and_channel_figures(tmp_path):
    path = tmp_path / "messages.csv"
    write_csv(path, messages(), "5,2026-02-03 10:00:00,Email,no,no,0,spring\n" * 2)     # a copied row
    engine, careful = both(path)
    assert engine is not None and engine.role == "messages"
    assert_same(engine, careful)
    assert careful.report.duplicates >= 1 and careful.report.formulas > 0
    engine, careful = both(path)                     # assert_same read the table into pandas: load it again
    for spec in (ChannelsSpec(), ChannelsSpec(tz="Europe/Berlin", by="campaign")):
        assert as_json(channels(engine, spec)) == as_json(channels(careful, spec))
    assert engine.on_engine                           # the channel figures never read the table into pandas


def test_a_yes_no_cell_no_table_reads_declines(tmp_path):
    assert_declines(tmp_path / "messages.csv", messages(), "5,2026-02-03 10:00:00,Email,perhaps,no,0,spring\n")


def test_order_send_hours_run_on_the_canonical_file(tmp_path):
    path = tmp_path / "orders.csv"
    write_csv(path, orders_frame(seed=31))
    engine, careful = both(path)
    assert engine is not None
    spec = TimingSpec(tz="America/New_York")
    assert as_json(timing(engine, spec)) == as_json(timing(careful, spec))
    assert engine.on_engine
