"""Command-line start-up: ``python -m cxlib --help`` and ``import cxlib.core.definitions``, whole processes.

Each figure is a fresh interpreter timed from start to exit (what a person waits for), repeated
``--repeat`` times after one warm-up run; min, median and max are printed (quote the median).
Target (issue 14): ``--help`` under 0.5 s on the 2-core dev machine. The modules these load are
asserted in tests/test_cli_registry.py (never the time).

    .venv/bin/python benchmarks/run.py cli
    .venv/bin/python benchmarks/bench_cli.py --repeat 10
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "python -m cxlib --help": [sys.executable, "-m", "cxlib", "--help"],
    "import cxlib.core.definitions": [sys.executable, "-c", "import cxlib.core.definitions"],
    "import cxlib": [sys.executable, "-c", "import cxlib"],
    "python (empty interpreter)": [sys.executable, "-c", "pass"],
}


def _once(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 runs each")
    args, _ = parser.parse_known_args(argv)
    runs = 3 if args.quick else args.repeat
    print(f"load average: {os.getloadavg()[0]:.2f}; {runs} runs each after one warm-up; seconds (wall)")
    for label, cmd in CASES.items():
        _once(cmd)
        times = sorted(_once(cmd) for _ in range(runs))
        print(f"{label:32s} min {times[0]:.3f}  median {statistics.median(times):.3f}  max {times[-1]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
