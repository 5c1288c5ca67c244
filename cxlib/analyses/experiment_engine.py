"""The A/B test's units and each variant's sufficient statistics on the engine, for an experiment Dataset whose
canonical table lives in its Parquet file and is large (:attr:`cxlib.data.dataset.Dataset.aggregate_on_engine`).

The rows kept are those :func:`cxlib.data.counts.assignment_rows` keeps (each distinct row on the canonical fields
once, rows with a unit and a variant, units in one variant only), collapsed per unit as
:func:`cxlib.analyses.experiment_units._units` collapses them: converted when any row converted (or has revenue
above 0 without a conversion column), revenue summed with a missing value as 0, orders summed, the first
exposure. That table of units (one row per unit, with its number of variants) is computed once
and cached on the engine; only small results leave it:

- the counts of the data checks and of the warnings, and the variants in order of first appearance;
- for the winsorization cap, the two order statistics ``np.percentile`` reads (:func:`cxlib.core.abstats.percentile`
  interpolates them as numpy does, to the last bit);
- per variant: users, conversions and the sums of the per-unit value ``y`` (revenue, capped), ``y²``, and of the
  covariate ``x`` (CUPED: net revenue of the unit's valid orders before its exposure, an engine join with
  :func:`cxlib.data.orders.order_expr`), ``x²`` and ``xy``, or of orders ``d``, ``d²`` and ``yd`` (average order
  value): :class:`cxlib.core.abstats.Moments`, from which abstats derives the variances, CUPED's theta and the
  adjusted means and variances, and :class:`~cxlib.core.abstats.RatioStats`;
- per comparison, Mann-Whitney's rank sum and tie term, from the units per distinct value with a running sum
  over the values (:func:`cxlib.core.abstats.rank_sums` is the same computation on arrays).

Every statistic is then computed by :mod:`cxlib.analyses.experiment` exactly as for a table read into pandas.
Sums come from the engine in its own order, so floats may differ from the pandas path in the last bits; counts
are equal.
"""
from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd

from cxlib.analyses.experiment_units import (
    Arm,
    Covariate,
    DataChecks,
    check_orders,
    column_checks,
    no_exposure,
    pre_period_sums,
    row_warnings,
)
from cxlib.core import abstats
from cxlib.data import engine
from cxlib.data.canonical_experiment import KEY
from cxlib.data.counts import left_out_notes
from cxlib.data.dataset import Dataset


def _absent(x):
    """A number that is missing (null or NaN): it counts as 0."""
    return x.isnull() | x.isnan()


def _number(t, name: str):
    import ibis
    return t[name].cast("float64") if name in t.columns else ibis.null().cast("float64")


def _int(x) -> int:
    return 0 if x is None or pd.isna(x) else int(x)


def unit_table(ds: Dataset):
    """One row per unit among the distinct rows with a unit and a variant: nv (the unit's variants: 1 for the
    units every analysis keeps, whose other columns are then those of their one variant), variant, n (rows),
    converted (0/1), revenue, orders, exposed_at, conv_missing and rev_missing (rows without a value), at (the
    unit's first row). Two aggregations, per unit and variant then per unit (a window counting each unit's
    variants costs twice as much on DuckDB)."""
    import ibis
    t = ds.engine_table(row=True)
    p = t.filter(t.unit_id.notnull() & t.variant.notnull())
    rows = p.group_by([f for f in KEY if f in t.columns]).aggregate(at=p._row.min())   # each distinct row once
    conv, rev = _number(rows, "converted"), _number(rows, "revenue")
    r = ibis.ifelse(_absent(rev), 0.0, rev)
    c = ibis.ifelse(_absent(conv), 0.0, conv) if "converted" in t.columns else (r > 0).cast("float64")
    exposed = rows.exposed_at if "exposed_at" in t.columns else ibis.null().cast("timestamp('UTC')")
    rows = rows.mutate(c=c, r=r, e=exposed, cm=_absent(conv).cast("int64"), rm=_absent(rev).cast("int64"))
    pair = rows.group_by(["unit_id", "variant"]).aggregate(
        n=rows.count(), converted=(rows.c > 0).cast("int64").max(), revenue=rows.r.sum(), orders=rows.c.sum(),
        exposed_at=rows.e.min(), conv_missing=rows.cm.sum(), rev_missing=rows.rm.sum(), at=rows.at.min())
    return pair.group_by("unit_id").aggregate(
        nv=pair.count(), variant=pair.variant.min(), n=pair.n.sum(), converted=pair.converted.max(),
        revenue=pair.revenue.sum(), orders=pair.orders.sum(), exposed_at=pair.exposed_at.min(),
        conv_missing=pair.conv_missing.sum(), rev_missing=pair.rev_missing.sum(), at=pair.at.min())


