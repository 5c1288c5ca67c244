"""The Dataset: what every analysis consumes.

A Dataset is one loaded file understood as one *role* (events, orders, responses, tickets,
experiment, customers). Its ``df`` holds the canonical columns first, with canonical dtypes
(see ``cxlib.data.roles.ROLES``), followed by any other source columns kept as text. ``mapping``
says which source column became which canonical field; ``report`` says what was understood
and what was not.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from cxlib.core.errors import CxDataError
from cxlib.core.messages import N_, Msg, msg


def _as_msg(text: str) -> Msg:
    """A label given as a plain ``str`` (marked with ``N_`` where it is defined, or read back from a
    saved report) becomes a ``Msg`` looked up by its English text."""
    return text if isinstance(text, Msg) else Msg(str(text))


def _examples(examples: tuple[tuple[int, str], ...]) -> Msg:
    """Up to three examples, each "row 5: 'abc'" (the raw text is data), as one list."""
    items = [msg("row {row}: {value}", row=row, value=repr(value)) for row, value in examples[:3]]
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return msg("{first}, {second}", first=items[0], second=items[1])
    return msg("{first}, {second}, {third}", first=items[0], second=items[1], third=items[2])


@dataclass(frozen=True)
class ColumnIssue:
    """Cells of one column that could not be understood.

    ``problem`` and ``action`` are short phrases (``N_``-marked labels or ``Msg``) that
    :meth:`sentence` puts into one whole sentence for people.
    """

    column: str                      # canonical field (or source column)
    source: str                      # the file's own header
    problem: str                     # e.g. "not a number", "not a date", "out of range"
    count: int
    examples: tuple[tuple[int, str], ...] = ()   # (1-based file row, raw text)
    action: str = N_("were left empty")   # what was done with those cells

    def sentence(self) -> Msg:
        values = {"count": self.count, "source": str(self.source), "column": str(self.column),
                  "problem": _as_msg(self.problem), "action": _as_msg(self.action)}
        if self.examples:
            return msg("{count} cell(s) in column '{source}' ({column}) are {problem} and {action} "
                       "(e.g. {examples}).", examples=_examples(self.examples), **values)
        return msg("{count} cell(s) in column '{source}' ({column}) are {problem} and {action}.", **values)


@dataclass(frozen=True)
class Report:
    """What loading understood: counts, problems, ranges. Shown on the Data page."""

    rows_in: int = 0                 # data rows read from the file
    rows: int = 0                    # units of the role (orders after collapsing line items, ...)
    encoding: str = "utf-8"
    delimiter: str | None = ","
    header_rows: int = 1
    file_format: str = "csv"         # csv | xlsx | xls | parquet | jsonl
    recognized_as: str | None = None  # e.g. "Shopify orders export"
    confidence: float = 1.0          # 0..1: how sure role/mapping detection is
    issues: tuple[ColumnIssue, ...] = ()
    missing: dict[str, int] = field(default_factory=dict)     # canonical field -> empty cells
    duplicates: int = 0              # duplicate rows (or duplicate ids for the role's unit)
    date_range: tuple[str, str] | None = None  # ISO dates of the role's main timestamp
    formulas: int = 0                # text cells that look like spreadsheet formulas
    warnings: tuple[str, ...] = ()   # every partial problem, as sentences (Msg)
    source_columns: tuple[str, ...] = ()  # the file's own headers (what a mapping may pick from)
    # Categorical fields (cxlib.data.values): each distinct value (most frequent first) with its count in units,
    # what it is read as and what the status tables alone would read it as: field -> ((value, count,
    # canonical, default), ...).
    values: dict[str, tuple[tuple[str, int, str, str], ...]] = field(default_factory=dict)
    value_map: dict[str, dict[str, str]] = field(default_factory=dict)   # the user's value mapping, applied

    def all_warnings(self) -> list[str]:
        """Every warning as a sentence (``Msg``): the report's own, then one per column issue."""
        return list(self.warnings) + [i.sentence() for i in self.issues]


