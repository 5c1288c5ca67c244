"""The engine: one Ibis expression layer over DuckDB (in-process, the default).

Analyses build Ibis expressions from canonical tables to small sufficient statistics (counts,
sums, per-step users, per-customer summaries) and only then go to pandas/numpy for the statistics.
The same expressions run on the other Ibis backends (PostgreSQL, PySpark, ...).

- :func:`backend` is this thread's DuckDB backend (DuckDB connections are not shared across
  threads; Streamlit runs each session's script on its own thread).
- :func:`table` turns what an analysis is given (a :class:`~cxlib.data.dataset.Dataset`, a pandas
  DataFrame, an Arrow table, a Parquet path or an Ibis table) into an Ibis table.
- :func:`execute` runs an expression and returns pandas; pass ``limit`` whenever the result could
  grow with the input.

Examples
--------
>>> import pandas as pd
>>> t = table(pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [1.0, 2.0, 5.0]}))
>>> execute(t.group_by("customer_id").aggregate(total=t.amount.sum()).order_by("customer_id"))
  customer_id  total
0           a    3.0
1           b    5.0
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:                     # pragma: no cover - typing only
    import ibis.expr.types as ir
    import pandas as pd

_local = threading.local()


def _threads() -> int:
    return int(os.environ.get("CX_ENGINE_THREADS") or min(4, os.cpu_count() or 1))


def limits() -> dict[str, str]:
    """DuckDB's memory bound and where it spills beyond it, for every connection cxlib opens on large data:
    ``CX_ENGINE_MEMORY`` (default 1GB) and the cache folder's ``spill``."""
    from cxlib.data.canonical_cache import cache_dir
    return {"memory_limit": os.environ.get("CX_ENGINE_MEMORY") or "1GB", "temp_directory": str(cache_dir() / "spill")}


# Every DuckDB session reads and prints times in UTC, as the careful readers do, whatever the machine's own zone:
# DuckDB's default is the local zone, where a time without an offset would be read hours off and a date range
# would end on another day. (A setting of the session: ICU is not loaded yet when the connection's config is read.)
UTC = "SET TimeZone = 'UTC'"


def connect(**config):
    """A raw DuckDB connection for what Ibis does not express (ASOF joins, row numbers of a Parquet file), with the
    engine's threads and memory bound (:func:`limits`): a query beyond it spills to disk instead of growing; times
    in UTC (:data:`UTC`)."""
    import duckdb
    con = duckdb.connect(config={"threads": _threads(), **limits(), **config})
    con.execute(UTC)
    return con


def backend():
    """This thread's in-process DuckDB backend (created on first use), its memory bounded by :func:`limits`."""
    con = getattr(_local, "backend", None)
    if con is None:
        import ibis
        con = ibis.duckdb.connect(threads=_threads(), **limits())
        con.raw_sql(UTC)                      # dates and periods in UTC, as the careful path reads timestamps
        _local.backend = con
    return con


def table(obj) -> ir.Table:
    """An Ibis table for ``obj``: an Ibis table (returned as is), a Dataset (its canonical table),
    a pandas DataFrame or Arrow table (registered in memory), or a path to a Parquet file."""
    import ibis
    import ibis.expr.types as ir
    if isinstance(obj, ir.Table):
        return obj
    engine_table = getattr(obj, "engine_table", None)
    if callable(engine_table):
        return engine_table()
    if hasattr(obj, "role") and hasattr(obj, "df"):          # a Dataset without an engine table yet
        return ibis.memtable(obj.df)
    if isinstance(obj, (str, os.PathLike)):
        return backend().read_parquet(Path(obj))
    return ibis.memtable(obj)


def execute(expr, *, limit: int | None = None) -> pd.DataFrame:
    """Run ``expr`` on its backend (DuckDB for in-memory tables) and return a pandas DataFrame."""
    import ibis.expr.types as ir
    if limit is not None and isinstance(expr, ir.Table):
        expr = expr.limit(limit)
    con = _backend_of(expr)
    return con.execute(expr)


def _backend_of(expr):
    """The backend an expression is bound to; in-memory-only expressions run on this thread's DuckDB."""
    try:
        return expr._find_backend(use_default=False)
    except Exception:                  # noqa: BLE001 - only memtables: no backend of their own
        return backend()


def fetch(expr) -> pd.DataFrame:
    """``expr``'s result as pandas with the dtypes a canonical table has in pandas (text as ``string``, timestamps
    in UTC), so the careful code reads it as it reads ``ds.df``; :func:`execute` gives Ibis's own dtypes."""
    from cxlib.data.canonical_file import arrow_frame
    return arrow_frame(expr.to_pyarrow())


def utc_day(ts):
    """Days since 1970-01-01 of a timestamp expression, in UTC (the engine's session time zone)."""
    return (ts.epoch_seconds() / 86400).floor().cast("int64")


def stamp(value) -> pd.Timestamp | None:
    """A timestamp an engine returned as a UTC ``pd.Timestamp`` (None when missing)."""
    import pandas as pd
    return None if value is None or pd.isna(value) else pd.Timestamp(value).tz_convert("UTC")


def lookup(t, value, raw, keys, missing=None, name: str = "key"):
    """``t`` with a column ``name``: each row's ``value`` looked up in the small table ``raw`` -> ``keys`` (two
    pandas sequences, e.g. a column's distinct values and what a pandas rule makes of them), joined on the
    engine; a value the table lacks (a null) gets ``missing``."""
    import ibis
    import pandas as pd
    m = ibis.memtable(pd.DataFrame({"__m_raw": pd.Series(raw).reset_index(drop=True),
                                    "__m_key": pd.Series(keys).astype(object).reset_index(drop=True)}))
    t = t.mutate(__raw=value)
    j = t.left_join(m, t["__raw"] == m["__m_raw"])
    k = j["__m_key"] if missing is None else j["__m_key"].fill_null(ibis.literal(missing))
    return j.mutate(**{name: k}).drop("__raw", "__m_raw", "__m_key")


def sql_name(name: object) -> str:
    """A column or table name quoted for SQL written by hand: ``a"b`` becomes ``"a""b"``."""
    return '"' + str(name).replace('"', '""') + '"'


def sql_text(text: object) -> str:
    """A text literal for SQL written by hand: ``it's`` becomes ``'it''s'``."""
    return "'" + str(text).replace("'", "''") + "'"


__all__ = ["backend", "execute", "fetch", "lookup", "sql_name", "sql_text", "stamp", "table", "utc_day"]
