"""Command line: ``python -m cxlib COMMAND FILE [options] --json``.

Each analysis command lives in its own module, registered in ``COMMANDS``; the module provides
``cli_arguments(parser)`` (its options) and ``cli_run(dataset, args) -> dict`` (the JSON object).
This file owns loading, error handling and printing, so every command follows the same rules:
bad input -> exit 2 and one ``error: ...`` line on stderr, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
from pathlib import Path

from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg

# command -> (module, role the file must have, one-line help)
COMMANDS: dict[str, tuple[str, str | None, str]] = {
    "inspect": ("cxlib.cli.inspect", None, "detect role, encoding and columns of a file"),
    "normalize": ("cxlib.cli.inspect", None, "write the canonical table of a file as CSV"),
    "orders": ("cxlib.analyses.orders", "orders", "order metrics: orders, customers, net revenue, repeat customers"),
    "survey": ("cxlib.analyses.survey", "responses", "NPS, CSAT and CES from survey responses"),
    "support": ("cxlib.analyses.support", "tickets", "first reply times, SLA and ticket CSAT"),
    "funnel": ("cxlib.analyses.funnel", "events", "funnel users and conversion per step"),
    "abtest": ("cxlib.analyses.experiment", "experiment", "A/B test: lifts, p-values, SRM and a verdict"),
    "rfm": ("cxlib.analyses.segments", "orders", "RFM scores and named segments"),
    "cohorts": ("cxlib.analyses.retention", "orders", "monthly retention cohorts"),
    "customers": ("cxlib.analyses.customers", "orders", "Customer 360: orders, customers, survey and tickets joined per "
                  "person; NPS, tickets and revenue by group"),
    "propensity": ("cxlib.analyses.propensity", "orders", "readiness score: probability of a valid order within the horizon, "
                   "with its backtest"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:          # argparse exits 2 already; keep one line
        command = self.prog.removeprefix("python -m cxlib").strip()      # "" for the top-level parser
        sys.stderr.write(f"error: {message} (see {' '.join(filter(None, ['python -m cxlib', command, '--help']))})\n")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m cxlib", description="CX Workbench command line. "
                     "Also: python -m cxlib users add|remove|list (hosted-mode accounts).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (module, role, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("file", help="input file (CSV, TSV, TXT, XLSX, XLS, Parquet, JSON lines; .gz/.zip ok)")
        p.add_argument("--json", action="store_true", help="print one JSON object (the default output)")
        p.add_argument("--role", help="force the role instead of detecting it")
        p.add_argument("--definitions", help="metric definitions JSON saved from the app")
        p.add_argument("--map", action="append", default=[], metavar="FIELD.VALUE=CANONICAL",
                       help="map one value of a categorical field, e.g. status.bezahlt=completed (repeatable)")
        p.add_argument("--mapping", metavar="FILE.json",
                       help='columns and values: {"columns": {"order_id": "Bestellnummer"}, '
                            '"values": {"status": {"bezahlt": "completed"}}}')
        try:
            mod = importlib.import_module(module)
        except ImportError:                          # a module not built yet: command unavailable
            p.set_defaults(_missing=module)
            continue
        if hasattr(mod, "cli_arguments"):
            mod.cli_arguments(p) if module != "cxlib.cli.inspect" else mod.cli_arguments(p, name)
    return parser


def _clean(obj):
    """JSON-safe: NaN/inf -> None, numpy scalars -> Python."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        try:
            obj = obj.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _mapping_options(args: argparse.Namespace, role: str | None) -> dict:
    """role, columns and values for loading, from --role, --mapping FILE.json and --map (which wins)."""
    from cxlib.data import values
    given = values.read_mapping_file(args.mapping) if args.mapping else values.MappingFile()
    return {"role": args.role or given.role or role, "columns": given.columns or None,
            "values": values.merged(given.values, values.parse_map_args(args.map)) or None}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["users"]:                    # account management for hosted mode (no FILE)
        from cxlib.saved.users import cli
        return cli(argv[1:])
    args = build_parser().parse_args(argv)
    if getattr(args, "_missing", None):
        sys.stderr.write("error: " + msg("the '{command}' command is not available in this version.",
                                         command=args.command) + "\n")
        return 2
    module, role, _ = COMMANDS[args.command]
    try:
        from cxlib.data.loader import load_path
        path = Path(args.file)
        ds = load_path(path, expect_role=role, **_mapping_options(args, role))
        mod = importlib.import_module(module)
        out = mod.cli_run(ds, args)
        out["warnings"] = list(dict.fromkeys([str(w) for w in ds.warnings] + [str(w) for w in out.get("warnings", [])]))
    except CxDataError as err:
        sys.stderr.write("error: " + " ".join(str(err).split()) + "\n")
        return 2
    except MemoryError:
        sys.stderr.write("error: " + msg("{file}: the file is too large to analyse in memory; split it or filter "
                                         "it first.", file=args.file) + "\n")
        return 2
    sys.stdout.write(json.dumps(_clean(out), ensure_ascii=False) + "\n")
    return 0


def run() -> None:
    """Entry point of ``python -m cxlib`` and the ``cxlib`` command: exit codes and no tracebacks."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("error: " + msg("interrupted") + "\n")
        sys.exit(2)
    except Exception as exc:  # last resort: the contract forbids tracebacks
        detail = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"   # Python's own text
        sys.stderr.write("error: " + msg("unexpected failure ({detail}); please report it with the file's first "
                                         "lines.", detail=detail) + "\n")
        sys.exit(1)


if __name__ == "__main__":
    run()
