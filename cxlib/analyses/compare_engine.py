"""Average order value of customer groups on the engine: the comparison's sufficient statistics from orders that
stay in their Parquet file (:class:`~cxlib.analyses.rfm_inputs.EngineOrderValues`).

The groups are masks over the per-customer table. Their members (customer id, group) go to the engine as a small
table, are joined to the valid orders there, and only these come back:

- per group: the orders, their mean and sample variance (DuckDB's ``var_samp``, a stable one-pass algorithm),
  for the t interval of each mean and the Welch test of each pair;
- per pair: Mann-Whitney's U and tie term (:func:`cxlib.analyses.experiment_engine.rank_sums`);
- over all groups: each group's rank sum and the tie term, for Kruskal-Wallis (:func:`cxlib.core.abstats.kruskal`),
  in one query (:func:`cxlib.analyses.experiment_engine.midrank_sums`, which ``rank_sums`` also uses).

A customer in two groups has their orders in both, as when each group's order values are listed in pandas.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.analyses.experiment_engine import midrank_sums, rank_sums
from cxlib.analyses.rfm_inputs import EngineOrderValues
from cxlib.analyses.segments_engine import group_members
from cxlib.data import engine


@dataclass(frozen=True)
class GroupMoments:
    n: int
    mean: float
    var: float                       # sample variance (ddof = 1); NaN below 2 orders


class OrderGroups:
    """The valid orders of each group's members, joined on the engine; statistics are computed when asked."""

    def __init__(self, orders: EngineOrderValues, customer_ids: pd.Series, masks: dict[str, np.ndarray]) -> None:
        self.names = list(masks)
        t = orders.table()
        m = group_members(customer_ids, masks)
        j = t.inner_join(m, t.customer_id == m.m_id)
        self._orders = j.select(g=j.g, v=j.net.cast("float64"))

    def moments(self) -> dict[str, GroupMoments]:
        o = self._orders
        got = engine.execute(o.group_by("g").aggregate(n=o.count(), mean=o.v.mean(), var=o.v.var(how="sample")))
        by = {int(r.g): r for r in got.itertuples()}
        out = {}
        for i, name in enumerate(self.names):
            r = by.get(i)
            n = 0 if r is None else int(r.n)
            out[name] = GroupMoments(n, float(r.mean) if n else float("nan"),
                                     float(r.var) if n > 1 and pd.notna(r.var) else float("nan"))
        return out

    def mann_whitney(self, a: str, b: str) -> tuple[float, int, int, float]:
        """(U of ``a``'s orders, their number, ``b``'s number, the tie term) over the two groups' pooled orders."""
        ia, ib = self.names.index(a), self.names.index(b)
        o = self._orders
        return rank_sums(o.filter(o.g.isin([ia, ib])).mutate(variant=o.g), ia)

    def kruskal(self, present: list[str]) -> tuple[np.ndarray, np.ndarray, float, int]:
        """(each group's rank sum, its orders, the tie term, the distinct values) over the groups ``present``."""
        idx = [self.names.index(p) for p in present]
        o = self._orders
        sums, sizes, _, ties, distinct = midrank_sums(o.filter(o.g.isin(idx)), "g", idx)
        return sums, sizes, ties, distinct


__all__ = ["GroupMoments", "OrderGroups"]
