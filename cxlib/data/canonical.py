"""Large files read by the engine: one DuckDB pass from the file to a canonical Parquet table, kept per content hash.

The careful readers (:mod:`cxlib.data.io`, :mod:`cxlib.data.schema`) understand every messy export, but they
convert in pandas and hold the whole file in memory. A large file in plain formats does not need them for
every row: this module lets them understand a *sample* (the file's first rows: encoding, delimiter, role,
mapping, formats), then converts the whole file in one streaming DuckDB pass and writes the canonical table to
``<cache>/<sha256>-<key>.parquet`` with the counts the report needs. A second load of the same bytes with the
same role and mapping reads that file and converts nothing.

The engine is used only where its conversion is provably the careful one, otherwise :func:`build` returns
``None`` and the caller reads the file the careful way (same numbers, slower):

- a Parquet file (typed columns keep their types), or delimited UTF-8 text with one header row;
- every role (:data:`FAST_ROLES`): events, orders with one row per order, survey answers, support tickets,
  experiment assignments, message logs and customer lists; the careful steps that follow the conversion for all
  but events run as a second SQL pass (:mod:`canonical_orders`, :mod:`canonical_experiment`, and for the roles
  whose rows are their units :mod:`canonical_rows`; labelled fields through :mod:`canonical_labels`);
- on the sample, the careful reader found nothing to warn about but counts (no unreadable cell, no guessed
  format, no value to map) and DuckDB's conversion of the same first rows equals its frame exactly;
- on the whole file, every cell is in the plain formats the SQL converts (ISO-8601 timestamps, plain decimal
  numbers, labels the careful tables know) and no cell is an Excel ``="..."`` wrapper: one such cell
  anywhere and the whole file goes the careful way (and is remembered as such).

Files at or below ``CX_ENGINE_LOAD_MIN_MB`` (default 8 MB) are always read the careful way: they take well
under a second. The cache folder is ``CX_CACHE_DIR`` (default ``~/.cache/cxlib``); ``CX_ENGINE_MEMORY`` caps
DuckDB's memory while converting and analysing (default 1GB; it spills to the cache folder beyond that).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from cxlib.core.version import __version__
from cxlib.data import canonical_experiment, canonical_orders, canonical_rows
from cxlib.data.canonical_cache import (
    Hashing,
    cache_dir,
    digest_now,
    file_digest,
    hash_file,
    known_digest,
    min_bytes,
    prune,
    scratch,
)
from cxlib.data.canonical_file import FLAG as _FLAG
from cxlib.data.canonical_file import HASH as _HASH
from cxlib.data.canonical_file import HIDDEN, arrow_frame, frame_columns, read_frame
from cxlib.data.canonical_progress import reporting, run as _run
from cxlib.data.engine import _threads
from cxlib.data.engine import sql_name as _q
from cxlib.data.engine import sql_text as _lit
from cxlib.data.roles import ROLES_BY_NAME
from cxlib.data.table import Limits, Table, check_rows

if TYPE_CHECKING:                     # pragma: no cover - typing only
    import pandas as pd

    from cxlib.data.dataset import Dataset

FAST_ROLES = frozenset({"events", "orders", "responses", "tickets", "experiment", "messages", "customers"})
LISTED = frozenset({("tickets", "channel"), ("experiment", "variant")})  # fields converted as text whose values the report also lists
# fields whose labels are read through a table (canonical_labels): converted in a second pass
DEFERRED = frozenset({("orders", "status"), ("responses", "nps"), ("responses", "csat"), ("responses", "ces"),
                      ("tickets", "satisfaction"), ("experiment", "converted"),
                      *(("messages", f) for f in canonical_rows.FLAGS)})
SAMPLE_BYTES = 2 << 20               # the careful readers look at the first 2 MB (~40,000 event rows)
SAMPLE_ROWS = 50_000                 # ... or the first 50,000 rows of a Parquet file
# bump when the canonical file's layout or conversion changes: files and remembered declines of an older format are
# made again (3: UTC sessions, blank cells of unmapped columns, version-2 pages)
FORMAT = 3
_UTF8 = ("utf-8", "utf-8-sig", "ascii")
_DELIMITERS = (",", ";", "\t", "|")
# The plain formats the SQL converts; anything else sends the file to the careful readers.
_NUMBER = r"[-+]?(\d+(\.\d*)?|\.\d+)"
_NUMERIC_TEXT = r"\s*[-+]?\(?[\d\s.,']*\d[\d\s.,']*\)?%?\s*"      # convert._NUMERIC_TEXT, in RE2


def _kind(head: bytes) -> str | None:
    """"parquet" or "text" by the file's first bytes (never by its name); None for containers and binaries."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head[:2] in (b"\x1f\x8b", b"PK") or b"\x00" in head:
        return None
    return "text"


