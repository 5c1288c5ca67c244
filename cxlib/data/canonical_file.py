"""A canonical Parquet file read back (kept apart from :mod:`cxlib.data.canonical`, which writes it, so that
the Dataset can read its table without importing the readers)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:                     # pragma: no cover - typing only
    import pandas as pd

HASH, FLAG = "__cx_row", "__cx_flag"   # per-row columns of the file that only the load report reads
HIDDEN = "__cx_raw_"                   # + field: a field's cleaned text, kept while the load finishes it


def frame_columns(parquet: str) -> list[str]:
    """The canonical columns of a cache file (its per-row report columns left out)."""
    import pyarrow.parquet as pq
    return [n for n in pq.read_schema(parquet).names if not n.startswith("__cx_")]


def arrow_frame(table) -> pd.DataFrame:
    """An Arrow table from DuckDB or the file as pandas with the careful readers' dtypes (text as pyarrow-backed
    ``string``, timestamps in UTC)."""
    import pandas as pd
    import pyarrow as pa
    string = pd.StringDtype("pyarrow")
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type) and f.type.tz is not None:          # DuckDB says Etc/UTC
            table = table.set_column(i, f.name, table.column(i).cast(pa.timestamp(f.type.unit, "UTC")))
    return table.to_pandas(types_mapper={pa.string(): string, pa.large_string(): string}.get)


def read_frame(parquet: str) -> pd.DataFrame:
    """The canonical table as the careful readers build it (same columns, dtypes and values)."""
    import pyarrow.parquet as pq
    return arrow_frame(pq.read_table(parquet, columns=frame_columns(parquet)))


def iter_frames(parquet: str, rows: int = 250_000) -> Iterator[pd.DataFrame]:
    """The canonical table as :func:`read_frame` gives it, ``rows`` at a time (an empty frame for an empty table):
    for exports that must not hold the whole table in pandas."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    f = pq.ParquetFile(parquet)
    columns = frame_columns(parquet)
    empty = True
    for batch in f.iter_batches(batch_size=rows, columns=columns):
        empty = False
        yield arrow_frame(pa.Table.from_batches([batch]))
    if empty:
        yield arrow_frame(f.schema_arrow.empty_table().select(columns))


def read_head(parquet: str, n: int) -> pd.DataFrame:
    """The first ``n`` rows of a canonical file, as :func:`read_frame` gives them (only the first row group read)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    f = pq.ParquetFile(parquet)
    columns = frame_columns(parquet)
    batch = next(f.iter_batches(batch_size=max(n, 1), columns=columns), None)
    table = pa.Table.from_batches([batch]) if batch is not None else f.schema_arrow.empty_table().select(columns)
    return arrow_frame(table.slice(0, n))


__all__ = ["FLAG", "HASH", "HIDDEN", "arrow_frame", "frame_columns", "iter_frames", "read_frame", "read_head"]
