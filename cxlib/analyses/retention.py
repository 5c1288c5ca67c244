"""Retention: cohorts of first valid order, churn at a date and over time, retention rate.

Definitions (DESIGN.md "Default metric definitions"):

- valid orders and their net revenue follow the one rule of :mod:`cxlib.data.orders` under the
  revenue definition in use (default: status completed, refunded or partially refunded; a missing
  status counts as completed; line items collapsed; net = amount - refunded);
- a customer is *churned* at an analysis date when they have no valid order in the ``inactive_days``
  days up to and including that date (default 90); only customers whose first valid order is on or
  before the date are counted;
- retention is read by cohort: customers grouped by the month of their first valid order, and the
  share of each cohort with a valid order ``k`` months later.

Dates are handled by calendar day in UTC: an analysis date ``D`` covers orders up to the end of day
``D``, and the churn window is the ``inactive_days`` calendar days ending with ``D``.

Examples
--------
>>> res = cohort_table(ds)                      # doctest: +SKIP
>>> res.to_frame().head()                       # cohort, period, customers, active, retention, ...
>>> churn_rate(ds, ChurnSpec(inactive_days=60)).value
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from cxlib.data import engine
from cxlib.data.dataset import Dataset
from cxlib.data.orders import order_frame, revenue_rule, rule_notes
from cxlib.core.result import Result
from cxlib.core.definitions import RevenueDef
from cxlib.core.errors import CxDataError
from cxlib.data.roles import role_noun
from cxlib.core.messages import Msg, N_, msg
from cxlib.core.periods import PERIODS, ChurnSpec, CohortSpec, Period, parse_day
from cxlib.core.stats import wilson_ci
from cxlib.analyses import retention_engine
from cxlib.analyses.retention_engine import EngineOrders, checked

if TYPE_CHECKING:
    from cxlib.core.definitions import DefinitionSet

SMALL_COHORT = 30            # cohorts smaller than this get a noise warning
DAY = pd.Timedelta(days=1)


# ----------------------------------------------------------------------------------------------
# Valid orders
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ValidOrders:
    """Valid orders of a dataset: one row per order (customer_id, ordered_at, net) + data facts."""

    orders: pd.DataFrame             # customer_id (string), ordered_at (UTC), net (float), row (in ds.df),
                                     # code (integer per customer: fast grouping)
    data_end: pd.Timestamp           # midnight UTC of the last day with any order (valid or not)
    warnings: tuple[str, ...] = ()

    @property
    def start(self) -> pd.Timestamp:
        """Midnight UTC of the first valid order's day."""
        return self.orders["ordered_at"].min().normalize()


def valid_orders(ds: Dataset, defs: DefinitionSet | None = None) -> ValidOrders:
    """The valid orders of an orders dataset, with net revenue per order.

    Valid statuses and refund handling come from ``defs.net_revenue`` (default: completed, refunded,
    partially_refunded; net = amount - refunded). A missing status counts as completed. Orders without
    a customer or a date are left out with a warning. Raises ``CxDataError`` when ``ds`` is not an
    orders dataset or holds no usable valid order.
    """
    _orders_only(ds)
    rev = revenue_rule(defs)
    frame = order_frame(ds.df, rev)
    notes = rule_notes(frame, len(ds.df))
    unusable = frame["customer_id"].isna() | frame["ordered_at"].isna()
    frame = frame[~unusable]
    warnings = checked(ds, rev, notes, int(unusable.sum()), len(frame), int(frame["valid"].sum()))
    data_end = frame["ordered_at"].max().normalize()
    valid = frame.loc[frame["valid"], ["customer_id", "ordered_at", "net", "_row"]]
    valid = valid.rename(columns={"_row": "row"}).reset_index(drop=True)
    valid = valid.assign(code=pd.factorize(valid["customer_id"])[0])
    return ValidOrders(valid, data_end, tuple(warnings))


def _orders_only(ds: Dataset) -> None:
    if ds.role != "orders":
        raise CxDataError(msg("retention needs an orders dataset, not {role}.", role=role_noun(ds.role)), file=ds.name,
                          hint=msg("Load an orders export (customer, order date, amount)."))


def order_source(ds: Dataset, defs: DefinitionSet | None = None) -> ValidOrders | EngineOrders:
    """The valid orders every retention statistic starts from: :func:`valid_orders` (pandas), or, for a large
    table in its Parquet file (``ds.aggregate_on_engine``), the same orders as an engine table."""
    if ds.aggregate_on_engine:
        _orders_only(ds)
        return retention_engine.valid_orders(ds, revenue_rule(defs))
    return valid_orders(ds, defs)