def sample_table(source: Path | bytes, limits: Limits, sample_bytes: int = SAMPLE_BYTES,
                 name: str | None = None) -> Table | None:
    """The careful reader's table of the first rows of a file (a path, or an upload's bytes), or None when the
    engine cannot read it."""
    from cxlib.data import io as cxio
    name = name or (source.name if isinstance(source, Path) else "upload")
    head = source[:8] if isinstance(source, bytes) else _head(source, 8)
    kind = _kind(head)
    if kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq
        try:
            pf = pq.ParquetFile(io.BytesIO(source) if isinstance(source, bytes) else source)
            meta = pf.metadata
        except Exception:                # noqa: BLE001 - a damaged file: the careful reader says so, with its words
            return None
        check_rows(meta.num_rows, name, limits)
        if sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)) > limits.max_decompressed_bytes:
            return None                  # the careful reader refuses it with its own message
        try:
            first = next(pf.iter_batches(batch_size=SAMPLE_ROWS), None)
        except Exception:                # noqa: BLE001 - a damaged page: the careful reader says so
            return None
        if first is None:
            return None
        from cxlib.data.formats import (
            read_arrow,  # what read_parquet makes of the same columns
        )
        return read_arrow(pa.Table.from_batches([first]), name, limits)
    if kind != "text":
        return None
    data = source[: sample_bytes + 1] if isinstance(source, bytes) else _head(source, sample_bytes + 1)
    if len(data) <= sample_bytes:                # the whole file: nothing to gain
        return None
    data = data[: data.rfind(b"\n") + 1]
    if not data:
        return None
    table = cxio.read_table(data, name, limits)
    if (table.file_format != "csv" or table.encoding not in _UTF8 or table.delimiter not in _DELIMITERS
            or table.header_rows != 1 or table.first_data_row != 2):
        return None
    return table


def _head(path: Path, n: int) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


# --------------------------------------------------------------------------------------------
# SQL: raw cells -> canonical columns, the same way cxlib.data.schema converts them
# --------------------------------------------------------------------------------------------
# Python's whitespace (str.isspace / str.strip), as one RE2 class.
_WS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(0x3001)) if c.isspace()) + "]"
_FORMULA_START = ("(left({cell}, 1) = '=' OR left({cell}, 1) = '+' OR left({cell}, 1) = '-' OR left({cell}, 1) = '@' "
                  "OR left({cell}, 1) = chr(9) OR left({cell}, 1) = chr(13))")


def _na_tokens() -> list[str]:
    from cxlib.data.convert import NA_TOKENS
    return [_lit(t) for t in sorted(NA_TOKENS)]


