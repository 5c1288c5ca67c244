"""Command line: one registry of commands behind ``python -m cxlib``. The top floor."""