def _period_index(ts: pd.Series, period: Period) -> np.ndarray:
    """Integer period number: months since year 0, or ISO weeks (Mondays) since 1970-01-05."""
    if period == "month":
        return (ts.dt.year.to_numpy() * 12 + ts.dt.month.to_numpy() - 1).astype(np.int64)
    days = (ts.dt.tz_convert("UTC").dt.floor("D") - pd.Timestamp("1970-01-05", tz="UTC")).dt.days
    return np.floor_divide(days.to_numpy(dtype=np.int64), 7)


def _period_complete(day: pd.Timestamp, period: Period) -> bool:
    """True when ``day`` is the last day of its month (or ISO week): that period is fully observed."""
    return bool(day.is_month_end) if period == "month" else day.day_of_week == 6


def _period_label(idx: np.ndarray, period: Period) -> list[str]:
    if period == "month":
        return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in idx]
    start = pd.Timestamp("1970-01-05") + pd.to_timedelta(np.asarray(idx) * 7, unit="D")
    return [d.strftime("%Y-%m-%d") for d in start]


# ----------------------------------------------------------------------------------------------
# Cohorts
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CohortResult(Result):
    """Retention by cohort of first valid order.

    ``table`` is tidy: one row per (cohort, period k) with ``customers`` (cohort size), ``active``
    (customers with a valid order in period k), ``retention`` (active / customers, a fraction) and
    ``partial`` (the period is the last one of the data, so it is still incomplete). Periods after the
    end of the data are absent.
    """

    spec: CohortSpec
    table: pd.DataFrame
    customers: int
    data_end: str                    # ISO date of the last order in the data
    warnings: tuple[str, ...] = ()
    revenue: RevenueDef | None = None    # the revenue rule whose valid orders were counted (captions name it)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def matrix(self) -> pd.DataFrame:
        """Cohorts as rows, periods 0..k as columns, retention fractions (NaN = not observed yet)."""
        return self.table.pivot(index="cohort", columns="period", values="retention")

    def curve(self) -> pd.DataFrame:
        """Average retention by period over the cohorts that were observed for that period."""
        t = self.table
        g = t.groupby("period", observed=True).agg(customers=("customers", "sum"), active=("active", "sum"))
        g["retention"] = g["active"] / g["customers"]
        return g.reset_index()

    def summary(self) -> Msg:
        c = self.curve()
        k1 = c.loc[c["period"] == 1, "retention"]
        n = int(self.table["cohort"].nunique())
        week = self.spec.period == "week"
        first = (msg("{customers:,} customers in {cohorts} weekly cohort(s).", customers=self.customers, cohorts=n)
                 if week else
                 msg("{customers:,} customers in {cohorts} monthly cohort(s).", customers=self.customers, cohorts=n))
        if not len(k1):
            return first
        rate = float(k1.iloc[0])
        second = (msg("On average {rate:.1%} of a cohort ordered again one week after their first order.", rate=rate)
                  if week else
                  msg("On average {rate:.1%} of a cohort ordered again one month after their first order.", rate=rate))
        # TRANSLATORS: two whole sentences, one after the other
        return msg("{first} {second}", first=first, second=second)

    def to_json(self) -> dict:
        cohorts = []
        for cohort, g in self.table.groupby("cohort", sort=True, observed=True):
            cohorts.append({"cohort": str(cohort), "customers": int(g["customers"].iloc[0]),
                            "active": [int(a) for a in g["active"]],
                            "retention_pct": [round(float(r) * 100, 2) for r in g["retention"]]})
        return {"customers": int(self.customers), "period": self.spec.period, "data_end": self.data_end,
                "cohorts": cohorts, "definition": self.spec.describe(self.revenue), "spec": self.spec.to_json(),
                "warnings": list(self.warnings)}


