"""``inspect`` and ``normalize``: what a file is understood as, and its canonical table."""
from __future__ import annotations

import argparse
from pathlib import Path

from cxlib.data import export
from cxlib.data.dataset import Dataset
from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg


def cli_arguments(parser: argparse.ArgumentParser) -> None:
    """``inspect`` has no options of its own."""


def normalize_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", required=True, help="where to write the canonical CSV")


def inspect_json(ds: Dataset) -> dict:
    r = ds.report
    return {"role": ds.role, "encoding": r.encoding, "delimiter": r.delimiter, "header_rows": r.header_rows,
            "rows": r.rows, "rows_in": r.rows_in, "columns": dict(ds.mapping),
            "recognized_as": r.recognized_as, "date_range": list(r.date_range) if r.date_range else None,
            "duplicates": r.duplicates, "missing": dict(r.missing),
            "values": {name: [{"value": v, "count": n, "canonical": c} for v, n, c, _ in entries]
                       for name, entries in (r.values or {}).items()},
            "warnings": []}


def cli_run(ds: Dataset, args: argparse.Namespace, defs=None) -> dict:
    return inspect_json(ds)


def normalize_run(ds: Dataset, args: argparse.Namespace, defs=None) -> dict:
    out = inspect_json(ds)
    target = Path(args.output)
    try:
        with open(target, "wb") as csv:                 # a part at a time: never the whole table in pandas
            export.write_csv(ds.frames(), csv)
    except OSError as err:
        # the system's reason (strerror) is kept as it is
        raise CxDataError(msg("cannot write the output ({reason}).", reason=err.strerror), file=str(target),
                          hint=msg("Choose a writable path with -o.")) from None
    out["output"] = str(target)
    return out
