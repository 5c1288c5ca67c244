"""Command line: ``python -m cxlib COMMAND FILE [options] --json``.

The analysis commands come from the one registry (:data:`cxlib.analyses.registry.COMMANDS`); this
file adds the commands about files (``inspect``, ``normalize``) and ``run`` (replay a saved analysis),
and owns what every command shares: loading FILE, or ``--source URL --table NAME`` instead of FILE (a
table in DuckDB, PostgreSQL, Spark or a warehouse, :func:`cxlib.data.connected.load_table`), with
``--role``, ``--map`` and ``--mapping``; reading ``--definitions``, error handling and printing. Bad input
-> exit 2 and one ``error: ...`` line on stderr, never a traceback (and never a source's password).

A command's own options are added only when that command runs (its module is imported then), so
``--help`` imports no pandas, scipy or DuckDB.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from cxlib.analyses.registry import COMMANDS as ANALYSIS_COMMANDS
from cxlib.analyses.registry import Command
from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg

# The commands about files themselves, then every analysis of the registry.
COMMANDS: dict[str, Command] = {
    "inspect": Command("inspect", None, None, "detect role, encoding and columns of a file", "cxlib.cli.inspect"),
    "normalize": Command("normalize", None, None, "write the canonical table of a file as CSV", "cxlib.cli.inspect",
                         "normalize"),
    **{c.name: c for c in ANALYSIS_COMMANDS},
    "run": Command("run", None, None, "replay an analysis saved from any page (SPEC.json) and print its JSON",
                   "cxlib.cli.replay"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:          # argparse exits 2 already; keep one line
        from cxlib.data.sources import mask_text

        message = mask_text(message)                # argparse may echo an argument: a URL with its password
        command = self.prog.removeprefix("python -m cxlib").strip()      # "" for the top-level parser
        sys.stderr.write(f"error: {message} (see {' '.join(filter(None, ['python -m cxlib', command, '--help']))})\n")
        sys.exit(2)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command`` (the one being run) gets its own options, imported from its module."""
    parser = _Parser(prog="python -m cxlib", description="CX Workbench command line. "
                     "Also: python -m cxlib users add|remove|list (hosted-mode accounts).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, cmd in COMMANDS.items():
        p = sub.add_parser(name, help=cmd.help, description=cmd.help)
        if name != command:
            continue
        if name == "run":
            p.add_argument("file", metavar="SPEC.json", help="a saved analysis (the app's 'Save analysis spec')")
        else:
            p.add_argument("file", nargs="?", help="input file (CSV, TSV, TXT, XLSX, XLS, Parquet, JSON lines; "
                           ".gz/.zip ok); or --source and --table instead")
            p.add_argument("--source", metavar="URL", help="read a table instead of FILE: duckdb:///path.db, "
                           "postgres://user:password@host:5432/db, pyspark://, bigquery://project/dataset, ...")
            p.add_argument("--table", metavar="NAME", help="the table (or schema.table) of --source to read")
        p.add_argument("--json", action="store_true", help="print one JSON object (the default output)")
        p.add_argument("--definitions", help="metric definitions JSON saved from the app")
        if name != "run":
            p.add_argument("--role", help="force the role instead of detecting it")
            p.add_argument("--map", action="append", default=[], metavar="FIELD.VALUE=CANONICAL",
                           help="map one value of a categorical field, e.g. status.bezahlt=completed (repeatable)")
            p.add_argument("--mapping", metavar="FILE.json",
                           help='columns and values: {"columns": {"order_id": "Bestellnummer"}, '
                                '"values": {"status": {"bezahlt": "completed"}}}')
        try:
            cmd.add_arguments(p)
        except (ImportError, AttributeError):        # a module not built yet: command unavailable
            p.set_defaults(_missing=cmd.glue)
    return parser


def command_table() -> str:
    """The README's list of commands (Markdown), generated from the registry: one row per command."""
    rows = ["| command | FILE | what it prints |", "|---|---|---|"]
    for name, cmd in COMMANDS.items():
        file = "SPEC.json" if name == "run" else (f"{cmd.role} file" if cmd.role else "any file")
        rows.append(f"| `{name}` | {file} | {cmd.help} |")
    return "\n".join(rows) + "\n"


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


def _input_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the command's input: exactly one of FILE or --source with --table."""
    source, table = getattr(args, "source", None), getattr(args, "table", None)
    if args.file and (source or table):
        return msg("give either FILE or --source URL --table NAME, not both.")
    if not args.file and not source and not table:
        return msg("name the input: a FILE, or --source URL --table NAME.")
    if source and not table:
        return msg("--source needs --table NAME: the table to read.")
    if table and not source:
        return msg("--table needs --source URL: where the table is.")
    return None


def _load(args: argparse.Namespace, cmd: Command):
    """The command's dataset: FILE, or the table --table of --source, read and mapped the same way."""
    options = _mapping_options(args, cmd.role)
    if args.source:
        from cxlib.data.connected import load_table
        return load_table(args.source, args.table, expect_role=cmd.role, **options)
    from cxlib.data.loader import load_path
    return load_path(Path(args.file), expect_role=cmd.role, **options)


def _import_while_reading() -> None:
    """Import the statistics every analysis ends with (``scipy.special``: 0.2 s) in a thread while the file is
    read: the engine's passes release the GIL, so the import costs no time of its own."""
    import importlib
    import threading
    threading.Thread(target=importlib.import_module, args=("scipy.special",), name="cx-import", daemon=True).start()


def _hide_passwords(text: str, argv: list[str]) -> str:
    """``text`` without the password of any --source URL in ``argv`` (for the last-resort error line)."""
    from cxlib.data.sources import hide_password, mask_text
    urls = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--source"]
    urls += [a.partition("=")[2] for a in argv if a.startswith("--source=")]
    for url in urls:
        text = hide_password(text, url)
    return mask_text(text)


def _command(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["users"]:                    # account management for hosted mode (no FILE)
        from cxlib.saved.users import cli
        return cli(argv[1:])
    args = build_parser(_command(argv)).parse_args(argv)
    if getattr(args, "_missing", None):
        sys.stderr.write("error: " + msg("the '{command}' command is not available in this version.",
                                         command=args.command) + "\n")
        return 2
    cmd = COMMANDS[args.command]
    problem = _input_problem(args) if cmd.name != "run" else None
    if problem:
        sys.stderr.write(f"error: {problem} (see python -m cxlib {cmd.name} --help)\n")
        return 2
    try:
        from cxlib.core.definitions import load_definitions
        defs = load_definitions(args.definitions)
        if cmd.name == "run":
            out = cmd.run(None, args, defs)
        else:
            _import_while_reading()
            ds = _load(args, cmd)
            out = cmd.run(ds, args, defs)
            out["warnings"] = [str(w) for w in ds.warnings] + [str(w) for w in out.get("warnings", [])]
        out["warnings"] = list(dict.fromkeys(str(w) for w in out.get("warnings", [])))
    except CxDataError as err:
        sys.stderr.write("error: " + " ".join(str(err).split()) + "\n")
        return 2
    except MemoryError:
        sys.stderr.write("error: " + msg("{file}: the file is too large to analyse in memory; split it or filter "
                                         "it first.", file=args.file or args.table) + "\n")
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
    except Exception as exc:  # noqa: BLE001 - last resort: the contract forbids tracebacks
        detail = _hide_passwords(f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}", sys.argv[1:])
        sys.stderr.write("error: " + msg("unexpected failure ({detail}); please report it with the file's first "
                                         "lines.", detail=detail) + "\n")
        sys.exit(1)


if __name__ == "__main__":
    run()
