"""Customer lists converted by the engine (cxlib/data/canonical_rows.py) equal the careful reader's: the
frame (ids and text stripped, sign-up times) and the report (repeated customer ids, empty cells)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.test_canonical import assert_declines, assert_same, both, write_csv


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))


def customers(n: int = 3_000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(n)],
        "email": [f" C{i}@Example.com" if i % 7 == 0 else f"c{i}@example.com" for i in range(n)],
        "country": rng.choice(["DE", "FR", "", "N/A", " US "], n),
        "signup_at": (pd.Timestamp("2024-01-01", tz="UTC")
                      + pd.to_timedelta(rng.integers(0, 700, n), unit="D")).strftime("%Y-%m-%d"),
    })


def test_a_customer_list_gives_the_careful_frame_and_report(tmp_path):
    path = tmp_path / "customers.csv"
    write_csv(path, customers(), "c12,c12@example.com,DE,2024-05-01\n")        # a repeated customer id
    engine, careful = both(path)
    assert engine is not None and engine.role == "customers"
    assert_same(engine, careful)
    assert careful.report.duplicates == 1 and any("customer_id" in str(w) for w in careful.report.warnings)


def test_a_sign_up_date_in_another_format_declines(tmp_path):
    assert_declines(tmp_path / "customers.csv", customers(), "c9999,c9999@example.com,DE,05/01/2024\n")


def test_customer_360_on_engine_tables_equals_the_careful_one(tmp_path):
    """Orders and the customer list both converted by the engine: the join reads their canonical Parquet files."""
    from cxlib.analyses.customers import customers as customer_360
    from tests.test_canonical import orders_frame
    orders = orders_frame(seed=5)
    orders["customer_id"] = [f"c{i % 900}" for i in range(len(orders))]
    write_csv(tmp_path / "orders.csv", orders)
    write_csv(tmp_path / "customers.csv", customers())
    (o_engine, o_careful), (c_engine, c_careful) = both(tmp_path / "orders.csv"), both(tmp_path / "customers.csv")
    assert o_engine is not None and c_engine is not None
    a, b = customer_360(o_engine, c_engine), customer_360(o_careful, c_careful)
    assert o_engine.on_engine and c_engine.on_engine
    assert a.to_json() == b.to_json()
