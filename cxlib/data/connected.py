"""A table in an engine (DuckDB file, PostgreSQL, Spark, a warehouse) understood like an uploaded file.

``load_table(URL, NAME)`` gives the same :class:`~cxlib.data.dataset.Dataset` (role, canonical columns, report,
warnings, value maps) as the same data exported as a file, with the file path's rules and errors:

1. the table's width and row count are checked against the limits (``CX_MAX_COLUMNS``, ``CX_MAX_ROWS``) on
   the engine, before a row is read;
2. its first :data:`SAMPLE_ROWS` rows are read and turned into the text table the file readers make (typed
   columns as :func:`cxlib.data.formats.read_parquet` writes them: ``12.0`` -> ``"12"``, timestamps ISO); role
   and mapping are decided on it by :func:`cxlib.data.loader.plan`, exactly as for a file;
3. only the mapped columns (and the few a recognized export's special handling reads, e.g. Shopify's
   ``Cancelled at``) are read from the whole table, turned into text the same way and built by
   :func:`cxlib.data.schema.build`, the careful path every file goes through;
4. the content hash (``Dataset.key``: caches, saved analyses) does not depend on the order the engine returns
   rows in;
5. what the report counts over whole rows (rows that are exact copies of an earlier row, formula-looking
   cells in the columns not read) is counted by the engine, so the report equals the file's.

The Dataset's name is ``"<table> @ <URL>"`` with the password shown as ``***``: no field, warning, error or
``repr`` ever holds the password (an engine's own error text is scrubbed of it).
"""
from __future__ import annotations

from dataclasses import replace

from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg
from cxlib.data import formats, loader, recognizers, schema
from cxlib.data.dataset import Dataset
from cxlib.data.synonyms import norm_header
from cxlib.data.table import Limits, check_columns, check_rows

SAMPLE_ROWS = 5_000                   # the rows role and mapping are decided on (detection reads the first 500)
# A text cell a spreadsheet would run as a formula (cxlib.data.export / convert.formula_cells), in SQL regexes
# every engine reads (RE2, Java, PostgreSQL ARE): a formula prefix, not blank, not a number, not an ="..." wrapper.
_PREFIX = r"^[=+@\t\r-]"
_BLANK = r"^\s*$"
_NUMBER = r"^\s*[-+]?\(?[\d\s.,']*\d[\d\s.,']*\)?%?\s*$"
_WRAPPED = r'^="[^=+@\t\r-]'


def load_table(url: str, table: str, *, role: str | None = None, mapping: dict[str, str] | None = None,
               columns: dict[str, str | None] | None = None, values: dict[str, dict[str, str]] | None = None,
               expect_role: str | None = None, limits: Limits | None = None) -> Dataset:
    """Understand the table ``table`` of the source ``url`` (``cx.load_table``); the options are those of
    :func:`cxlib.data.loader.load_bytes`, with the same errors (:class:`~cxlib.core.errors.CxNeedsMapping`
    when the role or a required column cannot be told, :class:`~cxlib.core.errors.CxLimitError` over the limits).

    URLs: see :mod:`cxlib.data.sources` (``duckdb:///path.db``, ``postgres://user:pw@host/db``, ``pyspark://``...).

    Examples
    --------
    >>> import duckdb, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "shop.db")
    >>> with duckdb.connect(path) as con:
    ...     _ = con.execute("CREATE TABLE events AS SELECT 'u1' AS user_id, 'view' AS event, "
    ...                     "TIMESTAMP '2024-01-01 10:00' AS timestamp")
    >>> ds = cx.load_table(f"duckdb://{path}", "events")
    >>> ds.role, ds.report.rows, ds.name.startswith("events @ duckdb:///")
    ('events', 1, True)
    """
    from cxlib.data.sources import connect, scrub
    src = connect(url)
    try:
        return _guarded(src, table, lambda err: scrub(err, url), role=role, mapping=mapping, columns=columns,
                        values=values, expect_role=expect_role, limits=limits)
    finally:
        src.close()


def load_source_table(src, table: str, *, role: str | None = None, mapping: dict[str, str] | None = None,
                      columns: dict[str, str | None] | None = None, values: dict[str, dict[str, str]] | None = None,
                      expect_role: str | None = None, limits: Limits | None = None) -> Dataset:
    """:func:`load_table` on a source already open (:func:`cxlib.data.sources.connect`), left open: the Data
    page keeps the connection, never the URL, to read the table again with another mapping."""
    from cxlib.data.sources import mask_text
    return _guarded(src, table, lambda err: mask_text(str(err).strip().splitlines()[0] if str(err).strip()
                                                      else type(err).__name__),
                    role=role, mapping=mapping, columns=columns, values=values, expect_role=expect_role, limits=limits)


