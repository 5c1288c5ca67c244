"""Average order value of customer groups on the engine: the comparison's sufficient statistics from orders that
stay in their Parquet file (:class:`~cxlib.analyses.rfm_inputs.EngineOrderValues`).

The groups are masks over the per-customer table. Their members (customer id, group) go to the engine as a small
table, are joined to the valid orders there, and only these come back:

- per group: the orders, their mean and sample variance (DuckDB's ``var_samp``, a stable one-pass algorithm),
  for the t interval of each mean and the Welch test of each pair;
- per pair: Mann-Whitney's U and tie term (:func:`cxlib.analyses.experiment_engine.rank_sums`);
- over all groups: each group's rank sum and the tie term, for Kruskal-Wallis (:func:`cxlib.core.abstats.kruskal`).

A customer in two groups has their orders in both, as when each group's order values are listed in pandas.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.analyses.experiment_engine import rank_sums
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
        import ibis
        o = self._orders
        o = o.filter(o.g.isin([self.names.index(p) for p in present]))
        per = o.group_by(["v", "g"]).aggregate(c=o.count().cast("float64"))
        tv = per.group_by("v").aggregate(t=per.c.sum())
        tv = tv.mutate(before=tv.t.sum().over(ibis.cumulative_window(order_by=tv.v)) - tv.t)
        j = per.inner_join(tv, "v")
        sums = engine.execute(j.group_by("g").aggregate(twice=(j.c * (2 * j.before + j.t + 1)).sum(), n=j.c.sum()))
        ties = engine.execute(tv.aggregate(ties=(tv.t ** 3 - tv.t).sum(), k=tv.count())).iloc[0]
        by = {int(r.g): r for r in sums.itertuples()}
        idx = [self.names.index(p) for p in present]
        return (np.array([float(by[i].twice) / 2 for i in idx]), np.array([float(by[i].n) for i in idx]),
                float(ties["ties"]), int(ties["k"]))


__all__ = ["GroupMoments", "OrderGroups"]
