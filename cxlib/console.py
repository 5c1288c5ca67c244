"""The ``cxlib`` command that ``pip install`` puts on PATH: exactly ``python -m cxlib``.

It runs the package's ``__main__`` as a script would (same parser, same one-line errors and exit
codes, the same last-resort handler that keeps tracebacks off stderr), so the two spellings can never
drift apart::

    cxlib orders sample_data/orders_shopify.csv --json
    python -m cxlib orders sample_data/orders_shopify.csv --json
"""
from __future__ import annotations

import runpy


def main() -> None:
    """Entry point of the ``cxlib`` console script (``[project.scripts]`` in pyproject.toml)."""
    runpy.run_module("cxlib", run_name="__main__", alter_sys=True)