class EngineUnits:
    """:class:`cxlib.analyses.experiment_units.FrameUnits` on the engine: the same names, checks, warnings, cap,
    arms and rank sums, from aggregates of the cached table of units (:func:`unit_table`)."""

    def __init__(self, ds: Dataset, metric: str) -> None:
        warnings = column_checks(ds, metric)
        self.ds, self.metric = ds, metric
        t = ds.engine_table()
        head = engine.execute(t.aggregate(rows=t.count(), missing=(t.unit_id.isnull() | t.variant.isnull()).sum()))
        rows, missing = _int(head["rows"].iloc[0]), _int(head["missing"].iloc[0])
        self._per = per = unit_table(ds).cache()
        kept = per.nv == 1
        c = engine.execute(per.aggregate(
            distinct=per.n.sum(), multi_units=(per.nv > 1).sum(),
            multi_rows=per.n.sum(where=per.nv > 1), units=kept.sum(), several=(kept & (per.n > 1)).sum(),
            conv_missing=per.conv_missing.sum(where=kept), rev_missing=per.rev_missing.sum(where=kept))).iloc[0]
        c = {k: _int(v) for k, v in c.items()}
        duplicate = rows - missing - c["distinct"]
        self.checks = DataChecks(rows=rows, units=c["units"], rows_missing_unit_or_variant=missing,
                                 duplicate_rows=duplicate, units_with_several_rows=c["several"],
                                 units_in_multiple_variants=c["multi_units"], rows_in_multiple_variants=c["multi_rows"])
        notes = left_out_notes(rows, duplicate, missing, c["multi_rows"], c["multi_units"], c["units"])
        conv_missing = c["conv_missing"] if "converted" in ds.columns else 0
        self.warnings = warnings + row_warnings(ds, metric, conv_missing, c["rev_missing"], notes, c["several"])
        self.units = u = per.filter(kept)
        first = engine.execute(u.group_by("variant").aggregate(at=u.at.min()).order_by("at"))
        self.names = [str(v) for v in first["variant"]]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self._per.release()

    def _value(self, cap: float | None):
        import ibis
        u = self.units
        return u.revenue if cap is None else ibis.least(u.revenue, ibis.literal(cap, "float64"))

    def cap(self, pct: float) -> tuple[float, int]:
        """The winsorization cap from the two order statistics numpy's percentile reads, and the units above it."""
        u = self.units
        lo, hi, _ = abstats.percentile_ranks(self.checks.units, pct)
        values = engine.execute(u.select("revenue").order_by("revenue").limit(hi - lo + 1, offset=lo))["revenue"]
        cap = abstats.percentile(lambda i: float(values.iloc[i - lo]), self.checks.units, pct)
        return cap, _int(engine.execute(u.aggregate(n=(u.revenue > cap).sum()))["n"].iloc[0])

    def arms(self, order: list[str], cap: float | None, covariate: Covariate | None
             ) -> tuple[dict[str, Arm], tuple[float, float, int] | None]:
        """Each variant's :class:`Arm` from its sums (and CUPED's theta, variance reduction and units with
        pre-period revenue)."""
        import ibis
        u = self.units.mutate(y=self._value(cap))
        u = self._with_covariate(u, covariate) if covariate is not None else u.mutate(x=ibis.literal(0.0))
        u = u.mutate(d=u.orders if self.metric == "aov" else ibis.literal(0.0))
        g = engine.execute(u.group_by("variant").aggregate(
            users=u.count(), conversions=u.converted.sum(), sy=u.y.sum(), syy=(u.y * u.y).sum(), sx=u.x.sum(),
            sxx=(u.x * u.x).sum(), sxy=(u.x * u.y).sum(), sd=u.d.sum(), sdd=(u.d * u.d).sum(), syd=(u.y * u.d).sum(),
            with_pre=(u.x != 0).sum()))
        g = g.set_index(g["variant"].astype(str)).reindex(order)
        sums = {n: abstats.Moments(int(r.users), float(r.sx), float(r.sy), float(r.sxx), float(r.syy), float(r.sxy))
                for n, r in g.iterrows()}
        theta, cuped, pooled = 0.0, None, None
        if covariate is not None:
            pooled = sum(sums.values(), abstats.Moments(0))
            theta, red = abstats.cuped_from_sums(pooled)
            cuped = (theta, red, int(g["with_pre"].sum()))
        arms = {}
        for n, r in g.iterrows():
            s = sums[n]
            mean = abstats.cuped_mean(s, theta, pooled.mean_x) if pooled is not None and theta else s.sy / s.n
            ratio = (abstats.RatioStats.from_sums(abstats.Moments(s.n, s.sy, float(r.sd), s.syy, float(r.sdd),
                                                                  float(r.syd))) if self.metric == "aov" else None)
            arms[n] = Arm(s.n, int(r.conversions), s.sy, mean, abstats.cuped_variance(s, theta), ratio)
        return arms, cuped

    def _with_covariate(self, u, covariate: Covariate):
        """The units with ``x``: the net revenue of their valid orders (customer_id = unit_id) before their
        exposure, or before the experiment's first exposure for a unit without one
        (:func:`cxlib.analyses.experiment_units.pre_period_revenue` on the engine)."""
        import ibis
        check_orders(covariate.orders)
        first = engine.execute(u.aggregate(m=u.exposed_at.min()))["m"].iloc[0]
        if first is None or pd.isna(first):
            raise no_exposure()
        s = u.select(key=u.unit_id.cast("string"), start=ibis.coalesce(u.exposed_at, u.exposed_at.min().over()))
        x = pre_period_sums(s, covariate.orders, covariate.defs, "key")
        out = u.left_join(x, u.unit_id.cast("string") == x.key)
        return out.mutate(x=out.x.fill_null(0.0)).drop("key")

    def rank_sums(self, control: str, variant: str, cap: float | None) -> tuple[float, int, int, float]:
        """(Mann-Whitney's U of the variant, its units, the control's units, the tie term) over revenue per unit."""
        u = self.units
        return rank_sums(u.filter(u.variant.isin([control, variant])).mutate(v=self._value(cap)), variant)