class _Plan:
    """The query from the raw relation to the canonical table, in layers so each cell is cleaned once:

    - ``r{i}``: the raw cell; ``s{i}``: stripped, blank -> NULL (``str.strip``, the careful ``text``);
    - ``k{i}``: the cell as the careful reader keeps it (whitespace-only -> NULL); ``l{i}``: a short ``s{i}`` in
      lower case; ``n{i}``: ``s{i}`` with the NA tokens ('N/A', 'none', '-' ...) -> NULL
      (``convert.blank_na_tokens``);
    - the canonical columns, then ``__cx_flag``: bit 1 a mapped cell in a format the SQL does not convert the
      careful way, bit 2 an Excel ="..." wrapper, the formula-looking text cells counted from bit 3; and
      ``__cx_row``, a hash of the row's cells (duplicate rows).
    """

    def __init__(self, role: str, mapping: dict[str, str], sample: Table, types: dict[str, str]) -> None:
        spec = ROLES_BY_NAME[role]
        cols = [str(c) for c in sample.df.columns]
        self.ok, self.names = True, []
        self.index = {c: i for i, c in enumerate(cols)}
        self.text = [types[c] == "VARCHAR" for c in cols]
        layer1 = []
        for i, c in enumerate(cols):
            layer1.append(f"{_q(c)} AS r{i}")
            if self.text[i]:
                # cells that start and end with a visible ASCII character need no stripping (most cells)
                # (substr(.., -1): the last code point; right(.., 1) is the last grapheme, 3x slower to find)
                layer1.append(f"CASE WHEN unicode({_q(c)}) BETWEEN 33 AND 126 AND unicode(substr({_q(c)}, -1)) BETWEEN 33 "
                              f"AND 126 THEN {_q(c)} ELSE nullif(regexp_replace({_q(c)}, '^{_WS}+|{_WS}+$', '', 'g'), '') "
                              f"END AS s{i}")
        layer2 = ["*"] + [f"CASE WHEN s{i} IS NULL THEN NULL ELSE r{i} END AS k{i}" for i in range(len(cols))
                          if self.text[i]]
        layer3 = ["*"]
        select, bad, hidden, cleaned = [], [], [], set()      # cleaned: columns that have their n{i}
        same: list[str] | None = []             # where a cell stays as it is (None: the columns change)
        self.deferred: dict[str, str] = {}      # field -> hidden column of its cleaned text (finished afterwards)
        used = set(mapping.values())
        for f in spec.fields:
            if f.name not in mapping:
                continue
            i = self.index[mapping[f.name]]
            if (role, f.name) in DEFERRED and self.text[i]:
                expr, fails, needs_na = "CAST(NULL AS VARCHAR)", None, True      # its value: from the table of labels
            else:
                expr, fails, needs_na = self._convert(f, i, types[cols[i]], sample.df[cols[i]], cols[i])
            if ((role, f.name) in DEFERRED or (role, f.name) in LISTED) and self.text[i]:
                needs_na = True                          # its cleaned text: for the table of labels, the value list
                hidden.append(f"n{i} AS {_q(HIDDEN + f.name)}")
                self.deferred[f.name] = HIDDEN + f.name
            if expr is None:
                self.ok = False
                return
            if needs_na and i not in cleaned:
                cleaned.add(i)
                # the lower case once (l{i}, a layer below), then ORs: not IN or list_contains, DuckDB turns a long
                # list into a join, which loses the row order
                layer2.append(f"CASE WHEN length(s{i}) <= 14 THEN lower(s{i}) END AS l{i}")
                tokens = " OR ".join(f"l{i} = {t}" for t in _na_tokens())
                layer3.append(f"CASE WHEN {tokens} THEN NULL ELSE s{i} END AS n{i}")
            select.append(f"{expr} AS {_q(f.name)}")
            self.names.append(f.name)
            if same is not None and cols[i] == f.name and expr == f"s{i}":
                same.append(f"s{i} IS NOT DISTINCT FROM r{i}")
            elif not (cols[i] == f.name and expr == f"CAST(r{i} AS TIMESTAMPTZ)" and types[cols[i]] == _TSTZ):
                same = None
            if fails:
                bad.append(fails)
        for i, c in enumerate(cols):                    # unmapped columns stay text (schema._extras)
            if c in used:
                continue
            name = c if spec.field(c) is None else f"{c} (source)"
            if same is not None and self.text[i]:         # a blank cell of its own becomes empty
                same.append(f"k{i} IS NOT DISTINCT FROM r{i}")
            elif not self.text[i]:                          # a typed column becomes text
                same = None
            select.append(f"CAST({f'k{i}' if self.text[i] else f'r{i}'} AS VARCHAR) AS {_q(name)}")
            self.names.append(name)
        texts = [i for i in range(len(cols)) if self.text[i]]
        self._layers = (", ".join(layer1), ", ".join(layer2), ", ".join(layer3))
        self._select = ", ".join(select + hidden)
        self._extra = self._report_columns(bad, texts, cols, types, "k")
        # where no cell changes (kept), a kept cell k{i} is the raw one: the cheaper raw cells serve the report
        self._extra_kept = self._report_columns(bad, texts, cols, types, "r")
        # a typed file (Parquet) whose canonical table would be its own columns, in its order, unchanged
        self.kept = None if same is None or hidden or self.names != cols else " AND ".join(same) or "true"

    @staticmethod
    def _report_columns(bad: list[str], texts: list[int], cols: list[str], types: dict[str, str], cell: str) -> str:
        """``__cx_flag`` and ``__cx_row`` (see the class) over the text cells ``{cell}{i}``: ``k`` as kept, or ``r``
        raw where the two are known to be equal."""
        flags = [f"coalesce({' OR '.join(bad)}, false)::INTEGER" if bad else "0"]       # NULL cells: no flag
        if texts:
            # starts with '="': two comparisons in byte order ('"' + 1 is '#'), a fifth of starts_with's cost
            flags.append("coalesce(" + " OR ".join(f"({cell}{i} >= '=\"' AND {cell}{i} < '=#')" for i in texts)
                         + ", false)::INTEGER * 2")
            flags.append("(" + " + ".join(
                f"(CASE WHEN ({cell}{i} < '.' OR ({cell}{i} >= '=' AND {cell}{i} < 'A')) AND "
                f"{_FORMULA_START.format(cell=f'{cell}{i}')} AND NOT regexp_full_match({cell}{i}, {_lit(_NUMERIC_TEXT)}) "
                "THEN 1 ELSE 0 END)" for i in texts) + ") * 8")
        hashed = [f"{cell}{i}" if i in texts else
                  (f"CASE WHEN isnan(r{i}) THEN NULL ELSE r{i} END" if types[c] in ("DOUBLE", "FLOAT") else f"r{i}")
                  for i, c in enumerate(cols)]
        return f"{' + '.join(flags)} AS {_FLAG}, hash({', '.join(hashed)}) AS {_HASH}"

    def sql(self, source: str, *, limit: int | None = None, report: bool = True, kept: bool = False) -> str:
        """The canonical table (``limit``: of the file's first rows; ``report``: with the per-row columns;
        ``kept``: and whether the row's cells stay as they are, :attr:`kept`)."""
        first, second, third = self._layers
        head = f" LIMIT {limit}" if limit is not None else ""
        extra = f", {self._extra_kept if kept else self._extra}" if report else ""
        extra += f", {self.kept} AS __cx_kept" if kept else ""
        # nested subqueries, not a WITH: a materialized CTE would not keep the file's row order
        return (f"SELECT {self._select}{extra} FROM (SELECT {third} FROM (SELECT {second} FROM (SELECT {first} FROM "
                f"(SELECT * FROM {source}{head}))))")

    @staticmethod
    def _convert(f, i: int, typ: str, values: pd.Series, header: str) -> tuple[str | None, str | None, bool]:
        """(SQL of the canonical column, SQL true where a present cell is not in a plain format, whether it
        reads ``n{i}``), or (None, ...) when this column's type or content needs the careful reader."""
        text = typ == "VARCHAR"
        if f.kind in ("id", "text"):
            if text:
                present = values.dropna().astype(str).str.strip()
                present = present[present != ""]
                if f.kind == "id" and len(present) and present.str.fullmatch(r"-?\d+\.0+").all():
                    return None, None, False            # ids written as floats ("12.0"): the careful reader
                return f"s{i}", None, False
            if f.kind == "id" and typ in _INTEGERS:
                return f"CAST(r{i} AS VARCHAR)", None, False
            return None, None, False
        if f.name in ("nps", "csat", "ces") and typ in (*_INTEGERS, "DOUBLE", "FLOAT", "DECIMAL"):
            return f"CASE WHEN isnan(CAST(r{i} AS DOUBLE)) THEN NULL ELSE CAST(r{i} AS DOUBLE) END", None, False
        if f.name.endswith("_minutes") and typ == "VARCHAR":
            # plain numbers in the header's unit (convert.minutes); a clock duration (1:20) goes the careful way
            from cxlib.data.convert import _HEADER_UNITS
            factor = next((x for rx, x in _HEADER_UNITS if rx.search(str(header))), 1.0)
            return (f"try_cast(n{i} AS DOUBLE) * {factor!r}",
                    f"(n{i} IS NOT NULL AND NOT regexp_full_match(n{i}, {_lit(_NUMBER)}))", True)
        if f.name in ("nps", "csat", "ces") or f.name.endswith("_minutes") or f.kind == "flag":
            return None, None, False
        if f.kind == "datetime":
            if typ in ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_MS", "TIMESTAMP_S"):
                return f"CAST(r{i} AS TIMESTAMPTZ)", None, False
            if not text:
                return None, None, False
            # a cell DuckDB cannot read, or one it reads that is not shaped like an ISO date (DuckDB also
            # takes 'infinity' and 'epoch'); cheaper than a regular expression on every cell
            # (LIKE, not two substr calls: a third of the cost; a cell DuckDB reads as a time is ASCII up to there)
            fails = (f"(n{i} IS NOT NULL AND (try_cast(n{i} AS TIMESTAMPTZ) IS NULL OR n{i} NOT LIKE '____-__-%' "
                     f"OR length(n{i}) > 32 OR n{i} < '0' OR n{i} >= ':'))")
            return f"try_cast(n{i} AS TIMESTAMPTZ)", fails, True
        if f.kind == "number":
            if typ in ("DOUBLE", "FLOAT"):
                return f"CASE WHEN isnan(r{i}) THEN NULL ELSE CAST(r{i} AS DOUBLE) END", None, False
            if typ in _INTEGERS or typ == "DECIMAL":
                return f"CAST(r{i} AS DOUBLE)", None, False
            if not text:
                return None, None, False
            return (f"try_cast(n{i} AS DOUBLE)",
                    f"(n{i} IS NOT NULL AND NOT regexp_full_match(n{i}, {_lit(_NUMBER)}))", True)
        return None, None, False


