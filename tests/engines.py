"""Engines for the parity tests (helpers, not tests): a real PostgreSQL server, a local Spark
session, fast loaders of Arrow tables into each, and a harness that runs one Ibis expression
factory on DuckDB, PostgreSQL and Spark and compares the results.

- :class:`PostgresServer` starts Debian's PostgreSQL (``/usr/lib/postgresql/<v>/bin``; override
  with ``CX_PG_BIN``) on a free localhost port with its data in a temp directory, as the
  ``postgres`` user when the tests run as root (initdb and postgres refuse root), waits for
  ``pg_isready`` (a deadline, no fixed sleep) and stops it with ``pg_ctl stop -m fast``.
- Loading: PostgreSQL through ``COPY ... FROM STDIN`` fed with CSV written by Arrow (row inserts
  through Ibis take ~7 s per 200k rows; COPY ~0.5 s); Spark by writing Parquet and reading it as a
  temporary view; DuckDB by registering the Arrow table.
- :func:`run_everywhere` / :func:`assert_same`: the same expression factory on each engine, rows
  sorted, floats equal to 1e-9 relative.

The session fixtures ``postgres_url`` and ``spark`` in tests/conftest.py use these.
"""
from __future__ import annotations

import io
import math
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

PASSWORD = "cx-test-Pw:@/%"           # URL-hostile on purpose: the masking and quoting are exercised
USER = "cx"
READY_DEADLINE_S = 180.0              # a loaded 2-core machine can take long to start a server


