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


# ----------------------------------------------------------------------------- other roles, files
def orders(n_orders: int, *, seed: int = 20261125) -> pd.DataFrame:
    """``n_orders`` one-row orders of n/4 customers over 2 years: order_id, customer_id, ordered_at
    (UTC), amount, status (mostly completed), refunded."""
    rng = np.random.default_rng(seed)
    n_cust = max(1, n_orders // 4)
    cust = rng.zipf(1.6, n_orders) % n_cust                               # a few heavy buyers
    ts = START + rng.integers(0, 730 * 86_400 * 10**6, n_orders).astype("timedelta64[us]")
    status = rng.choice(["completed", "refunded", "cancelled", "pending"], n_orders, p=(0.86, 0.05, 0.06, 0.03))
    amount = np.round(rng.lognormal(3.5, 0.8, n_orders), 2)
    return pd.DataFrame({
        "order_id": _text(pc.cast(pa.array(np.arange(n_orders) + 100_000), pa.string())),
        "customer_id": _text(pc.cast(pa.array(cust + 5_000_000), pa.string())),
        "ordered_at": pd.Series(ts).dt.tz_localize("UTC"),
        "amount": amount,
        "status": _text(pa.array(status)),
        "refunded": np.where(status == "refunded", amount, 0.0),
    })


def responses(n: int, *, seed: int = 20261126) -> pd.DataFrame:
    """Survey answers: respondent_id, answered_at, nps (0-10), csat (1-5)."""
    rng = np.random.default_rng(seed)
    ts = START + rng.integers(0, 365 * 86_400 * 10**6, n).astype("timedelta64[us]")
    return pd.DataFrame({
        "respondent_id": _text(pc.cast(pa.array(np.arange(n) + 1), pa.string())),
        "answered_at": pd.Series(ts).dt.tz_localize("UTC"),
        "nps": rng.choice(11, n, p=np.array([1, 1, 1, 1, 2, 3, 4, 8, 12, 17, 20]) / 70),
        "csat": rng.choice(np.arange(1, 6), n, p=(0.05, 0.07, 0.15, 0.33, 0.40)),
    })


def tickets(n: int, *, seed: int = 20261127) -> pd.DataFrame:
    """Support tickets: ticket_id, created_at, channel, first_reply_minutes (10 % unanswered),
    resolution_minutes, satisfaction (good / bad / unoffered)."""
    rng = np.random.default_rng(seed)
    ts = START + rng.integers(0, 365 * 86_400 * 10**6, n).astype("timedelta64[us]")
    first = np.round(rng.lognormal(5.0, 1.2, n))
    first[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({
        "ticket_id": _text(pc.cast(pa.array(np.arange(n) + 10_000), pa.string())),
        "created_at": pd.Series(ts).dt.tz_localize("UTC"),
        "channel": _text(pa.array(rng.choice(["email", "chat", "phone", "web"], n, p=(0.4, 0.3, 0.2, 0.1)))),
        "first_reply_minutes": first,
        "resolution_minutes": first * np.round(rng.uniform(1, 6, n), 1),
        "satisfaction": _text(pa.array(rng.choice(["good", "bad", "unoffered"], n, p=(0.3, 0.08, 0.62)))),
    })


def experiment(n: int, *, seed: int = 20261128) -> pd.DataFrame:
    """A/B assignments: unit_id, variant (control / treatment), exposed_at, converted, revenue."""
    rng = np.random.default_rng(seed)
    variant = rng.choice(["control", "treatment"], n)
    converted = (rng.random(n) < np.where(variant == "control", 0.040, 0.043)).astype(np.int8)
    ts = START + rng.integers(0, 28 * 86_400 * 10**6, n).astype("timedelta64[us]")
    return pd.DataFrame({
        "unit_id": _text(pc.cast(pa.array(np.arange(n) + 1), pa.string())),
        "variant": _text(pa.array(variant)),
        "exposed_at": pd.Series(ts).dt.tz_localize("UTC"),
        "converted": converted,
        "revenue": np.where(converted == 1, np.round(rng.lognormal(3.5, 0.6, n), 2), 0.0),
    })


ROLES = {"events": event_log, "orders": orders, "responses": responses, "tickets": tickets,
         "experiment": experiment}


def write(df: pd.DataFrame, path, fmt: str | None = None) -> None:
    """Parquet keeps the types (UTC microsecond timestamps); CSV gets plain ISO-8601 UTC timestamps."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    table = pa.Table.from_pandas(df, preserve_index=False)
    if (fmt or str(path).rsplit(".", 1)[-1]) == "parquet":
        pq.write_table(table, path)
        return
    cols = [pc.strftime(c, format="%Y-%m-%dT%H:%M:%SZ") if pa.types.is_timestamp(c.type) else c
            for c in table.columns]
    # plain CSV as exports write it: no quotes (no generated value holds a comma, quote or line break)
    pacsv.write_csv(pa.table(cols, names=table.column_names), path,
                    pacsv.WriteOptions(quoting_style="none"))


def log_file(role: str, n: int, fmt: str, folder) -> "Path":
    """A generated ``role`` file with ``n`` rows as ``fmt`` ('parquet' or 'csv') in ``folder``
    (written once; the same seed gives the same file)."""
    from pathlib import Path
    path = Path(folder) / f"{role}_{n}.{fmt}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        write(ROLES[role](n), tmp, fmt)
        tmp.rename(path)
    return path