_TSTZ = "TIMESTAMP WITH TIME ZONE"
_INTEGERS = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT", "HUGEINT")


def _connect(spill: Path):
    from cxlib.data.engine import connect
    spill.mkdir(parents=True, exist_ok=True)
    return connect(preserve_insertion_order=True, temp_directory=str(spill))


def _reader(path: Path, sample: Table) -> str:
    if sample.file_format == "parquet":
        return f"read_parquet({_lit(str(path))})"
    cols = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in sample.df.columns) + "}"
    return (f"read_csv({_lit(str(path))}, delim={_lit(sample.delimiter)}, quote='\"', escape='\"', header=true, "
            f"auto_detect=false, columns={cols}, strict_mode=true, null_padding=false)")


def _types(con, source: str) -> dict[str, str]:
    rows = con.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()
    out = {}
    for name, typ, *_ in rows:
        typ = str(typ).upper()
        out[name] = "DECIMAL" if typ.startswith("DECIMAL") else typ
    return out


def build(source: Path | bytes, sample: Table, role: str, mapping: dict[str, str], detection, limits: Limits,
          digest: str | None = None) -> Dataset | None:
    """The Dataset of a whole file (a path, or an upload's bytes) on the engine, or None when the careful readers
    must read it. A file the engine declined once is remembered and declined at once the next time."""
    from cxlib.data import schema
    if role not in FAST_ROLES:
        return None
    rec = schema._recognizer_for(sample, role, mapping, detection)
    if rec is not None and (rec.prepare is not None or rec.local_tz):
        return None
    if role in _FINISH and not _FINISH[role].eligible(mapping, sample):
        return None
    careful = schema.build(sample, role, mapping, detection=detection)
    report = careful.report
    counted = _count_sentences()
    if (report.issues or (report.values and role not in _FINISH) or report.value_map or sample.warnings
            or any(getattr(w, "template", w) not in counted for w in report.warnings)):
        return None
    hashing = None
    if digest is None and isinstance(source, bytes):
        digest = hashlib.sha256(source).hexdigest()
    elif digest is None:
        digest = known_digest(source)
        if digest is None and digest_now(source):
            digest = hash_file(source)
        elif digest is None:                          # a large file not seen before: hashed while it is converted
            hashing = Hashing(source)
    key = hashlib.sha256(json.dumps([FORMAT, __version__, role, sorted(mapping.items())]).encode()).hexdigest()[:16]
    folder = cache_dir()
    target = folder / f"{digest}-{key}.parquet" if digest else None
    stats = _read_stats(target.with_suffix(".json")) if target else None
    if stats is not None and stats.get("declined"):
        return None
    if stats is None or not target.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:                               # no writable cache folder: the careful readers
            return None
        pending = target or scratch(folder, f"pending-{key}.parquet")
        stats = _convert_source(source, digest or "pending", sample, role, mapping, careful.df, pending, folder)
        if hashing is not None:
            digest = hashing.result()
            target = folder / f"{digest}-{key}.parquet"
            if stats is not None:
                os.replace(pending, target)
        try:
            _write_stats(target.with_suffix(".json"), stats or {"format": FORMAT, "declined": True})
        except OSError:                               # a full or read-only disk: not remembered, still right
            pass
        if stats is None:
            return None
        prune(folder, keep=target)
    else:
        os.utime(target)                              # recently used: kept longest by prune()
    check_rows(stats["rows"], sample.name, limits)
    if stats["rows"] == 0:
        return None
    return _dataset(sample.name, role, mapping, careful, rec, stats, str(target), digest)