def cohort_table(ds: Dataset, spec: CohortSpec | None = None, *, defs: DefinitionSet | None = None
                 ) -> CohortResult:
    """Retention by cohort of first valid order (vectorized groupby).

    Parameters
    ----------
    ds : Dataset
        An orders dataset.
    spec : CohortSpec, optional
        Period (month or ISO week) and how many periods after the first order to show.
    defs : DefinitionSet, optional
        Which statuses are valid orders (``defs.net_revenue``); default per DESIGN.md.

    Returns
    -------
    CohortResult
        ``to_frame()`` has one row per cohort and period; ``matrix()`` is the heatmap table.

    Examples
    --------
    >>> import cxlib as cx
    >>> res = cx.cohort_table(cx.load("sample_data/orders_shopify.csv"))
    >>> res.summary()[:40]
    '1,180 customers in 12 monthly cohort(s).'
    """
    spec = spec or CohortSpec()
    vo = order_source(ds, defs)
    if isinstance(vo, EngineOrders):
        sizes, active = retention_engine.cohort_counts(vo, spec.period, spec.max_periods)
    else:
        o = vo.orders
        p = _period_index(o["ordered_at"], spec.period)
        cust = o["code"].to_numpy()
        first = pd.Series(p).groupby(cust).transform("min").to_numpy()
        cells = pd.DataFrame({"customer_id": cust, "cohort": first, "period": p - first})
        sizes = cells.loc[cells["period"] == 0].drop_duplicates("customer_id").groupby("cohort").size()
        active = (cells[cells["period"] <= spec.max_periods].drop_duplicates()
                  .groupby(["cohort", "period"]).size())
    return _cohorts(sizes, active, vo, spec, defs)


def _cohorts(sizes: pd.Series, active: pd.Series, vo: ValidOrders | EngineOrders, spec: CohortSpec,
             defs: DefinitionSet | None) -> CohortResult:
    """The cohort table from customers per cohort and active customers per (cohort, period)."""
    last_p = int(_period_index(pd.Series([vo.data_end]), spec.period)[0])
    # every observable (cohort, k): cohort + k up to the data's last period
    grid = [(c, kk) for c in sizes.index for kk in range(0, min(spec.max_periods, last_p - c) + 1)]
    idx = pd.MultiIndex.from_tuples(grid, names=["cohort", "period"])
    table = pd.DataFrame({"active": active.reindex(idx, fill_value=0)}).reset_index()
    table["customers"] = sizes.reindex(table["cohort"]).to_numpy()
    table["retention"] = table["active"] / table["customers"]
    last_complete = _period_complete(vo.data_end, spec.period)
    table["partial"] = ((table["cohort"] + table["period"]) == last_p) & (not last_complete)
    labels = dict(zip(sizes.index, _period_label(sizes.index.to_numpy(), spec.period)))
    table["cohort_start"] = table["cohort"].map(labels)
    table = table.assign(cohort=table["cohort_start"])[          # headers people read
        [N_("cohort"), N_("period"), N_("customers"), N_("active"), N_("retention"), N_("partial")]]
    table = table.astype({"cohort": "string", "period": "int64", "customers": "int64", "active": "int64",
                          "retention": "float64", "partial": "bool"})
    warnings = list(vo.warnings)
    small = int((sizes < SMALL_COHORT).sum())
    week = spec.period == "week"
    if small:
        warnings.append(msg("{small} of {cohorts} cohort(s) have fewer than {minimum} customers; their percentages "
                            "move a lot with a few orders.", small=small, cohorts=len(sizes), minimum=SMALL_COHORT))
    if len(sizes) < 2:
        warnings.append(msg("All customers fall in one week; cohorts need data spanning several weeks.") if week
                        else msg("All customers fall in one month; cohorts need data spanning several months."))
    if table["partial"].any():
        last = _period_label(np.array([last_p]), spec.period)[0]
        warnings.append(msg("The last week in the data ({period}) is incomplete, so its retention is understated.",
                            period=last) if week else
                        msg("The last month in the data ({period}) is incomplete, so its retention is understated.",
                            period=last))
    return CohortResult(spec=spec, table=table.reset_index(drop=True), customers=int(sizes.sum()),
                        data_end=vo.data_end.date().isoformat(), warnings=tuple(warnings), revenue=revenue_rule(defs))


# ----------------------------------------------------------------------------------------------
# Churn and retention rates (scorecard metrics)
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RateResult(Result):
    """A proportion with its Wilson 95% interval: churn rate or retention rate at one date."""

    metric: Literal["churn_rate", "retention_rate"]
    value: float                     # fraction; NaN when n == 0
    count: int                       # churned (or retained) customers
    n: int                           # customers counted
    ci95: tuple[float, float]        # Wilson score interval, fractions
    as_of: str                       # ISO date of the analysis
    sentence: str                    # the definition in use (also .definition())
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"metric": self.metric, "as_of": self.as_of, "value": self.value,
                              "count": self.count, "n": self.n, "ci_low": self.ci95[0],
                              "ci_high": self.ci95[1]}])

    def summary(self) -> Msg:
        metric = msg("Churn rate") if self.metric == "churn_rate" else msg("Retention rate")
        if self.n == 0:
            # TRANSLATORS: {metric} is "Churn rate" or "Retention rate"
            return msg("{metric} on {date}: no customers to count.", metric=metric, date=self.as_of)
        # TRANSLATORS: {metric} is "Churn rate" or "Retention rate"; 95% CI = 95% confidence interval
        return msg("{metric} on {date}: {rate:.1%} ({count:,} of {n:,} customers; 95% CI {low:.1%} to {high:.1%}).",
                   metric=metric, date=self.as_of, rate=self.value, count=self.count, n=self.n,
                   low=self.ci95[0], high=self.ci95[1])

    def to_json(self) -> dict:
        return {"metric": self.metric, "value": _num(self.value), "pct": _pct(self.value), "count": self.count,
                "n": self.n, "ci95": [_num(v) for v in self.ci95], "as_of": self.as_of, "definition": self.sentence,
                "warnings": list(self.warnings)}


