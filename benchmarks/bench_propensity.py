"""Readiness score at scale: 100k customers, ~1M orders, ~5M events (time and peak memory).

    .venv/bin/python benchmarks/run.py propensity                      # default: 100,000 customers
    .venv/bin/python benchmarks/run.py propensity --customers 20000    # quicker

- **Data**: ``tests/propensity_shops.shop`` (BG/NBD customers over two years, browsing that leads
  purchases), written to Parquet; the future after the cut stays out of the files.
- **Runs**, each in a fresh child process so that its peak memory is its own:
  1. ``parquet``: ``cxlib.analyses.propensity.propensity(orders.parquet, events.parquet)``: the engine reads the
     files itself (nothing of the event log goes through pandas);
  2. ``datasets``: the files read into canonical ``Dataset`` frames first (what the app holds after
     an upload), then the same call.
  Each prints the wall time of the call, the peak RSS of its process (``getrusage``; includes Python,
  pandas, DuckDB and scikit-learn) and the backtest figures; the unseen-horizon AUC is checked against
  the truth the generator kept.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CHILD = r"""
import json, resource, sys, time
import pandas as pd
sys.path.insert(0, sys.argv[1])
from cxlib.analyses import propensity as P
from cxlib.data.loader import from_frame
from cxlib.data.dataset import Dataset
mode, folder, horizon = sys.argv[2], sys.argv[3], int(sys.argv[4])
orders, events = f"{folder}/orders.parquet", f"{folder}/events.parquet"
t0 = time.perf_counter()
if mode == "datasets":
    orders = from_frame(pd.read_parquet(orders), "orders")
    events = from_frame(pd.read_parquet(events), "events")
t1 = time.perf_counter()
res = P.propensity(orders, events, horizon_days=horizon)
t2 = time.perf_counter()
truth = pd.read_parquet(f"{folder}/truth.parquet")["customer_id"]
c = res.customers
y = c["customer_id"].isin(set(truth)).to_numpy(int)
from sklearn.metrics import roc_auc_score
bt = res.backtest
print(json.dumps({"mode": mode, "load_s": t1 - t0, "score_s": t2 - t1,
                  "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
                  "customers": len(c), "method": res.method, "auc": bt.auc, "auc_recency": bt.auc_recency,
                  "auc_bgnbd": bt.auc_bgnbd, "auc_random_split": bt.auc_random_split, "brier": bt.brier,
                  "brier_base_rate": bt.brier_base_rate, "lift_top10": bt.lift_top10,
                  "unseen_auc": roc_auc_score(y, c["score"]),
                  "unseen_auc_recency": roc_auc_score(y, -c["recency_days"].fillna(1e9)),
                  "unseen_auc_bgnbd": roc_auc_score(y, c["bgnbd_expected"].fillna(0)),
                  "mean_score": float(c["score"].mean()), "realized_rate": float(y.mean())}))
"""


def generate(folder: Path, customers: int, seed: int, horizon: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from tests.propensity_shops import shop
    t0 = time.perf_counter()
    s = shop(customers, seed=seed, days=730, horizon_days=horizon, alpha=21.0, b=15.0, background=0.015)
    us = "datetime64[us, UTC]"                       # canonical timestamps: microseconds, UTC
    s.orders.astype({"ordered_at": us}).to_parquet(folder / "orders.parquet", index=False)
    s.events.astype({"timestamp": us}).to_parquet(folder / "events.parquet", index=False)
    s.truth().index.to_frame(index=False).to_parquet(folder / "truth.parquet", index=False)
    return {"orders": len(s.orders), "events": len(s.events), "generate_s": time.perf_counter() - t0}


def run(mode: str, folder: Path, horizon: int) -> dict:
    p = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), mode, str(folder), str(horizon)],
                       capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f"{mode} run failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--horizon", type=int, default=30)
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--quick", action="store_true", help="10,000 customers: a check that it runs")
    args, _ = ap.parse_known_args(argv)            # run.py hands every benchmark the same options
    if args.quick:
        args.customers = 10_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sizes = generate(folder, args.customers, args.seed, args.horizon)
        print(f"generated {args.customers:,} customers: {sizes['orders']:,} orders, {sizes['events']:,} events "
              f"before the cut ({sizes['generate_s']:.1f} s)", flush=True)
        for mode in ("parquet", "datasets"):
            r = run(mode, folder, args.horizon)
            print(f"{mode:9s} score {r['score_s']:6.1f} s (load {r['load_s']:.1f} s)  peak RSS "
                  f"{r['peak_rss_gb']:.2f} GB  customers {r['customers']:,}  method {r['method']}", flush=True)
            print(f"          backtest AUC {r['auc']:.3f} (recency {r['auc_recency']:.3f}, BG/NBD {r['auc_bgnbd']:.3f},"
                  f" random split {r['auc_random_split']:.3f}); Brier {r['brier']:.4f} vs {r['brier_base_rate']:.4f};"
                  f" lift top 10 % {r['lift_top10']:.2f}", flush=True)
            print(f"          unseen AUC {r['unseen_auc']:.3f} (recency {r['unseen_auc_recency']:.3f}, BG/NBD "
                  f"{r['unseen_auc_bgnbd']:.3f}); mean score {r['mean_score']:.4f} vs realized "
                  f"{r['realized_rate']:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
