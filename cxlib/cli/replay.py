"""``python -m cxlib run SPEC.json [--data FILE ...]``: replay an analysis saved from any page.

Prints the result's JSON (``Analysis.to_json()``, the same object a notebook's ``open_analysis``
gives) with the saved spec's definitions, or those of ``--definitions`` when given. Without
``--data`` the datasets come from the workspace (``$CX_DATA_DIR`` or ``./.cxdata``).
"""
from __future__ import annotations

import argparse
import dataclasses


def cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", action="append", default=[], metavar="FILE",
                        help="a file the analysis was made from (repeatable: the primary first); "
                             "default: the workspace's copy")


def cli_run(_ds, args: argparse.Namespace, defs) -> dict:
    from cxlib.saved.replay import open_analysis, read_spec
    spec = read_spec(args.file)
    if args.definitions:
        spec = dataclasses.replace(spec, definitions=defs.to_json())
    analysis = open_analysis(spec, data=args.data or None)
    out = analysis.to_json()
    out["warnings"] = [str(w) for d in analysis.datasets for w in d.warnings] + list(out.get("warnings", []))
    return out


__all__ = ["cli_arguments", "cli_run"]