def _convert_source(source: Path | bytes, digest: str, sample: Table, role: str, mapping: dict[str, str],
                    expected: pd.DataFrame, target: Path, folder: Path) -> dict | None:
    """:func:`_convert` of a path, or of an upload's bytes spooled to a file for DuckDB (removed afterwards)."""
    if isinstance(source, Path):
        return _convert(source, sample, role, mapping, expected, target, folder)
    spool = scratch(folder, f"{digest}.upload")
    try:
        spool.write_bytes(source)
        return _convert(spool, sample, role, mapping, expected, target, folder)
    finally:
        spool.unlink(missing_ok=True)


def _write_stats(path: Path, stats: dict) -> None:
    tmp = scratch(path.parent, path.name)
    tmp.write_text(json.dumps(stats))
    os.replace(tmp, path)


def _read_stats(path: Path) -> dict | None:
    if not path.exists():
        return None
    try:
        stats = json.loads(path.read_text())
        return stats if isinstance(stats, dict) and stats.get("format") == FORMAT else None
    except (OSError, ValueError):
        return None


def _convert(path: Path, sample: Table, role: str, mapping: dict[str, str], expected: pd.DataFrame,
             target: Path, folder: Path) -> dict | None:
    """Convert the whole file into ``target`` (a temporary name, then renamed) and count what the report
    needs; None (and nothing left behind) when the careful readers must read it."""
    import duckdb
    tmp = scratch(target.parent, target.name)
    try:
        con = _connect(folder / "spill")
    except (duckdb.Error, OSError):
        return None
    try:
        source = _reader(path, sample)
        plan = _Plan(role, mapping, sample, _types(con, source))
        if not plan.ok:
            return None
        con.execute("SET threads = 1")              # the file's first rows, in the file's order
        head = con.sql(plan.sql(source, limit=len(expected), report=False)).to_arrow_table()
        finisher = _FINISH.get(role)
        if finisher is not None:
            con.register("head1", head)
            done = finisher.finish(con, "head1", plan.names, mapping, plan.deferred)
            head = None if done is None else con.sql(done[0]).to_arrow_table()
        con.execute(f"SET threads = {_threads()}")
        if head is None or not _same(arrow_frame(head.select(frame_names(head))), expected):
            return None
        if plan.kept is not None and role in _AS_IS:       # a typed file already canonical: counted, then copied
            stats = _count(con, f"({plan.sql(source, kept=True)})", plan.names, role, kept=True)
            if stats is not None and stats.pop("changed") == 0:
                shutil.copyfile(path, tmp)
                os.replace(tmp, target)
                return stats
        _run(con, f"COPY ({plan.sql(source)}) TO {_lit(str(tmp))} ({_PARQUET})")
        stats = _count(con, f"read_parquet({_lit(str(tmp))})", plan.names, role)
        if stats is None:
            return None
        if finisher is not None:
            done = finisher.finish(con, f"read_parquet({_lit(str(tmp))})", plan.names, mapping, plan.deferred)
            if done is None:
                return None
            final = tmp.with_name(tmp.name + ".finished")
            con.execute(f"COPY ({done[0]}) TO {_lit(str(final))} ({_PARQUET})")
            stats["finish"] = done[1]
            fields = list(stats["missing"])                 # labelled fields (and refunds) are final only now
            empty = con.sql("SELECT " + ", ".join(f"count(*) - count({_q(n)})" for n in fields)
                            + f" FROM read_parquet({_lit(str(final))})").fetchall()[0]
            stats["missing"] = dict(zip(fields, (int(x) for x in empty)))
            found = finisher.inventory(str(tmp), plan.deferred)
            stats["values"] = {k: [list(v) for v in vs] for k, vs in found.items()}
            os.replace(final, tmp)
        os.replace(tmp, target)
        return stats
    except (duckdb.Error, OSError, UnicodeError):
        return None
    finally:
        con.close()
        tmp.unlink(missing_ok=True)


