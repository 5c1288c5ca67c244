"""Support tickets aggregated on the engine, for a Dataset whose canonical table lives in its Parquet file.

What leaves the engine is small: the distinct values of a column (channels, ratings, UTC days of ``created_at``),
counts per group (tickets, answered, within SLA, good and rated, resolved, negative reply times) and, for the
medians and 90th percentiles, only the order statistics the interpolation needs (each group's values at a few
ranks, found with ``row_number`` over the group ordered by the value: exact and portable). The rules (a channel's
group, a good rating, a period, which ranks a quantile needs and how they are interpolated) stay in
:mod:`cxlib.analyses.support`, which passes them in.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cxlib.data.dataset import Dataset
from cxlib.data.engine import fetch, lookup, utc_day

if TYPE_CHECKING:                     # pragma: no cover - typing only
    import pandas as pd

TIMES = ("first_reply_minutes", "resolution_minutes")


def distinct(ds: Dataset, column: str) -> pd.Series:
    """The distinct values of ``column`` (nulls included), as the pandas table holds them."""
    t = ds.engine_table()
    return fetch(t.select(v=t[column]).distinct())["v"]


def distinct_days(ds: Dataset) -> pd.Series:
    """The distinct UTC days (days since 1970-01-01) on which tickets were created."""
    t = ds.engine_table()
    d = t.select(day=utc_day(t.created_at)).distinct()
    return fetch(d.filter(d.day.notnull()))["day"].astype("int64")


def _keyed(ds: Dataset, key: str | tuple[str, pd.DataFrame, object]):
    """The table with its group in column ``key``: ``(source, mapping with columns raw and key, key of a null)``
    where ``source`` is a column or ``"day"`` (UTC day of ``created_at``); a text: one group of that name."""
    import ibis
    t = ds.engine_table()
    t = t.mutate(**{c: ibis.null("float64") for c in TIMES if c not in t.columns})     # absent: never answered
    if isinstance(key, str):
        return t.mutate(key=ibis.literal(key))
    source, mapping, null_key = key
    value = utc_day(t.created_at) if source == "day" else t[source]
    return lookup(t, value, mapping["raw"], mapping["key"], null_key)


def _time(t, column: str):
    """A reply or resolution time that counts (present, a number, not negative), else null."""
    import ibis
    c = t[column].cast("float64")
    return ibis.ifelse(c.notnull() & ~c.isnan() & (c >= 0), c, ibis.null("float64"))


def counts(ds: Dataset, key, sla_min: float, good: list, bad: list) -> pd.DataFrame:
    """Per group (index ``key``): tickets, answered, within_sla, good, rated, resolved, negative."""
    t = _keyed(ds, key)
    fr, res = _time(t, TIMES[0]), _time(t, TIMES[1])
    sat = t["satisfaction"] if "satisfaction" in t.columns else None
    zero = t.count() * 0
    neg = (t[TIMES[0]].cast("float64") < 0).sum()
    agg = t.group_by("key").aggregate(
        tickets=t.count(), answered=fr.count(), within_sla=(fr <= sla_min).sum(),
        good=sat.isin(good).sum() if sat is not None and good else zero,
        rated=sat.isin(good + bad).sum() if sat is not None and good + bad else zero,
        resolved=res.count(), negative=neg)
    out = fetch(agg).set_index("key")
    return out.fillna(0).astype("int64")


def order_statistics(ds: Dataset, key, sizes: pd.DataFrame, ranks: Callable[[int], list[int]]) -> pd.DataFrame:
    """Each group's reply and resolution times at the ranks (0-based, ascending) ``ranks(n)`` names for its
    ``n`` times (``sizes``: per group, columns answered and resolved): columns key, column, rank, value."""
    import ibis
    import pandas as pd
    t = _keyed(ds, key)
    parts = []
    for column, size in zip(TIMES, ("answered", "resolved")):
        wanted = sorted({r for n in sizes[size] for r in ranks(int(n))})
        if not wanted:
            continue
        v = t.mutate(value=_time(t, column))
        v = v.filter(v.value.notnull())
        v = v.mutate(rank=ibis.row_number().over(group_by=v.key, order_by=v.value))
        got = fetch(v.filter(v["rank"].isin(wanted)).select("key", "rank", "value"))
        parts.append(got.assign(column=column))
    cols = ["key", "column", "rank", "value"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def undated(ds: Dataset) -> int:
    """Tickets without a creation date."""
    return int(ds.engine_table().created_at.isnull().sum().execute())


def customer_count(ds: Dataset) -> int:
    """Distinct customer ids of a customers or orders table."""
    t = ds.engine_table()
    return int(t.customer_id.nunique().execute())


__all__ = ["TIMES", "counts", "customer_count", "distinct", "distinct_days", "order_statistics", "undated"]