@dataclass(frozen=True, init=False, eq=False)
class Dataset:
    """One file understood as one role.

    A file the engine read itself (:mod:`cxlib.data.canonical`) keeps its canonical table as a Parquet file
    (``parquet``): analyses that run on the engine read it there, and ``df`` is read from it only when a
    pandas frame is asked for (on first use, then kept)."""

    name: str
    role: str
    _df: pd.DataFrame | None = field(default=None, repr=False)
    mapping: dict[str, str] = field(default_factory=dict)   # canonical field -> source column
    report: Report = field(default_factory=Report)
    content_hash: str = ""           # sha256 of the uploaded bytes (or of the frame)
    parquet: str | None = None       # the canonical table as a Parquet file (engine-loaded files)

    def __init__(self, name: str, role: str, df: pd.DataFrame | None = None, mapping: dict[str, str] | None = None,
                 report: Report | None = None, content_hash: str = "", parquet: str | None = None, *,
                 _df: pd.DataFrame | None = None) -> None:
        frame = df if df is not None else _df
        if frame is None and parquet is None:
            raise ValueError("a Dataset needs a frame or a canonical Parquet file")
        for key, value in (("name", name), ("role", role), ("_df", frame), ("mapping", dict(mapping or {})),
                           ("report", report if report is not None else Report()), ("content_hash", content_hash),
                           ("parquet", None if parquet is None else str(parquet))):
            object.__setattr__(self, key, value)

    @property
    def df(self) -> pd.DataFrame:
        """The canonical table as pandas (read from the canonical Parquet file on first use)."""
        if self._df is None:
            from cxlib.data.canonical_file import read_frame
            object.__setattr__(self, "_df", read_frame(self.canonical_file()))
        return self._df

    def canonical_file(self) -> str:
        """The canonical Parquet file, marked as just used: the cache folder's pruning (``CX_CACHE_MAX_MB``) removes
        the least recently used files first. Raises :class:`CxDataError` when it was removed all the same (a
        session left open while many newer files were loaded): a sentence to show, not a missing-file error."""
        try:
            os.utime(self.parquet)
        except FileNotFoundError:
            raise CxDataError(msg("the engine's copy of this file was removed from the cache folder to make room for "
                                  "newer files."), file=self.name,
                              hint=msg("Load the file again. CX_CACHE_MAX_MB sets how much the cache folder keeps."),
                              ) from None
        except OSError:                  # a read-only cache folder: the file is there, only not marked as used
            pass
        return self.parquet

    @property
    def on_engine(self) -> bool:
        """True while the canonical table lives only in its Parquet file (no pandas copy made yet)."""
        return self._df is None

    @property
    def aggregate_on_engine(self) -> bool:
        """True when analyses compute on the engine (aggregates only, no pandas copy of the table): the
        table lives in its Parquet file and has more rows than ``CX_ENGINE_ANALYSIS_MIN_ROWS`` (default
        2,000,000). Below that, reading it into pandas is faster on this machine (1M orders: 0.9 s against
        1.8 s for the whole command, most of it Ibis's import and compile); above it, memory is what counts."""
        limit = int(float(os.environ.get("CX_ENGINE_ANALYSIS_MIN_ROWS") or 2_000_000))
        return self.on_engine and self.report.rows > limit

    @property
    def columns(self) -> list[str]:
        """The canonical table's columns, without reading the table."""
        if self._df is not None:
            return [str(c) for c in self._df.columns]
        from cxlib.data.canonical_file import frame_columns
        return frame_columns(self.canonical_file())

    def frames(self, rows: int = 250_000) -> Iterator[pd.DataFrame]:
        """The canonical table ``rows`` at a time (read from its Parquet file a part at a time when it has one):
        for exports of the whole table (:func:`cxlib.data.export.write_csv`)."""
        if self._df is None:
            from cxlib.data.canonical_file import iter_frames
            yield from iter_frames(self.canonical_file(), rows)
        else:
            yield self._df

    def head(self, n: int = 50) -> pd.DataFrame:
        """The first ``n`` rows of the canonical table (read from its Parquet file alone when it has one)."""
        if self._df is None:
            from cxlib.data.canonical_file import read_head
            return read_head(self.canonical_file(), n)
        return self._df.head(n)

    def engine_table(self, *, row: bool = False):
        """The canonical table as an Ibis table on this thread's DuckDB: over the Parquet file when there
        is one, else over the pandas frame. ``row``: with ``_row``, each row's position in the table."""
        import ibis
        if self._df is None:
            from cxlib.data import engine
            t = engine.backend().read_parquet(self.canonical_file(), file_row_number=row)
            cols = [*self.columns, *(["file_row_number"] if row else [])]
            t = t.select(*cols)
            return t.rename(_row="file_row_number") if row else t
        if row:
            import numpy as np
            return ibis.memtable(self._df.assign(_row=np.arange(len(self._df), dtype="int64")))
        return ibis.memtable(self._df)

    @property
    def key(self) -> str:
        """Stable identity: role + content hash (+ column mapping and value mapping), used for caching and
        as the id saved analyses name."""
        m = ";".join(f"{k}={v}" for k, v in sorted(self.mapping.items()))
        if self.value_map:
            m += "|" + json.dumps(self.value_map, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(f"{self.role}|{self.content_hash}|{m}".encode()).hexdigest()[:16]

    @property
    def value_map(self) -> dict[str, dict[str, str]]:
        """The value mapping applied while loading (field -> {value in the file: canonical value})."""
        return dict(self.report.value_map or {})

    @property
    def warnings(self) -> list[str]:
        return self.report.all_warnings()

    def time_range(self, column: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The first and last value of a time column, (None, None) when it has none: one aggregate on the
        engine while the table lives only in its Parquet file."""
        if self._df is None:
            from cxlib.data import engine
            t = self.engine_table()
            row = engine.execute(t.aggregate(first=t[column].min(), last=t[column].max())).iloc[0]
            first, last = engine.stamp(row["first"]), engine.stamp(row["last"])
        else:
            first, last = self._df[column].min(), self._df[column].max()
        return (None, None) if first is None or pd.isna(first) else (first, last)

    def distinct_counts(self, columns) -> dict[str, int]:
        """Distinct present values of each of ``columns`` the table has (pandas ``nunique``: no missing value, no
        NaN), for pickers that offer only columns with a few values: one aggregate on the engine while the table
        lives only in its Parquet file."""
        cols = [c for c in columns if c in self.columns]
        if self._df is not None or not cols:
            return {c: int(self.df[c].nunique()) for c in cols}
        from cxlib.data import engine
        t = self.engine_table()
        counts = {f"n{i}": (t[c].nunique(where=~t[c].isnan()) if t[c].type().is_floating() else t[c].nunique())
                  for i, c in enumerate(cols)}
        row = engine.execute(t.aggregate(**counts)).iloc[0]
        return {c: int(row[f"n{i}"]) for i, c in enumerate(cols)}

    def distinct(self, column: str, limit: int = 10_000) -> list:
        """Up to ``limit`` distinct present values of ``column`` (in no particular order), for pickers: read on the
        engine while the table lives only in its Parquet file."""
        if self._df is not None:
            return list(self._df[column].dropna().unique()[:limit])
        from cxlib.data import engine
        t = self.engine_table()
        return engine.fetch(t.select(v=t[column]).filter(t[column].notnull()).distinct().limit(limit))["v"].tolist()

    def most_common(self, column: str):
        """The most frequent present value of ``column`` as text (ties: the smallest, as ``Series.mode`` gives it),
        or None when it has none: counted on the engine while the table lives only in its Parquet file."""
        if self._df is not None:
            top = self._df[column].dropna().astype(str).mode()
            return str(top.iloc[0]) if len(top) else None
        import ibis

        from cxlib.data import engine
        t = self.engine_table()
        v = t.select(v=t[column].cast("string")).filter(ibis._.v.notnull())
        top = engine.fetch(v.group_by("v").aggregate(n=v.count()).order_by([ibis.desc("n"), "v"]).limit(1))
        return str(top["v"].iloc[0]) if len(top) else None

    def has(self, field_name: str) -> bool:
        """True when the canonical field is present and not entirely empty."""
        if self._df is None:
            rows = self.report.rows_in
            return field_name in self.columns and (field_name not in self.report.missing
                                                   or self.report.missing[field_name] < rows)
        return field_name in self.df.columns and bool(self.df[field_name].notna().any())