_PARQUET = "FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 262144, PARQUET_VERSION V2"
_AS_IS = frozenset({"events"})       # roles without a second pass: a typed file already canonical is copied
# roles whose careful steps after conversion run as a second SQL pass (eligible, finish, inventory, notes, ...)
_FINISH = {"orders": canonical_orders, "experiment": canonical_experiment, "responses": canonical_rows.RESPONSES,
           "tickets": canonical_rows.TICKETS, "messages": canonical_rows.MESSAGES,
           "customers": canonical_rows.CUSTOMERS}
def frame_names(table) -> list[str]:
    """An Arrow table's canonical columns (the load's own columns left out)."""
    return [n for n in table.schema.names if not n.startswith("__cx_")]


def _count(con, t: str, names: list[str], role: str, kept: bool = False) -> dict | None:
    """Rows, unconvertible cells, duplicates, formula cells, empty cells per field, date range of the relation
    ``t``; ``kept``: and the rows whose cells change (``changed``)."""
    spec = ROLES_BY_NAME[role]
    fields = [n for n in names if spec.field(n) is not None]
    main = spec.main_time if spec.main_time in fields else None
    parts = ["count(*)", f"count(*) FILTER (WHERE {_FLAG} & 3 <> 0)", f"count(DISTINCT {_HASH})",
             f"coalesce(sum({_FLAG} >> 3), 0)"]
    parts += [f"count(*) - count({_q(n)})" for n in fields]
    if main:
        parts += [f"strftime(min({_q(main)}), '%Y-%m-%d')", f"strftime(max({_q(main)}), '%Y-%m-%d')"]
    row = con.sql(f"SELECT {', '.join(parts)}{', count(*) FILTER (WHERE NOT __cx_kept)' if kept else ''} "
                  f"FROM {t}").fetchall()[0]
    row, changed = (row[:-1], {"changed": int(row[-1])}) if kept else (row, {})
    rows, unusable, distinct, formulas = (int(x) for x in row[:4])
    if unusable:
        return None
    missing = dict(zip(fields, (int(x) for x in row[4:4 + len(fields)])))
    lo, hi = (row[-2], row[-1]) if main else (None, None)
    return {"format": FORMAT, "rows": rows, "duplicates": rows - distinct, "formulas": formulas,
            "missing": missing, "date_range": [lo, hi] if lo is not None else None, **changed}


