"""Run every benchmark in this folder (``make bench``): each ``bench_*.py`` module's ``main()``.

    .venv/bin/python benchmarks/run.py                   # all benchmarks, default sizes
    .venv/bin/python benchmarks/run.py funnel --sizes 1000000
    .venv/bin/python benchmarks/run.py --quick           # every benchmark at small sizes (a check, ~2-3 min)

Options are handed to every chosen benchmark; each reads the ones it knows (parse_known_args).
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]


def main(argv: list[str]) -> int:
    names = sorted(p.stem[len("bench_"):] for p in HERE.glob("bench_*.py"))
    chosen = [a for a in argv if not a.startswith("-") and a in names]
    rest = [a for a in argv if a not in chosen]
    status = 0
    for name in chosen or names:
        print(f"#### benchmark: {name}", flush=True)
        status |= importlib.import_module(f"bench_{name}").main(rest) or 0
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
