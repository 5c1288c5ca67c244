"""The SQL that Ibis compiles for each analysis's engine expression, for the engines we cannot run here
(BigQuery, Snowflake, ClickHouse, Trino), compared with snapshots reviewed by hand.

DuckDB, PostgreSQL and Spark are verified by execution (the parity tests); these four by their
compiled SQL. A change in an expression or in Ibis shows up here as a diff to review: regenerate with
``CX_UPDATE_SQL=1 pytest tests/test_sql_snapshots.py`` and read the diff for dialect traps (timestamp
arithmetic, integer division, NULL ordering, window frames, percentile functions).

Reviewed traps: bucket keys use hour truncation and minute extraction rather than epoch arithmetic
(ClickHouse's ``toRelativeSecondNum`` counts from its own origin); the 7-day fatigue frame is a
numeric RANGE over epoch seconds (BigQuery has no RANGE frame over a TIMESTAMP interval; only
differences of the seconds are used, so the origin does not matter); flags are summed through
CASE/IF (PostgreSQL refuses a boolean-to-integer cast). Still to confirm on a live warehouse: the funnel
window is written ``INTERVAL '604800' SECOND`` (a quoted count) for BigQuery, ClickHouse and Trino, and
``DATEADD(SECOND, '604800', ...)`` for Snowflake; Trino and Snowflake document these forms, BigQuery and
ClickHouse document the unquoted integer form.
"""
from __future__ import annotations

import os
from pathlib import Path

import ibis
import pytest

from cxlib.analyses.channels import _flags_expr, fatigue_expr
from cxlib.analyses.funnel_engine import funnel_counts_expr
from cxlib.analyses.timing import _counts_expr, _rates_expr

DIALECTS = ("bigquery", "snowflake", "clickhouse", "trino")
FOLDER = Path(__file__).resolve().parent / "sql"

EVENTS = ibis.table({"user_id": "string", "session_id": "string", "event": "string",
                     "timestamp": "timestamp('UTC')", "device": "string", "revenue": "float64"}, name="events")
MESSAGES = ibis.table({"recipient": "string", "sent_at": "timestamp('UTC')", "channel": "string",
                       "clicked": "float64", "converted": "float64"}, name="messages")

EXPRESSIONS = {
    "funnel_counts": lambda: funnel_counts_expr(EVENTS, ("view_item", "add_to_cart", "purchase"), 7 * 86400.0),
    "timing_counts_hour": lambda: _counts_expr(EVENTS, "timestamp", None, "device", 60),
    "timing_counts_quarter": lambda: _counts_expr(EVENTS, "timestamp", None, None, 15),
    "timing_rates": lambda: _rates_expr(EVENTS, "timestamp", "user_id", "purchase", None, 60),
    "channels_flags": lambda: _flags_expr(MESSAGES, ["channel"], {"clicked", "converted"}),
    "channels_fatigue": lambda: fatigue_expr(MESSAGES, 5),
}


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_compiled_sql_matches_the_reviewed_snapshot(name, dialect):
    sql = ibis.to_sql(EXPRESSIONS[name](), dialect=dialect).strip() + "\n"
    path = FOLDER / f"{name}.{dialect}.sql"
    if os.environ.get("CX_UPDATE_SQL") == "1" or not path.exists():
        FOLDER.mkdir(exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    assert sql == path.read_text(encoding="utf-8"), f"{path.name} changed: review the diff and regenerate"


def test_no_snapshot_is_left_without_its_expression():
    names = {p.name.split(".")[0] for p in FOLDER.glob("*.sql")}
    assert names <= set(EXPRESSIONS), f"snapshots of expressions no longer tested: {names - set(EXPRESSIONS)}"
