"""Deterministic synthetic event log for benchmarks: user_id, event, timestamp, device.

Vectorized numpy + pyarrow only (10M events in a few seconds). Each user has a visit start
in a 30-day period and events spread over the following hours, with funnel-shaped event
frequencies, so that funnels have a real, non-trivial drop-off.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

EVENTS = ("page_view", "view_item", "add_to_cart", "begin_checkout", "purchase",
          "search", "remove_from_cart", "login")
WEIGHTS = (0.40, 0.25, 0.10, 0.05, 0.03, 0.10, 0.04, 0.03)
DEVICES = ("desktop", "mobile", "tablet")
START = np.datetime64("2026-01-01T00:00:00", "us")


def event_log(n_events: int, *, seed: int = 20261124, events_per_user: int = 10) -> pd.DataFrame:
    """``n_events`` rows, shuffled, with canonical event-log dtypes (ids as text, UTC timestamps)."""
    rng = np.random.default_rng(seed)
    n_users = max(1, n_events // events_per_user)
    user = rng.integers(0, n_users, n_events)
    base = rng.integers(0, 30 * 86_400 * 10**6, n_users)              # visit start per user, us
    offset = rng.exponential(3 * 3600 * 10**6, n_events).astype(np.int64)  # hours after start
    ts = (START + (base[user] + offset).astype("timedelta64[us]")).astype("datetime64[us]")
    code = rng.choice(len(EVENTS), n_events, p=WEIGHTS).astype(np.int8)
    dev_user = rng.choice(3, n_users, p=(0.5, 0.42, 0.08))
    switch = rng.random(n_events) < 0.05                               # some events on another device
    dev = np.where(switch, rng.integers(0, 3, n_events), dev_user[user]).astype(np.int8)
    uid = pc.cast(pa.array(user + 1_000_000), pa.string())
    return pd.DataFrame({
        "user_id": _text(uid),
        "event": _text(pa.array(EVENTS).take(pa.array(code))),
        "timestamp": pd.Series(ts).dt.tz_localize("UTC"),
        "device": _text(pa.array(DEVICES).take(pa.array(dev))),
    })


def _text(arr: pa.Array) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(arr), dtype="string")
