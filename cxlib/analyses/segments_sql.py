"""RFM as one SQL query (DuckDB): the scale path of ``cxlib.analyses.segments.compute_rfm``.

Valid orders come from the one rule, :func:`cxlib.data.orders.valid_orders_expr`, compiled by Ibis
into a view ``valid_orders`` of the same database; the query starts from that view. It uses only portable SQL (GROUP BY, window ``ROW_NUMBER``/``RANK``, integer arithmetic,
a join to the 25-cell score grid), so the same statement runs where large order tables already
live (BigQuery, ClickHouse, Snowflake, Spark SQL) with at most date-function renames. Tests check
it returns exactly the scores and segments of the pandas implementation.
"""
from __future__ import annotations

import ibis
import pandas as pd

from cxlib.data.dataset import Dataset
from cxlib.data.orders import valid_orders_expr
from cxlib.analyses.segments import RFMSpec
from cxlib.analyses.rfm_scores import score_grid

RFM_SQL = """
WITH valid AS (
    SELECT customer_id, ordered_at, net
    FROM valid_orders
    WHERE customer_id IS NOT NULL AND ordered_at IS NOT NULL
      AND ordered_at < CAST($as_of AS DATE) + INTERVAL 1 DAY
),
per_customer AS (
    SELECT customer_id, count(*) AS orders, sum(net) AS net_revenue,
           date_diff('day', CAST(max(ordered_at) AS DATE), CAST($as_of AS DATE)) AS recency_days
    FROM valid GROUP BY customer_id
),
ranked AS (
    SELECT *, count(*) OVER () AS n,
        CASE WHEN $ties THEN rank() OVER (ORDER BY -recency_days)
             ELSE row_number() OVER (ORDER BY -recency_days, customer_id) END AS rk_r,
        CASE WHEN $ties THEN rank() OVER (ORDER BY orders)
             ELSE row_number() OVER (ORDER BY orders, customer_id) END AS rk_f,
        CASE WHEN $ties THEN rank() OVER (ORDER BY net_revenue)
             ELSE row_number() OVER (ORDER BY net_revenue, customer_id) END AS rk_m
    FROM per_customer
),
scored AS (   -- score = max(1, ceil(5 (rank - 1) / (n - 1))), in integers
    SELECT customer_id, orders, net_revenue, recency_days,
        greatest(1, (5 * (rk_r - 1) + greatest(n - 1, 1) - 1) // greatest(n - 1, 1)) AS r,
        greatest(1, (5 * (rk_f - 1) + greatest(n - 1, 1) - 1) // greatest(n - 1, 1)) AS f,
        greatest(1, (5 * (rk_m - 1) + greatest(n - 1, 1) - 1) // greatest(n - 1, 1)) AS m
    FROM ranked
)
SELECT s.*, (s.f + s.m + 1) // 2 AS fm, g.segment
FROM scored s JOIN grid g ON g.r = s.r AND g.fm = (s.f + s.m + 1) // 2
ORDER BY s.customer_id
"""


def rfm_duckdb(orders: Dataset, spec: RFMSpec | None = None) -> pd.DataFrame:
    """RFM scores and segments computed by DuckDB with ``RFM_SQL``: one row per customer
    (customer_id, orders, net_revenue, recency_days, r, f, m, fm, segment), sorted by id.
    ``spec.as_of=None`` means the date of the latest valid order, as in ``compute_rfm``."""
    spec = spec or RFMSpec()
    df = orders.df
    naive = df.assign(ordered_at=df["ordered_at"].dt.tz_convert("UTC").dt.tz_localize(None))  # naive UTC: no ICU
    grid = score_grid(spec.score_map)
    grid_df = pd.DataFrame([{"r": r, "fm": fm, "segment": grid[r - 1, fm - 1]} for r in range(1, 6) for fm in range(1, 6)])
    db = ibis.duckdb.connect()
    con = db.con
    try:
        db.create_view("valid_orders", valid_orders_expr(naive, spec.revenue), overwrite=True)
        con.register("grid", grid_df)
        as_of = spec.as_of
        if as_of is None:
            as_of = con.execute("SELECT CAST(max(ordered_at) AS DATE) FROM valid_orders "
                                "WHERE customer_id IS NOT NULL").fetchone()[0]
        params = {"as_of": as_of.isoformat(), "ties": spec.quintile_method == "ties_share"}
        return con.execute(RFM_SQL, params).df()
    finally:
        db.disconnect()