def _guarded(src, table, reason, *, limits: Limits | None, **options) -> Dataset:
    """The table read by :func:`_load`; an engine's own error becomes one sentence (``reason(err)``: its text
    without the password)."""
    table = str(table or "").strip()
    name = f"{table} @ {src.url}"
    try:
        return _load(src, table, name, limits or Limits.from_env(), **options)
    except (CxDataError, MemoryError):
        raise
    except Exception as err:                 # noqa: BLE001 - an engine error becomes one sentence, no password
        raise CxDataError(msg("could not read the table: {reason}", reason=reason(err)), file=name,
                          hint=msg("Check that the table can be read with this user, and try again.")) from None


def _load(src, table: str, name: str, limits: Limits, *, role, mapping, columns, values, expect_role) -> Dataset:
    t = src.table(table)                     # a clear error naming the tables there when it is missing
    names = [str(c) for c in t.columns]
    check_columns(len(names), name, limits)
    rows = int(t.count().execute())
    check_rows(rows, name, limits)
    if rows == 0:
        raise CxDataError(msg("the table has no rows."), file=name, hint=msg("Check the table name and its filter."))
    file_format = src.engine
    sample = formats.read_arrow(t.limit(SAMPLE_ROWS).to_pyarrow(), name, limits, file_format)
    use_role, use_mapping, det = loader.plan(sample, name, role=role, mapping=mapping, expect_role=expect_role,
                                             columns=columns)
    labels = [str(c) for c in sample.df.columns]          # the readers' names (stripped, unique), by position
    keep = _needed(labels, use_mapping, det, use_role)
    whole = t.select(*[names[i] for i in keep]).to_pyarrow().rename_columns([labels[i] for i in keep])
    text = formats.read_arrow(whole, name, limits, file_format)
    rest = [names[i] for i in range(len(names)) if i not in set(keep)]
    copies, formulas = _whole_row_counts(t, rows, rest, use_role, use_mapping) if rest else (None, 0)
    ds = schema.build(text, use_role, use_mapping, content_hash=_digest(text), detection=det, values=values,
                      copies=copies, formulas_elsewhere=formulas)
    return replace(ds, report=replace(ds.report, source_columns=tuple(labels)))


def _digest(text) -> str:
    """The content hash of the rows read, whatever order the engine returned them in (a table has none)."""
    import hashlib

    import numpy as np

    from cxlib.data.convert import row_hashes
    return hashlib.sha256(np.sort(row_hashes(text.df).to_numpy()).tobytes()).hexdigest()


def _needed(labels: list[str], mapping: dict[str, str], det, role: str) -> list[int]:
    """Positions of the columns to read: the mapped ones and those the recognized export's handling reads."""
    rec = recognizers.RECOGNIZERS_BY_NAME.get(det.recognized_as or "") if det.role == role else None
    reads = set(rec.reads) if rec is not None else set()
    used = set(mapping.values())
    return [i for i, label in enumerate(labels) if label in used or norm_header(label) in reads]


def _whole_row_counts(t, rows: int, rest: list[str], role: str, mapping: dict[str, str]) -> tuple[int | None, int]:
    """(rows that are exact copies of an earlier row, or None when the role counts repeated ids instead;
    formula-looking text cells in the columns ``rest`` not read), counted by the engine."""
    import ibis
    copies = None
    ids = {"responses": "respondent_id", "customers": "customer_id"}
    if role not in ("experiment", "tickets") and ids.get(role) not in mapping:
        comparable = [c for c, dtype in t.schema().items() if not (dtype.is_nested() or dtype.is_json())]
        copies = rows - int(t.select(*comparable).distinct().count().execute()) if comparable else 0
    text = [c for c in rest if t.schema()[c].is_string()]
    if not text:
        return copies, 0
    counts = []
    for c in text:
        col = t[c]
        hit = col.re_search(_PREFIX) & ~col.re_search(_BLANK) & ~col.re_search(_NUMBER) & ~col.re_search(_WRAPPED)
        counts.append(ibis.ifelse(hit.fill_null(False), 1, 0).sum().fill_null(0))
    total = sum(counts[1:], counts[0])
    return copies, int(total.execute())


__all__ = ["SAMPLE_ROWS", "load_source_table", "load_table"]
