"""The ``cxlib`` command that ``pip install`` puts on PATH: exactly ``python -m cxlib``.

Both spellings call the same ``cxlib.cli.main.run`` (same parser, same one-line errors and exit
codes, the same last-resort handler that keeps tracebacks off stderr), so they can never drift apart::

    cxlib orders sample_data/orders_shopify.csv --json
    python -m cxlib orders sample_data/orders_shopify.csv --json
"""
from __future__ import annotations

from cxlib.cli.main import run


def main() -> None:
    """Entry point of the ``cxlib`` console script (``[project.scripts]`` in pyproject.toml)."""
    run()
