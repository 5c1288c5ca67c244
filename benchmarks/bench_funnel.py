"""Funnel benchmark: cxlib.analyses.funnel vs a hand-written DuckDB query vs a naive pandas loop.

For each size (default 1M then 10M events) it generates a deterministic synthetic log
(benchmarks/synth.py), runs the same 5-step funnel (7-day window, any start, breakdown by
device) three ways, checks that the three agree on users per step and per device, and prints
the times and ratios. Targets (issue "Funnels"): cxlib <= 1.0x the hand-written DuckDB time and
>= 30x faster than naive pandas at 10M events, peak memory under 4 GB.

    .venv/bin/python benchmarks/run.py                 # 1M and 10M
    .venv/bin/python benchmarks/bench_funnel.py --sizes 200000
"""
from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import synth  # noqa: E402
from hand_funnel import HAND_SQL, STEPS, from_levels  # noqa: E402

from cxlib.data.dataset import Dataset  # noqa: E402
from cxlib.analyses.funnel import FunnelSpec, Step, funnel  # noqa: E402

WINDOW_S = 7 * 86400
NAIVE_BUDGET_S = 600.0            # run naive pandas on the full log only if its estimate fits


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20     # Linux: KiB


def timed(fn, repeat: int = 1):
    """(best seconds, last result)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


# ----------------------------------------------------------------------------- the three engines
def run_cxlib(df: pd.DataFrame) -> dict:
    ds = Dataset(name="synthetic", role="events", df=df, mapping={c: c for c in df.columns})
    res = funnel(ds, FunnelSpec(tuple(map(Step, STEPS)), float(WINDOW_S), by="device"))
    return {"users": list(res.units), "by": res.to_json()["breakdown"]}


def run_duckdb(df: pd.DataFrame) -> dict:
    con = duckdb.connect(config={"threads": 2})
    con.register("src", df)
    rows = con.sql(HAND_SQL).fetchall()
    con.close()
    return from_levels(rows)


def _naive_user(g: pd.DataFrame) -> tuple[int, str | None]:
    """Per-user Python loop: greedy chain from every page_view, deepest level within the window."""
    ev = g["event"].tolist()
    ts = g["timestamp"].to_numpy(dtype="datetime64[us]").view(np.int64).tolist()
    window = WINDOW_S * 10**6
    best = 0
    for i, e in enumerate(ev):
        if e != STEPS[0]:
            continue
        level, t_prev, t0 = 1, ts[i], ts[i]
        for step in STEPS[1:]:
            nxt = next((t for t, name in zip(ts, ev) if name == step and t_prev <= t <= t0 + window), None)
            if nxt is None:
                break
            level, t_prev = level + 1, nxt
        best = max(best, level)
    if not best:
        return 0, None
    return best, min((t, "(missing)" if pd.isna(d) else d)
                     for t, name, d in zip(ts, ev, g["device"].tolist()) if name == STEPS[0])[1]


def run_naive(df: pd.DataFrame) -> dict:
    s = df.sort_values(["user_id", "timestamp"], kind="stable")
    per = s.groupby("user_id", sort=False)[["event", "timestamp", "device"]].apply(_naive_user)
    out = pd.DataFrame(per.tolist(), columns=["level", "device"])
    out = out[out["level"] > 0]
    rows = out.groupby(["device", "level"]).size().reset_index().itertuples(index=False)
    return from_levels(rows)


# ----------------------------------------------------------------------------- driver
def bench(n_events: int, naive_budget: float = NAIVE_BUDGET_S) -> dict:
    print(f"\n== {n_events:,} events ==", flush=True)
    t, df = timed(lambda: synth.event_log(n_events))
    print(f"generated in {t:.1f} s ({df['user_id'].nunique():,} users)", flush=True)
    t_cx, cx = timed(lambda: run_cxlib(df), repeat=2)
    mem_cx = peak_rss_gb()
    print(f"cxlib.analyses.funnel           {t_cx:8.2f} s   (peak RSS of this process so far {mem_cx:.2f} GB)", flush=True)
    t_db, db = timed(lambda: run_duckdb(df), repeat=2)
    print(f"hand-written DuckDB    {t_db:8.2f} s", flush=True)

    # naive pandas: full log when the estimate fits the budget, else a user subsample (said clearly)
    users = df["user_id"].unique()
    sample_users = users[: max(1, len(users) // 20)]
    sub = df[df["user_id"].isin(sample_users)]
    t_sub, _ = timed(lambda: run_naive(sub))
    estimate = t_sub * len(df) / len(sub)
    if estimate <= naive_budget:
        t_nv, nv = timed(lambda: run_naive(df))
        how = "full log"
    else:
        t_nv, nv = estimate, run_naive_check(sub, df)
        how = (f"EXTRAPOLATED linearly from {len(sub):,} events of {len(sample_users):,} users "
               f"({t_sub:.1f} s); a full run would take over {naive_budget:.0f} s")
    print(f"naive pandas loop      {t_nv:8.2f} s   ({how})", flush=True)

    agree_db = cx == db
    agree_nv = nv is None or cx == nv
    print(f"users per step         {cx['users']}")
    print(f"agreement              cxlib == DuckDB: {agree_db};  cxlib == naive pandas: "
          f"{agree_nv if nv is not None else 'checked on the subsample only'}")
    print(f"ratios                 cxlib / DuckDB = {t_cx / t_db:.2f}x (target <= 1.0x);  "
          f"naive pandas / cxlib = {t_nv / t_cx:.0f}x (target >= 30x)")
    print(f"peak memory            {peak_rss_gb():.2f} GB for the whole run so far (target < 4 GB)", flush=True)
    if not (agree_db and agree_nv):
        raise SystemExit("the three implementations disagree: see above")
    return {"events": n_events, "cxlib_s": t_cx, "duckdb_s": t_db, "naive_s": t_nv, "naive_how": how,
            "peak_gb": peak_rss_gb()}


def run_naive_check(sub: pd.DataFrame, df: pd.DataFrame) -> dict | None:
    """On a subsample the naive result is compared with cxlib on the same subsample."""
    if run_naive(sub) != run_cxlib(sub):
        raise SystemExit("naive pandas and cxlib disagree on the user subsample")
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000000,10000000", help="comma-separated event counts")
    ap.add_argument("--quick", action="store_true", help="one small size (200,000 events) for a quick check")
    ap.add_argument("--naive-budget", type=float, default=NAIVE_BUDGET_S,
                    help="run naive pandas on the full log only if its estimate is below this many seconds; "
                         "else time it on 5%% of the users and extrapolate linearly (default 600)")
    args, _ = ap.parse_known_args(argv)        # run.py hands every benchmark the same options
    if args.quick:
        args.sizes = "200000"
    print(f"duckdb {duckdb.__version__}, pandas {pd.__version__}, numpy {np.__version__}; "
          f"funnel {' -> '.join(STEPS)}, 7-day window, breakdown by device")
    results = [bench(int(n), args.naive_budget) for n in args.sizes.split(",")]
    print("\nsummary (seconds):")
    print(f"{'events':>12} {'cxlib':>8} {'DuckDB':>8} {'naive':>9} {'cx/DuckDB':>10} {'naive/cx':>9} {'peak GB':>8}")
    for r in results:
        mark = "*" if r["naive_how"] != "full log" else " "
        print(f"{r['events']:>12,} {r['cxlib_s']:>8.2f} {r['duckdb_s']:>8.2f} {r['naive_s']:>8.1f}{mark} "
              f"{r['cxlib_s'] / r['duckdb_s']:>10.2f} {r['naive_s'] / r['cxlib_s']:>9.0f} {r['peak_gb']:>8.2f}")
    if any(r["naive_how"] != "full log" for r in results):
        print("* naive pandas time extrapolated linearly from 5% of the users (see above); not a full run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
