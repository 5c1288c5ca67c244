"""cxlib.analyses.segments_sql: the DuckDB RFM query returns exactly the pandas scores and segments."""
from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from cxlib.data.loader import from_frame
from cxlib.analyses.segments import RFMSpec, compute_rfm
from cxlib.analyses.segments_sql import rfm_duckdb
from tests.test_segments import generated_orders, small_orders


@pytest.mark.parametrize("method", ["ties_share", "rank"])
@pytest.mark.parametrize("as_of", [date(2024, 5, 31), None])
def test_duckdb_rfm_matches_pandas(method, as_of):
    ds = from_frame(generated_orders(2500, seed=11), "orders")
    spec = RFMSpec(as_of=as_of, quintile_method=method)
    want = compute_rfm(ds, spec).customers
    got = rfm_duckdb(ds, spec)
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    for col in ("orders", "recency_days", "r", "f", "m", "fm"):
        assert np.array_equal(got[col].to_numpy(dtype=np.int64), want[col].to_numpy(dtype=np.int64)), col
    assert np.allclose(got["net_revenue"], want["net_revenue"])
    assert got["segment"].tolist() == want["segment"].astype(str).tolist()


def test_duckdb_rfm_on_hand_example_and_definition_options():
    spec = RFMSpec(as_of=date(2024, 6, 30), subtract_refunds=False, valid_statuses=("completed",))
    got = rfm_duckdb(small_orders(), spec).set_index("customer_id")
    want = compute_rfm(small_orders(), spec).customers.set_index("customer_id")
    assert got["net_revenue"].to_dict() == want["net_revenue"].to_dict()
    assert got["segment"].to_dict() == want["segment"].astype(str).to_dict()