def postgres_bin() -> Path | None:
    """Debian's PostgreSQL binaries (the newest installed version), or None."""
    env = os.environ.get("CX_PG_BIN")
    if env:
        return Path(env) if (Path(env) / "postgres").exists() else None
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A throwaway PostgreSQL server: ``start()`` returns its URL, ``stop()`` removes everything."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.tmp = Path(tempfile.mkdtemp(prefix="cx-pg-"))
        self.data = self.tmp / "data"
        self.log = self.tmp / "server.log"
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self._as_root = os.geteuid() == 0
        if self._as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.tmp, pw.pw_uid, pw.pw_gid)
        self.tmp.chmod(0o700)

    def _cmd(self, *args: str) -> list[str]:
        return (["runuser", "-u", "postgres", "--"] if self._as_root else []) + list(args)

    def start(self, attempts: int = 3) -> str:
        pwfile = self.tmp / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self._as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        pwfile.chmod(0o600)
        subprocess.run(self._cmd(str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "--pwfile", str(pwfile),
                                 "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"),
                       check=True, capture_output=True, timeout=300)
        pwfile.unlink()
        for _ in range(attempts):            # another process may take the free port first: retry
            self.port = free_port()
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(
                    self._cmd(str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
                              "-k", str(self.tmp), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                              "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "timezone=UTC",
                              "-c", "max_connections=20", "-c", "shared_buffers=128MB", "-c", "work_mem=64MB"),
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            if self._wait_ready():
                return self.url
            self._kill()
        raise RuntimeError(f"PostgreSQL did not start; log:\n{self.log.read_text(errors='replace')[-2000:]}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_DEADLINE_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:       # exited: port taken or a real failure
                return False
            ok = subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-t", "2"],
                                capture_output=True).returncode == 0
            if ok:
                return True
            try:                                   # the poll interval: returns early if the server exits
                self.proc.wait(timeout=0.25)
            except subprocess.TimeoutExpired:
                pass
        return False

    @property
    def url(self) -> str:
        from urllib.parse import quote
        return f"postgres://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{self.port}/postgres"

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            subprocess.run(self._cmd(str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate",
                                     "-w", "-t", "60"), capture_output=True)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            subprocess.run(self._cmd(str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "fast",
                                     "-w", "-t", "120"), capture_output=True)
        self._kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


# ------------------------------------------------------------------------------------------ loading
_PG_TYPES = ((pa.types.is_string, "text"), (pa.types.is_large_string, "text"), (pa.types.is_boolean, "boolean"),
             (pa.types.is_integer, "bigint"), (pa.types.is_floating, "double precision"),
             (pa.types.is_timestamp, "timestamptz"), (pa.types.is_date, "date"))


def _pg_type(t: pa.DataType) -> str:
    for test, name in _PG_TYPES:
        if test(t):
            if name == "timestamptz" and t.tz is None:
                return "timestamp"
            return name
    raise TypeError(f"no PostgreSQL type for {t}")


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_postgres(source, name: str, table: pa.Table) -> None:
    """Create ``name`` on the PostgreSQL source and fill it with one COPY of Arrow-written CSV."""
    con = source.backend.con                  # the psycopg connection under the Ibis backend
    cols = ", ".join(f"{_quote_ident(f.name)} {_pg_type(f.type)}" for f in table.schema)
    table = _plain_strings(table)
    with con.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {_quote_ident(name)}")
        cur.execute(f"CREATE UNLOGGED TABLE {_quote_ident(name)} ({cols})")
        # nulls unquoted and empty, strings always quoted: COPY keeps '' apart from NULL
        opts = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
        with cur.copy(f"COPY {_quote_ident(name)} FROM STDIN (FORMAT csv)") as copy:
            for batch in table.to_batches(max_chunksize=200_000):
                buf = io.BytesIO()
                pacsv.write_csv(pa.Table.from_batches([batch], table.schema), buf, opts)
                copy.write(buf.getvalue())
        cur.execute(f"ANALYZE {_quote_ident(name)}")
    con.commit()


def _plain_strings(table: pa.Table) -> pa.Table:
    """Dictionary/large string columns as plain strings (the CSV writer and Spark want those)."""
    cols = []
    for col in table.columns:
        if pa.types.is_dictionary(col.type) or pa.types.is_large_string(col.type) or pa.types.is_string_view(col.type):
            col = col.cast(pa.string())
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def load_spark(source, name: str, table: pa.Table, folder: Path) -> None:
    """Write ``table`` as Parquet under ``folder`` and register it as the temporary view ``name``."""
    path = folder / f"{name}.parquet"
    # microsecond timestamps (Spark reads nanosecond Parquet timestamps only as integers)
    pq.write_table(_plain_strings(table), path, coerce_timestamps="us", allow_truncated_timestamps=False)
    session = source.backend._session
    session.read.parquet(str(path)).createOrReplaceTempView(name)


def load_duckdb(source, name: str, table: pa.Table) -> None:
    source.backend.create_table(name, table, overwrite=True)


# ------------------------------------------------------------------------------------------ parity
class Engines:
    """The engines of one test session: ``{"duckdb": Source, "postgres": Source, "pyspark": Source}``
    (those available), with :meth:`load` putting the same Arrow tables into each under one name."""

    def __init__(self, sources: Mapping[str, object], folder: Path) -> None:
        self.sources = dict(sources)
        self.folder = folder

    def load(self, tables: Mapping[str, pa.Table]) -> dict[str, dict[str, object]]:
        """Load every table on every engine under a fresh name; returns engine -> {name: Ibis table}."""
        out: dict[str, dict[str, object]] = {}
        for engine, src in self.sources.items():
            out[engine] = {}
            for name, table in tables.items():
                real = f"{name}_{uuid.uuid4().hex[:8]}"
                if engine == "postgres":
                    load_postgres(src, real, table)
                elif engine == "pyspark":
                    load_spark(src, real, table, self.folder)
                else:
                    load_duckdb(src, real, table)
                out[engine][name] = src.table(real)
        return out


def run_everywhere(factory: Callable[[dict], object], loaded: Mapping[str, Mapping[str, object]]):
    """``factory(tables)`` -> an Ibis expression, executed on each engine; engine -> pandas frame."""
    import pandas as pd
    out = {}
    for engine, tables in loaded.items():
        expr = factory(dict(tables))
        res = expr.execute()
        out[engine] = res if isinstance(res, pd.DataFrame) else pd.DataFrame({"value": [res]})
    return out


def _normal_rows(frame) -> list[tuple]:
    import pandas as pd
    rows = []
    for row in frame.itertuples(index=False, name=None):
        norm = []
        for v in row:
            if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
                norm.append(None)
            elif isinstance(v, pd.Timestamp):
                norm.append((v.tz_convert("UTC") if v.tzinfo else v.tz_localize("UTC")).value)
            elif hasattr(v, "item"):                  # numpy scalars
                norm.append(v.item())
            else:
                norm.append(v)
        rows.append(tuple(norm))
    return sorted(rows, key=lambda r: tuple(_sort_key(x) for x in r))


def _sort_key(x) -> tuple:
    """Rows sort alike on every engine although one returns 3 and another 3.0 for the same value."""
    if x is None:
        return (0, 0, "")
    if isinstance(x, (int, float)):
        return (1, float(x), "")
    return (2, 0, str(x))


def _close(a, b, rel: float) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return a == b or abs(a - b) <= rel * max(abs(a), abs(b))
    return a == b


def assert_same(results: Mapping[str, object], rel: float = 1e-9) -> None:
    """Every engine's frame equals the first one's: same columns, same rows (sorted), floats to ``rel``."""
    (ref_name, ref), *others = results.items()
    ref_rows = _normal_rows(ref)
    for name, frame in others:
        assert list(frame.columns) == list(ref.columns), f"{name} columns {list(frame.columns)} != {ref_name}'s"
        rows = _normal_rows(frame)
        assert len(rows) == len(ref_rows), f"{name}: {len(rows)} rows, {ref_name}: {len(ref_rows)}"
        for i, (r, g) in enumerate(zip(ref_rows, rows)):
            assert len(r) == len(g) and all(_close(x, y, rel) for x, y in zip(r, g)), \
                f"row {i} differs: {ref_name} {r} vs {name} {g}"