def _num(x: float) -> float | None:
    """JSON-safe number: NaN/inf -> None."""
    return float(x) if np.isfinite(x) else None


def _pct(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x) * 100, 2)


def _as_of(vo: ValidOrders | EngineOrders, spec: ChurnSpec) -> pd.Timestamp:
    return parse_day(spec.as_of) if spec.as_of else vo.data_end


def counts_at(vo: ValidOrders | EngineOrders, ends: pd.DatetimeIndex, days: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_counts_at` of the valid orders, on the engine when they live there."""
    if isinstance(vo, EngineOrders):
        return retention_engine.counts_at(vo, ends, days)
    return _counts_at(vo.orders, ends, days)


def _counts_at(o: pd.DataFrame, ends: pd.DatetimeIndex, days: int) -> tuple[np.ndarray, np.ndarray]:
    """For each exclusive end ``e``: customers with a first valid order before ``e``, and those of them
    with a valid order in ``[e - days, e)``; a DuckDB range join, no per-customer loop."""
    first = np.sort(o.groupby("code")["ordered_at"].min().dt.tz_convert("UTC").dt.tz_localize(None)
                    .to_numpy(dtype="datetime64[us]"))          # datetime64, not Timestamp objects: fast sort
    ends = pd.DatetimeIndex(ends)
    ends = ends.tz_convert("UTC") if ends.tz is not None else ends.tz_localize("UTC")
    customers = np.searchsorted(first, ends.tz_localize(None).to_numpy(dtype="datetime64[us]"), side="left")
    evals = pd.DataFrame({"i": np.arange(len(ends)), "hi": ends, "lo": ends - pd.Timedelta(days=days)})
    con = engine.connect()
    try:
        con.register("o", o[["code", "ordered_at"]])
        con.register("e", evals)
        act = con.execute("SELECT e.i, count(DISTINCT o.code) AS n FROM e JOIN o "
                          "ON o.ordered_at >= e.lo AND o.ordered_at < e.hi GROUP BY e.i").df()
    finally:
        con.close()
    active = np.zeros(len(ends), dtype=np.int64)
    active[act["i"].to_numpy(dtype=np.int64)] = act["n"].to_numpy(dtype=np.int64)
    return customers.astype(np.int64), active


def churn_rate(ds: Dataset, spec: ChurnSpec | None = None, *, defs: DefinitionSet | None = None) -> RateResult:
    """Share of customers with no valid order in the ``spec.inactive_days`` days up to ``spec.as_of``.

    Customers counted: those whose first valid order is on or before the analysis date. The interval is
    the Wilson score interval.

    Examples
    --------
    >>> churn_rate(ds, ChurnSpec(inactive_days=90, as_of="2024-06-30")).value   # doctest: +SKIP
    0.62
    """
    spec = spec or ChurnSpec()
    vo = order_source(ds, defs)
    as_of = _as_of(vo, spec)
    n, active = (int(v[0]) for v in counts_at(vo, pd.DatetimeIndex([as_of + DAY]), int(spec.inactive_days)))
    churned = n - active
    lo, hi = wilson_ci(churned, n)
    warnings = list(vo.warnings)
    warnings += _window_warnings(vo, as_of, spec)
    if 0 < n < SMALL_COHORT:
        warnings.append(msg("Only {customers} customers are counted; the churn rate is uncertain.", customers=n))
    return RateResult("churn_rate", churned / n if n else float("nan"), churned, n,
                      (lo, hi), as_of.date().isoformat(), spec.describe(defs), tuple(warnings))


def _window_warnings(vo: ValidOrders | EngineOrders, as_of: pd.Timestamp, spec: ChurnSpec) -> list[Msg]:
    out = []
    if as_of - vo.start < pd.Timedelta(days=int(spec.inactive_days)):
        out.append(msg("The data starts less than {days} days before the analysis date, so no customer can be "
                       "churned yet; the rate is not meaningful.", days=int(spec.inactive_days)))
    if as_of > vo.data_end:
        out.append(msg("The analysis date {date} is after the last order ({last_order}); customers look more "
                       "churned than they may be.", date=as_of.date().isoformat(),
                       last_order=vo.data_end.date().isoformat()))
    return out


def retention_rate(ds: Dataset, spec: ChurnSpec | None = None, *, defs: DefinitionSet | None = None
                   ) -> RateResult:
    """Period-over-period retention: of the customers with a valid order in the ``N`` days before the
    latest ``N``-day window (``N = spec.inactive_days``), the share with a valid order in that window.

    The latest window is the ``N`` days up to ``spec.as_of``; the previous window the ``N`` days before
    it. Wilson 95% interval.

    Examples
    --------
    >>> import cxlib as cx
    >>> round(cx.retention_rate(cx.load("sample_data/orders_shopify.csv")).value, 3)
    0.32
    """
    spec = spec or ChurnSpec()
    vo = order_source(ds, defs)
    as_of = _as_of(vo, spec)
    n_days = pd.Timedelta(days=int(spec.inactive_days))
    end = as_of + DAY
    if isinstance(vo, EngineOrders):
        n, retained = retention_engine.window_counts(vo, end, n_days)
    else:
        o = vo.orders
        prev = np.unique(o.loc[(o["ordered_at"] >= end - 2 * n_days) & (o["ordered_at"] < end - n_days), "code"])
        curr = np.unique(o.loc[(o["ordered_at"] >= end - n_days) & (o["ordered_at"] < end), "code"])
        n = len(prev)
        retained = int(np.isin(curr, prev).sum())
    lo, hi = wilson_ci(retained, n)
    warnings = list(vo.warnings)
    if n == 0:
        warnings.append(msg("No customer ordered in the {days} days before the latest window; the retention rate "
                            "cannot be computed.", days=int(spec.inactive_days)))
    elif n < SMALL_COHORT:
        warnings.append(msg("Only {customers} customers are counted; the retention rate is uncertain.", customers=n))
    if as_of - vo.start < 2 * n_days - DAY:
        warnings.append(msg("The data covers less than two {days}-day windows before the analysis date; the "
                            "previous window is incomplete.", days=int(spec.inactive_days)))
    return RateResult("retention_rate", retained / n if n else float("nan"), retained, n,
                      (lo, hi), as_of.date().isoformat(), spec.describe_retention(),
                      tuple(warnings))


# ----------------------------------------------------------------------------------------------
# Command line: python -m cxlib cohorts FILE
# ----------------------------------------------------------------------------------------------
def cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--period", choices=PERIODS, default=None, help="cohort period (default month)")
    parser.add_argument("--max-periods", type=int, default=None, help="periods after the first order (default 12)")
    parser.add_argument("--inactive-days", type=int, default=None,
                        help="churned after this many days without a valid order (default 90)")
    parser.add_argument("--as-of", default=None, help="analysis date YYYY-MM-DD (default: last order date)")


def cli_run(ds: Dataset, args: argparse.Namespace, defs: DefinitionSet) -> dict:
    """``cohorts`` -> {customers, cohorts: [{cohort, customers, active, retention_pct}], churn, warnings}.

    Options override the definitions file (``--definitions``), which overrides the defaults.
    """
    base_c, base_ch = defs.retention, defs.churn
    cspec = CohortSpec(period=args.period or base_c.period,
                       max_periods=args.max_periods if args.max_periods is not None else base_c.max_periods)
    chspec = ChurnSpec(inactive_days=args.inactive_days if args.inactive_days is not None else base_ch.inactive_days,
                       as_of=args.as_of or base_ch.as_of)
    res = cohort_table(ds, cspec, defs=defs)
    churn = churn_rate(ds, chspec, defs=defs)
    out = res.to_json()
    out["churn"] = {"churn_pct": _pct(churn.value), "rate": _num(churn.value), "churned": churn.count,
                    "n": churn.n, "ci95": [_num(v) for v in churn.ci95], "as_of": churn.as_of,
                    "inactive_days": int(chspec.inactive_days),
                    "definition": churn.sentence}
    out["warnings"] = list(dict.fromkeys(list(res.warnings) + list(churn.warnings)))
    return out


__all__ = ["ChurnSpec", "CohortResult", "CohortSpec", "RateResult", "ValidOrders", "churn_rate", "cohort_table",
           "retention_rate", "valid_orders"]
