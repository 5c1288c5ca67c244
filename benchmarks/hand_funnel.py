"""The hand-written DuckDB funnel as a process of its own: ``python benchmarks/hand_funnel.py FILE``.

Reads an event-log file (Parquet, or CSV with ISO timestamps) with DuckDB alone and prints the
same JSON keys as ``python -m cxlib funnel FILE --steps ... --window 7d --by device --json`` for the
users per step and the breakdown: ``{"steps", "users", "breakdown"}``. This is the "hand-written
DuckDB" side of bench_process.py (whole process: interpreter start, import, read, query, print)
and, with a registered frame instead of a file, of bench_funnel.py.
"""
from __future__ import annotations

import json
import sys

STEPS = ("page_view", "view_item", "add_to_cart", "begin_checkout", "purchase")

# The ASOF-join chain over ``src`` (user_id, event, timestamp, device): each step's first match at or
# after the previous one, the 7-day window checked from step 1, deepest level per user; the device
# of the user's first page_view (ties: the smaller device name).
HAND_SQL = """
WITH s1 AS (SELECT user_id, timestamp AS t1 FROM src WHERE event = 'page_view'),
s2 AS (SELECT user_id, timestamp AS ts FROM src WHERE event = 'view_item'),
s3 AS (SELECT user_id, timestamp AS ts FROM src WHERE event = 'add_to_cart'),
s4 AS (SELECT user_id, timestamp AS ts FROM src WHERE event = 'begin_checkout'),
s5 AS (SELECT user_id, timestamp AS ts FROM src WHERE event = 'purchase'),
p2 AS (SELECT a.*, b.ts AS t2 FROM s1 a ASOF LEFT JOIN s2 b ON a.user_id = b.user_id AND b.ts >= a.t1),
p3 AS (SELECT a.*, b.ts AS t3 FROM p2 a ASOF LEFT JOIN s3 b ON a.user_id = b.user_id AND b.ts >= a.t2),
p4 AS (SELECT a.*, b.ts AS t4 FROM p3 a ASOF LEFT JOIN s4 b ON a.user_id = b.user_id AND b.ts >= a.t3),
p5 AS (SELECT a.*, b.ts AS t5 FROM p4 a ASOF LEFT JOIN s5 b ON a.user_id = b.user_id AND b.ts >= a.t4),
lvl AS (SELECT user_id, max(1 + coalesce(t2 <= t1 + INTERVAL 7 DAY, false)::INT
                              + coalesce(t3 <= t1 + INTERVAL 7 DAY, false)::INT
                              + coalesce(t4 <= t1 + INTERVAL 7 DAY, false)::INT
                              + coalesce(t5 <= t1 + INTERVAL 7 DAY, false)::INT) AS level
        FROM p5 GROUP BY user_id),
dev AS (SELECT user_id, arg_min(coalesce(device, '(missing)'), struct_pack(a := timestamp, b := coalesce(device, '(missing)'))) AS device
        FROM src WHERE event = 'page_view' GROUP BY user_id)
SELECT d.device, l.level, count(*) AS n FROM lvl l JOIN dev d USING (user_id) GROUP BY ALL
"""


def from_levels(rows) -> dict:
    """(device, level, n) rows -> users per step overall and per device."""
    k = len(STEPS)
    by: dict[str, list[int]] = {}
    for dev, level, n in rows:
        cur = by.setdefault(dev, [0] * k)
        for j in range(int(level)):
            cur[j] += n
    return {"users": [sum(v[j] for v in by.values()) for j in range(k)], "by": by}


def main(path: str) -> int:
    import duckdb
    con = duckdb.connect(config={"threads": 2})
    reader = "read_parquet" if path.endswith(".parquet") else "read_csv"
    # read the file once into a table (a view would parse the file again for each of the six scans)
    con.execute(
        f"CREATE TEMP TABLE src AS SELECT user_id::VARCHAR AS user_id, event, timestamp::TIMESTAMPTZ AS timestamp, "
        f"device FROM {reader}('{path.replace(chr(39), chr(39) * 2)}')")
    out = from_levels(con.sql(HAND_SQL).fetchall())
    con.close()
    print(json.dumps({"steps": list(STEPS), "users": out["users"], "breakdown": out["by"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