def rank_sums(t, variant: str) -> tuple[float, int, int, float]:
    """:func:`cxlib.core.abstats.rank_sums` of the values ``v`` of the rows of ``t`` in ``variant`` (x) against
    the others (y), on the engine (:func:`midrank_sums`): Mann-Whitney's U of x, the sizes and the tie term."""
    sums, sizes, n, ties, _ = midrank_sums(t, "variant", [variant])
    nx = int(sizes[0])
    return float(sums[0]) - nx * (nx + 1) / 2, nx, n - nx, ties


def midrank_sums(t, column: str, groups: list) -> tuple[np.ndarray, np.ndarray, int, float, int]:
    """Over all rows of ``t``, the midranks of their values ``v``: for each of ``groups``, the rank sum and the
    number of the rows whose ``column`` is that group; the rows in all, the tie term ``Σ(t³ − t)`` and the distinct
    values. One query: per distinct value its rows in each group and in all, and a running sum of the rows below
    it (each value's midrank); only these sums leave the engine."""
    import ibis
    g = t.group_by("v").aggregate(t=t.count().cast("float64"),
                                  **{f"c{i}": (t[column] == x).cast("float64").sum() for i, x in enumerate(groups)})
    g = g.mutate(before=g.t.sum().over(ibis.cumulative_window(order_by=g.v)) - g.t)
    r = engine.execute(g.aggregate(ties=(g.t ** 3 - g.t).sum(), n=g.t.sum(), k=g.count(),
                                   **{f"r{i}": (g[f"c{i}"] * (2 * g.before + g.t + 1)).sum() for i in range(len(groups))},
                                   **{f"n{i}": g[f"c{i}"].sum() for i in range(len(groups))})).iloc[0]
    sums = np.array([float(r[f"r{i}"] or 0) / 2 for i in range(len(groups))])
    sizes = np.array([float(_int(r[f"n{i}"])) for i in range(len(groups))])
    return sums, sizes, _int(r["n"]), float(r["ties"] or 0), _int(r["k"])


__all__ = ["EngineUnits", "midrank_sums", "rank_sums", "unit_table"]
