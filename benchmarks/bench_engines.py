"""The same engine expressions on DuckDB (in-process) and on Spark (local[2]): time and agreement.

Data: ``synth.log_file("events", N, "parquet")`` (N events, default 1M; typed Parquet), read by each engine
from the same file (DuckDB ``read_parquet``; Spark's reader through Ibis). Expressions, the ones the analyses
send to any engine (no ASOF join, no engine-specific function):

1. the portable funnel (``cxlib.analyses.funnel_engine.funnel_counts``): page_view -> view_item ->
   add_to_cart -> begin_checkout -> purchase, 7-day window;
2. the timing heatmap's counts per UTC hour (``cxlib.analyses.timing``), and its user-hours with a purchase.

Each is run twice per engine (the first Spark run includes its query planning and JVM warm-up); the best
time is kept, and the run stops with an error unless both engines give the same rows. Spark's session start
is timed on its own. Spark needs Java (``make engines``); without it the Spark column says why.

    .venv/bin/python benchmarks/run.py engines                 # 1M events
    .venv/bin/python benchmarks/run.py engines --engine-events 200000
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

STEPS = ["page_view", "view_item", "add_to_cart", "begin_checkout", "purchase"]


def _load() -> str:
    a, b, c = os.getloadavg()
    return f"load average {a:.1f} / {b:.1f} / {c:.1f} on {os.cpu_count()} cores"


def expressions():
    """name -> function(table) -> a sorted list of rows (the same on every engine)."""
    from cxlib.analyses import timing
    from cxlib.analyses.funnel_engine import funnel_counts
    from cxlib.data import engine

    def rows(expr) -> list[tuple]:
        return sorted(tuple(r) for r in engine.execute(expr).itertuples(index=False, name=None))

    return {
        "funnel (5 steps, 7 days)": lambda t: funnel_counts(t, STEPS, 7 * 86400),
        "timing: events per UTC hour": lambda t: rows(timing._counts_expr(t, "timestamp", None, None, 60)),
        "timing: user-hours with a purchase": lambda t: rows(timing._rates_expr(t, "timestamp", "user_id", "purchase",
                                                                                None, 60)),
    }


def _best(fn, table, runs: int = 2) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn(table)
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine-events", type=int, default=1_000_000, help="events in the log (default 1M)")
    ap.add_argument("--quick", action="store_true", help="200k events")
    ap.add_argument("--data", default=os.environ.get("CX_BENCH_DATA", "/tmp/cx-bench-data"))
    args, _ = ap.parse_known_args(argv)
    n = 200_000 if args.quick else args.engine_events
    import synth

    import cxlib as cx
    path = Path(args.data) / f"events_{n}.parquet"
    if not path.exists():
        synth.log_file("events", n, "parquet", args.data)
    print(f"engines: {n:,} events ({path.stat().st_size / 2**20:.0f} MiB Parquet); {_load()}", flush=True)
    tables = {"DuckDB": cx.connect("duckdb://").backend.read_parquet(str(path))}
    spark_note = ""
    try:
        t0 = time.perf_counter()
        spark = cx.connect("pyspark://")
        start = time.perf_counter() - t0
        tables["Spark local[2]"] = spark.backend.read_parquet(str(path))
        spark_note = f"Spark session start {start:.1f} s"
    except Exception as err:                   # noqa: BLE001 - a benchmark reports, it does not stop
        spark_note = f"Spark not run: {' '.join(str(err).split())[:200]}"
    print(f"  {spark_note}", flush=True)
    status = 0
    print(f"  {'expression':<38}" + "".join(f"{name:>16}" for name in tables) + "   same rows")
    for name, fn in expressions().items():
        results = {engine: _best(fn, t) for engine, t in tables.items()}
        first = next(iter(results.values()))[1]
        same = all(r[1] == first for r in results.values())
        status |= 0 if same else 1
        print(f"  {name:<38}" + "".join(f"{r[0]:>14.2f} s" for r in results.values()) + f"   {same}", flush=True)
    if status:
        print("  ENGINES DISAGREE: see above")
    return status


if __name__ == "__main__":
    sys.exit(main())