def _same(got: pd.DataFrame, expected: pd.DataFrame) -> bool:
    import pandas as pd
    if list(got.columns) != [str(c) for c in expected.columns] or len(got) != len(expected):
        return False
    try:
        pd.testing.assert_frame_equal(got, expected.reset_index(drop=True), check_exact=True)
    except AssertionError:
        return False
    return True


def _dataset(name: str, role: str, mapping: dict[str, str], careful, rec, stats: dict, target: str,
             digest: str) -> Dataset:
    """The Dataset: the careful reader's report of the sample with the whole file's counts and sentences."""
    from dataclasses import replace

    from cxlib.data import schema
    from cxlib.data.dataset import Dataset
    spec, rows = ROLES_BY_NAME[role], stats["rows"]
    finisher, counts = _FINISH.get(role), stats.get("finish", {})
    duplicates, said = (finisher.duplicates(counts, stats["duplicates"]) if finisher is not None
                        else (stats["duplicates"], schema.duplicate_row_warnings(stats["duplicates"])))
    warnings = ((finisher.notes(counts) if finisher is not None else []) + said
                + schema.empty_required(stats["missing"], rows, spec, mapping, rec)
                + schema.formula_warnings(stats["formulas"]))
    # an assignment log counts its units, not its rows (cxlib.data.counts)
    report = replace(careful.report, rows_in=rows, rows=counts.get("units", rows), missing=dict(stats["missing"]),
                     duplicates=duplicates, formulas=stats["formulas"], warnings=tuple(warnings),
                     date_range=tuple(stats["date_range"]) if stats["date_range"] else None,
                     values={k: tuple(tuple(v) for v in vs) for k, vs in stats.get("values", {}).items()})
    return Dataset(name=name, role=role, mapping=dict(mapping), report=report, content_hash=digest,
                   parquet=target)


def _count_sentences() -> set[str]:
    """Templates of the report sentences that only restate counts (recomputed for the whole file)."""
    from cxlib.data import schema
    from cxlib.data.roles import ROLES
    out = {m.template for m in schema.duplicate_row_warnings(1) + schema.formula_warnings(1)}
    for finisher in _FINISH.values():
        out |= finisher.note_templates()
    for spec in ROLES:
        out |= {m.template for m in schema.empty_required(dict.fromkeys(spec.required, 1), 1, spec, {}, None)}
    return out


__all__ = [
    "arrow_frame",
    "build",
    "cache_dir",
    "file_digest",
    "frame_columns",
    "min_bytes",
    "prune",
    "read_frame",
    "reporting",
    "sample_table",
]
