"""The funnel's counting engine (DuckDB): the compact event table, one ASOF join per step, per-unit paths.

Semantics and the engine are described in :mod:`cxlib.analyses.funnel`, which calls these functions
(``prepare_events`` -> ``build_events`` -> ``paths_sql``) and assembles the result. The ``spec``
arguments are that module's ``FunnelSpec`` (this module sits below it and only reads its fields;
changed specs are made with ``dataclasses.replace``).
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg
from cxlib.data.columns import resolve_column
from cxlib.data.dataset import Dataset
from cxlib.data.engine import sql_name as _q
from cxlib.data import engine
from cxlib.data.engine import sql_text as _lit

if TYPE_CHECKING:                    # pragma: no cover - typing only
    import duckdb


class PerUnit:
    """Per-unit results as numpy arrays (epoch microseconds; int64 min where a unit has no such step),
    plus the row of each unit's first step-1 event, whose ids are read from the event table only when
    ``FunnelResult.paths`` is built (or the result is pickled, e.g. by Streamlit's cache)."""

    _NAT = np.iinfo(np.int64).min

    def __init__(self, table: pa.Table, source: FrameRows | ParquetRows, spec) -> None:
        k = len(spec.steps)
        col = (lambda name: pc.fill_null(table[name], self._NAT).to_numpy())
        self.level = table["level"].to_numpy().astype(np.int64, copy=False)     # no NULL: excluded units are out
        self.first_ts = col("first_ts")
        self.times = [col(f"t{j}") for j in range(1, k + 1)]
        self.rid = table["rid"].to_numpy()
        self.id_names = ["user_id"] + (["session_id"] if spec.unit == "session" else [])
        self._source = source
        self._id_columns = ["u_id"] + (["s_id"] if spec.unit == "session" else [])
        self._ids: list[pd.Series] | None = None
        self.value: tuple[np.ndarray, list] | None = None   # breakdown (codes, labels), set by the breakdown

    def ids(self) -> list[pd.Series]:
        if self._ids is None:
            self._ids = self._source.take(self._id_columns, self.rid)
            self._source = None
        return self._ids

    def __getstate__(self) -> dict:
        self.ids()                                   # never pickle the whole event table
        return self.__dict__

    def frame(self) -> pd.DataFrame:
        stamp = (lambda us: pd.Series(us.view("datetime64[us]"), copy=True).dt.tz_localize("UTC"))
        cols = dict(zip(self.id_names, self.ids()))
        if self.value is not None:
            codes, labels = self.value
            cols["value"] = pd.Series(np.asarray(labels, dtype=object)[codes], dtype="string")
        cols["first_ts"] = stamp(self.first_ts)
        cols["level"] = self.level
        cols.update({f"t{j}": stamp(t) for j, t in enumerate(self.times, start=1)})
        return pd.DataFrame(cols)


def prepare_events(ds: Dataset, spec, warnings: list[Msg]):
    """The columns the SQL needs, under safe names (u_id, s_id, ts, ev, p<i>, bv); no copy of the data."""
    df = ds.df
    _check_columns(ds, set(df.columns), spec)
    cols = {"u_id": df["user_id"], "ts": df["timestamp"], "ev": df["event"], "rid": np.arange(len(df))}
    lo, hi = df["timestamp"].min(), df["timestamp"].max()
    as_us = (lambda ts: int(np.datetime64(ts.tz_convert(None).to_datetime64(), "us").astype(np.int64)))
    if pd.notna(lo) and max(-as_us(lo), as_us(hi)) >= TS_LIMIT:
        raise CxDataError(msg("timestamps run from {start} to {end}, outside the years 1400-2500 a funnel can use.",
                              start=str(lo), end=str(hi)),
                          file=ds.name, hint=msg("Check the timestamp column's format on the Data page."))
    if spec.unit == "session":
        cols["s_id"] = df["session_id"]
    for i, s in enumerate(spec.steps + ((spec.exclude,) if spec.exclude else ())):
        if s.prop is not None:
            cols[f"p{i}"] = _as_text(df[resolve_column(ds, s.prop)])
    by = None
    if spec.by:
        by = resolve_column(ds, spec.by)
        cols["bv"] = _as_text(df[by])
    _drop_warnings(warnings, int((df["user_id"].isna() | df["timestamp"].isna()).sum()),
                   int(df["session_id"].isna().sum()) if spec.unit == "session" else 0)
    return pd.DataFrame(cols, copy=False), replace(spec, by=by)


def _as_text(col: pd.Series) -> pd.Series:
    return col if isinstance(col.dtype, pd.StringDtype) else col.astype("string")


class FrameRows:
    """Rows of the prepared frame by row id (the pandas path)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def take(self, columns: list[str], rid: np.ndarray) -> list[pd.Series]:
        return [self.frame[c].take(rid).reset_index(drop=True) for c in columns]


class ParquetRows:
    """Rows of a canonical Parquet file by row number (the engine path): only the rows asked for are read."""

    def __init__(self, path: str, exprs: dict[str, str]) -> None:
        self.path, self.exprs = path, exprs

    def take(self, columns: list[str], rid: np.ndarray) -> list[pd.Series]:

        from cxlib.data.canonical_file import arrow_frame
        con = engine.connect()
        try:
            con.register("rids", pa.table({"pos": np.arange(len(rid), dtype=np.int64),
                                           "rid": np.asarray(rid, dtype=np.int64)}))
            cols = ", ".join(f"{self.exprs[c]} AS {c}" for c in columns)
            got = con.sql(f"SELECT {cols} FROM rids r LEFT JOIN read_parquet({_lit(self.path)}, file_row_number=true) "
                          "s ON s.file_row_number = r.rid ORDER BY r.pos").to_arrow_table()
        finally:
            con.close()
        frame = arrow_frame(got)
        return [frame[c].reset_index(drop=True) for c in columns]


def prepare_source(con: duckdb.DuckDBPyConnection, ds: Dataset, spec, warnings: list[Msg]):
    """The engine path of :func:`prepare_events`: the view ``src`` over the dataset's canonical Parquet file
    (row id = row number in the file), the same checks and warnings from one aggregate; no pandas frame."""
    cols = set(ds.columns)
    _check_columns(ds, cols, spec)
    exprs = {"u_id": '"user_id"', "ts": '"timestamp"', "ev": '"event"', "rid": "file_row_number"}
    if spec.unit == "session":
        exprs["s_id"] = '"session_id"'
    for i, s in enumerate(spec.steps + ((spec.exclude,) if spec.exclude else ())):
        if s.prop is not None:
            exprs[f"p{i}"] = f"CAST({_q(resolve_column(ds, s.prop))} AS VARCHAR)"
    by = None
    if spec.by:
        by = resolve_column(ds, spec.by)
        exprs["bv"] = f"CAST({_q(by)} AS VARCHAR)"
    path = ds.canonical_file()
    con.execute("CREATE VIEW src AS SELECT " + ", ".join(f"{e} AS {k}" for k, e in exprs.items())
                + f" FROM read_parquet({_lit(path)}, file_row_number=true)")
    if _checked_by_report(ds):       # the load report's counts already say: no empty user or time, years in range
        lo, dropped = None, 0
        no_session = ds.report.missing.get("session_id", 0) if spec.unit == "session" else 0
    else:
        session = "count(*) FILTER (WHERE s_id IS NULL)" if spec.unit == "session" else "0"
        lo, hi, dropped, no_session = con.sql(
            f"SELECT epoch_us(min(ts)), epoch_us(max(ts)), count(*) FILTER (WHERE u_id IS NULL OR ts IS NULL), "
            f"{session} FROM src").fetchall()[0]
    if lo is not None and max(-lo, hi) >= TS_LIMIT:
        stamp = (lambda us: str(pd.Timestamp(us, unit="us", tz="UTC")))
        raise CxDataError(msg("timestamps run from {start} to {end}, outside the years 1400-2500 a funnel can use.",
                              start=stamp(lo), end=stamp(hi)),
                          file=ds.name, hint=msg("Check the timestamp column's format on the Data page."))
    _drop_warnings(warnings, int(dropped), int(no_session))
    return ParquetRows(path, exprs), replace(spec, by=by)


def _checked_by_report(ds: Dataset) -> bool:
    """True when the load report alone settles :func:`prepare_source`'s checks: every row has a user and a time,
    and the time range is well inside the years a funnel can use."""
    missing, dates = ds.report.missing, ds.report.date_range
    return (missing.get("user_id") == 0 and missing.get("timestamp") == 0 and dates is not None
            and all(1500 <= int(str(d)[:4]) <= 2400 for d in dates))


def _check_columns(ds: Dataset, cols, spec) -> None:
    for col in ("user_id", "event", "timestamp"):
        if col not in cols:
            raise CxDataError(msg("the events table has no {column} column.", column=col), file=ds.name,
                              hint=msg("Map a column to it on the Data page."))
    if spec.unit == "session" and not ds.has("session_id"):
        raise CxDataError(msg("a session funnel needs a session_id column."), file=ds.name,
                          hint=msg("Map the session column, or use a user funnel."))


def _drop_warnings(warnings: list[Msg], dropped: int, no_session: int) -> None:
    if dropped:
        warnings.append(msg("{count:,} event(s) without a user or a time were left out.", count=dropped))
    if no_session:
        warnings.append(msg("{count:,} event(s) without a session were left out of this session funnel.",
                            count=no_session))


def build_events(con: duckdb.DuckDBPyConnection, spec, warnings: list[Msg]):
    """Create the compact ``ev`` table; step events not found as spelled are matched to the data's
    unique case-insensitive spelling (the table is rebuilt then). Warns on absent events and on
    property filters no event satisfies. Returns the spec with the data's spellings."""
    con.execute(_events_sql(spec))
    counts = _bit_counts(con, spec)
    steps = spec.steps + ((spec.exclude,) if spec.exclude else ())
    empty = sorted({s.event for s, n in zip(steps, counts) if n == 0})
    absent = [e for e in empty if not con.sql(f"SELECT 1 FROM src WHERE ev = {_lit(e)} LIMIT 1").fetchall()]
    fix: dict[str, str] = {}
    if absent:
        folded: dict[str, list[str]] = {}
        for (name,) in con.sql("SELECT DISTINCT ev FROM src WHERE lower(trim(ev)) IN ("
                               + ", ".join(_lit(e.strip().casefold()) for e in absent) + ")").fetchall():
            folded.setdefault(name.strip().casefold(), []).append(name)
        fix = {e: folded[e.strip().casefold()][0] for e in absent if len(folded.get(e.strip().casefold(), [])) == 1}
    if fix:
        rename = (lambda st: replace(st, event=fix.get(st.event, st.event)))
        spec = replace(spec, steps=tuple(map(rename, spec.steps)),
                       exclude=rename(spec.exclude) if spec.exclude else None)
        con.execute("DROP TABLE ev")
        con.execute(_events_sql(spec))
        counts = _bit_counts(con, spec)
    for i, (st, n) in enumerate(zip(spec.steps, counts)):
        if st.event in absent and st.event not in fix:
            warnings.append(msg("The event '{event}' never occurs in this file; every later step is 0.",
                                event=st.event))
        elif n == 0 and st.prop is not None:
            warnings.append(msg("No '{event}' event has {property} = {value} (step {step}); check the value's "
                                "spelling.", event=st.event, property=st.prop, value=st.value, step=i + 1))
    for a, b in zip(spec.steps, spec.steps[1:]):
        if a == b:
            warnings.append(msg("Two consecutive steps are both {step}: one event satisfies both.",
                                step=a.describe()))
    return spec


def _bit_counts(con: duckdb.DuckDBPyConnection, spec) -> tuple[int, ...]:
    """Events matching each step (and the exclusion step) in the ``ev`` table."""
    n = len(spec.steps) + (1 if spec.exclude else 0)
    return tuple(con.sql("SELECT " + ", ".join(f"count(*) FILTER (WHERE m & {1 << i} <> 0)" for i in range(n))
                         + " FROM ev").fetchall()[0])


def _cond(i: int, step) -> str:
    """SQL condition for one step (``p{i}`` holds its property column as text)."""
    if step.prop is None:
        return f"ev = {_lit(step.event)}"
    return f"(ev = {_lit(step.event)} AND p{i} = {_lit(step.value)})"


TS_LIMIT = 2**54          # |epoch microseconds| below this (years 1399-2540): integer tie-break keys fit


def _events_sql(spec) -> str:
    """One scan of the frame into a compact table of funnel-relevant events: unit hash, epoch
    microseconds, row id and a bit mask of the steps (bit k: the exclusion step) each event matches."""
    session = spec.unit == "session"
    key = "hash(u_id, s_id)" if session else "hash(u_id)"
    valid = "u_id IS NOT NULL AND ts IS NOT NULL" + (" AND s_id IS NOT NULL" if session else "")
    steps = spec.steps + ((spec.exclude,) if spec.exclude else ())
    # bits of the steps without a property filter come from a join on the event name (no string
    # comparison per step and row); steps with a filter add their bit where the property matches
    bits: dict[str, int] = {}
    for i, s in enumerate(steps):
        bits[s.event] = bits.get(s.event, 0) | (1 << i if s.prop is None else 0)
    names = ", ".join(f"({_lit(e)}, {b})" for e, b in sorted(bits.items()))
    mask = " + ".join(["n.bits"] + [f"CASE WHEN {_cond(i, s)} THEN {1 << i} ELSE 0 END"
                                    for i, s in enumerate(steps) if s.prop is not None])
    return (f"CREATE TEMP TABLE ev AS SELECT * FROM (SELECT {key} AS u, epoch_us(ts) AS ts, rid, "
            f"({mask})::UINTEGER AS m FROM src JOIN (VALUES {names}) n(name, bits) ON ev = n.name "
            f"WHERE {valid}) WHERE m <> 0")


def paths_sql(spec) -> str:
    """One row per unit with a step-1 event: the row id of its first step-1 event and that time, and
    its deepest, earliest-completed attempt (level, t1..tk in epoch microseconds; NULL: excluded)."""
    k = len(spec.steps)
    ctes = [f"s{j} AS (SELECT u, ts FROM ev WHERE m & {1 << (j - 1)} <> 0)" for j in range(1, k + 1)]
    # first step-1 event; ties at the same instant: the earlier row of the file
    # (one aggregate of a positive key: time, then row id, in 55 + 40 bits; unpacked with shifts)
    ctes.append(f"firsts AS (SELECT u, (k & {2**40 - 1})::BIGINT AS rid, (k >> 40)::BIGINT - {TS_LIMIT} AS first_ts "
                f"FROM (SELECT u, min((ts + {TS_LIMIT})::HUGEINT * {2**40} + rid) AS k FROM ev "
                "WHERE m & 1 <> 0 GROUP BY u))")
    start = "(SELECT u, min(ts) AS ts FROM s1 GROUP BY u)" if spec.start == "first" else "s1"
    if spec.exclude is None:
        # of the s1 occurrences sharing their s2 match, the latest one dominates: keep only it
        ctes.append(f"p2 AS (SELECT a.u, max(a.ts) AS t1, b.ts AS t2 FROM {start} a "
                    f"ASOF LEFT JOIN s2 b ON a.u = b.u AND b.ts >= a.ts GROUP BY a.u, b.ts)")
    else:
        # no pruning: a later, deeper attempt may be excluded where an earlier, shorter one is not
        ctes.append(f"p2 AS (SELECT a.u, a.ts AS t1, b.ts AS t2 FROM {start} a "
                    f"ASOF LEFT JOIN s2 b ON a.u = b.u AND b.ts >= a.ts)")
    w = int(round(spec.window_seconds * 1e6))
    for j in range(3, k + 1):
        ctes.append(f"p{j} AS (SELECT a.*, b.ts AS t{j} FROM p{j - 1} a "
                    f"ASOF LEFT JOIN s{j} b ON a.u = b.u AND b.ts >= a.t{j - 1})")
    last = f"p{k}"
    oks = [f"t{j} <= t1 + {w}" for j in range(2, k + 1)]
    if spec.order == "strict":
        for j in range(1, k):
            # first event of another funnel step strictly after step j (repeats of step j allowed)
            ctes.append(f"v{j} AS (SELECT u, ts FROM ev WHERE m & {(1 << k) - 1} <> 0 AND m & {1 << (j - 1)} = 0)")
            ctes.append(f"q{j} AS (SELECT a.*, b.ts AS n{j} FROM {last} a "
                        f"ASOF LEFT JOIN v{j} b ON a.u = b.u AND b.ts > a.t{j})")
            last = f"q{j}"
        oks = [f"{ok} AND (n{j - 1} IS NULL OR n{j - 1} >= t{j})" for j, ok in zip(range(2, k + 1), oks)]
    level = ("CASE " + " ".join(f"WHEN NOT coalesce({ok}, false) THEN {j - 1}" for j, ok in zip(range(2, k + 1), oks))
             + f" ELSE {k} END")
    ts_cols = ", ".join(f"t{j}" for j in range(1, k + 1))
    ctes.append(f"lv AS (SELECT u, {ts_cols}, {level} AS level FROM {last})")
    done = "CASE level " + " ".join(f"WHEN {j} THEN t{j}" for j in range(1, k + 1)) + " END"
    ctes.append(f"att AS (SELECT *, {done} AS t_done FROM lv)")
    att = "att"
    if spec.exclude is not None:
        ctes.append(f"x AS (SELECT u, ts FROM ev WHERE m & {1 << k} <> 0)")
        ctes.append("kept AS (SELECT a.* FROM att a ASOF LEFT JOIN x b ON a.u = b.u AND b.ts > a.t1 "
                    "WHERE b.ts IS NULL OR b.ts >= a.t_done)")
        att = "kept"
    # best attempt: deepest, then earliest completed, then latest start, as one integer key
    # (level | inverted t_done | t1, each time offset into [0, 2^55))
    rank = (f"level::HUGEINT * {2**110} + ({2**55 - 1} - (t_done + {TS_LIMIT}))::HUGEINT * {2**55} "
            f"+ (t1 + {TS_LIMIT})")
    path = ", ".join(f"t{j} := CASE WHEN level >= {j} THEN t{j} END" for j in range(1, k + 1))
    ctes.append(f"best AS (SELECT u, arg_max(struct_pack(level := level, {path}), {rank}) AS b "
                f"FROM {att} GROUP BY u)")
    # a level-1 path completes earliest at the unit's first step-1 event (pruning may have dropped it)
    t1 = "b.b.t1" if spec.exclude is not None else "CASE WHEN b.b.level = 1 THEN f.first_ts ELSE b.b.t1 END"
    out = f"{t1} AS t1, " + ", ".join(
        f"b.b.t{j} AS t{j}" for j in range(2, k + 1))
    return ("WITH " + ",\n".join(ctes) + f"\nSELECT f.rid, f.first_ts, b.b.level AS level, {out} "
            "FROM firsts f LEFT JOIN best b ON f.u = b.u")
