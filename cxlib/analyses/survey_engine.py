"""Survey answers counted on the engine, for a Dataset whose canonical table lives in its Parquet file.

Only small tables leave the engine: answers per distinct cell of a score column (with the first row that holds
it, so warnings name the same examples as the careful path), per distinct value of a breakdown column or per
day (UTC) of ``answered_at`` when asked, and the comments a page shows (filtered, ordered and capped on the
engine). Every statistic, and every rule about which answers count, stays in :mod:`cxlib.analyses.survey` and
:mod:`cxlib.analyses.survey_scores`, which read these counts as they read a pandas column.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from cxlib.data.dataset import Dataset
from cxlib.data.engine import fetch, utc_day

if TYPE_CHECKING:                     # pragma: no cover - typing only
    import pandas as pd


def cells(ds: Dataset, metric: str, *, by: str | None = None, daily: bool = False) -> pd.DataFrame:
    """Answers per distinct cell of ``metric`` (columns ``cell``, ``n``, ``first``: the first row holding it),
    also per distinct value of ``by`` (column ``key``) and per UTC day of ``answered_at`` (``day``), ordered by
    ``first``."""
    t = ds.engine_table(row=True)
    keys = {"cell": t[metric]}
    if by is not None:
        keys["key"] = t[by]
    if daily:
        keys["day"] = utc_day(t.answered_at)
    return fetch(t.group_by(**keys).aggregate(n=t.count(), first=t._row.min()).order_by("first"))


def comment_rows(ds: Dataset, cols: list[str], search: str, limit: int) -> pd.DataFrame:
    """Rows with a comment (containing ``search``, case-insensitively, when given), newest ``answered_at``
    first then in file order, at most ``limit``: columns ``cols`` and ``comment``."""
    import ibis
    t = ds.engine_table(row=True)
    text = t.comment.cast("string")
    keep = text.notnull() & (text.strip().length() > 0)
    if search:
        keep &= text.lower().contains(search.lower())
    order = ([ibis.desc(t.answered_at, nulls_first=False)] if "answered_at" in cols else []) + [t._row]
    return fetch(t.filter(keep).order_by(order).limit(limit).select(*cols, "comment"))


__all__ = ["cells", "comment_rows"]
