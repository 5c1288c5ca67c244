"""Weekday x hour timing, checked against a plain pandas computation row by row (tz_convert per row)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cxlib as cx
from cxlib.analyses.timing import TimingSpec, bucket_minutes, timing, zone
from cxlib.core.errors import CxDataError
from cxlib.data.loader import from_frame


def _events(times, users=None, events=None, device=None) -> cx.Dataset:
    n = len(times)
    df = pd.DataFrame({"user_id": users if users is not None else [f"u{i % 7}" for i in range(n)],
                       "event": events if events is not None else ["page_view"] * n,
                       "timestamp": pd.to_datetime(times, utc=True)})
    if device is not None:
        df["device"] = device
    return from_frame(df, "events")


def _oracle_counts(times, tz: str) -> dict[tuple[int, int], int]:
    local = pd.to_datetime(pd.Series(times), utc=True).dt.tz_convert(tz)
    return pd.DataFrame({"w": local.dt.day_of_week, "h": local.dt.hour}).value_counts().to_dict()


def _cells(res) -> dict[tuple[int, int], int]:
    c = res.cells
    return {(int(w), int(h)): int(n) for w, h, n in zip(c["weekday"], c["hour"], c["count"]) if n}


def test_counts_follow_daylight_saving_in_berlin():
    # 2024-03-31: clocks go from 02:00 to 03:00 (01:00 UTC). 00:30 UTC is 01:30 CET, 01:30 UTC is 03:30 CEST.
    times = ["2024-03-31T00:30:00Z", "2024-03-31T01:30:00Z", "2024-10-27T00:30:00Z", "2024-10-27T01:30:00Z"]
    res = timing(_events(times), TimingSpec(tz="Europe/Berlin"))
    # Sunday = 6; autumn: 00:30 UTC = 02:30 CEST, 01:30 UTC = 02:30 CET (the hour that happens twice)
    assert _cells(res) == {(6, 1): 1, (6, 3): 1, (6, 2): 2}
    assert _cells(res) == _oracle_counts(times, "Europe/Berlin")


def test_half_hour_zone_uses_half_hour_buckets():
    start, end = pd.Timestamp("2024-01-01").to_pydatetime(), pd.Timestamp("2024-12-31").to_pydatetime()
    assert bucket_minutes(zone("Asia/Kolkata"), start, end) == 30
    assert bucket_minutes(zone("Asia/Kathmandu"), start, end) == 15
    assert bucket_minutes(zone("America/New_York"), start, end) == 60
    times = ["2024-05-06T18:20:00Z", "2024-05-06T18:40:00Z"]          # 23:50 and 00:10 IST: two local days
    assert _cells(timing(_events(times), TimingSpec(tz="Asia/Kolkata"))) == {(0, 23): 1, (1, 0): 1}


@settings(max_examples=40, deadline=None)
@given(seconds=st.lists(st.integers(0, 3 * 365 * 86400), min_size=1, max_size=60),
       tz=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Adelaide",
                           "America/St_Johns", "Asia/Kathmandu"]))
def test_counts_equal_a_row_by_row_conversion(seconds, tz):
    times = [pd.Timestamp("2023-01-01", tz="UTC") + pd.Timedelta(seconds=s) for s in seconds]
    res = timing(_events(times), TimingSpec(tz=tz))
    assert _cells(res) == _oracle_counts(times, tz)
    assert len(res.cells) == 7 * 24 and res.cells["count"].sum() == len(times)


def test_conversion_rate_per_user_hour_with_wilson_interval():
    # Monday 2024-01-01 10:xx UTC: u1 views twice and buys (1 user-hour, converted); u2 views (not converted);
    # u3 buys at 10:59 and views at 11:01 (two user-hours: 10 converted, 11 not).
    rows = [("u1", "page_view", "10:05"), ("u1", "page_view", "10:30"), ("u1", "purchase", "10:40"),
            ("u2", "page_view", "10:10"), ("u3", "purchase", "10:59"), ("u3", "page_view", "11:01")]
    ds = _events([f"2024-01-01T{t}:00Z" for _, _, t in rows], [u for u, _, _ in rows], [e for _, e, _ in rows])
    res = timing(ds, TimingSpec(tz="UTC", min_units=1, max_ci_width=1))
    c = res.cells.set_index(["weekday", "hour"])
    assert (c.loc[(0, 10), "units"], c.loc[(0, 10), "conversions"]) == (3, 2)
    assert (c.loc[(0, 11), "units"], c.loc[(0, 11), "conversions"]) == (1, 0)
    from statsmodels.stats.proportion import proportion_confint
    low, high = proportion_confint(2, 3, method="wilson")
    assert c.loc[(0, 10), "ci_low"] == pytest.approx(low) and c.loc[(0, 10), "ci_high"] == pytest.approx(high)
    assert res.best == {"weekday": 0, "hour": 10, "rate": pytest.approx(2 / 3), "ci95": [pytest.approx(low),
                        pytest.approx(high)], "units": 3}
    assert "Monday 10:00-11:00" in str(res.sentence())


def test_too_little_data_is_said_not_guessed():
    rows = [("u1", "purchase", "10:05"), ("u2", "page_view", "11:10")]
    ds = _events([f"2024-01-01T{t}:00Z" for _, _, t in rows], [u for u, _, _ in rows], [e for _, e, _ in rows])
    res = timing(ds, TimingSpec())
    assert res.best is None and not res.cells["enough"].any()
    assert "Not enough data" in str(res.sentence())
    assert any("days of data" in str(w) for w in res.warnings)


def test_orders_count_valid_orders_once_per_order():
    df = pd.DataFrame({"order_id": ["A", "A", "B", "C", "D"],
                       "customer_id": ["c1", "c1", "c2", "c3", "c4"],
                       "ordered_at": pd.to_datetime(["2024-02-05T09:10Z"] * 2 + ["2024-02-05T09:20Z",
                                                     "2024-02-06T13:00Z", "2024-02-06T13:30Z"]),
                       "amount": [10.0, 5.0, 20.0, 30.0, 40.0],
                       "status": ["completed", "completed", "cancelled", "refunded", None]})
    res = timing(from_frame(df, "orders"), TimingSpec(tz="UTC"))
    assert _cells(res) == {(0, 9): 1, (1, 13): 2}          # A once; B cancelled; C refunded and D (no status) valid
    assert res.to_json()["busiest"] == {"weekday": 1, "hour": 13, "count": 2, "share": pytest.approx(2 / 3)}


def test_breakdown_by_a_column_adds_up_to_the_total():
    events = cx.load("sample_data/events.csv")
    whole = timing(events, TimingSpec(tz="Europe/Berlin"))
    split = timing(events, TimingSpec(tz="Europe/Berlin", by="device"))
    assert split.cells.groupby(["weekday", "hour"])["count"].sum().to_numpy().tolist() == \
        whole.cells["count"].tolist()
    assert set(split.cells["device"]) == set(events.df["device"].astype(str))
    assert split.best == whole.best                        # best slot is over all segments together


def test_sample_orders_match_the_orders_page_and_the_cli_contract_keys():
    orders = cx.load("sample_data/orders_shopify.csv")
    res = timing(orders, TimingSpec(tz="Europe/Berlin"))
    assert int(res.cells["count"].sum()) == cx.orders(orders).valid_orders
    out = res.to_json()
    assert out["tz"] == "Europe/Berlin" and len(out["heatmap"]) == 168
    assert set(out["heatmap"][0]) >= {"weekday", "hour", "count"}


def test_bad_inputs_are_clear_errors():
    with pytest.raises(CxDataError, match="unknown time zone"):
        TimingSpec(tz="Europe/Berlinn")
    with pytest.raises(CxDataError, match="no column"):
        timing(cx.load("sample_data/events.csv"), TimingSpec(by="nope"))
    with pytest.raises(CxDataError, match="unknown key"):
        TimingSpec.from_json({"tz": "UTC", "zone": "x"})
    empty = from_frame(pd.DataFrame({"user_id": ["u"], "event": ["x"], "timestamp": [pd.NaT]}), "events")
    with pytest.raises(CxDataError, match="no times"):
        timing(empty)


def test_spec_round_trips_and_describes_itself():
    spec = TimingSpec(tz="America/New_York", by="device", min_units=10)
    assert TimingSpec.from_json(spec.to_json()) == spec
    assert "America/New_York" in str(spec.describe())
    assert np.isfinite(spec.max_ci_width)


def test_cli_keeps_the_contract_and_prints_the_library_numbers(contract_problems):
    import json
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    assert contract_problems("timing", str(root / "sample_data/orders_shopify.csv"), "--tz", "Europe/Berlin") == []
    out = subprocess.run([sys.executable, "-m", "cxlib", "timing", "sample_data/events.csv", "--tz", "Europe/Berlin",
                          "--by", "device", "--json"], capture_output=True, text=True, cwd=root, timeout=300)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    want = timing(cx.load(root / "sample_data/events.csv"), TimingSpec(tz="Europe/Berlin", by="device"))
    assert got["best_converting"] == want.to_json()["best_converting"]
    assert sum(r["count"] for r in got["heatmap"]) == int(want.cells["count"].sum())
    bad = subprocess.run([sys.executable, "-m", "cxlib", "timing", "sample_data/events.csv", "--tz", "Mars/X"],
                         capture_output=True, text=True, cwd=root, timeout=300)
    assert bad.returncode == 2 and bad.stderr.startswith("error: unknown time zone")
